import { join } from "node:path";
import { defaultConfig } from "../grader/config.ts";
import { dirUrl, readKitImports, sandboxImportMap } from "../grader/import_map.ts";
import { checkModuleGraphs, classifySpecifier } from "../grader/module_graph.ts";
import { assertEquals, assertIncludes } from "./fixtures/grader/helpers.ts";

const config = defaultConfig();

async function lockedPackages(): Promise<Set<string>> {
  const lock = JSON.parse(await Deno.readTextFile(config.lockFile));
  return new Set(Object.keys(lock.specifiers).filter((s) => s.startsWith("npm:")));
}

/** Stages `files` and runs the real `deno info` based check over `graded`. */
async function check(files: Record<string, string>, graded: string[]) {
  const work = await Deno.makeTempDir({ prefix: "graph-test-" });
  const root = join(work, "s");
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, "exercises", path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, "exercises", path), text);
  }
  const map = sandboxImportMap(
    await readKitImports(config.configFile),
    config,
    [root],
    join(work, "none"),
  );
  await Deno.writeTextFile(join(work, "map.json"), JSON.stringify(map));
  const [verdict] = await checkModuleGraphs([{ root, files: graded }], {
    denoPath: config.denoPath,
    configFile: config.configFile,
    importMapFile: join(work, "map.json"),
    workDir: work,
    rules: {
      publicPrefixes: config.publicPaths.map((p) => new URL(p, dirUrl(config.kitRoot)).href),
      allowedPackages: config.allowedPackages,
      lockedPackages: await lockedPackages(),
      allowedNodeModules: config.allowedNodeModules,
    },
  });
  await Deno.remove(work, { recursive: true });
  return verdict;
}

Deno.test("checkModuleGraphs() allows the kit's public parts, pinned tfjs and own helpers", async () => {
  const verdict = await check({
    "softmax.ts": [
      'import * as tf from "../lib/tf.ts";',
      'import { todo } from "../lib/todo.ts";',
      'import * as core from "@tensorflow/tfjs-core";',
      'import { helper } from "./helpers/h.ts";',
      'import { inspect } from "node:util";',
      "export const softmax = [tf, todo, core, helper, inspect];",
    ].join("\n"),
    "helpers/h.ts":
      'import { sumKeepdim } from "../../lessons/01_sum_keepdim.ts"; export const helper = sumKeepdim;',
  }, ["softmax.ts"]);
  assertEquals(verdict, { blocked: {}, loadErrors: {} });
});

Deno.test("checkModuleGraphs() blocks solutions/, other kit paths, remote, jsr, unpinned npm and node:fs", async () => {
  const files: Record<string, string> = {
    "a.ts": 'import "../solutions/softmax.ts"; export {};',
    "b.ts": 'import "../tests/cases/stable_softmax.ts"; export {};',
    "c.ts": 'import "https://example.com/x.ts"; export {};',
    "d.ts": 'import "jsr:@std/assert"; export {};',
    "e.ts": 'import "npm:@tensorflow/tfjs@4.21.0"; export {};',
    "f.ts": 'import "npm:left-pad@1.3.0"; export {};',
    "g.ts": 'import "node:fs"; export {};',
    "h.ts": 'const m = await import("../solutions/x.ts"); export const h = m;',
    "i.ts": 'export type T = import("../solutions/t.ts").T;',
    "j.ts": 'import "./k.ts"; export {};',
    "k.ts": 'import "../grader/grade.ts"; export {};',
    "l.ts": 'import "lodash"; export {};',
  };
  const graded = Object.keys(files).filter((f) => f !== "k.ts");
  const verdict = await check(files, graded);
  assertEquals(Object.keys(verdict.blocked).sort(), graded.sort());
  assertEquals(verdict.loadErrors, {});
  assertIncludes(verdict.blocked["a.ts"], [
    'a.ts imports "../solutions/softmax.ts"',
    "outside your submission",
  ]);
  assertIncludes(verdict.blocked["e.ts"], ["not the version the kit pins"]);
  assertIncludes(verdict.blocked["f.ts"], ["left-pad is not allowed"]);
  assertIncludes(verdict.blocked["g.ts"], ["node:fs is not allowed"]);
  assertIncludes(verdict.blocked["j.ts"], ['k.ts imports "../grader/grade.ts"']);
});

Deno.test("checkModuleGraphs() reports parse errors and missing own modules as load errors", async () => {
  const verdict = await check({
    "a.ts": "export const a = (;",
    "b.ts": 'import "./missing.ts"; export {};',
    "c.ts": "export const c = 1;",
  }, ["a.ts", "b.ts", "c.ts"]);
  assertEquals(Object.keys(verdict.loadErrors).sort(), ["a.ts", "b.ts"]);
  assertIncludes(verdict.loadErrors["a.ts"], ["a.ts", "Expression expected"]);
  assertIncludes(verdict.loadErrors["b.ts"], ["missing.ts", "not found"]);
  assertEquals(verdict.blocked, {});
});

Deno.test("classifySpecifier() distinguishes public files from look-alikes", () => {
  const rules = {
    studentPrefix: "file:///s/exercises/",
    publicPrefixes: ["file:///kit/lib/", "file:///kit/mod.ts"],
    allowedPackages: ["@tensorflow/"],
    lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]),
    allowedNodeModules: [],
  };
  assertEquals(classifySpecifier("file:///kit/mod.ts", rules).kind, "public");
  assertEquals(classifySpecifier("file:///kit/mod.ts.bak", rules).kind, "violation");
  assertEquals(classifySpecifier("file:///kit/library/x.ts", rules).kind, "violation");
  assertEquals(
    classifySpecifier("npm:/@tensorflow/tfjs@4.22.0/dist/index.js", rules).kind,
    "package",
  );
  assertEquals(classifySpecifier("data:text/javascript,1", rules).kind, "violation");
});

import { join } from "node:path";
import { defaultConfig } from "../grader/config.ts";
import { readKitImports, sandboxImportMap } from "../grader/import_map.ts";
import { canShareProgram, typecheckAll } from "../grader/typecheck.ts";
import { assertEquals, assertIncludes } from "./fixtures/grader/helpers.ts";

const config = defaultConfig();

Deno.test("canShareProgram() isolates anything that can change global declarations", () => {
  assertEquals(
    canShareProgram(["import * as tf from '../lib/tf.ts'; export const a = tf;"], ["a.ts"]),
    true,
  );
  for (
    const text of [
      "declare global { interface Array<T> { x: T } }\nexport {};",
      'declare module "../lib/tf.ts" { export const extra: number; }',
      '/// <reference lib="dom" />\nexport {};',
      '// @deno-types="./x.d.ts"\nimport x from "./x.js";',
      "/** @jsxImportSource npm:preact */ export {};",
    ]
  ) {
    assertEquals(canShareProgram([text], ["a.ts"]), false, text);
  }
  assertEquals(canShareProgram(["export {};"], ["types.d.ts"]), false);
  // Ordinary words in comments do not isolate a submission.
  assertEquals(
    canShareProgram(["// keeps a reference to the jsx-free data\nexport {};"], ["a.ts"]),
    true,
  );
});

Deno.test("typecheckAll() shares one program but judges every submission on its own", async () => {
  const work = await Deno.makeTempDir({ prefix: "typecheck-test-" });
  const sources: Record<string, string> = {
    good1: 'import * as tf from "../lib/tf.ts";\nexport const f = (x: tf.Tensor) => tf.abs(x);',
    bad: 'export const n: number = "three";',
    good2: "export const g = (a: number): number => a * 2;",
    // Declares a global that would excuse good3's use of it in a shared program.
    augments: "declare global { var fromAugments: number }\nexport const a = 1;",
    uses: "export const u: number = globalThis.fromAugments;",
  };
  const targets = [];
  for (const [name, text] of Object.entries(sources)) {
    const root = join(work, name);
    await Deno.mkdir(join(root, "exercises"), { recursive: true });
    await Deno.writeTextFile(join(root, "exercises", "x.ts"), text);
    targets.push({ root, files: ["x.ts"], shareable: canShareProgram([text], ["x.ts"]) });
  }
  const kitImports = await readKitImports(config.configFile);
  let maps = 0;
  const verdicts = await typecheckAll(targets, {
    denoPath: config.denoPath,
    configFile: config.configFile,
    lockFile: config.lockFile,
    jobs: 2,
    importMapFor: async (roots) => {
      const path = join(work, `map${maps++}.json`);
      await Deno.writeTextFile(
        path,
        JSON.stringify(sandboxImportMap(kitImports, config, roots, work)),
      );
      return path;
    },
  });
  assertEquals(verdicts.map((v) => v.ok), [true, false, true, true, false]);
  assertIncludes(verdicts[1].message, ["TS2322", "exercises/x.ts"]);
  assertEquals(
    verdicts[1].message.includes(work),
    false,
    "paths are shown relative to the submission",
  );
  assertIncludes(verdicts[4].message, ["fromAugments"]);
  await Deno.remove(work, { recursive: true });
});

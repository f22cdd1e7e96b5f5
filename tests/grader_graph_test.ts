/**
 * The module-graph check on real `deno info` output: the import policy per exercise (the
 * lessons before its own, `lib/`, `data/`), what is always out of reach, and load errors.
 */
import { join } from "node:path";
import { defaultConfig } from "../grader/config.ts";
import { checkGraphs, classify } from "../grader/prepare/graph.ts";
import { prepareImportMap, readKitImports } from "../grader/prepare/import_map.ts";
import { allowedKitPaths } from "../grader/prepare/policy.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";

const config = defaultConfig();
const LESSONS = [
  "lessons/01_sum_keepdim.ts",
  "lessons/02_softmax.ts",
  "lessons/03_cross_entropy.ts",
  "lessons/04_accuracy.ts",
  "lessons/04_evaluate_accuracy.ts",
  "lessons/05_train_ch3.ts",
  "lessons/06_predict_ch3.ts",
];
/** What the softmax exercise (lesson 2) may load. */
const SOFTMAX = allowedKitPaths("lessons/02_softmax.ts", config.libraryDirs, LESSONS);

async function lockedPackages(): Promise<Set<string>> {
  const lock = JSON.parse(await Deno.readTextFile(config.lockFile));
  return new Set(Object.keys(lock.specifiers).filter((s) => s.startsWith("npm:")));
}

/** Stages `files` and runs the real `deno info` based check over `graded`. */
async function check(files: Record<string, string>, graded: string[], allowed = SOFTMAX) {
  return (await checkAll({ s: files }, graded, allowed))[0];
}

/** Stages each submission's `files` and checks them together (one `deno info`, if it can). */
async function checkAll(
  submissions: Record<string, Record<string, string>>,
  graded: string[],
  allowed = SOFTMAX,
  { denoPath = config.denoPath, timeoutMs = config.graphTimeoutMs } = {},
) {
  const work = await Deno.makeTempDir({ prefix: "graph-test-" });
  const roots = Object.keys(submissions).map((name) => join(work, name));
  for (const [name, files] of Object.entries(submissions)) {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(join(work, name, "exercises", path, ".."), { recursive: true });
      await Deno.writeTextFile(join(work, name, "exercises", path), text);
    }
  }
  const kitImports = await readKitImports(config.configFile);
  try {
    return await checkGraphs(
      roots.map((root) => ({ root, files: graded.map((file) => ({ file, allowed })) })),
      {
        denoPath,
        configFile: config.configFile,
        kitRoot: config.kitRoot,
        workDir: work,
        memoryMb: config.toolMemoryMb,
        timeoutMs,
        signal: undefined,
        importMapFor: async (roots, dir) => {
          const map = prepareImportMap({
            kitImports,
            kitRoot: config.kitRoot,
            dirs: ["lib/", "lessons/", "data/"],
            stageRoots: roots,
            workDir: dir,
          });
          await Deno.writeTextFile(join(dir, "map.json"), JSON.stringify(map));
          return join(dir, "map.json");
        },
        rules: {
          allowedPackages: config.allowedPackages,
          lockedPackages: await lockedPackages(),
          allowedNodeModules: config.allowedNodeModules,
        },
      },
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test("checkGraphs() allows lib/, data/, earlier lessons, pinned tfjs, own helpers and type-only imports", async () => {
  const verdict = await check({
    "softmax.ts": [
      'import * as tf from "../lib/tf.ts";',
      'import { todo } from "../lib/todo.ts";',
      'import * as core from "@tensorflow/tfjs-core";',
      'import { helper } from "./helpers/h.ts";',
      'import { inspect } from "node:util";',
      'import type { Net } from "../lessons/02_softmax.ts";',
      'import type { Kit } from "../mod.ts";',
      "export const softmax = [tf, todo, core, helper, inspect];",
      "export type T = [Net, Kit];",
    ].join("\n"),
    "helpers/h.ts":
      'import { sumKeepdim } from "../../lessons/01_sum_keepdim.ts"; export const helper = sumKeepdim;',
  }, ["softmax.ts"]);
  const file = verdict["softmax.ts"];
  assertEquals([file.loadError, file.blocked], [undefined, undefined]);
  assertEquals(file.modules.sort(), ["helpers/h.ts", "softmax.ts"]);
  assertEquals(file.kitFiles.some((f) => f.endsWith("lessons/01_sum_keepdim.ts")), true);
  assertEquals(file.kitFiles.some((f) => f.endsWith("lessons/02_softmax.ts")), false);
});

Deno.test("checkGraphs() blocks the exercise's own lesson, later lessons, mod.ts, solutions/, tests/, remote, jsr, unpinned npm and node:fs", async () => {
  const files: Record<string, string> = {
    "a.ts": 'import "../../solutions/softmax.ts"; export {};',
    "b.ts": 'import "../tests/cases/stable_softmax.ts"; export {};',
    "c.ts": 'import "https://example.com/x.ts"; export {};',
    "d.ts": 'import "jsr:@std/assert"; export {};',
    "e.ts": 'import "npm:@tensorflow/tfjs@4.21.0"; export {};',
    "f.ts": 'import "npm:left-pad@1.3.0"; export {};',
    "g.ts": 'import "node:fs"; export {};',
    "h.ts": 'const m = await import("../lessons/02_softmax.ts"); export const h = m;',
    "i.ts": 'export type T = import("../tests/cases/reference.ts").T;',
    "j.ts": 'import "./k.ts"; export {};',
    "k.ts": 'import "../mod.ts"; export {};',
    "l.ts": 'import "lodash"; export {};',
    "m.ts": 'import "../lessons/05_train_ch3.ts"; export {};',
    "n.ts": 'import "/dev/zero"; export {};',
    "o.ts": 'import "../lib/show_images.ts"; export {};',
  };
  const graded = Object.keys(files).filter((f) => f !== "k.ts");
  const verdict = await check(files, graded);
  for (const file of graded) {
    assertEquals(verdict[file].loadError, undefined, file);
    assertEquals(typeof verdict[file].blocked, "string", file);
  }
  assertIncludes(verdict["a.ts"].blocked!, ['imports "../../solutions/softmax.ts"', "outside"]);
  assertIncludes(verdict["e.ts"].blocked!, ["not the version the kit pins"]);
  assertIncludes(verdict["f.ts"].blocked!, ["left-pad cannot be loaded"]);
  assertIncludes(verdict["g.ts"].blocked!, ["node:fs is not allowed"]);
  assertIncludes(verdict["h.ts"].blocked!, ["may not load the kit's lessons/02_softmax.ts"]);
  assertIncludes(verdict["j.ts"].blocked!, ['k.ts imports "../mod.ts"', "may not load"]);
  assertIncludes(verdict["m.ts"].blocked!, ["lessons/05_train_ch3.ts"]);
  assertIncludes(verdict["n.ts"].blocked!, ['imports "/dev/zero"', "outside your submission"]);
  assertIncludes(verdict["o.ts"].blocked!, ["@napi-rs/canvas cannot be loaded"]);
});

Deno.test("checkGraphs() lets inline type-only imports through, and tells a value import of a lesson's type how to write it", async () => {
  const lesson = "../lessons/02_softmax.ts";
  const verdict = await check({
    "a.ts": `import { type Net, type Params as P } from "${lesson}";\n` +
      `export { type InitOptions } from '${lesson}';\nexport type T = [Net, P];`,
    "b.ts": `import { Net } from "${lesson}";\nexport type T = Net;`,
    "c.ts": `import { type Net } from "${lesson}";\nexport const m = import("${lesson}");`,
    // Comments between the names (before, the import was taken for a value import).
    "d.ts": `import { /* the model */ type Net, // and its\n  type /** weights */ Params } ` +
      `from "${lesson}";\nexport type T = [Net, Params];`,
  }, ["a.ts", "b.ts", "c.ts", "d.ts"]);
  assertEquals([verdict["a.ts"].loadError, verdict["a.ts"].blocked], [undefined, undefined]);
  assertEquals([verdict["d.ts"].loadError, verdict["d.ts"].blocked], [undefined, undefined]);
  assertEquals(verdict["a.ts"].kitFiles.some((f) => f.endsWith("02_softmax.ts")), false);
  assertIncludes(verdict["b.ts"].blocked!, ["lessons/02_softmax.ts", "write `import type"]);
  assertIncludes(verdict["c.ts"].blocked!, ["lessons/02_softmax.ts"]);
});

Deno.test("checkGraphs() says how a file reached only through a computed import() came in", async () => {
  const verdict = await check({
    "a.ts": "export const load = (name: string) => import(`./${name}.ts`);\n",
    "b.ts": 'export * from "../lessons/02_softmax.ts";\n',
    "c.ts": 'import "./b.ts";\nexport {};\n',
    "d.ts": "export const load = () => import(`./b.ts`);\n",
  }, ["a.ts", "c.ts", "d.ts"]);
  assertIncludes(verdict["a.ts"].blocked!, [
    "a.ts:1 has a computed import(), which Deno resolves to every file it could name, b.ts among",
    'b.ts imports "../lessons/02_softmax.ts"',
  ]);
  // A file imported by its own name is not explained as a computed import's.
  for (const file of ["c.ts", "d.ts"]) {
    assertEquals(
      verdict[file].blocked!.startsWith('b.ts imports "../lessons/02_softmax.ts"'),
      true,
    );
  }
});

Deno.test("checkGraphs(): a submission that imports a kit module with an attribute changes no other's graph", async () => {
  // One run keeps one entry per module: lib/tf.ts imported as JSON first made it unloadable
  // for every submission of the run (twenty-first review).
  const uses = 'import * as tf from "../lib/tf.ts";\nexport const f = tf.abs;\n';
  const verdicts = await checkAll({
    a_json: {
      "x.ts": 'import t from "../lib/tf.ts" with { type: "json" };\nexport const x = t;\n',
    },
    b_text: {
      "x.ts": 'import t from "../lib/backend.ts" with /* a comment */ { type: "text" };\n' +
        "export const x = t;\n",
    },
    c_honest: { "x.ts": uses },
  }, ["x.ts"]);
  assertIncludes(verdicts[0]["x.ts"].blocked!, ["lib/tf.ts"]);
  assertEquals(verdicts[0]["x.ts"].importAttributes, true);
  assertEquals([verdicts[2]["x.ts"].blocked, verdicts[2]["x.ts"].loadError], [
    undefined,
    undefined,
  ]);
  assertEquals(verdicts[2]["x.ts"].importAttributes, undefined);
  assertEquals(verdicts[2]["x.ts"].kitFiles.some((f) => f.endsWith("lib/backend.ts")), true);
  // Nor at source phase (twenty-second review), statically or not, nor by importing another
  // submission's helper by its path: the kit's module, or the helper, failed for everyone.
  const phases = await checkAll({
    a_source: {
      "x.ts": 'import source t from "../lib/backend.ts";\nexport const x = t;\n',
      "y.ts": "export const y = () => import.source('../lib/tfjs_unused.ts');\n",
    },
    b_reaches: {
      "x.ts": 'import source h from "../../c_victim/exercises/helper.ts";\nexport const x = h;\n',
      "y.ts": uses,
    },
    c_victim: {
      "x.ts": 'export { x } from "./helper.ts";\n',
      "y.ts": uses,
      "helper.ts": "export const x = 1;\n",
    },
  }, ["x.ts", "y.ts"]);
  assertIncludes(phases[0]["x.ts"].blocked!, ["lib/backend.ts"]);
  assertIncludes(phases[1]["x.ts"].blocked!, ["c_victim"]);
  assertEquals(phases[1]["y.ts"].blocked, undefined);
  for (const file of ["x.ts", "y.ts"]) {
    assertEquals([phases[2][file].blocked, phases[2][file].loadError], [undefined, undefined]);
  }
  // Nor another file of its own submission: each file's mistake costs its own exercise.
  const own = await check({
    "x.ts": 'import t from "../lib/tf.ts" with { type: "json" };\nexport const x = t;\n',
    "y.ts": uses,
  }, ["x.ts", "y.ts"]);
  assertIncludes(own["x.ts"].blocked!, ["lib/tf.ts"]);
  assertEquals([own["y.ts"].blocked, own["y.ts"].loadError], [undefined, undefined]);
});

Deno.test("checkGraphs() takes time linear in a module's imports, however they are spelled", async () => {
  // 30,000 specifiers that all name one module, and a 4 MiB comment: each import used to rescan
  // the whole source (found by the second review: this blocked the grader for 105 s).
  const imports = Array.from({ length: 30_000 }, (_, i) => `import "./q${i}/../empty.ts";`);
  const started = performance.now();
  const verdict = await check({
    "softmax.ts": `${imports.join("\n")}\n// ${"x".repeat(4 << 20)}\nexport const softmax = 1;`,
    "empty.ts": "export {};",
  }, ["softmax.ts"]);
  const seconds = (performance.now() - started) / 1000;
  assertEquals([verdict["softmax.ts"].loadError, verdict["softmax.ts"].blocked], [
    undefined,
    undefined,
  ]);
  assertEquals(verdict["softmax.ts"].modules.sort(), ["empty.ts", "softmax.ts"]);
  // Quadratic, this is 10¹¹ characters scanned: minutes. Linear, a few seconds.
  assertEquals(seconds < 30, true, `the graph check took ${seconds.toFixed(1)} s`);
});

Deno.test("checkGraphs() reports parse errors and missing own modules as load errors of the files that reach them", async () => {
  const verdict = await check({
    "a.ts": "export const a = (;",
    "b.ts": 'import "./missing.ts"; export {};',
    "c.ts": "export const c = 1;",
  }, ["a.ts", "b.ts", "c.ts"]);
  assertIncludes(verdict["a.ts"].loadError!, ["a.ts", "Expression expected"]);
  assertIncludes(verdict["b.ts"].loadError!, ["missing.ts", "not found"]);
  assertEquals([verdict["c.ts"].loadError, verdict["c.ts"].blocked], [undefined, undefined]);
});

Deno.test("checkGraphs() on a file deno info cannot read (3000 nested brackets) fails that file only", async () => {
  const deep = `export const x = ${"[".repeat(3000)}${"]".repeat(3000)};`;
  const verdict = await check({ "a.ts": deep, "c.ts": "export const c = 1;" }, ["a.ts", "c.ts"]);
  assertIncludes(verdict["a.ts"].loadError!, ["the module graph cannot be read"]);
  assertEquals([verdict["c.ts"].loadError, verdict["c.ts"].blocked], [undefined, undefined]);
});

/**
 * A `deno` that counts its runs in `<dir>/runs`, and that sleeps past any limit (counted in
 * `<dir>/slow`) when its roots name `slowFolder`.
 */
async function countingDeno(dir: string, slowFolder = "/none/"): Promise<string> {
  const wrapper = join(dir, "deno");
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\necho run >> '${dir}/runs'\nfor last; do :; done\n` +
      `if grep -q '${slowFolder}' "$last"; then echo slow >> '${dir}/slow'; exec sleep 60; fi\n` +
      `exec '${config.denoPath}' "$@"\n`,
  );
  await Deno.chmod(wrapper, 0o755);
  return wrapper;
}

/** Lines in `path`, 0 when it does not exist. */
async function lines(path: string): Promise<number> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.trim() === "" ? 0 : text.trim().split("\n").length;
}

/** 16 (or `n`) submissions `s00`… of files `x.ts` (and `others`), the sixth's `x.ts` `bad`. */
function sixteen(
  bad: string,
  n = 16,
  others: string[] = [],
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `s${String(i).padStart(2, "0")}`,
      Object.fromEntries(
        ["x.ts", ...others].map((file) => [file, i === 5 && file === "x.ts" ? bad : "export {};"]),
      ),
    ]),
  );
}

Deno.test("checkGraphs(): a submission deno info cannot read costs the others a few runs, not one each", async () => {
  // A failed shared run used to send every submission of it to a run of its own: 17 runs for
  // 16 submissions. Halving finds the one that broke it in about 2·log₂ 16 runs.
  const dir = await Deno.makeTempDir({ prefix: "graph-runs-" });
  const deep = `export const x = ${"[".repeat(3000)}${"]".repeat(3000)};`;
  try {
    const denoPath = await countingDeno(dir);
    const verdicts = await checkAll(sixteen(deep), ["x.ts"], SOFTMAX, { denoPath });
    assertIncludes(verdicts[5]["x.ts"].loadError!, ["the module graph cannot be read"]);
    for (const [i, verdict] of verdicts.entries()) {
      if (i === 5) continue;
      assertEquals([verdict["x.ts"].loadError, verdict["x.ts"].blocked], [undefined, undefined]);
    }
    // 16 → 8 + 8 → 4 + 4 → 2 + 2 → 1 + 1, the last two alone: 9.
    const runs = await lines(join(dir, "runs"));
    assertEquals(runs <= 9, true, `${runs} runs of deno info for 16 submissions`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkGraphs(): a submission that keeps deno info past its limit costs that limit twice, not at each halving nor per file", async () => {
  // Halves would each run into the limit again (2·log₂ N limits); each submission alone is one
  // more limit for the slow one and one short run for each other. Its files are not run one by
  // one (twenty-fourth review: 16 files reaching one slow module took 16 limits).
  const dir = await Deno.makeTempDir({ prefix: "graph-slow-" });
  const files = ["x.ts", "y.ts", "z.ts"];
  try {
    const denoPath = await countingDeno(dir, "/s05/");
    const verdicts = await checkAll(sixteen("export {};", 8, ["y.ts", "z.ts"]), files, SOFTMAX, {
      denoPath,
      timeoutMs: 3000,
    });
    for (const [i, verdict] of verdicts.entries()) {
      for (const file of files) {
        if (i === 5) assertIncludes(verdict[file].loadError!, ["the module graph cannot be read"]);
        else assertEquals([verdict[file].loadError, verdict[file].blocked], [undefined, undefined]);
      }
    }
    assertEquals(await lines(join(dir, "slow")), 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("classify() tells allowed kit files from look-alikes", () => {
  const rules = {
    kitUrl: "file:///kit/",
    studentPrefix: "file:///s/exercises/",
    allowed: ["lib/", "lessons/01_sum_keepdim.ts"],
    allowedPackages: ["@tensorflow/"],
    lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]),
    allowedNodeModules: [],
  };
  assertEquals(classify("file:///kit/lessons/01_sum_keepdim.ts", "code", true, rules).kind, "kit");
  assertEquals(
    classify("file:///kit/lessons/01_sum_keepdim.ts.bak", "code", true, rules).kind,
    "violation",
  );
  assertEquals(classify("file:///kit/library/x.ts", "code", true, rules).kind, "violation");
  assertEquals(
    classify("npm:/@tensorflow/tfjs@4.22.0/dist/index.js", "code", true, rules).kind,
    "ignore",
  );
  assertEquals(classify("data:text/javascript,1", "code", true, rules).kind, "violation");
});

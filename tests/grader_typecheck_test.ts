import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultConfig } from "../grader/config.ts";
import { prepareImportMap, readKitImports } from "../grader/prepare/import_map.ts";
import { canShareProgram, typecheckAll } from "../grader/prepare/typecheck.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";

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
      // TypeScript reads the directive in any letter case (twenty-first review).
      '/// <REFERENCE lib="dom" />\nexport {};',
      '// @deno-types="./x.d.ts"\nimport x from "./x.js";',
      "/** @jsxImportSource npm:preact */ export {};",
    ]
  ) {
    assertEquals(canShareProgram([text], ["a.ts"]), false, text);
  }
  assertEquals(canShareProgram(["export {};"], ["types.d.ts"]), false);
  // TypeScript reads `*.d.<anything>.ts` as a declaration file (found by the second review),
  // and a keyword may be spelled with escapes.
  assertEquals(
    canShareProgram(["interface Math { exp(x: number): string }"], ["m.d.json.ts"]),
    false,
  );
  assertEquals(canShareProgram(["\\u0064eclare global { var v: 1 }\nexport {};"], ["a.ts"]), false);
  // Ordinary words in comments do not isolate a submission.
  assertEquals(
    canShareProgram(["// keeps a reference to the jsx-free data\nexport {};"], ["a.ts"]),
    true,
  );
});

/** Writes each submission's files and type-checks them all (two jobs, shared programs). */
async function typecheck(
  submissions: Record<string, Record<string, string>>,
  chunkSize?: number,
  outputBytes?: number,
) {
  const work = await Deno.makeTempDir({ prefix: "typecheck-test-" });
  const targets = [];
  for (const [name, files] of Object.entries(submissions)) {
    const root = join(work, name);
    for (const [file, text] of Object.entries(files)) {
      await Deno.mkdir(join(root, "exercises", file, ".."), { recursive: true });
      // "{{WORK}}": where the submissions are (a forger who guessed it).
      await Deno.writeTextFile(
        join(root, "exercises", file),
        text.replaceAll("{{WORK}}", pathToFileURL(work).href),
      );
    }
    const graded = Object.keys(files).filter((f) => !f.startsWith("helpers/"));
    targets.push({
      root,
      // Each graded file loads itself and the helpers it names (as the module graph would say).
      files: Object.fromEntries(graded.map((f) => [
        f,
        [f, ...Object.keys(files).filter((h) => h.startsWith("helpers/") && files[f].includes(h))],
      ])),
      shareable: canShareProgram(Object.values(files), Object.keys(files)),
    });
  }
  const kitImports = await readKitImports(config.configFile);
  try {
    return await typecheckAll(targets, {
      denoPath: config.denoPath,
      configFile: config.configFile,
      lockFile: config.lockFile,
      workDir: work,
      jobs: 2,
      chunkSize,
      outputBytes,
      signal: undefined,
      memoryMb: config.toolMemoryMb,
      timeoutMs: config.typecheckTimeoutMs,
      importMapFor: async (roots, dir) => {
        const path = join(dir, "map.json");
        const map = prepareImportMap({
          kitImports,
          kitRoot: config.kitRoot,
          dirs: ["lib/", "lessons/", "data/"],
          stageRoots: roots,
          workDir: dir,
        });
        await Deno.writeTextFile(path, JSON.stringify(map));
        return path;
      },
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test("typecheckAll() shares one program but judges every submission on its own", async () => {
  const verdicts = await typecheck({
    good1: {
      "x.ts": 'import * as tf from "../lib/tf.ts";\nexport const f = (x: tf.Tensor) => tf.abs(x);',
    },
    bad: { "x.ts": 'export const n: number = "three";' },
    good2: { "x.ts": "export const g = (a: number): number => a * 2;" },
    // Declares a global that would excuse the next one's use of it in a shared program.
    augments: { "x.ts": "declare global { var fromAugments: number }\nexport const a = 1;" },
    uses: { "x.ts": "export const u: number = globalThis.fromAugments;" },
  });
  assertEquals(verdicts.map((v) => Object.keys(v)), [[], ["x.ts"], [], [], ["x.ts"]]);
  assertIncludes(verdicts[1]["x.ts"], ["TS2322", "x.ts"]);
  assertEquals(
    verdicts[1]["x.ts"].includes("/tmp/"),
    false,
    "paths are relative to the submission",
  );
  assertIncludes(verdicts[4]["x.ts"], ["fromAugments"]);
});

Deno.test("typecheckAll(): no source line a submission's diagnostic quotes hides another's errors", async () => {
  const verdicts = await typecheck({
    // Deno quotes the declaration's line ("'zzq' is declared here"), with its comment.
    a_quotes: { "x.ts": "const zzq = 1; // Stack backtrace:\nexport const y = zzqq;" },
    // A line that starts like a diagnostic of its own.
    b_forges: { "x.ts": "TS2322 [ERROR]\nexport {};" },
    c_honest: { "x.ts": 'export const n: number = "three";' },
  });
  assertIncludes(verdicts[0]["x.ts"], ["zzqq"]);
  assertIncludes(verdicts[1]["x.ts"], ["TS2322"]);
  assertIncludes(verdicts[2]["x.ts"], ["TS2322", "three"]);
});

Deno.test("typecheckAll(): a submission's text that reads like a location blames no other file", async () => {
  // Deno quotes the line an error starts on, and TypeScript a property named by a template
  // literal, newlines and all, above Deno's own caret and location lines. Taken for the
  // error's file, such text landed a forger's error on another student (twenty-sixth review:
  // a quoted line; twenty-seventh: a name holding a caret line and a location line).
  const forged = "    at {{WORK}}/a_victim/exercises/softmax.ts:1:1";
  const verdicts = await typecheck({
    a_victim: { "softmax.ts": "export const softmax = 1;" },
    b_quoted_line: { "accuracy.ts": `export const accuracy = \`\n${forged}\${notDefined}\`;` },
    c_quoted_name: {
      "softmax.ts": `const o = { a: 1 };\nexport const softmax = o[\`zz\n^\n${forged}\n\`];`,
    },
  });
  assertEquals(verdicts[0], {}, "the victim's file type-checks");
  assertIncludes(verdicts[1]["accuracy.ts"] ?? "no verdict", ["notDefined"]);
  assertIncludes(verdicts[2]["softmax.ts"] ?? "no verdict", ["zz"]);
});

Deno.test("typecheckAll() fails only the exercise whose file (or helper) has the type error", async () => {
  const [verdict] = await typecheck({
    alice: {
      "softmax.ts": "export const softmax = (x: number): number => x;",
      "accuracy.ts": 'export const accuracy: number = "no";',
      "sum_keepdim.ts": 'import { h } from "./helpers/h.ts";\nexport const sumKeepdim = h;',
      "helpers/h.ts": "export const h: string = 1;",
    },
  });
  assertEquals(Object.keys(verdict).sort(), ["accuracy.ts", "sum_keepdim.ts"]);
  assertIncludes(verdict["sum_keepdim.ts"], ["in helpers/h.ts, which sum_keepdim.ts imports:\n"]);
  assertEquals(verdict["accuracy.ts"].includes("which"), false, "its own error is not an import's");
});

Deno.test("typecheckAll() keeps a submission's type error when another's errors flood the output", async () => {
  // deno check prints files in path order. With 8 KiB of output kept, the flood's errors (after
  // the victim's) would push the victim's out of what is kept (found by the second review with
  // 4 MiB and 40,000 errors): output past the limit splits the program like a crash.
  const flood = Array.from({ length: 200 }, (_, i) => `export const e${i}: number = "${i}";`);
  const verdicts = await typecheck(
    {
      a_victim: { "accuracy.ts": 'export const accuracy: number = "one honest mistake";' },
      z_flood: { "sum_keepdim.ts": flood.join("\n") },
    },
    undefined,
    8 * 1024,
  );
  assertIncludes(verdicts[0]["accuracy.ts"] ?? "no verdict", ["TS2322", "one honest mistake"]);
  assertIncludes(verdicts[1]["sum_keepdim.ts"] ?? "no verdict", ["TS2322"]);
});

Deno.test("typecheckAll() never shares a program with a declaration file named *.d.json.ts", async () => {
  const verdicts = await typecheck({
    augments: {
      "huge_vocabulary.ts": 'import "./augment.d.json.ts";\nexport const h = 1;',
      "augment.d.json.ts": "interface Math { exp(x: number): string }",
    },
    victim: { "softmax.ts": "export const e: number = Math.exp(1);" },
  });
  assertEquals(verdicts[1], {}, "the victim's Math.exp still returns a number");
});

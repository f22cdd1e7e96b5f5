import { join } from "node:path";
import { listBatch } from "../grader/grade.ts";
import { stageSubmission } from "../grader/prepare/stage.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";

const FILES = ["softmax.ts", "accuracy.ts"];

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "stage-test-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

Deno.test("stageSubmission() copies sources, keeps helpers, ignores configs and non-sources", async () => {
  const dir = await tree({
    "softmax.ts": "export const softmax = 1;",
    "helpers/util.ts": "export const u = 1;",
    "deno.json": '{"imports": {"x": "./y.ts"}}',
    "package.json": "{}",
    "notes.md": "# my notes",
    ".secret.ts": "export {};",
    "node_modules/pkg/index.js": "",
  });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertEquals(staged.files, ["helpers/util.ts", "softmax.ts"]);
  assertEquals(staged.fatal, undefined);
  assertEquals(staged.notes.length, 3); // deno.json, node_modules/, package.json
  assertEquals(
    await Deno.readTextFile(join(stage, "exercises/softmax.ts")),
    "export const softmax = 1;",
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(stage, { recursive: true });
});

Deno.test("stageSubmission() stages inline type-only imports as `import type`, lines unmoved", async () => {
  const source =
    'import {\n  type Net, // the model\n  type /* its */ Params as P,\n} from "../lessons/02_softmax.ts";\n' +
    'import { type Loss, crossEntropy } from "../lessons/03_cross_entropy.ts";\n' +
    "const s = \"import { type A } from 'x'\";\nexport type T = [Net, P, Loss];\n";
  const dir = await tree({ "softmax.ts": source, "notes.js": 'import { type A } from "x";' });
  const stage = await Deno.makeTempDir();
  await stageSubmission(dir, stage, { exerciseFiles: FILES });
  const staged = await Deno.readTextFile(join(stage, "exercises/softmax.ts"));
  assertEquals(staged.split("\n").length, source.split("\n").length);
  assertIncludes(staged, [
    'import type {\n  Net, // the model\n  Params as P,\n} from "../lessons/02_softmax.ts";',
    "import { type Loss, crossEntropy }", // a value import stays
  ]);
  assertEquals(
    await Deno.readTextFile(join(stage, "exercises/notes.js")),
    'import { type A } from "x";',
    "JavaScript is copied as it is",
  );
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(stage, { recursive: true });
});

Deno.test("stageSubmission() refuses symbolic links (to files and to directories) and FIFOs", async () => {
  const dir = await tree({ "accuracy.ts": "export const accuracy = 1;" });
  const outside = await tree({ "softmax.ts": "export const softmax = 'stolen';" });
  await Deno.symlink(join(outside, "softmax.ts"), join(dir, "softmax.ts"));
  await Deno.symlink(outside, join(dir, "linked_dir"));
  await new Deno.Command("mkfifo", { args: [join(dir, "pipe.ts")] }).output();
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertEquals(staged.files, ["accuracy.ts"]);
  assertEquals(Object.keys(staged.refused).sort(), ["linked_dir", "pipe.ts", "softmax.ts"]);
  assertEquals(staged.refused["softmax.ts"].includes("symbolic link"), true);
  await Deno.stat(join(stage, "exercises/softmax.ts")).then(
    () => Promise.reject(new Error("a symlinked file was copied")),
    () => {},
  );
  for (const d of [dir, outside, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() grades the exercises/ directory of a whole kit handed in", async () => {
  const dir = await tree({
    "exercises/softmax.ts": "export const softmax = 1;",
    "solutions/softmax.ts": "export const softmax = 'reference';",
    "deno.json": "{}",
  });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertEquals(staged.files, ["softmax.ts"]);
  assertEquals(staged.notes, ['Graded the files in "exercises/".']);
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(stage, { recursive: true });
});

Deno.test("stageSubmission() marks a too-large submission as fatal", async () => {
  const dir = await tree({ "softmax.ts": "x".repeat(600), "b.ts": "y".repeat(600) });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES, maxBytes: 1000 });
  assertEquals(staged.fatal?.includes("too large"), true);
  const many = await tree(
    Object.fromEntries(Array.from({ length: 5 }, (_, i) => [i ? `f${i}.ts` : "softmax.ts", ""])),
  );
  const stage2 = await Deno.makeTempDir();
  const staged2 = await stageSubmission(many, stage2, { exerciseFiles: FILES, maxFiles: 4 });
  assertEquals(staged2.fatal?.includes("at most 4 files"), true);
  for (const d of [dir, stage, many, stage2]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() lists folders in linear time, and refuses more folders than maxFolders", async () => {
  // Twenty-fourth review: after each folder nothing was copied from, staging scanned every
  // left-out name again (20,000 empty folders: 32 s; 60,000: 392 s). Now linear, and capped.
  const dir = await tree({ "softmax.ts": "export {};", "data/a.csv": "1", "data/b/c.png": "" });
  for (let i = 0; i < 15_000; i++) await Deno.mkdir(join(dir, `d${i}`));
  const stage = await Deno.makeTempDir();
  const started = performance.now();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  const seconds = (performance.now() - started) / 1000;
  assertEquals([staged.fatal, staged.files], [undefined, ["softmax.ts"]]);
  // Each empty folder is named once, its contents not (data/a.csv, data/b/ and data/b/c.png).
  assertEquals(Object.keys(staged.leftOut).length, 15_001);
  assertIncludes(staged.leftOut["data"], ["none of its files is handed in"]);
  // Quadratic, this took about 20 s here; linear, about 1 s.
  assertEquals(seconds < 10, true, `staging 15,000 folders took ${seconds.toFixed(1)} s`);
  const capped = await stageSubmission(dir, await Deno.makeTempDir({ dir: stage }), {
    exerciseFiles: FILES,
    maxFolders: 1000,
  });
  assertIncludes(capped.fatal!, ["more than 1000 folders"]);
  for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() refuses a submission directory that is itself a symbolic link", async () => {
  const real = await tree({ "softmax.ts": "" });
  const parent = await Deno.makeTempDir();
  await Deno.symlink(real, join(parent, "alice"));
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(join(parent, "alice"), stage, { exerciseFiles: FILES });
  assertEquals(staged.files, []);
  assertEquals(staged.fatal?.includes("symbolic link"), true);
  for (const d of [real, parent, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() finds exercise files one or two folders down (a zipped folder), with a note", async () => {
  for (const nest of ["homework", "homework/exercises", "a/b"]) {
    const dir = await tree({
      [`${nest}/softmax.ts`]: "export const softmax = 1;",
      "notes.txt": "",
    });
    const stage = await Deno.makeTempDir();
    const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
    assertEquals([staged.fatal, staged.files], [undefined, ["softmax.ts"]], nest);
    assertEquals(staged.notes, [`Graded the files in "${nest}/".`]);
    for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("stageSubmission() says so when there is no exercise file, listing the .ts files it found", async () => {
  const dir = await tree({ "homework/softmaxx.ts": "", "homework/other/util.ts": "", "x.txt": "" });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertIncludes(staged.fatal ?? "", ["No exercise file found", "softmax.ts, accuracy.ts"]);
  assertIncludes(staged.fatal ?? "", ["homework/softmaxx.ts"]);
  for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() makes a tree deeper than maxDepth not gradable, without throwing (1100 levels)", async () => {
  const dir = await tree({ "softmax.ts": "export const softmax = 1;" });
  // Build the chain from inside, so that no path is longer than PATH_MAX.
  let here = dir;
  for (let level = 0; level < 1100; level += 100) {
    const chain = Array.from({ length: 100 }, () => "d").join("/");
    await new Deno.Command("mkdir", { args: ["-p", chain], cwd: here }).output();
    here = join(here, chain);
    // Deeper than PATH_MAX from the top: move into it with a relative path from here on.
    if (here.length > 3000) break;
  }
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertIncludes(staged.fatal ?? "", ["deeper than 16 levels"]);
  await new Deno.Command("rm", { args: ["-rf", dir, stage] }).output();
});

Deno.test("stageSubmission() refuses names with control characters and keeps them out of the stage", async () => {
  const dir = await tree({ "softmax.ts": "export const softmax = 1;" });
  await Deno.writeTextFile(join(dir, "a\nb.ts"), "export {};");
  await Deno.writeTextFile(join(dir, "x\u001b[2J.ts"), "export {};");
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertEquals(staged.files, ["softmax.ts"]);
  assertEquals(Object.keys(staged.refused).sort(), ["a\nb.ts", "x\u001b[2J.ts"]);
  for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() copies names in any script, and refuses bidirectional overrides", async () => {
  const dir = await tree({
    "softmax.ts": 'import { r } from "./réseau.ts"; export const softmax = r;',
    "réseau.ts": "export const r = 1;",
    "模型/层.ts": "export {};",
  });
  await Deno.writeTextFile(join(dir, "a\u202eb.ts"), "export {};");
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES });
  assertEquals(staged.files, ["réseau.ts", "softmax.ts", "模型/层.ts"]);
  assertEquals(Object.keys(staged.refused), ["a\u202eb.ts"]);
  for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("stageSubmission() notes a missing exercise file that is there under another name (letter case, a suffix)", async () => {
  const dir = await tree({
    "Softmax.ts": "export const softmax = 1;",
    "accuracy_v2.ts": "export const accuracy = 1;",
    "helpers.ts": "export {};",
    "sum_keepdim.ts": "export const sumKeepdim = 1;",
  });
  const stage = await Deno.makeTempDir();
  const exerciseFiles = [...FILES, "sum_keepdim.ts"];
  const staged = await stageSubmission(dir, stage, { exerciseFiles });
  assertEquals(staged.notes.length, 2, staged.notes.join("\n"));
  assertIncludes(staged.notes[0], ["softmax.ts is missing", '"Softmax.ts"', "case-sensitive"]);
  assertIncludes(staged.notes[1], ["accuracy.ts is missing", '"accuracy_v2.ts"', "rename it"]);
  for (const d of [dir, stage]) await Deno.remove(d, { recursive: true });
});

Deno.test("listBatch() and stageSubmission() name a folder whose name is not UTF-8 and say to rename it", async () => {
  const batch = await Deno.makeTempDir({ prefix: "stage-test-" });
  // An archive unpacked from Latin-1: bytes 0xE9 and 0xE8 ("José", "Josè"), which Deno reads
  // both as U+FFFD.
  const made = await new Deno.Command("bash", {
    args: ["-c", `mkdir "$1/Jos"$'\\xe9' "$1/Jos"$'\\xe8' "$1/ok"`, "-", batch],
  }).output();
  assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
  // With no exercise file found at all, the reason says the same of the look-alikes.
  const alone = await tree({ "Softmax.ts": "" });
  const loneStage = await Deno.makeTempDir();
  const lone = await stageSubmission(alone, loneStage, { exerciseFiles: FILES });
  assertIncludes(lone.fatal ?? "", ["No exercise file found", "rename it to softmax.ts"]);
  for (const d of [alone, loneStage]) await Deno.remove(d, { recursive: true });
  const error = await listBatch(batch).then(() => undefined, (e: Error) => e);
  assertIncludes(String(error?.message), ["not UTF-8", "Jos\uFFFD", "convmv"]);
  // A twin whose name is a real U+FFFD (valid UTF-8, so it opens) must not stand in for the
  // Latin-1 name that reads alike (found by the eighth review).
  const twins = await Deno.makeTempDir({ prefix: "stage-test-" });
  await Deno.mkdir(join(twins, "Jos\uFFFD"));
  const twin = await new Deno.Command("bash", {
    args: ["-c", `mkdir "$1/Jos"$'\\xe9'`, "-", twins],
  }).output();
  assertEquals(twin.code, 0);
  const twinError = await listBatch(twins).then(() => undefined, (e: Error) => e);
  assertIncludes(String(twinError?.message), ["not UTF-8", "convmv"]);
  await Deno.remove(twins, { recursive: true });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(batch, stage, { exerciseFiles: FILES });
  assertIncludes(staged.fatal ?? "", ["No exercise file found", "not UTF-8", "rename it"]);
  for (const d of [batch, stage]) await Deno.remove(d, { recursive: true });
});

import { join } from "node:path";
import { stageSubmission } from "../grader/stage.ts";
import { assertEquals } from "./fixtures/grader/helpers.ts";

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
  assertEquals(staged.notes, ["Graded the exercises/ directory of the submission."]);
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(stage, { recursive: true });
});

Deno.test("stageSubmission() marks a too-large submission as fatal", async () => {
  const dir = await tree({ "a.ts": "x".repeat(600), "b.ts": "y".repeat(600) });
  const stage = await Deno.makeTempDir();
  const staged = await stageSubmission(dir, stage, { exerciseFiles: FILES, maxBytes: 1000 });
  assertEquals(staged.fatal?.includes("too large"), true);
  const many = await tree(
    Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.ts`, ""])),
  );
  const stage2 = await Deno.makeTempDir();
  const staged2 = await stageSubmission(many, stage2, { exerciseFiles: FILES, maxFiles: 4 });
  assertEquals(staged2.fatal?.includes("at most 4 files"), true);
  for (const d of [dir, stage, many, stage2]) await Deno.remove(d, { recursive: true });
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

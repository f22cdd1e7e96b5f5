/**
 * A class graded in shards, each by its own `deno task grade --batch … --shard K/N` process,
 * then merged: the merged gradebook is byte for byte the one grading the class at once writes,
 * and the results files are too, but for their timings. Then what the merge must refuse, and
 * the gate (`--min-score`, `--require`) and its exit code.
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it; CI has it.
 */
import { join } from "node:path";
import { parseGradeArgs } from "../tools/grade.ts";
import {
  gradingDigests,
  mergeShards,
  SHARD_FILE,
  shardOf,
  type ShardRecord,
} from "../grader/shards.ts";
import { totalPoints } from "./cases/mod.ts";
import { assertEquals, assertIncludes, assertRejects, assertThrows } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { composeSubmission, runGrade, writeSubmission } from "./helpers/submissions.ts";

/** The class: names chosen so that each of 3 shards gets at least one student. */
const CLASS = {
  ann: "solutions",
  bob: "stubs",
  "chloé lee": "partial",
  // A student whose results file is shard.json, the name the shard record once had.
  shard: "solutions",
  eve: "type_error",
  fay: "partial",
} as const;

Deno.test("parseGradeArgs(): --shard, merge and the gate, with the flag named when wrong", () => {
  assertEquals(parseGradeArgs(["--batch", "b", "--out", "o", "--shard", "2/3"]).shard, {
    index: 2,
    count: 3,
  });
  assertThrows(() => parseGradeArgs(["sub", "--shard", "1/2"]), TypeError, "--batch");
  assertThrows(
    () => parseGradeArgs(["--batch", "b", "--out", "o", "--shard", "3/2"]),
    RangeError,
    "1 to 2",
  );
  assertThrows(
    () => parseGradeArgs(["--batch", "b", "--out", "o", "--shard", "x"]),
    RangeError,
    "K/N",
  );
  assertEquals(parseGradeArgs(["merge", "a", "b", "--out", "m"]).merge, ["a", "b"]);
  assertThrows(() => parseGradeArgs(["merge", "a"]), TypeError, "--out DIR");
  assertThrows(() => parseGradeArgs(["merge", "--out", "m"]), TypeError, "output directories");
  assertThrows(
    () => parseGradeArgs(["merge", "a", "--out", "m", "--shard", "1/2"]),
    TypeError,
    "--shard",
  );
  const gate = parseGradeArgs(["s", "--min-score", "80%", "--require", "softmax,accuracy"]).gate;
  assertEquals(gate, { minScore: { value: 80, percent: true }, require: ["softmax", "accuracy"] });
  assertThrows(() => parseGradeArgs(["s", "--min-score", "101%"]), RangeError, "--min-score");
});

Deno.test("gradingDigests(): the kit's grading code counts, a machine's downloaded data does not", async () => {
  const kit = await Deno.makeTempDir({ prefix: "kit-digest-" });
  try {
    await Deno.mkdir(join(kit, "grader"));
    await Deno.mkdir(join(kit, "data", "cache"), { recursive: true });
    await Deno.writeTextFile(join(kit, "grader", "a.ts"), "export const a = 1;");
    const manifest = { exercises: [], cases: [], maxScore: 0 };
    const digest = () => gradingDigests({ kitRoot: kit, manifest, backend: "wasm" });
    const before = await digest();
    await Deno.writeTextFile(join(kit, "data", "cache", "train-images-idx3-ubyte.gz"), "x");
    await Deno.writeTextFile(join(kit, "notes.txt"), "not grading code");
    assertEquals(await digest(), before, "data/cache and other files are each machine's own");
    await Deno.writeTextFile(join(kit, "grader", "a.ts"), "export const a = 2;");
    assertEquals((await digest()).kit === before.kit, false, "grading code changes the kit digest");
    const other = await gradingDigests({ kitRoot: kit, manifest, backend: "cpu" });
    assertEquals(
      other.setup === (await digest()).setup,
      false,
      "the backend is part of the set-up",
    );
    // So are the grader's limits (twenty-fourth review: a shard graded with --time-limit 0.001
    // merged with one graded with the default), but not its paths.
    const withConfig = (config: object) =>
      gradingDigests({ kitRoot: kit, manifest, backend: "wasm", config });
    const usual = await withConfig({ submissionTimeoutMs: 480_000, kitRoot: "/a" });
    assertEquals(
      (await withConfig({ submissionTimeoutMs: 480_000, kitRoot: "/b" })).setup,
      usual.setup,
    );
    assertEquals(
      (await withConfig({ submissionTimeoutMs: 1, kitRoot: "/a" })).setup === usual.setup,
      false,
      "the time limit is part of the set-up",
    );
  } finally {
    await Deno.remove(kit, { recursive: true });
  }
});

/** A results file without its timings (the only thing two gradings may differ in). */
function untimed(text: string): string {
  return JSON.stringify(
    JSON.parse(text),
    (key, value) => /time|seconds/i.test(key) ? undefined : value,
  );
}

/** Every file under `dir`, relative, sorted. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) out.push(...await listFiles(dir, path));
    else out.push(path);
  }
  return out.sort();
}

Deno.test({
  name: "a class graded in 3 shards as 3 processes, then merged, equals the class graded at once",
  ignore: ignoreWithoutFullData,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grader-shards-" });
    try {
      const batch = join(work, "class");
      for (const [name, kind] of Object.entries(CLASS)) {
        if (kind === "type_error") await composeSubmission(join(batch, name), kind);
        else await writeSubmission(join(batch, name), kind);
      }
      const shards = [1, 2, 3].map((k) => Object.keys(CLASS).filter((n) => shardOf(n, 3) === k));
      assertEquals(shards.every((names) => names.length > 0), true, `${JSON.stringify(shards)}`);

      const [whole, ...parts] = await Promise.all([
        runGrade([
          "--batch",
          batch,
          "--out",
          join(work, "whole"),
          "--jobs",
          "1",
          "--min-score",
          "100%",
        ]),
        ...[1, 2, 3].map((k) =>
          runGrade([
            "--batch",
            batch,
            "--out",
            join(work, `shard${k}`),
            "--jobs",
            "1",
            "--shard",
            `${k}/3`,
          ])
        ),
      ]);
      // The gate: everyone but the two reference copies falls short; grading itself worked.
      assertEquals(whole.code, 3, whole.stderr);
      assertIncludes(whole.stdout, [
        `Below the gate: bob: score 0/${totalPoints} is below --min-score 100%`,
        "Below the gate: eve:",
        "Below the gate: chloé lee:",
      ]);
      assertEquals(whole.stdout.includes("Below the gate: ann"), false, whole.stdout);
      parts.forEach((part, i) => {
        assertEquals(part.code, 0, part.stderr);
        assertIncludes(part.stdout, [`(shard ${i + 1}/3 of 6)`]);
      });

      const merged = join(work, "merged");
      const merge = await runGrade([
        "merge",
        ...[1, 2, 3].map((k) => join(work, `shard${k}`)),
        "--out",
        merged,
      ]);
      assertEquals(merge.code, 0, merge.stderr);
      assertIncludes(merge.stdout, ["Merged 6 student(s) from 3 shard(s)"]);
      assertEquals(
        await Deno.readTextFile(join(merged, "gradebook.csv")),
        await Deno.readTextFile(join(work, "whole", "gradebook.csv")),
        "the merged gradebook is the unsharded one, byte for byte",
      );
      const files = await listFiles(merged);
      assertEquals(files, await listFiles(join(work, "whole")));
      for (const file of files.filter((f) => f.endsWith(".json"))) {
        assertEquals(
          untimed(await Deno.readTextFile(join(merged, file))),
          untimed(await Deno.readTextFile(join(work, "whole", file))),
          file,
        );
      }

      // What the merge refuses, each with the directories or the shard named.
      const dirs = [1, 2, 3].map((k) => join(work, `shard${k}`));
      const refused = async (shardDirs: string[], fragment: string) => {
        const out = join(work, `out-${crypto.randomUUID()}`);
        await assertRejects(() => mergeShards(shardDirs, out), Error, fragment);
        assertEquals(await Deno.stat(out).then(() => true, () => false), false, "nothing written");
      };
      await refused([dirs[0], dirs[1]], "shard 3/3 missing");
      await refused([dirs[0], dirs[1], dirs[2], dirs[1]], "given twice");
      await refused([...dirs, join(work, "whole")], "no shard+record.json");
      const tamper = async (name: string, edit: (r: ShardRecord) => void) => {
        const copy = join(work, name);
        await Deno.mkdir(copy);
        const record = JSON.parse(await Deno.readTextFile(join(dirs[2], SHARD_FILE)));
        edit(record);
        await Deno.writeTextFile(join(copy, SHARD_FILE), JSON.stringify(record));
        return copy;
      };
      await refused(
        [dirs[0], dirs[1], await tamper("kit", (r) => (r.kit = "0".repeat(64)))],
        "different kits",
      );
      await refused([dirs[0], dirs[1], await tamper("setup", (r) => (r.setup = "x"))], "--rubric");
      await refused(
        [dirs[0], dirs[1], await tamper("cut", (r) => r.students.pop())],
        "in no shard's output",
      );
      await refused(
        [dirs[0], dirs[1], await tamper("more", (r) => r.batch.push("zed"))],
        "same student directories",
      );
      await refused(
        [dirs[0], dirs[1], await tamper("escape", (r) => (r.students[0].files = ["../../etc/x"]))],
        "outside its directory",
      );
      await refused(
        [dirs[0], dirs[1], await tamper("unwritten", (r) => (r.students[0].files = []))],
        "holds no report for",
      );
      await assertRejects(() => mergeShards(dirs, merged), Error, "not empty");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "deno task grade --require: ids or slugs, unknown and filtered-out ids named, exit 1; a filtered-out rubric typo too",
  ignore: ignoreWithoutFullData,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grader-gate-" });
    try {
      await writeSubmission(join(work, "sub"), "partial");
      const unknown = await runGrade([join(work, "sub"), "--require", "sofmax"]);
      assertEquals(unknown.code, 1, unknown.stderr);
      assertIncludes(unknown.stderr, ['--require: no exercise "sofmax"', "softmax, "]);
      const passes = await runGrade([
        join(work, "sub"),
        "--require",
        "softmax",
        "--format",
        "exercism",
      ]);
      assertEquals(passes.code, 0, passes.stdout + passes.stderr);
      // A slug names its exercise, as with --exercise.
      const short = await runGrade([
        join(work, "sub"),
        "--require",
        "softmax,sum-keepdim,accuracy",
      ]);
      assertEquals(short.code, 3, short.stdout + short.stderr);
      assertIncludes(short.stdout, ["Below the gate: sub: --require accuracy: 0/10"]);
      assertEquals(short.stdout.includes("--require sum_keepdim"), false, short.stdout);
      // An exercise --exercise left out cannot be required: said, not a silent "not graded".
      const filtered = await runGrade([
        join(work, "sub"),
        ...["--exercise", "softmax", "--require", "accuracy"],
      ]);
      assertEquals(filtered.code, 1, filtered.stdout + filtered.stderr);
      assertIncludes(filtered.stderr, ["--require accuracy: that exercise is not graded"]);
      // A rubric's typo is found even in an exercise this run leaves out.
      const rubric = join(work, "rubric.json");
      await Deno.writeTextFile(rubric, JSON.stringify({ cases: { "accuracy/no such": {} } }));
      const typo = await runGrade([
        join(work, "sub"),
        ...["--exercise", "softmax", "--rubric", rubric],
      ]);
      assertEquals(typo.code, 1, typo.stdout + typo.stderr);
      assertIncludes(typo.stderr, ['names case "accuracy/no such", which no table has']);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

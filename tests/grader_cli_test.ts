/**
 * `deno task grade` end to end, as a separate process: single and batch modes, output
 * formats, atomic re-grading, the rubric, and exit codes (grading worked vs the student
 * passed).
 */
import { join } from "node:path";
import { parseGradeArgs } from "../tools/grade.ts";
import {
  assertEquals,
  assertIncludes,
  assertThrows,
  composeSubmission,
  FIXTURE_FLAGS,
  SUBMISSIONS,
} from "./fixtures/grader/helpers.ts";

const GRADE = new URL("../tools/grade.ts", import.meta.url).pathname;

async function grade(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", GRADE, ...FIXTURE_FLAGS, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("parseGradeArgs() rejects bad command lines with the flag named", () => {
  assertThrows(() => parseGradeArgs([]), TypeError, "Missing the submission directory");
  assertThrows(() => parseGradeArgs(["a", "b"]), TypeError, "Expected one submission directory");
  assertThrows(() => parseGradeArgs(["--batch", "d"]), TypeError, "pass --out OUT_DIR");
  assertThrows(() => parseGradeArgs(["a", "--format", "xml"]), RangeError, "--format");
  assertThrows(() => parseGradeArgs(["a", "--jobs", "0"]), RangeError, "--jobs");
  assertThrows(() => parseGradeArgs(["a", "--backend", "gpu"]), RangeError, "--backend");
  assertThrows(() => parseGradeArgs(["a", "--bogus"]), TypeError, "bogus");
  assertEquals(parseGradeArgs(["a", "--out", "r.json"]).format, "gradescope");
  assertEquals(parseGradeArgs(["a"]).format, "terminal");
});

Deno.test("deno task grade: a usage error exits 1 with a message, not a stack trace", async () => {
  const result = await grade(["--format", "xml", "x"]);
  assertEquals(result.code, 1);
  assertIncludes(result.stderr, ["Error: --format must be one of", "--help"]);
  const missing = await grade(["/nonexistent/submission"]);
  assertEquals(missing.code, 1);
  assertIncludes(missing.stderr, ["Error:"]);
});

Deno.test("deno task grade DIR --out FILE writes Gradescope JSON atomically and prints the table", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-cli-" });
  const out = join(work, "results", "results.json");
  const partial = await grade([join(SUBMISSIONS, "partial"), "--out", out]);
  assertEquals(partial.code, 0, partial.stderr);
  assertIncludes(partial.stdout, [
    "partial: 4/12 points (graded)",
    "Softmax (exercises/softmax.ts): 0/5",
  ]);
  const first = JSON.parse(await Deno.readTextFile(out));
  assertEquals([first.score, first.extra_data.max_score, first.tests.length], [4, 12, 8]);
  // Re-grading replaces the file in one step and leaves no temporary file behind.
  const full = await grade([join(SUBMISSIONS, "solutions"), "--out", out]);
  assertEquals(full.code, 0, full.stderr);
  assertEquals(JSON.parse(await Deno.readTextFile(out)).score, 12);
  assertEquals([...Deno.readDirSync(join(work, "results"))].map((e) => e.name), ["results.json"]);
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade --format junit|exercism prints that format; a failing student still exits 0", async () => {
  const junit = await grade([join(SUBMISSIONS, "stubs"), "--format", "junit"]);
  assertEquals(junit.code, 0, junit.stderr);
  assertIncludes(junit.stdout, [
    '<?xml version="1.0"',
    '<testsuites name="stubs" tests="8"',
    'skipped="8"',
  ]);
  const exercism = await grade([join(SUBMISSIONS, "partial"), "--format", "exercism"]);
  const json = JSON.parse(exercism.stdout);
  assertEquals([json.version, json.status, json.tests.length], [3, "fail", 8]);
});

Deno.test("deno task grade --rubric changes points and hides a case", async () => {
  const result = await grade([
    join(SUBMISSIONS, "solutions"),
    "--rubric",
    "tests/fixtures/grader/rubric.json",
    "--format",
    "gradescope",
  ]);
  assertEquals(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assertEquals([json.score, json.extra_data.max_score], [15, 15]);
  const shape = json.tests.find((t: { name: string }) => t.name.endsWith("keeps the input shape"));
  assertEquals([shape.max_score, shape.visibility, shape.output], [3, "visible", ""]);
});

Deno.test("deno task grade --batch writes a gradebook and one file per student", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-batch-cli-" });
  const subs = join(work, "subs");
  await composeSubmission(join(subs, "alice"), "solutions");
  await composeSubmission(join(subs, "bob"), "stubs");
  await composeSubmission(join(subs, "carol"), undefined, "partial");
  await Deno.symlink(join(subs, "alice"), join(subs, "mallory"));
  const out = join(work, "grades");
  const result = await grade([
    "--batch",
    subs,
    "--out",
    out,
    "--jobs",
    "2",
    "--format",
    "exercism",
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(
    await Deno.readTextFile(join(out, "gradebook.csv")),
    [
      "student,score,max,sum_keepdim,softmax,accuracy,fit,status",
      "alice,12,12,2,5,2,3,graded",
      "bob,0,12,0,0,0,0,graded",
      "carol,4,12,2,0,2,0,graded",
      "mallory,0,12,0,0,0,0,not-gradable",
      "",
    ].join("\n"),
  );
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assertEquals(names, ["alice.json", "bob.json", "carol.json", "gradebook.csv", "mallory.json"]);
  assertEquals(JSON.parse(await Deno.readTextFile(join(out, "alice.json"))).status, "pass");
  assertIncludes(result.stdout, ["Graded 4 submission(s)", "mallory: 0/12 points (NOT GRADABLE)"]);
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade --batch DIR --out DIR/grades: a re-run does not grade the output directory", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-batch-out-inside-" });
  await composeSubmission(join(work, "alice"), "solutions");
  const out = join(work, "grades");
  for (const run of [1, 2]) {
    const result = await grade(["--batch", work, "--out", out, "--jobs", "1"]);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(
      await Deno.readTextFile(join(out, "gradebook.csv")),
      "student,score,max,sum_keepdim,softmax,accuracy,fit,status\nalice,12,12,2,5,2,3,graded\n",
      `run ${run}`,
    );
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(names, ["alice.json", "gradebook.csv"], `run ${run}`);
  }
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade: Ctrl-C leaves no temporary directory behind", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-sigint-" });
  const tmp = join(work, "tmp");
  await Deno.mkdir(tmp);
  await composeSubmission(join(work, "sub"), "solutions", "loops_forever");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", GRADE, ...FIXTURE_FLAGS, join(work, "sub")],
    stdout: "null",
    stderr: "null",
    env: { TMPDIR: tmp, NO_COLOR: "1" },
  }).spawn();
  // Wait until the submission's run directory exists (its sandbox then spins for seconds).
  const hasRunDir = (dir: string): boolean =>
    [...Deno.readDirSync(dir)].some((e) =>
      e.isDirectory && (e.name.startsWith("grade-run-") || hasRunDir(join(dir, e.name)))
    );
  const deadline = Date.now() + 30_000;
  while (!hasRunDir(tmp) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assertEquals(hasRunDir(tmp), true, "no run directory appeared");
  await new Promise((r) => setTimeout(r, 1000)); // staged and running: the loop takes 3 s
  child.kill("SIGINT");
  assertEquals((await child.status).code, 130);
  assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name), []);
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade: Ctrl-C in a terminal (to the whole process group, sandboxes too), or during set-up, exits 130 and leaves nothing behind", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-sigint-group-" });
  const tmp = join(work, "tmp");
  await Deno.mkdir(tmp);
  await composeSubmission(join(work, "sub"), "solutions", "loops_forever");
  // setsid: the command leads its own process group, as a terminal's foreground job does.
  const start = () =>
    new Deno.Command("setsid", {
      args: [Deno.execPath(), "run", "--allow-all", GRADE, ...FIXTURE_FLAGS, join(work, "sub")],
      stdout: "piped",
      stderr: "piped",
      env: { TMPDIR: tmp, NO_COLOR: "1" },
    }).spawn();
  try {
    // During set-up (the session opens in about a second).
    const early = start();
    await new Promise((r) => setTimeout(r, 300));
    Deno.kill(-early.pid, "SIGINT");
    const earlyEnd = await early.output();
    assertEquals(earlyEnd.code, 130, new TextDecoder().decode(earlyEnd.stderr));
    assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name), []);

    // While a sandbox runs the submission's endless loop: the sandboxes get the signal too.
    const child = start();
    const deadline = Date.now() + 30_000;
    const running = () =>
      [...Deno.readDirSync(tmp)].some((e) =>
        e.isDirectory &&
        [...Deno.readDirSync(join(tmp, e.name))].some((f) => f.name.startsWith("grade-run-"))
      );
    while (!running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    Deno.kill(-child.pid, "SIGINT");
    const end = await child.output();
    const stdout = new TextDecoder().decode(end.stdout);
    assertEquals(end.code, 130, stdout + new TextDecoder().decode(end.stderr));
    assertEquals(stdout, "", "no report for a submission whose sandbox the Ctrl-C killed");
    assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name), []);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("deno task grade exits 2 when grading itself fails (a sandbox too small to start)", async () => {
  const result = await grade([join(SUBMISSIONS, "solutions"), "--memory-mb", "40"]);
  assertEquals(result.code, 2, result.stdout + result.stderr);
  assertIncludes(result.stdout, ["GRADING ERROR", "Grading failed: the sandbox could not start"]);
});

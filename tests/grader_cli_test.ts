/**
 * `deno task grade` end to end, as a separate process, on the kit's exercises: single and
 * batch modes, output formats (students' files and the teacher's), atomic re-grading, the
 * rubric and hidden cases, names that try to forge output, Ctrl-C, and exit codes (grading
 * worked vs the student passed).
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it; CI has it.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseGradeArgs } from "../tools/grade.ts";
import { exercises } from "./cases/mod.ts";
import { assertEquals, assertIncludes, assertThrows } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import {
  composeSubmission,
  KIT,
  PARTIAL,
  runGrade,
  writeSubmission,
} from "./helpers/submissions.ts";

const GRADE = fileURLToPath(new URL("../tools/grade.ts", import.meta.url));
const ignore = ignoreWithoutFullData;

const points = (ids: string[]) =>
  exercises.filter((e) => ids.includes(e.id)).flatMap((e) => e.cases).reduce(
    (sum, c) => sum + c.points,
    0,
  );
const ALL = points(exercises.map((e) => e.id));

Deno.test("parseGradeArgs() rejects bad command lines with the flag named", () => {
  assertThrows(() => parseGradeArgs([]), TypeError, "Missing the submission directory");
  assertThrows(() => parseGradeArgs(["a", "b"]), TypeError, "Expected one submission directory");
  assertThrows(() => parseGradeArgs(["--batch", "d"]), TypeError, "pass --out OUT_DIR");
  assertThrows(() => parseGradeArgs(["a", "--format", "xml"]), RangeError, "--format");
  assertThrows(() => parseGradeArgs(["a", "--jobs", "0"]), RangeError, "--jobs");
  assertThrows(() => parseGradeArgs(["a", "--backend", "gpu"]), RangeError, "--backend");
  assertThrows(() => parseGradeArgs(["a", "--time-limit", "0"]), RangeError, "--time-limit");
  assertEquals(parseGradeArgs(["a", "--time-limit", "90"]).config.submissionTimeoutMs, 90_000);
  assertThrows(() => parseGradeArgs(["a", "--bogus"]), RangeError, "Unknown option --bogus");
  assertThrows(() => parseGradeArgs(["a", "--time-limit", "-3"]), RangeError, 'got "-3"');
  assertEquals(parseGradeArgs(["a", "--out", "r.json"]).format, "gradescope");
  assertEquals(parseGradeArgs(["a"]).format, "terminal");
});

Deno.test("deno task grade: a usage error exits 1 with a message, not a stack trace", async () => {
  const result = await runGrade(["--format", "xml", "x"]);
  assertEquals(result.code, 1);
  assertIncludes(result.stderr, ["Error: --format must be one of", "--help"]);
  const missing = await runGrade(["/nonexistent/submission"]);
  assertEquals(missing.code, 1);
  assertIncludes(missing.stderr, ["Error:"]);
});

Deno.test({
  name: "deno task grade DIR --out FILE writes Gradescope JSON atomically and prints the table",
  ignore,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grade-cli-" });
    const out = join(work, "results", "results.json");
    await writeSubmission(join(work, "partial"), "partial");
    await writeSubmission(join(work, "solutions"), "solutions");
    const partial = await runGrade([join(work, "partial"), "--out", out]);
    assertEquals(partial.code, 0, partial.stderr);
    assertIncludes(partial.stdout, [
      `partial: ${points(PARTIAL)}/${ALL} points (graded)`,
      "Lesson 2: the softmax (exercises/softmax.ts): 9/9",
    ]);
    const first = JSON.parse(await Deno.readTextFile(out));
    assertEquals([first.score, first.extra_data.max_score], [points(PARTIAL), ALL]);
    // Re-grading replaces the file in one step and leaves no temporary file behind.
    const full = await runGrade([join(work, "solutions"), "--out", out]);
    assertEquals(full.code, 0, full.stderr);
    assertEquals(JSON.parse(await Deno.readTextFile(out)).score, ALL);
    assertEquals([...Deno.readDirSync(join(work, "results"))].map((e) => e.name), [
      "results.json",
    ]);
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test({
  name:
    "deno task grade --format junit|exercism prints that format; a failing student still exits 0",
  ignore,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grade-cli-" });
    await writeSubmission(join(work, "stubs"), "stubs");
    await writeSubmission(join(work, "partial"), "partial");
    const junit = await runGrade([join(work, "stubs"), "--format", "junit"]);
    assertEquals(junit.code, 0, junit.stderr);
    const cases = exercises.flatMap((e) => e.cases).length;
    assertIncludes(junit.stdout, [
      '<?xml version="1.0"',
      `<testsuites name="stubs" tests="${cases}"`,
    ]);
    const exercism = await runGrade([join(work, "partial"), "--format", "exercism"]);
    const json = JSON.parse(exercism.stdout);
    assertEquals([json.version, json.status, json.tests.length], [3, "fail", cases]);
    const failed = json.tests.find((t: { status: string }) => t.status === "fail");
    assertIncludes(failed.message, ["\nHint: "]);
    assertEquals("output" in failed, false, "output is only what the student's code printed");
    // One exercise alone, by its slug: a perfect single-exercise submission passes.
    const one = await runGrade([
      join(work, "partial"),
      "--exercise",
      "sum-keepdim",
      "--format",
      "exercism",
    ]);
    const single = JSON.parse(one.stdout);
    assertEquals(single.status, "pass", one.stdout);
    assertEquals(
      single.tests.every((t: { name: string }) => t.name.startsWith("sum_keepdim: ")),
      true,
    );
    assertIncludes(single.tests[0].test_code, [
      "// tests/cases/runs/sum_keepdim.ts, runs.",
      "impl",
    ]);
    // A file's score does not depend on which exercises a run grades: any exercise's shortcut
    // called while the file loads fails it (found by the ninth review: 13/13 with --exercise,
    // 0/13 without).
    const file = join(work, "partial", "sum_keepdim.ts");
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)) + "\ntf.softmax(tf.zeros([1, 2])).dispose(); // a trial\n",
    );
    const trial = await runGrade([join(work, "partial"), "--exercise", "sum-keepdim"]);
    assertIncludes(trial.stdout, ["sum_keepdim.ts failed to load", "while an exercise file loads"]);
    const unknown = await runGrade([join(work, "partial"), "--exercise", "sum_keep"]);
    assertEquals(unknown.code, 1);
    assertIncludes(unknown.stderr, ['No exercise "sum_keep"', "sum_keepdim, softmax"]);
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test({
  name:
    "deno task grade --rubric --hidden: points change, hidden cases count, students see names only",
  ignore,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grade-cli-" });
    await writeSubmission(join(work, "solutions"), "solutions");
    const result = await runGrade([
      join(work, "solutions"),
      "--rubric",
      join(KIT, "tests", "fixtures", "rubric.json"),
      "--hidden",
      join(KIT, "tests", "fixtures", "hidden"),
      "--format",
      "gradescope",
    ]);
    assertEquals(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assertEquals([json.score, json.extra_data.max_score], [ALL + 5, ALL + 5]);
    const int32 = json.tests.find((t: { name: string }) => t.name.includes("int32 matrix int32"));
    assertEquals(int32.max_score, 3);
    const hidden = json.tests.find((t: { name: string }) => t.name.endsWith("hidden batch"));
    assertEquals([hidden.visibility, hidden.output, hidden.max_score], ["visible", "", 2]);
    const tall = json.tests.find((t: { name: string }) => t.name.includes("tall"));
    assertEquals(tall.visibility, "hidden");
    assertEquals([json.visibility, json.stdout_visibility], ["visible", "hidden"]);
    // The rubric releases a case after the due date and the results once published.
    const rubric = JSON.parse(
      await Deno.readTextFile(join(KIT, "tests", "fixtures", "rubric.json")),
    );
    rubric.cases["softmax/softmax() leaves no tensors behind"] = { visibility: "after_due_date" };
    const fullEpoch = exercises.find((e) => e.id === "train_epoch_ch3")!.cases
      .find((c) => c.needs?.includes("fashion-mnist"))!;
    rubric.gradescope = {
      visibility: "after_published",
      stdout_visibility: "visible",
      leaderboard: [{ name: "Test accuracy", case: `train_epoch_ch3/${fullEpoch.name}` }],
    };
    await Deno.writeTextFile(join(work, "rubric.json"), JSON.stringify(rubric));
    const later = await runGrade([
      join(work, "solutions"),
      "--rubric",
      join(work, "rubric.json"),
      "--hidden",
      join(KIT, "tests", "fixtures", "hidden"),
      "--format",
      "gradescope",
    ]);
    assertEquals(later.code, 0, later.stderr);
    const released = JSON.parse(later.stdout);
    assertEquals([released.visibility, released.stdout_visibility], ["after_published", "visible"]);
    const leaks = released.tests.filter((t: { name: string }) =>
      t.name.startsWith("softmax: softmax() leaves no tensors")
    );
    assertEquals(leaks.map((t: { visibility: string }) => t.visibility), ["after_due_date"]);
    // The leaderboard: the test accuracy the full-data case's check measured.
    assertEquals(released.leaderboard.length, 1, JSON.stringify(released.leaderboard));
    assertEquals(released.leaderboard[0].name, "Test accuracy");
    assertEquals(released.leaderboard[0].value > 0.7 && released.leaderboard[0].value < 1, true);
    const terminal = await runGrade([
      join(work, "solutions"),
      "--rubric",
      join(work, "rubric.json"),
      "--hidden",
      join(KIT, "tests", "fixtures", "hidden"),
    ]);
    assertEquals(terminal.code, 0, terminal.stderr);
    // Outside Gradescope there is no release date: the case is not listed, its points count.
    assertEquals(terminal.stdout.includes("softmax() leaves no tensors behind"), false);
    assertIncludes(terminal.stdout, ["sumKeepdim() leaves no tensors behind"]);
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test({
  name:
    "deno task grade --batch writes a gradebook, one file per student and the teacher's view, with safe names",
  ignore,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grade-batch-cli-" });
    const subs = join(work, "subs");
    await writeSubmission(join(subs, "alice"), "solutions");
    await writeSubmission(join(subs, "bob"), "stubs");
    await writeSubmission(join(subs, "carol"), "partial");
    const eve = "eve\nmallory,133,133\u001b[2J";
    await writeSubmission(join(subs, eve), "stubs");
    await Deno.symlink(join(subs, "alice"), join(subs, "mallory"));
    const out = join(work, "grades");
    const result = await runGrade([
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
    const csv = (await Deno.readTextFile(join(out, "gradebook.csv"))).split("\n");
    assertEquals(csv.length, 7, csv.join("\n")); // header, five students, final newline
    assertEquals(csv[0], `student,score,max,${exercises.map((e) => e.id).join(",")},status,note`);
    assertIncludes(csv[1], [`alice,${ALL},${ALL},`, ",graded,"]);
    assertIncludes(csv[3], [`carol,${points(PARTIAL)},${ALL},`]);
    assertIncludes(csv[4], ['"eve\\nmallory,133,133\\x1b[2J",0,']);
    assertIncludes(csv[5], [
      "mallory,0,",
      'not-gradable,"The submission directory is a symbolic link; hand in',
    ]);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(names, [
      "alice.json",
      "bob.json",
      "carol.json",
      "eve%0Amallory%2C133%2C133%1B%5B2J.json",
      "gradebook.csv",
      "instructor",
      "mallory.json",
    ]);
    assertEquals(JSON.parse(await Deno.readTextFile(join(out, "alice.json"))).status, "pass");
    assertEquals(
      [...Deno.readDirSync(join(out, "instructor"))].length,
      5,
      "the teacher's view of every student",
    );
    assertIncludes(result.stdout, [
      "Graded 5 submission(s)",
      `mallory: 0/${ALL} points (NOT GRADABLE)`,
    ]);
    assertEquals(
      result.stdout.includes("\u001b"),
      false,
      "no escape sequence reaches the terminal",
    );
    assertEquals(result.stdout.split("\n").filter((l) => l.startsWith("mallory")).length, 1);
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test({
  name:
    "deno task grade --batch DIR --out DIR/grades: a re-run does not grade the output directory",
  ignore,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "grade-batch-out-inside-" });
    await writeSubmission(join(work, "alice"), "solutions");
    const out = join(work, "grades");
    for (const run of [1, 2]) {
      const result = await runGrade(["--batch", work, "--out", out, "--jobs", "1"]);
      assertEquals(result.code, 0, result.stderr);
      const csv = await Deno.readTextFile(join(out, "gradebook.csv"));
      assertEquals(csv.trimEnd().split("\n").length, 2, `run ${run}: ${csv}`);
      const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assertEquals(names, ["alice.json", "gradebook.csv", "instructor"], `run ${run}`);
    }
    await Deno.remove(work, { recursive: true });
  },
});

Deno.test("deno task grade --batch: a name too long for a file gets a cut, hashed one; a report that cannot be written stops no one else", async () => {
  // A 40-letter Cyrillic name with an LMS's suffix: as %XX it passed 255 bytes with the
  // writer's temporary suffix, and the batch stopped (sixteenth review).
  const work = await Deno.makeTempDir({ prefix: "grade-batch-names-" });
  const subs = join(work, "subs");
  const long = "Александра Константиновна Воскресенская_1234567_assignsubmission_file_";
  for (const name of [long, "bob", "carol"]) {
    await Deno.mkdir(join(subs, name), { recursive: true });
    await Deno.copyFile(
      join(KIT, "solutions", "sum_keepdim.ts"),
      join(subs, name, "sum_keepdim.ts"),
    );
  }
  const out = join(work, "grades");
  await Deno.mkdir(join(out, "bob.json"), { recursive: true }); // bob's report cannot be written
  const result = await runGrade(["--batch", subs, "--out", out, "--exercise", "sum_keepdim"]);
  assertEquals(result.code, 2, result.stdout + result.stderr);
  assertIncludes(result.stderr, ["Error: could not write the report of bob as"]);
  assertIncludes(result.stdout, ["Graded 3 submission(s)", "reports NOT WRITTEN for bob"]);
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assertEquals(names.length, 5, names.join(" ")); // long, bob.json (the directory), carol, csv, instructor
  const longFile = names.find((n) => n.startsWith("%D0%90"))!;
  assertEquals(/^[%0-9A-F]+~[0-9a-f]{16}\.json$/.test(longFile), true, longFile);
  assertEquals(JSON.parse(await Deno.readTextFile(join(out, longFile))).score, 10);
  assertEquals(JSON.parse(await Deno.readTextFile(join(out, "carol.json"))).score, 10);
  const csv = await Deno.readTextFile(join(out, "gradebook.csv"));
  assertEquals(csv.trimEnd().split("\n").length, 4, csv); // header and all three students
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade --time-limit: a submission that uses every case's limit still gets its report, the cases not reached scored 0 as not run", async () => {
  // Nineteenth review: one that waited out every case's backstop held its grading for an
  // hour, past Gradescope's 600 s, which would kill the run and write no results.
  const work = await Deno.makeTempDir({ prefix: "grade-time-limit-" });
  await composeSubmission(join(work, "sub"), "loops_forever"); // sumKeepdim loops: 10 s a case
  const out = join(work, "results.json");
  const args = ["--exercise", "sum_keepdim", "--time-limit", "6", "--out", out];
  const run = await runGrade([join(work, "sub"), ...args]);
  assertEquals(run.code, 0, run.stderr);
  const report = JSON.parse(await Deno.readTextFile(out));
  const outputs = (report.tests as { output: string }[]).map((t) => t.output).join("\n");
  assertIncludes(outputs, ["not run: this submission's code ran for its whole time of 6 s"]);
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade: Ctrl-C leaves no temporary directory behind", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-sigint-" });
  const tmp = join(work, "tmp");
  await Deno.mkdir(tmp);
  await composeSubmission(join(work, "sub"), "loops_forever");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", GRADE, join(work, "sub")],
    stdout: "null",
    stderr: "null",
    env: { TMPDIR: tmp, NO_COLOR: "1" },
  }).spawn();
  // Wait until the submission's run directory exists (its sandbox then spins for seconds).
  const hasRunDir = (dir: string): boolean =>
    [...Deno.readDirSync(dir)].some((e) =>
      e.isDirectory && (/^grade-[0-9a-f]/.test(e.name) || hasRunDir(join(dir, e.name)))
    );
  const deadline = Date.now() + 30_000;
  while (!hasRunDir(tmp) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assertEquals(hasRunDir(tmp), true, "no run directory appeared");
  await new Promise((r) => setTimeout(r, 1000)); // staged and running: the loop takes 10 s
  child.kill("SIGINT");
  assertEquals((await child.status).code, 130);
  assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name), []);
  await Deno.remove(work, { recursive: true });
});

Deno.test("deno task grade: Ctrl-C in a terminal (to the whole process group, sandboxes too), or during set-up, exits 130 and leaves nothing behind", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-sigint-group-" });
  const tmp = join(work, "tmp");
  await Deno.mkdir(tmp);
  await composeSubmission(join(work, "sub"), "loops_forever");
  // setsid: the command leads its own process group, as a terminal's foreground job does.
  const start = () =>
    new Deno.Command("setsid", {
      args: [Deno.execPath(), "run", "--allow-all", GRADE, join(work, "sub")],
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
        [...Deno.readDirSync(join(tmp, e.name))].some((f) => /^grade-[0-9a-f]/.test(f.name))
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

Deno.test("deno task grade exits 1 with the reason when the sandbox cannot start on this machine", async () => {
  const work = await Deno.makeTempDir({ prefix: "grade-cli-" });
  await writeSubmission(join(work, "solutions"), "solutions");
  const result = await runGrade([join(work, "solutions"), "--memory-mb", "40"]);
  assertEquals(result.code, 1, result.stdout + result.stderr);
  assertIncludes(result.stderr, ["cannot set up grading", "the sandbox does not start"]);
  await Deno.remove(work, { recursive: true });
});

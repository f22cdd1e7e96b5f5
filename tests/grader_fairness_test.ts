/**
 * The grader is fair to honest students whatever the grading machine is doing: the reference
 * solutions keep full marks on a machine kept busy (two CPU-bound processes beside the grader:
 * limits are CPU time), and a machine without the data a case needs refuses to grade (a set-up
 * error, exit 1, naming the fix) instead of charging the student; and code stopped by the clock's
 * backstop is told so, not as having used its CPU time.
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it; CI has it.
 */
import { join } from "node:path";
import {
  defaultConfig,
  formatTerminal,
  gradeBatch,
  gradeSubmission,
  openSession,
} from "../grader/mod.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { KIT } from "./helpers/submissions.ts";
import { busyMachine, slowSumKeepdim } from "./helpers/busy_machine.ts";

Deno.test({
  name:
    "the reference solutions keep full marks while two CPU-bound processes run beside the grader",
  ignore: ignoreWithoutFullData,
  async fn() {
    const stopHogs = busyMachine(2);
    const session = await openSession();
    try {
      const report = await gradeSubmission(session, join(KIT, "solutions"));
      assertEquals(report.score, report.maxScore, formatTerminal(report, "instructor"));
    } finally {
      await session.close();
      await stopHogs();
    }
  },
});

Deno.test("a submission's time is CPU time: what runs beside a batch cannot use it up", async () => {
  // Twenty-sixth review: the time was counted on the clock, so a neighbour in a batch (or any
  // other load) took a reference submission from 149 to 114 points near the limit. Here: a
  // sum_keepdim that computes for about 6 s of CPU time in all, a limit of 12 s, and four
  // CPU-bound processes beside the batch, which stretch those 6 s past 12 on the clock.
  const work = await Deno.makeTempDir({ prefix: "cpu-budget-" });
  const dir = join(work, "busy");
  await Deno.mkdir(dir);
  const solution = await Deno.readTextFile(join(KIT, "solutions", "sum_keepdim.ts"));
  await Deno.writeTextFile(join(dir, "sum_keepdim.ts"), slowSumKeepdim(solution, 6));
  const stopHogs = busyMachine(4);
  const session = await openSession({
    // The clock's backstop far off (10 × 12 + 5 s): on a machine loaded beyond the four
    // processes (fresh-ci beside deno task ok: 80 s on the clock) it stopped the cases, which
    // is not what this test is about.
    config: defaultConfig({ submissionTimeoutMs: 12_000, wallFactor: 10 }),
    exercises: ["sum_keepdim"],
  });
  try {
    const started = performance.now();
    const [report] = await gradeBatch(session, [{ name: "busy", dir }], { jobs: 2 });
    const seconds = (performance.now() - started) / 1000;
    assertEquals(
      report.score,
      report.maxScore,
      `${seconds.toFixed(1)} s on the clock:\n${formatTerminal(report, "instructor")}`,
    );
  } finally {
    await session.close();
    await stopHogs();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a file that waits as it loads is told as stopped on the clock, not as using CPU time", async () => {
  // It uses no CPU time, so only the clock's backstop (wallFactor × the limit + 5 s) stops it;
  // the message said "took longer than 1000 ms of CPU time", which it never used.
  const dir = await Deno.makeTempDir({ prefix: "waits-at-load-" });
  const solution = await Deno.readTextFile(join(KIT, "solutions", "sum_keepdim.ts"));
  await Deno.writeTextFile(
    join(dir, "sum_keepdim.ts"),
    `${solution}\nawait new Promise((resolve) => setTimeout(resolve, 60_000));\n`,
  );
  const session = await openSession({
    config: defaultConfig({ importTimeoutMs: 1000, wallFactor: 1 }),
    exercises: ["sum_keepdim"],
  });
  try {
    const report = await gradeSubmission(session, dir);
    const text = formatTerminal(report, "instructor");
    assertEquals(report.score, 0, text);
    assertIncludes(JSON.stringify(report), [
      "took longer than 6 s on the clock, the backstop of its 1000 ms of CPU time (code that waits",
    ]);
  } finally {
    await session.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task grade on a machine without the data a case needs exits 1, naming the fix", async () => {
  const empty = await Deno.makeTempDir({ prefix: "no-data-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", join(KIT, "tools", "grade.ts"), join(KIT, "solutions")],
      env: { FASHION_MNIST_DIR: empty, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assertEquals(code, 1, text);
    assertIncludes(text, [
      "cannot set up grading",
      "need the full Fashion-MNIST",
      "cannot be graded here",
      "FASHION_MNIST_DIR",
    ]);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

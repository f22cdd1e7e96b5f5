/**
 * The grader on the kit's real exercises (`tests/cases/mod.ts`, `mod.ts`): the solutions get
 * full marks, the shipped stubs 0, a partial submission exactly the points of the exercises it
 * solved, and hostile files only lose their own exercise. Expected scores are sums of the
 * tables' points, so the test follows the tables when their points change.
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it, like the other
 * full-data tests; CI has it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KIT_ROOT } from "../grader/config.ts";
import { formatTerminal } from "../grader/format_terminal.ts";
import { gradeBatch, gradeSubmission } from "../grader/grade.ts";
import { openSession } from "../grader/session.ts";
import type { SubmissionReport } from "../grader/types.ts";
import { assertEquals, assertIncludes, composeSubmission } from "./fixtures/grader/helpers.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";

const SOLUTIONS = join(KIT_ROOT, "solutions");
const STUBS = join(KIT_ROOT, "exercises");
const FIXTURES = fileURLToPath(new URL("./fixtures/submissions/", import.meta.url));

/** The first three exercises solved, the rest left as shipped. */
const PARTIAL = ["sum_keepdim.ts", "softmax.ts", "cross_entropy.ts"];

Deno.test({
  name:
    "the grader scores the kit's own solutions, stubs, a partial and hostile submissions exactly",
  ignore: ignoreWithoutFullData,
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "grader-kit-" });
    await composeSubmission(join(work, "solutions"), SOLUTIONS);
    await composeSubmission(join(work, "stubs"), STUBS);
    await composeSubmission(join(work, "partial"), STUBS);
    for (const file of PARTIAL) {
      await Deno.copyFile(join(SOLUTIONS, file), join(work, "partial", file));
    }
    await composeSubmission(
      join(work, "exits_early"),
      SOLUTIONS,
      join(FIXTURES, "kit_exits_early"),
    );
    await composeSubmission(
      join(work, "imports_solutions"),
      STUBS,
      join(FIXTURES, "kit_imports_solutions"),
    );
    const session = await openSession();
    let reports: SubmissionReport[];
    try {
      const names = ["solutions", "stubs", "partial", "exits_early", "imports_solutions"];
      reports = await gradeBatch(session, names.map((name) => ({ name, dir: join(work, name) })), {
        jobs: 2,
      });
    } finally {
      await session.close();
      await Deno.remove(work, { recursive: true });
    }
    const { manifest } = session;
    const pointsOf = (files: string[]) =>
      manifest.cases.filter((c) => files.includes(c.file)).reduce((sum, c) => sum + c.points, 0);
    const [solutions, stubs, partial, exitsEarly, importsSolutions] = reports;
    const cases = (r: SubmissionReport) => r.exercises.flatMap((e) => e.cases);

    await t.step(`solutions: ${manifest.maxScore}/${manifest.maxScore}`, () => {
      assertEquals(solutions.score, manifest.maxScore, formatTerminal(solutions));
      assertEquals(cases(solutions).every((c) => c.status === "passed"), true);
      assertEquals(manifest.exercises.length, 12);
    });

    await t.step("stubs: 0, every case not attempted", () => {
      assertEquals([stubs.score, stubs.status], [0, "graded"]);
      assertEquals(
        cases(stubs).every((c) => c.status === "not-attempted"),
        true,
        formatTerminal(stubs),
      );
    });

    await t.step("partial: exactly the points of the three exercises solved", () => {
      assertEquals(partial.score, pointsOf(PARTIAL), formatTerminal(partial));
      for (const e of partial.exercises) {
        const want = PARTIAL.includes(e.file) ? "passed" : "not-attempted";
        assertEquals(e.cases.every((c) => c.status === want), true, `${e.id}: ${want}`);
      }
    });

    await t.step("exits early: only softmax's points are lost, with a clear message", () => {
      assertEquals(exitsEarly.score, manifest.maxScore - pointsOf(["softmax.ts"]));
      const softmax = exitsEarly.exercises.find((e) => e.file === "softmax.ts")!;
      assertEquals(softmax.cases.every((c) => c.status === "error"), true);
      assertIncludes(softmax.cases[0].message, [
        "softmax.ts failed to load",
        "Deno.exit() was called",
      ]);
    });

    await t.step("imports the solutions: blocked, 0 points", () => {
      assertEquals(importsSolutions.score, 0);
      const softmax = importsSolutions.exercises.find((e) => e.file === "softmax.ts")!;
      assertEquals(softmax.cases.every((c) => c.status === "blocked"), true);
      assertIncludes(softmax.cases[0].message, ['softmax.ts imports "../solutions/softmax.ts"']);
    });
  },
});

Deno.test("the grader runs a submission that imports the kit's mod.ts as `deno task check` does", async () => {
  // mod.ts also exports the image and plot helpers, whose native add-ons cannot load in the
  // sandbox: the submission's `../mod.ts` must load the sandbox's kit, not fail to load.
  const work = await Deno.makeTempDir({ prefix: "grader-kit-mod-" });
  const source = await Deno.readTextFile(join(SOLUTIONS, "evaluate_accuracy.ts"));
  const viaMod = source.replace('from "../lessons/04_accuracy.ts"', 'from "../mod.ts"');
  assertEquals(viaMod.includes('import { accuracy } from "../mod.ts"'), true);
  await Deno.writeTextFile(join(work, "evaluate_accuracy.ts"), viaMod);
  const session = await openSession();
  try {
    const report = await gradeSubmission(session, work);
    const exercise = report.exercises.find((e) => e.file === "evaluate_accuracy.ts")!;
    assertEquals(exercise.cases.every((c) => c.status === "passed"), true, formatTerminal(report));
  } finally {
    await session.close();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("the grader gives no points for re-exporting the kit's own function as the answer", async () => {
  const work = await Deno.makeTempDir({ prefix: "grader-kit-reexport-" });
  await Deno.writeTextFile(
    join(work, "sum_keepdim.ts"),
    'export { sumKeepdim } from "../lessons/01_sum_keepdim.ts";\n',
  );
  await Deno.writeTextFile(join(work, "accuracy.ts"), 'export { accuracy } from "../mod.ts";\n');
  const session = await openSession();
  try {
    const report = await gradeSubmission(session, work);
    assertEquals(report.score, 0, formatTerminal(report));
    for (const file of ["sum_keepdim.ts", "accuracy.ts"]) {
      const exercise = report.exercises.find((e) => e.file === file)!;
      assertIncludes(exercise.cases[0].message, ["re-exports the kit's own"]);
    }
  } finally {
    await session.close();
    await Deno.remove(work, { recursive: true });
  }
});

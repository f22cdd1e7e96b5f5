/**
 * Exercism's test-runner `results.json`, version 3.
 *
 * Top level: `version: 3`, `status` (`"pass"` when every listed case passed, `"fail"`
 * otherwise, `"error"` when the submission is not gradable or grading failed, with `message`
 * holding the compiler's or grader's message), and `tests`. Per case: `name`, `status`
 * (`"pass"`, `"fail"`, or `"error"` when the code threw, timed out, crashed or was blocked),
 * `message` (what went wrong), `output` (the hint; at most 500 characters, as Exercism
 * requires) and `task_id` (the exercise's position in the kit, from 1).
 *
 * Hidden cases appear with their name and status only; cases with visibility `none` are left
 * out.
 *
 * @example
 * ```ts
 * import { formatExercism } from "./format_exercism.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const json = formatExercism(sampleReport());
 * if (json.version !== 3 || json.status !== "fail" || json.tests.length !== 3) throw new Error();
 * if (json.tests[2].message !== undefined || json.tests[0].task_id !== 1) throw new Error();
 * ```
 *
 * @module
 */
import type { CaseStatus, SubmissionReport } from "./types.ts";

/** One Exercism test entry. */
export interface ExercismTest {
  /** Test name. */
  name: string;
  /** Outcome. */
  status: "pass" | "fail" | "error";
  /** What went wrong (absent when passed, and for hidden cases). */
  message?: string;
  /** The hint, at most 500 characters. */
  output?: string;
  /** The exercise's position in the kit, from 1. */
  task_id: number;
}

/** Exercism's `results.json` (version 3). */
export interface ExercismResults {
  /** Format version. */
  version: 3;
  /** Overall outcome. */
  status: "pass" | "fail" | "error";
  /** Set when `status` is `error`. */
  message?: string;
  /** Per case. */
  tests: ExercismTest[];
}

const ERRORS: CaseStatus[] = ["error", "timeout", "crashed", "blocked"];

/**
 * Converts a report to Exercism's `results.json` object.
 *
 * @example Output is cut to 500 characters
 * ```ts
 * import { formatExercism } from "./format_exercism.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const report = sampleReport();
 * report.exercises[0].cases[1].hint = "x".repeat(900);
 * if (formatExercism(report).tests[1].output!.length !== 500) throw new Error();
 * ```
 */
export function formatExercism(report: SubmissionReport): ExercismResults {
  const tests: ExercismTest[] = [];
  report.exercises.forEach((exercise, e) => {
    for (const c of exercise.cases) {
      if (c.visibility === "none") continue;
      const status = c.status === "passed" ? "pass" : ERRORS.includes(c.status) ? "error" : "fail";
      const test: ExercismTest = { name: `${exercise.id}: ${c.name}`, status, task_id: e + 1 };
      if (!c.hidden && status !== "pass") {
        test.message = c.message !== "" ? c.message : c.status;
        if (c.hint !== "") test.output = c.hint.slice(0, 500);
      }
      tests.push(test);
    }
  });
  if (report.status !== "graded") {
    return { version: 3, status: "error", message: report.message, tests };
  }
  const allPass = report.exercises.every((e) => e.cases.every((c) => c.status === "passed"));
  return { version: 3, status: allPass ? "pass" : "fail", tests };
}

/**
 * Exercism's test-runner `results.json`, version 3.
 *
 * Top level: `version: 3`, `status` (`"pass"` when every listed case passed, `"fail"`
 * otherwise, `"error"` when the submission is not gradable or grading failed, with `message`
 * saying why), and `tests`. Per case: `name`, `status` (`"pass"`, `"fail"`, or `"error"` when
 * the code threw, timed out, crashed or was blocked), `message` (what went wrong, then the
 * case's hint), `test_code` (how a visible case calls the code: its run, from the kit's run
 * half) and `task_id` (the exercise's position in the kit, from 1). `output` is for what the
 * student's code printed, which the grader's sandbox never reads back: it is left out.
 *
 * In the student's view hidden cases appear with their name and status only and invisible ones
 * not at all; the teacher's view lists every case with its message.
 *
 * @example
 * ```ts
 * import { formatExercism } from "./exercism.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const json = formatExercism(sampleReport());
 * if (json.version !== 3 || json.status !== "fail" || json.tests.length !== 3) throw new Error("unexpected: json.version !== 3 || json.status !== \"fail\" || json.tests.length !== 3");
 * if (json.tests[2].message !== undefined || json.tests[0].task_id !== 1) throw new Error("unexpected: json.tests[2].message !== undefined || json.tests[0].task_id !== 1");
 * if (json.tests.some((t) => "output" in t)) throw new Error("output is only for what the code printed");
 * if (formatExercism(sampleReport(), "instructor").tests.length !== 4) throw new Error("unexpected: formatExercism(sampleReport(), \"instructor\").tests.length !== 4");
 * ```
 *
 * @module
 */
import { escapeLines } from "./escape.ts";
import type { CaseStatus, SubmissionReport } from "./types.ts";
import { forView, type View } from "./view.ts";

/** One Exercism test entry. */
export interface ExercismTest {
  /** Test name. */
  name: string;
  /** Outcome. */
  status: "pass" | "fail" | "error";
  /** What went wrong, then the hint (absent when passed, and for hidden cases in a student's view). */
  message?: string;
  /** How a visible case calls the code (absent for hidden cases). */
  test_code?: string;
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
 * Converts a report to Exercism's `results.json` object for `view` (default: the student's).
 *
 * @example A failed case's message ends with its hint; a visible case shows its call
 * ```ts
 * import { formatExercism } from "./exercism.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = sampleReport();
 * report.exercises[0].cases[1].code = "(impl) => impl.softmax(X)";
 * const test = formatExercism(report).tests[1];
 * if (test.test_code !== "(impl) => impl.softmax(X)") throw new Error(`test_code: ${test.test_code}`);
 * if (!test.message!.includes("\nHint: ")) throw new Error(`no hint in: ${test.message}`);
 * ```
 */
export function formatExercism(report: SubmissionReport, view: View = "student"): ExercismResults {
  const shown = forView(report, view);
  const tests: ExercismTest[] = [];
  shown.exercises.forEach((exercise, e) => {
    for (const c of exercise.cases) {
      const status = c.status === "passed" ? "pass" : ERRORS.includes(c.status) ? "error" : "fail";
      const name = `${exercise.id}: ${c.name}${
        c.hidden && view === "instructor" ? " (hidden)" : ""
      }`;
      const test: ExercismTest = { name, status, task_id: e + 1 };
      if (c.code !== undefined) test.test_code = c.code;
      if (status !== "pass" && (c.message !== "" || !c.hidden || view === "instructor")) {
        const hint = c.hint !== "" ? `\nHint: ${c.hint}` : "";
        test.message = escapeLines(`${c.message !== "" ? c.message : c.status}${hint}`);
      }
      tests.push(test);
    }
  });
  if (shown.status !== "graded") {
    return { version: 3, status: "error", message: escapeLines(shown.message), tests };
  }
  const allPass = shown.exercises.every((e) =>
    e.cases.every((c) => c.status === "passed") &&
    (e.unlisted?.score ?? 0) === (e.unlisted?.maxScore ?? 0)
  );
  return { version: 3, status: allPass ? "pass" : "fail", tests };
}

/**
 * Gradescope's autograder `results.json`.
 *
 * Top level: `score`, `execution_time` (seconds), `output` (the summary, plus the compiler's
 * messages when the submission is not gradable), `output_format: "text"`, `visibility:
 * "visible"`, `stdout_visibility: "hidden"` and `extra_data` (`gradable`, `status`,
 * `max_score`, `submission`). One entry in `tests` per case: `name` (`"<exercise>: <case>"`),
 * `number` (`"<exercise>.<case>"`), `score`, `max_score`, `status` (`"passed"`/`"failed"`),
 * `output` (message and hint), `visibility`, `tags` (the exercise id and the case status).
 *
 * Hidden cases (`name` visibility) are `"visible"` tests with an empty `output`; invisible ones
 * (`none`) are Gradescope `"hidden"` tests, also without output. No hidden case ever carries
 * its message, hint, inputs or expected values.
 *
 * @example
 * ```ts
 * import { formatGradescope } from "./format_gradescope.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const json = formatGradescope(sampleReport());
 * if (json.score !== 3 || json.tests.length !== 4) throw new Error();
 * if (json.tests[3].visibility !== "hidden" || json.tests[3].output !== "") throw new Error();
 * ```
 *
 * @module
 */
import { summaryLine } from "./format_terminal.ts";
import type { SubmissionReport } from "./types.ts";

/** One Gradescope test entry. */
export interface GradescopeTest {
  /** Display name. */
  name: string;
  /** Ordering number, `"2.1"`. */
  number: string;
  /** Points earned. */
  score: number;
  /** Points available. */
  max_score: number;
  /** `passed` or `failed`. */
  status: "passed" | "failed";
  /** What went wrong, and the hint. */
  output: string;
  /** Gradescope visibility. */
  visibility: "visible" | "hidden";
  /** Exercise id and case status. */
  tags: string[];
}

/** Gradescope's `results.json`. */
export interface GradescopeResults {
  /** Points earned. */
  score: number;
  /** Seconds. */
  execution_time: number;
  /** Summary text. */
  output: string;
  /** How `output` is rendered. */
  output_format: "text";
  /** Whether students see the results. */
  visibility: "visible";
  /** Whether students see the autograder's stdout. */
  stdout_visibility: "hidden";
  /** Grader-specific fields. */
  extra_data: { gradable: boolean; status: string; max_score: number; submission: string };
  /** Per case. */
  tests: GradescopeTest[];
}

/**
 * Converts a report to Gradescope's `results.json` object.
 *
 * @example Not gradable: score 0 and the compiler's output
 * ```ts
 * import { formatGradescope } from "./format_gradescope.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const report = { ...sampleReport(), status: "not-gradable" as const, gradable: false, score: 0,
 *   message: "TS2304 [ERROR]: Cannot find name 'x'." };
 * const json = formatGradescope(report);
 * if (json.score !== 0 || !json.output.includes("TS2304") || json.extra_data.gradable) throw new Error();
 * ```
 */
export function formatGradescope(report: SubmissionReport): GradescopeResults {
  const tests: GradescopeTest[] = [];
  report.exercises.forEach((exercise, e) => {
    exercise.cases.forEach((c, i) => {
      const output = c.hidden
        ? ""
        : [c.message, c.hint !== "" ? `Hint: ${c.hint}` : ""].filter((x) => x !== "").join("\n");
      tests.push({
        name: `${exercise.id}: ${c.name}`,
        number: `${e + 1}.${i + 1}`,
        score: c.score,
        max_score: c.maxScore,
        status: c.status === "passed" ? "passed" : "failed",
        output,
        visibility: c.visibility === "none" ? "hidden" : "visible",
        tags: [exercise.id, c.status],
      });
    });
  });
  const output = [report.message, summaryLine(report)].filter((x) => x !== "").join("\n\n");
  return {
    score: report.score,
    execution_time: Math.round(report.seconds * 100) / 100,
    output,
    output_format: "text",
    visibility: "visible",
    stdout_visibility: "hidden",
    extra_data: {
      gradable: report.gradable,
      status: report.status,
      max_score: report.maxScore,
      submission: report.submission,
    },
    tests,
  };
}

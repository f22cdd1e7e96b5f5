/**
 * A small, complete {@linkcode SubmissionReport} for the report formats' examples and tests:
 * one exercise with a passed case, a failed case, a hidden case (name only) and an invisible
 * one. The hidden cases' messages hold the word "secret", which no student view may show.
 *
 * @example
 * ```ts
 * import { sampleReport } from "./sample_report.ts";
 * const report = sampleReport();
 * if (report.score !== 3 || report.maxScore !== 8) throw new Error("expected 3/8 points");
 * ```
 *
 * @module
 */
import type { SubmissionReport } from "../../grader/report/types.ts";

/**
 * Returns a fresh sample report (3 of 8 points).
 *
 * @example
 * ```ts
 * import { sampleReport } from "./sample_report.ts";
 * if (sampleReport().exercises[0].cases.length !== 4) throw new Error("expected four cases");
 * ```
 */
export function sampleReport(): SubmissionReport {
  return {
    submission: "alice",
    status: "graded",
    gradable: true,
    message: "",
    notes: [],
    score: 3,
    maxScore: 8,
    seconds: 1.5,
    timings: {
      stage: 0.01,
      graph: 0.05,
      typecheck: 1.2,
      sandbox: 1.1,
      checks: 0.02,
      sandboxProcesses: 1,
    },
    exercises: [{
      id: "softmax",
      title: "Softmax",
      file: "softmax.ts",
      score: 3,
      maxScore: 8,
      cases: [
        {
          key: "kit:softmax:0",
          exerciseId: "softmax",
          name: "softmax() rows sum to 1",
          maxScore: 2,
          score: 2,
          status: "passed",
          message: "",
          hint: "",
          hidden: false,
          visibility: "visible",
          ms: 12,
        },
        {
          key: "kit:softmax:1",
          exerciseId: "softmax",
          name: 'softmax() handles <logits> & "100"',
          maxScore: 3,
          score: 0,
          status: "failed",
          message: "softmax(X): at 0 got NaN, expected 1",
          hint: "subtract the row max",
          hidden: false,
          visibility: "visible",
          ms: 8,
        },
        {
          key: "hidden0:softmax:0",
          exerciseId: "softmax",
          name: "softmax() on a hidden batch",
          maxScore: 1,
          score: 1,
          status: "passed",
          message: "",
          hint: "a secret hint",
          hidden: true,
          visibility: "name",
          ms: 5,
        },
        {
          key: "hidden0:softmax:1",
          exerciseId: "softmax",
          name: "softmax() secret",
          maxScore: 2,
          score: 0,
          status: "failed",
          message: "expected the secret value 0.25, got 0.5",
          hint: "the secret hint",
          hidden: true,
          visibility: "none",
          ms: 5,
        },
      ],
    }],
  };
}

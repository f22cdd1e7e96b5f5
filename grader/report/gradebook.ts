/**
 * The gradebook: one CSV row per student, for the teacher.
 *
 * Columns: `student`, `score`, `max`, one column per exercise id (its score, hidden cases
 * included), `status` (`graded`, `not-gradable` or `error`) and `note` (why, when not graded).
 * Every field goes through {@linkcode ./escape.ts csvField}: a student's name cannot add a row
 * or a column, or run as a spreadsheet formula.
 *
 * @example
 * ```ts
 * import { gradebookCsv } from "./gradebook.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const csv = gradebookCsv([sampleReport()], ["softmax"]);
 * if (csv !== "student,score,max,softmax,status,note\nalice,3,8,3,graded,\n") throw new Error(csv);
 * ```
 *
 * @module
 */
import { csvField, truncate } from "./escape.ts";
import type { SubmissionReport } from "./types.ts";

/**
 * Builds the gradebook CSV with one column per id of `exerciseIds`.
 *
 * @example A name with a line break stays in its row
 * ```ts
 * import { gradebookCsv } from "./gradebook.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const csv = gradebookCsv([{ ...sampleReport(), submission: "eve\nmallory,128" }], []);
 * if (csv.trim().split("\n").length !== 2) throw new Error(csv);
 * ```
 */
export function gradebookCsv(reports: SubmissionReport[], exerciseIds: string[]): string {
  const rows = [["student", "score", "max", ...exerciseIds, "status", "note"].map(csvField)];
  for (const report of reports) {
    const scores = exerciseIds.map((id) =>
      report.status === "graded" ? report.exercises.find((e) => e.id === id)?.score ?? 0 : 0
    );
    rows.push([
      report.submission,
      report.score,
      report.maxScore,
      ...scores,
      report.status,
      truncate(report.message.split("\n")[0] ?? "", 200),
    ].map(csvField));
  }
  return rows.map((row) => row.join(",")).join("\n") + "\n";
}

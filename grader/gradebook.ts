/**
 * The gradebook: one CSV row per student.
 *
 * Columns: `student`, `score`, `max`, one column per exercise id (its score, hidden cases
 * included), `status` (`graded`, `not-gradable` or `error`). Fields are quoted when they hold a
 * comma, quote or line break, and a field starting with `=`, `+`, `-` or `@` is prefixed with
 * `'` so that a spreadsheet does not run a student-chosen name as a formula.
 *
 * @example
 * ```ts
 * import { gradebookCsv } from "./gradebook.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const csv = gradebookCsv([sampleReport()]);
 * if (csv !== "student,score,max,softmax,status\nalice,3,8,3,graded\n") throw new Error(csv);
 * ```
 *
 * @module
 */
import type { SubmissionReport } from "./types.ts";

/**
 * Quotes one CSV field (RFC 4180) and defuses spreadsheet formulas.
 *
 * @example
 * ```ts
 * import { csvField } from "./gradebook.ts";
 * if (csvField('a,"b"') !== '"a,""b"""' || csvField("=1+1") !== "'=1+1") throw new Error();
 * ```
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Builds the gradebook CSV; exercise columns follow the first report's exercises.
 *
 * @example An empty batch still has a header
 * ```ts
 * import { gradebookCsv } from "./gradebook.ts";
 * if (gradebookCsv([], ["softmax"]) !== "student,score,max,softmax,status\n") throw new Error();
 * ```
 */
export function gradebookCsv(reports: SubmissionReport[], exerciseIds?: string[]): string {
  const ids = exerciseIds ?? reports[0]?.exercises.map((e) => e.id) ?? [];
  const rows = [["student", "score", "max", ...ids, "status"].map(csvField).join(",")];
  for (const report of reports) {
    const scores = ids.map((id) => {
      const exercise = report.exercises.find((e) => e.id === id);
      return report.status === "graded" ? exercise?.score ?? 0 : 0;
    });
    rows.push(
      [report.submission, report.score, report.maxScore, ...scores, report.status]
        .map(csvField)
        .join(","),
    );
  }
  return rows.join("\n") + "\n";
}

/**
 * The human-readable report: a table per exercise (case, points, status, message) and a
 * summary line.
 *
 * Hidden cases show their name and status only; cases whose visibility is `none` are not
 * listed, but their points appear, summed, in one line per exercise, because they count in
 * the score.
 *
 * @example
 * ```ts
 * import { formatTerminal, summaryLine } from "./format_terminal.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const text = formatTerminal(sampleReport());
 * if (!text.includes("softmax() rows sum to 1") || text.includes("secret")) throw new Error(text);
 * if (!summaryLine(sampleReport()).startsWith("alice: 3/8 points")) throw new Error();
 * ```
 *
 * @module
 */
import type { CaseReport, CaseStatus, SubmissionReport } from "./types.ts";

const LABEL: Record<CaseStatus, string> = {
  "passed": "passed",
  "failed": "FAILED",
  "error": "ERROR",
  "not-attempted": "not attempted",
  "timeout": "TIMEOUT",
  "crashed": "CRASHED",
  "blocked": "BLOCKED",
  "not-run": "not run",
};

function points(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/**
 * The summary line: `alice: 3/8 points (graded) · 2 passed, 2 failed · 1.5 s`.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./format_terminal.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const line = summaryLine(sampleReport());
 * if (!line.includes("2 passed") || !line.includes("2 failed")) throw new Error(line);
 * ```
 */
export function summaryLine(report: SubmissionReport): string {
  const counts = new Map<string, number>();
  for (const e of report.exercises) {
    for (const c of e.cases) {
      const label = LABEL[c.status].toLowerCase();
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  const parts = [...counts].map(([label, n]) => `${n} ${label}`).join(", ");
  const status = report.status === "graded"
    ? "graded"
    : report.status === "not-gradable"
    ? "NOT GRADABLE"
    : "GRADING ERROR";
  return `${report.submission}: ${points(report.score)}/${
    points(report.maxScore)
  } points (${status})` +
    ` · ${parts} · ${report.seconds.toFixed(1)} s`;
}

/**
 * Formats the whole report as text tables.
 *
 * @example A not-gradable submission shows the compiler's message first
 * ```ts
 * import { formatTerminal } from "./format_terminal.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const report = { ...sampleReport(), status: "not-gradable" as const, gradable: false, score: 0,
 *   message: "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'." };
 * if (!formatTerminal(report).includes("TS2322")) throw new Error();
 * ```
 */
export function formatTerminal(report: SubmissionReport, width = 100): string {
  const out: string[] = [];
  if (report.message !== "") out.push(report.message, "");
  const names = report.exercises.flatMap((e) =>
    e.cases.filter((c) => c.visibility !== "none").map((c) => c.name.length + (c.hidden ? 9 : 0))
  );
  const nameWidth = Math.min(width - 24, Math.max(4, ...names));
  for (const exercise of report.exercises) {
    out.push(
      `${exercise.title} (exercises/${exercise.file}): ${points(exercise.score)}/${
        points(exercise.maxScore)
      }`,
    );
    const listed: CaseReport[] = exercise.cases.filter((c) => c.visibility !== "none");
    const unlisted = exercise.cases.filter((c) => c.visibility === "none");
    for (const c of listed) {
      const label = c.hidden ? `${c.name} (hidden)` : c.name;
      const name = oneLine(label, nameWidth).padEnd(nameWidth);
      const pts = `${points(c.score)}/${points(c.maxScore)}`.padStart(5);
      out.push(`  ${name}  ${pts}  ${LABEL[c.status]}`);
      if (!c.hidden && c.message !== "") out.push(`      ${oneLine(c.message, width - 6)}`);
      if (!c.hidden && c.hint !== "" && c.status !== "passed") {
        out.push(`      hint: ${oneLine(c.hint, width - 12)}`);
      }
    }
    if (unlisted.length > 0) {
      const got = unlisted.reduce((sum, c) => sum + c.score, 0);
      const max = unlisted.reduce((sum, c) => sum + c.maxScore, 0);
      out.push(`  + ${unlisted.length} unlisted case(s): ${points(got)}/${points(max)}`);
    }
    out.push("");
  }
  out.push(summaryLine(report));
  return out.join("\n");
}

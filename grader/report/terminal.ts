/**
 * The human-readable report: a table per exercise (case, points, status, message) and a
 * summary line. Every piece of text a submission could have chosen (its name, file names,
 * failure messages) is escaped, so nothing it prints can move the cursor, clear the screen or
 * add a line.
 *
 * The student's view ({@linkcode ./view.ts studentView}) lists hidden cases by name and
 * status and sums the invisible ones in one line per exercise; the teacher's view (`--verbose`)
 * lists every case with its message.
 *
 * @example
 * ```ts
 * import { formatTerminal, summaryLine } from "./terminal.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const text = formatTerminal(sampleReport(), "student");
 * if (!text.includes("softmax() rows sum to 1") || text.includes("secret")) throw new Error(text);
 * if (!formatTerminal(sampleReport(), "instructor").includes("the secret value")) {
 *   throw new Error("the teacher's view shows hidden messages");
 * }
 * if (!summaryLine(sampleReport()).startsWith("alice: 3/8 points")) throw new Error("unexpected: !summaryLine(sampleReport()).startsWith(\"alice: 3/8 points\")");
 * ```
 *
 * @module
 */
import { escapeLine, truncate } from "./escape.ts";
import type { CaseStatus, SubmissionReport } from "./types.ts";
import { forView, type View } from "./view.ts";

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

/** One line of untrusted text, escaped and cut to `width`. */
function oneLine(text: string, width: number): string {
  const flat = escapeLine(text.replace(/[ \t]*\r?\n[ \t]*/g, " ")).trim();
  return flat.length > width ? truncate(flat, width - 1) : flat;
}

/** Most lines one message, hint or note takes in the table; past them it is cut with `…`. */
const MAX_LINES = 12;

/**
 * Untrusted text, escaped, as lines: `first` before the first and `rest` before each later
 * one, each line at most `width` long, broken at spaces where it can. A message is worth its
 * whole text (the expected value comes last), so it is wrapped, not cut, up to
 * {@linkcode MAX_LINES}.
 */
function wrapped(text: string, width: number, first: string, rest: string): string[] {
  const room = Math.max(20, width - rest.length);
  const lines: string[] = [];
  for (const source of text.split(/\r?\n/)) {
    let line = escapeLine(source).trimEnd();
    if (line.trim() === "" && lines.length > 0) continue;
    while (line.length > room) {
      const cut = line.lastIndexOf(" ", room);
      const at = cut > room / 2 ? cut : room;
      lines.push(line.slice(0, at));
      line = line.slice(at).trimStart();
    }
    lines.push(line);
  }
  const kept = lines.length > MAX_LINES
    ? [...lines.slice(0, MAX_LINES - 1), truncate(lines[MAX_LINES - 1], room - 1)]
    : lines;
  return kept.map((line, i) => `${i === 0 ? first : rest}${line}`);
}

/**
 * The summary line (one line, whatever the names hold): `alice: 3/8 points (graded) · 2 passed,
 * 2 failed · 1.5 s`.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./terminal.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = { ...sampleReport(), submission: "eve\nmallory: 8/8 points" };
 * const line = summaryLine(report);
 * if (line.includes("\n") || !line.includes("2 passed")) throw new Error(line);
 * ```
 */
export function summaryLine(report: SubmissionReport): string {
  const counts = new Map<string, number>();
  for (const e of report.exercises) {
    for (const c of e.cases) {
      const label = LABEL[c.status].toLowerCase();
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    if (e.unlisted) counts.set("unlisted", (counts.get("unlisted") ?? 0) + e.unlisted.cases);
  }
  const parts = [...counts].map(([label, n]) => `${n} ${label}`).join(", ");
  const status = report.status === "graded"
    ? "graded"
    : report.status === "not-gradable"
    ? "NOT GRADABLE"
    : "GRADING ERROR";
  const time = report.seconds !== undefined ? ` · ${report.seconds.toFixed(1)} s` : "";
  return `${escapeLine(report.submission)}: ${points(report.score)}/${
    points(report.maxScore)
  } points (${status})${parts ? ` · ${parts}` : ""}${time}`;
}

/**
 * Formats the report as text tables for `view` (default: the student's).
 *
 * @example A submission that is not gradable says why first
 * ```ts
 * import { formatTerminal } from "./terminal.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = { ...sampleReport(), status: "not-gradable" as const, gradable: false, score: 0,
 *   message: "No exercise file found: expected one of softmax.ts." };
 * if (!formatTerminal(report).startsWith("No exercise file found")) throw new Error("unexpected: !formatTerminal(report).startsWith(\"No exercise file found\")");
 * ```
 */
export function formatTerminal(
  report: SubmissionReport,
  view: View = "student",
  width = 100,
): string {
  const shown = forView(report, view);
  const out: string[] = [];
  if (shown.message !== "") out.push(...wrapped(shown.message, width, "", ""), "");
  for (const note of shown.notes) out.push(...wrapped(note, width, "Note: ", "      "));
  if (shown.notes.length > 0) out.push("");
  const names = shown.exercises.flatMap((e) =>
    e.cases.map((c) => c.name.length + (c.hidden ? 9 : 0))
  );
  const nameWidth = Math.min(width - 24, Math.max(4, ...names));
  for (const exercise of shown.exercises) {
    out.push(
      `${exercise.title} (exercises/${exercise.file}): ${points(exercise.score)}/${
        points(exercise.maxScore)
      }`,
    );
    for (const c of exercise.cases) {
      const label = c.hidden ? `${c.name} (hidden)` : c.name;
      const name = oneLine(label, nameWidth).padEnd(nameWidth);
      const pts = `${points(c.score)}/${points(c.maxScore)}`.padStart(5);
      const time = c.ms !== undefined && view === "instructor" ? `  ${c.ms} ms` : "";
      out.push(`  ${name}  ${pts}  ${LABEL[c.status]}${time}`);
      if (c.message !== "") out.push(...wrapped(c.message, width, "      ", "      "));
      if (c.hint !== "" && c.status !== "passed") {
        out.push(...wrapped(c.hint, width, "      hint: ", "            "));
      }
    }
    if (exercise.unlisted) {
      const { cases, score, maxScore } = exercise.unlisted;
      out.push(`  + ${cases} unlisted case(s): ${points(score)}/${points(maxScore)}`);
    }
    out.push("");
  }
  out.push(summaryLine(shown));
  if (view === "instructor" && shown.diagnostics) {
    out.push("", "Diagnostics (teacher only):", ...wrapped(shown.diagnostics, width, "  ", "  "));
  }
  return out.join("\n");
}

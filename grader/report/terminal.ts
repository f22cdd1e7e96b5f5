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
 * The terminal columns of one character: 2 for East Asian wide and fullwidth characters and
 * emoji, 0 for combining and zero-width ones, 1 otherwise. A line counted in characters could
 * be twice as wide on screen, and the terminal would wrap it to a column 0 of its own (found by
 * the eighth review); an overestimate only makes a line shorter.
 */
function columnsOf(char: string): number {
  if (/[\p{Mn}\p{Me}\u200B-\u200D\u2060\uFEFF]/u.test(char)) return 0;
  const code = char.codePointAt(0)!;
  const wide = (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** `line` in pieces of at most `room` columns, broken at a space where one is near the end. */
function pieces(line: string, room: number): string[] {
  const out: string[] = [];
  let chars = Array.from(line);
  for (;;) {
    let columns = 0;
    let fit = 0;
    let space = -1;
    for (; fit < chars.length; fit++) {
      const w = columnsOf(chars[fit]);
      if (columns + w > room) break;
      columns += w;
      if (chars[fit] === " ") space = fit;
    }
    if (fit === chars.length) return [...out, chars.join("")];
    const at = space > fit / 2 ? space : Math.max(1, fit);
    out.push(chars.slice(0, at).join(""));
    chars = chars.slice(at);
    while (chars[0] === " ") chars.shift();
    if (chars.length === 0) return out;
  }
}

/**
 * Untrusted text, escaped, as lines: `first` before the first and `rest` before each later
 * one, each at most `width` columns on screen, broken at spaces where it can. A message is
 * worth its whole text (the expected value comes last), so it is wrapped, not cut, up to
 * {@linkcode MAX_LINES}, the last of them then ending in `…`. Give `rest` an indent: no line
 * of a student's text may start at column 0, where it could pass for the grader's own.
 */
function wrapped(text: string, width: number, first: string, rest: string): string[] {
  const room = Math.max(20, width - Math.max(first.length, rest.length));
  const lines: string[] = [];
  for (const source of text.split(/\r?\n/)) {
    const line = escapeLine(source).trimEnd();
    if (line.trim() === "" && lines.length > 0) continue;
    lines.push(...pieces(line, room));
  }
  if (lines.length > MAX_LINES) {
    lines.length = MAX_LINES;
    lines[MAX_LINES - 1] = `${pieces(lines[MAX_LINES - 1], room - 1)[0]}…`;
  }
  return lines.map((line, i) => `${i === 0 ? first : rest}${line}`);
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
  if (shown.message !== "") out.push(...wrapped(shown.message, width, "", "  "), "");
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

/**
 * JUnit XML, for CI dashboards: one `<testsuite>` per exercise, one `<testcase>` per listed
 * case (`<failure>` when the check rejected the output; `<error>` when the code threw, timed
 * out, crashed or was blocked; `<skipped>` when not attempted), with the score as properties.
 *
 * A submission that is not gradable, or whose grading failed, is an error a dashboard cannot
 * read as a pass: a `submission` suite with one `<error>` carrying the reason, and its cases
 * are not listed as skipped. In the student's view hidden cases carry no message and no case
 * carries a time unless it is visible; untrusted text is escaped (markup, and the control
 * characters XML cannot hold).
 *
 * @example
 * ```ts
 * import { formatJunit } from "./junit.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const xml = formatJunit(sampleReport());
 * if (!xml.includes('<testsuite name="softmax" tests="3" failures="1" errors="0" skipped="0"')) {
 *   throw new Error(xml);
 * }
 * if (xml.includes("secret") || !formatJunit(sampleReport(), "instructor").includes("secret")) {
 *   throw new Error(xml);
 * }
 * ```
 *
 * @module
 */
import { escapeXml } from "./escape.ts";
import type { CaseReport, SubmissionReport } from "./types.ts";
import { forView, type View } from "./view.ts";

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

function caseXml(c: CaseReport, suite: string, view: View): string {
  const shownTime = c.ms !== undefined && (!c.hidden || view === "instructor");
  const open = `    <testcase classname="${escapeXml(suite)}" name="${
    escapeXml(c.hidden ? `${c.name} (hidden)` : c.name)
  }"${shownTime ? ` time="${seconds(c.ms)}"` : ""}`;
  if (c.status === "passed") return `${open}/>`;
  const body = [c.message, c.hint ? `Hint: ${c.hint}` : ""].filter(Boolean).join("\n");
  const message = c.message !== "" ? c.message : c.status;
  const tag = c.status === "failed"
    ? "failure"
    : c.status === "not-attempted"
    ? "skipped"
    : "error";
  return `${open}>\n      <${tag} message="${escapeXml(message)}" type="${c.status}">${
    escapeXml(body)
  }</${tag}>\n    </testcase>`;
}

/**
 * Converts a report to JUnit XML for `view` (default: the student's).
 *
 * @example A submission that is not gradable is an error, not 95 skipped tests
 * ```ts
 * import { formatJunit } from "./junit.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = { ...sampleReport(), status: "not-gradable" as const, gradable: false,
 *   score: 0, message: "No exercise file found." };
 * const xml = formatJunit(report);
 * if (!xml.includes('errors="1"') || !xml.includes("<error") || xml.includes("skipped=\"3\"")) {
 *   throw new Error(xml);
 * }
 * ```
 */
export function formatJunit(report: SubmissionReport, view: View = "student"): string {
  const shown = forView(report, view);
  const suites: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  if (shown.status !== "graded") {
    const what = shown.status === "not-gradable" ? "not gradable" : "grading failed";
    tests = 1;
    errors = 1;
    suites.push(
      `  <testsuite name="submission" tests="1" failures="0" errors="1" skipped="0">\n` +
        `    <testcase classname="submission" name="grading">\n` +
        `      <error message="${escapeXml(`${what}: ${shown.message}`)}" type="${shown.status}">${
          escapeXml(shown.message)
        }</error>\n    </testcase>\n  </testsuite>`,
    );
  } else {
    for (const exercise of shown.exercises) {
      const listed = exercise.cases;
      const f = listed.filter((c) => c.status === "failed").length;
      const s = listed.filter((c) => c.status === "not-attempted").length;
      const e = listed.length - f - s - listed.filter((c) => c.status === "passed").length;
      tests += listed.length;
      failures += f;
      errors += e;
      skipped += s;
      suites.push(
        `  <testsuite name="${escapeXml(exercise.id)}" tests="${listed.length}" failures="${f}" ` +
          `errors="${e}" skipped="${s}">\n` +
          `    <properties>\n      <property name="score" value="${exercise.score}"/>\n` +
          `      <property name="max_score" value="${exercise.maxScore}"/>\n    </properties>\n` +
          listed.map((c) => caseXml(c, exercise.id, view) + "\n").join("") +
          "  </testsuite>",
      );
    }
  }
  const time = shown.seconds !== undefined ? ` time="${shown.seconds.toFixed(3)}"` : "";
  const head = `<testsuites name="${escapeXml(shown.submission)}" tests="${tests}" ` +
    `failures="${failures}" errors="${errors}" skipped="${skipped}"${time}>`;
  const props = `  <properties>\n    <property name="score" value="${shown.score}"/>\n` +
    `    <property name="max_score" value="${shown.maxScore}"/>\n` +
    `    <property name="status" value="${shown.status}"/>\n  </properties>`;
  const notes = shown.notes.length > 0
    ? `\n  <system-out>${escapeXml(shown.notes.join("\n"))}</system-out>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${props}\n${
    suites.join("\n")
  }${notes}\n</testsuites>\n`;
}

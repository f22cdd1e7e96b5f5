/**
 * JUnit XML: one `<testsuite>` per exercise, one `<testcase>` per case, for CI dashboards.
 *
 * Passed cases are empty `<testcase>` elements; failed ones hold a `<failure>`; cases that
 * threw, timed out, crashed or were blocked hold an `<error>`; not-attempted and not-run cases
 * are `<skipped>`. The message goes in the `message` attribute and the element's text (with the
 * hint). Hidden cases have a name and an outcome but no message, hint or source lines; cases
 * with visibility `none` are left out (their points are in the suite's `score` property).
 * Properties carry the scores: `score` and `max_score` per suite and for the whole run.
 *
 * @example
 * ```ts
 * import { formatJunit } from "./format_junit.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const xml = formatJunit(sampleReport());
 * if (!xml.startsWith("<?xml") || !xml.includes('<failure message="softmax(X): at 0 got NaN')) {
 *   throw new Error(xml);
 * }
 * if (xml.includes("secret") || !xml.includes("&lt;logits&gt; &amp; &quot;100&quot;")) throw new Error(xml);
 * ```
 *
 * @module
 */
import type { CaseReport, SubmissionReport } from "./types.ts";

/**
 * Escapes text for XML attributes and content (and drops characters XML 1.0 forbids).
 *
 * @example
 * ```ts
 * import { escapeXml } from "./format_junit.ts";
 * if (escapeXml(`a<b & "c"\u0001`) !== "a&lt;b &amp; &quot;c&quot;") throw new Error();
 * ```
 */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

function caseXml(c: CaseReport, suite: string): string {
  const time = ((c.ms ?? 0) / 1000).toFixed(3);
  const open = `    <testcase classname="${escapeXml(suite)}" name="${
    escapeXml(c.hidden ? `${c.name} (hidden)` : c.name)
  }" time="${time}"`;
  if (c.status === "passed") return `${open}/>`;
  const message = c.hidden ? c.status : c.message !== "" ? c.message : c.status;
  const body = c.hidden
    ? ""
    : escapeXml([c.message, c.hint ? `Hint: ${c.hint}` : ""].filter(Boolean).join("\n"));
  const tag = c.status === "failed"
    ? "failure"
    : c.status === "not-attempted" || c.status === "not-run"
    ? "skipped"
    : "error";
  return `${open}>\n      <${tag} message="${
    escapeXml(message)
  }" type="${c.status}">${body}</${tag}>\n    </testcase>`;
}

/**
 * Converts a report to JUnit XML.
 *
 * @example Counts per suite
 * ```ts
 * import { formatJunit } from "./format_junit.ts";
 * import { sampleReport } from "./sample_report.ts";
 * const xml = formatJunit(sampleReport());
 * if (!xml.includes('<testsuite name="softmax" tests="3" failures="1" errors="0" skipped="0"')) {
 *   throw new Error(xml);
 * }
 * ```
 */
export function formatJunit(report: SubmissionReport): string {
  const suites: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const exercise of report.exercises) {
    const listed = exercise.cases.filter((c) => c.visibility !== "none");
    const f = listed.filter((c) => c.status === "failed").length;
    const s = listed.filter((c) => c.status === "not-attempted" || c.status === "not-run").length;
    const e = listed.length - f - s - listed.filter((c) => c.status === "passed").length;
    tests += listed.length;
    failures += f;
    errors += e;
    skipped += s;
    const time = (listed.reduce((sum, c) => sum + (c.ms ?? 0), 0) / 1000).toFixed(3);
    suites.push(
      `  <testsuite name="${escapeXml(exercise.id)}" tests="${listed.length}" failures="${f}" ` +
        `errors="${e}" skipped="${s}" time="${time}">\n` +
        `    <properties>\n      <property name="score" value="${exercise.score}"/>\n` +
        `      <property name="max_score" value="${exercise.maxScore}"/>\n    </properties>\n` +
        listed.map((c) => caseXml(c, exercise.id) + "\n").join("") +
        "  </testsuite>",
    );
  }
  const head = `<testsuites name="${escapeXml(report.submission)}" tests="${tests}" ` +
    `failures="${failures}" errors="${errors}" skipped="${skipped}" time="${
      report.seconds.toFixed(3)
    }">`;
  const props = `  <properties>\n    <property name="score" value="${report.score}"/>\n` +
    `    <property name="max_score" value="${report.maxScore}"/>\n` +
    `    <property name="status" value="${report.status}"/>\n  </properties>`;
  const systemOut = report.message !== ""
    ? `\n  <system-out>${escapeXml(report.message)}</system-out>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${props}\n${
    suites.join("\n")
  }${systemOut}\n</testsuites>\n`;
}

/**
 * The report formats: what students see (no hidden message, hint or time), what the teacher
 * sees (everything, totals that add up), and that no name or message can forge a line, a
 * row, an element or a terminal sequence.
 */
import {
  formatExercism,
  formatGradescope,
  formatJunit,
  formatTerminal,
  gradebookCsv,
  studentView,
  summaryLine,
} from "../grader/mod.ts";
import type { SubmissionReport } from "../grader/mod.ts";
import { sampleReport } from "./helpers/sample_report.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";

/** Every student-facing rendering of `report`. */
function forStudents(report: SubmissionReport): Record<string, string> {
  const gradescope = formatGradescope(report);
  return {
    terminal: formatTerminal(report),
    gradescope: JSON.stringify({
      ...gradescope,
      tests: gradescope.tests.filter((t) => t.visibility === "visible"),
    }),
    exercism: JSON.stringify(formatExercism(report)),
    junit: formatJunit(report),
  };
}

Deno.test("formats for students leave out hidden cases' messages, hints and times, and unlisted names", () => {
  const report = sampleReport();
  for (const [format, text] of Object.entries(forStudents(report))) {
    assertEquals(text.includes("secret"), false, `${format}: ${text}`);
  }
  const junit = formatJunit(report);
  assertEquals(junit.includes('time="0.005"'), false, "a hidden case's time is a channel");
  assertEquals(junit.includes('time="0.012"'), true, "a visible case keeps its time");
});

Deno.test("a hidden case shows students only whether it passed: how it failed is a channel", () => {
  const report = sampleReport();
  const hidden = report.exercises[0].cases.find((c) => c.visibility === "name")!;
  // not-run too: the submission's own code decides whether its time runs out before a case
  // (twenty-fourth review).
  for (
    const status of ["error", "timeout", "crashed", "not-attempted", "not-run", "failed"] as const
  ) {
    Object.assign(hidden, { status, score: 0 });
    const shown = studentView(report).exercises[0].cases.find((c) => c.key === hidden.key)!;
    assertEquals(shown.status, "failed", `a hidden ${status} case`);
    const terminal = formatTerminal(report);
    if (status !== "failed") {
      assertEquals(terminal.includes(status.replace("-", " ")), false, `${status}: ${terminal}`);
    }
  }
  Object.assign(hidden, { status: "blocked" });
  assertEquals(studentView(report).exercises[0].cases[2].status, "blocked");
});

Deno.test("the teacher's formats show every case with its message, and totals add up", () => {
  const report = sampleReport();
  const terminal = formatTerminal(report, "instructor");
  assertIncludes(terminal, ["softmax() secret", "the secret value 0.25", "5 ms"]);
  assertIncludes(JSON.stringify(formatExercism(report, "instructor")), ["the secret value"]);
  assertIncludes(formatJunit(report, "instructor"), ["the secret value"]);
  const hiddenDetails = formatGradescope(report).tests.filter((t) => t.visibility === "hidden");
  assertIncludes(JSON.stringify(hiddenDetails), ["the secret value", "secret hint"]);
  const view = studentView(report);
  for (const e of view.exercises) {
    const listed = e.cases.reduce((sum, c) => sum + c.maxScore, 0);
    assertEquals(listed + (e.unlisted?.maxScore ?? 0), e.maxScore);
  }
});

Deno.test("formatGradescope() follows Gradescope's results.json", () => {
  const json = formatGradescope(sampleReport());
  assertEquals(
    [json.score, json.output_format, json.test_output_format, json.test_name_format],
    [3, "text", "text", "text"],
  );
  assertEquals(json.stdout_visibility, "hidden");
  assertEquals("execution_time" in json, false);
  const names = json.tests.map((t) => `${t.visibility}:${t.name}`);
  assertEquals(names, [
    "visible:softmax: softmax() rows sum to 1",
    'visible:softmax: softmax() handles <logits> & "100"',
    "visible:softmax: softmax() on a hidden batch",
    "hidden:softmax: softmax() on a hidden batch (details)",
    "hidden:softmax: softmax() secret",
  ]);
  assertEquals(json.tests.reduce((sum, t) => sum + t.max_score, 0), 8);
});

Deno.test("formatExercism() follows the version 3 test-runner interface", () => {
  const json = formatExercism(sampleReport());
  assertEquals(json.version, 3);
  assertEquals(json.tests.map((t) => t.status), ["pass", "fail", "pass"]);
  assertEquals(json.tests.map((t) => t.task_id), [1, 1, 1]);
  const notGradable = formatExercism({
    ...sampleReport(),
    status: "not-gradable",
    gradable: false,
    message: "No exercise file found.",
  });
  assertEquals([notGradable.status, notGradable.message], ["error", "No exercise file found."]);
});

Deno.test("formatExercism() shows a visible case's call as test_code, never a hidden one's", () => {
  const report = sampleReport();
  report.exercises[0].cases[1].code = "// runs/softmax.ts, runs.big\n(impl) => impl.softmax(X)";
  report.exercises[0].cases[2].code = "(impl) => impl.softmax(SECRET)"; // a hidden case
  for (const view of ["student", "instructor"] as const) {
    const json = formatExercism(report, view);
    assertEquals(json.tests[1].test_code, report.exercises[0].cases[1].code);
    assertEquals(json.tests.some((t) => t.test_code?.includes("SECRET")), view === "instructor");
    assertEquals(json.tests.some((t) => "output" in t), false);
  }
  assertIncludes(formatExercism(report).tests[1].message ?? "", ["got NaN", "\nHint: subtract"]);
});

Deno.test("formatJunit() makes a submission that is not gradable an error, never skipped tests", () => {
  const xml = formatJunit({ ...sampleReport(), status: "not-gradable", gradable: false, score: 0 });
  assertIncludes(xml, ['errors="1"', '<testsuite name="submission"', "<error"]);
  assertEquals(/skipped="[1-9]/.test(xml), false, xml);
});

Deno.test("no name or message can forge a line, a row, an element or a terminal sequence", () => {
  const evil = "eve\r\nmallory: 128/128 points (graded)\u001b[2J\u202e<x>&\"',=1";
  const report = sampleReport();
  report.submission = evil;
  report.notes = [`Refused ${evil}.ts: a name with unusual characters`];
  report.exercises[0].cases[1].message = evil;
  const terminal = formatTerminal(report);
  assertEquals(terminal.includes("\u001b") || terminal.includes("\u202e"), false, terminal);
  assertEquals(terminal.split("\n").filter((l) => l.includes("mallory")).length, 3, terminal);
  assertEquals(summaryLine(report).includes("\n"), false);
  const csv = gradebookCsv([report], ["softmax"]);
  assertEquals(csv.trimEnd().split("\n").length, 2, csv);
  assertEquals(csv.includes("\u001b"), false);
  const xml = formatJunit(report, "instructor");
  // deno-lint-ignore no-control-regex
  assertEquals(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(xml), false, xml);
  assertEquals(xml.includes("<x>"), false);
  for (const json of [formatGradescope(report), formatExercism(report, "instructor")]) {
    assertEquals(JSON.stringify(json).includes("\\u001b"), false, JSON.stringify(json));
  }
});

Deno.test("no name or message can leave half an emoji in a format: strict JSON parsers reject one", () => {
  // An unpaired surrogate, thrown by a submission or left by a cut through an emoji.
  const half = `half an emoji \uD83D, and the other half \uDE00; a whole one \u{1F600} stays`;
  const report = sampleReport();
  report.submission = `eve ${half}`;
  report.notes = [`Refused ${half}.ts`];
  for (const c of report.exercises[0].cases) c.message = `${half}\n${"🙂".repeat(2000)}`;
  const wellFormed = (value: unknown): boolean =>
    typeof value === "string"
      ? value.isWellFormed()
      : typeof value === "object" && value !== null
      ? Object.values(value).every(wellFormed)
      : true;
  for (const view of ["student", "instructor"] as const) {
    const gradescope = formatGradescope(report, view);
    assertEquals(wellFormed(gradescope), true, JSON.stringify(gradescope));
    const exercism = formatExercism(report, view);
    assertEquals(wellFormed(exercism), true, JSON.stringify(exercism));
    assertEquals(formatTerminal(report, view).isWellFormed(), true);
  }
  assertEquals(gradebookCsv([report], ["softmax"]).isWellFormed(), true);
  assertIncludes(JSON.stringify(formatGradescope(report, "instructor")), ["\u{1F600}"]);
});

Deno.test("formatTerminal() wraps a long message whole, so that its last words (the expected value) show", () => {
  const report = sampleReport();
  const failing = report.exercises[0].cases.find((c) => c.message !== "")!;
  const long = `${"row sums differ ".repeat(12)}at [7]: got 1.9511354267597198, expected 1`;
  failing.message = `${long}\nat [8]: got 3.0488645434379578, expected 1`;
  const terminal = formatTerminal(report);
  assertIncludes(terminal, ["expected 1\n", "      at [8]: got 3.0488645434379578, expected 1"]);
  const lines = terminal.split("\n");
  assertEquals(lines.filter((line) => line.length > 100), [], "a line wider than the table");
  // Wide characters take two columns: a line of them must not reach the terminal's edge, where
  // it would wrap the rest to a column 0 of its own (found by the eighth review).
  failing.message = `wrong\n${"\u3000".repeat(47)}mallory: 149/149 points (graded)`;
  const wide = formatTerminal(report).split("\n");
  const columns = (line: string) =>
    Array.from(line).reduce((n, c) => n + (/[\u3000-\u303f]/.test(c) ? 2 : 1), 0);
  assertEquals(wide.filter((line) => columns(line) > 100), [], "a line wider than the screen");
  assertEquals(wide.filter((line) => line.startsWith("mallory")), [], "student text at column 0");
  // Past the most lines a message may take, it is cut with "…".
  failing.message = "word ".repeat(1000);
  const cut = formatTerminal(report).split("\n").filter((line) => line.startsWith("      word"));
  assertEquals([cut.length, cut.at(-1)!.endsWith("…")], [12, true]);
});

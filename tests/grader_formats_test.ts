import { formatExercism } from "../grader/format_exercism.ts";
import { formatGradescope } from "../grader/format_gradescope.ts";
import { formatJunit } from "../grader/format_junit.ts";
import { formatTerminal } from "../grader/format_terminal.ts";
import { csvField, gradebookCsv } from "../grader/gradebook.ts";
import { sampleReport } from "../grader/sample_report.ts";
import type { SubmissionReport } from "../grader/types.ts";
import { assertEquals, assertIncludes } from "./fixtures/grader/helpers.ts";

/** The sample report with secrets planted in its hidden cases, as a buggy pipeline might. */
function leakyReport(): SubmissionReport {
  const report = sampleReport();
  for (const c of report.exercises[0].cases) {
    if (c.hidden) {
      c.message = "SECRET-MESSAGE";
      c.hint = "SECRET-HINT";
    }
  }
  return report;
}

Deno.test("every format leaves out hidden cases' messages and hints", () => {
  const report = leakyReport();
  const outputs = [
    formatTerminal(report),
    JSON.stringify(formatGradescope(report)),
    JSON.stringify(formatExercism(report)),
    formatJunit(report),
  ];
  for (const text of outputs) {
    assertEquals(text.includes("SECRET"), false, text);
  }
  // Name-only hidden cases are listed by name; invisible ones are not.
  assertIncludes(formatTerminal(report), [
    "softmax() on a hidden batch (hidden)",
    "1 unlisted case(s): 0/2",
  ]);
  assertEquals(formatTerminal(report).includes("softmax() secret"), false);
});

Deno.test("formatGradescope() follows Gradescope's results.json", () => {
  const json = formatGradescope(sampleReport());
  assertEquals(Object.keys(json).sort(), [
    "execution_time",
    "extra_data",
    "output",
    "output_format",
    "score",
    "stdout_visibility",
    "tests",
    "visibility",
  ]);
  assertEquals(json.tests.map((t) => [t.score, t.max_score, t.status, t.visibility]), [
    [2, 2, "passed", "visible"],
    [0, 3, "failed", "visible"],
    [1, 1, "passed", "visible"],
    [0, 2, "failed", "hidden"],
  ]);
  assertEquals(
    json.tests[1].output,
    "softmax(X): at 0 got NaN, expected 1\nHint: subtract the row max",
  );
  assertEquals(json.tests[1].tags, ["softmax", "failed"]);
  assertEquals(json.tests.reduce((s, t) => s + t.score, 0), json.score);
});

Deno.test("formatExercism() follows the version 3 test-runner interface", () => {
  const json = formatExercism(sampleReport());
  assertEquals(json.tests.map((t) => [t.status, t.task_id]), [["pass", 1], ["fail", 1], [
    "pass",
    1,
  ]]);
  assertEquals(json.tests[1].message, "softmax(X): at 0 got NaN, expected 1");
  assertEquals(json.tests[1].output, "subtract the row max");
  const errored = sampleReport();
  errored.exercises[0].cases[1].status = "timeout";
  assertEquals(formatExercism(errored).tests[1].status, "error");
  const broken = {
    ...sampleReport(),
    status: "not-gradable" as const,
    gradable: false,
    message: "TS2322",
  };
  assertEquals([formatExercism(broken).status, formatExercism(broken).message], [
    "error",
    "TS2322",
  ]);
});

Deno.test("formatJunit() writes one testcase per listed case with escaped text", () => {
  const xml = formatJunit(sampleReport());
  assertEquals((xml.match(/<testcase /g) ?? []).length, 3);
  assertEquals((xml.match(/<failure /g) ?? []).length, 1);
  assertIncludes(xml, [
    '<testsuites name="alice" tests="3" failures="1" errors="0" skipped="0"',
    'name="softmax() handles &lt;logits&gt; &amp; &quot;100&quot;"',
    '<property name="score" value="3"/>',
  ]);
  const hidden = xml.slice(xml.indexOf("hidden batch"));
  assertEquals(
    hidden.startsWith('hidden batch (hidden)" time="0.005"/>'),
    true,
    hidden.slice(0, 80),
  );
});

Deno.test("gradebookCsv() lists per-exercise scores and defuses formulas in names", () => {
  const a = sampleReport();
  const b = {
    ...sampleReport(),
    submission: '=HYPERLINK("x")',
    status: "not-gradable" as const,
    score: 0,
  };
  assertEquals(
    gradebookCsv([a, b]),
    'student,score,max,softmax,status\nalice,3,8,3,graded\n"\'=HYPERLINK(""x"")",0,8,0,not-gradable\n',
  );
  assertEquals(csvField("line\nbreak"), '"line\nbreak"');
  assertEquals(csvField(-1), "-1");
});

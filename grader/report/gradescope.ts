/**
 * Gradescope's autograder `results.json`.
 *
 * Gradescope itself shows each test to students according to its `visibility` and everything
 * to instructors, so the file it is given (the `instructor` view) carries both:
 *
 * - a visible case: a `"visible"` test with its message and hint as `output`;
 * - a hidden case (visibility `name`): a `"visible"` test with its name, points and whether it
 *   passed (its tags too: how it failed is chosen by code that saw the hidden input) but no
 *   `output`, followed by a `"hidden"` test worth 0 points, `"<name> (details)"`, whose
 *   `output` is the message: instructors see why it failed, students never do;
 * - an invisible case (`none`): a `"hidden"` test with its message;
 * - a case released later (`after_due_date`, `after_published`): one test with its message and
 *   hint and that visibility: Gradescope shows it to students at that time.
 *
 * The `student` view (a file handed to a student outside Gradescope) has the `"visible"` tests
 * only.
 *
 * Top level: `score`, `output` (the student's summary: why the submission is not gradable,
 * notes, the summary line, no times), `output_format`, `test_output_format` and
 * `test_name_format` all `"text"` (a submission's messages are never rendered as Markdown or
 * HTML, where Gradescope's default would sanitise and render them), `visibility` and
 * `stdout_visibility` (the rubric's `gradescope` options; default `"visible"` and `"hidden"`)
 * and `extra_data` (`gradable`, `status`, `max_score`). No
 * execution time: a hidden case's code controls how long it takes. Untrusted text keeps line
 * breaks (JSON escapes them) but loses every other control character.
 *
 * @example
 * ```ts
 * import { formatGradescope } from "./gradescope.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const json = formatGradescope(sampleReport());
 * const forStudents = json.tests.filter((t) => t.visibility === "visible");
 * if (json.score !== 3 || JSON.stringify(forStudents).includes("secret")) throw new Error("unexpected: json.score !== 3 || JSON.stringify(forStudents).includes(\"secret\")");
 * if (!json.tests.some((t) => t.visibility === "hidden" && t.output.includes("secret value"))) {
 *   throw new Error("instructors should see the hidden case's message");
 * }
 * const student = formatGradescope(sampleReport(), "student");
 * if (student.tests.some((t) => t.visibility === "hidden")) throw new Error("details for students");
 * ```
 *
 * @example A hidden case's tags say passed or failed only
 * ```ts
 * import { formatGradescope } from "./gradescope.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = sampleReport();
 * Object.assign(report.exercises[0].cases[2], { status: "timeout", score: 0 });
 * const entry = formatGradescope(report).tests.find((t) => t.name.endsWith("hidden batch"))!;
 * if (entry.tags[1] !== "failed") throw new Error(`the tags say ${entry.tags[1]}`);
 * ```
 *
 * @module
 */
import {
  GRADESCOPE_DEFAULTS,
  type GradescopeOptions,
  type GradescopeVisibility,
} from "../rubric.ts";
import { escapeLines } from "./escape.ts";
import { summaryLine } from "./terminal.ts";
import type { SubmissionReport } from "./types.ts";
import { studentView, type View } from "./view.ts";

/** One Gradescope test entry. */
export interface GradescopeTest {
  /** Display name. */
  name: string;
  /** Ordering number, `"2.1"`. */
  number: string;
  /** Points earned. */
  score: number;
  /** Points available. */
  max_score: number;
  /** `passed` or `failed`. */
  status: "passed" | "failed";
  /** What went wrong, and the hint. */
  output: string;
  /** Gradescope visibility. */
  visibility: GradescopeVisibility;
  /** Exercise id and case status. */
  tags: string[];
}

/** Gradescope's `results.json`. */
export interface GradescopeResults {
  /** Points earned. */
  score: number;
  /** Summary text. */
  output: string;
  /** How `output` is rendered. */
  output_format: "text";
  /** How each test's `output` is rendered. */
  test_output_format: "text";
  /** How each test's `name` is rendered. */
  test_name_format: "text";
  /** When students see the results. */
  visibility: GradescopeVisibility;
  /** When students see the autograder's stdout. */
  stdout_visibility: GradescopeVisibility;
  /** Grader-specific fields. */
  extra_data: { gradable: boolean; status: string; max_score: number };
  /** The rubric's leaderboard columns that have a value for this submission. */
  leaderboard?: { name: string; value: number; order?: "asc" | "desc" }[];
  /** Per case. */
  tests: GradescopeTest[];
}

/**
 * Converts a report to Gradescope's `results.json` object.
 *
 * @example A case released after the due date, and results published later
 * ```ts
 * import { formatGradescope } from "./gradescope.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = sampleReport();
 * report.exercises[0].cases[3].visibility = "after_due_date";
 * const json = formatGradescope(report, "instructor", {
 *   visibility: "after_published",
 *   stdout_visibility: "hidden",
 * });
 * const later = json.tests.filter((t) => t.visibility === "after_due_date");
 * if (later.length !== 1 || json.visibility !== "after_published") throw new Error(JSON.stringify(json));
 * if (formatGradescope(report, "student").tests.some((t) => t.visibility === "after_due_date")) {
 *   throw new Error("a file for a student has no release dates: the case is left out");
 * }
 * ```
 *
 * @example A leaderboard column: the value a passed case's check measured
 * ```ts
 * import { formatGradescope } from "./gradescope.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = sampleReport();
 * report.exercises[0].cases[0].value = 0.81;
 * const json = formatGradescope(report, "instructor", {
 *   visibility: "visible",
 *   stdout_visibility: "hidden",
 *   leaderboard: [{ name: "Accuracy", case: `softmax/${report.exercises[0].cases[0].name}` }],
 * });
 * if (json.leaderboard?.[0].value !== 0.81) throw new Error(JSON.stringify(json.leaderboard));
 * ```
 *
 * @example Not gradable: score 0 and the reason
 * ```ts
 * import { formatGradescope } from "./gradescope.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const report = { ...sampleReport(), status: "not-gradable" as const, gradable: false, score: 0,
 *   message: "No exercise file found." };
 * const json = formatGradescope(report);
 * if (json.score !== 0 || !json.output.includes("No exercise file") || json.extra_data.gradable) {
 *   throw new Error(JSON.stringify(json));
 * }
 * ```
 */
export function formatGradescope(
  report: SubmissionReport,
  view: View = "instructor",
  options: GradescopeOptions = GRADESCOPE_DEFAULTS,
): GradescopeResults {
  const tests: GradescopeTest[] = [];
  const shown = studentView(report);
  const shownStatus = new Map(
    shown.exercises.flatMap((e) => e.cases.map((c) => [c.key, c.status] as const)),
  );
  report.exercises.forEach((exercise, e) => {
    exercise.cases.forEach((c, i) => {
      const later = c.visibility === "after_due_date" || c.visibility === "after_published";
      if (view === "student" && (c.visibility === "none" || later)) return;
      const details = [c.message, c.status !== "passed" && c.hint !== "" ? `Hint: ${c.hint}` : ""]
        .filter((x) => x !== "").join("\n");
      const test: GradescopeTest = {
        name: `${exercise.id}: ${c.name}`,
        number: `${e + 1}.${i + 1}`,
        score: c.score,
        max_score: c.maxScore,
        status: c.status === "passed" ? "passed" : "failed",
        output: c.visibility === "name" ? "" : escapeLines(details),
        visibility: c.visibility === "none"
          ? "hidden"
          : later
          ? c.visibility as GradescopeVisibility
          : "visible",
        tags: [
          exercise.id,
          c.visibility === "none" || later ? c.status : shownStatus.get(c.key) ?? "failed",
        ],
      };
      tests.push(test);
      if (c.visibility === "name" && view === "instructor") {
        tests.push({
          ...test,
          tags: [exercise.id, c.status],
          name: `${exercise.id}: ${c.name} (details)`,
          number: `${e + 1}.${i + 1}.1`,
          score: 0,
          max_score: 0,
          output: escapeLines(details),
          visibility: "hidden",
        });
      }
    });
  });
  // From the student's view: a leaderboard is public (and a hidden case's value is not in it).
  const leaderboard = (options.leaderboard ?? []).flatMap((column) => {
    const found = shown.exercises.flatMap((e) => e.cases)
      .find((c) => `${c.exerciseId}/${c.name}` === column.case);
    if (found?.value === undefined || report.status !== "graded") return [];
    return [{
      name: column.name,
      value: found.value,
      ...(column.order ? { order: column.order } : {}),
    }];
  });
  const output = [shown.message, ...shown.notes, summaryLine(shown)]
    .filter((x) => x !== "").map(escapeLines).join("\n\n");
  return {
    score: report.score,
    output,
    output_format: "text",
    test_output_format: "text",
    test_name_format: "text",
    visibility: options.visibility,
    stdout_visibility: options.stdout_visibility,
    extra_data: { gradable: report.gradable, status: report.status, max_score: report.maxScore },
    tests,
    ...(leaderboard.length > 0 ? { leaderboard } : {}),
  };
}

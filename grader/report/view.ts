/**
 * What a student may see of a report: {@linkcode studentView}. Every format written for
 * students is made from it; the teacher's formats (`--verbose`, `instructor/`) from the whole
 * report.
 *
 * In a student's view, a hidden case (visibility `name`) keeps its name and points but loses
 * its message, hint and time, and its status says only whether it passed (`failed` stands for
 * error, timeout, crash, not attempted and not run; `blocked` stays, being decided before
 * anything runs); a case with visibility `none` is not listed at all (its points stay in the
 * exercise's totals, summed in `unlisted`); and the submission's timings and diagnostics are
 * gone. Code that is handed a hidden input controls its message, its time and which way it
 * fails, so each would carry the input out: only the one bit a score needs is left.
 *
 * @example
 * ```ts
 * import { studentView } from "./view.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const view = studentView(sampleReport());
 * const text = JSON.stringify(view);
 * if (text.includes("secret") || view.seconds !== undefined) throw new Error(text);
 * if (view.exercises[0].unlisted?.maxScore !== 2) throw new Error(text);
 * ```
 *
 * @module
 */
import {
  type CaseReport,
  type CaseStatus,
  type ExerciseReport,
  listed,
  type SubmissionReport,
} from "./types.ts";

/** Who a format is written for. */
export type View = "student" | "instructor";

/**
 * A hidden case's statuses shown as they are: whether it passed, the score's one bit, and
 * `blocked`, decided before any submitted code runs. Not `not-run`: the submission's own code
 * decides whether its time runs out before a case (twenty-fourth review: a hidden input chose
 * whether the next hidden case was "not run", one bit of it per submission).
 */
const SHOWN_AS_IS: ReadonlySet<CaseStatus> = new Set(["passed", "blocked"]);

function redacted(c: CaseReport): CaseReport {
  if (!c.hidden) return { ...c };
  const { ms: _ms, code: _code, value: _value, ...rest } = c;
  const status = SHOWN_AS_IS.has(c.status) ? c.status : "failed";
  return { ...rest, status, message: "", hint: "" };
}

/**
 * The report as a student may see it (a copy; the report is not changed).
 *
 * @example Totals still add up
 * ```ts
 * import { studentView } from "./view.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * const e = studentView(sampleReport()).exercises[0];
 * const listed = e.cases.reduce((sum, c) => sum + c.maxScore, 0);
 * if (listed + (e.unlisted?.maxScore ?? 0) !== e.maxScore) throw new Error("totals differ");
 * ```
 */
export function studentView(report: SubmissionReport): SubmissionReport {
  const exercises: ExerciseReport[] = report.exercises.map((e) => {
    const unlisted = e.cases.filter((c) => !listed(c.visibility));
    const view: ExerciseReport = {
      ...e,
      cases: e.cases.filter((c) => listed(c.visibility)).map(redacted),
    };
    if (unlisted.length > 0) {
      view.unlisted = {
        cases: unlisted.length,
        score: unlisted.reduce((sum, c) => sum + c.score, 0),
        maxScore: unlisted.reduce((sum, c) => sum + c.maxScore, 0),
      };
    }
    return view;
  });
  const { seconds: _s, timings: _t, diagnostics: _d, ...rest } = report;
  return { ...rest, notes: [...report.notes], exercises };
}

/**
 * The report for `view`: the whole report for the instructor, {@linkcode studentView}
 * otherwise.
 *
 * @example
 * ```ts
 * import { forView } from "./view.ts";
 * import { sampleReport } from "../../tests/helpers/sample_report.ts";
 * if (forView(sampleReport(), "instructor").seconds === undefined) throw new Error("unexpected: forView(sampleReport(), \"instructor\").seconds === undefined");
 * ```
 */
export function forView(report: SubmissionReport, view: View): SubmissionReport {
  return view === "instructor" ? report : studentView(report);
}

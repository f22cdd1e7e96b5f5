/**
 * What grading one submission produces: the statuses a case can end in, and the report.
 *
 * A {@linkcode SubmissionReport} is the teacher's whole truth: every case with its message,
 * hidden ones included. What a student may see of it is {@linkcode ./view.ts studentView};
 * every format written for students goes through it.
 *
 * @example
 * ```ts
 * import { CASE_STATUSES } from "./types.ts";
 * if (!CASE_STATUSES.includes("not-attempted") || CASE_STATUSES.length !== 8) {
 *   throw new Error(`expected 8 statuses, got ${CASE_STATUSES.join(", ")}`);
 * }
 * ```
 *
 * @module
 */

/**
 * How a case ended.
 *
 * - `passed`: the run returned plain data and the check accepted it.
 * - `failed`: the check rejected the output (or the output was not plain data).
 * - `error`: the run threw, or the file failed to type-check or load.
 * - `not-attempted`: the file or an export is missing, or the code threw `TodoError`.
 * - `timeout`: no result within the time limit (or an earlier case of the exercise timed out).
 * - `crashed`: the sandbox process died (out of memory, killed).
 * - `blocked`: the file imports something its exercise may not import.
 * - `not-run`: not graded: the submission is not gradable, or grading failed.
 */
export type CaseStatus =
  | "passed"
  | "failed"
  | "error"
  | "not-attempted"
  | "timeout"
  | "crashed"
  | "blocked"
  | "not-run";

/** Every {@linkcode CaseStatus}, for validation and tables. */
export const CASE_STATUSES: readonly CaseStatus[] = [
  "passed",
  "failed",
  "error",
  "not-attempted",
  "timeout",
  "crashed",
  "blocked",
  "not-run",
];

/**
 * What a student may see of a case.
 *
 * - `visible`: everything (name, status, message, hint, time).
 * - `name`: name and pass/fail only (hidden cases by default).
 * - `none`: nothing; the case only counts in the totals.
 * - `after_due_date`, `after_published`: on Gradescope, the name, status, message and hint once
 *   the assignment is due, or once its grades are published (Gradescope's own visibilities);
 *   until then, and in every other format, like `none`.
 */
export type Visibility = "visible" | "name" | "none" | "after_due_date" | "after_published";

/** Every {@linkcode Visibility}. */
export const VISIBILITIES: readonly Visibility[] = [
  "visible",
  "name",
  "none",
  "after_due_date",
  "after_published",
];

/**
 * Whether a student's view lists a case now (`visible` and `name` cases); the others only
 * count in the totals.
 *
 * @example
 * ```ts
 * import { listed } from "./types.ts";
 * if (!listed("name") || listed("none") || listed("after_due_date")) {
 *   throw new Error("only visible and name cases are listed");
 * }
 * ```
 */
export function listed(visibility: Visibility): boolean {
  return visibility === "visible" || visibility === "name";
}

/** One graded case (the teacher's view: hidden cases keep their message). */
export interface CaseReport {
  /** Stable key: `kit:<exercise>:<index>` or `hidden<n>:<exercise>:<index>`. */
  key: string;
  /** The exercise id. */
  exerciseId: string;
  /** The case name. */
  name: string;
  /** Points available. */
  maxScore: number;
  /** Points earned: `maxScore` when passed, else 0. */
  score: number;
  /** How the case ended. */
  status: CaseStatus;
  /** What went wrong (text the submission may have chosen: escape it when printing). */
  message: string;
  /** The case's hint when it did not pass. */
  hint: string;
  /** Whether the case is hidden (name-only or invisible). */
  hidden: boolean;
  /** What the student may see. */
  visibility: Visibility;
  /**
   * How a visible case calls the submission: its run's text (Exercism's `test_code`). Absent
   * for hidden cases.
   */
  code?: string;
  /**
   * What the case's check measured, when it passed and its check returns a measurement (a
   * test accuracy); for a rubric's Gradescope leaderboard. Absent from a student's view of a
   * hidden case.
   */
  value?: number;
  /** Milliseconds of CPU time the run took, when it finished. */
  ms?: number;
}

/** One exercise's part of a report. */
export interface ExerciseReport {
  /** The exercise id. */
  id: string;
  /** Its title. */
  title: string;
  /** Its file inside the submission. */
  file: string;
  /** Points earned. */
  score: number;
  /** Points available. */
  maxScore: number;
  /** Its cases, visible ones first in table order, then hidden ones. */
  cases: CaseReport[];
  /**
   * In a student's view only: the cases with visibility `none`, which it does not list but
   * whose points count in `score` and `maxScore`.
   */
  unlisted?: { cases: number; score: number; maxScore: number };
}

/**
 * Whether grading produced scores: `graded` (it did, for every file that loads), `not-gradable`
 * (nothing of the submission can be graded: no exercise file, too large, unreadable; score 0),
 * `error` (the grader itself failed; the score is not meaningful).
 */
export type SubmissionStatus = "graded" | "not-gradable" | "error";

/** Seconds spent in each stage of grading one submission. */
export interface Timings {
  /** Copying the submission. */
  stage: number;
  /** `deno info`: the module graph and the import policy. */
  graph: number;
  /** `deno check`: the type check (runs alongside the sandbox). */
  typecheck: number;
  /** The sandbox runs, restarts included. */
  sandbox: number;
  /** The judge's checks still running after the sandbox finished. */
  checks: number;
  /**
   * Sandbox processes started (a count, not seconds): one, and one more after each timeout,
   * whose stopped thread may run on (see `grader/sandbox/main.ts`) or crash.
   */
  sandboxProcesses: number;
}

/** The result of grading one submission. */
export interface SubmissionReport {
  /** The submission's name (its directory name: text the student chose). */
  submission: string;
  /** See {@linkcode SubmissionStatus}. */
  status: SubmissionStatus;
  /** PrairieLearn's `gradable`: false when nothing of the submission can be graded. */
  gradable: boolean;
  /** Why the submission is not gradable, or why grading failed; `""` when graded. */
  message: string;
  /** Notes for the student: files ignored or refused, a folder found one level down, … */
  notes: string[];
  /** Points earned. */
  score: number;
  /** Points available. */
  maxScore: number;
  /** Per exercise, in the kit's order. */
  exercises: ExerciseReport[];
  /** Wall-clock seconds for the whole submission (absent from a student's view). */
  seconds?: number;
  /** Where the time went (absent from a student's view). */
  timings?: Timings;
  /**
   * For the teacher only, when grading failed: the tail of a process's stderr. No format
   * written for students includes it.
   */
  diagnostics?: string;
}

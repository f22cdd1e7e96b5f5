/**
 * The grader's vocabulary: the cases it grades, the statuses a case can end in, and the report
 * it produces for one submission.
 *
 * The case and exercise shapes here are the kit's own (`tests/cases/case.ts`) seen from the
 * grader's side: the grader loads case tables with `import()` and validates them at run time
 * (see {@linkcode ./manifest.ts}), so it only needs their structure, not the kit's types.
 * A `Case<Impl>` from the kit is assignable to {@linkcode GraderCase}.
 *
 * @example A kit-style case is a GraderCase
 * ```ts
 * import type { GraderCase, Plain } from "./types.ts";
 * const c: GraderCase = {
 *   name: "double() doubles 2",
 *   points: 1,
 *   hint: "multiply by two",
 *   run: (impl: { double(x: number): number }) => impl.double(2),
 *   check(output: Plain) {
 *     if (output !== 4) throw new Error(`expected 4, got ${output}`);
 *   },
 * };
 * if (c.points !== 1) throw new Error();
 * ```
 *
 * @module
 */

/** Plain data: what crosses from the sandbox to the grader (`NaN` and `±Infinity` included). */
export type Plain =
  | null
  | boolean
  | number
  | string
  | Plain[]
  | { [key: string]: Plain };

/** One checkable behaviour of one exercise, as in the kit's case tables. */
export interface GraderCase {
  /** Says the symbol and the behaviour. Unique within its exercise. */
  name: string;
  /** Points this case is worth (a rubric may override). */
  points: number;
  /** Shown to the student when a visible case fails. */
  hint?: string;
  /** Counts in the score, but shows only its name and pass/fail. */
  hidden?: boolean;
  /** Time limit for `run`, in milliseconds. Default {@linkcode DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Resources the case needs, e.g. `"fashion-mnist"`. */
  needs?: string[];
  /** Untrusted side (runs in the sandbox): call the implementation, return plain data. */
  run(impl: unknown, kit: unknown): unknown;
  /** Trusted side (runs in the grader): throw when `output` is wrong. */
  check(output: Plain, kit: unknown): void | Promise<void>;
}

/** One exercise: a file in `exercises/` and its cases, as in the kit's case tables. */
export interface GraderExercise {
  /** Short id: `"softmax"`. */
  id: string;
  /** A title for lists. */
  title: string;
  /** The file name inside a submission, e.g. `"softmax.ts"`. */
  file: string;
  /** The names that file must export. */
  exports: string[];
  /** The cases, in order. */
  cases: GraderCase[];
}

/** The default per-case time limit, as documented in `tests/cases/case.ts`. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * How a case ended.
 *
 * - `passed`: `run` returned plain data and `check` accepted it.
 * - `failed`: `check` rejected the output (or the output was not plain data).
 * - `error`: `run` threw, or the file failed while loading.
 * - `not-attempted`: the file or export is missing, or the code threw `TodoError`.
 * - `timeout`: no result within the time limit.
 * - `crashed`: the sandbox process died (out of memory, killed).
 * - `blocked`: the file imports something a submission may not import.
 * - `not-run`: the submission is not gradable, or the grading budget ran out.
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

/**
 * Every {@linkcode CaseStatus}, for validation and tables.
 *
 * @example
 * ```ts
 * import { CASE_STATUSES } from "./types.ts";
 * if (!CASE_STATUSES.includes("not-attempted") || CASE_STATUSES.length !== 8) throw new Error();
 * ```
 */
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
 * - `visible`: everything (name, status, message, hint).
 * - `name`: name and pass/fail only (hidden cases by default).
 * - `none`: nothing; the case only counts in the total.
 */
export type Visibility = "visible" | "name" | "none";

/** One graded case, safe to show to the student (hidden cases carry no message or hint). */
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
  /** What went wrong, for the student; always `""` for hidden cases. */
  message: string;
  /** The case's hint when it did not pass; always `""` for hidden cases. */
  hint: string;
  /** Whether the case is hidden (name-only or invisible). */
  hidden: boolean;
  /** What the student may see. */
  visibility: Visibility;
  /** Milliseconds `run` took in the sandbox, when it finished. */
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
}

/**
 * Whether grading produced scores:
 * `graded` (it did), `not-gradable` (the submission does not type-check or load: score 0),
 * `error` (the grader itself failed; the score is not meaningful).
 */
export type SubmissionStatus = "graded" | "not-gradable" | "error";

/** Seconds spent in each stage of grading one submission. */
export interface Timings {
  /** Copying the submission. */
  stage: number;
  /** `deno info`: the module graph. */
  graph: number;
  /** `deno check`: the type check (runs alongside the sandbox). */
  typecheck: number;
  /** The sandbox runs, restarts included. */
  sandbox: number;
  /**
   * The trusted `check` calls still running after the sandbox finished (each result is checked
   * as it arrives, so most checks overlap the sandbox).
   */
  checks: number;
}

/** The result of grading one submission. */
export interface SubmissionReport {
  /** The submission's name (its directory name). */
  submission: string;
  /** See {@linkcode SubmissionStatus}. */
  status: SubmissionStatus;
  /** PrairieLearn's `gradable`: false when the code does not type-check or load. */
  gradable: boolean;
  /** A summary for the student: compiler messages when not gradable; notes otherwise. */
  message: string;
  /** Points earned. */
  score: number;
  /** Points available. */
  maxScore: number;
  /** Per exercise, in the kit's order. */
  exercises: ExerciseReport[];
  /** Wall-clock seconds for the whole submission. */
  seconds: number;
  /** Where the time went. */
  timings: Timings;
  /**
   * For the teacher only, when grading failed: the tail of the sandbox's stderr. No output
   * format includes it (the submission can write to that stream).
   */
  diagnostics?: string;
}

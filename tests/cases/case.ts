/**
 * The shape of a test case: one table of cases per exercise, three uses, two halves.
 *
 * `deno test` runs every case against `solutions/`, `deno task check` runs them against the
 * learner's `exercises/`, and `deno task grade` runs them against an untrusted submission. To
 * make the last one safe, every exercise's table is split in two modules:
 *
 * - **The run half**, `runs/<id>.ts`, exports `runs`: functions keyed by a short run id. A run
 *   calls the implementation and returns **plain data** ({@linkcode Plain}: numbers, including
 *   `NaN` and `±Infinity`, strings, booleans, `null`, arrays and plain objects of these;
 *   tensors become {@linkcode PlainTensor}). It holds the case's inputs and nothing else: the
 *   grader loads it in the sandbox, next to the submission's code, where everything loaded can
 *   be read by that code. So a run half imports only what the exercise itself may import (the
 *   lessons before its own, `lib/`, `data/`; see {@linkcode Exercise.lesson}) and hands the
 *   implementation nothing that implements the exercise's own concept.
 * - **The table**, `<id>.ts`, exports the {@linkcode Exercise}: each case's name, points, hint,
 *   limits, the id of its run, and its `check`, which judges the run's output and throws an
 *   `AssertionError` with a clear message when it is wrong. It runs on the trusted side (in the
 *   grader, a judge process that never sees submitted code) and must not trust anything about
 *   `output` beyond it being plain data: validate shapes and sizes before computing with them.
 *
 * In `deno test` and the learner's check both halves run in one process.
 *
 * Runs take the earlier pieces they need from the lessons themselves (a training case gets the
 * lesson's `net` and `crossEntropy`), so an unfinished softmax does not fail the training
 * exercise.
 *
 * @example A run half and its table
 * ```ts
 * import type { Exercise, Runs } from "./case.ts";
 * type Impl = { double(x: number): number };
 * const runs: Runs<Impl> = { two: (impl) => impl.double(2) };
 * const double: Exercise<Impl> = {
 *   id: "double", title: "Double", file: "double.ts", exports: ["double"],
 *   runModule: "file:///kit/tests/cases/runs/double.ts", runs,
 *   cases: [{
 *     run: "two", name: "double() doubles 2", points: 1, hint: "multiply by two",
 *     check: (output) => {
 *       if (output !== 4) throw new Error(`expected 4, got ${output}`);
 *     },
 *   }],
 * };
 * if (double.runs[double.cases[0].run]({ double: (x) => 2 * x }) !== 4) {
 *   throw new Error("the run should return 4");
 * }
 * ```
 *
 * @module
 */

/** Plain data that crosses from the untrusted side to the trusted one. */
export type Plain =
  | null
  | boolean
  | number
  | string
  | Plain[]
  | { [key: string]: Plain };

/** A tensor as plain data: shape, dtype and row-major values. */
export interface PlainTensor {
  [key: string]: Plain;
  shape: number[];
  dtype: string;
  values: number[];
}

/** What a case needs beyond plain computation. */
export type Need = "fashion-mnist";

/** The time limit of a case without its own `timeoutMs`, in milliseconds of CPU time. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The untrusted half of one case: calls `impl`, returns plain data. (Declared as a method so
 * that an exercise's table of a specific `Impl` fits a list of `Exercise<unknown>`.)
 */
export type Run<Impl> = { run(impl: Impl): Plain | Promise<Plain> }["run"];

/** An exercise's run half: its runs by id (what `runs/<id>.ts` exports as `runs`). */
export type Runs<Impl> = Record<string, Run<Impl>>;

/**
 * The hint a failed check gives instead of its case's own, when the failure is one the case's
 * hint is not about (the case's hint nudges towards its usual mistake): the `hint` a check's
 * `fail(message, hint)` set on the error, or `undefined`.
 *
 * @example
 * ```ts
 * import { failureHint } from "./case.ts";
 * const error = Object.assign(new Error("disposed its input"), { name: "AssertionError", hint: "dispose only your own tensors" });
 * if (failureHint(error) !== "dispose only your own tensors") throw new Error("the failure's hint was not read");
 * if (failureHint(new Error("x")) !== undefined) throw new Error("an error with no hint gave one");
 * ```
 */
export function failureHint(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== "AssertionError") return undefined;
  const hint = Object.hasOwn(error, "hint") ? (error as { hint?: unknown }).hint : undefined;
  return typeof hint === "string" && hint !== "" ? hint : undefined;
}

/** The trusted half of one case: what it is worth, and how its output is judged. */
export interface Case {
  /** The id of this case's run in the exercise's {@linkcode Exercise.runs}. */
  run: string;
  /** Says the symbol and the behaviour: `"softmax() keeps rows summing to 1"`. */
  name: string;
  /** Points this case is worth. */
  points: number;
  /** Shown to the learner when the case fails: a nudge, not the answer. */
  hint: string;
  /** Hidden cases count in the score but show only their name (or nothing) to students. */
  hidden?: boolean;
  /**
   * Time limit for the run, in milliseconds of CPU time (so a busy machine does not fail a
   * correct answer). Default {@linkcode DEFAULT_TIMEOUT_MS}.
   */
  timeoutMs?: number;
  /**
   * Resources the case needs, e.g. the Fashion-MNIST data. In the grader, a run half reads
   * the full data's training split only (`readFashionMnistSplit("train")`; the book's
   * `loadDataFashionMnist` needs both splits and fails there); the check half reads both. The
   * test split scores trained models, so submitted code may not read it.
   */
  needs?: Need[];
  /**
   * Throws an `AssertionError` naming what is wrong with `output` (with a `hint` of its own,
   * shown instead of the case's, when the failure is one that hint is not about: see
   * {@linkcode failureHint}). It may return a number, the case's measurement (a test
   * accuracy): reports carry it as the case's `value`, and a rubric can put it on
   * Gradescope's leaderboard.
   */
  check(output: Plain): void | number | Promise<void | number>;
}

/** One exercise: a file in `exercises/` and `solutions/`, its run half and its table. */
export interface Exercise<Impl = unknown> {
  /** Short id used on the command line: `deno task check softmax`. */
  id: string;
  /** A title for progress lists. */
  title: string;
  /** The file name shared by `exercises/` and `solutions/`, e.g. `"softmax.ts"`. */
  file: string;
  /** The names the module must export. */
  exports: string[];
  /**
   * The lesson this exercise re-implements, as a path in the kit (`"lessons/02_softmax.ts"`).
   * The exercise may import `lib/`, `data/` and the lessons before this one, never this lesson
   * or a later one (they implement, or reach, the same concept). Absent for the book's
   * exercises, which may import every lesson. No exercise may import `mod.ts`, `solutions/`,
   * `tests/`, `grader/` or `tools/`.
   */
  lesson?: string;
  /**
   * TensorFlow.js's own versions of what the exercise asks the learner to build, which its
   * code may not call while its cases run: `tf.` names (`"softmax"`,
   * `"losses.softmaxCrossEntropy"`), `"grad"` for autodiff and `"train"` for every `tf.train`
   * optimizer's update. The grader's sandbox and `deno task check` refuse them alike
   * (`grader/sandbox/shortcuts.ts`). Default: none.
   */
  shortcuts?: string[];
  /** URL of the run half, the module exporting {@linkcode runs}: `import.meta.resolve(…)`. */
  runModule: string;
  /** The run half's runs (the same object the run module exports). */
  runs: Runs<Impl>;
  /** The cases, in the order they are run. */
  cases: Case[];
  /**
   * The expensive references the checks compute once per process (a lesson's training, a data
   * set read; see `once` in `helpers.ts`): a judge computes them while it waits for the first
   * output, so the checks do not have to.
   */
  references?: (() => Promise<unknown>)[];
}

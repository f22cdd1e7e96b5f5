/**
 * The shape of a test case: one table of cases per exercise, three uses.
 *
 * `deno test` runs every case against `solutions/`, `deno task check` runs them against the
 * learner's `exercises/`, and `deno task grade` runs them against an untrusted submission. To
 * make the last one safe, a case is split in two:
 *
 * - `run(impl, kit)` calls the implementation and returns **plain data** ({@linkcode Plain}:
 *   numbers, including `NaN` and `±Infinity`, strings, booleans, `null`, arrays and plain
 *   objects of these; tensors become {@linkcode PlainTensor}). It runs on the untrusted side,
 *   next to the submission's code.
 * - `check(output, kit)` judges that data and throws an `AssertionError` with a clear message
 *   when it is wrong. It runs on the trusted side (the grader's own process) and must not
 *   trust anything about `output` beyond it being plain data: validate shapes and types.
 *
 * In `deno test` and the learner's check both halves run in one process.
 *
 * `kit` is the reference library (the lessons, i.e. `mod.ts`): later cases take the earlier
 * pieces they need from it (a training case gets the reference `net` and `crossEntropy`), so
 * an unfinished softmax does not fail the training exercise.
 *
 * @module
 */
import type * as tf from "../../lib/tf.ts";

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

/** The reference library handed to cases: everything `mod.ts` exports. */
export type Kit = typeof import("../../mod.ts");

/** What a case needs beyond plain computation. */
export type Need = "fashion-mnist";

/** One checkable behaviour of one exercise. */
export interface Case<Impl> {
  /** Says the symbol and the behaviour: `"softmax() keeps rows summing to 1"`. */
  name: string;
  /** Points this case is worth. */
  points: number;
  /** Shown to the learner when the case fails: a nudge, not the answer. */
  hint: string;
  /** Hidden cases count in the score but show only their name (or nothing) to students. */
  hidden?: boolean;
  /** Time limit for `run`, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Resources the case needs, e.g. the Fashion-MNIST data. */
  needs?: Need[];
  /** Untrusted side: call `impl`, return plain data. */
  run(impl: Impl, kit: Kit): Plain | Promise<Plain>;
  /** Trusted side: throw an `AssertionError` naming what is wrong with `output`. */
  check(output: Plain, kit: Kit): void | Promise<void>;
}

/** One exercise: a file in `exercises/` and `solutions/`, and its table of cases. */
export interface Exercise<Impl = unknown> {
  /** Short id used on the command line: `deno task check softmax`. */
  id: string;
  /** A title for progress lists. */
  title: string;
  /** The file name shared by `exercises/` and `solutions/`, e.g. `"softmax.ts"`. */
  file: string;
  /** The names the module must export. */
  exports: string[];
  /** The cases, in the order they are run. */
  cases: Case<Impl>[];
}

/**
 * Converts a tensor to {@linkcode PlainTensor} (on the untrusted side, inside `run`).
 *
 * @example
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { toPlainTensor } from "./case.ts";
 * const p = toPlainTensor(tf.tensor1d([1, 2]));
 * if (p.shape.join() !== "2" || p.values.join() !== "1,2") throw new Error();
 * ```
 */
export function toPlainTensor(t: tf.Tensor): PlainTensor {
  return {
    shape: [...t.shape],
    dtype: t.dtype,
    values: Array.from(t.dataSync() as ArrayLike<number>),
  };
}

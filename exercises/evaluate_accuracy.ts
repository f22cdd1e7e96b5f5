// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 4's `Accumulator` and `evaluateAccuracy`: accuracy over a
 * whole data set.
 *
 * 1. {@linkcode Accumulator}: `n` running sums. `add(...values)` adds one value to each sum,
 *    `get(i)` reads sum `i`, `reset()` sets them all to 0 (the book's `Accumulator`).
 * 2. {@linkcode evaluateAccuracy}: run `net` on every batch of one pass of `dataIter`
 *    (`for (const [X, y] of dataIter)`) and return correct / total. Use lesson 4's
 *    `accuracy` (imported below: it returns the *count* of correct predictions in a batch)
 *    and an `Accumulator(2)` for (correct, examples). Why sum counts instead of averaging
 *    each batch's accuracy? (The last batch is smaller.)
 *
 * Keep the backend clean: `net(X)` returns a new tensor per batch; free it (`tf.tidy`).
 *
 * `deno task check evaluate_accuracy` checks your work; `solutions/evaluate_accuracy.ts` is
 * the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "../lessons/02_softmax.ts";
import { accuracy } from "../lessons/04_accuracy.ts";

/**
 * `n` running sums (the book's `Accumulator`).
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { Accumulator } from "./evaluate_accuracy.ts";
 * const metric = new Accumulator(2);
 * metric.add(1, 2);
 * metric.add(3, 4);
 * if (metric.get(0) !== 4 || metric.get(1) !== 6) throw new Error("unexpected: metric.get(0) !== 4 || metric.get(1) !== 6");
 * ```
 */
export class Accumulator {
  /**
   * @param n how many sums to keep, an integer `>= 0`.
   */
  constructor(n: number) {
    // TODO: keep n sums, all 0 (a private field such as #data: number[]).
    todo("Accumulator");
  }

  /**
   * Adds `args[i]` to sum `i`, for every `i`.
   *
   * @example What a finished version gives (not run here)
   * ```ts ignore
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(3);
   * a.add(0.5, 1, 256);
   * if (a.get(2) !== 256) throw new Error("unexpected: a.get(2) !== 256");
   * ```
   */
  add(...args: number[]): void {
    // TODO: add each value to its sum.
    todo("Accumulator.add");
  }

  /**
   * Sets every sum back to 0.
   *
   * @example What a finished version gives (not run here)
   * ```ts ignore
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(1);
   * a.add(5);
   * a.reset();
   * if (a.get(0) !== 0) throw new Error("unexpected: a.get(0) !== 0");
   * ```
   */
  reset(): void {
    // TODO: every sum back to 0.
    todo("Accumulator.reset");
  }

  /**
   * Sum number `i`.
   *
   * @example What a finished version gives (not run here)
   * ```ts ignore
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(2);
   * a.add(1, 2);
   * if (a.get(1) !== 2) throw new Error("unexpected: a.get(1) !== 2");
   * ```
   */
  get(i: number): number {
    // TODO: return sum i.
    return todo("Accumulator.get");
  }
}

/**
 * The model's accuracy over every batch of one pass of `dataIter`: correct / total.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { evaluateAccuracy } from "./evaluate_accuracy.ts";
 * const iter = createDataIter(new Float32Array(5 * 4), Int32Array.from([0, 1, 0, 2, 0]), {
 *   batchSize: 2,
 *   imageSize: [2, 2],
 * });
 * const alwaysZero = (X: tf.Tensor) =>
 *   tf.tidy(() => tf.oneHot(tf.zeros([X.shape[0]], "int32"), 3).toFloat() as tf.Tensor2D);
 * if (evaluateAccuracy(alwaysZero, iter) !== 3 / 5) throw new Error("unexpected: evaluateAccuracy(alwaysZero, iter) !== 3 / 5");
 * ```
 *
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, classes]`.
 * @param dataIter batches `[X, y]`; one pass is evaluated.
 * @returns correct / total, in `[0, 1]`.
 */
export function evaluateAccuracy(net: Net, dataIter: DataIter): number {
  // TODO: the fraction of correct predictions over every example dataIter yields (batches
  // may differ in size), freeing every tensor you make.
  return todo("evaluateAccuracy");
}

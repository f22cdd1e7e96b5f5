/**
 * Re-implementation of lesson 4's `Accumulator` and `evaluateAccuracy` (solution): accuracy
 * over a whole data set.
 *
 * `evaluateAccuracy(net, dataIter)` runs the model over **every** batch of one pass of the
 * iterator and returns correct / total. Two details make it right:
 *
 * - It sums *counts* (lesson 4's `accuracy` returns a count) and *example numbers*, then
 *   divides once. Averaging the per-batch fractions instead would weigh the short last batch
 *   (16 of the test set's 10000 images with batches of 256) as much as a full one.
 * - It does the per-batch work inside `tf.tidy`, so the predictions of 40 test batches do
 *   not pile up on the backend; the iterator owns and frees the batches themselves.
 *
 * The book keeps the two running sums in an `Accumulator`, a tiny class of `n` sums that
 * training (lesson 5) reuses with three: loss, correct, examples.
 *
 * Lesson 4's version is faster (it keeps the running count on the backend and reads it back
 * once instead of once per batch); this one is the book's, step by step.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { evaluateAccuracy } from "./evaluate_accuracy.ts";
 * const iter = createDataIter(new Float32Array(5 * 4), Int32Array.from([0, 1, 0, 2, 0]), {
 *   batchSize: 2,
 *   imageSize: [2, 2],
 * });
 * // A "model" that always predicts class 0 of 3: right on the three 0 labels.
 * const alwaysZero = (X: tf.Tensor) =>
 *   tf.tidy(() => tf.oneHot(tf.zeros([X.shape[0]], "int32"), 3).toFloat() as tf.Tensor2D);
 * if (evaluateAccuracy(alwaysZero, iter) !== 3 / 5) throw new Error("unexpected: evaluateAccuracy(alwaysZero, iter) !== 3 / 5");
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "../lessons/02_softmax.ts";
import { accuracy } from "../lessons/04_accuracy.ts";

/**
 * `n` running sums (the book's `Accumulator`): `add` adds one number to each, `get(i)` reads
 * sum `i`, `reset` sets them all to 0.
 *
 * @example
 * ```ts
 * import { Accumulator } from "./evaluate_accuracy.ts";
 * const metric = new Accumulator(2);
 * metric.add(1, 2);
 * metric.add(3, 4);
 * if (metric.get(0) !== 4 || metric.get(1) !== 6) throw new Error("unexpected: metric.get(0) !== 4 || metric.get(1) !== 6");
 * ```
 */
export class Accumulator {
  #data: number[];

  /**
   * @param n how many sums to keep, an integer `>= 0`.
   * @throws {RangeError} when `n` is not an integer `>= 0`.
   */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Cannot create an Accumulator: n must be an integer >= 0, got ${n}`);
    }
    this.#data = new Array<number>(n).fill(0);
  }

  /**
   * Adds `args[i]` to sum `i`, for every `i`.
   *
   * @example
   * ```ts
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(3);
   * a.add(0.5, 1, 256);
   * if (a.get(2) !== 256) throw new Error("unexpected: a.get(2) !== 256");
   * ```
   * @throws {RangeError} when the number of values is not `n` (the book's `zip` would
   *   silently drop the extras).
   */
  add(...args: number[]): void {
    if (args.length !== this.#data.length) {
      throw new RangeError(
        `Cannot add to the Accumulator: it keeps ${this.#data.length} sums, got ${args.length} values`,
      );
    }
    this.#data = this.#data.map((sum, i) => sum + args[i]);
  }

  /**
   * Sets every sum back to 0.
   *
   * @example
   * ```ts
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(1);
   * a.add(5);
   * a.reset();
   * if (a.get(0) !== 0) throw new Error("unexpected: a.get(0) !== 0");
   * ```
   */
  reset(): void {
    this.#data = this.#data.map(() => 0);
  }

  /**
   * Sum number `i` (the book's `metric[i]`).
   *
   * @example
   * ```ts
   * import { Accumulator } from "./evaluate_accuracy.ts";
   * const a = new Accumulator(2);
   * a.add(1, 2);
   * if (a.get(1) !== 2) throw new Error("unexpected: a.get(1) !== 2");
   * ```
   * @throws {RangeError} when `i` is not an index in `[0, n)`.
   */
  get(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#data.length) {
      throw new RangeError(
        `Cannot read the Accumulator: index must be an integer in [0, ${this.#data.length}), got ${i}`,
      );
    }
    return this.#data[i];
  }
}

/**
 * The model's accuracy over every batch of one pass of `dataIter`: correct predictions /
 * examples (the book's `evaluate_accuracy`).
 *
 * @example See the module example.
 * ```ts
 * import { evaluateAccuracy } from "./evaluate_accuracy.ts";
 * if (typeof evaluateAccuracy !== "function") throw new Error("unexpected: typeof evaluateAccuracy !== \"function\"");
 * ```
 *
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, classes]`.
 * @param dataIter batches `[X, y]`; one pass (`for … of`) is evaluated.
 * @returns correct / total, in `[0, 1]`.
 * @throws {RangeError} when the iterator yields no examples (0 / 0); what lesson 4's
 *   `accuracy` throws for a batch whose shapes do not fit.
 */
export function evaluateAccuracy(net: Net, dataIter: DataIter): number {
  const metric = new Accumulator(2); // correct predictions, examples
  for (const [X, y] of dataIter) {
    // The prediction tensor of each batch is freed at once; only two numbers survive.
    const correct = tf.tidy(() => accuracy(net(X), y));
    metric.add(correct, y.shape[0]);
  }
  if (metric.get(1) === 0) {
    throw new RangeError("Cannot evaluate accuracy: the iterator yielded no examples (0 / 0)");
  }
  return metric.get(0) / metric.get(1);
}

/**
 * Lesson 4, continued: accuracy over a whole data set, with the book's `Accumulator`.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.5 "Classification
 * accuracy" (second half; the first, {@linkcode ./04_accuracy.ts accuracy} on one batch, is
 * `04_accuracy.ts`).
 *
 * - {@linkcode Accumulator}`(n)` keeps `n` running sums (the book's `Accumulator` class): the
 *   evaluation adds (correct, examples) per batch; training (lesson 5) adds (loss, correct,
 *   examples).
 * - {@linkcode evaluateAccuracy}`(net, dataIter)` runs the model over *every* batch of an
 *   iterator and returns correct / total. The last batch may be smaller than the others (the
 *   test set's 10000 images in batches of 256 end with 16), which is why counts, not per-batch
 *   fractions, are summed.
 *
 * Before training, with `W ~ N(0, 0.01)` and `b = 0`, the model's predictions have nothing to
 * do with the labels. Because the distribution of `W` treats all ten classes alike, each
 * prediction is equally likely to be any class, and Fashion-MNIST's test set is balanced (1000
 * images per class), so the expected accuracy is exactly 1/10; a single draw of `W` lands near
 * it (the book printed 0.0625; `tests/lesson_04_accuracy_test.ts` checks this kit's draws
 * against a plain reference and their mean against 1/10).
 *
 * Speed: the book reads each batch's count back into Python (`float(...)`), one device
 * round-trip per batch. Here {@linkcode evaluateAccuracy} keeps the running count on the tfjs
 * backend (lesson 4's `countCorrectAndInvalid`) and reads it once at the end.
 *
 * @example The book's Accumulator: (correct, examples) over two batches
 * ```ts
 * const metric = new Accumulator(2);
 * metric.add(1, 2);
 * metric.add(3, 4);
 * const fraction = metric.get(0) / metric.get(1);
 * if (fraction !== 4 / 6) throw new Error(`expected 4/6, got ${fraction}`);
 * fraction; // the value a notebook prints
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "./02_softmax.ts";
import { countCorrectAndInvalid } from "./04_accuracy.ts";

/**
 * `n` running sums (the book's `Accumulator`): `add` adds one number to each, `get(i)` reads
 * sum `i`, `reset` sets them all back to 0.
 *
 * @example Sum (correct, examples) over batches
 * ```ts
 * const metric = new Accumulator(2);
 * metric.add(1, 2);
 * metric.add(3, 4);
 * if (metric.get(0) / metric.get(1) !== 4 / 6) throw new Error("unexpected: metric.get(0) / metric.get(1) !== 4 / 6");
 * metric.reset();
 * if (metric.get(0) !== 0 || metric.length !== 2) throw new Error("unexpected: metric.get(0) !== 0 || metric.length !== 2");
 * ```
 */
export class Accumulator {
  #data: number[];

  /**
   * Creates `n` sums, all 0 (the book's `Accumulator(n)`).
   *
   * @param n how many sums to keep, an integer `>= 0`.
   * @throws {RangeError} when `n` is not an integer `>= 0`.
   */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Cannot create an Accumulator: n must be an integer >= 0, got ${n}`);
    }
    this.#data = new Array<number>(n).fill(0);
  }

  /** How many sums this accumulator keeps. */
  get length(): number {
    return this.#data.length;
  }

  /**
   * Adds `args[i]` to sum `i`, for every `i`.
   *
   * @example
   * ```ts
   * const a = new Accumulator(3);
   * a.add(0.5, 1, 256);
   * if (a.get(2) !== 256) throw new Error("unexpected: a.get(2) !== 256");
   * ```
   * @throws {RangeError} when the number of arguments is not `length` (the book's Python
   *   `zip` would silently drop the extras).
   * @throws {TypeError} when an argument is not a number.
   */
  add(...args: number[]): void {
    if (args.length !== this.#data.length) {
      throw new RangeError(
        `Cannot add to the Accumulator: it keeps ${this.#data.length} sums, got ${args.length} ` +
          `values`,
      );
    }
    args.forEach((value: unknown, i) => {
      if (typeof value !== "number") {
        throw new TypeError(
          `Cannot add to the Accumulator: value ${i} must be a number, got ${typeof value}` +
            (value instanceof tf.Tensor ? "; read it with .dataSync()[0] first" : ""),
        );
      }
    });
    this.#data = this.#data.map((sum, i) => sum + args[i]);
  }

  /**
   * Sets every sum back to 0.
   *
   * @example
   * ```ts
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
   * const a = new Accumulator(2);
   * a.add(1, 2);
   * if (a.get(1) !== 2) throw new Error("unexpected: a.get(1) !== 2");
   * ```
   * @throws {RangeError} when `i` is not an index in `[0, length)`.
   */
  get(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#data.length) {
      throw new RangeError(
        `Cannot read the Accumulator: index must be an integer in [0, ${this.#data.length}), ` +
          `got ${i}`,
      );
    }
    return this.#data[i];
  }
}

/**
 * The model's accuracy over **every** batch of `dataIter`: correct predictions / examples, a
 * fraction in `[0, 1]` (the book's `evaluate_accuracy`).
 *
 * Runs one full pass of the iterator. Per batch, the count of correct predictions is added
 * to a running count on the tfjs backend (inside `tf.tidy`, so nothing leaks); it is read back
 * once, at the end. Labels are checked in the same pass.
 *
 * @example Every batch counts, the short last one too
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * const labels = Int32Array.from([0, 1, 0, 2, 0]);
 * const images = new Float32Array(5 * 4); // five 2×2 images
 * const iter = createDataIter(images, labels, { batchSize: 2, imageSize: [2, 2] });
 * // A "model" that always predicts class 0 (of 3): right on the three 0 labels.
 * const alwaysZero = (X: tf.Tensor) =>
 *   tf.tidy(() => tf.oneHot(tf.zeros([X.shape[0]], "int32"), 3).toFloat() as tf.Tensor2D);
 * const acc = evaluateAccuracy(alwaysZero, iter);
 * if (acc !== 3 / 5) throw new Error(`expected 0.6, got ${acc}`);
 * iter.dispose();
 * ```
 *
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, classes]`.
 * @param dataIter batches `[X, y]`; one pass (`for … of`) is evaluated.
 * @returns correct / total, in `[0, 1]`.
 * @throws {RangeError} when the iterator yields no examples (0 / 0), or a label is not a valid
 *   class; what {@linkcode accuracy} throws for a batch whose shapes do not fit.
 */
export function evaluateAccuracy(net: Net, dataIter: DataIter): number {
  const metric = new Accumulator(2); // correct predictions, examples
  let counts: tf.Tensor1D | undefined; // [2] int32: correct, invalid labels; on the backend
  let examples = 0;
  try {
    for (const [X, y] of dataIter) {
      const next: tf.Tensor1D = tf.tidy(() => {
        const yHat = net(X); // [batch, classes]
        const batch = countCorrectAndInvalid(yHat, y, "evaluateAccuracy");
        return counts === undefined ? batch : tf.add(counts, batch);
      });
      counts?.dispose();
      counts = next;
      examples += y.shape[0];
    }
    if (counts === undefined || examples === 0) {
      throw new RangeError(
        "Cannot evaluate accuracy: the iterator yielded no examples (accuracy would be 0 / 0)",
      );
    }
    const [correct, invalid] = counts.dataSync(); // the one read-back
    if (invalid > 0) {
      throw new RangeError(
        `Cannot evaluate accuracy: ${invalid} of ${examples} labels in the iterator are not ` +
          `valid classes (integers in [0, classes))`,
      );
    }
    metric.add(correct, examples);
  } finally {
    counts?.dispose();
  }
  return metric.get(0) / metric.get(1);
}

/**
 * Lesson 4: classification accuracy, on one batch and over a whole data set.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.5 "Classification
 * accuracy".
 *
 * The model outputs a probability for every class; to *classify*, it predicts the class with
 * the highest probability, `argmax_j yHat_{ij}`. A prediction is correct when it equals the
 * label. Accuracy is the fraction of correct predictions:
 *
 * ```text
 * accuracy = (1/n) \sum_i [argmax_j yHat_{ij} = y_i]
 * ```
 *
 * Accuracy cannot be optimised directly (it is piecewise constant, so its gradient is 0 almost
 * everywhere), which is why training minimises cross-entropy instead; but it is the number we
 * care about.
 *
 * The book splits this into three pieces, as does this lesson:
 *
 * - {@linkcode accuracy}`(yHat, y)` returns the **count** of correct predictions in a batch (not
 *   the fraction), so that counts from batches of different sizes can be added. When `yHat` is
 *   a matrix it first takes the argmax of each row. Then comes the book's dtype point: the
 *   comparison `==` is sensitive to data types, so the predictions are converted to `y`'s dtype
 *   before comparing. (tfjs's `tf.equal` would quietly upcast an int32/float32 pair; the explicit
 *   cast keeps the comparison where the book puts it, in `y`'s dtype.) With the book's example,
 *   `accuracy(yHat, y) / len(y)` is `0.5`: the first row predicts class 2 (label 0, wrong), the
 *   second predicts class 2 (label 2, right).
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
 * images per class), so the expected accuracy is exactly 1/10; a single draw of `W` lands
 * near it (the book printed 0.0625). Measured here on the wasm backend: 0.1066 for seed 0,
 * and over seeds 0–39 a mean of 0.105 with a standard deviation of 0.042.
 *
 * Speed: the book reads each batch's count back into Python (`float(...)`), one device
 * round-trip per batch. Here {@linkcode evaluateAccuracy} keeps the running count on the tfjs
 * backend and reads it once at the end; {@linkcode countCorrect} is the tensor-valued count it
 * uses.
 *
 * @example The book's outputs
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * const fraction = accuracy(yHat, y) / y.shape[0];
 * if (fraction !== 0.5) throw new Error(`expected 0.5, got ${fraction}`);
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "./02_softmax.ts";

function shapeOf(value: unknown): string {
  if (value instanceof tf.Tensor) return `shape [${value.shape.join(", ")}]`;
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/**
 * Checks ranks, dtypes and batch sizes (not label values: that needs the data) and returns
 * the number of classes, or `undefined` when `yHat` already holds class labels.
 */
function checkShapes(fn: string, yHat: tf.Tensor, y: tf.Tensor1D): number | undefined {
  if (!(yHat instanceof tf.Tensor) || yHat.rank < 1 || yHat.rank > 2) {
    throw new TypeError(
      `Cannot compute ${fn}: expected yHat to be probabilities [batch, classes] or predicted ` +
        `labels [batch], got ${shapeOf(yHat)}`,
    );
  }
  if (yHat.dtype !== "float32" && yHat.dtype !== "int32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected yHat to be float32 or int32, got ${yHat.dtype}`,
    );
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 1) {
    throw new TypeError(
      `Cannot compute ${fn}: expected y to be a rank-1 tensor of labels [batch], got ${shapeOf(y)}`,
    );
  }
  if (y.dtype !== "int32" && y.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected y to hold int32 class labels, got ${y.dtype}`,
    );
  }
  if (yHat.shape[0] !== y.shape[0]) {
    throw new RangeError(
      `Cannot compute ${fn}: mismatched batch sizes: yHat has ${yHat.shape[0]} rows (shape [${
        yHat.shape.join(", ")
      }]) but y has ${y.shape[0]} labels; pass the labels of the same batch`,
    );
  }
  // As the book: a matrix with more than one column holds probabilities, anything else labels.
  const columns = yHat.rank === 2 ? yHat.shape[1] ?? 1 : 1;
  return columns > 1 ? columns : undefined;
}

/** `[batch]` predicted classes, in `y`'s dtype. Call inside `tf.tidy`. */
function predictions(yHat: tf.Tensor, y: tf.Tensor1D, classes: number | undefined): tf.Tensor1D {
  const predicted = classes !== undefined ? tf.argMax(yHat, 1) : tf.reshape(yHat, [-1]);
  // The book's dtype point: compare in y's dtype. Like PyTorch's `.type(y.dtype)`, converting
  // to the dtype a tensor already has is a no-op (argMax gives int32, as labels usually are).
  if (predicted.dtype === y.dtype) return predicted as tf.Tensor1D;
  return tf.cast(predicted, y.dtype) as tf.Tensor1D;
}

/**
 * The number of correct predictions as an int32 scalar on the backend, without reading it
 * back: the fast path of {@linkcode accuracy}, for loops that sum counts over many batches.
 *
 * Checks shapes and dtypes but not label values (that would need a read-back): a label
 * outside the classes never equals a prediction, so it counts as wrong. {@linkcode accuracy}
 * and {@linkcode evaluateAccuracy} do check the labels.
 *
 * @example Counting on the backend
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * const n = countCorrect(yHat, tf.tensor1d([0, 2], "int32"));
 * if (n.dtype !== "int32") throw new Error(n.dtype);
 * assertClose(n, 1);
 * ```
 *
 * @param yHat probabilities `[batch, classes]`, or predicted labels `[batch]` / `[batch, 1]`.
 * @param y labels `[batch]`, int32 (or float32 whole numbers).
 * @returns an int32 scalar; the caller owns it.
 * @throws {TypeError} for a wrong rank or dtype; {RangeError} for mismatched batch sizes.
 */
export function countCorrect(yHat: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
  const classes = checkShapes("countCorrect", yHat, y);
  // An empty batch has no correct predictions. (tfjs's wasm backend returns uninitialised
  // memory for a sum over nothing, so this case is not left to tf.sum.)
  if (y.shape[0] === 0) return tf.scalar(0, "int32");
  return tf.tidy(() => {
    const cmp = tf.equal(predictions(yHat, y, classes), y); // [batch] bool
    return tf.sum(tf.cast(cmp, "int32"));
  });
}

/**
 * `[2]` int32 on the backend: correct predictions, and labels that are not valid classes
 * (negative, not whole, or `>= classes`). Call inside `tf.tidy` after `checkShapes`.
 */
function correctAndInvalid(
  yHat: tf.Tensor,
  y: tf.Tensor1D,
  classes: number | undefined,
): tf.Tensor1D {
  if (y.shape[0] === 0) return tf.zeros([2], "int32"); // see countCorrect: no empty tf.sum
  const correct = tf.sum(tf.cast(tf.equal(predictions(yHat, y, classes), y), "int32"));
  let invalid = tf.less(y, 0); // [batch] bool
  if (y.dtype === "float32") invalid = tf.logicalOr(invalid, tf.notEqual(y, tf.floor(y)));
  if (classes !== undefined) invalid = tf.logicalOr(invalid, tf.greaterEqual(y, classes));
  return tf.stack([correct, tf.sum(tf.cast(invalid, "int32"))]) as tf.Tensor1D;
}

function labelError(fn: string, y: tf.Tensor1D, classes: number | undefined): RangeError {
  const labels = y.dataSync();
  const range = classes === undefined ? "whole numbers >= 0" : `integers in [0, ${classes})`;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      return new RangeError(
        `Cannot compute ${fn}: labels must be ${range}, found ${label} at index ${i} of y`,
      );
    }
  }
  return new RangeError(`Cannot compute ${fn}: labels must be ${range}`);
}

/**
 * The number of correct predictions in a batch (the book's `accuracy`): a count, not a
 * fraction, so that batches of different sizes add up.
 *
 * When `yHat` is a matrix with more than one column, the prediction is each row's argmax;
 * otherwise `yHat` already holds predicted labels. Predictions are converted to `y`'s dtype
 * before the comparison (the book's dtype point). On ties `argmax` picks the first class.
 *
 * @example The book's output: one of two correct
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * if (accuracy(yHat, y) !== 1) throw new Error("expected 1 correct");
 * if (accuracy(yHat, y) / y.shape[0] !== 0.5) throw new Error("expected 0.5");
 * ```
 *
 * @example Predicted labels instead of probabilities
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const n = accuracy(tf.tensor1d([2, 1, 0], "int32"), tf.tensor1d([2, 1, 1], "int32"));
 * if (n !== 2) throw new Error(`expected 2, got ${n}`);
 * ```
 *
 * @param yHat probabilities `[batch, classes]`, or predicted labels `[batch]` / `[batch, 1]`.
 * @param y labels `[batch]`, int32 (or float32 whole numbers), in `[0, classes)`.
 * @returns the count of correct predictions, an integer in `[0, batch]`.
 * @throws {TypeError} for a wrong rank or dtype.
 * @throws {RangeError} for mismatched batch sizes or a label that is not a valid class.
 */
export function accuracy(yHat: tf.Tensor, y: tf.Tensor1D): number {
  const classes = checkShapes("accuracy", yHat, y);
  const counts = tf.tidy(() => correctAndInvalid(yHat, y, classes));
  const [correct, invalid] = counts.dataSync();
  counts.dispose();
  if (invalid > 0) throw labelError("accuracy", y, classes);
  return correct;
}

/**
 * `n` running sums (the book's `Accumulator`): `add` adds one number to each, `get(i)` reads
 * sum `i`, `reset` sets them all back to 0.
 *
 * @example Sum (correct, examples) over batches
 * ```ts
 * const metric = new Accumulator(2);
 * metric.add(1, 2);
 * metric.add(3, 4);
 * if (metric.get(0) / metric.get(1) !== 4 / 6) throw new Error();
 * metric.reset();
 * if (metric.get(0) !== 0 || metric.length !== 2) throw new Error();
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
   * if (a.get(2) !== 256) throw new Error();
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
   * if (a.get(0) !== 0) throw new Error();
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
   * if (a.get(1) !== 2) throw new Error();
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
        const classes = checkShapes("evaluateAccuracy", yHat, y);
        const batch = correctAndInvalid(yHat, y, classes);
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

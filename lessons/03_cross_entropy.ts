/**
 * Lesson 3: the cross-entropy loss, and picking each example's true-class probability.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.4 "Defining the loss
 * function".
 *
 * Cross-entropy is the negative log-likelihood of the true label. With a one-hot label vector
 * `y` (1 at the true class, 0 elsewhere) and predicted probabilities `yHat`:
 *
 * $$
 * l(\mathbf{y}, \hat{\mathbf{y}}) = -\sum_j y_j \log \hat{y}_j = -\log \hat{y}_y
 * $$
 *
 * Only the true class's probability counts, so the loss of a batch is computed in two steps:
 * pick, from each row `i` of `yHat`, the entry in column `y_i`; then take `-log` of it. The
 * book does the picking with one indexing operation instead of a Python loop:
 *
 * ```text
 * y    = [0, 2]
 * yHat = [[0.1, 0.3, 0.6],
 *         [0.3, 0.2, 0.5]]
 * yHat[[0, 1], y]          = [0.1, 0.5]
 * cross_entropy(yHat, y)   = [-log 0.1, -log 0.5] = [2.3026, 0.6931]
 * ```
 *
 * The loss is one number per example (shape `[batch]`); training (lesson 5) sums it over the
 * batch before differentiating.
 *
 * TensorFlow.js has no `yHat[range(n), y]` indexing, so {@linkcode pickTrueClass} builds a
 * boolean mask that is true exactly at `(i, y_i)` (a one-hot matrix), keeps `yHat` there and
 * 0 elsewhere (`tf.where`), and sums each row. Two alternatives were rejected on purpose:
 * `tf.gather` on the flattened matrix picks the same values, but needs the flat index of every
 * pick and, for its gradient, a scatter-add over the whole matrix; multiplying by the
 * one-hot matrix is differentiable too, but `0 * NaN` and `0 * Infinity` are `NaN`, so a bad
 * value in a *wrong* class would poison the pick. The mask keeps the book's semantics: only
 * the true class's entry is read, and the gradient flows to exactly that entry
 * (`d(-log p)/dp = -1/p`, zero elsewhere, as long as `p > 0`: see {@linkcode crossEntropy}).
 *
 * Two details keep this cheap inside the training loop, where it runs for every batch. The
 * labels are read once, to check them, and the mask is built from those values (what
 * `tf.oneHot` computes, without its three backend operations). And the entries outside the
 * mask come from a constant `tf.zeros`, not from `tf.zerosLike(yHat)`: a zero *computed from*
 * `yHat` is a second path from the parameters to the loss, which autodiff would differentiate
 * too, only to add a gradient of zero.
 *
 * Like the book, this loss takes probabilities, so it inherits the naive softmax's problems: a
 * true-class probability of exactly 0 (an underflowed softmax) gives a loss of `Infinity`.
 * Computing the loss from logits with log-sum-exp avoids that; it is one of the exercises.
 *
 * @example The book's outputs
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(pickTrueClass(yHat, y), [0.1, 0.5]);
 * assertClose(crossEntropy(yHat, y), [2.3026, 0.6931], { atol: 1e-4 });
 * [pickTrueClass(yHat, y), crossEntropy(yHat, y)]; // the values a notebook prints
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

/**
 * A loss: per-example losses `[batch]` from predictions `[batch, classes]` and labels `[batch]`.
 */
export type Loss = (yHat: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D;

function shapeOf(value: unknown): string {
  if (value instanceof tf.Tensor) return `shape [${value.shape.join(", ")}]`;
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/**
 * Checks predictions and labels as {@linkcode pickTrueClass} and {@linkcode crossEntropy} take
 * them (and lesson 7's gradient): `yHat` a float32 `[batch, classes]`, `y` `[batch]` integer
 * labels in `[0, classes)`. Returns the labels, read once from `y`.
 *
 * @example A label outside the classes is named
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * if (checkLabels("f", yHat, tf.tensor1d([0, 2], "int32")).length !== 2) throw new Error("labels");
 * let message = "";
 * try {
 *   checkLabels("f", yHat, tf.tensor1d([0, 3], "int32"));
 * } catch (error) {
 *   message = String(error);
 * }
 * if (!message.includes("found 3 at index 1")) throw new Error(`unexpected: ${message}`);
 * ```
 *
 * @param fn the function checking, named in the errors.
 * @throws {TypeError} for a wrong rank or dtype.
 * @throws {RangeError} for mismatched batch sizes, or a label that is not an integer in
 *   `[0, classes)`.
 */
export function checkLabels(fn: string, yHat: tf.Tensor2D, y: tf.Tensor1D): ArrayLike<number> {
  if (!(yHat instanceof tf.Tensor) || yHat.rank !== 2) {
    throw new TypeError(
      `Cannot compute ${fn}: expected yHat to be a rank-2 tensor [batch, classes], got ${
        shapeOf(yHat)
      }`,
    );
  }
  if (yHat.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected yHat to hold float32 probabilities, got ${yHat.dtype}`,
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
  const [batch, classes] = yHat.shape;
  if (y.shape[0] !== batch) {
    throw new RangeError(
      `Cannot compute ${fn}: mismatched batch sizes: yHat has ${batch} rows (shape [${
        yHat.shape.join(", ")
      }]) but y has ${y.shape[0]} labels; pass the labels of the same batch`,
    );
  }
  const labels = y.dataSync();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(
        `Cannot compute ${fn}: labels must be integers in [0, ${classes}) (one per class of ` +
          `yHat), found ${label} at index ${i} of y`,
      );
    }
  }
  return labels;
}

/**
 * Picks `yHat[i, y[i]]` for every row `i`: the probability each example gives its true class
 * (the book's `y_hat[range(len(y_hat)), y]`).
 *
 * Differentiable: the gradient of the picked value flows to `yHat[i, y[i]]` only. Entries of
 * other classes are never read, so a `NaN` or `Infinity` there does not reach the result.
 *
 * @example The book's output
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(pickTrueClass(yHat, tf.tensor1d([0, 2], "int32")), [0.1, 0.5]);
 * ```
 *
 * @example The gradient reaches only the picked entries
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const grad = tf.grad((p) => tf.sum(pickTrueClass(p as tf.Tensor2D, y)));
 * assertClose(grad(tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])), [[1, 0, 0], [0, 0, 1]]);
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`, float32.
 * @param y labels `[batch]`: int32 (or float32 holding whole numbers) in `[0, classes)`.
 * @returns `[batch]`, float32.
 * @throws {TypeError} for a wrong rank or dtype.
 * @throws {RangeError} for mismatched batch sizes, or a label that is not an integer in
 *   `[0, classes)`.
 */
export function pickTrueClass(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  const labels = checkLabels("pickTrueClass", yHat, y);
  return tf.tidy(() => pick(yHat, labels));
}

/**
 * The pick itself, for arguments already checked; `labels` are `y`'s values. Call inside
 * `tf.tidy`.
 */
function pick(yHat: tf.Tensor2D, labels: ArrayLike<number>): tf.Tensor1D {
  const [batch, classes] = yHat.shape;
  // [batch, classes]: true exactly at (i, y[i]), the one-hot matrix of the labels.
  const oneHot = new Uint8Array(batch * classes);
  for (let i = 0; i < batch; i++) oneHot[i * classes + labels[i]] = 1;
  const isTrueClass = tf.tensor2d(oneHot, [batch, classes], "bool");
  // A constant 0 elsewhere: nothing for autodiff to follow back to the parameters.
  const picked = tf.where(isTrueClass, yHat, tf.zeros([batch, classes])); // [batch, classes]
  return tf.sum(picked, 1) as tf.Tensor1D; // [batch]: the one kept entry per row
}

/**
 * The cross-entropy loss per example: `-log(yHat[i, y[i]])` (the book's `cross_entropy`).
 *
 * Differentiable (this is what trains the model): `d loss_i / d yHat[i, y[i]] = -1 / yHat[i,
 * y[i]]`, zero for the other entries. A true-class probability of 0 gives a loss of
 * `Infinity`, a gradient of `-Infinity` there and `NaN` at the row's other entries: tfjs's
 * gradient of `tf.where` multiplies the row's incoming `-Infinity` by the mask's 0, and
 * `0 · Infinity` is `NaN`. One such example is enough to make every weight `NaN` after a step
 * (book exercise 2).
 *
 * @example The book's output
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * const y = tf.tensor1d([0, 2], "int32");
 * assertClose(crossEntropy(yHat, y), [2.3026, 0.6931], { atol: 1e-4 });
 * assertClose(crossEntropy(yHat, y), [-Math.log(0.1), -Math.log(0.5)], { rtol: 1e-6 });
 * ```
 *
 * @example Its gradient is -1/p at the true class
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const grad = tf.grad((p) => tf.sum(crossEntropy(p as tf.Tensor2D, y)));
 * assertClose(
 *   grad(tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])),
 *   [[-10, 0, 0], [0, 0, -2]],
 *   { rtol: 1e-5 },
 * );
 * // p = 0 at the true class: -Infinity there, NaN beside it (0 · Infinity in where's gradient).
 * assertClose(grad(tf.tensor2d([[0, 0.4, 0.6], [0.3, 0.2, 0.5]])), [[-Infinity, NaN, NaN], [0, 0, -2]]);
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`, float32.
 * @param y labels `[batch]`: int32 (or float32 holding whole numbers) in `[0, classes)`.
 * @returns per-example losses `[batch]`, float32, each `>= 0` for probabilities in `(0, 1]`.
 * @throws {TypeError} for a wrong rank or dtype.
 * @throws {RangeError} for mismatched batch sizes, or a label that is not an integer in
 *   `[0, classes)`.
 */
export function crossEntropy(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  const labels = checkLabels("crossEntropy", yHat, y);
  return tf.tidy(() => tf.neg(tf.log(pick(yHat, labels))));
}

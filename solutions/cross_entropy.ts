/**
 * Re-implementation of lesson 3 (solution): picking the true class's probability, and the
 * cross-entropy loss.
 *
 * Cross-entropy with a one-hot label is `−log yHat[i, y_i]`: only the true class's
 * probability matters. The book picks those entries with one fancy-indexing expression,
 * `y_hat[range(n), y]`. tfjs has no such indexing, so {@linkcode pickTrueClass} builds a
 * boolean one-hot mask (true at `(i, y_i)`), keeps `yHat` there and 0 elsewhere with
 * `tf.where`, and sums each row (one non-zero per row).
 *
 * Why a mask with `tf.where` and not the alternatives:
 * - `tf.gather` on the flattened matrix picks the same values, but it needs the flat index of
 *   every pick, and its gradient a scatter-add (`UnsortedSegmentSum`, a kernel tfjs's wasm
 *   backend lacks: the kit runs tfjs's cpu kernel for it, `lib/wasm_on_cpu.ts`);
 * - multiplying by the one-hot matrix is differentiable, but `0 · NaN` and `0 · Infinity` are
 *   `NaN`, so a bad value in a *wrong* class would poison the pick, which the book's indexing
 *   never reads. `tf.where` selects instead of multiplying.
 *
 * The labels are validated first (integers in `[0, classes)`, one per row): a label of 10
 * with 10 classes would otherwise give an all-zero one-hot row and a silent loss of
 * `−log 0 = Infinity`.
 *
 * @example The book's outputs
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropy, pickTrueClass } from "./cross_entropy.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(pickTrueClass(yHat, y), [0.1, 0.5]);
 * assertClose(crossEntropy(yHat, y), [2.3026, 0.6931], { atol: 1e-4 });
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";

/** Validates `yHat [batch, classes]` and `y [batch]` with labels in `[0, classes)`. */
function checkArgs(fn: string, yHat: tf.Tensor2D, y: tf.Tensor1D): void {
  if (!(yHat instanceof tf.Tensor) || yHat.rank !== 2) {
    throw new TypeError(
      `Cannot compute ${fn}: expected yHat to be a rank-2 tensor [batch, classes], got ${
        describeValue(yHat)
      }`,
    );
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 1) {
    throw new TypeError(
      `Cannot compute ${fn}: expected y to be labels [batch], got ${describeValue(y)}`,
    );
  }
  const [batch, classes] = yHat.shape;
  if (y.shape[0] !== batch) {
    throw new RangeError(
      `Cannot compute ${fn}: mismatched batch sizes: yHat has ${batch} rows but y has ${
        y.shape[0]
      } labels`,
    );
  }
  const labels = y.dataSync();
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes) {
      throw new RangeError(
        `Cannot compute ${fn}: labels must be integers in [0, ${classes}), found ${
          labels[i]
        } at index ${i} of y`,
      );
    }
  }
}

/**
 * `yHat[i, y[i]]` for every row `i` (the book's `y_hat[range(len(y_hat)), y]`),
 * differentiable, reading only the true classes' entries.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { pickTrueClass } from "./cross_entropy.ts";
 * const picked = pickTrueClass(tf.tensor2d([[0.1, NaN], [0.3, 0.7]]), tf.tensor1d([0, 1], "int32"));
 * assertClose(picked, [0.1, 0.7]); // the NaN of a wrong class is never read
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns `[batch]`.
 * @throws {TypeError} for a wrong rank; {RangeError} for mismatched batch sizes or a bad label.
 */
export function pickTrueClass(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  checkArgs("pickTrueClass", yHat, y);
  return tf.tidy(() => {
    // [batch, classes] booleans: true exactly at (i, y_i). (Not tf.oneHot: it refuses a
    // single class, and a [batch, 1] yHat is a valid, if trivial, input.)
    const classes = tf.range(0, yHat.shape[1], 1, "int32"); // [classes]
    const isTrue = tf.equal(tf.reshape(tf.cast(y, "int32"), [-1, 1]), classes);
    return tf.sum(tf.where(isTrue, yHat, tf.zerosLike(yHat)), 1) as tf.Tensor1D;
  });
}

/**
 * The cross-entropy per example, `−log yHat[i, y[i]]` (the book's `cross_entropy`).
 * Its gradient with respect to `yHat` is `−1 / yHat[i, y_i]` at the true class, 0 elsewhere.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropy } from "./cross_entropy.ts";
 * const loss = crossEntropy(tf.tensor2d([[0.5, 0.5]]), tf.tensor1d([1], "int32"));
 * assertClose(loss, [Math.LN2]);
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns losses `[batch]`.
 * @throws what {@linkcode pickTrueClass} throws.
 */
export function crossEntropy(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.log(pickTrueClass(yHat, y))));
}

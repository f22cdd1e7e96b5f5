/**
 * Re-implementation of lesson 4's `accuracy` (solution): the number of correct predictions
 * in a batch.
 *
 * A prediction is the class with the highest probability, `argmax_j yHat_ij`; it is correct
 * when it equals the label. The book's `accuracy` returns the **count** of correct
 * predictions, not the fraction: counts from batches of different sizes (the last one is
 * smaller) can be added and divided once by the total; averaging per-batch fractions would
 * over-weight the small last batch.
 *
 * Two more points from the book:
 * - when `yHat` already holds predicted labels (a vector, or one column), there is nothing to
 *   argmax; only a matrix with more than one column holds probabilities;
 * - the dtype point: `argMax` returns int32, while labels may be float32 (whole numbers).
 *   The predictions are cast to `y`'s dtype before comparing, so the comparison is exact in
 *   one dtype.
 *
 * The count is read back to JavaScript (`dataSync`) once, as a plain number. Labels that are
 * no class (`3` with three classes, `-1`, `1.5`, `NaN`) throw a `RangeError`, as in lesson 4:
 * counted as wrong they would silently lower the accuracy.
 *
 * @example The book's output
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { accuracy } from "./accuracy.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * if (accuracy(yHat, y) / y.shape[0] !== 0.5) throw new Error("unexpected: accuracy(yHat, y) / y.shape[0] !== 0.5");
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";

/**
 * Checks that every label is a class: an integer in `[0, classes)` when `yHat` holds
 * probabilities of `classes` classes, a whole number `>= 0` when it holds predicted labels.
 */
function checkLabels(y: tf.Tensor1D, classes: number | undefined): void {
  const labels = y.dataSync();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      const range = classes === undefined ? "whole numbers >= 0" : `integers in [0, ${classes})`;
      throw new RangeError(
        `Cannot compute accuracy: labels must be ${range}, found ${label} at index ${i} of y`,
      );
    }
  }
}

/**
 * The number of correct predictions in a batch (the book's `accuracy`): argmax of each row
 * when `yHat` is a matrix of probabilities, else `yHat` is taken as predicted labels.
 *
 * @example Predicted labels instead of probabilities
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { accuracy } from "./accuracy.ts";
 * if (accuracy(tf.tensor1d([2, 1, 0], "int32"), tf.tensor1d([2, 1, 1], "int32")) !== 2) {
 *   throw new Error("expected 2 correct");
 * }
 * ```
 *
 * @param yHat probabilities `[batch, classes]`, or predicted labels `[batch]` / `[batch, 1]`.
 * @param y labels `[batch]`.
 * @returns the count of correct predictions, an integer in `[0, batch]`.
 * @throws {TypeError} for a wrong rank; {RangeError} for mismatched batch sizes, or a label
 *   that is not a class (not an integer in `[0, classes)`, or not a whole number `>= 0` when
 *   `yHat` holds predicted labels), as lesson 4's `accuracy`.
 */
export function accuracy(yHat: tf.Tensor, y: tf.Tensor1D): number {
  if (!(yHat instanceof tf.Tensor) || yHat.rank < 1 || yHat.rank > 2) {
    throw new TypeError(
      `Cannot compute accuracy: expected yHat [batch, classes] or [batch], got ${
        describeValue(yHat)
      }`,
    );
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 1) {
    throw new TypeError(
      `Cannot compute accuracy: expected y to be labels [batch], got ${describeValue(y)}`,
    );
  }
  if (yHat.shape[0] !== y.shape[0]) {
    throw new RangeError(
      `Cannot compute accuracy: mismatched batch sizes: yHat has ${yHat.shape[0]} rows but y has ${
        y.shape[0]
      } labels`,
    );
  }
  // As the book: only a matrix with more than one column holds probabilities.
  const classes = yHat.rank === 2 && yHat.shape[1]! > 1 ? yHat.shape[1] : undefined;
  checkLabels(y, classes); // a label that is no class would silently count as wrong
  const count = tf.tidy(() => {
    const predicted = classes !== undefined ? tf.argMax(yHat, 1) : tf.reshape(yHat, [-1]);
    const correct = tf.equal(tf.cast(predicted, y.dtype), y); // the dtype point: compare in y's dtype
    return tf.sum(tf.cast(correct, "int32"));
  });
  const n = count.dataSync()[0];
  count.dispose();
  return n;
}

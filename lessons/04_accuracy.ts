/**
 * Lesson 4: classification accuracy on one batch.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.5 "Classification
 * accuracy" (first half; the second half, accuracy over a whole data set, is
 * `04_evaluate_accuracy.ts`).
 *
 * The model outputs a probability for every class; to *classify*, it predicts the class with
 * the highest probability, $\operatorname{argmax}_j \hat{y}_{ij}$. A prediction is correct when it equals the
 * label. Accuracy is the fraction of correct predictions:
 *
 * $$
 * \mathrm{accuracy} = \frac{1}{n} \sum_i \mathbf{1}\left[\operatorname{argmax}_j \hat{y}_{ij} = y_i\right]
 * $$
 *
 * Accuracy cannot be optimised directly (it is piecewise constant, so its gradient is 0 almost
 * everywhere), which is why training minimises cross-entropy instead; but it is the number we
 * care about.
 *
 * {@linkcode accuracy}`(yHat, y)` returns the **count** of correct predictions in a batch (not
 * the fraction), so that counts from batches of different sizes can be added. When `yHat` is a
 * matrix it first takes the argmax of each row. Then comes the book's dtype point: the
 * comparison `==` is sensitive to data types, so the predictions are converted to `y`'s dtype
 * before comparing. (tfjs's `tf.equal` would quietly upcast an int32/float32 pair; the explicit
 * cast keeps the comparison where the book puts it, in `y`'s dtype.) With the book's example,
 * `accuracy(yHat, y) / len(y)` is `0.5`: the first row predicts class 2 (label 0, wrong), the
 * second predicts class 2 (label 2, right).
 *
 * Speed: the book reads each batch's count back into Python (`float(...)`), one device
 * round-trip per batch. {@linkcode countCorrect} is the tensor-valued count that stays on the
 * tfjs backend, for loops that add counts over many batches (`evaluateAccuracy`, training);
 * {@linkcode countCorrectAndInvalid} also counts labels that are not valid classes, so such a
 * loop can check its labels without a second read-back.
 *
 * @example The book's outputs
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * const fraction = accuracy(yHat, y) / y.shape[0];
 * if (fraction !== 0.5) throw new Error(`expected 0.5, got ${fraction}`);
 * fraction; // the value a notebook prints
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

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
  const correct = tf.sum(tf.cast(tf.equal(predictions(yHat, y, classes), y), "int32"));
  let invalid = tf.less(y, 0); // [batch] bool
  if (y.dtype === "float32") invalid = tf.logicalOr(invalid, tf.notEqual(y, tf.floor(y)));
  if (classes !== undefined) invalid = tf.logicalOr(invalid, tf.greaterEqual(y, classes));
  return tf.stack([correct, tf.sum(tf.cast(invalid, "int32"))]) as tf.Tensor1D;
}

/**
 * `[2]` int32 on the backend: the number of correct predictions and the number of labels that
 * are not valid classes (negative, not whole, or `>= classes`), without reading anything back.
 * A loop over batches adds these up and checks the second count once, at the end (lesson 4's
 * `evaluateAccuracy`).
 *
 * @example One correct prediction, one label outside the three classes
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(countCorrectAndInvalid(yHat, tf.tensor1d([2, 3], "int32")), [1, 1]);
 * ```
 *
 * @param yHat probabilities `[batch, classes]`, or predicted labels `[batch]` / `[batch, 1]`.
 * @param y labels `[batch]`, int32 (or float32 whole numbers).
 * @param fn the caller's name, for error messages. Default `"countCorrectAndInvalid"`.
 * @returns an int32 tensor `[2]`: correct, invalid; the caller owns it.
 * @throws {TypeError} for a wrong rank or dtype; {RangeError} for mismatched batch sizes.
 */
export function countCorrectAndInvalid(
  yHat: tf.Tensor,
  y: tf.Tensor1D,
  fn = "countCorrectAndInvalid",
): tf.Tensor1D {
  const classes = checkShapes(fn, yHat, y);
  return tf.tidy(() => correctAndInvalid(yHat, y, classes));
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
 * A row holding `NaN` (a diverged model) predicts whatever tfjs's `argMax` returns for it,
 * which is not NumPy's rule: tfjs compares with `>`, which is false for `NaN`, so it picks a
 * `NaN` only when it is the row's first entry (`[1, NaN, 3]` predicts 2), while NumPy's
 * `argmax` returns the first `NaN` (1). Such rows still count, right or wrong; watch the loss,
 * which is `NaN` too, rather than the accuracy.
 *
 * @example A NaN is picked only when it comes first
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const yHat = tf.tensor2d([[1, NaN, 3], [NaN, 1, 3]]);
 * if (accuracy(yHat, tf.tensor1d([2, 0], "int32")) !== 2) throw new Error("expected 2 correct");
 * ```
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

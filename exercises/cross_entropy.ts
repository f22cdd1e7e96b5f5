// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 3: picking each example's true-class probability, and the
 * cross-entropy loss.
 *
 * With `y = [0, 2]` and `yHat = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]`:
 *
 * - {@linkcode pickTrueClass} gives `[0.1, 0.5]` (the book's `y_hat[[0, 1], y]`);
 * - {@linkcode crossEntropy} gives `[−log 0.1, −log 0.5] = [2.3026, 0.6931]`.
 *
 * tfjs has no `yHat[range(n), y]` indexing: build a boolean mask that is true exactly at
 * `(i, y[i])` and use it to select (`tf.where`), not to multiply (`0 · NaN` is `NaN`).
 * `tf.oneHot` builds such a mask but refuses a single class, which a `[batch, 1]` yHat has.
 * Validate the labels: a label outside `[0, classes)` must be a clear `RangeError`, not a
 * silent `Infinity`.
 *
 * TensorFlow.js's own `tf.losses.softmaxCrossEntropy` is refused here (the check and the grader
 * fail a case that calls it): build it yourself.
 *
 * `deno task check cross_entropy` checks your work; `solutions/cross_entropy.ts` is the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/**
 * `yHat[i, y[i]]` for every row `i`, differentiable.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { pickTrueClass } from "./cross_entropy.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(pickTrueClass(yHat, tf.tensor1d([0, 2], "int32")), [0.1, 0.5]);
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns `[batch]`.
 */
export function pickTrueClass(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  // TODO: validate shapes and labels; then yHat[i, y[i]] for every row i, with tensor
  // operations that autodiff can follow.
  return todo("pickTrueClass");
}

/**
 * The cross-entropy per example, `−log yHat[i, y[i]]`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropy } from "./cross_entropy.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(crossEntropy(yHat, tf.tensor1d([0, 2], "int32")), [2.3026, 0.6931], { atol: 1e-4 });
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns losses `[batch]`.
 */
export function crossEntropy(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  // TODO: the book's loss of every example, from pickTrueClass.
  return todo("crossEntropy");
}

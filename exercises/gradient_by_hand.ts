// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 7: the gradient of softmax regression, by hand.
 *
 * The derivative of an example's cross-entropy with respect to its logits is the predicted
 * probabilities minus the one-hot label (lesson 7, or the book's §3.4.6.2):
 *
 * - {@linkcode logitGradient}`(yHat, y)`: with `y = [0, 2]` and
 *   `yHat = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]` it gives `[[-0.9, 0.3, 0.6], [0.3, 0.2, -0.5]]`;
 * - {@linkcode gradByHand}`(params, X, y)`: the gradients of the batch's *mean* loss with
 *   respect to `W` and `b`, from the chain rule through `O = XW + b`; they must equal what
 *   `tf.variableGrads` finds for lesson 2's model and lesson 3's loss.
 *
 * Use tensor operations, not autodiff (`tf.grad`, `tf.variableGrads`): the point is to write
 * the gradient down. You may import lessons 1–6 (lesson 2's `softmax`, lesson 3's checks).
 * The checks also ask for a `RangeError` (or `TypeError`) naming a bad label (below 0, or not
 * a class) or a batch of the wrong size, for one class (`yHat` of shape `[n, 1]`; `tf.oneHot`
 * refuses a depth of 1), parameters left as they were, and no leftover tensors.
 *
 * Autodiff (`tf.grad`, `tf.variableGrads`, an optimizer's `minimize`) is refused here (the check
 * and the grader fail a case that uses it): the gradient is yours to write.
 *
 * `deno task check gradient_by_hand` checks your work; `solutions/gradient_by_hand.ts` is the
 * answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";
import type { Params } from "../lessons/02_softmax.ts";

/**
 * `softmax(o) − onehot(y)` for every example, from the probabilities `yHat = softmax(o)`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logitGradient } from "./gradient_by_hand.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(logitGradient(yHat, tf.tensor1d([0, 2], "int32")), [[-0.9, 0.3, 0.6], [0.3, 0.2, -0.5]]);
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns `[batch, classes]`.
 */
export function logitGradient(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor2D {
  // TODO: check the labels; then subtract 1 from yHat at each row's true class.
  return todo("logitGradient");
}

/**
 * The gradients of the batch's mean cross-entropy with respect to `W` and `b`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { gradByHand } from "./gradient_by_hand.ts";
 * const params = { W: tf.variable(tf.zeros<tf.Rank.R2>([2, 2])), b: tf.variable(tf.zeros<tf.Rank.R1>([2])) };
 * const { dW, db } = gradByHand(params, tf.tensor2d([[3, 4]]), tf.tensor1d([1], "int32"));
 * assertClose(db, [0.5, -0.5]);
 * assertClose(dW, [[1.5, -1.5], [2, -2]]);
 * ```
 *
 * @param params `W` `[numInputs, numOutputs]` and `b` `[numOutputs]`.
 * @param X a batch `[n, …]` of `numInputs` values per example.
 * @param y labels `[n]`.
 * @returns `dW` `[numInputs, numOutputs]` and `db` `[numOutputs]`.
 */
export function gradByHand(
  params: Params,
  X: tf.Tensor,
  y: tf.Tensor1D,
): { dW: tf.Tensor2D; db: tf.Tensor1D } {
  // TODO: the model's probabilities for X, their gradient with respect to the logits, then
  // the chain rule back to W and b, averaged over the batch.
  return todo("gradByHand");
}

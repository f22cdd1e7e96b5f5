// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 2: the softmax.
 *
 * Write {@linkcode softmax} as the book does, with tensor operations only:
 *
 * ```text
 * softmax(X)_ij = exp(X_ij) / Σ_k exp(X_ik)
 * ```
 *
 * Exponentiate, sum each row with keepdim (exercise `sum_keepdim`), divide by broadcasting.
 * Every entry must be non-negative and every row must sum to 1. The checks also take its
 * gradient (so tensor operations only: values read out with `dataSync` and made into a new
 * tensor have no gradient), try an empty batch and a `NaN`, and ask for a clear
 * error for a tensor that is not a matrix. (The naive version is fine here; book exercises 1–3
 * deal with its overflow.)
 *
 * TensorFlow.js's own `tf.softmax`, and `tf.logSoftmax`, `tf.logSumExp` and
 * `tf.losses.softmaxCrossEntropy`, from which it follows, are refused here (the check and the
 * grader fail a case that calls them): build it yourself.
 *
 * `deno task check softmax` checks your work; `solutions/softmax.ts` is the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/**
 * The softmax of every row of `X`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { softmax } from "./softmax.ts";
 * const e = Math.E;
 * assertClose(softmax(tf.tensor2d([[0, 0], [0, 1]])), [[0.5, 0.5], [1 / (1 + e), e / (1 + e)]]);
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns probabilities `[batch, classes]`, each row summing to 1.
 */
export function softmax(X: tf.Tensor2D): tf.Tensor2D {
  // TODO: check that X is a rank-2 tensor (a TypeError naming its shape otherwise),
  // then the book's softmax of every row, leaving no intermediate tensor behind.
  return todo("softmax");
}

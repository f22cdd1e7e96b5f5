// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Exercise 3 of §3.6: the fixes — a stable softmax, log-sum-exp, log-softmax, and
 * cross-entropy computed from logits.
 *
 * Exercises 1 and 2 broke the naive pipeline: `exp` overflows above about 88.72 (NaN
 * probabilities) and underflows far below the row's maximum (a probability of exactly 0, a
 * loss of `Infinity`, a model full of `NaN`). Write the four functions below so that neither
 * can happen. The identities you need:
 *
 * ```text
 * softmax(z) = softmax(z − c)  for any c             (take c = the row's maximum)
 * log Σ_j exp(z_j) = m + log Σ_j exp(z_j − m)        (log-sum-exp, m = the row's maximum)
 * log softmax(z)_k = z_k − logsumexp(z)
 * cross-entropy(z, y) = logsumexp(z) − z_y           (never form the probability)
 * ```
 *
 * Edge semantics, as SciPy's `scipy.special` defines them (tfjs's own `tf.logSumExp` returns
 * `NaN` for the first two rows; it is refused here anyway, with `tf.softmax`, `tf.logSoftmax`
 * and `tf.losses.softmaxCrossEntropy`):
 *
 * | row of logits            | logSumExp   | stableSoftmax | logSoftmax                     |
 * | ------------------------ | ----------- | ------------- | ------------------------------ |
 * | all `−Infinity`          | `−Infinity` | `NaN`         | `NaN`                          |
 * | contains `+Infinity`     | `+Infinity` | `NaN`         | `NaN` at `+Infinity`, else `−Infinity` |
 * | contains `NaN`           | `NaN`       | `NaN`         | `NaN`                          |
 * | some `−Infinity` entries | finite      | 0 there       | `−Infinity` there              |
 * | logits of ±1000          | finite      | finite        | finite                         |
 *
 * `crossEntropyFromLogits` must also have a correct gradient with respect to the logits (the
 * check compares it with finite differences): either let autodiff work through your
 * tensor operations, or supply `softmax(z) − onehot(y)` yourself with `tf.customGrad`.
 * Finally the check trains the lesson's model on logits with your loss: it must reach the
 * same accuracy as the lesson's softmax + cross-entropy.
 *
 * `deno task check stable_softmax` checks your work; `solutions/stable_softmax.ts` explains.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/**
 * Softmax of every row, computed as `softmax(z − max(z))` so that no `exp` overflows.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { stableSoftmax } from "./stable_softmax.ts";
 * assertClose(stableSoftmax(tf.tensor2d([[1000, 0], [-1000, -1000]])), [[1, 0], [0.5, 0.5]]);
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns probabilities `[batch, classes]`.
 */
export function stableSoftmax(X: tf.Tensor2D): tf.Tensor2D {
  // TODO: the softmax of every row, with no exp overflowing (see the identities above).
  return todo("stableSoftmax");
}

/**
 * `log Σ_j exp(X_ij)` of every row, without overflow, with the edge semantics above.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logSumExp } from "./stable_softmax.ts";
 * const X = tf.tensor2d([[-Infinity, -Infinity], [Infinity, 0], [1000, 1000]]);
 * assertClose(logSumExp(X), [-Infinity, Infinity, 1000 + Math.LN2], { rtol: 1e-6 });
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns `[batch]`, float32.
 */
export function logSumExp(X: tf.Tensor2D): tf.Tensor1D {
  // TODO: the log-sum-exp of every row, with the edge semantics of the table above.
  return todo("logSumExp");
}

/**
 * `log softmax(X)` of every row, finite for finite logits.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logSoftmax } from "./stable_softmax.ts";
 * assertClose(logSoftmax(tf.tensor2d([[0, -1000]])), [[0, -1000]], { rtol: 1e-6 });
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns log-probabilities `[batch, classes]`, each `<= 0`.
 */
export function logSoftmax(X: tf.Tensor2D): tf.Tensor2D {
  // TODO: the log-softmax of every row, finite for finite logits, as the table above says.
  return todo("logSoftmax");
}

/**
 * The cross-entropy loss of every example computed from logits: `logsumexp(z_i) − z_i[y_i]`,
 * differentiable with respect to the logits.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropyFromLogits } from "./stable_softmax.ts";
 * const loss = crossEntropyFromLogits(tf.tensor2d([[-120, 0]]), tf.tensor1d([0], "int32"));
 * assertClose(loss, [120], { rtol: 1e-6 }); // the naive loss is Infinity here
 * ```
 *
 * @param logits `[batch, classes]`, float32.
 * With a single class (logits `[batch, 1]`) every loss and gradient is 0: that class has
 * probability 1. (`tf.oneHot` refuses a depth of 1.)
 *
 * @param y labels `[batch]`, int32, in `[0, classes)`.
 * @returns per-example losses `[batch]`, float32.
 */
export function crossEntropyFromLogits(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  // TODO: the loss of every example from its logits, without ever forming a probability.
  // Check that y's labels are valid classes (a RangeError naming a bad one).
  return todo("crossEntropyFromLogits");
}

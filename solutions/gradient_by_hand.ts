/**
 * Re-implementation of lesson 7 (solution): the gradient of softmax regression, by hand.
 *
 * Two lines of algebra replace autodiff's tape: the gradient with respect to the logits is
 * `Ŷ − Y`, and since `O = XW + b`, the chain rule gives `dW = Xᵀ(Ŷ − Y)/n` and
 * `db = Σ_i (ŷ_i − y_i)/n` for the mean loss. The `/n` is where a hand gradient usually goes
 * wrong: `tf.variableGrads` of `mean(loss)` divides by the batch size, of `sum(loss)` does not.
 *
 * The one-hot matrix is built from the labels' values (read once, to check them), so the
 * subtraction is one tensor operation and nothing depends on `tf.oneHot`, which refuses a
 * single class. The probabilities come from lesson 2's softmax, so the result is the gradient
 * of exactly the model autodiff differentiates in lesson 5.
 *
 * @example The book's two examples
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logitGradient } from "./gradient_by_hand.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * assertClose(logitGradient(yHat, tf.tensor1d([0, 2], "int32")), [[-0.9, 0.3, 0.6], [0.3, 0.2, -0.5]], { atol: 1e-7 });
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { type Params, softmax } from "../lessons/02_softmax.ts";
import { checkLabels } from "../lessons/03_cross_entropy.ts";

/**
 * `softmax(o) − onehot(y)` for every example, from the probabilities `yHat = softmax(o)`.
 *
 * @example A confident right answer has almost no gradient
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logitGradient } from "./gradient_by_hand.ts";
 * assertClose(logitGradient(tf.tensor2d([[0.99, 0.01]]), tf.tensor1d([0], "int32")), [[-0.01, 0.01]], { atol: 1e-7 });
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`, float32.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns `[batch, classes]`.
 * @throws {TypeError} for a wrong rank or dtype; {RangeError} for mismatched batch sizes or a
 *   label outside `[0, classes)` (lesson 3's checks).
 */
export function logitGradient(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor2D {
  const labels = checkLabels("logitGradient", yHat, y);
  const [batch, classes] = yHat.shape;
  const oneHot = new Float32Array(batch * classes); // [batch, classes]
  for (let i = 0; i < batch; i++) oneHot[i * classes + labels[i]] = 1;
  return tf.tidy(() => tf.sub(yHat, tf.tensor2d(oneHot, [batch, classes])));
}

/**
 * The gradients of the batch's mean cross-entropy with respect to `W` and `b`:
 * `dW = Xᵀ(Ŷ − Y)/n`, `db = Σ_i (ŷ_i − y_i)/n`, with `Ŷ = softmax(XW + b)`.
 *
 * @example One example, worked by hand
 * ```ts
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
 * @returns `dW` and `db`, new tensors.
 * @throws {TypeError} when `X`'s examples do not hold `numInputs` values; {RangeError} for a
 *   bad label or a batch size that does not match.
 */
export function gradByHand(
  params: Params,
  X: tf.Tensor,
  y: tf.Tensor1D,
): { dW: tf.Tensor2D; db: tf.Tensor1D } {
  const [numInputs] = params.W.shape;
  if (!(X instanceof tf.Tensor) || X.rank < 1 || X.size !== X.shape[0] * numInputs) {
    const found = X instanceof tf.Tensor ? `shape [${X.shape.join(", ")}]` : typeof X;
    throw new TypeError(
      `Cannot compute gradByHand: expected X to be a batch [n, …] of ${numInputs} values per ` +
        `example (W has ${numInputs} rows), got ${found}`,
    );
  }
  const n = X.shape[0];
  return tf.tidy(() => {
    const flat = tf.reshape(X, [n, numInputs]) as tf.Tensor2D; // [n, numInputs]
    const yHat = softmax(tf.add(tf.matMul(flat, params.W), params.b) as tf.Tensor2D); // [n, q]
    const G = logitGradient(yHat, y); // [n, q]
    return {
      dW: tf.div(tf.matMul(flat, G, true, false), n) as tf.Tensor2D, // [numInputs, q]
      db: tf.div(tf.sum(G, 0), n) as tf.Tensor1D, // [q]
    };
  });
}

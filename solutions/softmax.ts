/**
 * Re-implementation of lesson 2 (solution): the softmax, as the book writes it.
 *
 * ```text
 * softmax(X)_ij = exp(X_ij) / Σ_k exp(X_ik)
 * ```
 *
 * Three tensor operations, no loops: `tf.exp` makes every entry positive; the row sums with
 * keepdim (lesson 1) give a `[batch, 1]` column, the normalisation constant of each row; the
 * division broadcasts that column across its row. Every entry is then in `[0, 1]` and every
 * row sums to 1 (up to float32 rounding). Because it is made of differentiable operations,
 * autodiff can train through it (lesson 5) — which is why the checks also take its gradient.
 *
 * This is the book's naive version: it does not subtract the row maximum, so a logit above
 * about 88.72 overflows `exp` and turns its row into `NaN`, and a row of logits all below
 * about −104 underflows to `0 / 0`. Book exercises 1–3 (`softmax_overflow`, `log_zero`,
 * `stable_softmax`) measure and fix that; a stable version passes these checks too.
 *
 * @example The book's check on an N(0, 1) input
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { softmax } from "./softmax.ts";
 * const P = softmax(tf.randomNormal([2, 5], 0, 1, "float32", 42) as tf.Tensor2D);
 * if (tf.min(P).dataSync()[0] < 0) throw new Error("negative");
 * assertClose(tf.sum(P, 1), [1, 1], { atol: 1e-6 });
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

/**
 * The softmax of every row of `X` (the book's naive version: no max shift).
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { softmax } from "./softmax.ts";
 * assertClose(softmax(tf.tensor2d([[0, 0]])), [[0.5, 0.5]]);
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns probabilities `[batch, classes]`, each row summing to 1.
 * @throws {TypeError} when `X` is not a rank-2 float32 tensor.
 */
export function softmax(X: tf.Tensor2D): tf.Tensor2D {
  if (!(X instanceof tf.Tensor) || X.rank !== 2) {
    const found = X instanceof tf.Tensor ? `shape [${X.shape.join(", ")}]` : typeof X;
    throw new TypeError(
      `Cannot compute softmax: expected a rank-2 tensor [batch, classes], got ${found}`,
    );
  }
  if (X.dtype !== "float32") {
    throw new TypeError(`Cannot compute softmax: expected float32 logits, got ${X.dtype}`);
  }
  return tf.tidy(() => {
    const XExp = tf.exp(X); // [batch, classes], all > 0 (or Infinity)
    const partition = tf.sum(XExp, 1, true); // [batch, 1]: keepdim, so it divides each row
    return tf.div(XExp, partition);
  });
}

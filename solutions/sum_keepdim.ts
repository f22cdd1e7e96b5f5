/**
 * Re-implementation of lesson 1 (solution): summing along an axis while keeping it.
 *
 * `tf.sum(X, axis, keepDims)` does the arithmetic; what the exercise is about is the shape.
 * With `keepDims = true`, summing `[rows, cols]` over axis 1 gives `[rows, 1]`, not `[rows]`.
 * That column broadcasts back across each row, which is exactly what softmax needs to divide
 * every row by its own sum. A `[rows]` vector would instead broadcast along the *last* axis,
 * dividing column `j` by row `j`'s sum: wrong, and only an error when the matrix is not square.
 *
 * A check a reader might not expect: the rank. A rank-1 tensor would be summed without
 * complaint (`tf.sum(v, 0, true)` is `[1]`), so the mistake would surface far from its cause;
 * a clear `TypeError` here names it.
 *
 * @example The book's output
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { sumKeepdim } from "./sum_keepdim.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assertClose(sumKeepdim(X, 0), [[5, 7, 9]]);
 * assertClose(sumKeepdim(X, 1), [[6], [15]]);
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

/**
 * Sums `X` along `axis`, keeping the reduced axis as length 1: `[rows, cols]` → `[1, cols]`
 * (axis 0) or `[rows, 1]` (axis 1), in `X`'s dtype.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { sumKeepdim } from "./sum_keepdim.ts";
 * if (sumKeepdim(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), 1).shape.join() !== "2,1") throw new Error("unexpected: sumKeepdim(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), 1).shape.join() !== \"2,1\"");
 * ```
 *
 * @param X a matrix `[rows, cols]`.
 * @param axis `0` to sum each column, `1` to sum each row.
 * @returns `[1, cols]` or `[rows, 1]`.
 * @throws {TypeError} when `X` is not a rank-2 tensor; {RangeError} when `axis` is not 0 or 1.
 */
export function sumKeepdim(X: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  if (!(X instanceof tf.Tensor) || X.rank !== 2) {
    const found = X instanceof tf.Tensor ? `shape [${X.shape.join(", ")}]` : typeof X;
    throw new TypeError(
      `Cannot compute sumKeepdim: expected X to be a rank-2 tensor [rows, cols], got ${found}`,
    );
  }
  if (axis !== 0 && axis !== 1) {
    throw new RangeError(`Cannot compute sumKeepdim: axis must be 0 or 1, got ${String(axis)}`);
  }
  return tf.sum(X, axis, true); // keepDims: the reduced axis stays, with length 1
}

/**
 * Lesson 1: summing a matrix along one axis while keeping its rank.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.2 "Defining the
 * softmax operation", opens with a reminder of how a sum reduces a tensor. For the matrix
 *
 * ```text
 * X = [[1, 2, 3],
 *      [4, 5, 6]]          shape [2, 3]
 * ```
 *
 * - summing over axis 0 (down the columns) gives `[[5, 7, 9]]`, shape `[1, 3]`;
 * - summing over axis 1 (along each row) gives `[[6], [15]]`, shape `[2, 1]`;
 * - summing over everything gives the scalar `21`.
 *
 * In symbols, for axis 1: $s_i = \sum_j X_{ij}$. The book writes `X.sum(1, keepdim=True)`:
 * *keepdim* keeps the summed axis with length 1 instead of dropping it, so the result is
 * `[2, 1]` rather than `[2]`. That is what makes the next step work: a `[2, 3]` matrix divided
 * by a `[2, 1]` column broadcasts the column across each row, which is exactly how softmax
 * divides every row by its own sum (lesson 2). Dividing by a `[2]` vector instead would
 * broadcast along the wrong axis (or fail), a classic bug.
 *
 * In TensorFlow.js, `keepdim` is the third argument of `tf.sum(x, axis, keepDims)`.
 *
 * How exact is a float32 sum? It depends on the backend. The wasm backend (the kit's default)
 * adds the values one after another in float32, so its rounding error grows with the number
 * of values: summing 100 000 copies of 0.1 is off by about 1e-4 relative (the example below
 * checks it). The cpu backend adds in JavaScript's float64 and rounds once, to float32's last
 * bit. Over 10 classes the difference is invisible; over a vocabulary of 100 000 words (book
 * exercise 5) a row of probabilities visibly misses 1 on wasm.
 *
 * @example A long float32 sum drifts on wasm
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const total = tf.sum(tf.fill([1, 100_000], 0.1), 1).dataSync()[0];
 * const relative = Math.abs(total - 10_000) / 10_000;
 * if (tf.getBackend() === "wasm" && !(relative > 1e-5 && relative < 1e-3)) {
 *   throw new Error(`wasm: expected a relative error between 1e-5 and 1e-3, got ${relative}`);
 * }
 * if (tf.getBackend() === "cpu" && !(relative < 1e-6)) throw new Error(`cpu: ${relative}`);
 * ```
 *
 * @example The book's two sums, and the sum of every element
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assertClose(sumKeepdim(X, 0), [[5, 7, 9]]); // shape [1, 3]
 * assertClose(sumKeepdim(X, 1), [[6], [15]]); // shape [2, 1]
 * assertClose(tf.sum(X), 21); // every element: a scalar
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

/**
 * Sums `X` along `axis`, keeping the reduced axis as length 1 (the book's
 * `X.sum(axis, keepdim=True)`).
 *
 * Axis 0 sums each column (`[rows, cols]` → `[1, cols]`); axis 1 sums each row
 * (`[rows, cols]` → `[rows, 1]`). The sum over every element is plain `tf.sum(X)`.
 *
 * @example The book's output
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * const cols = sumKeepdim(X, 0);
 * const rows = sumKeepdim(X, 1);
 * assertClose(cols, [[5, 7, 9]]);
 * assertClose(rows, [[6], [15]]);
 * if (cols.shape.join() !== "1,3" || rows.shape.join() !== "2,1") throw new Error("shapes");
 * assertClose(tf.sum(X), 21);
 * [cols, rows]; // the values a notebook prints
 * ```
 *
 * @example Keepdim is what lets a row sum broadcast back over its row
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assertClose(tf.div(X, sumKeepdim(X, 1)), [[1 / 6, 2 / 6, 3 / 6], [4 / 15, 5 / 15, 6 / 15]]);
 * ```
 *
 * @param X a matrix `[rows, cols]`.
 * @param axis `0` to sum each column, `1` to sum each row.
 * @returns `[1, cols]` for axis 0, `[rows, 1]` for axis 1, in `X`'s dtype.
 * @throws {TypeError} when `X` is not a rank-2 tensor.
 * @throws {RangeError} when `axis` is not 0 or 1.
 */
export function sumKeepdim(X: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  if (!(X instanceof tf.Tensor) || X.rank !== 2) {
    const found = X instanceof tf.Tensor ? `shape [${X.shape.join(", ")}]` : typeof X;
    throw new TypeError(
      `Cannot compute sumKeepdim: expected X to be a rank-2 tensor [rows, cols], got ${found}`,
    );
  }
  if (axis !== 0 && axis !== 1) {
    throw new RangeError(
      `Cannot compute sumKeepdim: axis must be 0 (sum each column) or 1 (sum each row), got ${
        String(axis)
      }`,
    );
  }
  return tf.sum(X, axis, true);
}

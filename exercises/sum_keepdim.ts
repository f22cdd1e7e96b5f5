// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 1: summing a matrix along one axis while keeping its rank.
 *
 * Write {@linkcode sumKeepdim}: for `X = [[1, 2, 3], [4, 5, 6]]`, axis 0 gives `[[5, 7, 9]]`
 * (shape `[1, 3]`) and axis 1 gives `[[6], [15]]` (shape `[2, 1]`): the summed axis is kept
 * with length 1 (the book's `X.sum(axis, keepdim=True)`). Read lesson 1
 * (`lessons/01_sum_keepdim.ts`) for why that matters.
 *
 * The checks also ask for: a clear error for a tensor that is not a matrix (naming its
 * shape) and for an axis other than 0 or 1; zeros for an empty axis; no leftover tensors.
 *
 * `deno task check sum_keepdim` checks your work; `solutions/sum_keepdim.ts` is the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/**
 * Sums `X` along `axis`, keeping the reduced axis as length 1: `[rows, cols]` → `[1, cols]`
 * (axis 0) or `[rows, 1]` (axis 1), in `X`'s dtype.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { sumKeepdim } from "./sum_keepdim.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assertClose(sumKeepdim(X, 0), [[5, 7, 9]]);
 * assertClose(sumKeepdim(X, 1), [[6], [15]]);
 * ```
 *
 * @param X a matrix `[rows, cols]`.
 * @param axis `0` to sum each column, `1` to sum each row.
 * @returns `[1, cols]` or `[rows, 1]`.
 */
export function sumKeepdim(X: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  // TODO: check X's rank and the axis (throw a TypeError / RangeError saying what was
  // expected and what was found), then the sum, keeping the summed axis.
  return todo("sumKeepdim");
}

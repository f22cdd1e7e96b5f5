// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Exercise 1 of §3.6: where exactly does the naive softmax break in float32?
 *
 * The book asks what problems the softmax of this section, written straight from its
 * definition, can cause, with a hint: "try computing the size of exp(50)"
 * (提示：尝试计算exp(50)的大小). exp(50) is about 5.2 × 10²¹, still finite in float32: the
 * trouble starts further out. In
 * float32, `exp(x)` has a largest finite value and a smallest non-zero one, so the naive
 * `exp(X_ij) / Σ_k exp(X_ik)` (lesson 2) returns NaN past two edges. Find them by experiment:
 *
 * 1. {@linkcode findOverflowLogit}: the smallest float32 logit `x ≥ 0` for which
 *    `softmax([[x, 0]])` contains a NaN (`exp(x)` overflowed, and `∞ / ∞ = NaN`).
 * 2. {@linkcode findUnderflowLogit}: the largest float32 logit `x ≤ 0` for which a row of
 *    equal logits, `softmax([[x, x]])`, contains a NaN (every `exp` underflowed to 0:
 *    `0 / 0 = NaN`).
 *
 * Both take the softmax as an argument, so they work for any softmax (the checks also try a
 * softmax of `2X`, whose edges are half as far out, and a stable one, which never breaks).
 *
 * Hints: the answers must be exact float32 values: the float32 just before the edge must not
 * break. Guessing decimals will not get there; a bisection will. For non-negative float32s,
 * the 32 bits of the number read as an unsigned integer grow with the value (a `DataView`
 * converts between the two), so you can bisect integers and never miss a float. Then write
 * down, in a comment, *why* the edges are where they are (`ln` of what?).
 *
 * Then think about training, which differentiates through the softmax. tfjs's gradient of
 * `a / b` with respect to `b` is `−a / b²`: at which logits does `b²`, the squared row sum,
 * overflow or underflow, and what does the gradient of `crossEntropy(softmax(z), y)` do
 * there? (Try it with `tf.grad`; the solution gives the exact edges and why they matter.)
 *
 * `deno task check softmax_overflow` checks your work. The solution, with the explanation, is
 * in `solutions/softmax_overflow.ts`: try first.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/** A softmax over the rows of a matrix, as in lesson 2. */
export type SoftmaxFn = (X: tf.Tensor2D) => tf.Tensor2D;

/**
 * The smallest float32 logit `x ≥ 0` at which `softmax([[x, 0]])` contains a NaN, or
 * `Infinity` when the given softmax never breaks this way.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { softmax } from "../lessons/02_softmax.ts";
 * import { findOverflowLogit } from "./softmax_overflow.ts";
 * const x = findOverflowLogit(softmax);
 * if (!(x > 88.72 && x < 88.73)) throw new Error(String(x));
 * ```
 *
 * @param softmax the softmax to probe, e.g. the lesson's naive one.
 * @returns the float32 edge, or `Infinity` if no float32 breaks it.
 */
export function findOverflowLogit(softmax: SoftmaxFn): number {
  // TODO: find the first float32 x >= 0 where softmax([[x, 0]]) has a NaN. Dispose the
  // tensors you create.
  return todo("findOverflowLogit");
}

/**
 * The largest float32 logit `x ≤ 0` at which `softmax([[x, x]])` contains a NaN, or
 * `-Infinity` when the given softmax never breaks this way.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { softmax } from "../lessons/02_softmax.ts";
 * import { findUnderflowLogit } from "./softmax_overflow.ts";
 * const x = findUnderflowLogit(softmax);
 * if (!(x < -103.9 && x > -104)) throw new Error(String(x));
 * ```
 *
 * @param softmax the softmax to probe.
 * @returns the float32 edge (negative), or `-Infinity` if no float32 breaks it.
 */
export function findUnderflowLogit(softmax: SoftmaxFn): number {
  // TODO: the same search on the negative side, with the row [x, x].
  return todo("findUnderflowLogit");
}

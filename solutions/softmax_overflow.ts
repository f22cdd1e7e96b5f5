/**
 * Exercise 1 of §3.6 (solution): where exactly does the naive softmax break in float32?
 *
 * The book asks what problems the softmax written straight from its definition can cause,
 * with a hint: "try computing the size of exp(50)". The lesson's softmax computes
 * `exp(X_ij) / Σ_k exp(X_ik)` as written, and float32 has a largest finite number,
 * `FLT_MAX = (2 − 2⁻²³) · 2¹²⁷ ≈ 3.4028235e38`. So:
 *
 * - `exp(50) ≈ 5.18e21` is fine; nothing breaks for moderate logits.
 * - `exp(x)` is `Infinity` once `x ≥ 88.72283935546875`, the first float32 above
 *   `ln(FLT_MAX) ≈ 88.7228390`. A row `[x, 0]` then becomes `[∞/∞, 1/∞] = [NaN, 0]`.
 * - At the other end, `exp(x)` leaves float32's normal range below `ln(2⁻¹²⁶) ≈ −87.34` and
 *   becomes *subnormal*: fewer and fewer significant bits, so probabilities computed from
 *   such values are already inaccurate. It reaches the smallest subnormal, `2⁻¹⁴⁹ ≈ 1.4e-45`,
 *   at `ln(2⁻¹⁴⁹) ≈ −103.28`, and only rounds to 0 below `ln(2⁻¹⁵⁰) ≈ −103.972`
 *   (round-to-nearest: half the smallest subnormal is the tie point). A row whose entries are
 *   all at or below `−103.97208404541016` is `0 / 0 = NaN`. (A row at `−103.3` is not NaN:
 *   every `exp` is the same `1.4e-45` and the row comes out uniform — still wrong when the
 *   logits differ, but finite.)
 *
 * These are the facts the two functions here *measure* rather than assume: they search the
 * float32 number line for the first logit at which a given softmax returns NaN. The search is
 * a bisection over float32 *bit patterns*: for non-negative floats the bits, read as an
 * integer, increase with the value, so bisecting the integers visits every float32 in order
 * and ends on adjacent floats — about 31 calls instead of billions.
 *
 * ## Training breaks at half these logits
 *
 * Training differentiates through the softmax, and its gradient squares the row sum. tfjs's
 * gradient of `a / b` with respect to `b` is `−a / b²`, so with `b = Σ_k exp(z_k)`:
 *
 * - `b²` overflows once `b > 2⁶⁴ ≈ 1.8e19`, which a logit reaches at `ln(2⁶⁴) ≈ 44.36`, half
 *   of 88.72. From `44.361419677734375` on, the path through the row sum contributes `−0`
 *   instead of `−p`, and the gradient of `crossEntropy(softmax(z), y)` with respect to the
 *   large logit is silently wrong: for `z = [x, 0]` and `y = 1` it is 0 instead of 1. The
 *   forward pass is still exact there, so the loss looks healthy while the step is wrong.
 * - `b²` leaves float32's normal range when `b < 2⁻⁶³`: a row `[x, x]` below about −44.36
 *   gets a gradient computed from a subnormal `b²` (a few bits: for `[x, x]` just above
 *   −52.68 it is `[−0.75, 0.25]` instead of `[−0.5, 0.5]`), and once `b²` rounds to 0, from
 *   `−52.6791877746582` on, the gradient is `Infinity` everywhere in the row.
 *
 * Both edges are the same on tfjs's wasm and cpu backends (the kit's tests pin them).
 * Exercise 3's fix removes them too: with the maximum subtracted the row sum is between 1 and
 * the number of classes, so its square is always a normal number.
 *
 * @example The gradient's edges, next to the forward ones
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { softmax } from "../lessons/02_softmax.ts";
 * import { crossEntropy } from "../lessons/03_cross_entropy.ts";
 * const gradient = (row: number[], label: number) =>
 *   tf.tidy(() => {
 *     const y = tf.tensor1d([label], "int32");
 *     const loss = (z: tf.Tensor) => tf.sum(crossEntropy(softmax(z as tf.Tensor2D), y));
 *     return Array.from(tf.grad(loss)(tf.tensor2d([row])).dataSync());
 *   });
 * // Just below the edge, dLoss/dz = softmax(z) − onehot(y) = [1, −1]; from it, the 1 is lost.
 * if (gradient([44.36141586303711, 0], 1).join() !== "1,-1") throw new Error("below 44.36");
 * if (gradient([44.361419677734375, 0], 1).join() !== "0,-1") throw new Error("from 44.36");
 * if (!gradient([-52.67918395996094, -52.67918395996094], 0).every(Number.isFinite)) {
 *   throw new Error("just above -52.68 the gradient should still be finite");
 * }
 * if (gradient([-52.6791877746582, -52.6791877746582], 0).some(Number.isFinite)) {
 *   throw new Error("from -52.68 the gradient should be Infinity");
 * }
 * ```
 *
 * The fix is exercise 3: subtracting each row's maximum first makes the largest exponent
 * `exp(0) = 1`, so nothing overflows and the row sum is at least 1, never 0.
 *
 * @example The measured float32 edges of the lesson's naive softmax
 * ```ts
 * import { softmax } from "../lessons/02_softmax.ts";
 * import { findOverflowLogit, findUnderflowLogit } from "./softmax_overflow.ts";
 * const over = findOverflowLogit(softmax);
 * const under = findUnderflowLogit(softmax);
 * if (over !== 88.72283935546875) throw new Error(`overflow at ${over}`);
 * if (under !== -103.97208404541016) throw new Error(`underflow at ${under}`);
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";

/** A softmax over the rows of a matrix, as in lesson 2. */
export type SoftmaxFn = (X: tf.Tensor2D) => tf.Tensor2D;

/** The largest finite float32, `(2 − 2⁻²³) · 2¹²⁷`. */
const FLT_MAX_BITS = 0x7f7fffff;

/** Bit-pattern conversions for non-negative float32s (a fresh buffer each call: no shared state). */
function float32FromBits(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
}

/** Whether `softmax` returns a NaN anywhere for the one-row input `row`. */
function breaks(softmax: SoftmaxFn, row: number[]): boolean {
  const X = tf.tensor2d([row]);
  try {
    const P = softmax(X);
    try {
      return (P.dataSync() as Float32Array).some(Number.isNaN);
    } finally {
      P.dispose();
    }
  } finally {
    X.dispose();
  }
}

/**
 * Bisection over the bit patterns `[0, FLT_MAX_BITS]` of non-negative float32 magnitudes:
 * the smallest magnitude `m` for which `broken(m)` holds, assuming `broken` is monotone
 * (false below some point, true from it on). `Infinity` when even `FLT_MAX` is not broken.
 */
function firstBrokenMagnitude(broken: (m: number) => boolean): number {
  if (broken(0)) return 0;
  if (!broken(float32FromBits(FLT_MAX_BITS))) return Infinity;
  let lo = 0; // invariant: not broken at lo
  let hi = FLT_MAX_BITS; // invariant: broken at hi
  while (hi - lo > 1) {
    // Not (lo + hi) >> 1: the sum can exceed 2³¹ and wrap to a negative number.
    const mid = Math.floor((lo + hi) / 2);
    if (broken(float32FromBits(mid))) hi = mid;
    else lo = mid;
  }
  return float32FromBits(hi);
}

/**
 * The smallest float32 logit `x ≥ 0` at which `softmax([[x, 0]])` contains a NaN: where
 * `exp(x)` overflows to `Infinity` (about 88.72 for the naive softmax), or `Infinity` when
 * the given softmax never breaks this way (a stable softmax).
 *
 * Why `[x, 0]`: the second entry keeps a finite, positive reference, so the row is broken
 * exactly when the large entry is. The answer is a float32 (`Math.fround(x) === x`), and the
 * float32 just below it still gives a NaN-free row.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { softmax } from "../lessons/02_softmax.ts";
 * import { findOverflowLogit } from "./softmax_overflow.ts";
 * const x = findOverflowLogit(softmax);
 * if (!(x > 88.72 && x < 88.73)) throw new Error(String(x));
 * // Doubling the logits halves the edge:
 * const twice = (X: tf.Tensor2D) => tf.tidy(() => softmax(tf.mul(X, 2)));
 * if (Math.abs(findOverflowLogit(twice) - x / 2) > 1e-5) throw new Error("unexpected: Math.abs(findOverflowLogit(twice) - x / 2) > 1e-5");
 * ```
 *
 * @param softmax the softmax to probe, e.g. the lesson's naive one.
 * @returns the float32 edge, or `Infinity` if no float32 breaks it.
 */
export function findOverflowLogit(softmax: SoftmaxFn): number {
  return firstBrokenMagnitude((x) => breaks(softmax, [x, 0]));
}

/**
 * The largest float32 logit `x ≤ 0` at which a row of equal logits, `softmax([[x, x]])`,
 * contains a NaN: where `exp(x)` underflows to 0 and the row is `0 / 0` (about −103.97 for
 * the naive softmax). `-Infinity` when the given softmax never breaks this way.
 *
 * Every row whose entries are all at or below the answer is broken too (the smaller the
 * logits, the smaller their exponentials), and the float32 just above it (closer to zero)
 * still gives a NaN-free row.
 *
 * @example
 * ```ts
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
  // Search magnitudes: -m for m = 0, tiny, ..., FLT_MAX is monotone in m.
  return -firstBrokenMagnitude((m) => breaks(softmax, [-m, -m]));
}

// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Exercise 5 of §3.6: softmax over a huge vocabulary — sampled softmax with its correction
 * term.
 *
 * A language model picks the next word out of `V` words (10⁵–10⁶). With hidden vector `h`,
 * one weight row `w_j` and bias `b_j` per word, the logits are `z_j = h · w_j + b_j` and the
 * loss is `log Z − z_y` with `Z = Σ_j exp(z_j)`: every example touches all `V` rows of `W`.
 *
 * Sampled softmax estimates `Z` from `S` words drawn (with replacement) from a cheap proposal
 * `Q`. Importance sampling: `(1/S) Σ_t exp(z_{s_t}) / Q(s_t)` is an unbiased estimate of
 * `Σ_j exp(z_j)`. So:
 *
 * ```text
 * Ẑ = exp(z_y) + Σ_t [s_t ≠ y] · exp(z_{s_t} − log(S · Q(s_t)))
 * sampled loss = log Ẑ − z_y
 * ```
 *
 * i.e. a softmax cross-entropy over `1 + S` logits — the true word's and the samples'
 * *corrected* logits `z_s − log(S · Q(s))` — with the true word as the label, dropping
 * samples equal to `y` (they are counted exactly already). Write:
 *
 * 1. {@linkcode logUniformProbability}: the log-uniform (Zipfian) proposal
 *    `Q(k) = log((k + 2) / (k + 1)) / log(V + 1)`.
 * 2. {@linkcode sampleLogUniform}: draw from it with a seeded generator (`createRng` in
 *    `lib/random.ts`); invert the CDF `P(k ≤ K) = log(K + 2) / log(V + 1)`.
 * 3. {@linkcode fullSoftmaxLoss}: the exact loss, all `V` logits (for comparison).
 * 4. {@linkcode sampledSoftmaxLoss}: the estimate, gathering only the sampled rows of `W`
 *    (`tf.gather`), never all of them: one draw of samples for the whole batch, and nothing
 *    as large as `[n, V]` computed (one `[V]` vector over the vocabulary, such as the
 *    proposal, is fine). A case measures it.
 *
 * A word id outside `[0, V)` is a `RangeError` that names it. The checks compare your
 * estimate with the full softmax (within 0.05 nats on average for `V = 5000`, `S = 2000`),
 * check that `Ẑ` is unbiased over many seeds, that the same seed gives the same estimate, and
 * that it is exact (loss 0) when `V = 1`. `deno run -A bench/vocab.ts` then shows why this
 * matters: the cost
 * per example of the two against `V` from 10³ to 10⁶.
 *
 * `deno task check huge_vocabulary` checks your work; `solutions/huge_vocabulary.ts` explains.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { createRng } from "../lib/random.ts";
import { todo } from "../lib/todo.ts";

/** The output layer of a model over a vocabulary of `V` words, hidden size `d`. */
export interface OutputLayer {
  /** One weight row per word `[V, d]`. */
  W: tf.Tensor2D;
  /** One bias per word `[V]`. */
  b: tf.Tensor1D;
}

/** A batch of hidden vectors and their true words. */
export interface HiddenBatch {
  /** Hidden vectors `[n, d]`. */
  h: tf.Tensor2D;
  /** True word ids `[n]`, int32 in `[0, V)`. */
  y: tf.Tensor1D;
}

/** Options for {@linkcode sampleLogUniform} and {@linkcode sampledSoftmaxLoss}. */
export interface SampleOptions {
  /** How many words to draw (with replacement), a positive integer. */
  numSampled: number;
  /** Seed of the draw: the same seed gives the same words. */
  seed: number;
}

/**
 * The log-uniform proposal `Q(k) = log((k + 2) / (k + 1)) / log(V + 1)`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { logUniformProbability } from "./huge_vocabulary.ts";
 * if (Math.abs(logUniformProbability(0, 1) - 1) > 1e-12) throw new Error("unexpected: Math.abs(logUniformProbability(0, 1) - 1) > 1e-12");
 * ```
 *
 * @param k a word id in `[0, numClasses)`.
 * @param numClasses the vocabulary size `V`.
 * @returns the probability of drawing `k`.
 */
export function logUniformProbability(k: number, numClasses: number): number {
  // TODO: the formula above (Math.log1p(1 / (k + 1)) is log((k + 2) / (k + 1)), accurately).
  return todo("logUniformProbability");
}

/**
 * Draws `numSampled` word ids from the log-uniform proposal, with replacement, from a seed.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { sampleLogUniform } from "./huge_vocabulary.ts";
 * const ids = sampleLogUniform(1000, { numSampled: 5, seed: 1 });
 * if (ids.length !== 5 || ids.some((k) => k < 0 || k >= 1000)) throw new Error("unexpected: ids.length !== 5 || ids.some((k) => k < 0 || k >= 1000)");
 * ```
 *
 * @param numClasses the vocabulary size `V`.
 * @param options how many to draw and the seed.
 * @returns `numSampled` ids in `[0, V)`.
 */
export function sampleLogUniform(numClasses: number, options: SampleOptions): Int32Array {
  // TODO: numSampled draws from Q, with the seeded generator (invert Q's cumulative
  // distribution).
  return todo("sampleLogUniform");
}

/**
 * The exact cross-entropy `log Z − z_y` per example, with all `V` logits.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { fullSoftmaxLoss } from "./huge_vocabulary.ts";
 * const layer = { W: tf.tensor2d([[1], [0], [-1]]), b: tf.tensor1d([0, 0, 0]) };
 * const loss = fullSoftmaxLoss(layer, { h: tf.tensor2d([[1]]), y: tf.tensor1d([0], "int32") });
 * assertClose(loss, [Math.log(Math.E + 1 + 1 / Math.E) - 1], { rtol: 1e-6 });
 * ```
 *
 * @param layer the output layer `W [V, d]`, `b [V]`.
 * @param batch hidden vectors `[n, d]` and true word ids `[n]`.
 * @returns losses `[n]`, float32.
 */
export function fullSoftmaxLoss(layer: OutputLayer, batch: HiddenBatch): tf.Tensor1D {
  // TODO: the exact loss over all V words, without overflow.
  return todo("fullSoftmaxLoss");
}

/**
 * The sampled-softmax estimate of the cross-entropy per example (samples shared by the batch,
 * correction term `log(S · Q(s))`, accidental hits removed).
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { sampledSoftmaxLoss } from "./huge_vocabulary.ts";
 * const layer = { W: tf.tensor2d([[0.5, -1]]), b: tf.tensor1d([2]) };
 * const batch = { h: tf.tensor2d([[1, 2]]), y: tf.tensor1d([0], "int32") };
 * if (sampledSoftmaxLoss(layer, batch, { numSampled: 10, seed: 0 }).dataSync()[0] !== 0) {
 *   throw new Error("V = 1: every sample is the true word, the loss is exactly 0");
 * }
 * ```
 *
 * @param layer the output layer `W [V, d]`, `b [V]`.
 * @param batch hidden vectors `[n, d]` and true word ids `[n]`.
 * @param options how many words to sample, and the seed.
 * @returns estimated losses `[n]`, float32.
 */
export function sampledSoftmaxLoss(
  layer: OutputLayer,
  batch: HiddenBatch,
  options: SampleOptions,
): tf.Tensor1D {
  // TODO: the sampled estimate described above, from the true word's logit and the
  // corrected logits of the samples.
  return todo("sampledSoftmaxLoss");
}

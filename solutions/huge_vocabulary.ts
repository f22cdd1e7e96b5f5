/**
 * Exercise 5 of §3.6 (solution): softmax over a huge vocabulary — sampled softmax with its
 * correction term.
 *
 * A language model predicts the next word out of a vocabulary of `V` words, often 10⁵–10⁶.
 * Its output layer has one weight row `w_j` (and bias `b_j`) per word; for a hidden vector `h`
 * the logits are `z_j = h · w_j + b_j` and the cross-entropy loss of the true word `y` is
 *
 * ```text
 * loss = log Z − z_y,        Z = Σ_{j=1..V} exp(z_j)   (the partition function)
 * ```
 *
 * Computing `Z` touches every row of `W`: `O(V · d)` work per example, and the gradient
 * updates every row too. At `V = 10⁶` that dominates everything else.
 *
 * **Sampled softmax** estimates `Z` from a few words instead. Draw `S` words `s_1..s_S`
 * (with replacement) from a proposal distribution `Q` that is cheap to sample and roughly
 * follows word frequencies. Importance sampling gives an unbiased estimate of the sum over
 * the other words:
 *
 * ```text
 * E[ (1/S) Σ_t [s_t ≠ y] · exp(z_{s_t}) / Q(s_t) ] = Σ_{j ≠ y} exp(z_j)
 * Ẑ = exp(z_y) + Σ_t [s_t ≠ y] · exp(z_{s_t} − log(S · Q(s_t)))
 * ```
 *
 * so the sampled loss is an ordinary softmax cross-entropy over `1 + S` logits — the true
 * word's `z_y` and the samples' **corrected logits** `z_{s_t} − log(S · Q(s_t))` — with the
 * true word as the label. The subtracted `log(S · Q(s))` (the log of the sample's expected
 * count) is the *correction term*: without it, frequent words, which are sampled often, would
 * be counted as if each sample stood for one word instead of `1 / (S · Q)` of them, and the
 * estimate of `Z` would be biased towards the proposal. Samples equal to `y` ("accidental
 * hits") are dropped (their logit set to `−∞`), because `y` is already counted exactly.
 *
 * Properties (the tests check each):
 * - `Ẑ` is an **unbiased** estimate of `Z`; `log Ẑ`, and so the loss, is a *consistent*
 *   estimate (Jensen's inequality biases it slightly low for small `S`), and it converges to
 *   the full loss as `S` grows.
 * - It is **exact** where no sampling is needed: with `V = 1` every sample is the true word, so
 *   `Ẑ = exp(z_y) = Z` and the loss is exactly 0, like the full softmax.
 * - Cost: `O((n + S) · d + n · S)` for a batch of `n` instead of `O(n · V · d)`; the samples are
 *   shared by the batch (as TensorFlow's `sampled_softmax_loss` does), and `W`'s rows are
 *   gathered, never multiplied in full. `bench/vocab.ts` measures it: the full softmax's cost
 *   per example grows linearly with `V`, the sampled one stays flat.
 *
 * The proposal here is the **log-uniform (Zipfian)** distribution over word ids sorted by
 * frequency, `Q(k) = log((k + 2) / (k + 1)) / log(V + 1)` (TensorFlow's
 * `log_uniform_candidate_sampler`): sampled in O(1) as `k = ⌊exp(u · log(V + 1))⌋ − 1`.
 *
 * The alternative is *hierarchical softmax* (a binary tree over the words, `log₂ V` sigmoid
 * decisions per word): exactly normalised and `O(d log V)`, but it is a different model, not
 * an estimate of this one's loss, which is why it is not used here to check against the full
 * softmax.
 *
 * The gradient of `tf.gather` with respect to the gathered matrix is a scatter-add over all `V`
 * rows (`UnsortedSegmentSum`, which tfjs's wasm backend lacks and the kit runs on tfjs's cpu
 * kernel, `lib/wasm_on_cpu.ts`): a training loop would rather take the gradient with respect to
 * the gathered rows and scatter the update itself, which is what makes training sparse.
 *
 * @example Sampled and full loss agree for a large sample
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { fullSoftmaxLoss, logUniformProbability, sampledSoftmaxLoss } from "./huge_vocabulary.ts";
 * const V = 2000, d = 8;
 * // Biases follow word frequencies (log Q), as a trained language model's roughly do.
 * const bias = Array.from({ length: V }, (_, k) => Math.log(logUniformProbability(k, V)));
 * const layer = { W: tf.randomNormal([V, d], 0, 0.3, "float32", 1) as tf.Tensor2D, b: tf.tensor1d(bias) };
 * const batch = { h: tf.randomNormal([4, d], 0, 1, "float32", 2) as tf.Tensor2D, y: tf.tensor1d([0, 5, 50, 500], "int32") };
 * const full = fullSoftmaxLoss(layer, batch).dataSync();
 * const sampled = sampledSoftmaxLoss(layer, batch, { numSampled: 1000, seed: 3 }).dataSync();
 * full.forEach((f, i) => {
 *   if (Math.abs(f - sampled[i]) > 0.1) throw new Error(`${f} vs ${sampled[i]}`);
 * });
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { createRng } from "../lib/random.ts";

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

function checkVocabulary(fn: string, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(
      `Cannot compute ${fn}: numClasses must be a positive integer, got ${numClasses}`,
    );
  }
}

/**
 * The log-uniform (Zipfian) proposal `Q(k) = log((k + 2) / (k + 1)) / log(V + 1)` for word id
 * `k` in `[0, V)`: frequent words (small ids) are likely. Sums to 1 over the vocabulary.
 *
 * @example
 * ```ts
 * import { logUniformProbability } from "./huge_vocabulary.ts";
 * let total = 0;
 * for (let k = 0; k < 1000; k++) total += logUniformProbability(k, 1000);
 * if (Math.abs(total - 1) > 1e-12) throw new Error(String(total));
 * ```
 *
 * @param k a word id in `[0, numClasses)`.
 * @param numClasses the vocabulary size `V`.
 * @returns the probability of drawing `k`.
 * @throws {RangeError} when `k` is not an id of the vocabulary.
 */
export function logUniformProbability(k: number, numClasses: number): number {
  checkVocabulary("logUniformProbability", numClasses);
  if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
    throw new RangeError(
      `Cannot compute logUniformProbability: k must be an integer in [0, ${numClasses}), got ${k}`,
    );
  }
  // log((k + 2) / (k + 1)) = log1p(1 / (k + 1)): accurate for large k.
  return Math.log1p(1 / (k + 1)) / Math.log(numClasses + 1);
}

/**
 * Draws `numSampled` word ids from the log-uniform proposal, with replacement, from a seed:
 * `k = ⌊exp(u · log(V + 1))⌋ − 1` for uniform `u` (inverse-CDF sampling; `P(k)` is then exactly
 * {@linkcode logUniformProbability}).
 *
 * @example Reproducible, and frequent words come first
 * ```ts
 * import { sampleLogUniform } from "./huge_vocabulary.ts";
 * const a = sampleLogUniform(1000, { numSampled: 5000, seed: 1 });
 * if (a.join() !== sampleLogUniform(1000, { numSampled: 5000, seed: 1 }).join()) throw new Error("unexpected: a.join() !== sampleLogUniform(1000, { numSampled: 5000, seed: 1 }).join()");
 * const zeros = a.filter((k) => k === 0).length; // Q(0) = log 2 / log 1001 ≈ 0.1
 * if (zeros < 400 || zeros > 600) throw new Error(String(zeros));
 * ```
 *
 * @param numClasses the vocabulary size `V`.
 * @param options how many to draw and the seed.
 * @returns `numSampled` ids in `[0, V)`.
 * @throws {RangeError} for a vocabulary size or sample count that is not a positive integer.
 */
export function sampleLogUniform(numClasses: number, options: SampleOptions): Int32Array {
  checkVocabulary("sampleLogUniform", numClasses);
  const { numSampled, seed } = options;
  if (!Number.isInteger(numSampled) || numSampled <= 0) {
    throw new RangeError(
      `Cannot compute sampleLogUniform: numSampled must be a positive integer, got ${numSampled}`,
    );
  }
  const rng = createRng(seed);
  const logRange = Math.log(numClasses + 1);
  const ids = new Int32Array(numSampled);
  for (let t = 0; t < numSampled; t++) {
    // P(k ≤ K) = log(K + 2) / log(V + 1): invert it. The clamp guards rounding at the top.
    const k = Math.floor(Math.exp(rng.next() * logRange)) - 1;
    ids[t] = Math.min(Math.max(k, 0), numClasses - 1);
  }
  return ids;
}

/** Checks shapes and word ids; returns the ids of `batch.y`, read back once. */
function checkLayerAndBatch(fn: string, layer: OutputLayer, batch: HiddenBatch): ArrayLike<number> {
  const { W, b } = layer ?? {};
  const { h, y } = batch ?? {};
  if (!(W instanceof tf.Tensor) || W.rank !== 2 || !(b instanceof tf.Tensor) || b.rank !== 1) {
    throw new TypeError(`Cannot compute ${fn}: expected layer { W: [V, d], b: [V] }`);
  }
  if (b.shape[0] !== W.shape[0]) {
    throw new RangeError(
      `Cannot compute ${fn}: W has ${W.shape[0]} rows but b has ${
        b.shape[0]
      } entries; both need one per word`,
    );
  }
  if (!(h instanceof tf.Tensor) || h.rank !== 2 || h.shape[1] !== W.shape[1]) {
    throw new TypeError(
      `Cannot compute ${fn}: expected h of shape [n, ${W.shape[1]}] (W's hidden size), got ${
        h instanceof tf.Tensor ? `shape [${h.shape}]` : typeof h
      }`,
    );
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 1 || y.shape[0] !== h.shape[0]) {
    throw new RangeError(
      `Cannot compute ${fn}: expected y to hold one word id per row of h (${h.shape[0]})`,
    );
  }
  const V = W.shape[0];
  const ids = y.dataSync();
  for (let i = 0; i < ids.length; i++) {
    if (!Number.isInteger(ids[i]) || ids[i] < 0 || ids[i] >= V) {
      throw new RangeError(
        `Cannot compute ${fn}: y[${i}] = ${ids[i]} is not a word id in [0, ${V})`,
      );
    }
  }
  return ids;
}

/** `log Σ_j exp(Z_ij)` per row for rows with a finite maximum. Call inside `tf.tidy`. */
function rowLogSumExp(Z: tf.Tensor2D): tf.Tensor1D {
  const m = tf.max(Z, 1, true); // [n, 1]
  return tf.add(tf.log(tf.sum(tf.exp(tf.sub(Z, m)), 1)), tf.reshape(m, [-1])) as tf.Tensor1D;
}

/** `h_i · W[y_i] + b[y_i]`: the true words' logits `[n]`. Call inside `tf.tidy`. */
function trueLogits(layer: OutputLayer, batch: HiddenBatch): tf.Tensor1D {
  const y = tf.cast(batch.y, "int32");
  const Wy = tf.gather(layer.W, y); // [n, d]: only the n true rows
  return tf.add(tf.sum(tf.mul(batch.h, Wy), 1), tf.gather(layer.b, y)) as tf.Tensor1D;
}

/**
 * The exact cross-entropy `log Z − z_y` per example, with all `V` logits: `O(n · V · d)`.
 *
 * @example A vocabulary of 3
 * ```ts
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
 * @throws {TypeError} or {RangeError} for mismatched shapes or a word id outside `[0, V)`.
 */
export function fullSoftmaxLoss(layer: OutputLayer, batch: HiddenBatch): tf.Tensor1D {
  checkLayerAndBatch("fullSoftmaxLoss", layer, batch);
  return tf.tidy(() => {
    const Z = tf.add(tf.matMul(batch.h, layer.W, false, true), layer.b) as tf.Tensor2D; // [n, V]
    return tf.sub(rowLogSumExp(Z), trueLogits(layer, batch)) as tf.Tensor1D;
  });
}

/**
 * The sampled-softmax estimate of the cross-entropy per example: a softmax cross-entropy
 * over the true word's logit and `numSampled` log-uniform samples' corrected logits
 * `z_s − log(S · Q(s))`, accidental hits removed. `O((n + S) · d + n · S)`.
 *
 * The samples are drawn once from `seed` and shared by the batch.
 *
 * @example Exact when there is nothing to sample: V = 1
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { sampledSoftmaxLoss } from "./huge_vocabulary.ts";
 * const layer = { W: tf.tensor2d([[0.5, -1]]), b: tf.tensor1d([2]) };
 * const batch = { h: tf.tensor2d([[1, 2]]), y: tf.tensor1d([0], "int32") };
 * const loss = sampledSoftmaxLoss(layer, batch, { numSampled: 10, seed: 0 }).dataSync();
 * if (loss[0] !== 0) throw new Error(String(loss[0]));
 * ```
 *
 * @param layer the output layer `W [V, d]`, `b [V]`.
 * @param batch hidden vectors `[n, d]` and true word ids `[n]`.
 * @param options how many words to sample, and the seed.
 * @returns estimated losses `[n]`, float32.
 * @throws {TypeError} or {RangeError} for mismatched shapes, a word id outside `[0, V)` or a
 *   bad sample count.
 */
export function sampledSoftmaxLoss(
  layer: OutputLayer,
  batch: HiddenBatch,
  options: SampleOptions,
): tf.Tensor1D {
  const labels = checkLayerAndBatch("sampledSoftmaxLoss", layer, batch);
  const V = layer.W.shape[0];
  const n = labels.length;
  const S = options.numSampled;
  const ids = sampleLogUniform(V, options); // [S]
  // What to add to each sample's logit, per example [n, S]: the correction term
  // −log(S · Q(s)) (minus the log of the sample's expected count), or −Infinity for an
  // accidental hit (a sample equal to the example's true word, which is already counted
  // exactly). Built in JavaScript: n · S numbers, cheaper than a broadcast comparison.
  const logCounts = Array.from(ids, (k) => Math.log(S * logUniformProbability(k, V)));
  const offsets = new Float32Array(n * S);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < S; t++) {
      offsets[i * S + t] = ids[t] === labels[i] ? -Infinity : -logCounts[t];
    }
  }
  return tf.tidy(() => {
    const sampled = tf.tensor1d(ids, "int32");
    const Ws = tf.gather(layer.W, sampled); // [S, d]: only the sampled rows
    const bs = tf.gather(layer.b, sampled); // [S]
    const zTrue = trueLogits(layer, batch); // [n]
    // [n, S]: the samples' logits, corrected (or removed, for hits).
    const zSampled = tf.add(
      tf.add(tf.matMul(batch.h, Ws, false, true), bs),
      tf.tensor2d(offsets, [n, S]),
    );
    const Z = tf.concat([tf.reshape(zTrue, [-1, 1]), zSampled], 1) as tf.Tensor2D; // [n, 1 + S]
    // Cross-entropy with label 0 (the true word): logsumexp(row) − z_y.
    return tf.sub(rowLogSumExp(Z), zTrue) as tf.Tensor1D;
  });
}

/**
 * Cases for exercise 5, `exercises/huge_vocabulary.ts`: the log-uniform proposal and its
 * sampler, the full softmax loss (against float64), and the sampled-softmax estimate: within
 * a stated tolerance of the full loss, an unbiased partition function over many seeds, and
 * exact when `V = 1`.
 *
 * Stated tolerance: for `V = 5000`, `d = 16`, `S = 2000` log-uniform samples and biases that
 * follow the word frequencies, the sampled loss averaged over 8 examples and 10 seeds is
 * within 0.05 nats of the full loss (about five standard errors; the reference solution is
 * typically within 0.01), and no single estimate is off by more than 0.3.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import {
  captureError,
  countLeaks,
  expectNoLeak,
  expectNumbers,
  expectTensor,
  expectThrew,
  fail,
  field,
  seededMatrix,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";
import { logSumExpRow } from "./reference.ts";

type Impl = typeof import("../../exercises/huge_vocabulary.ts");

/** Q(k) in float64, the trusted side's own. */
function q(k: number, V: number): number {
  return Math.log1p(1 / (k + 1)) / Math.log(V + 1);
}

interface Problem {
  V: number;
  d: number;
  W: number[][];
  b: number[];
  h: number[][];
  y: number[];
}

/** A seeded problem; biases follow the proposal (word frequencies), as in language models. */
function problem(V: number, d: number, y: number[], seed: number, wStd: number): Problem {
  return {
    V,
    d,
    W: seededMatrix(V, d, seed, { std: wStd }),
    b: Array.from({ length: V }, (_, k) => Math.fround(Math.log(q(k, V)))),
    h: seededMatrix(y.length, d, seed + 1),
    y,
  };
}

/** float64 full losses. */
function fullReference(p: Problem): number[] {
  return p.h.map((h, i) => {
    const z = p.W.map((w, j) => w.reduce((s, wk, k) => s + wk * h[k], p.b[j]));
    return logSumExpRow(z) - z[p.y[i]];
  });
}

function withProblem<T>(
  p: Problem,
  fn: (layer: { W: tf.Tensor2D; b: tf.Tensor1D }, batch: { h: tf.Tensor2D; y: tf.Tensor1D }) => T,
): T {
  return tidyPlain(() =>
    fn({ W: tf.tensor2d(p.W), b: tf.tensor1d(p.b) }, {
      h: tf.tensor2d(p.h),
      y: tf.tensor1d(p.y, "int32"),
    })
  );
}

function lossValues(t: unknown): number[] {
  if (!(t instanceof tf.Tensor)) return [NaN];
  return Array.from(t.dataSync());
}

const large = problem(5000, 16, [0, 3, 10, 30, 100, 300, 1000, 3000], 51, 0.25);
const LARGE_S = 2000;
const LARGE_SEEDS = 10;

const small = problem(200, 4, [0, 1, 20, 150], 52, 0.5);
const SMALL_S = 20;
const SMALL_SEEDS = 300;

const cases: Case<Impl>[] = [
  {
    name: "logUniformProbability() is log((k + 2) / (k + 1)) / log(V + 1) and sums to 1",
    points: 1,
    hint: "Q(k) = log((k + 2) / (k + 1)) / log(V + 1) for k in [0, V).",
    run: (impl) => Array.from({ length: 1000 }, (_, k) => impl.logUniformProbability(k, 1000)),
    check: (output) => {
      const Q = expectNumbers(output, "logUniformProbability(k, 1000)", 1000);
      assertClose(Q, Q.map((_, k) => q(k, 1000)), { rtol: 1e-9, atol: 0, msg: "Q(k)" });
      const total = Q.reduce((s, v) => s + v, 0);
      if (Math.abs(total - 1) > 1e-9) fail(`Q sums to ${total} over the vocabulary, expected 1`);
    },
  },
  {
    name:
      "sampleLogUniform() draws ids in [0, V) with frequencies Q(k), reproducibly from the seed",
    points: 2,
    hint: "Invert the CDF F(k) = log(k + 2) / log(V + 1): the id for a uniform u is the " +
      "smallest k with F(k) > u. Draw u from createRng(seed): same seed, same ids.",
    run: (impl) => {
      const a = Array.from(impl.sampleLogUniform(8, { numSampled: 20000, seed: 5 }));
      const again = Array.from(impl.sampleLogUniform(8, { numSampled: 20000, seed: 5 }));
      const other = Array.from(impl.sampleLogUniform(8, { numSampled: 20000, seed: 6 }));
      return { a, same: a.join() === again.join(), differs: a.join() !== other.join() };
    },
    check: (output) => {
      const ids = expectNumbers(field(output, "a", "samples"), "sampleLogUniform(8, 20000)", 20000);
      const bad = ids.find((k) => !Number.isInteger(k) || k < 0 || k >= 8);
      if (bad !== undefined) fail(`sampleLogUniform(8, …) returned ${bad}, not an id in [0, 8)`);
      if (field(output, "same", "samples") !== true) fail("the same seed gave different samples");
      if (field(output, "differs", "samples") !== true) fail("seeds 5 and 6 gave the same samples");
      const counts = new Array<number>(8).fill(0);
      ids.forEach((k) => counts[k]++);
      // Pearson's chi-square with 7 degrees of freedom; 35 is exceeded with probability ~1e-5.
      const chi2 = counts.reduce(
        (s, c, k) => s + (c - 20000 * q(k, 8)) ** 2 / (20000 * q(k, 8)),
        0,
      );
      if (chi2 > 35) {
        fail(
          `the sample frequencies [${counts.join(", ")}] do not follow Q (chi-square ${
            chi2.toFixed(1)
          } > 35)`,
        );
      }
    },
  },
  {
    name: "fullSoftmaxLoss() is log Σ exp(z) − z_y over all V logits",
    points: 1,
    hint: "The exact loss needs all V logits of each example ([n, V]), a stable log-sum-exp " +
      "per row, and the true word's logit.",
    run: (impl) =>
      withProblem(small, (layer, batch) => tensorOut(impl.fullSoftmaxLoss(layer, batch))),
    check: (output) =>
      assertClose(expectTensor(output, "fullSoftmaxLoss()", { shape: [4] }), fullReference(small), {
        rtol: 1e-5,
        atol: 1e-5,
        msg: "fullSoftmaxLoss()",
      }),
  },
  {
    name: "sampledSoftmaxLoss() is exactly 0 when V = 1 (every sample is the true word)",
    points: 1,
    hint: "Samples equal to the true word are accidental hits: drop them (logit −Infinity). " +
      "Then only the true word is left, and its loss is log(exp(z_y)) − z_y = 0.",
    run: (impl) =>
      withProblem(
        problem(1, 3, [0, 0], 53, 1),
        (layer, batch) =>
          tensorOut(impl.sampledSoftmaxLoss(layer, batch, { numSampled: 16, seed: 1 })),
      ),
    check: (output) =>
      assertClose(expectTensor(output, "sampledSoftmaxLoss(V = 1)", { shape: [2] }), [0, 0], {
        atol: 1e-6,
        msg: "sampledSoftmaxLoss(V = 1)",
      }),
  },
  {
    name:
      "sampledSoftmaxLoss() with S = 2000 is within 0.05 nats of the full loss (V = 5000, mean of 10 seeds)",
    points: 2,
    hint: "Correct each sampled logit by −log(S · Q(s)) (its expected count), keep the true " +
      "word's logit as it is, and take a cross-entropy over [true, samples] with label 0.",
    timeoutMs: 20_000,
    run: (impl) =>
      withProblem(
        large,
        (layer, batch) =>
          Array.from({ length: LARGE_SEEDS }, (_, seed) =>
            lossValues(impl.sampledSoftmaxLoss(layer, batch, { numSampled: LARGE_S, seed }))),
      ),
    check: (output) => {
      if (!Array.isArray(output) || output.length !== LARGE_SEEDS) {
        fail(`expected ${LARGE_SEEDS} runs of losses`);
      }
      const full = fullReference(large);
      const errors = output.flatMap((run, s) =>
        expectNumbers(run, `sampled losses (seed ${s})`, 8).map((v, i) => v - full[i])
      );
      if (errors.some((e) => !Number.isFinite(e))) {
        fail("the sampled losses contain NaN or Infinity");
      }
      const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
      const worst = Math.max(...errors.map(Math.abs));
      if (Math.abs(mean) > 0.05) {
        fail(
          `sampled − full loss averages ${
            mean.toFixed(4)
          } nats over ${errors.length} estimates; expected within 0.05`,
        );
      }
      if (worst > 0.3) {
        fail(
          `one sampled loss is ${worst.toFixed(3)} nats from the full loss; expected within 0.3`,
        );
      }
    },
  },
  {
    name:
      "sampledSoftmaxLoss() estimates Z without bias: exp(sampled − full) averages 1 over 300 seeds",
    points: 2,
    hint: "Ẑ = exp(z_y) + Σ_t [s_t ≠ y] exp(z_s) / (S · Q(s)) is unbiased only with the " +
      "correction term and with accidental hits removed.",
    timeoutMs: 20_000,
    run: (impl) =>
      withProblem(
        small,
        (layer, batch) =>
          Array.from({ length: SMALL_SEEDS }, (_, seed) =>
            lossValues(
              impl.sampledSoftmaxLoss(layer, batch, { numSampled: SMALL_S, seed: 1000 + seed }),
            )),
      ),
    check: (output) => {
      if (!Array.isArray(output) || output.length !== SMALL_SEEDS) {
        fail(`expected ${SMALL_SEEDS} runs of losses`);
      }
      const full = fullReference(small);
      const runs = output.map((run, s) => expectNumbers(run, `sampled losses (seed ${s})`, 4));
      full.forEach((f, i) => {
        // Ẑ / Z = exp(sampled − full) for example i, one value per seed.
        const ratios = runs.map((r) => Math.exp(r[i] - f));
        if (ratios.some((r) => !Number.isFinite(r))) {
          fail(`example ${i}: a sampled loss is not finite`);
        }
        const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
        const sd = Math.sqrt(ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / (ratios.length - 1));
        const se = sd / Math.sqrt(ratios.length);
        if (Math.abs(mean - 1) > Math.max(5 * se, 1e-3)) {
          fail(
            `example ${i} (word ${small.y[i]}): Ẑ / Z averages ${
              mean.toFixed(4)
            } over ${ratios.length} seeds ` +
              `(standard error ${se.toFixed(4)}); an unbiased estimate averages 1`,
          );
        }
      });
    },
  },
  {
    name: "sampledSoftmaxLoss() rejects a word id outside [0, V) with an error naming it",
    points: 1,
    hint: "Check y's ids against W.shape[0] and throw a RangeError naming the bad id.",
    run: (impl) =>
      captureError(() =>
        withProblem(
          problem(10, 2, [3, 12], 54, 1),
          (layer, batch) => impl.sampledSoftmaxLoss(layer, batch, { numSampled: 4, seed: 0 }),
        )
      ),
    check: (output) =>
      expectThrew(output, "sampledSoftmaxLoss(y = [3, 12], V = 10)", {
        names: ["RangeError", "TypeError"],
        mentions: ["12"],
      }),
  },
  {
    name: "fullSoftmaxLoss() and sampledSoftmaxLoss() leave no tensors behind",
    points: 1,
    hint: "Wrap the tensor work in tf.tidy (the sampled ids and corrections are tensors too).",
    run: (impl) =>
      withProblem(small, (layer, batch) =>
        countLeaks(() => [
          impl.fullSoftmaxLoss(layer, batch),
          impl.sampledSoftmaxLoss(layer, batch, { numSampled: 8, seed: 2 }),
        ])),
    check: (output) => expectNoLeak(output, "the two losses"),
  },
];

/** Exercise 5: sampled softmax over a huge vocabulary. */
export const hugeVocabulary: Exercise<Impl> = {
  id: "huge_vocabulary",
  title: "Book exercise 5: sampled softmax over a huge vocabulary",
  file: "huge_vocabulary.ts",
  exports: ["logUniformProbability", "sampleLogUniform", "fullSoftmaxLoss", "sampledSoftmaxLoss"],
  cases,
};

/**
 * Cases for exercise 5, `exercises/huge_vocabulary.ts`: the log-uniform proposal and its
 * sampler, the full softmax loss (against float64), and the sampled-softmax estimate: within
 * a stated tolerance of the full loss, an unbiased partition function over many seeds, and
 * exact when `V = 1`; and that the sampled loss never computes all V logits (tfjs's profile of
 * one call: no tensor near the size of `[n, V]`). Both losses are also computed with every bias 100 larger, past float32's
 * `exp` overflow, where a softmax loss is unchanged: a log-sum-exp without the max shift gives
 * Infinity there.
 *
 * Stated tolerance: for `V = 5000`, `d = 16`, `S = 2000` log-uniform samples and biases that
 * follow the word frequencies, the sampled loss averaged over 8 examples and 10 seeds is
 * within 0.05 nats of the full loss (about five standard errors; the reference solution is
 * typically within 0.01), and no single estimate is off by more than 0.3.
 *
 * The runs are in `runs/huge_vocabulary.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import {
  expectLabelsRejected,
  expectNoLeak,
  expectNumber,
  expectNumbers,
  expectTensor,
  fail,
  field,
} from "./helpers.ts";
import { logSumExpRow } from "./reference.ts";
import {
  LARGE,
  LARGE_SEEDS,
  LEAN,
  type Problem,
  runs,
  shifted,
  SMALL,
  SMALL_SEEDS,
} from "./runs/huge_vocabulary.ts";

type Impl = typeof import("../../exercises/huge_vocabulary.ts");

/** Q(k) in float64, the trusted side's own. */
function q(k: number, V: number): number {
  return Math.log1p(1 / (k + 1)) / Math.log(V + 1);
}

/** float64 full losses. */
function fullReference(p: Problem): number[] {
  return p.h.map((h, i) => {
    const z = p.W.map((w, j) => w.reduce((s, wk, k) => s + wk * h[k], p.b[j]));
    return logSumExpRow(z) - z[p.y[i]];
  });
}

/**
 * The full loss's problems: as drawn, and with every bias 100 larger (same losses), with the
 * absolute tolerance each allows: logits near 100 are float32 numbers 2⁻¹⁷ apart.
 */
const SHIFTS = [
  ["loss", SMALL, "fullSoftmaxLoss()", 1e-5],
  ["shifted", shifted(SMALL), "fullSoftmaxLoss() with every bias 100 larger", 1e-4],
] as const;

const cases: Case[] = [
  {
    name: "logUniformProbability() is log((k + 2) / (k + 1)) / log(V + 1) and sums to 1",
    points: 1,
    hint: "Q(k) = log((k + 2) / (k + 1)) / log(V + 1) for k in [0, V).",
    run: "probability",
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
    run: "sampler",
    check: (output) => {
      const ids = expectNumbers(field(output, "a", "samples"), "sampleLogUniform(8, 20000)", 20000);
      const bad = ids.find((k) => !Number.isInteger(k) || k < 0 || k >= 8);
      if (bad !== undefined) fail(`sampleLogUniform(8, …) returned ${bad}, not an id in [0, 8)`);
      // The run only hands back the three draws; whether they agree is judged here.
      const again = expectNumbers(field(output, "again", "samples"), "the same seed again");
      if (again.length !== ids.length || again.some((k, i) => k !== ids[i])) {
        fail("the same seed gave different samples");
      }
      const other = expectNumbers(field(output, "other", "samples"), "seed 6");
      if (other.length === ids.length && other.every((k, i) => k === ids[i])) {
        fail("seeds 5 and 6 gave the same samples");
      }
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
      "per row (subtract the row's largest logit before exp), and the true word's logit.",
    run: "fullLoss",
    check: (output) => {
      for (const [key, p, what, atol] of SHIFTS) {
        const loss = expectTensor(field(output, key, "fullLoss"), what, { shape: [4] });
        assertClose(loss, fullReference(p), { rtol: 1e-5, atol, msg: what });
      }
    },
  },
  {
    name: "sampledSoftmaxLoss() is exactly 0 when V = 1 (every sample is the true word)",
    points: 1,
    hint: "Samples equal to the true word are accidental hits: drop them (logit −Infinity). " +
      "Then only the true word is left, and its loss is log(exp(z_y)) − z_y = 0.",
    run: "singleWord",
    check: (output) =>
      assertClose(expectTensor(output, "sampledSoftmaxLoss(V = 1)", { shape: [2] }), [0, 0], {
        atol: 1e-6,
        msg: "sampledSoftmaxLoss(V = 1)",
      }),
  },
  {
    name:
      "sampledSoftmaxLoss() with S = 2000 is within 0.05 nats of the full loss (V = 5000, mean of 10 seeds), the same again for the same seed, also with every bias 100 larger",
    points: 1,
    hint: "Correct each sampled logit by −log(S · Q(s)) (its expected count), keep the true " +
      "word's logit as it is, and take a cross-entropy over [true, samples] with label 0, " +
      "with a stable log-sum-exp: logits past about 88.7 overflow float32's exp.",
    timeoutMs: 20_000,
    run: "large",
    check: (output) => {
      const seeds = field(output, "seeds", "large");
      if (!Array.isArray(seeds) || seeds.length !== LARGE_SEEDS) {
        fail(`expected ${LARGE_SEEDS} runs of losses`);
      }
      const full = fullReference(LARGE);
      const errors = seeds.flatMap((run, s) =>
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
      // The same seed draws the same words.
      const again = expectNumbers(field(output, "again", "large"), "sampled losses (seed 0)", 8);
      if (again.some((v, i) => !Object.is(v, seeds[0][i]))) {
        fail(
          `sampledSoftmaxLoss(seed 0) gave [${again}] on a second call, [${seeds[0]}] on the ` +
            "first: the same seed must draw the same words",
          "Draw the samples from a generator seeded with options.seed (sampleLogUniform, " +
            "createRng): tf.multinomial takes seed 0 as no seed at all (Math.random).",
        );
      }
      // The same call (seed 0) with every bias 100 larger gives the same losses.
      const what = "sampledSoftmaxLoss(seed 0) with every bias 100 larger";
      assertClose(expectNumbers(field(output, "shifted", "large"), what, 8), seeds[0], {
        rtol: 1e-5,
        atol: 1e-4,
        msg: `${what} (against the same call without)`,
      });
    },
  },
  {
    name: "sampledSoftmaxLoss() computes logits for the sampled words only, never all V",
    points: 1,
    hint: "Draw the S samples once for the batch, gather their rows of W and b (tf.gather) " +
      "and compute logits for those alone, plus the true word's: nothing of size [n, V] (one " +
      "[V] vector, such as the proposal, is fine).",
    run: "lean",
    check: (output) => {
      const largest = expectNumber(field(output, "largest", "lean"), "the largest tensor made");
      const by = field(output, "by", "lean");
      const { problem: p, S } = LEAN;
      // All V logits are y.length × V numbers; half of that already touches most of the layer.
      if (largest >= (p.y.length * p.V) / 2) {
        const what = typeof by === "string" && by.length <= 80 ? ` (${by})` : "";
        fail(
          `sampledSoftmaxLoss(V = ${p.V}, d = ${p.d}, ${p.y.length} examples, S = ${S}) made a ` +
            `tensor of ${largest} numbers${what}, as large as one number per word and example ` +
            `(or the whole layer), where a sampled loss needs about ${p.y.length} × (1 + ${S})`,
        );
      }
    },
  },
  {
    name:
      "sampledSoftmaxLoss() estimates Z without bias: exp(sampled − full) averages 1 over 300 seeds, and varies with the seed",
    points: 2,
    hint: "Ẑ = exp(z_y) + Σ_t [s_t ≠ y] exp(z_s) / (S · Q(s)) is unbiased only with the " +
      "correction term and with accidental hits removed. It is an estimate from the S words " +
      "sampled with options.seed: another seed draws other words and gives another value.",
    timeoutMs: 20_000,
    run: "unbiased",
    check: (output) => {
      if (!Array.isArray(output) || output.length !== SMALL_SEEDS) {
        fail(`expected ${SMALL_SEEDS} runs of losses`);
      }
      const full = fullReference(SMALL);
      const estimates = output.map((run, s) => expectNumbers(run, `sampled losses (seed ${s})`, 4));
      full.forEach((f, i) => {
        // 20 words of 200 drawn with 300 seeds: a sampled estimate takes many values (the
        // full loss, or samples that ignore the seed, take one).
        const distinct = new Set(estimates.map((r) => r[i])).size;
        if (distinct < SMALL_SEEDS / 2) {
          fail(
            `example ${i}: ${distinct} different loss(es) over ${SMALL_SEEDS} seeds; an estimate ` +
              "from S sampled words changes with the seed (is the loss over all V words, or " +
              "does the seed not reach the sampler?)",
          );
        }
        // Ẑ / Z = exp(sampled − full) for example i, one value per seed.
        const ratios = estimates.map((r) => Math.exp(r[i] - f));
        if (ratios.some((r) => !Number.isFinite(r))) {
          fail(`example ${i}: a sampled loss is not finite`);
        }
        const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
        const sd = Math.sqrt(ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / (ratios.length - 1));
        const se = sd / Math.sqrt(ratios.length);
        if (Math.abs(mean - 1) > Math.max(5 * se, 1e-3)) {
          fail(
            `example ${i} (word ${SMALL.y[i]}): Ẑ / Z averages ${
              mean.toFixed(4)
            } over ${ratios.length} seeds ` +
              `(standard error ${se.toFixed(4)}); an unbiased estimate averages 1`,
          );
        }
      });
    },
  },
  {
    name:
      "fullSoftmaxLoss() and sampledSoftmaxLoss() reject a word id outside [0, V) with an error naming it",
    points: 1,
    hint: "Check y's ids against W.shape[0] in both functions and throw a RangeError naming the " +
      "bad id.",
    run: "badWordId",
    check: (output) => {
      expectLabelsRejected(
        field(output, "sampled", "badWordId"),
        "badWordId",
        { call: "sampledSoftmaxLoss(y = [3, 12], V = 10)", label: 12 },
        { call: "sampledSoftmaxLoss(y = [3, -1], V = 10)", label: -1 },
      );
      expectLabelsRejected(
        field(output, "full", "badWordId"),
        "badWordId",
        { call: "fullSoftmaxLoss(y = [3, 12], V = 10)", label: 12 },
        { call: "fullSoftmaxLoss(y = [3, -1], V = 10)", label: -1 },
      );
    },
  },
  {
    name: "fullSoftmaxLoss() and sampledSoftmaxLoss() leave no tensors behind",
    points: 1,
    hint: "Wrap the tensor work in tf.tidy (the sampled ids and corrections are tensors too).",
    run: "leaks",
    check: (output) => expectNoLeak(output, "the two losses"),
  },
];

/** Exercise 5: sampled softmax over a huge vocabulary. */
export const hugeVocabulary: Exercise<Impl> = {
  id: "huge_vocabulary",
  title: "Book exercise 5: sampled softmax over a huge vocabulary",
  file: "huge_vocabulary.ts",
  exports: ["logUniformProbability", "sampleLogUniform", "fullSoftmaxLoss", "sampledSoftmaxLoss"],
  runModule: import.meta.resolve("./runs/huge_vocabulary.ts"),
  runs,
  cases,
};

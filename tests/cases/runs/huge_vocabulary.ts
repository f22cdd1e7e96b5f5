/**
 * The run half of `huge_vocabulary`'s cases (book exercise 5): the inputs and the calls,
 * nothing that judges them (that is `../huge_vocabulary.ts`, with the float64 proposal and
 * full loss). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Runs } from "../case.ts";
import { captureError, countLeaks, seededMatrix, tensorOut, tidyPlain } from "./helpers.ts";

type Impl = typeof import("../../../exercises/huge_vocabulary.ts");

/** A seeded problem: an output layer over `V` words, hidden size `d`, and a batch. */
export interface Problem {
  /** Vocabulary size. */
  V: number;
  /** Hidden size. */
  d: number;
  /** Weights `[V, d]`. */
  W: number[][];
  /** Biases `[V]`. */
  b: number[];
  /** Hidden vectors `[n, d]`. */
  h: number[][];
  /** True word ids `[n]`. */
  y: number[];
}

/**
 * A seeded problem; biases follow the word frequencies (the log-uniform proposal, whose
 * formula the exercise states), as in language models.
 */
function problem(V: number, d: number, y: number[], seed: number, wStd: number): Problem {
  return {
    V,
    d,
    W: seededMatrix(V, d, seed, { std: wStd }),
    b: Array.from(
      { length: V },
      (_, k) => Math.fround(Math.log(Math.log1p(1 / (k + 1)) / Math.log(V + 1))),
    ),
    h: seededMatrix(y.length, d, seed + 1),
    y,
  };
}

/**
 * `p` with every bias 100 larger: its logits pass float32's `exp` overflow (about 88.7), and
 * every softmax loss, full or sampled with the same seed, is unchanged.
 */
export function shifted(p: Problem): Problem {
  return { ...p, b: p.b.map((b) => Math.fround(b + 100)) };
}

/** The large problem: V = 5000, d = 16, 8 examples. */
export const LARGE = problem(5000, 16, [0, 3, 10, 30, 100, 300, 1000, 3000], 51, 0.25);
/** Samples per estimate in the large problem. */
const LARGE_S = 2000;
/** Seeds (estimates) in the large problem. */
export const LARGE_SEEDS = 10;

/** The small problem: V = 200, d = 4, 4 examples. */
export const SMALL = problem(200, 4, [0, 1, 20, 150], 52, 0.5);
/** Samples per estimate in the small problem. */
const SMALL_S = 20;
/** Seeds (estimates) in the small problem. */
export const SMALL_SEEDS = 300;

/**
 * The problem on which sampling must not touch the whole vocabulary: V = 20000, d = 4, 4
 * examples, `S` samples. All V logits are a [4, 20000] tensor; what a sampled loss needs is
 * [4, 1 + S] at most, and one [V] vector (the proposal over every word) is allowed.
 */
export const LEAN = { problem: problem(20000, 4, [0, 7, 300, 19999], 55, 0.25), S: 64 };

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

/** 20000 ids over a vocabulary of 8 words. */
function samples(impl: Impl, seed: number): number[] {
  return Array.from(impl.sampleLogUniform(8, { numSampled: 20000, seed }));
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  probability: (impl) =>
    Array.from({ length: 1000 }, (_, k) => impl.logUniformProbability(k, 1000)),
  sampler: (impl) => ({ a: samples(impl, 5), again: samples(impl, 5), other: samples(impl, 6) }),
  fullLoss: (impl) => ({
    loss: withProblem(SMALL, (layer, batch) => tensorOut(impl.fullSoftmaxLoss(layer, batch))),
    // Every bias 100 larger: logits past float32's exp overflow (about 88.7), same losses.
    shifted: withProblem(
      shifted(SMALL),
      (layer, batch) => tensorOut(impl.fullSoftmaxLoss(layer, batch)),
    ),
  }),
  singleWord: (impl) =>
    withProblem(
      problem(1, 3, [0, 0], 53, 1),
      (layer, batch) =>
        tensorOut(impl.sampledSoftmaxLoss(layer, batch, { numSampled: 16, seed: 1 })),
    ),
  large: (impl) => ({
    seeds: withProblem(
      LARGE,
      (layer, batch) =>
        Array.from(
          { length: LARGE_SEEDS },
          (_, seed) =>
            lossValues(impl.sampledSoftmaxLoss(layer, batch, { numSampled: LARGE_S, seed })),
        ),
    ),
    // Seed 0 again: the same seed draws the same words (tf.multinomial takes 0 as no seed).
    again: withProblem(
      LARGE,
      (layer, batch) =>
        lossValues(impl.sampledSoftmaxLoss(layer, batch, { numSampled: LARGE_S, seed: 0 })),
    ),
    // Seed 0 again with every bias 100 larger: logits past float32's exp overflow, same losses.
    shifted: withProblem(
      shifted(LARGE),
      (layer, batch) =>
        lossValues(impl.sampledSoftmaxLoss(layer, batch, { numSampled: LARGE_S, seed: 0 })),
    ),
  }),
  unbiased: (impl) =>
    withProblem(
      SMALL,
      (layer, batch) =>
        Array.from({ length: SMALL_SEEDS }, (_, seed) =>
          lossValues(
            impl.sampledSoftmaxLoss(layer, batch, { numSampled: SMALL_S, seed: 1000 + seed }),
          )),
    ),
  badWordId: (impl) => {
    const sampled = (y: number[]) =>
      captureError(() =>
        withProblem(
          problem(10, 2, y, 54, 1),
          (layer, batch) => impl.sampledSoftmaxLoss(layer, batch, { numSampled: 4, seed: 0 }),
        )
      );
    const full = (y: number[]) =>
      captureError(() =>
        withProblem(problem(10, 2, y, 54, 1), (layer, batch) => impl.fullSoftmaxLoss(layer, batch))
      );
    return {
      sampled: { high: sampled([3, 12]), negative: sampled([3, -1]) },
      full: { high: full([3, 12]), negative: full([3, -1]) },
    };
  },
  // The largest tensor any kernel made during one call, from tfjs's own profile of it.
  lean: async (impl) => {
    const p = LEAN.problem;
    const layer = { W: tf.tensor2d(p.W), b: tf.tensor1d(p.b) };
    const batch = { h: tf.tensor2d(p.h), y: tf.tensor1d(p.y, "int32") };
    try {
      // tf.profile leaves the engine profiling every later kernel when its function throws:
      // the error is caught inside and thrown once the profile has ended.
      let failed: { error: unknown } | undefined;
      const profile = await tf.profile(() => {
        try {
          tf.dispose(impl.sampledSoftmaxLoss(layer, batch, { numSampled: LEAN.S, seed: 4 }));
        } catch (error) {
          failed = { error };
        }
      });
      if (failed !== undefined) throw failed.error;
      let largest = 0;
      let by = "";
      for (const kernel of profile.kernels) {
        // A reshape, a copy or a cast of W computes nothing per word.
        if (["Reshape", "Identity", "Cast"].includes(kernel.name)) continue;
        for (const shape of kernel.outputShapes) {
          const size = shape.reduce((n, d) => n * d, 1);
          if (size > largest) [largest, by] = [size, `${kernel.name} [${shape.join(", ")}]`];
        }
      }
      return { largest, by };
    } finally {
      tf.dispose([layer.W, layer.b, batch.h, batch.y]);
    }
  },
  leaks: (impl) =>
    withProblem(SMALL, (layer, batch) =>
      countLeaks(() => [
        impl.fullSoftmaxLoss(layer, batch),
        impl.sampledSoftmaxLoss(layer, batch, { numSampled: 8, seed: 2 }),
      ])),
};

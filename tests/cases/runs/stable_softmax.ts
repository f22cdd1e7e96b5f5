/**
 * The run half of `stable_softmax`'s cases (book exercise 3): the inputs and the calls,
 * nothing that judges them (that is `../stable_softmax.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { loadDataFashionMnist } from "../../../data/fashion_mnist.ts";
import { initParams } from "../../../lessons/02_softmax.ts";
import { sgdUpdater, trainEpochCh3 } from "../../../lessons/05_train_ch3.ts";
import type { Plain, Runs } from "../case.ts";
import {
  captureError,
  countLeaks,
  describeValue,
  seededLabels,
  seededMatrix,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";

type Impl = typeof import("../../../exercises/stable_softmax.ts");

const INF = Infinity;

/** Ordinary logits: N(0, 3) [4, 6]. */
export const ORDINARY = seededMatrix(4, 6, 31, { std: 3 });
/** Labels for {@linkcode ORDINARY}. */
export const ORDINARY_LABELS = seededLabels(4, 6, 32);

/** Rows with large but finite logits: the naive softmax gives NaN on the first and last. */
export const LARGE = [[1000, 0, -1000], [-1000, -1000, -1000], [1000, 1001, 999]];

/** Rows whose values are undefined (NaN) for the softmaxes, with one well-defined row. */
export const EDGE_ROWS = [[-INF, 0, 1], [-INF, -INF, -INF], [INF, 0, 1], [NaN, 0, 1]];

/** The log-sum-exp edge case's rows: {@linkcode LARGE} and the SciPy edges. */
export const LSE_EDGE_ROWS = [
  ...LARGE,
  [-INF, -INF, -INF],
  [INF, 0, 1],
  [INF, -INF, 0],
  [NaN, 0, 1],
  [INF, NaN, 0],
];

/** The log-softmax case's large rows: {@linkcode LARGE} and a row with a -Infinity entry. */
export const LOG_SOFTMAX_LARGE_ROWS = [...LARGE, [0, -1000, -INF]];

/**
 * The finite-difference case: logits, labels, and weights on each example's loss (so the
 * upstream gradient is not 1), and the step h.
 */
export const FD = {
  logits: seededMatrix(3, 5, 33, { std: 2 }),
  labels: [4, 0, 2],
  weights: [1, -0.5, 2],
  step: 1e-2,
};

/** The gradient at ±1000: logits, labels and (unit) weights. */
export const LARGE_GRAD = {
  logits: [[1000, 0, -1000], [-1000, -1000, 0]],
  labels: [1, 0],
  weights: [1, 1],
};

/** The training case: the lesson's model on the committed subset. */
export const TRAIN = { epochs: 5, lr: 0.1, batchSize: 256, seed: 0 };

function withTensor<T>(rows: number[][], fn: (X: tf.Tensor2D) => T): T {
  const X = tf.tensor2d(rows, [rows.length, rows[0].length], "float32");
  try {
    return fn(X);
  } finally {
    X.dispose();
  }
}

function out(fn: (X: tf.Tensor2D) => tf.Tensor, rows: number[][]): Plain {
  return withTensor(rows, (X) => {
    const result = fn(X);
    try {
      return tensorOut(result);
    } finally {
      if (result instanceof tf.Tensor) result.dispose();
    }
  });
}

function ceOut(impl: Impl, rows: number[][], y: number[]): Plain {
  return withTensor(rows, (X) => {
    const labels = tf.tensor1d(y, "int32");
    try {
      const result = impl.crossEntropyFromLogits(X, labels);
      const plain = tensorOut(result);
      if (result instanceof tf.Tensor) result.dispose();
      return plain;
    } finally {
      labels.dispose();
    }
  });
}

/** Σ_i w_i · loss_i at `rows`, in float64 from the returned losses. */
function weightedLoss(impl: Impl, rows: number[][]): number {
  const losses = (ceOut(impl, rows, FD.labels) as { values?: unknown }).values;
  if (!Array.isArray(losses) || losses.some((l) => typeof l !== "number")) {
    throw new TypeError(
      `crossEntropyFromLogits(z, y): expected a tensor of losses, got ${describeValue(losses)}`,
    );
  }
  return (losses as number[]).reduce((s, l, i) => s + FD.weights[i] * l, 0);
}

function gradOut(impl: Impl, rows: number[][], y: number[], w: number[]): Plain {
  return tidyPlain(() => {
    const labels = tf.tensor1d(y, "int32");
    const weights = tf.tensor1d(w);
    const grad = tf.grad((z) =>
      tf.sum(tf.mul(impl.crossEntropyFromLogits(z as tf.Tensor2D, labels), weights))
    );
    return tensorOut(grad(tf.tensor2d(rows)));
  });
}

/** The lesson's model with its softmax left out: logits `X · W + b`. */
function logitNet(params: { W: tf.Variable; b: tf.Variable }): (X: tf.Tensor) => tf.Tensor2D {
  return (X) =>
    tf.tidy(() => tf.add(tf.matMul(tf.reshape(X, [-1, 784]), params.W), params.b) as tf.Tensor2D);
}

/** Trains the lesson's model on logits on the committed subset, with `loss`. */
async function trainOnSubset(
  loss: (yHat: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D,
): Promise<{ W: number[][]; b: number[] }> {
  const data = await loadDataFashionMnist(TRAIN.batchSize, { subset: true, seed: TRAIN.seed });
  const params = initParams({ seed: TRAIN.seed });
  try {
    const net = logitNet(params);
    const updater = sgdUpdater([params.W, params.b], TRAIN.lr);
    for (let epoch = 0; epoch < TRAIN.epochs; epoch++) {
      trainEpochCh3(net, data.trainIter, loss, updater);
    }
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  softmaxOrdinary: (impl) => out(impl.stableSoftmax, ORDINARY),
  softmaxLarge: (impl) => out(impl.stableSoftmax, LARGE),
  softmaxEdge: (impl) => out(impl.stableSoftmax, EDGE_ROWS),
  logSumExpOrdinary: (impl) => out(impl.logSumExp, ORDINARY),
  logSumExpEdge: (impl) => out(impl.logSumExp, LSE_EDGE_ROWS),
  logSoftmaxOrdinaryAndLarge: (impl) => ({
    ordinary: out(impl.logSoftmax, ORDINARY),
    large: out(impl.logSoftmax, LOG_SOFTMAX_LARGE_ROWS),
  }),
  logSoftmaxEdge: (impl) => out(impl.logSoftmax, EDGE_ROWS.slice(1)),
  crossEntropyOrdinary: (impl) => ceOut(impl, ORDINARY, ORDINARY_LABELS),
  crossEntropyLarge: (impl) =>
    ceOut(impl, [[-120, 0], [1000, 0], [-1000, -1000], [0, -1000], [1000, -1000]], [
      0,
      1,
      0,
      1,
      0,
    ]),
  crossEntropyGradient: (impl) => {
    const grad = gradOut(impl, FD.logits, FD.labels, FD.weights);
    const plus: number[][] = [];
    const minus: number[][] = [];
    FD.logits.forEach((row, i) => {
      plus.push([]);
      minus.push([]);
      row.forEach((_, j) => {
        const shifted = (d: number) =>
          FD.logits.map((r, a) => r.map((v, b) => (a === i && b === j ? v + d : v)));
        plus[i].push(weightedLoss(impl, shifted(FD.step)));
        minus[i].push(weightedLoss(impl, shifted(-FD.step)));
      });
    });
    return { grad, plus, minus };
  },
  crossEntropyGradientLarge: (impl) =>
    gradOut(impl, LARGE_GRAD.logits, LARGE_GRAD.labels, LARGE_GRAD.weights),
  oneClass: (impl) => ({
    losses: ceOut(impl, [[5], [-1000], [0]], [0, 0, 0]),
    grad: gradOut(impl, [[5], [-1000], [0]], [0, 0, 0], [1, 2, 3]),
  }),
  crossEntropyBadLabel: (impl) => {
    const withLabel = (label: number) =>
      captureError(() =>
        tf.tidy(() =>
          impl.crossEntropyFromLogits(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([label], "int32"))
        )
      );
    return { high: withLabel(3), negative: withLabel(-1) };
  },
  leaks: (impl) =>
    withTensor(ORDINARY, (X) => {
      const y = tf.tensor1d(ORDINARY_LABELS, "int32");
      try {
        return countLeaks(() => [
          impl.stableSoftmax(X),
          impl.logSumExp(X),
          impl.logSoftmax(X),
          impl.crossEntropyFromLogits(X, y),
          tf.grad((z) => tf.sum(impl.crossEntropyFromLogits(z as tf.Tensor2D, y)))(X),
        ]);
      } finally {
        y.dispose();
      }
    }),
  trainOnLogits: async (impl) => await trainOnSubset(impl.crossEntropyFromLogits),
};

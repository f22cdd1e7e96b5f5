/**
 * Cases for exercise 3, `exercises/stable_softmax.ts`: the stable softmax, log-sum-exp,
 * log-softmax and cross-entropy from logits, on ordinary logits (against float64
 * references), at ±1000, on the SciPy/JAX/PyTorch edge rows, with a finite-difference check
 * of the gradient, and trained into the lesson's model.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Kit, Plain } from "./case.ts";
import {
  captureError,
  countLeaks,
  expectMatrix,
  expectNoLeak,
  expectNumbers,
  expectTensor,
  expectThrew,
  fail,
  field,
  seededLabels,
  seededMatrix,
  tensorOut,
  testAccuracy,
  tidyPlain,
} from "./helpers.ts";
import { logSoftmaxRows, logSumExpRow, softmaxRows } from "./reference.ts";

type Impl = typeof import("../../exercises/stable_softmax.ts");

const INF = Infinity;

/** Ordinary logits: N(0, 3) [4, 6]. */
const ordinary = seededMatrix(4, 6, 31, { std: 3 });
const ordinaryLabels = seededLabels(4, 6, 32);

/** Rows with large but finite logits: the naive softmax gives NaN on the first and last. */
const large = [[1000, 0, -1000], [-1000, -1000, -1000], [1000, 1001, 999]];

/** Rows whose values are undefined (NaN) for the softmaxes, with one well-defined row. */
const edgeRows = [[-INF, 0, 1], [-INF, -INF, -INF], [INF, 0, 1], [NaN, 0, 1]];

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

/** float64 cross-entropy from logits. */
function ceReference(rows: number[][], y: number[]): number[] {
  return rows.map((row, i) => logSumExpRow(row) - row[y[i]]);
}

// Finite differences: weights on each example's loss (so the upstream gradient is not 1).
const fdLogits = seededMatrix(3, 5, 33, { std: 2 });
const fdLabels = [4, 0, 2];
const fdWeights = [1, -0.5, 2];
const FD_STEP = 1e-2;

function weightedLoss(impl: Impl, rows: number[][]): number {
  const losses = expectNumbers(
    (ceOut(impl, rows, fdLabels) as { values?: unknown }).values,
    "losses",
  );
  return losses.reduce((s, l, i) => s + fdWeights[i] * l, 0);
}

/** Analytic gradient of Σ_i w_i · loss_i: w_i · (softmax(z_i) − onehot(y_i)). */
function gradReference(rows: number[][], y: number[], w: number[]): number[][] {
  return softmaxRows(rows).map((p, i) => p.map((pj, j) => w[i] * (pj - (j === y[i] ? 1 : 0))));
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

const TRAIN = { epochs: 5, lr: 0.1, batchSize: 256, seed: 0 };

/** Trains the lesson's model on the committed subset, with the given net builder and loss. */
async function trainOnSubset(
  kit: Kit,
  loss: (yHat: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D,
  logits: boolean,
): Promise<{ W: number[][]; b: number[] }> {
  const data = await kit.loadDataFashionMnist(TRAIN.batchSize, { subset: true, seed: TRAIN.seed });
  const params = kit.initParams({ seed: TRAIN.seed });
  try {
    const net = logits ? logitNet(params) : kit.createNet(params);
    const updater = kit.sgdUpdater([params.W, params.b], TRAIN.lr);
    for (let epoch = 0; epoch < TRAIN.epochs; epoch++) {
      kit.trainEpochCh3(net, data.trainIter, loss, updater);
    }
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
}

const tight = { rtol: 1e-5, atol: 1e-6 };

const cases: Case<Impl>[] = [
  {
    name: "stableSoftmax() equals the softmax on ordinary logits",
    points: 1,
    hint: "Shifting a row by a constant does not change its softmax; which shift keeps " +
      "every exponent ≤ 0?",
    run: (impl) => out(impl.stableSoftmax, ordinary),
    check: (output) =>
      assertClose(
        expectTensor(output, "stableSoftmax(X)", { shape: [4, 6] }),
        softmaxRows(ordinary),
        {
          ...tight,
          msg: "stableSoftmax(X)",
        },
      ),
  },
  {
    name: "stableSoftmax() gives finite, correct probabilities for logits of ±1000",
    points: 2,
    hint: "Subtract each row's maximum before tf.exp: the largest exponent becomes exp(0) = 1.",
    run: (impl) => out(impl.stableSoftmax, large),
    check: (output) =>
      assertClose(
        expectTensor(output, "stableSoftmax(±1000)", { shape: [3, 3] }),
        softmaxRows(large),
        {
          ...tight,
          msg: "stableSoftmax(±1000)",
        },
      ),
  },
  {
    name:
      "stableSoftmax() gives 0 for -Infinity logits and NaN rows for all -Infinity, +Infinity or NaN",
    points: 1,
    hint: "Shift by the raw row maximum (as SciPy/JAX/PyTorch do): -Inf − (-Inf) and Inf − Inf " +
      "are NaN, which is the right answer for those rows.",
    run: (impl) => out(impl.stableSoftmax, edgeRows),
    check: (output) => {
      const expected = [softmaxRows([edgeRows[0]])[0], [NaN, NaN, NaN], [NaN, NaN, NaN], [
        NaN,
        NaN,
        NaN,
      ]];
      assertClose(expectTensor(output, "stableSoftmax(edge rows)", { shape: [4, 3] }), expected, {
        ...tight,
        msg: "stableSoftmax(edge rows)",
      });
    },
  },
  {
    name: "logSumExp() matches log(sum(exp(x))) per row on ordinary logits, shape [batch]",
    points: 1,
    hint: "One number per row (shape [batch], not [batch, 1]); take the row maximum out of " +
      "the sum before exponentiating.",
    run: (impl) => out(impl.logSumExp, ordinary),
    check: (output) =>
      assertClose(
        expectTensor(output, "logSumExp(X)", { shape: [4] }),
        ordinary.map(logSumExpRow),
        {
          ...tight,
          msg: "logSumExp(X)",
        },
      ),
  },
  {
    name:
      "logSumExp() follows SciPy/JAX/PyTorch: all -Infinity → -Infinity, +Infinity → +Infinity, NaN → NaN, ±1000 finite",
    points: 2,
    hint: "Shift by the row maximum only where it is finite (tf.isFinite, tf.where), else by 0: " +
      "then exp(-Inf) = 0 gives log 0 = -Inf, and exp(+Inf) gives +Inf.",
    run: (impl) =>
      out(impl.logSumExp, [...large, [-INF, -INF, -INF], [INF, 0, 1], [INF, -INF, 0], [NaN, 0, 1], [
        INF,
        NaN,
        0,
      ]]),
    check: (output) => {
      const rows = [...large, [-INF, -INF, -INF], [INF, 0, 1], [INF, -INF, 0], [NaN, 0, 1], [
        INF,
        NaN,
        0,
      ]];
      assertClose(
        expectTensor(output, "logSumExp(edge rows)", { shape: [rows.length] }),
        rows.map(logSumExpRow),
        {
          ...tight,
          msg: "logSumExp(edge rows)",
        },
      );
    },
  },
  {
    name:
      "logSoftmax() matches x − logsumexp(x) on ordinary logits, at ±1000 and with -Infinity entries",
    points: 2,
    hint: "(X − m) − log(sum(exp(X − m))): never take the log of a probability that may be 0.",
    run: (impl) => ({
      ordinary: out(impl.logSoftmax, ordinary),
      large: out(impl.logSoftmax, [...large, [0, -1000, -INF]]),
    }),
    check: (output) => {
      const ordinaryOut = expectTensor(field(output, "ordinary", "logSoftmax"), "logSoftmax(X)", {
        shape: [4, 6],
      });
      assertClose(ordinaryOut, logSoftmaxRows(ordinary), { ...tight, msg: "logSoftmax(X)" });
      const rows = [...large, [0, -1000, -INF]];
      const largeOut = expectTensor(field(output, "large", "logSoftmax"), "logSoftmax(±1000)", {
        shape: [4, 3],
      });
      assertClose(largeOut, logSoftmaxRows(rows), {
        ...tight,
        msg: "logSoftmax(±1000, -Infinity)",
      });
    },
  },
  {
    name: "logSoftmax() gives NaN rows for all -Infinity, +Infinity or NaN logits",
    points: 1,
    hint: "Shift by the raw row maximum, as SciPy/JAX/PyTorch do.",
    run: (impl) => out(impl.logSoftmax, edgeRows.slice(1)),
    check: (output) =>
      assertClose(
        expectTensor(output, "logSoftmax(edge rows)", { shape: [3, 3] }),
        [[NaN, NaN, NaN], [NaN, NaN, NaN], [NaN, NaN, NaN]],
        { msg: "logSoftmax(edge rows)" },
      ),
  },
  {
    name:
      "crossEntropyFromLogits() equals the lesson's crossEntropy(softmax(z), y) on ordinary logits",
    points: 1,
    hint: "logsumexp(z_i) − z_i[y_i] per example, shape [batch].",
    run: (impl) => ceOut(impl, ordinary, ordinaryLabels),
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropyFromLogits(z, y)", { shape: [4] }),
        ceReference(ordinary, ordinaryLabels),
        { rtol: 1e-5, atol: 1e-5, msg: "crossEntropyFromLogits(z, y)" },
      ),
  },
  {
    name:
      "crossEntropyFromLogits() is finite and correct at ±1000 and where the naive loss is Infinity",
    points: 2,
    hint: "Never form the probability: compute log Σ exp(z − m) − (z_y − m) in the shifted " +
      "frame, where nothing overflows or cancels.",
    run: (impl) =>
      ceOut(impl, [[-120, 0], [1000, 0], [-1000, -1000], [0, -1000], [1000, -1000]], [
        0,
        1,
        0,
        1,
        0,
      ]),
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropyFromLogits(large logits)", { shape: [5] }),
        [120, 1000, Math.LN2, 1000, 0],
        { rtol: 1e-6, atol: 1e-5, msg: "crossEntropyFromLogits(large logits)" },
      ),
  },
  {
    name:
      "crossEntropyFromLogits() has the gradient softmax(z) − onehot(y), matching finite differences",
    points: 2,
    hint: "Use only differentiable tfjs ops (no dataSync inside), or tf.customGrad with " +
      "gradient dy · (softmax(z) − onehot(y)). The check weights each example's loss differently.",
    run: (impl) => {
      const grad = gradOut(impl, fdLogits, fdLabels, fdWeights);
      const plus: number[][] = [];
      const minus: number[][] = [];
      fdLogits.forEach((row, i) => {
        plus.push([]);
        minus.push([]);
        row.forEach((_, j) => {
          const shifted = (d: number) =>
            fdLogits.map((r, a) => r.map((v, b) => (a === i && b === j ? v + d : v)));
          plus[i].push(weightedLoss(impl, shifted(FD_STEP)));
          minus[i].push(weightedLoss(impl, shifted(-FD_STEP)));
        });
      });
      return { grad, plus, minus };
    },
    check: (output) => {
      const grad = expectTensor(field(output, "grad", "gradient output"), "the gradient", {
        shape: [3, 5],
      });
      const plus = expectMatrix(field(output, "plus", "gradient output"), "losses at z + h", [
        3,
        5,
      ]);
      const minus = expectMatrix(field(output, "minus", "gradient output"), "losses at z − h", [
        3,
        5,
      ]);
      assertClose(grad, gradReference(fdLogits, fdLabels, fdWeights), {
        rtol: 1e-5,
        atol: 1e-6,
        msg: "gradient vs w · (softmax(z) − onehot(y))",
      });
      const fd = plus.map((row, i) => row.map((p, j) => (p - minus[i][j]) / (2 * FD_STEP)));
      assertClose(grad, fd, {
        rtol: 1e-3,
        atol: 2e-3,
        msg: "gradient vs central finite differences of your loss",
      });
    },
  },
  {
    name: "crossEntropyFromLogits() has a finite gradient at logits of ±1000",
    points: 1,
    hint: "The gradient is softmax(z) − onehot(y): with a stable softmax it is finite for any " +
      "finite logits.",
    run: (impl) => gradOut(impl, [[1000, 0, -1000], [-1000, -1000, 0]], [1, 0], [1, 1]),
    check: (output) =>
      assertClose(
        expectTensor(output, "gradient at ±1000", { shape: [2, 3] }),
        gradReference([[1000, 0, -1000], [-1000, -1000, 0]], [1, 0], [1, 1]),
        { rtol: 1e-5, atol: 1e-6, msg: "gradient at ±1000" },
      ),
  },
  {
    name: "crossEntropyFromLogits() rejects a label outside [0, classes) with an error naming it",
    points: 1,
    hint: "Check y's values before computing (y.dataSync()): throw a RangeError that names the " +
      "bad label and the valid range.",
    run: (impl) =>
      captureError(() =>
        tf.tidy(() =>
          impl.crossEntropyFromLogits(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([3], "int32"))
        )
      ),
    check: (output) =>
      expectThrew(output, "crossEntropyFromLogits(z, y = [3]) with 3 classes", {
        names: ["RangeError", "TypeError"],
        mentions: ["3"],
      }),
  },
  {
    name:
      "stableSoftmax(), logSumExp(), logSoftmax() and crossEntropyFromLogits() leave no tensors behind",
    points: 1,
    hint: "Wrap each function's body in tf.tidy; a tf.customGrad keeps only what you save().",
    run: (impl) =>
      withTensor(ordinary, (X) => {
        const y = tf.tensor1d(ordinaryLabels, "int32");
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
    check: (output) => expectNoLeak(output, "the four functions"),
  },
  {
    name:
      "crossEntropyFromLogits() trains the lesson's model on logits to the lesson's accuracy (subset, 5 epochs)",
    points: 3,
    hint: "Used as the loss of a net that outputs logits (X · W + b), your function must give " +
      "the same gradients as softmax + crossEntropy: losses per example, not summed or averaged.",
    timeoutMs: 20_000,
    run: async (impl, kit) => await trainOnSubset(kit, impl.crossEntropyFromLogits, true),
    check: async (output, kit) => {
      const W = expectMatrix(field(output, "W", "trained parameters"), "W", [784, 10]);
      const b = expectNumbers(field(output, "b", "trained parameters"), "b", 10);
      if (![...W.flat(), ...b].every(Number.isFinite)) {
        fail("the trained W and b contain NaN or Infinity");
      }
      const reference = await trainOnSubset(kit, kit.crossEntropy, false);
      const [acc, refAcc] = [
        await testAccuracy(kit, { W, b }, true),
        await testAccuracy(kit, reference, true),
      ];
      if (acc < refAcc - 0.005) {
        fail(
          `test accuracy on the subset after ${TRAIN.epochs} epochs: ${acc}, but the lesson's softmax + crossEntropy reach ${refAcc}`,
        );
      }
      assertClose(W, reference.W, {
        rtol: 1e-3,
        atol: 1e-4,
        msg: "trained W vs the lesson's training",
      });
      assertClose(b, reference.b, {
        rtol: 1e-3,
        atol: 1e-4,
        msg: "trained b vs the lesson's training",
      });
    },
  },
];

/** Exercise 3: the stable softmax, log-sum-exp, log-softmax and cross-entropy from logits. */
export const stableSoftmax: Exercise<Impl> = {
  id: "stable_softmax",
  title: "Book exercise 3: stable softmax, log-sum-exp and cross-entropy from logits",
  file: "stable_softmax.ts",
  exports: ["stableSoftmax", "logSumExp", "logSoftmax", "crossEntropyFromLogits"],
  cases,
};

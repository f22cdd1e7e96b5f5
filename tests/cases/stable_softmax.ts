/**
 * Cases for exercise 3, `exercises/stable_softmax.ts`: the stable softmax, log-sum-exp,
 * log-softmax and cross-entropy from logits, on ordinary logits (against float64
 * references), at ±1000, on the SciPy edge rows, with a finite-difference check
 * of the gradient, and trained into the lesson's model. The runs are in
 * `runs/stable_softmax.ts`.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import { loadDataFashionMnist } from "../../data/fashion_mnist.ts";
import { createNet, initParams } from "../../lessons/02_softmax.ts";
import { crossEntropy } from "../../lessons/03_cross_entropy.ts";
import { sgdUpdater, trainEpochCh3 } from "../../lessons/05_train_ch3.ts";
import type { Case, Exercise } from "./case.ts";
import {
  expectLabelsRejected,
  expectMatrix,
  expectNoLeak,
  expectNumbers,
  expectTensor,
  fail,
  field,
  once,
  testAccuracy,
} from "./helpers.ts";
import { logSoftmaxRows, logSumExpRow, softmaxRows } from "./reference.ts";
import {
  EDGE_ROWS,
  FD,
  LARGE,
  LARGE_GRAD,
  LOG_SOFTMAX_LARGE_ROWS,
  LSE_EDGE_ROWS,
  ORDINARY,
  ORDINARY_LABELS,
  runs,
  TRAIN,
} from "./runs/stable_softmax.ts";

type Impl = typeof import("../../exercises/stable_softmax.ts");

/** float64 cross-entropy from logits. */
function ceReference(rows: number[][], y: number[]): number[] {
  return rows.map((row, i) => logSumExpRow(row) - row[y[i]]);
}

/** Analytic gradient of Σ_i w_i · loss_i: w_i · (softmax(z_i) − onehot(y_i)). */
function gradReference(rows: number[][], y: number[], w: number[]): number[][] {
  return softmaxRows(rows).map((p, i) => p.map((pj, j) => w[i] * (pj - (j === y[i] ? 1 : 0))));
}

/** The reference training: the lesson's model, softmax + crossEntropy, on the subset (once). */
const trainReference = once(async (): Promise<{ W: number[][]; b: number[] }> => {
  const data = await loadDataFashionMnist(TRAIN.batchSize, { subset: true, seed: TRAIN.seed });
  const params = initParams({ seed: TRAIN.seed });
  try {
    const net = createNet(params);
    const updater = sgdUpdater([params.W, params.b], TRAIN.lr);
    for (let epoch = 0; epoch < TRAIN.epochs; epoch++) {
      trainEpochCh3(net, data.trainIter, crossEntropy, updater);
    }
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
});
/** The reference's subset test accuracy (once). */
const referenceAccuracy = once(async () => await testAccuracy(await trainReference(), true));

const tight = { rtol: 1e-5, atol: 1e-6 };
/**
 * Four float32 spacings at 1000 (each 2⁻¹⁴ ≈ 6.1e-5): what an implementation may lose to
 * rounding when it subtracts two numbers near ±1000, as `logsumexp(z) − z_y` written as the
 * exercise's identity does.
 */
const AT_1000 = 4 * 2 ** -14;

const cases: Case[] = [
  {
    name: "stableSoftmax() equals the softmax on ordinary logits",
    points: 1,
    hint: "Shifting a row by a constant does not change its softmax; which shift keeps " +
      "every exponent ≤ 0?",
    run: "softmaxOrdinary",
    check: (output) => {
      const P = expectTensor(output, "stableSoftmax(X)", { shape: [4, 6] });
      assertClose(P, softmaxRows(ORDINARY), { ...tight, msg: "stableSoftmax(X)" });
    },
  },
  {
    name: "stableSoftmax() gives finite, correct probabilities for logits of ±1000",
    points: 2,
    hint: "Subtract each row's maximum before tf.exp: the largest exponent becomes exp(0) = 1.",
    run: "softmaxLarge",
    check: (output) => {
      const P = expectTensor(output, "stableSoftmax(±1000)", { shape: [3, 3] });
      // Relative: exp(z − logsumexp(z)) turns the rounding of a logsumexp near 1000 (the
      // exercise's identity) into a relative error of each probability.
      assertClose(P, softmaxRows(LARGE), {
        rtol: AT_1000,
        atol: 1e-6,
        msg: "stableSoftmax(±1000)",
      });
    },
  },
  {
    name:
      "stableSoftmax() gives 0 for -Infinity logits and NaN rows for all -Infinity, +Infinity or NaN",
    points: 1,
    hint: "Shift by the raw row maximum (as SciPy's softmax does): -Inf − (-Inf) and Inf − Inf " +
      "are NaN, which is the right answer for those rows.",
    run: "softmaxEdge",
    check: (output) => {
      const P = expectTensor(output, "stableSoftmax(edge rows)", { shape: [4, 3] });
      const nan = [NaN, NaN, NaN];
      const expected = [softmaxRows([EDGE_ROWS[0]])[0], nan, nan, nan];
      assertClose(P, expected, { ...tight, msg: "stableSoftmax(edge rows)" });
    },
  },
  {
    name: "logSumExp() matches log(sum(exp(x))) per row on ordinary logits, shape [batch]",
    points: 1,
    hint: "One number per row (shape [batch], not [batch, 1]); take the row maximum out of " +
      "the sum before exponentiating.",
    run: "logSumExpOrdinary",
    check: (output) => {
      const lse = expectTensor(output, "logSumExp(X)", { shape: [4] });
      assertClose(lse, ORDINARY.map(logSumExpRow), { ...tight, msg: "logSumExp(X)" });
    },
  },
  {
    name:
      "logSumExp() follows SciPy: all -Infinity → -Infinity, +Infinity → +Infinity, NaN → NaN, ±1000 finite",
    points: 2,
    hint: "Shift by the row maximum only where it is finite (tf.isFinite, tf.where), else by 0: " +
      "then exp(-Inf) = 0 gives log 0 = -Inf, and exp(+Inf) gives +Inf.",
    run: "logSumExpEdge",
    check: (output) => {
      const lse = expectTensor(output, "logSumExp(edge rows)", { shape: [LSE_EDGE_ROWS.length] });
      assertClose(lse, LSE_EDGE_ROWS.map(logSumExpRow), { ...tight, msg: "logSumExp(edge rows)" });
    },
  },
  {
    name:
      "logSoftmax() matches x − logsumexp(x) on ordinary logits, at ±1000 and with -Infinity entries",
    points: 2,
    hint: "(X − m) − log(sum(exp(X − m))): never take the log of a probability that may be 0.",
    run: "logSoftmaxOrdinaryAndLarge",
    check: (output) => {
      const ordinaryOut = expectTensor(field(output, "ordinary", "logSoftmax"), "logSoftmax(X)", {
        shape: [4, 6],
      });
      const largeOut = expectTensor(field(output, "large", "logSoftmax"), "logSoftmax(±1000)", {
        shape: [LOG_SOFTMAX_LARGE_ROWS.length, 3],
      });
      assertClose(ordinaryOut, logSoftmaxRows(ORDINARY), { ...tight, msg: "logSoftmax(X)" });
      // Four float32 spacings at 1000: z − logsumexp(z), subtracted unshifted, is as right.
      assertClose(largeOut, logSoftmaxRows(LOG_SOFTMAX_LARGE_ROWS), {
        rtol: 1e-5,
        atol: AT_1000,
        msg: "logSoftmax(±1000, -Infinity)",
      });
    },
  },
  {
    name:
      "logSoftmax() follows SciPy where it is undefined: NaN rows for all -Infinity or NaN, NaN at +Infinity and -Infinity beside it",
    points: 1,
    hint: "Shift by the row maximum only where it is finite, as in logSumExp: a row with " +
      "+Infinity then has the log-sum-exp +Infinity, so its finite entries get log 0.",
    run: "logSoftmaxEdge",
    check: (output) =>
      assertClose(
        expectTensor(output, "logSoftmax(edge rows)", { shape: [3, 3] }),
        logSoftmaxRows(EDGE_ROWS.slice(1)),
        { msg: "logSoftmax(edge rows)" },
      ),
  },
  {
    name:
      "crossEntropyFromLogits() equals the lesson's crossEntropy(softmax(z), y) on ordinary logits",
    points: 1,
    hint: "logsumexp(z_i) − z_i[y_i] per example, shape [batch].",
    run: "crossEntropyOrdinary",
    check: (output) => {
      const losses = expectTensor(output, "crossEntropyFromLogits(z, y)", { shape: [4] });
      assertClose(losses, ceReference(ORDINARY, ORDINARY_LABELS), {
        rtol: 1e-5,
        atol: 1e-5,
        msg: "crossEntropyFromLogits(z, y)",
      });
    },
  },
  {
    name:
      "crossEntropyFromLogits() is finite and correct at ±1000 and where the naive loss is Infinity",
    points: 2,
    hint: "Never form the probability: compute log Σ exp(z − m) − (z_y − m) in the shifted " +
      "frame, where nothing overflows or cancels.",
    run: "crossEntropyLarge",
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropyFromLogits(large logits)", { shape: [5] }),
        [120, 1000, Math.LN2, 1000, 0],
        { rtol: 1e-6, atol: AT_1000, msg: "crossEntropyFromLogits(large logits)" },
      ),
  },
  {
    name:
      "crossEntropyFromLogits() has the gradient softmax(z) − onehot(y), matching finite differences",
    points: 2,
    hint: "Use only differentiable tfjs ops (no dataSync inside), or tf.customGrad with " +
      "gradient dy · (softmax(z) − onehot(y)). The check weights each example's loss differently.",
    run: "crossEntropyGradient",
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
      assertClose(grad, gradReference(FD.logits, FD.labels, FD.weights), {
        rtol: 1e-5,
        atol: 1e-6,
        msg: "gradient vs w · (softmax(z) − onehot(y))",
      });
      const fd = plus.map((row, i) => row.map((p, j) => (p - minus[i][j]) / (2 * FD.step)));
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
    run: "crossEntropyGradientLarge",
    check: (output) => {
      const grad = expectTensor(output, "gradient at ±1000", { shape: [2, 3] });
      assertClose(grad, gradReference(LARGE_GRAD.logits, LARGE_GRAD.labels, LARGE_GRAD.weights), {
        rtol: 1e-5,
        atol: 1e-6,
        msg: "gradient at ±1000",
      });
    },
  },
  {
    name: "crossEntropyFromLogits() with a single class: every loss and gradient is 0",
    points: 1,
    hint: "With one class its probability is 1: logsumexp(z) = z. tf.oneHot refuses a depth " +
      "of 1; compare y with the class indices (tf.range) to build the mask instead.",
    run: "oneClass",
    check: (output) => {
      const what = "crossEntropyFromLogits(z of shape [3, 1], y = [0, 0, 0])";
      const losses = expectTensor(field(output, "losses", what), what, { shape: [3] });
      assertClose(losses, [0, 0, 0], { atol: 1e-6, msg: what });
      const grad = expectTensor(field(output, "grad", what), `the gradient of ${what}`, {
        shape: [3, 1],
      });
      assertClose(grad, [[0], [0], [0]], { atol: 1e-6, msg: `the gradient of ${what}` });
    },
  },
  {
    name: "crossEntropyFromLogits() rejects a label outside [0, classes) with an error naming it",
    points: 1,
    hint: "Check y's values before computing (y.dataSync()): throw a RangeError that names the " +
      "bad label and the valid range.",
    run: "crossEntropyBadLabel",
    check: (output) => {
      expectLabelsRejected(
        output,
        "crossEntropyBadLabel",
        { call: "crossEntropyFromLogits(z, y = [3]) with 3 classes", label: 3 },
        { call: "crossEntropyFromLogits(z, y = [-1])", label: -1 },
      );
    },
  },
  {
    name:
      "stableSoftmax(), logSumExp(), logSoftmax() and crossEntropyFromLogits() leave no tensors behind",
    points: 1,
    hint: "Wrap each function's body in tf.tidy; a tf.customGrad keeps only what you save().",
    run: "leaks",
    check: (output) => expectNoLeak(output, "the four functions"),
  },
  {
    name:
      "crossEntropyFromLogits() trains the lesson's model on logits to the lesson's accuracy (subset, 5 epochs)",
    points: 3,
    hint: "Used as the loss of a net that outputs logits (X · W + b), your function must give " +
      "the same gradients as softmax + crossEntropy: losses per example, not summed or averaged.",
    timeoutMs: 20_000,
    run: "trainOnLogits",
    check: async (output) => {
      const W = expectMatrix(field(output, "W", "trained parameters"), "W", [784, 10]);
      const b = expectNumbers(field(output, "b", "trained parameters"), "b", 10);
      if (![...W.flat(), ...b].every(Number.isFinite)) {
        fail("the trained W and b contain NaN or Infinity");
      }
      const reference = await trainReference();
      const [acc, refAcc] = [
        await testAccuracy({ W, b }, true),
        await referenceAccuracy(),
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
  shortcuts: ["softmax", "logSoftmax", "logSumExp", "losses.softmaxCrossEntropy"],
  runModule: import.meta.resolve("./runs/stable_softmax.ts"),
  runs,
  cases,
  references: [trainReference, referenceAccuracy],
};

/**
 * Cases for `exercises/cross_entropy.ts` (lesson 3): the book's pick and losses, a random
 * batch against float64, the gradient (−1/p at the true class), wrong-class NaN, errors and
 * leaks. The runs are in `runs/cross_entropy.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import { expectLabelsRejected, expectNoLeak, expectTensor, expectThrew, field } from "./helpers.ts";
import { LABELS, PROBS, runs } from "./runs/cross_entropy.ts";

type Impl = typeof import("../../exercises/cross_entropy.ts");

const cases: Case[] = [
  {
    name: "pickTrueClass() picks the book's [0.1, 0.5] for y = [0, 2]",
    points: 2,
    hint: "Row i's entry in column y[i]: a boolean mask that is true only there selects it " +
      "(tf.where); sum each row.",
    run: "bookPick",
    check: (output) =>
      assertClose(expectTensor(output, "pickTrueClass(yHat, y)", { shape: [2] }), [0.1, 0.5], {
        atol: 1e-7,
      }),
  },
  {
    name: "crossEntropy() gives the book's [2.3026, 0.6931] per example",
    points: 2,
    hint: "−log of the picked probabilities, one loss per example (shape [batch], not summed).",
    run: "bookLoss",
    check: (output) =>
      assertClose(expectTensor(output, "crossEntropy(yHat, y)", { shape: [2] }), [
        -Math.log(0.1),
        -Math.log(0.5),
      ], { rtol: 1e-6 }),
  },
  {
    name: "crossEntropy() matches −log p on a random [6, 10] batch",
    points: 1,
    hint: "Make sure each row uses its own label.",
    run: "randomBatch",
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropy(yHat, y)", { shape: [6] }),
        LABELS.map((k, i) => -Math.log(PROBS[i][k])),
        { rtol: 1e-5, atol: 1e-6 },
      ),
  },
  {
    name: "crossEntropy() is differentiable: −1/p at the true class, 0 elsewhere",
    points: 2,
    hint: "Use differentiable tensor operations only (tf.where or a one-hot mask, tf.sum, " +
      "tf.log; no dataSync on yHat, no tf.gatherND, which has no gradient).",
    run: "gradient",
    check: (output) =>
      assertClose(expectTensor(output, "d sum(crossEntropy) / d yHat", { shape: [2, 3] }), [[
        -10,
        0,
        0,
      ], [0, 0, -2]], { rtol: 1e-5 }),
  },
  {
    name:
      "pickTrueClass() never reads the other classes: a NaN or Infinity there does not reach the result",
    points: 1,
    hint: "Select with tf.where instead of multiplying by the one-hot matrix: 0 · NaN is NaN.",
    run: "nanElsewhere",
    check: (output) =>
      assertClose(expectTensor(output, "pickTrueClass(yHat with NaN, y)", { shape: [2] }), [
        0.1,
        0.5,
      ], { atol: 1e-7 }),
  },
  {
    name: "crossEntropy() is Infinity where the true class has probability 0 (not clamped)",
    points: 1,
    hint: "The book's loss is −log p exactly: log 0 is −Infinity, so the loss is Infinity. " +
      "Do not clamp p to a small number; the stable fix is book exercise 3.",
    run: "zeroProbability",
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropy([[0, 1], [1, 0], [0.5, 0.5]], y = [0, 0, 1])", {
          shape: [3],
        }),
        [Infinity, 0, Math.LN2],
        { rtol: 1e-6, msg: "crossEntropy([[0, 1], [1, 0], [0.5, 0.5]], y = [0, 0, 1])" },
      ),
  },
  {
    name: "pickTrueClass() and crossEntropy() work with a single class (yHat of shape [3, 1])",
    points: 1,
    hint: "tf.oneHot refuses a depth of 1: build the mask by comparing y with the class " +
      "indices (tf.range), or from y's values.",
    run: "oneClass",
    check: (output) => {
      const what = "pickTrueClass([[1], [1], [1]], y = [0, 0, 0])";
      assertClose(expectTensor(field(output, "pick", what), what, { shape: [3] }), [1, 1, 1], {
        msg: what,
      });
      const loss = "crossEntropy([[1], [1], [1]], y = [0, 0, 0])";
      assertClose(expectTensor(field(output, "loss", loss), loss, { shape: [3] }), [0, 0, 0], {
        atol: 1e-7,
        msg: loss,
      });
    },
  },
  {
    name: "crossEntropy() rejects a label outside [0, classes) with an error naming it",
    points: 1,
    hint: "Read y (y.dataSync()) and throw a RangeError naming the bad label and the range.",
    run: "badLabel",
    check: (output) => {
      expectLabelsRejected(
        output,
        "badLabel",
        { call: "crossEntropy(yHat, y = [0, 3]) with 3 classes", label: 3 },
        { call: "crossEntropy(yHat, y = [-1, 2])", label: -1 },
      );
    },
  },
  {
    name: "crossEntropy() rejects mismatched batch sizes with an error naming both",
    points: 1,
    hint: "yHat has 2 rows and y 3 labels: say so, rather than letting tf.oneHot/tf.where fail.",
    run: "batchMismatch",
    check: (output) =>
      expectThrew(output, "crossEntropy(2 rows, 3 labels)", {
        names: ["RangeError", "TypeError"],
        mentions: ["3"],
      }),
  },
  {
    name: "pickTrueClass() and crossEntropy() leave no tensors behind",
    points: 1,
    hint: "The mask and the log are intermediates: wrap the work in tf.tidy.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "pickTrueClass() and crossEntropy()"),
  },
];

/** Lesson 3 re-implemented: picking the true class and the cross-entropy. */
export const crossEntropy: Exercise<Impl> = {
  id: "cross_entropy",
  title: "Lesson 3: cross-entropy",
  file: "cross_entropy.ts",
  exports: ["pickTrueClass", "crossEntropy"],
  lesson: "lessons/03_cross_entropy.ts",
  // softmaxCrossEntropy(Y, log(ŷ)) is the cross-entropy of ŷ.
  shortcuts: ["losses.softmaxCrossEntropy"],
  runModule: import.meta.resolve("./runs/cross_entropy.ts"),
  runs,
  cases,
};

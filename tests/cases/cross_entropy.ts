/**
 * Cases for `exercises/cross_entropy.ts` (lesson 3): the book's pick and losses, a random
 * batch against float64, the gradient (−1/p at the true class), wrong-class NaN, errors and
 * leaks.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Plain } from "./case.ts";
import {
  captureError,
  countLeaks,
  expectNoLeak,
  expectTensor,
  expectThrew,
  seededLabels,
  seededMatrix,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";
import { softmaxRows } from "./reference.ts";

type Impl = typeof import("../../exercises/cross_entropy.ts");
type Fn = (yHat: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D;

const BOOK_Y = [0, 2];
const BOOK_Y_HAT = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]];
const probs = softmaxRows(seededMatrix(6, 10, 16)).map((r) => r.map(Math.fround));
const labels = seededLabels(6, 10, 17);

function callOut(fn: Fn, yHat: number[][], y: number[]): Plain {
  return tidyPlain(() => tensorOut(fn(tf.tensor2d(yHat), tf.tensor1d(y, "int32"))));
}

const cases: Case<Impl>[] = [
  {
    name: "pickTrueClass() picks the book's [0.1, 0.5] for y = [0, 2]",
    points: 2,
    hint: "Row i's entry in column y[i]: a one-hot mask of y (tf.oneHot) selects it; sum each row.",
    run: (impl) => callOut(impl.pickTrueClass, BOOK_Y_HAT, BOOK_Y),
    check: (output) =>
      assertClose(expectTensor(output, "pickTrueClass(yHat, y)", { shape: [2] }), [0.1, 0.5], {
        atol: 1e-7,
      }),
  },
  {
    name: "crossEntropy() gives the book's [2.3026, 0.6931] per example",
    points: 2,
    hint: "−log of the picked probabilities, one loss per example (shape [batch], not summed).",
    run: (impl) => callOut(impl.crossEntropy, BOOK_Y_HAT, BOOK_Y),
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
    run: (impl) => callOut(impl.crossEntropy, probs, labels),
    check: (output) =>
      assertClose(
        expectTensor(output, "crossEntropy(yHat, y)", { shape: [6] }),
        labels.map((k, i) => -Math.log(probs[i][k])),
        { rtol: 1e-5, atol: 1e-6 },
      ),
  },
  {
    name: "crossEntropy() is differentiable: −1/p at the true class, 0 elsewhere",
    points: 2,
    hint: "Use differentiable tensor operations only (tf.where, tf.sum, tf.log; no dataSync " +
      "on yHat, no tf.gather, which has no gradient on wasm).",
    run: (impl) =>
      tidyPlain(() => {
        const y = tf.tensor1d(BOOK_Y, "int32");
        const grad = tf.grad((p) => tf.sum(impl.crossEntropy(p as tf.Tensor2D, y)));
        return tensorOut(grad(tf.tensor2d(BOOK_Y_HAT)));
      }),
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
    run: (impl) => callOut(impl.pickTrueClass, [[0.1, NaN, 0.9], [Infinity, 0.5, 0.5]], [0, 1]),
    check: (output) =>
      assertClose(expectTensor(output, "pickTrueClass(yHat with NaN, y)", { shape: [2] }), [
        0.1,
        0.5,
      ], { atol: 1e-7 }),
  },
  {
    name: "crossEntropy() rejects a label outside [0, classes) with an error naming it",
    points: 1,
    hint: "Read y (y.dataSync()) and throw a RangeError naming the bad label and the range.",
    run: (impl) =>
      captureError(() =>
        tf.tidy(() => impl.crossEntropy(tf.tensor2d(BOOK_Y_HAT), tf.tensor1d([0, 3], "int32")))
      ),
    check: (output) =>
      expectThrew(output, "crossEntropy(yHat, y = [0, 3]) with 3 classes", {
        names: ["RangeError", "TypeError"],
        mentions: ["3"],
      }),
  },
  {
    name: "crossEntropy() rejects mismatched batch sizes with an error naming both",
    points: 1,
    hint: "yHat has 2 rows and y 3 labels: say so, rather than letting tf.oneHot/tf.where fail.",
    run: (impl) =>
      captureError(() =>
        tf.tidy(() => impl.crossEntropy(tf.tensor2d(BOOK_Y_HAT), tf.tensor1d([0, 2, 1], "int32")))
      ),
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
    run: (impl) =>
      tidyPlain(() => {
        const yHat = tf.tensor2d(probs);
        const y = tf.tensor1d(labels, "int32");
        return countLeaks(() => [impl.pickTrueClass(yHat, y), impl.crossEntropy(yHat, y)]);
      }),
    check: (output) => expectNoLeak(output, "pickTrueClass() and crossEntropy()"),
  },
];

/** Lesson 3 re-implemented: picking the true class and the cross-entropy. */
export const crossEntropy: Exercise<Impl> = {
  id: "cross_entropy",
  title: "Lesson 3: cross-entropy",
  file: "cross_entropy.ts",
  exports: ["pickTrueClass", "crossEntropy"],
  cases,
};

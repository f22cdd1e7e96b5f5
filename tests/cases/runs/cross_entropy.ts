/**
 * The run half of `cross_entropy`'s cases (lesson 3): the inputs and the calls, nothing that
 * judges them (that is `../cross_entropy.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Plain, Runs } from "../case.ts";
import {
  captureError,
  countLeaks,
  seededLabels,
  seededProbabilities,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";

type Impl = typeof import("../../../exercises/cross_entropy.ts");
type Fn = (yHat: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor1D;

/** The book's labels. */
const BOOK_Y = [0, 2];
/** The book's predicted probabilities. */
const BOOK_Y_HAT = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]];

/** A random [6, 10] batch of float32-exact probabilities. */
export const PROBS = seededProbabilities(6, 10, 16);
/** Its labels, in [0, 10). */
export const LABELS = seededLabels(6, 10, 17);

function callOut(fn: Fn, yHat: number[][], y: number[]): Plain {
  return tidyPlain(() => tensorOut(fn(tf.tensor2d(yHat), tf.tensor1d(y, "int32"))));
}

function throwsOut(impl: Impl, y: number[]): Plain {
  return captureError(() =>
    tf.tidy(() => impl.crossEntropy(tf.tensor2d(BOOK_Y_HAT), tf.tensor1d(y, "int32")))
  );
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  bookPick: (impl) => callOut(impl.pickTrueClass, BOOK_Y_HAT, BOOK_Y),
  bookLoss: (impl) => callOut(impl.crossEntropy, BOOK_Y_HAT, BOOK_Y),
  randomBatch: (impl) => callOut(impl.crossEntropy, PROBS, LABELS),
  gradient: (impl) =>
    tidyPlain(() => {
      const y = tf.tensor1d(BOOK_Y, "int32");
      const grad = tf.grad((p) => tf.sum(impl.crossEntropy(p as tf.Tensor2D, y)));
      return tensorOut(grad(tf.tensor2d(BOOK_Y_HAT)));
    }),
  nanElsewhere: (impl) =>
    callOut(impl.pickTrueClass, [[0.1, NaN, 0.9], [Infinity, 0.5, 0.5]], [0, 1]),
  zeroProbability: (impl) => callOut(impl.crossEntropy, [[0, 1], [1, 0], [0.5, 0.5]], [0, 0, 1]),
  oneClass: (impl) => ({
    pick: callOut(impl.pickTrueClass, [[1], [1], [1]], [0, 0, 0]),
    loss: callOut(impl.crossEntropy, [[1], [1], [1]], [0, 0, 0]),
  }),
  badLabel: (impl) => ({ high: throwsOut(impl, [0, 3]), negative: throwsOut(impl, [-1, 2]) }),
  batchMismatch: (impl) => throwsOut(impl, [0, 2, 1]),
  leaks: (impl) =>
    tidyPlain(() => {
      const yHat = tf.tensor2d(PROBS);
      const y = tf.tensor1d(LABELS, "int32");
      return countLeaks(() => [impl.pickTrueClass(yHat, y), impl.crossEntropy(yHat, y)]);
    }),
};

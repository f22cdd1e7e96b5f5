/**
 * The run half of `accuracy`'s cases (lesson 4's `accuracy`): the inputs and the calls,
 * nothing that judges them (that is `../accuracy.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Runs } from "../case.ts";
import { captureError, countLeaks, seededLabels, seededMatrix, tidyPlain } from "./helpers.ts";

type Impl = typeof import("../../../exercises/accuracy.ts");

/** The book's predicted probabilities (its labels are [0, 2]). */
const BOOK_Y_HAT = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]];
/** A random [50, 10] batch of scores. */
export const SCORES = seededMatrix(50, 10, 18);
/** Its labels, in [0, 10). */
export const LABELS = seededLabels(50, 10, 19);

/** Label pairs for the book's 3-class yHat with one label that is no class. */
export const BAD_LABELS = [[0, 3], [-1, 2], [1.5, 2], [NaN, 2]];
/** Predicted labels (no class count to check against), and label pairs with one that is no label. */
export const PREDICTED = [0, 1];
/** Label pairs for {@linkcode PREDICTED} with one label that is not a whole number ≥ 0. */
export const BAD_FOR_PREDICTED = [[-1, 1], [0.5, 1]];

function countOut(
  impl: Impl,
  yHat: () => tf.Tensor,
  y: number[],
  dtype: "int32" | "float32" = "int32",
): number {
  return tidyPlain(() => impl.accuracy(yHat(), tf.tensor1d(y, dtype)));
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  book: (impl) => countOut(impl, () => tf.tensor2d(BOOK_Y_HAT), [0, 2]),
  randomBatch: (impl) => countOut(impl, () => tf.tensor2d(SCORES), LABELS),
  predictedLabels: (impl) => ({
    vector: countOut(impl, () => tf.tensor1d([2, 1, 0, 3], "int32"), [2, 1, 1, 3]),
    column: countOut(impl, () => tf.tensor2d([[2], [1], [0], [3]], [4, 1], "int32"), [2, 1, 1, 3]),
  }),
  float32Labels: (impl) => countOut(impl, () => tf.tensor2d(BOOK_Y_HAT), [0, 2], "float32"),
  ties: (impl) => countOut(impl, () => tf.tensor2d([[0.5, 0.5], [0.2, 0.8]]), [0, 0]),
  emptyBatch: (impl) => countOut(impl, () => tf.zeros([0, 3]), []),
  batchMismatch: (impl) =>
    captureError(() => countOut(impl, () => tf.tensor2d(BOOK_Y_HAT), [0, 2, 1])),
  badLabels: (impl) => [
    ...BAD_LABELS.map((y) =>
      captureError(() => countOut(impl, () => tf.tensor2d(BOOK_Y_HAT), y, "float32"))
    ),
    ...BAD_FOR_PREDICTED.map((y) =>
      captureError(() => countOut(impl, () => tf.tensor1d(PREDICTED, "int32"), y, "float32"))
    ),
  ],
  leaks: (impl) =>
    tidyPlain(() => {
      const yHat = tf.tensor2d(SCORES);
      const y = tf.tensor1d(LABELS, "int32");
      return countLeaks(() => impl.accuracy(yHat, y));
    }),
};

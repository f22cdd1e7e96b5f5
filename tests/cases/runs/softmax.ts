/**
 * The run half of `softmax`'s cases (lesson 2): the inputs and the calls, nothing that judges
 * them (that is `../softmax.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Plain, Runs } from "../case.ts";
import { captureError, countLeaks, seededMatrix, tensorOut, tidyPlain } from "./helpers.ts";

type Impl = typeof import("../../../exercises/softmax.ts");

/** The book's N(0, 1) input, [2, 5]. */
export const NORMAL = seededMatrix(2, 5, 12);
/** A non-square [3, 4] batch. */
export const WIDE = seededMatrix(3, 4, 13, { std: 2 });
/** The point and the weights of the gradient case: d/dX sum(softmax(X) * R). */
export const GRAD_INPUT = seededMatrix(3, 4, 14);
/** See {@linkcode GRAD_INPUT}. */
export const GRAD_WEIGHTS = seededMatrix(3, 4, 15);

function softmaxOut(impl: Impl, rows: number[][] | tf.Tensor2D): Plain {
  return tidyPlain(() => tensorOut(impl.softmax(Array.isArray(rows) ? tf.tensor2d(rows) : rows)));
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  normal: (impl) => softmaxOut(impl, NORMAL),
  handChecked: (impl) => softmaxOut(impl, [[0, 0], [0, 1]]),
  nonSquare: (impl) => softmaxOut(impl, WIDE),
  nanRow: (impl) => softmaxOut(impl, [[NaN, 0, 1], [1, 2, 3]]),
  emptyBatch: (impl) => softmaxOut(impl, tf.zeros([0, 5]) as tf.Tensor2D),
  gradient: (impl) =>
    tidyPlain(() => {
      const R = tf.tensor2d(GRAD_WEIGHTS);
      const grad = tf.grad((X) => tf.sum(tf.mul(impl.softmax(X as tf.Tensor2D), R)));
      return tensorOut(grad(tf.tensor2d(GRAD_INPUT)));
    }),
  rank1: (impl) =>
    captureError(() =>
      tf.tidy(() => impl.softmax(tf.tensor1d([1, 2, 3]) as unknown as tf.Tensor2D))
    ),
  leaks: (impl) =>
    tidyPlain(() => {
      const X = tf.tensor2d(WIDE);
      return countLeaks(() => impl.softmax(X));
    }),
};

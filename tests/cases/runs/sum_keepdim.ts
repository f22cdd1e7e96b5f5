/**
 * The run half of `sum_keepdim`'s cases (lesson 1): the inputs and the calls, nothing that
 * judges them (that is `../sum_keepdim.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Plain, Runs } from "../case.ts";
import { captureError, countLeaks, seededMatrix, tensorOut, tidyPlain } from "./helpers.ts";

type Impl = typeof import("../../../exercises/sum_keepdim.ts");

/** The book's matrix. */
export const BOOK = [[1, 2, 3], [4, 5, 6]];
/** A random [7, 5] matrix. */
export const RANDOM = seededMatrix(7, 5, 11);

function sumOut(
  impl: Impl,
  rows: number[][],
  axis: 0 | 1,
  dtype: "float32" | "int32" = "float32",
): Plain {
  return tidyPlain(() => tensorOut(impl.sumKeepdim(tf.tensor2d(rows, undefined, dtype), axis)));
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  bookAxis0: (impl) => sumOut(impl, BOOK, 0),
  bookAxis1: (impl) => sumOut(impl, BOOK, 1),
  randomBothAxes: (impl) => ({ cols: sumOut(impl, RANDOM, 0), rows: sumOut(impl, RANDOM, 1) }),
  int32: (impl) => sumOut(impl, BOOK, 1, "int32"),
  emptyAxis: (impl) =>
    tidyPlain(() => tensorOut(impl.sumKeepdim(tf.zeros([0, 3]) as tf.Tensor2D, 0))),
  rank1: (impl) =>
    captureError(() =>
      tf.tidy(() => impl.sumKeepdim(tf.tensor1d([1, 2, 3]) as unknown as tf.Tensor2D, 0))
    ),
  // tf.sum reads axis -1 as the last axis: only the function's own check refuses it.
  badAxis: (impl) => ({
    two: captureError(() => tf.tidy(() => impl.sumKeepdim(tf.tensor2d(BOOK), 2 as 0 | 1))),
    negative: captureError(() => tf.tidy(() => impl.sumKeepdim(tf.tensor2d(BOOK), -1 as 0 | 1))),
  }),
  leaks: (impl) =>
    tidyPlain(() => {
      const X = tf.tensor2d(RANDOM);
      return countLeaks(() => [impl.sumKeepdim(X, 0), impl.sumKeepdim(X, 1)]);
    }),
};

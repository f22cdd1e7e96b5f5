/**
 * The run half of `softmax_overflow`'s cases (book exercise 1): the softmaxes searched and the
 * calls, nothing that judges them (that is `../softmax_overflow.ts`). Loaded in the grader's
 * sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { softmax } from "../../../lessons/02_softmax.ts";
import type { Runs } from "../case.ts";
import { countLeaks } from "./helpers.ts";

type Impl = typeof import("../../../exercises/softmax_overflow.ts");
type SoftmaxFn = (X: tf.Tensor2D) => tf.Tensor2D;

/** The lesson's naive softmax applied to `2X`: its edges are half as far out. */
export const softmaxOf2X: SoftmaxFn = (X) => tf.tidy(() => softmax(tf.mul(X, 2) as tf.Tensor2D));

/** A max-shifted softmax: never overflows, never divides 0 by 0 for finite logits. */
function stable(X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const e = tf.exp(tf.sub(X, tf.max(X, 1, true)));
    return tf.div(e, tf.sum(e, 1, true));
  });
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  overflowNaive: (impl) => impl.findOverflowLogit(softmax),
  overflowOf2X: (impl) => impl.findOverflowLogit(softmaxOf2X),
  overflowStable: (impl) => impl.findOverflowLogit(stable),
  underflowNaive: (impl) => impl.findUnderflowLogit(softmax),
  underflowOf2X: (impl) => impl.findUnderflowLogit(softmaxOf2X),
  underflowStable: (impl) => impl.findUnderflowLogit(stable),
  leaks: (impl) =>
    countLeaks(() => {
      impl.findOverflowLogit(softmax);
      impl.findUnderflowLogit(softmax);
    }),
};

/**
 * The run half of `gradient_by_hand`'s cases (lesson 7): the inputs and the calls, nothing that
 * judges them (that is `../gradient_by_hand.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Plain, Runs } from "../case.ts";
import {
  captureError,
  countLeaks,
  seededLabels,
  seededMatrix,
  seededProbabilities,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";

type Impl = typeof import("../../../exercises/gradient_by_hand.ts");

/** The book's labels and predicted probabilities. */
export const BOOK_Y = [0, 2];
export const BOOK_Y_HAT = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]];

/** A random [6, 10] batch of float32-exact probabilities and its labels. */
export const PROBS = seededProbabilities(6, 10, 71);
export const LABELS = seededLabels(6, 10, 72);

/** A small model: 4 examples of 6 inputs, 3 classes. */
export const SMALL = {
  X: seededMatrix(4, 6, 73),
  W: seededMatrix(6, 3, 74, { std: 0.5 }),
  b: [0.1, -0.2, 0.3],
  y: [0, 2, 1, 2],
};

/** Eight 28×28 "images" in [0, 1]-ish and the book's model shape, W ~ N(0, 0.01), b = 0. */
export const IMAGES = {
  X: seededMatrix(8, 784, 75, { mean: 0.5, std: 0.25 }),
  W: seededMatrix(784, 10, 76, { std: 0.01 }),
  b: new Array(10).fill(0),
  y: seededLabels(8, 10, 77),
};

type Model = { X: number[][]; W: number[][]; b: number[]; y: number[] };

/** `gradByHand` on the small model's parameters and batch with labels `y` (which may be bad). */
function gradOnSmall(impl: Impl, y: number[]) {
  return tf.tidy(() => {
    const params = { W: tf.variable(tf.tensor2d(SMALL.W)), b: tf.variable(tf.tensor1d(SMALL.b)) };
    try {
      return impl.gradByHand(params, tf.tensor2d(SMALL.X), tf.tensor1d(y, "int32"));
    } finally {
      params.W.dispose();
      params.b.dispose();
    }
  });
}

/** `gradByHand` on a model given as plain arrays; X reshaped to `xShape`. */
function gradOut(impl: Impl, m: Model, xShape: number[]): Plain {
  return tidyPlain(() => {
    const params = {
      W: tf.variable(tf.tensor2d(m.W)),
      b: tf.variable(tf.tensor1d(m.b)),
    };
    try {
      const X = tf.tensor(m.X.flat(), xShape);
      const { dW, db } = impl.gradByHand(params, X, tf.tensor1d(m.y, "int32"));
      return { dW: tensorOut(dW), db: tensorOut(db) };
    } finally {
      params.W.dispose();
      params.b.dispose();
    }
  });
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  bookLogit: (impl) =>
    tidyPlain(() =>
      tensorOut(impl.logitGradient(tf.tensor2d(BOOK_Y_HAT), tf.tensor1d(BOOK_Y, "int32")))
    ),
  randomLogit: (impl) =>
    tidyPlain(() =>
      tensorOut(impl.logitGradient(tf.tensor2d(PROBS), tf.tensor1d(LABELS, "int32")))
    ),
  oneClass: (impl) =>
    tidyPlain(() =>
      tensorOut(impl.logitGradient(tf.tensor2d([[1], [1]]), tf.tensor1d([0, 0], "int32")))
    ),
  small: (impl) => gradOut(impl, SMALL, [4, 6]),
  images: (impl) => gradOut(impl, IMAGES, [8, 1, 28, 28]),
  badLabel: (impl) => {
    const logit = (y: number[]) =>
      captureError(() =>
        tf.tidy(() => impl.logitGradient(tf.tensor2d(BOOK_Y_HAT), tf.tensor1d(y, "int32")))
      );
    // gradByHand too: one that builds its one-hot itself must check the labels as well.
    const grad = (y: number[]) => captureError(() => gradOnSmall(impl, y));
    return {
      logit: { high: logit([0, 3]), negative: logit([-1, 2]) },
      grad: { high: grad([0, 2, 1, 3]), negative: grad([0, -1, 1, 2]) },
    };
  },
  batchMismatch: (impl) => captureError(() => gradOnSmall(impl, [0, 1, 2])),
  keepsParams: (impl) =>
    tidyPlain(() => {
      const params = { W: tf.variable(tf.tensor2d(SMALL.W)), b: tf.variable(tf.tensor1d(SMALL.b)) };
      const X = tf.tensor2d(SMALL.X);
      const y = tf.tensor1d(SMALL.y, "int32");
      const yHat = tf.tensor2d(PROBS);
      const labels = tf.tensor1d(LABELS, "int32");
      const leaks = countLeaks(() => [
        impl.logitGradient(yHat, labels),
        impl.gradByHand(params, X, y),
      ]);
      const out = { leaks, W: tensorOut(params.W), b: tensorOut(params.b) };
      params.W.dispose();
      params.b.dispose();
      return out;
    }),
};

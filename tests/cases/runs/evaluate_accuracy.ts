/**
 * The run half of `evaluate_accuracy`'s cases (lesson 4's `Accumulator` and
 * `evaluateAccuracy`): the inputs and the calls, nothing that judges them (that is
 * `../evaluate_accuracy.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { createDataIter, type DataIter } from "../../../data/data_iter.ts";
import { loadDataFashionMnist } from "../../../data/fashion_mnist.ts";
import { createNet, initParams } from "../../../lessons/02_softmax.ts";
import type { Runs } from "../case.ts";
import { countLeaks } from "./helpers.ts";

type Impl = typeof import("../../../exercises/evaluate_accuracy.ts");

/**
 * The classes the net below predicts for ten 1×4 "images" (the brightest pixel), in batches of
 * 4, 4 and 2. With {@linkcode LABELS}: batch 1, 4 of 4 right; batch 2, 2 of 4; batch 3, 0 of
 * 2. Overall 6 / 10 = 0.6; the mean of the batch fractions would be 0.5.
 */
export const PREDICTED = [0, 1, 2, 3, 0, 1, 2, 3, 1, 2];
/** The ten images' labels. */
export const LABELS = [0, 1, 2, 3, 0, 1, 0, 0, 0, 0];

function images(): Float32Array {
  const pixels = new Float32Array(PREDICTED.length * 4).fill(0.1);
  PREDICTED.forEach((p, i) => (pixels[i * 4 + p] = 0.7));
  return pixels;
}

function tinyIter(): DataIter {
  return createDataIter(images(), Int32Array.from(LABELS), { batchSize: 4, imageSize: [1, 4] });
}

/** The "model": the 4 pixels as the probabilities of 4 classes. Counts its calls. */
function pixelNet(): { net: (X: tf.Tensor) => tf.Tensor2D; calls: () => number } {
  let calls = 0;
  return {
    net: (X) => {
      calls++;
      return tf.tidy(() => tf.reshape(X, [-1, 4]) as tf.Tensor2D);
    },
    calls: () => calls,
  };
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  accumulatorSums: (impl) => {
    const metric = new impl.Accumulator(2);
    metric.add(1, 2);
    metric.add(3, 4);
    metric.add(0.5, 0);
    return [metric.get(0), metric.get(1)];
  },
  accumulatorReset: (impl) => {
    const metric = new impl.Accumulator(3);
    metric.add(0.5, 1, 256);
    metric.add(0.25, 1, 96);
    const before = [metric.get(0), metric.get(1), metric.get(2)];
    metric.reset();
    const after = [metric.get(0), metric.get(1), metric.get(2)];
    metric.add(1, 2, 3);
    return { before, after, again: [metric.get(0), metric.get(1), metric.get(2)] };
  },
  shortLastBatch: (impl) => {
    const iter = tinyIter();
    try {
      return impl.evaluateAccuracy(pixelNet().net, iter);
    } finally {
      iter.dispose();
    }
  },
  onePass: (impl) => {
    const iter = tinyIter();
    try {
      const { net, calls } = pixelNet();
      impl.evaluateAccuracy(net, iter);
      return { calls: calls(), passes: iter.passes };
    } finally {
      iter.dispose();
    }
  },
  randomNet: async (impl) => {
    const data = await loadDataFashionMnist(256, { subset: true });
    const params = initParams({ seed: 0 });
    let random: number;
    try {
      random = impl.evaluateAccuracy(createNet(params), data.testIter);
    } finally {
      tf.dispose([params.W, params.b]);
      data.dispose();
    }
    // Then a net that is always right (class 0, on labels all 0): exactly 1, unless counts
    // kept from the call before are added in (an Accumulator made once, not per call).
    const zeros = createDataIter(images(), new Int32Array(LABELS.length), {
      batchSize: 4,
      imageSize: [1, 4],
    });
    try {
      const alwaysRight = (X: tf.Tensor) =>
        tf.tidy(() => tf.oneHot(tf.zeros([X.shape[0]], "int32"), 4).toFloat() as tf.Tensor2D);
      return { random, alwaysRight: impl.evaluateAccuracy(alwaysRight, zeros) };
    } finally {
      zeros.dispose();
    }
  },
  leaks: (impl) => {
    const iter = tinyIter();
    try {
      const { net } = pixelNet();
      return countLeaks(() => impl.evaluateAccuracy(net, iter));
    } finally {
      iter.dispose();
    }
  },
};

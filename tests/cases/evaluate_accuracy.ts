/**
 * Cases for `exercises/evaluate_accuracy.ts` (lesson 4's `Accumulator` and
 * `evaluateAccuracy`): running sums, the whole iterator with a short last batch (counts, not
 * per-batch fractions), one pass, the random net on the committed subset, and leaks.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import type { Case, Exercise, Kit } from "./case.ts";
import { countLeaks, expectNoLeak, expectNumber, expectNumbers, fail, field } from "./helpers.ts";

type Impl = typeof import("../../exercises/evaluate_accuracy.ts");

/**
 * Ten 1×4 "images" whose brightest pixel is the predicted class (the net below reads the
 * pixels as probabilities), in batches of 4, 4 and 2. Batch 1: 4 of 4 right; batch 2: 2 of 4;
 * batch 3: 0 of 2. Overall 6 / 10 = 0.6; the mean of the batch fractions would be 0.5.
 */
const PREDICTED = [0, 1, 2, 3, 0, 1, 2, 3, 1, 2];
const LABELS = [0, 1, 2, 3, 0, 1, 0, 0, 0, 0];

function images(): Float32Array {
  const pixels = new Float32Array(PREDICTED.length * 4).fill(0.1);
  PREDICTED.forEach((p, i) => (pixels[i * 4 + p] = 0.7));
  return pixels;
}

function tinyIter(kit: Kit) {
  return kit.createDataIter(images(), Int32Array.from(LABELS), { batchSize: 4, imageSize: [1, 4] });
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

const cases: Case<Impl>[] = [
  {
    name: "Accumulator adds (correct, examples) pairs into two running sums",
    points: 1,
    hint: "Keep an array of n numbers; add(...values) adds values[i] to sum i; get(i) reads it.",
    run: (impl) => {
      const metric = new impl.Accumulator(2);
      metric.add(1, 2);
      metric.add(3, 4);
      metric.add(0.5, 0);
      return [metric.get(0), metric.get(1)];
    },
    check: (output) => {
      const sums = expectNumbers(output, "Accumulator sums", 2);
      if (sums[0] !== 4.5 || sums[1] !== 6) {
        fail(`expected sums [4.5, 6], got [${sums.join(", ")}]`);
      }
    },
  },
  {
    name: "Accumulator keeps n sums and reset() sets them back to 0",
    points: 1,
    hint: "reset() zeroes every sum; the accumulator stays usable afterwards.",
    run: (impl) => {
      const metric = new impl.Accumulator(3);
      metric.add(0.5, 1, 256);
      metric.add(0.25, 1, 96);
      const before = [metric.get(0), metric.get(1), metric.get(2)];
      metric.reset();
      const after = [metric.get(0), metric.get(1), metric.get(2)];
      metric.add(1, 2, 3);
      return { before, after, again: [metric.get(0), metric.get(1), metric.get(2)] };
    },
    check: (output) => {
      const before = expectNumbers(field(output, "before", "sums"), "sums before reset", 3);
      const after = expectNumbers(field(output, "after", "sums"), "sums after reset", 3);
      const again = expectNumbers(field(output, "again", "sums"), "sums after reset and add", 3);
      if (before.join() !== "0.75,2,352") {
        fail(`before reset: expected [0.75, 2, 352], got [${before}]`);
      }
      if (after.join() !== "0,0,0") fail(`after reset: expected [0, 0, 0], got [${after}]`);
      if (again.join() !== "1,2,3") {
        fail(`after reset and add(1, 2, 3): expected [1, 2, 3], got [${again}]`);
      }
    },
  },
  {
    name:
      "evaluateAccuracy() counts every batch, the short last one too: 6 / 10, not the mean of batch accuracies",
    points: 2,
    hint: "Add each batch's count of correct predictions and its size to an Accumulator(2) and " +
      "divide once at the end: averaging per-batch fractions gives 0.5 here.",
    run: (impl, kit) => {
      const iter = tinyIter(kit);
      try {
        return impl.evaluateAccuracy(pixelNet().net, iter);
      } finally {
        iter.dispose();
      }
    },
    check: (output) => {
      const acc = expectNumber(output, "evaluateAccuracy(net, 10 examples in batches 4, 4, 2)");
      const expected = PREDICTED.filter((p, i) => p === LABELS[i]).length / LABELS.length;
      if (Math.abs(acc - expected) > 1e-12) {
        fail(
          `expected ${expected}, got ${acc}${
            acc === 0.5 ? " (the mean of the per-batch accuracies)" : ""
          }`,
        );
      }
    },
  },
  {
    name: "evaluateAccuracy() makes exactly one pass: one net call per batch",
    points: 1,
    hint: "Iterate the iterator once (for … of); do not stop early or restart it.",
    run: (impl, kit) => {
      const iter = tinyIter(kit);
      try {
        const { net, calls } = pixelNet();
        impl.evaluateAccuracy(net, iter);
        return { calls: calls(), passes: iter.passes };
      } finally {
        iter.dispose();
      }
    },
    check: (output) => {
      const calls = expectNumber(field(output, "calls", "evaluateAccuracy"), "net calls");
      const passes = expectNumber(field(output, "passes", "evaluateAccuracy"), "iterator passes");
      if (calls !== 3 || passes !== 1) {
        fail(`expected 3 net calls in 1 pass, got ${calls} calls in ${passes} passes`);
      }
    },
  },
  {
    name:
      "evaluateAccuracy() of the randomly initialised model on the subset's test split matches the lesson (about 0.1)",
    points: 1,
    hint: "The same model and data as lesson 4: the value must equal the reference exactly.",
    run: async (impl, kit) => {
      const data = await kit.loadDataFashionMnist(256, { subset: true });
      const params = kit.initParams({ seed: 0 });
      try {
        return impl.evaluateAccuracy(kit.createNet(params), data.testIter);
      } finally {
        tf.dispose([params.W, params.b]);
        data.dispose();
      }
    },
    check: async (output, kit) => {
      const acc = expectNumber(output, "evaluateAccuracy(random net, subset test split)");
      const data = await kit.loadDataFashionMnist(256, { subset: true });
      const params = kit.initParams({ seed: 0 });
      try {
        const expected = kit.evaluateAccuracy(kit.createNet(params), data.testIter);
        if (Math.abs(acc - expected) > 1e-12) fail(`expected ${expected} (lesson 4), got ${acc}`);
      } finally {
        tf.dispose([params.W, params.b]);
        data.dispose();
      }
    },
  },
  {
    name: "evaluateAccuracy() leaves no tensors behind",
    points: 1,
    hint: "net(X) makes a new tensor per batch: compute each batch's count inside tf.tidy.",
    run: (impl, kit) => {
      const iter = tinyIter(kit);
      try {
        const { net } = pixelNet();
        return countLeaks(() => impl.evaluateAccuracy(net, iter));
      } finally {
        iter.dispose();
      }
    },
    check: (output) => expectNoLeak(output, "evaluateAccuracy()"),
  },
];

/** Lesson 4 re-implemented: Accumulator and evaluateAccuracy. */
export const evaluateAccuracy: Exercise<Impl> = {
  id: "evaluate_accuracy",
  title: "Lesson 4: Accumulator and evaluateAccuracy over a data set",
  file: "evaluate_accuracy.ts",
  exports: ["Accumulator", "evaluateAccuracy"],
  cases,
};

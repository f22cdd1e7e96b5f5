/**
 * Cases for `exercises/evaluate_accuracy.ts` (lesson 4's `Accumulator` and
 * `evaluateAccuracy`): running sums, the whole iterator with a short last batch (counts, not
 * per-batch fractions), one pass, the random net on the committed subset, and leaks. The runs
 * are in `runs/evaluate_accuracy.ts`.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { loadDataFashionMnist } from "../../data/fashion_mnist.ts";
import { createNet, initParams } from "../../lessons/02_softmax.ts";
import { evaluateAccuracy as lessonEvaluateAccuracy } from "../../lessons/04_evaluate_accuracy.ts";
import type { Case, Exercise } from "./case.ts";
import { expectNoLeak, expectNumber, expectNumbers, fail, field, once } from "./helpers.ts";
import { LABELS, PREDICTED, runs } from "./runs/evaluate_accuracy.ts";

type Impl = typeof import("../../exercises/evaluate_accuracy.ts");

/** The lesson's accuracy of the random net on the subset's test split (once). */
const randomNetAccuracy = once(async () => {
  const data = await loadDataFashionMnist(256, { subset: true });
  const params = initParams({ seed: 0 });
  try {
    return lessonEvaluateAccuracy(createNet(params), data.testIter);
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
});

/**
 * Whether `acc` is the ratio `expected` of two counts, divided in float64 or in float32 (a
 * tensor's division; counts below 2²⁴ are exact in either, the quotient rounds once).
 */
function isRatio(acc: number, expected: number): boolean {
  return Math.abs(acc - expected) <= 1e-12 || acc === Math.fround(expected);
}

const cases: Case[] = [
  {
    name: "Accumulator adds (correct, examples) pairs into two running sums",
    points: 1,
    hint: "Keep an array of n numbers; add(...values) adds values[i] to sum i; get(i) reads it.",
    run: "accumulatorSums",
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
    run: "accumulatorReset",
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
    hint: "A mean of batch accuracies weighs the short last batch like a full one: what two " +
      "totals over the whole pass give the accuracy of all 10 examples?",
    run: "shortLastBatch",
    check: (output) => {
      const acc = expectNumber(output, "evaluateAccuracy(net, 10 examples in batches 4, 4, 2)");
      const expected = PREDICTED.filter((p, i) => p === LABELS[i]).length / LABELS.length;
      if (!isRatio(acc, expected)) {
        fail(
          `expected ${expected}, got ${acc}${
            acc === 0.5
              // 3 batches: (2/4 + 3/4 + 1/2) / 3, or 6 / (3 · 4) counting the short one as 4
              ? " (what the mean of the per-batch accuracies gives, and what counting every " +
                "batch as the iterator's batch size, 4, gives)"
              : ""
          }`,
        );
      }
    },
  },
  {
    name: "evaluateAccuracy() makes exactly one pass: one net call per batch",
    points: 1,
    hint: "Iterate the iterator once (for … of); do not stop early or restart it.",
    run: "onePass",
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
      "evaluateAccuracy() of the randomly initialised model on the subset's test split matches the lesson (about 0.1), and the next call starts from zero",
    points: 1,
    hint: "The same model and data as lesson 4: the value must equal the reference exactly. " +
      "Make the Accumulator inside evaluateAccuracy, so that every call counts from zero.",
    run: "randomNet",
    check: async (output) => {
      const acc = expectNumber(
        field(output, "random", "randomNet"),
        "evaluateAccuracy(random net, subset test split)",
      );
      const expected = await randomNetAccuracy();
      if (!isRatio(acc, expected)) {
        fail(
          `evaluateAccuracy(random net, subset test split): expected ${expected}, what lesson ` +
            `4's evaluateAccuracy gives for the same model and data, got ${acc}`,
        );
      }
      const right = expectNumber(
        field(output, "alwaysRight", "randomNet"),
        "evaluateAccuracy(a net that is always right), called next",
      );
      if (right !== 1) {
        fail(
          `a net that is always right, evaluated next, got ${right}, not 1: the counts of the ` +
            "call before were added in; each call must count from zero (a new Accumulator)",
        );
      }
    },
  },
  {
    name: "evaluateAccuracy() leaves no tensors behind",
    points: 1,
    hint: "net(X) makes a new tensor per batch: compute each batch's count inside tf.tidy.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "evaluateAccuracy()"),
  },
];

/** Lesson 4 re-implemented: Accumulator and evaluateAccuracy. */
export const evaluateAccuracy: Exercise<Impl> = {
  id: "evaluate_accuracy",
  title: "Lesson 4: Accumulator and evaluateAccuracy over a data set",
  file: "evaluate_accuracy.ts",
  exports: ["Accumulator", "evaluateAccuracy"],
  lesson: "lessons/04_evaluate_accuracy.ts",
  runModule: import.meta.resolve("./runs/evaluate_accuracy.ts"),
  runs,
  cases,
  references: [randomNetAccuracy],
};

/**
 * Cases for `exercises/accuracy.ts` (lesson 4's `accuracy`): the book's count, a random
 * batch, predicted labels, float32 labels, ties, errors and leaks. The runs are in
 * `runs/accuracy.ts`.
 *
 * @module
 */
import type { Case, Exercise } from "./case.ts";
import { expectEqual, expectNoLeak, expectNumber, expectThrew, fail, field } from "./helpers.ts";
import { argmaxRows } from "./reference.ts";
import { BAD_FOR_PREDICTED, BAD_LABELS, LABELS, PREDICTED, runs, SCORES } from "./runs/accuracy.ts";

type Impl = typeof import("../../exercises/accuracy.ts");

function expectCount(output: unknown, expected: number, what: string): void {
  const n = expectNumber(output, what);
  if (n !== expected) {
    fail(
      `${what}: expected the count ${expected}${expected > 0 ? "" : ""}, got ${n}${
        n > 0 && n < 1 ? " (a fraction? return the count)" : ""
      }`,
    );
  }
}

const cases: Case[] = [
  {
    name: "accuracy() counts 1 correct of the book's 2 (so accuracy / len(y) = 0.5)",
    points: 2,
    hint: "Each row of yHat is one example; its prediction is the column with the highest " +
      "probability. Row 0 predicts class 2 (label 0: wrong), row 1 predicts 2 (label 2: right).",
    run: "book",
    check: (output) => expectCount(output, 1, "accuracy(book yHat, [0, 2])"),
  },
  {
    name: "accuracy() counts argmax hits on a random [50, 10] batch",
    points: 1,
    hint: "A row's prediction is its highest-scoring class; compare the predictions with y " +
      "and count the matches.",
    run: "randomBatch",
    check: (output) => {
      const expected = argmaxRows(SCORES).filter((p, i) => p === LABELS[i]).length;
      expectCount(output, expected, "accuracy(random yHat, y)");
    },
  },
  {
    name: "accuracy() takes a vector yHat as predicted labels",
    points: 1,
    hint: "Only a matrix with more than one column holds probabilities; a [batch] vector (or " +
      "[batch, 1]) already holds the predicted classes.",
    run: "predictedLabels",
    check: (output) => {
      expectCount(field(output, "vector", "accuracy"), 3, "accuracy([2, 1, 0, 3], [2, 1, 1, 3])");
      expectCount(
        field(output, "column", "accuracy"),
        3,
        "accuracy([[2], [1], [0], [3]], [2, 1, 1, 3])",
      );
    },
  },
  {
    name: "accuracy() compares in y's dtype: float32 labels [0, 2] still count 1",
    points: 1,
    hint:
      "argMax is int32; cast the predictions to y.dtype before tf.equal (the book's dtype point).",
    run: "float32Labels",
    check: (output) => expectCount(output, 1, "accuracy(book yHat, float32 [0, 2])"),
  },
  {
    name: "accuracy() breaks ties toward the first class, as argmax does",
    points: 1,
    hint: "Use tf.argMax: on equal probabilities it picks the lowest index.",
    run: "ties",
    check: (output) => expectCount(output, 1, "accuracy([[0.5, 0.5], [0.2, 0.8]], [0, 0])"),
  },
  {
    name: "accuracy() returns a plain number, and 0 for an empty batch",
    points: 1,
    hint: "Read the count back with dataSync()[0]; an empty batch has no correct predictions.",
    run: "emptyBatch",
    check: (output) => expectEqual(output, 0, "accuracy(empty batch)"),
  },
  {
    name: "accuracy() rejects mismatched batch sizes with an error naming both",
    points: 1,
    hint: "yHat has 2 rows and y 3 labels: throw a RangeError saying so.",
    run: "batchMismatch",
    check: (output) =>
      expectThrew(output, "accuracy(2 rows, 3 labels)", {
        names: ["RangeError", "TypeError"],
        mentions: ["3"],
      }),
  },
  {
    name:
      "accuracy() rejects labels that are no class (3 of 3 classes, -1, 1.5, NaN; -1, 0.5 beside predicted labels), naming the label",
    points: 1,
    hint: "A label that is not an integer in [0, classes) would silently count as wrong: read " +
      "y's values (y.dataSync()) and throw a RangeError naming the bad label and the range " +
      "(with predicted labels, there is no class count: a label must be a whole number ≥ 0).",
    run: "badLabels",
    check: (output) => {
      const calls = [
        ...BAD_LABELS.map((y) => ({ yHat: "book yHat", y, isLabel: (v: number) => v < 3 })),
        ...BAD_FOR_PREDICTED.map((y) => ({
          yHat: `predicted labels [${PREDICTED.join(", ")}]`,
          y,
          isLabel: () => true,
        })),
      ];
      if (!Array.isArray(output) || output.length !== calls.length) {
        fail(`expected ${calls.length} outcomes, got ${JSON.stringify(output)?.slice(0, 80)}`);
      }
      calls.forEach(({ yHat, y, isLabel }, i) =>
        expectThrew(output[i], `accuracy(${yHat}, y = [${y.join(", ")}])`, {
          names: ["RangeError", "TypeError"],
          mentions: [String(y.find((v) => !(Number.isInteger(v) && v >= 0 && isLabel(v))))],
        })
      );
    },
  },
  {
    name: "accuracy() leaves no tensors behind",
    points: 1,
    hint:
      "argMax, equal, cast and sum are intermediates: tf.tidy, then dispose the count after reading it.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "accuracy()"),
  },
];

/** Lesson 4 re-implemented: the count of correct predictions. */
export const accuracy: Exercise<Impl> = {
  id: "accuracy",
  title: "Lesson 4: accuracy (a count)",
  file: "accuracy.ts",
  exports: ["accuracy"],
  lesson: "lessons/04_accuracy.ts",
  runModule: import.meta.resolve("./runs/accuracy.ts"),
  runs,
  cases,
};

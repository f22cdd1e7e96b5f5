/**
 * Cases for `exercises/gradient_by_hand.ts` (lesson 7): the logits' gradient on the book's
 * example, a random batch and a single class; the parameters' gradient on a small model and on
 * a batch of images against a float64 reference; errors; parameters left as they were; leaks.
 * The runs are in `runs/gradient_by_hand.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import { expectLabelsRejected, expectNoLeak, expectTensor, expectThrew, field } from "./helpers.ts";
import { affine, softmaxRows } from "./reference.ts";
import { BOOK_Y, BOOK_Y_HAT, IMAGES, LABELS, PROBS, runs, SMALL } from "./runs/gradient_by_hand.ts";

type Impl = typeof import("../../exercises/gradient_by_hand.ts");

/** `P − onehot(y)`, in float64. */
function minusOneHot(P: number[][], y: number[]): number[][] {
  return P.map((row, i) => row.map((p, j) => p - (j === y[i] ? 1 : 0)));
}

/** The mean loss's gradients of a plain model, in float64: `Xᵀ(Ŷ − Y)/n`, `mean(Ŷ − Y)`. */
function reference(m: { X: number[][]; W: number[][]; b: number[]; y: number[] }) {
  const n = m.X.length;
  const G = minusOneHot(softmaxRows(affine(m.X, m.W, m.b)), m.y);
  const dW = m.W.map((_, i) =>
    m.b.map((_, j) => m.X.reduce((s, x, k) => s + x[i] * G[k][j], 0) / n)
  );
  const db = m.b.map((_, j) => G.reduce((s, g) => s + g[j], 0) / n);
  return { dW, db };
}

/** Checks `{ dW, db }` against the float64 reference of model `m`. */
function expectGradients(
  output: unknown,
  m: { X: number[][]; W: number[][]; b: number[]; y: number[] },
  atol: number,
): void {
  const [d, q] = [m.W.length, m.b.length];
  const expected = reference(m);
  const dW = expectTensor(field(output, "dW", "gradByHand(…).dW"), "gradByHand(…).dW", {
    shape: [d, q],
  });
  const db = expectTensor(field(output, "db", "gradByHand(…).db"), "gradByHand(…).db", {
    shape: [q],
  });
  assertClose(db, expected.db, { atol, msg: "db = mean over the batch of (ŷ − y)" });
  assertClose(dW, expected.dW, { atol, msg: "dW = Xᵀ(Ŷ − Y) / n" });
}

const cases: Case[] = [
  {
    name: "logitGradient() gives the book's example's [[-0.9, 0.3, 0.6], [0.3, 0.2, -0.5]]",
    points: 2,
    hint:
      "ŷ − onehot(y): subtract 1 at each row's true class, leave the other entries as they are.",
    run: "bookLogit",
    check: (output) =>
      assertClose(
        expectTensor(output, "logitGradient(yHat, y)", { shape: [2, 3] }),
        minusOneHot(BOOK_Y_HAT, BOOK_Y),
        { atol: 1e-7 },
      ),
  },
  {
    name: "logitGradient() on a random [6, 10] batch: each row uses its own label",
    points: 1,
    hint: "Row i's 1 goes in column y[i].",
    run: "randomLogit",
    check: (output) =>
      assertClose(
        expectTensor(output, "logitGradient(yHat, y)", { shape: [6, 10] }),
        minusOneHot(PROBS, LABELS),
        { atol: 1e-7 },
      ),
  },
  {
    name: "logitGradient() works with a single class (yHat of shape [2, 1])",
    points: 1,
    hint: "tf.oneHot refuses a depth of 1: build the one-hot matrix from y's values.",
    run: "oneClass",
    check: (output) =>
      assertClose(expectTensor(output, "logitGradient([[1], [1]], [0, 0])", { shape: [2, 1] }), [
        [0],
        [0],
      ], { atol: 1e-7 }),
  },
  {
    name: "gradByHand() matches the float64 gradient of the mean loss on a small model",
    points: 2,
    hint: "The loss is the mean over the batch, so both gradients are means too; start from " +
      "the gradient with respect to the logits (lesson 7) and follow O = XW + b back to W and b.",
    run: "small",
    check: (output) => expectGradients(output, SMALL, 1e-6),
  },
  {
    name: "gradByHand() on eight 28×28 images and the book's [784, 10] model",
    points: 2,
    hint: "X arrives as images [n, 1, 28, 28]: flatten each to the 784 inputs W has rows for.",
    run: "images",
    check: (output) => expectGradients(output, IMAGES, 1e-6),
  },
  {
    name:
      "logitGradient() and gradByHand() reject a label outside [0, classes) with an error naming it",
    points: 1,
    hint: "Read y and throw a RangeError naming the bad label (lesson 3's checkLabels does); " +
      "gradByHand gets the check by calling logitGradient.",
    run: "badLabel",
    check: (output) => {
      expectLabelsRejected(
        field(output, "logit", "badLabel"),
        "badLabel",
        { call: "logitGradient(yHat, y = [0, 3]) with 3 classes", label: 3 },
        { call: "logitGradient(yHat, y = [-1, 2])", label: -1 },
      );
      expectLabelsRejected(
        field(output, "grad", "badLabel"),
        "badLabel",
        { call: "gradByHand(params, X, y = [0, 2, 1, 3]) with 3 classes", label: 3 },
        { call: "gradByHand(params, X, y = [0, -1, 1, 2])", label: -1 },
      );
    },
  },
  {
    name: "gradByHand() rejects 4 examples with 3 labels, naming both",
    points: 1,
    hint: "Compare X's batch with y's length before computing, and say which is which.",
    run: "batchMismatch",
    check: (output) =>
      expectThrew(output, "gradByHand(X with 4 examples, y with 3 labels)", {
        names: ["RangeError", "TypeError"],
        mentions: ["4", "3"],
      }),
  },
  {
    name: "gradByHand() leaves W and b as they were, and neither function leaves tensors behind",
    points: 1,
    hint: "Only read the parameters (no assign), and wrap the work in tf.tidy.",
    run: "keepsParams",
    check: (output) => {
      expectNoLeak(field(output, "leaks", "the leak count"), "logitGradient() and gradByHand()");
      const W = expectTensor(field(output, "W", "W afterwards"), "W afterwards", { shape: [6, 3] });
      assertClose(W, SMALL.W, { atol: 0, msg: "W after gradByHand()" });
      const b = expectTensor(field(output, "b", "b afterwards"), "b afterwards", { shape: [3] });
      assertClose(b, SMALL.b.map(Math.fround), { atol: 0, msg: "b after gradByHand()" });
    },
  },
];

/** Lesson 7 re-implemented: the gradient of softmax regression by hand. */
export const gradientByHand: Exercise<Impl> = {
  id: "gradient_by_hand",
  title: "Lesson 7: the gradient by hand",
  file: "gradient_by_hand.ts",
  exports: ["logitGradient", "gradByHand"],
  lesson: "lessons/07_gradient_by_hand.ts",
  shortcuts: ["grad"],
  runModule: import.meta.resolve("./runs/gradient_by_hand.ts"),
  runs,
  cases,
};

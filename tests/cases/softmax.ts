/**
 * Cases for `exercises/softmax.ts` (lesson 2): the book's N(0, 1) check, hand-checked rows,
 * a non-square batch (the broadcasting axis), NaN in one row, the empty batch, the gradient,
 * errors and leaks. All compared with a float64 softmax. The runs are in `runs/softmax.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import { expectNoLeak, expectTensor, expectThrew, fail } from "./helpers.ts";
import { softmaxRows } from "./reference.ts";
import { GRAD_INPUT, GRAD_WEIGHTS, NORMAL, runs, WIDE } from "./runs/softmax.ts";

type Impl = typeof import("../../exercises/softmax.ts");

const cases: Case[] = [
  {
    name: "softmax() on an N(0, 1) [2, 5] input gives entries >= 0 and rows summing to 1",
    points: 2,
    hint: "Exponentiate every entry, then divide each row by that row's total; lesson 1's " +
      "sum with keepdim gives the totals a shape that broadcasts against X.",
    run: "normal",
    check: (output) => {
      const P = expectTensor(output, "softmax(X)", { shape: [2, 5] });
      if (Array.from(P.values).some((v) => !(v >= 0))) {
        fail("softmax(X) has an entry that is negative or NaN");
      }
      const sums = [0, 1].map((i) =>
        Array.from(P.values).slice(i * 5, i * 5 + 5).reduce((s, v) => s + v, 0)
      );
      assertClose(sums, [1, 1], { atol: 1e-6, msg: "row sums" });
      assertClose(P, softmaxRows(NORMAL), { rtol: 1e-5, atol: 1e-7, msg: "softmax(X)" });
    },
  },
  {
    name: "softmax() gives [[0.5, 0.5], [1/(1+e), e/(1+e)]] for [[0, 0], [0, 1]]",
    points: 1,
    hint: "Each row is normalised by its own sum.",
    run: "handChecked",
    check: (output) => {
      const e = Math.E;
      assertClose(expectTensor(output, "softmax([[0, 0], [0, 1]])", { shape: [2, 2] }), [
        [0.5, 0.5],
        [1 / (1 + e), e / (1 + e)],
      ], { atol: 1e-6 });
    },
  },
  {
    name: "softmax() normalises along each row of a non-square [3, 4] batch",
    points: 1,
    hint: "Sum over axis 1 with keepdim: a [3] vector (no keepdim) would broadcast along the " +
      "wrong axis, or fail, when the matrix is not square.",
    run: "nonSquare",
    check: (output) =>
      assertClose(expectTensor(output, "softmax(X [3, 4])", { shape: [3, 4] }), softmaxRows(WIDE), {
        rtol: 1e-5,
        atol: 1e-7,
      }),
  },
  {
    name: "softmax() turns a row with a NaN into NaN and leaves the other rows alone",
    points: 1,
    hint: "Work row by row (sum over axis 1): a NaN must not leak into other rows.",
    run: "nanRow",
    check: (output) =>
      assertClose(expectTensor(output, "softmax(NaN row)", { shape: [2, 3] }), [
        [NaN, NaN, NaN],
        softmaxRows([[1, 2, 3]])[0],
      ], { rtol: 1e-5, atol: 1e-7 }),
  },
  {
    name: "softmax() of an empty batch [0, 5] is an empty [0, 5]",
    points: 1,
    hint: "Tensor operations handle an empty batch by themselves; do not special-case the " +
      "row count into a wrong shape.",
    run: "emptyBatch",
    check: (output) => {
      expectTensor(output, "softmax(zeros [0, 5])", { shape: [0, 5] });
    },
  },
  {
    name: "softmax() is differentiable: its gradient matches the softmax Jacobian",
    points: 1,
    hint: "Use only tensor operations (no dataSync or arraySync inside), so that tf.grad " +
      "can go through it as training needs.",
    run: "gradient",
    check: (output) => {
      // d/dX_ij Σ_k p_ik R_ik = p_ij (R_ij − Σ_k p_ik R_ik)
      const P = softmaxRows(GRAD_INPUT);
      const expected = P.map((p, i) => {
        const mean = p.reduce((s, pk, k) => s + pk * GRAD_WEIGHTS[i][k], 0);
        return p.map((pj, j) => pj * (GRAD_WEIGHTS[i][j] - mean));
      });
      assertClose(
        expectTensor(output, "the gradient of sum(softmax(X) * R)", { shape: [3, 4] }),
        expected,
        { rtol: 1e-4, atol: 1e-6 },
      );
    },
  },
  {
    name: "softmax() rejects a rank-1 tensor with an error naming its shape [3]",
    points: 1,
    hint:
      "Check X.rank: throw a TypeError like `expected a rank-2 tensor [batch, classes], got shape [3]`.",
    run: "rank1",
    check: (output) =>
      expectThrew(output, "softmax(rank-1 X)", {
        names: ["TypeError", "RangeError"],
        mentions: ["[3]", "shape 3", "(3)"], // `${X.shape}` prints "3"
      }),
  },
  {
    name: "softmax() leaves no tensors behind",
    points: 1,
    hint: "exp and the row sums are intermediate tensors: wrap the computation in tf.tidy.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "softmax()"),
  },
];

/** Lesson 2 re-implemented: the softmax. */
export const softmax: Exercise<Impl> = {
  id: "softmax",
  title: "Lesson 2: the softmax",
  file: "softmax.ts",
  exports: ["softmax"],
  lesson: "lessons/02_softmax.ts",
  // exp(logSoftmax(X)) and exp(X − logSumExp(X)) are the softmax too, and so is the gradient
  // of tf.losses.softmaxCrossEntropy with zero labels (found by the twelfth review).
  shortcuts: ["softmax", "logSoftmax", "logSumExp", "losses.softmaxCrossEntropy"],
  runModule: import.meta.resolve("./runs/softmax.ts"),
  runs,
  cases,
};

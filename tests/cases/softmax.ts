/**
 * Cases for `exercises/softmax.ts` (lesson 2): the book's N(0, 1) check, hand-checked rows,
 * a non-square batch (the broadcasting axis), NaN in one row, the empty batch, the gradient,
 * errors and leaks. All compared with a float64 softmax.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Plain } from "./case.ts";
import {
  captureError,
  countLeaks,
  expectNoLeak,
  expectTensor,
  expectThrew,
  fail,
  seededMatrix,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";
import { softmaxRows } from "./reference.ts";

type Impl = typeof import("../../exercises/softmax.ts");

function softmaxOut(impl: Impl, rows: number[][] | tf.Tensor2D): Plain {
  return tidyPlain(() => tensorOut(impl.softmax(Array.isArray(rows) ? tf.tensor2d(rows) : rows)));
}

const normal = seededMatrix(2, 5, 12);
const wide = seededMatrix(3, 4, 13, { std: 2 });
const gradInput = seededMatrix(3, 4, 14);
const gradWeights = seededMatrix(3, 4, 15);

const cases: Case<Impl>[] = [
  {
    name: "softmax() on an N(0, 1) [2, 5] input gives entries >= 0 and rows summing to 1",
    points: 2,
    hint: "Exponentiate every entry, then divide each row by that row's total; lesson 1's " +
      "sum with keepdim gives the totals a shape that broadcasts against X.",
    run: (impl) => softmaxOut(impl, normal),
    check: (output) => {
      const P = expectTensor(output, "softmax(X)", { shape: [2, 5] });
      if (Array.from(P.values).some((v) => !(v >= 0))) {
        fail("softmax(X) has an entry that is negative or NaN");
      }
      const sums = [0, 1].map((i) =>
        Array.from(P.values).slice(i * 5, i * 5 + 5).reduce((s, v) => s + v, 0)
      );
      assertClose(sums, [1, 1], { atol: 1e-6, msg: "row sums" });
      assertClose(P, softmaxRows(normal), { rtol: 1e-5, atol: 1e-7, msg: "softmax(X)" });
    },
  },
  {
    name: "softmax() gives [[0.5, 0.5], [1/(1+e), e/(1+e)]] for [[0, 0], [0, 1]]",
    points: 1,
    hint: "Each row is normalised by its own sum.",
    run: (impl) => softmaxOut(impl, [[0, 0], [0, 1]]),
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
    run: (impl) => softmaxOut(impl, wide),
    check: (output) =>
      assertClose(expectTensor(output, "softmax(X [3, 4])", { shape: [3, 4] }), softmaxRows(wide), {
        rtol: 1e-5,
        atol: 1e-7,
      }),
  },
  {
    name: "softmax() turns a row with a NaN into NaN and leaves the other rows alone",
    points: 1,
    hint: "Work row by row (sum over axis 1): a NaN must not leak into other rows.",
    run: (impl) => softmaxOut(impl, [[NaN, 0, 1], [1, 2, 3]]),
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
    run: (impl) => softmaxOut(impl, tf.zeros([0, 5]) as tf.Tensor2D),
    check: (output) => {
      expectTensor(output, "softmax(zeros [0, 5])", { shape: [0, 5] });
    },
  },
  {
    name: "softmax() is differentiable: its gradient matches the softmax Jacobian",
    points: 1,
    hint: "Use only tensor operations (no dataSync or arraySync inside), so that tf.grad " +
      "can go through it as training needs.",
    run: (impl) =>
      tidyPlain(() => {
        const R = tf.tensor2d(gradWeights);
        const grad = tf.grad((X) => tf.sum(tf.mul(impl.softmax(X as tf.Tensor2D), R)));
        return tensorOut(grad(tf.tensor2d(gradInput)));
      }),
    check: (output) => {
      // d/dX_ij Σ_k p_ik R_ik = p_ij (R_ij − Σ_k p_ik R_ik)
      const P = softmaxRows(gradInput);
      const expected = P.map((p, i) => {
        const mean = p.reduce((s, pk, k) => s + pk * gradWeights[i][k], 0);
        return p.map((pj, j) => pj * (gradWeights[i][j] - mean));
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
    run: (impl) =>
      captureError(() =>
        tf.tidy(() => impl.softmax(tf.tensor1d([1, 2, 3]) as unknown as tf.Tensor2D))
      ),
    check: (output) =>
      expectThrew(output, "softmax(rank-1 X)", {
        names: ["TypeError", "RangeError"],
        mentions: ["[3]"],
      }),
  },
  {
    name: "softmax() leaves no tensors behind",
    points: 1,
    hint: "exp and the row sums are intermediate tensors: wrap the computation in tf.tidy.",
    run: (impl) =>
      tidyPlain(() => {
        const X = tf.tensor2d(wide);
        return countLeaks(() => impl.softmax(X));
      }),
    check: (output) => expectNoLeak(output, "softmax()"),
  },
];

/** Lesson 2 re-implemented: the softmax. */
export const softmax: Exercise<Impl> = {
  id: "softmax",
  title: "Lesson 2: the softmax",
  file: "softmax.ts",
  exports: ["softmax"],
  cases,
};

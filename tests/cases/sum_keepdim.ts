/**
 * Cases for `exercises/sum_keepdim.ts` (lesson 1): the book's two sums, random matrices
 * against a plain sum, dtype, errors, the empty axis and leaks. The runs are in
 * `runs/sum_keepdim.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import { expectNoLeak, expectTensor, expectThrew, fail, field } from "./helpers.ts";
import { RANDOM, runs } from "./runs/sum_keepdim.ts";

type Impl = typeof import("../../exercises/sum_keepdim.ts");

const columnSums = (X: number[][]) => [X[0].map((_, j) => X.reduce((s, r) => s + r[j], 0))];
const rowSums = (X: number[][]) => X.map((r) => [r.reduce((s, v) => s + v, 0)]);

/**
 * Checks the book's `sums` (its shape and values), failing with a hint of its own when the
 * output holds the means instead (each sum over `count` entries divided by `count`).
 */
function expectSums(output: unknown, what: string, sums: number[][], count: number): void {
  // X has `count` rows (axis 0, one row of sums) or columns (axis 1, one column): the sum
  // over the other axis, kept, has this shape.
  const other = sums.length === 1 ? [count, 1] : [1, count];
  const shape = (output as { shape?: unknown } | null)?.shape;
  if (Array.isArray(shape) && shape.join() === other.join()) {
    fail(
      `${what}: expected shape [${sums.length}, ${sums[0].length}], got [${shape.join(", ")}], ` +
        "the shape of the sum over the other axis",
      "Which axis does the axis argument name: axis 0 collapses the rows (one total per " +
        "column), axis 1 the columns (one total per row)?",
    );
  }
  const got = expectTensor(output, what, { shape: [sums.length, sums[0].length] });
  const means = sums.map((row) => row.map((v) => v / count));
  let isMean = false;
  try {
    assertClose(got, means);
    isMean = true;
  } catch {
    // Not the means: the comparison with the sums below says what it is.
  }
  if (isMean) {
    fail(
      `${what}: got the means ${JSON.stringify(means)}, expected the sums ${JSON.stringify(sums)}`,
      "The book sums (X.sum): tf.sum, not tf.mean, which divides by the number of entries.",
    );
  }
  assertClose(got, sums, { msg: what });
}

const cases: Case[] = [
  {
    name: "sumKeepdim() gives the book's [[5, 7, 9]], shape [1, 3], for axis 0",
    points: 2,
    hint: "Axis 0 runs down the columns; tf.sum can keep the axis it sums over, with length 1: " +
      "look at both of its arguments.",
    run: "bookAxis0",
    check: (output) => expectSums(output, "sumKeepdim(X, 0)", [[5, 7, 9]], 2),
  },
  {
    name: "sumKeepdim() gives the book's [[6], [15]], shape [2, 1], for axis 1",
    points: 2,
    hint: "Axis 1 sums along each row; keepDims makes the result a [rows, 1] column.",
    run: "bookAxis1",
    check: (output) => expectSums(output, "sumKeepdim(X, 1)", [[6], [15]], 3),
  },
  {
    name: "sumKeepdim() matches a plain sum on a random [7, 5] matrix along both axes",
    points: 1,
    hint: "Make sure the axis argument is passed through, not hard-coded.",
    run: "randomBothAxes",
    check: (output) => {
      const tol = { rtol: 1e-5, atol: 1e-5 };
      assertClose(
        expectTensor(field(output, "cols", "sums"), "sumKeepdim(X, 0)", { shape: [1, 5] }),
        columnSums(RANDOM),
        { ...tol, msg: "axis 0" },
      );
      assertClose(
        expectTensor(field(output, "rows", "sums"), "sumKeepdim(X, 1)", { shape: [7, 1] }),
        rowSums(RANDOM),
        { ...tol, msg: "axis 1" },
      );
    },
  },
  {
    name: "sumKeepdim() keeps an int32 matrix int32",
    points: 1,
    hint: "Do not cast: tf.sum of an int32 tensor is int32.",
    run: "int32",
    check: (output) =>
      assertClose(
        expectTensor(output, "sumKeepdim(int32 X, 1)", { shape: [2, 1], dtype: "int32" }),
        [[6], [15]],
      ),
  },
  {
    name: "sumKeepdim() sums an empty axis to zeros: [0, 3] over axis 0 is [[0, 0, 0]]",
    points: 1,
    hint: "A sum over nothing is 0, exactly: one per column, in a [1, cols] tensor.",
    run: "emptyAxis",
    check: (output) =>
      assertClose(expectTensor(output, "sumKeepdim(zeros [0, 3], 0)", { shape: [1, 3] }), [[
        0,
        0,
        0,
      ]], { rtol: 0, atol: 0 }),
  },
  {
    name: "sumKeepdim() rejects a rank-1 tensor with an error naming its shape [3]",
    points: 1,
    hint: "Check X.rank first: throw a TypeError like `expected a rank-2 tensor [rows, cols], " +
      "got shape [3]` (tf.sum would quietly sum a vector).",
    run: "rank1",
    check: (output) =>
      expectThrew(output, "sumKeepdim(rank-1 X, 0)", {
        names: ["TypeError", "RangeError"],
        mentions: ["[3]", "shape 3", "(3)"], // `${X.shape}` prints "3"
      }),
  },
  {
    name: "sumKeepdim() rejects axis 2 and axis -1 with an error naming the axis",
    points: 1,
    hint: "Only 0 and 1 make sense for a matrix: throw a RangeError naming the axis you got " +
      "(tf.sum would read -1 as the last axis).",
    run: "badAxis",
    check: (output) => {
      for (const [key, axis] of [["two", "2"], ["negative", "-1"]]) {
        expectThrew(field(output, key, "badAxis"), `sumKeepdim(X, ${axis})`, {
          names: ["RangeError", "TypeError"],
          mentions: [axis],
        });
      }
    },
  },
  {
    name: "sumKeepdim() leaves no tensors behind",
    points: 1,
    hint: "Return the sum itself; dispose any intermediate tensor (or use tf.tidy).",
    run: "leaks",
    check: (output) => expectNoLeak(output, "sumKeepdim()"),
  },
];

/** Lesson 1 re-implemented: sum with keepdim. */
export const sumKeepdim: Exercise<Impl> = {
  id: "sum_keepdim",
  title: "Lesson 1: sum along an axis, keeping it",
  file: "sum_keepdim.ts",
  exports: ["sumKeepdim"],
  lesson: "lessons/01_sum_keepdim.ts",
  runModule: import.meta.resolve("./runs/sum_keepdim.ts"),
  runs,
  cases,
};

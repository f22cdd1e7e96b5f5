/**
 * Cases for exercise 1, `exercises/softmax_overflow.ts`: the float32 edges of the naive
 * softmax, found by search and verified here by probing the same softmax on the trusted side.
 * The runs are in `runs/softmax_overflow.ts`.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { softmax as naiveSoftmax } from "../../lessons/02_softmax.ts";
import type { Case, Exercise } from "./case.ts";
import { adjacentFloat32, expectNoLeak, expectNumber, fail } from "./helpers.ts";
import { runs, softmaxOf2X } from "./runs/softmax_overflow.ts";

type Impl = typeof import("../../exercises/softmax_overflow.ts");
type SoftmaxFn = (X: tf.Tensor2D) => tf.Tensor2D;

function breaks(softmax: SoftmaxFn, row: number[]): boolean {
  return tf.tidy(() => (softmax(tf.tensor2d([row])).dataSync() as Float32Array).some(Number.isNaN));
}

type Side = "overflow" | "underflow";

/** The row probed at logit `x`: `[x, 0]` for overflow, `[x, x]` for underflow. */
function row(side: Side, x: number): number[] {
  return side === "overflow" ? [x, 0] : [x, x];
}

/** Validates a claimed edge against `softmax`, probed here. `range` pins the known fact. */
function checkEdge(
  side: Side,
  output: unknown,
  softmax: SoftmaxFn,
  range?: [number, number],
): void {
  const fn = side === "overflow" ? "findOverflowLogit" : "findUnderflowLogit";
  const x = expectNumber(output, `${fn}()`);
  const none = side === "overflow" ? Infinity : -Infinity;
  if (x === none) {
    if (
      breaks(
        softmax,
        row(side, side === "overflow" ? 3.4028234663852886e38 : -3.4028234663852886e38),
      )
    ) {
      fail(`${fn}() returned ${none}, but this softmax does break at the end of the float32 range`);
    }
    if (range) fail(`${fn}() returned ${none}, but the naive softmax breaks near ${range[0]}`);
    return;
  }
  if (!Number.isFinite(x) || (side === "overflow" ? x < 0 : x > 0)) {
    fail(
      `${fn}() returned ${x}: expected a ${
        side === "overflow" ? "non-negative" : "non-positive"
      } float32 or ${none}`,
    );
  }
  if (Math.fround(x) !== x) {
    fail(
      `${fn}() returned ${x}, which is not a float32 value (Math.fround(x) is ${
        Math.fround(x)
      }); search float32 values`,
    );
  }
  if (!breaks(softmax, row(side, x))) {
    fail(`${fn}() returned ${x}, but softmax([[${row(side, x).join(", ")}]]) has no NaN there`);
  }
  if (x !== 0) {
    const inside = adjacentFloat32(x, side === "overflow" ? -1 : 1); // one float32 closer to 0
    if (breaks(softmax, row(side, inside))) {
      // Audit 26: a hard-coded 88.72 against a softmax that breaks near 44.36 is not one
      // float32 off, and the message must not suggest it.
      const half = Math.fround(x / 2);
      fail(
        `${fn}() returned ${x}, but the softmax given already breaks ${
          breaks(softmax, row(side, half))
            ? `far before it (at ${half}, half of it, too)`
            : `at the float32 before it, ${inside}`
        }: the answer is the first float32 that breaks`,
      );
    }
  }
  if (range && !(x > range[0] && x < range[1])) {
    fail(`${fn}() returned ${x}, expected it between ${range[0]} and ${range[1]}`);
  }
}

const cases: Case[] = [
  {
    name:
      "findOverflowLogit() finds the float32 logit (about 88.72) where the naive softmax turns NaN",
    points: 2,
    hint: "Probe softmax([[x, 0]]) and bisect: for x >= 0 the float32 bit patterns, read as " +
      "integers, grow with x. The answer is the first float32 that gives a NaN.",
    run: "overflowNaive",
    check: (output) => checkEdge("overflow", output, naiveSoftmax, [88.72, 88.73]),
  },
  {
    name:
      "findOverflowLogit() finds the edge of another softmax (the naive one of 2X, about 44.36)",
    points: 1,
    hint: "Do not hard-code 88.72: search with the softmax you are given.",
    run: "overflowOf2X",
    check: (output) => checkEdge("overflow", output, softmaxOf2X, [44.36, 44.37]),
  },
  {
    name: "findOverflowLogit() returns Infinity for a stable softmax that never overflows",
    points: 1,
    hint: "Check the largest float32 (3.4028234663852886e38) first: if even that does not " +
      "break the softmax, return Infinity.",
    run: "overflowStable",
    check: (output) => {
      const x = expectNumber(output, "findOverflowLogit(stable)");
      if (x !== Infinity) fail(`findOverflowLogit(stable) returned ${x}, expected Infinity`);
    },
  },
  {
    name:
      "findUnderflowLogit() finds the float32 logit (about -103.97) where a row underflows to 0/0",
    points: 2,
    hint: "Probe softmax([[x, x]]) for x <= 0 and bisect on the magnitude. exp(x) reaches the " +
      "smallest subnormal near -103.28 but rounds to 0 only further out.",
    run: "underflowNaive",
    check: (output) => checkEdge("underflow", output, naiveSoftmax, [-104, -103.9]),
  },
  {
    name:
      "findUnderflowLogit() finds the edge of another softmax (the naive one of 2X, about -51.99)",
    points: 1,
    hint: "Do not hard-code -103.97: search with the softmax you are given.",
    run: "underflowOf2X",
    check: (output) => checkEdge("underflow", output, softmaxOf2X, [-52, -51.9]),
  },
  {
    name: "findUnderflowLogit() returns -Infinity for a stable softmax that never underflows",
    points: 1,
    hint: "If even -3.4028234663852886e38 does not break the softmax, return -Infinity.",
    run: "underflowStable",
    check: (output) => {
      const x = expectNumber(output, "findUnderflowLogit(stable)");
      if (x !== -Infinity) fail(`findUnderflowLogit(stable) returned ${x}, expected -Infinity`);
    },
  },
  {
    name: "findOverflowLogit() and findUnderflowLogit() leave no tensors behind",
    points: 1,
    hint: "Each probe creates an input and an output tensor: dispose both, or use tf.tidy.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "the two searches"),
  },
];

/** Exercise 1: the float32 edges of the naive softmax. */
export const softmaxOverflow: Exercise<Impl> = {
  id: "softmax_overflow",
  title: "Book exercise 1: where the naive softmax overflows and underflows",
  file: "softmax_overflow.ts",
  exports: ["findOverflowLogit", "findUnderflowLogit"],
  runModule: import.meta.resolve("./runs/softmax_overflow.ts"),
  runs,
  cases,
};

/**
 * Cases for exercise 4, `exercises/bayes_decision.ts`: expected costs, the Bayes decision
 * (the book's medical example where it differs from argmax), the reject options and the
 * decision table, each checked against a float64 reference. The runs are in
 * `runs/bayes_decision.ts`.
 *
 * @module
 */
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise } from "./case.ts";
import { expectNoLeak, expectNumber, expectTensor, expectThrew, fail, field } from "./helpers.ts";
import { argmaxRows } from "./reference.ts";
import {
  DEFAULT_THRESHOLDS,
  MEDICAL,
  MEDICAL_PROBS,
  RANDOM_COST,
  RANDOM_PROBS,
  runs,
  TABLE,
  TABLE_COST,
  TABLE_LABELS,
  TABLE_PROBS,
  TIE_PROBS,
  WITH_TEST,
  WITH_TEST_PROBS,
  ZERO_ONE,
} from "./runs/bayes_decision.ts";

type Impl = typeof import("../../exercises/bayes_decision.ts");

/** float64 expected costs `R[i][d]`. */
function risks(probs: number[][], cost: number[][]): number[][] {
  return probs.map((p) => cost.map((row) => row.reduce((s, c, k) => s + c * p[k], 0)));
}

/** Decisions a correct float32 implementation may return: argmin, allowing float32 near-ties. */
function acceptable(R: number[]): number[] {
  const min = Math.min(...R);
  const tol = 1e-5 * (1 + Math.abs(min));
  return R.flatMap((r, d) => (r <= min + tol ? [d] : []));
}

function readDecisions(output: unknown, what: string, n: number): number[] {
  const t = expectTensor(output, what, { shape: [n], dtype: "int32" });
  return Array.from(t.values);
}

/** Checks each decision against the float64 expected costs, allowing float32 near-ties. */
function checkBayes(decisions: number[], probs: number[][], cost: number[][], what: string): void {
  risks(probs, cost).forEach((R, i) => {
    const ok = acceptable(R);
    if (!ok.includes(decisions[i])) {
      fail(
        `${what}: example ${i} (p = [${probs[i].join(", ")}]) got decision ${decisions[i]}, but ` +
          `the expected costs are [${R.map((r) => r.toPrecision(5)).join(", ")}]: expected ${
            ok.join(" or ")
          }`,
      );
    }
  });
}

/** Checks reject decisions: −1 exactly where the cheapest expected cost exceeds `c`. */
function checkReject(
  decisions: number[],
  probs: number[][],
  cost: number[][],
  c: number,
  what: string,
): void {
  risks(probs, cost).forEach((R, i) => {
    const min = Math.min(...R);
    const tol = 1e-5 * (1 + Math.abs(min));
    if (min > c + tol && decisions[i] !== -1) {
      fail(
        `${what}: example ${i}: every decision costs at least ${
          min.toPrecision(5)
        } > reject cost ${c}: expected -1, got ${decisions[i]}`,
      );
    }
    if (min < c - tol) {
      if (decisions[i] === -1) {
        fail(
          `${what}: example ${i}: deciding costs ${
            min.toPrecision(5)
          } < reject cost ${c}: expected a decision, got -1 (reject)`,
        );
      }
      if (!acceptable(R).includes(decisions[i])) {
        fail(
          `${what}: example ${i}: got ${decisions[i]}, expected the cheapest decision ${
            acceptable(R).join(" or ")
          }`,
        );
      }
    }
  });
}

interface Row {
  rule: string;
  threshold: number | null;
  meanCost: number;
  errorRate: number;
  rejectRate: number;
  errorOnAccepted: number;
}

/** float64 reference of the decision table. */
function tableReference(
  probs: number[][],
  y: number[],
  cost: number[][],
  rejectCost: number,
  thresholds: number[],
): Row[] {
  const R = risks(probs, cost);
  const argmin = (r: number[]) => r.indexOf(Math.min(...r));
  const summarise = (rule: string, threshold: number | null, decisions: number[]): Row => {
    let total = 0;
    let errors = 0;
    let rejects = 0;
    decisions.forEach((d, i) => {
      if (d === -1) {
        rejects++;
        total += rejectCost;
      } else {
        total += cost[d][y[i]];
        if (d !== y[i]) errors++;
      }
    });
    const n = decisions.length;
    return {
      rule,
      threshold,
      meanCost: total / n,
      errorRate: errors / n,
      rejectRate: rejects / n,
      errorOnAccepted: n > rejects ? errors / (n - rejects) : NaN,
    };
  };
  return [
    summarise("argmax", null, argmaxRows(probs)),
    summarise("bayes", null, R.map(argmin)),
    summarise("bayes-reject", null, R.map((r) => (Math.min(...r) > rejectCost ? -1 : argmin(r)))),
    ...thresholds.map((t) =>
      summarise(
        "threshold",
        t,
        probs.map((p, i) => (Math.max(...p) < t ? -1 : argmaxRows([probs[i]])[0])),
      )
    ),
  ];
}

/** Checks `decisionTable`'s rows on the table's data against the reference's. */
function expectTable(output: unknown, call: string, thresholds: number[]): void {
  const expected = tableReference(
    TABLE_PROBS,
    TABLE_LABELS,
    TABLE_COST,
    TABLE.rejectCost,
    thresholds,
  );
  if (!Array.isArray(output) || output.length !== expected.length) {
    fail(
      `${call}: expected ${expected.length} rows (argmax, bayes, bayes-reject, ${thresholds.length} thresholds), got ${
        Array.isArray(output) ? output.length : typeof output
      }`,
    );
  }
  expected.forEach((row, i) => {
    const got = output[i];
    const what = `${call} row ${i} (${row.rule}${
      row.threshold === null ? "" : ` ${row.threshold}`
    })`;
    if (field(got, "rule", what) !== row.rule) {
      fail(`${what}: expected rule "${row.rule}", got ${String(field(got, "rule", what))}`);
    }
    if (field(got, "threshold", what) !== row.threshold) {
      fail(`${what}: expected threshold ${row.threshold}`);
    }
    for (const key of ["meanCost", "errorRate", "rejectRate", "errorOnAccepted"] as const) {
      const value = expectNumber(field(got, key, what), `${what}.${key}`);
      // float32 arithmetic is right too; the rows differ by multiples of 1/40. NaN (nothing
      // accepted) matches only NaN.
      assertClose([value], [row[key]], { rtol: 1e-6, atol: 1e-9, msg: `${what}.${key}` });
    }
  });
}

const cases: Case[] = [
  {
    name: "expectedCost() gives one expected cost per example and decision",
    points: 1,
    hint: "R[i][d] = Σ_k cost[d][k] · P[i][k] for every example i and decision d at once is " +
      "one matrix product: which operand needs transposing?",
    run: "expectedCost",
    check: (output) =>
      assertClose(
        expectTensor(output, "expectedCost(P, cost)", { shape: [12, 5] }),
        risks(RANDOM_PROBS, RANDOM_COST),
        {
          rtol: 1e-5,
          atol: 1e-5,
          msg: "expectedCost(P, cost)",
        },
      ),
  },
  {
    name:
      "bayesDecision() with cost [[0, 1000], [1, 0]] decides 'ill' at p(ill) = 0.01, where argmax says 'healthy'",
    points: 2,
    hint: "Take the argmin of the expected costs, not the argmax of the probabilities: " +
      "R(healthy) = 1000 · p(ill), R(ill) = 1 · p(healthy).",
    run: "medical",
    check: (output) => {
      const d = readDecisions(output, "bayesDecision(P, medical cost)", MEDICAL_PROBS.length);
      checkBayes(d, MEDICAL_PROBS, MEDICAL, "bayesDecision(P, medical cost)");
      if (d[0] === argmaxRows(MEDICAL_PROBS)[0]) {
        fail("bayesDecision should differ from argmax on example 0");
      }
    },
  },
  {
    name: "bayesDecision() with the 0/1 cost is argmax",
    points: 1,
    hint:
      "With cost 1 for every mistake, R(d) = 1 − p(d): the cheapest decision is the most likely class.",
    run: "zeroOne",
    check: (output) => {
      const d = readDecisions(output, "bayesDecision(P, 0/1 cost)", RANDOM_PROBS.length);
      checkBayes(d, RANDOM_PROBS, ZERO_ONE, "bayesDecision(P, 0/1 cost)");
      assertClose(d, argmaxRows(RANDOM_PROBS), { msg: "bayesDecision(P, 0/1 cost) vs argmax" });
    },
  },
  {
    name:
      "bayesDecision() handles more decisions than classes (a 'test again' action) and random costs",
    points: 1,
    hint: "The cost matrix has one row per decision and one column per class; decisions need " +
      "not be classes.",
    run: "moreDecisions",
    check: (output) => {
      const d = readDecisions(
        field(output, "withTest", "decisions"),
        "bayesDecision(P, with test)",
        4,
      );
      checkBayes(d, WITH_TEST_PROBS, WITH_TEST, "bayesDecision(P, with a 'test again' row)");
      if (!d.includes(2)) {
        fail("bayesDecision(P, with test): expected 'test again' (2) for p(ill) = 0.05");
      }
      const r = readDecisions(
        field(output, "random", "decisions"),
        "bayesDecision(P, random cost)",
        RANDOM_PROBS.length,
      );
      checkBayes(r, RANDOM_PROBS, RANDOM_COST, "bayesDecision(P, random cost)");
    },
  },
  {
    name: "decideWithReject() abstains (-1) exactly where every decision costs more than rejecting",
    points: 2,
    hint: "Compare the least expected cost (tf.min over decisions) with rejectCost; without a " +
      "cost option use the 0/1 cost, which makes it Chow's rule: reject when max p < 1 − rejectCost.",
    run: "reject",
    check: (output) => {
      const chow = readDecisions(
        field(output, "chow", "decisions"),
        "decideWithReject(P, { rejectCost: 0.45 })",
        RANDOM_PROBS.length,
      );
      checkReject(chow, RANDOM_PROBS, ZERO_ONE, 0.45, "decideWithReject(P, { rejectCost: 0.45 })");
      if (!chow.includes(-1) || chow.every((d) => d === -1)) {
        fail("internal: the Chow data should mix decisions and rejects");
      }
      const med = readDecisions(
        field(output, "medical", "decisions"),
        "decideWithReject(P, { cost, rejectCost: 8 })",
        4,
      );
      checkReject(
        med,
        WITH_TEST_PROBS,
        WITH_TEST,
        8,
        "decideWithReject(P, { cost, rejectCost: 8 })",
      );
    },
  },
  {
    name: "rejectBelow() returns argmax, or -1 where the top probability is below the threshold",
    points: 1,
    hint: "Decide as argmax does, except where the top probability is below the threshold: " +
      "there the answer is the reject decision.",
    run: "rejectBelow",
    check: (output) => {
      const d = readDecisions(output, "rejectBelow(P, 0.6)", RANDOM_PROBS.length);
      const expected = RANDOM_PROBS.map((
        p,
        i,
      ) => (Math.max(...p) < 0.6 ? -1 : argmaxRows(RANDOM_PROBS)[i]));
      assertClose(d, expected, { msg: "rejectBelow(P, 0.6)" });
    },
  },
  {
    name:
      "bayesDecision(), decideWithReject() and rejectBelow() on exact ties: the first decision; deciding, not rejecting",
    points: 1,
    hint: "Equal expected costs go to the first decision (as argmin does). Reject only when " +
      "every decision costs strictly more than rejecting, and only when the top probability " +
      "is strictly below the threshold: a tie goes to deciding.",
    run: "ties",
    check: (output) => {
      const bayes = "bayesDecision([[0.5, 0.5], [0.75, 0.25], [0.125, 0.875]], 0/1 cost)";
      assertClose(
        readDecisions(field(output, "bayes", bayes), bayes, TIE_PROBS.length),
        [0, 0, 1],
        {
          msg: bayes,
        },
      );
      const what =
        "decideWithReject([[0.5, 0.5], [0.75, 0.25], [0.125, 0.875]], { rejectCost: 0.25 })";
      const reject = readDecisions(field(output, "reject", what), what, TIE_PROBS.length);
      assertClose(reject, [-1, 0, 1], { msg: what });
      const below = "rejectBelow([[0.5, 0.5], [0.75, 0.25], [0.125, 0.875]], 0.75)";
      const d = readDecisions(field(output, "below", below), below, TIE_PROBS.length);
      assertClose(d, [-1, 0, 1], { msg: below });
    },
  },
  {
    name: "expectedCost() rejects a cost matrix without one column per class, naming the sizes",
    points: 1,
    hint:
      "Check that every row of cost has probs.shape[1] entries; throw a RangeError that says so.",
    run: "costColumns",
    check: (output) =>
      expectThrew(output, "expectedCost(2 classes, 3-column cost)", {
        names: ["RangeError", "TypeError"],
        mentions: ["2", "3", "class"],
      }),
  },
  {
    name:
      "decisionTable() reports mean cost, error rate, reject rate and error on accepted for every rule (NaN when none is accepted), with the default thresholds too",
    points: 2,
    hint: "Rows in order: argmax, bayes, bayes-reject, then one 'threshold' row per threshold. " +
      "A rejected example costs rejectCost and is neither an error nor accepted.",
    run: "decisionTable",
    check: (output) => {
      expectTable(field(output, "given", "decisionTable"), "decisionTable()", TABLE.thresholds);
      expectTable(
        field(output, "byDefault", "decisionTable"),
        "decisionTable() without thresholds (default [0.5, 0.7, 0.9])",
        DEFAULT_THRESHOLDS,
      );
    },
  },
  {
    name:
      "expectedCost(), bayesDecision(), decideWithReject() and rejectBelow() leave no tensors behind",
    points: 1,
    hint: "Wrap each function's body in tf.tidy (tf.tensor2d(cost) is a tensor too).",
    run: "leaks",
    check: (output) => expectNoLeak(output, "the decision functions"),
  },
];

/** Exercise 4: the Bayes decision with a cost matrix, and reject options. */
export const bayesDecision: Exercise<Impl> = {
  id: "bayes_decision",
  title: "Book exercise 4: minimum-expected-cost decisions and rejects",
  file: "bayes_decision.ts",
  exports: ["expectedCost", "bayesDecision", "decideWithReject", "rejectBelow", "decisionTable"],
  runModule: import.meta.resolve("./runs/bayes_decision.ts"),
  runs,
  cases,
};

/** For the solution's tests: the float64 table reference. */
export { tableReference };

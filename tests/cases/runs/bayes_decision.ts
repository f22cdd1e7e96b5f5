/**
 * The run half of `bayes_decision`'s cases (book exercise 4): the inputs and the calls,
 * nothing that judges them (that is `../bayes_decision.ts`, with the float64 expected costs
 * and the decision table's reference). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import type { Plain, Runs } from "../case.ts";
import {
  captureError,
  countLeaks,
  fresh,
  seededLabels,
  seededMatrix,
  seededProbabilities,
  tensorOut,
  tidyPlain,
} from "./helpers.ts";

type Impl = typeof import("../../../exercises/bayes_decision.ts");

/** The book's medical example: class 1 = ill; sending an ill patient home costs 1000. */
export const MEDICAL = [[0, 1000], [1, 0]];
/** The probabilities of the medical case, [5, 2]. */
export const MEDICAL_PROBS = [
  [0.99, 0.01],
  [0.9999, 0.0001],
  [0.3, 0.7],
  [0.999, 0.001],
  [0.9995, 0.0005],
];

/** Three decisions over two classes: the third, "test again", costs 10 whatever the truth. */
export const WITH_TEST = [[0, 1000], [100, 0], [10, 10]];
/** The probabilities of the "test again" cases, [4, 2]. */
export const WITH_TEST_PROBS = [[0.95, 0.05], [0.999, 0.001], [0.05, 0.95], [0.5, 0.5]];

/** The 0/1 cost over `k` classes. */
function zeroOne(k: number): number[][] {
  return Array.from(
    { length: k },
    (_, d) => Array.from({ length: k }, (_, j) => (d === j ? 0 : 1)),
  );
}

/** Random probabilities over 4 classes, [12, 4]. */
export const RANDOM_PROBS = seededProbabilities(12, 4, 41, { std: 2 });
/** A random non-negative cost with 5 decisions over 4 classes, [5, 4]. */
export const RANDOM_COST = seededMatrix(5, 4, 42, { mean: 5, std: 3 }).map((r) =>
  r.map((c) => Math.abs(c))
);
/** The 0/1 cost over the 4 classes of {@linkcode RANDOM_PROBS}. */
export const ZERO_ONE = zeroOne(4);

// The decision table's data: probabilities and labels with no near-ties in any rule.
/** The decision table's probabilities, [40, 3]. */
export const TABLE_PROBS = seededProbabilities(40, 3, 43, { std: 2 });
/** The decision table's labels, 40 in [0, 3). */
export const TABLE_LABELS = seededLabels(40, 3, 44);
/** The decision table's cost, [3, 3]. */
export const TABLE_COST = [[0, 1, 8], [1, 0, 8], [2, 2, 0]];
/**
 * Float32-exact rows for the ties: row 1's least 0/1 cost, 0.25, equals the reject cost 0.25
 * and its top probability, 0.75, equals the threshold 0.75; rows 0 and 2 are clear cases.
 */
export const TIE_PROBS = [[0.5, 0.5], [0.75, 0.25], [0.125, 0.875]];

/**
 * The decision table's reject cost and thresholds: 1 accepts no example here (every top
 * probability is below it), so its error on accepted examples is NaN.
 */
export const TABLE = { rejectCost: 0.4, thresholds: [0.5, 0.8, 1] };
/** The thresholds {@linkcode TABLE}'s call without `thresholds` must use. */
export const DEFAULT_THRESHOLDS = [0.5, 0.7, 0.9];

function withProbs<T>(probs: number[][], fn: (P: tf.Tensor2D) => T): T {
  return tidyPlain(() => fn(tf.tensor2d(probs)));
}

function decisionsOut(fn: (P: tf.Tensor2D) => tf.Tensor, probs: number[][]): Plain {
  return withProbs(probs, (P) => tensorOut(fn(P)));
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  expectedCost: (impl) =>
    withProbs(RANDOM_PROBS, (P) => tensorOut(impl.expectedCost(P, fresh(RANDOM_COST)))),
  medical: (impl) => decisionsOut((P) => impl.bayesDecision(P, fresh(MEDICAL)), MEDICAL_PROBS),
  zeroOne: (impl) => decisionsOut((P) => impl.bayesDecision(P, fresh(ZERO_ONE)), RANDOM_PROBS),
  moreDecisions: (impl) => ({
    withTest: decisionsOut((P) => impl.bayesDecision(P, fresh(WITH_TEST)), WITH_TEST_PROBS),
    random: decisionsOut((P) => impl.bayesDecision(P, fresh(RANDOM_COST)), RANDOM_PROBS),
  }),
  reject: (impl) => ({
    chow: decisionsOut((P) => impl.decideWithReject(P, { rejectCost: 0.45 }), RANDOM_PROBS),
    medical: decisionsOut(
      (P) => impl.decideWithReject(P, { cost: fresh(WITH_TEST), rejectCost: 8 }),
      WITH_TEST_PROBS,
    ),
  }),
  rejectBelow: (impl) => decisionsOut((P) => impl.rejectBelow(P, 0.6), RANDOM_PROBS),
  ties: (impl) => ({
    bayes: decisionsOut((P) => impl.bayesDecision(P, zeroOne(2)), TIE_PROBS),
    reject: decisionsOut((P) => impl.decideWithReject(P, { rejectCost: 0.25 }), TIE_PROBS),
    below: decisionsOut((P) => impl.rejectBelow(P, 0.75), TIE_PROBS),
  }),
  costColumns: (impl) =>
    captureError(() =>
      tf.tidy(() => impl.expectedCost(tf.tensor2d([[0.5, 0.5]]), [[0, 1, 1], [1, 0, 1]]))
    ),
  decisionTable: (impl) =>
    withProbs(TABLE_PROBS, (P) => {
      const y = tf.tensor1d(TABLE_LABELS, "int32");
      return {
        given: impl.decisionTable(P, y, {
          cost: fresh(TABLE_COST),
          ...fresh(TABLE),
        }) as unknown as Plain,
        byDefault: impl.decisionTable(P, y, {
          cost: fresh(TABLE_COST),
          rejectCost: TABLE.rejectCost,
        }) as unknown as Plain,
      };
    }),
  leaks: (impl) =>
    withProbs(RANDOM_PROBS, (P) =>
      countLeaks(() => {
        const decided = [
          impl.expectedCost(P, fresh(RANDOM_COST)),
          impl.bayesDecision(P, fresh(RANDOM_COST)),
          impl.decideWithReject(P, { rejectCost: 0.3 }),
          impl.rejectBelow(P, 0.5),
        ];
        impl.decisionTable(P, tf.tensor1d(seededLabels(12, 4, 45), "int32"), {
          cost: fresh(ZERO_ONE),
          rejectCost: 0.3,
        });
        return decided;
      }) - 1 // the label tensor created above
    ),
};

/**
 * Exercise 4 of §3.6 (solution): is predicting the most likely class always the best
 * decision? Minimum-expected-cost (Bayes) decisions and a reject option.
 *
 * The book's `predict` returns `argmax_k p(k | x)`. That minimises the probability of being
 * wrong — which is the right goal only if every mistake costs the same. The book's example:
 * a medical test. Let class 1 be "ill" and class 0 "healthy"; deciding "healthy" (send the
 * patient home) when the patient is ill costs 1000, deciding "ill" (treat, or test further)
 * when the patient is healthy costs 1. With the cost matrix `cost[d][k]` (the cost of
 * deciding `d` when the truth is `k`)
 *
 * ```text
 *              truth: healthy  ill
 * decide healthy   [[ 0,      1000 ],
 * decide ill        [ 1,         0 ]]
 * ```
 *
 * the expected cost of each decision given the model's probabilities is
 *
 * ```text
 * R(d | x) = Σ_k cost[d][k] · p(k | x)            (all decisions at once: P · costᵀ)
 * ```
 *
 * and the **Bayes decision** is `argmin_d R(d | x)`. For `p(ill) = 0.01`, argmax says
 * "healthy", but `R(healthy) = 1000 · 0.01 = 10` while `R(ill) = 1 · 0.99 = 0.99`: decide
 * "ill". Here that happens as soon as `p(ill) > 1/1001`. With the 0/1 cost (0 on the diagonal,
 * 1 elsewhere) `R(d | x) = 1 − p(d | x)`, and the Bayes decision *is* argmax: argmax is the
 * special case of equal costs. Decisions need not be classes: a row of the cost matrix can be
 * an action such as "order another test" with its own costs.
 *
 * **Rejecting.** Sometimes the best decision is not to decide: hand the example to a human
 * at a fixed cost `c`. The Bayes rule with a reject option abstains when even the cheapest
 * decision's expected cost exceeds `c`. With the 0/1 cost this becomes Chow's rule: abstain
 * when the top probability is below `1 − c`. Rejecting trades coverage for accuracy: the
 * higher the threshold, the more examples are rejected and the fewer of the accepted ones are
 * wrong.
 *
 * All of this presumes the probabilities are *calibrated* (an 0.8 means right 80 % of the
 * time). Cross-entropy training pushes softmax regression towards calibration, which is why
 * the expected-cost rule pays off on held-out data below, where the costs are asymmetric.
 *
 * ## On Fashion-MNIST
 *
 * {@linkcode decisionTable} computes the comparison. `tests/solutions_test.ts` trains the
 * lesson's model (10 epochs, the book's settings, seed 0, wasm) and applies it to the 10000
 * test images; `deno test -A tests/solutions_test.ts --filter "full test set"` prints these
 * tables. First a shop whose shirts are the expensive returns: sorting a shirt as anything
 * else costs 5, every other mistake costs 1; rejecting (a person looks) costs 0.5.
 *
 * ```text
 * rule                          mean cost  errors  rejected  errors among accepted
 * argmax                        0.352      16.5 %   0.0 %    16.5 %
 * bayes (min expected cost)     0.282      20.9 %   0.0 %    20.9 %
 * bayes, reject at cost 0.5     0.226       6.4 %  25.5 %     8.6 %
 * argmax, reject below 0.5      0.297      11.2 %  10.0 %    12.4 %
 * argmax, reject below 0.7      0.251       4.7 %  27.6 %     6.5 %
 * argmax, reject below 0.9      0.285       1.0 %  51.5 %     2.1 %
 * ```
 *
 * The Bayes rule makes *more* mistakes than argmax (20.9 % against 16.5 %) but *cheaper*
 * ones: it calls a garment "shirt" whenever a shirt is reasonably likely, and its mean cost
 * is 20 % lower. Rejecting the least certain examples lowers the errors among those accepted,
 * and at a moderate reject cost the mean cost too; rejecting half the test set (threshold
 * 0.9) costs more than the errors it avoids.
 *
 * Second, a cost that is *symmetric* between classes: 1 for confusing two garments of the
 * same group (tops: t-shirt, pullover, dress, coat, shirt; shoes: sandal, sneaker, ankle
 * boot), 10 across groups. Here the Bayes rule gains nothing (mean cost 0.360 against
 * argmax's 0.357, within the noise of the probabilities' calibration): argmax already rarely
 * makes the expensive cross-group mistakes, and there is no class whose errors cost more than
 * another's. Expected-cost decisions pay off when the costs are *asymmetric*, and only as far
 * as the model's probabilities are calibrated. (The tests assert the first table's claims on
 * the real test set and on the committed subset: Bayes cheaper than argmax, rejects rising
 * and errors among the accepted falling with the threshold.)
 *
 * @example The medical example: argmax and the Bayes decision disagree
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { bayesDecision } from "./bayes_decision.ts";
 * const cost = [[0, 1000], [1, 0]]; // cost[decision][truth]; class 1 = ill
 * const probs = tf.tensor2d([[0.99, 0.01], [0.9999, 0.0001]]);
 * const d = bayesDecision(probs, cost).arraySync();
 * if (d.join() !== "1,0") throw new Error(`decisions ${d}`); // argmax says 0, 0
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";

/** `cost[d][k]`: the cost of deciding `d` when the true class is `k`. */
export type CostMatrix = number[][];

/** The decision "reject" (abstain, hand over to a human) in decision tensors. */
export const REJECT = -1;

function checkProbs(fn: string, probs: tf.Tensor2D): void {
  if (!(probs instanceof tf.Tensor) || probs.rank !== 2 || probs.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected probs to be float32 probabilities [batch, classes], got ${
        describeValue(probs)
      }`,
    );
  }
}

function checkCost(fn: string, cost: CostMatrix, classes: number): void {
  if (!Array.isArray(cost) || cost.length === 0) {
    throw new TypeError(
      `Cannot compute ${fn}: expected cost to be a matrix cost[decision][class], got ${
        describeValue(cost)
      }`,
    );
  }
  cost.forEach((row, d) => {
    if (!Array.isArray(row) || row.length !== classes) {
      throw new RangeError(
        `Cannot compute ${fn}: cost[${d}] must hold one cost per class (${classes}, the ` +
          `columns of probs), got ${describeValue(row)}`,
      );
    }
    row.forEach((c, k) => {
      if (typeof c !== "number" || !Number.isFinite(c)) {
        throw new RangeError(`Cannot compute ${fn}: cost[${d}][${k}] must be finite, got ${c}`);
      }
    });
  });
}

/**
 * The expected cost of every decision for every example: `R = P · costᵀ`, so
 * `R[i][d] = Σ_k cost[d][k] · P[i][k]`.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { expectedCost } from "./bayes_decision.ts";
 * const R = expectedCost(tf.tensor2d([[0.99, 0.01]]), [[0, 1000], [1, 0]]);
 * assertClose(R, [[10, 0.99]], { rtol: 1e-6 });
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param cost `cost[d][k]`, one row per decision, one column per class.
 * @returns `[batch, decisions]`, float32.
 * @throws {TypeError} for probs that are not a float32 matrix or a cost that is not a matrix;
 *   {RangeError} when a row of `cost` does not have one entry per class or holds a
 *   non-finite cost.
 */
export function expectedCost(probs: tf.Tensor2D, cost: CostMatrix): tf.Tensor2D {
  checkProbs("expectedCost", probs);
  checkCost("expectedCost", cost, probs.shape[1]);
  // [batch, classes] · [classes, decisions]: the transposed cost, without a transpose op.
  return tf.tidy(() => tf.matMul(probs, tf.tensor2d(cost), false, true));
}

/**
 * The Bayes decision for every example: the decision with the least expected cost
 * (`argmin_d R[i][d]`; on ties, the lowest `d`). With the 0/1 cost this is argmax.
 *
 * @example With equal costs it is argmax
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { bayesDecision } from "./bayes_decision.ts";
 * const zeroOne = [[0, 1, 1], [1, 0, 1], [1, 1, 0]];
 * const d = bayesDecision(tf.tensor2d([[0.2, 0.5, 0.3]]), zeroOne).arraySync();
 * if (d[0] !== 1) throw new Error("unexpected: d[0] !== 1");
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param cost `cost[d][k]`, one row per decision.
 * @returns int32 decisions `[batch]`, in `[0, decisions)`.
 * @throws what {@linkcode expectedCost} throws.
 */
export function bayesDecision(probs: tf.Tensor2D, cost: CostMatrix): tf.Tensor1D {
  return tf.tidy(() => tf.argMin(expectedCost(probs, cost), 1) as tf.Tensor1D);
}

/** Options for {@linkcode decideWithReject}. */
export interface RejectOptions {
  /** `cost[d][k]`. Default: the 0/1 cost over the classes (Chow's rule). */
  cost?: CostMatrix;
  /** The cost of rejecting (abstaining) on one example, finite. */
  rejectCost: number;
}

/** The 0/1 cost over `classes` classes: 0 on the diagonal, 1 elsewhere. */
function zeroOneCost(classes: number): CostMatrix {
  return Array.from(
    { length: classes },
    (_, d) => Array.from({ length: classes }, (_, k) => (d === k ? 0 : 1)),
  );
}

/**
 * The Bayes decision with a reject option: {@linkcode REJECT} (−1) where every decision's
 * expected cost is above `rejectCost`, else the Bayes decision. (A tie goes to deciding.)
 *
 * With the default 0/1 cost this is Chow's rule: reject when the top probability is below
 * `1 − rejectCost`.
 *
 * @example Chow's rule with a reject cost of 0.3: decide only when p ≥ 0.7
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { decideWithReject } from "./bayes_decision.ts";
 * const probs = tf.tensor2d([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9]]);
 * const d = decideWithReject(probs, { rejectCost: 0.3 }).arraySync();
 * if (d.join() !== "0,-1,1") throw new Error(d.join());
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param options the cost matrix and the cost of rejecting.
 * @returns int32 decisions `[batch]`: a decision index, or −1 to reject.
 * @throws {RangeError} for a non-finite `rejectCost`; what {@linkcode expectedCost} throws.
 */
export function decideWithReject(probs: tf.Tensor2D, options: RejectOptions): tf.Tensor1D {
  checkProbs("decideWithReject", probs);
  const { rejectCost } = options;
  if (typeof rejectCost !== "number" || !Number.isFinite(rejectCost)) {
    throw new RangeError(
      `Cannot compute decideWithReject: rejectCost must be a finite number, got ${rejectCost}`,
    );
  }
  const cost = options.cost ?? zeroOneCost(probs.shape[1]);
  return tf.tidy(() => {
    const R = expectedCost(probs, cost); // [batch, decisions]
    const cheapest = tf.min(R, 1); // [batch]
    const decision = tf.argMin(R, 1); // [batch] int32
    const reject = tf.greater(cheapest, rejectCost); // [batch] bool
    return tf.where(reject, tf.fill([decision.shape[0]], REJECT, "int32"), decision) as tf.Tensor1D;
  });
}

/**
 * Argmax, or {@linkcode REJECT} (−1) where the top probability is below `threshold`: the
 * usual "confidence threshold" form of the reject option.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { rejectBelow } from "./bayes_decision.ts";
 * const d = rejectBelow(tf.tensor2d([[0.8, 0.2], [0.6, 0.4]]), 0.7).arraySync();
 * if (d.join() !== "0,-1") throw new Error(d.join());
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param threshold the least top probability that is accepted, in `[0, 1]`.
 * @returns int32 decisions `[batch]`: a class, or −1 to reject.
 * @throws {RangeError} when `threshold` is not in `[0, 1]`; {TypeError} for bad `probs`.
 */
export function rejectBelow(probs: tf.Tensor2D, threshold: number): tf.Tensor1D {
  checkProbs("rejectBelow", probs);
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(
      `Cannot compute rejectBelow: threshold must be a probability in [0, 1], got ${threshold}`,
    );
  }
  return tf.tidy(() => {
    const decision = tf.argMax(probs, 1); // [batch] int32
    const reject = tf.less(tf.max(probs, 1), threshold); // [batch] bool
    return tf.where(reject, tf.fill([decision.shape[0]], REJECT, "int32"), decision) as tf.Tensor1D;
  });
}

/** One rule's results in {@linkcode decisionTable}. */
export interface DecisionRow {
  /** `argmax`, `bayes`, `bayes-reject` (Bayes with rejects at `rejectCost`), `threshold`. */
  rule: "argmax" | "bayes" | "bayes-reject" | "threshold";
  /** For `threshold` rows: the least top probability accepted; otherwise `null`. */
  threshold: number | null;
  /** Mean cost per example: `cost[d][y]`, or `rejectCost` for a rejected example. */
  meanCost: number;
  /** Wrong decisions (not rejected, `d ≠ y`) over all examples. */
  errorRate: number;
  /** Rejected examples over all examples. */
  rejectRate: number;
  /** Wrong decisions over the accepted examples (`NaN` when none is accepted). */
  errorOnAccepted: number;
}

/** Options for {@linkcode decisionTable}. */
export interface TableOptions {
  /** `cost[d][k]`, square: one decision per class. */
  cost: CostMatrix;
  /** The cost of one rejected example. */
  rejectCost: number;
  /** Thresholds for the `threshold` rows, each in `[0, 1]`. Default `[0.5, 0.7, 0.9]`. */
  thresholds?: number[];
}

/**
 * Compares decision rules on labelled data: argmax, the Bayes decision, the Bayes decision
 * with rejects at `rejectCost`, and argmax with a reject threshold (one row per threshold).
 * Each row gives the mean cost per example and the error / reject trade-off.
 *
 * @example A tiny set where the Bayes rule is cheaper
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { decisionTable } from "./bayes_decision.ts";
 * const probs = tf.tensor2d([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]);
 * const y = tf.tensor1d([0, 1, 1], "int32");
 * const rows = decisionTable(probs, y, { cost: [[0, 10], [1, 0]], rejectCost: 0.5 });
 * const [argmax, bayes] = rows;
 * if (argmax.meanCost !== 10 / 3 || bayes.meanCost !== 1 / 3) throw new Error("unexpected: argmax.meanCost !== 10 / 3 || bayes.meanCost !== 1 / 3");
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param y true labels `[batch]`, integers in `[0, classes)`.
 * @param options the square cost matrix, the reject cost and the thresholds.
 * @returns one {@linkcode DecisionRow} per rule, in the order above.
 * @throws {RangeError} for a cost matrix that is not square over the classes, mismatched
 *   batch sizes, a label outside the classes, or a bad reject cost or threshold.
 */
export function decisionTable(
  probs: tf.Tensor2D,
  y: tf.Tensor1D,
  options: TableOptions,
): DecisionRow[] {
  checkProbs("decisionTable", probs);
  const { cost, rejectCost, thresholds = [0.5, 0.7, 0.9] } = options;
  const [batch, classes] = probs.shape;
  checkCost("decisionTable", cost, classes);
  if (cost.length !== classes) {
    throw new RangeError(
      `Cannot compute decisionTable: expected a square cost matrix (${classes} decisions, one ` +
        `per class), got ${cost.length} rows`,
    );
  }
  if (!(y instanceof tf.Tensor) || y.rank !== 1 || y.shape[0] !== batch) {
    throw new RangeError(
      `Cannot compute decisionTable: expected y to hold ${batch} labels, got ${describeValue(y)}`,
    );
  }
  const labels = Array.from(y.dataSync());
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(
        `Cannot compute decisionTable: labels must be integers in [0, ${classes}), found ${label} at index ${i}`,
      );
    }
  });
  const row = (
    rule: DecisionRow["rule"],
    threshold: number | null,
    decide: () => tf.Tensor1D,
  ): DecisionRow => {
    const t = decide();
    const decisions = Array.from(t.dataSync());
    t.dispose();
    let total = 0;
    let errors = 0;
    let rejects = 0;
    decisions.forEach((d, i) => {
      if (d === REJECT) {
        rejects++;
        total += rejectCost;
      } else {
        total += cost[d][labels[i]];
        if (d !== labels[i]) errors++;
      }
    });
    const accepted = batch - rejects;
    return {
      rule,
      threshold,
      meanCost: total / batch,
      errorRate: errors / batch,
      rejectRate: rejects / batch,
      errorOnAccepted: accepted > 0 ? errors / accepted : NaN,
    };
  };
  return [
    row("argmax", null, () => tf.tidy(() => tf.argMax(probs, 1) as tf.Tensor1D)),
    row("bayes", null, () => bayesDecision(probs, cost)),
    row("bayes-reject", null, () => decideWithReject(probs, { cost, rejectCost })),
    ...thresholds.map((t) => row("threshold", t, () => rejectBelow(probs, t))),
  ];
}

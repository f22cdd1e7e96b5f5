// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Exercise 4 of §3.6: is predicting the most likely class always the best decision?
 *
 * The book's `predict` returns `argmax_k p(k | x)`, the decision that is *most likely right*.
 * But mistakes can cost different amounts. The book's example is medical: let class 1 be
 * "ill" and class 0 "healthy"; sending an ill patient home costs 1000, treating (or testing
 * further) a healthy one costs 1. Write the cost as a matrix `cost[d][k]`, the cost of
 * deciding `d` when the truth is `k`:
 *
 * ```text
 *              truth: healthy  ill
 * decide healthy   [[ 0,      1000 ],
 * decide ill        [ 1,         0 ]]
 * ```
 *
 * The expected cost of deciding `d` is `R(d | x) = Σ_k cost[d][k] · p(k | x)`, and the Bayes
 * decision is the `d` with the least expected cost. Write:
 *
 * 1. {@linkcode expectedCost}: `R` for every example and decision (one matrix product).
 * 2. {@linkcode bayesDecision}: `argmin_d R`. For `p(ill) = 0.01` it must say "ill" where
 *    argmax says "healthy". What does it reduce to when all mistakes cost 1?
 * 3. {@linkcode decideWithReject}: abstain ({@linkcode REJECT}, −1) when even the cheapest
 *    decision's expected cost exceeds the cost of rejecting (a human looks at it).
 * 4. {@linkcode rejectBelow}: argmax, but abstain when the top probability is below a
 *    threshold. (Which reject cost makes 3 and 4 agree under the 0/1 cost?)
 * 5. {@linkcode decisionTable}: compare the rules on labelled data — mean cost, errors,
 *    rejects — and then try it on Fashion-MNIST with a trained model (the solution's doc shows
 *    a table).
 *
 * `deno task check bayes_decision` checks your work; `solutions/bayes_decision.ts` explains.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/** `cost[d][k]`: the cost of deciding `d` when the true class is `k`. */
export type CostMatrix = number[][];

/** The decision "reject" (abstain, hand over to a human) in decision tensors. */
export const REJECT = -1;

/**
 * The expected cost of every decision for every example: `R[i][d] = Σ_k cost[d][k] · P[i][k]`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { expectedCost } from "./bayes_decision.ts";
 * assertClose(expectedCost(tf.tensor2d([[0.99, 0.01]]), [[0, 1000], [1, 0]]), [[10, 0.99]], {
 *   rtol: 1e-6,
 * });
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param cost `cost[d][k]`, one row per decision, one column per class.
 * @returns `[batch, decisions]`, float32.
 */
export function expectedCost(probs: tf.Tensor2D, cost: CostMatrix): tf.Tensor2D {
  // TODO: R[i][d] for every example and decision at once. Check that every row of cost has
  // one entry per class, and throw a RangeError saying so when not.
  return todo("expectedCost");
}

/**
 * The Bayes decision for every example: the decision with the least expected cost (on ties,
 * the lowest index).
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { bayesDecision } from "./bayes_decision.ts";
 * const d = bayesDecision(tf.tensor2d([[0.99, 0.01]]), [[0, 1000], [1, 0]]).arraySync();
 * if (d[0] !== 1) throw new Error(`expected decision 1, got ${d[0]}`); // argmax would say 0
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param cost `cost[d][k]`, one row per decision.
 * @returns int32 decisions `[batch]`.
 */
export function bayesDecision(probs: tf.Tensor2D, cost: CostMatrix): tf.Tensor1D {
  // TODO: for each example, the decision with the least expected cost.
  return todo("bayesDecision");
}

/** Options for {@linkcode decideWithReject}. */
export interface RejectOptions {
  /** `cost[d][k]`. Default: the 0/1 cost over the classes (Chow's rule). */
  cost?: CostMatrix;
  /** The cost of rejecting (abstaining) on one example, finite. */
  rejectCost: number;
}

/**
 * The Bayes decision with a reject option: {@linkcode REJECT} (−1) where every decision's
 * expected cost is above `rejectCost` (a tie goes to deciding), else the Bayes decision.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { decideWithReject } from "./bayes_decision.ts";
 * const probs = tf.tensor2d([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9]]);
 * if (decideWithReject(probs, { rejectCost: 0.3 }).arraySync().join() !== "0,-1,1") {
 *   throw new Error("expected decisions 0, -1 (reject), 1");
 * }
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param options the cost matrix (default 0/1) and the cost of rejecting.
 * @returns int32 decisions `[batch]`: a decision index, or −1 to reject.
 */
export function decideWithReject(probs: tf.Tensor2D, options: RejectOptions): tf.Tensor1D {
  // TODO: REJECT where even the cheapest decision costs more than options.rejectCost, the
  // Bayes decision elsewhere.
  return todo("decideWithReject");
}

/**
 * Argmax, or {@linkcode REJECT} (−1) where the top probability is below `threshold`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { rejectBelow } from "./bayes_decision.ts";
 * if (rejectBelow(tf.tensor2d([[0.8, 0.2], [0.6, 0.4]]), 0.7).arraySync().join() !== "0,-1") {
 *   throw new Error("expected decisions 0, -1 (reject)");
 * }
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param threshold the least top probability that is accepted, in `[0, 1]`.
 * @returns int32 decisions `[batch]`: a class, or −1 to reject.
 */
export function rejectBelow(probs: tf.Tensor2D, threshold: number): tf.Tensor1D {
  // TODO: decide as argmax does, but REJECT where the top probability is below threshold.
  return todo("rejectBelow");
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
 * with rejects at `rejectCost`, and argmax with a reject threshold (one row per threshold, in
 * the order given).
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { decisionTable } from "./bayes_decision.ts";
 * const probs = tf.tensor2d([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]);
 * const y = tf.tensor1d([0, 1, 1], "int32");
 * const [argmax, bayes] = decisionTable(probs, y, { cost: [[0, 10], [1, 0]], rejectCost: 0.5 });
 * if (argmax.meanCost !== 10 / 3 || bayes.meanCost !== 1 / 3) throw new Error("unexpected: argmax.meanCost !== 10 / 3 || bayes.meanCost !== 1 / 3");
 * ```
 *
 * @param probs probabilities `[batch, classes]`, float32.
 * @param y true labels `[batch]`, integers in `[0, classes)`.
 * @param options the square cost matrix, the reject cost and the thresholds.
 * @returns one {@linkcode DecisionRow} per rule: argmax, bayes, bayes-reject, then thresholds.
 */
export function decisionTable(
  probs: tf.Tensor2D,
  y: tf.Tensor1D,
  options: TableOptions,
): DecisionRow[] {
  // TODO: apply every rule, and count per rule the total cost (rejectCost for a rejected
  // example), the errors and the rejects.
  return todo("decisionTable");
}

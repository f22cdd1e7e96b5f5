/**
 * Every exercise of the kit with its table of cases, in the order a learner works through
 * them: first the lesson concepts re-implemented (lessons 1–7), then the book's five
 * exercises of §3.6.
 *
 * One table, three uses: `tests/solutions_test.ts` runs it against `solutions/` (all pass),
 * `deno task check` (`tools/check.ts`) against the learner's `exercises/`, and the grader
 * (`deno task grade`) against untrusted submissions. Each case's `run` returns plain data and
 * its `check` judges it (see `case.ts`).
 *
 * | id                | file in exercises/ and solutions/ | what                                |
 * | ----------------- | --------------------------------- | ----------------------------------- |
 * | sum_keepdim       | sum_keepdim.ts                    | lesson 1: sum with keepdim          |
 * | softmax           | softmax.ts                        | lesson 2: the (naive) softmax       |
 * | cross_entropy     | cross_entropy.ts                  | lesson 3: pick and cross-entropy    |
 * | accuracy          | accuracy.ts                       | lesson 4: accuracy as a count       |
 * | evaluate_accuracy | evaluate_accuracy.ts              | lesson 4: Accumulator, a data set   |
 * | train_epoch_ch3   | train_epoch_ch3.ts                | lesson 5: sgd, updater, one epoch   |
 * | predict_ch3       | predict_ch3.ts                    | lesson 6: naming the predictions    |
 * | gradient_by_hand  | gradient_by_hand.ts               | lesson 7: the gradient by hand      |
 * | softmax_overflow  | softmax_overflow.ts               | book exercise 1: float32 edges      |
 * | log_zero          | log_zero.ts                       | book exercise 2: log 0 and NaN SGD  |
 * | stable_softmax    | stable_softmax.ts                 | book exercise 3: the stable fixes   |
 * | bayes_decision    | bayes_decision.ts                 | book exercise 4: costs and rejects  |
 * | huge_vocabulary   | huge_vocabulary.ts                | book exercise 5: sampled softmax    |
 *
 * @example Ids are unique and every case has points and a hint
 * ```ts
 * import { exercises } from "./mod.ts";
 * const ids = exercises.map((e) => e.id);
 * if (new Set(ids).size !== ids.length) throw new Error("duplicate id");
 * for (const e of exercises) {
 *   for (const c of e.cases) if (!(c.points > 0) || c.hint === "") throw new Error(c.name);
 * }
 * ```
 *
 * @module
 */
import type { Exercise } from "./case.ts";
import { sumKeepdim } from "./sum_keepdim.ts";
import { softmax } from "./softmax.ts";
import { crossEntropy } from "./cross_entropy.ts";
import { accuracy } from "./accuracy.ts";
import { evaluateAccuracy } from "./evaluate_accuracy.ts";
import { trainEpochCh3 } from "./train_epoch_ch3.ts";
import { predictCh3 } from "./predict_ch3.ts";
import { gradientByHand } from "./gradient_by_hand.ts";
import { softmaxOverflow } from "./softmax_overflow.ts";
import { logZero } from "./log_zero.ts";
import { stableSoftmax } from "./stable_softmax.ts";
import { bayesDecision } from "./bayes_decision.ts";
import { hugeVocabulary } from "./huge_vocabulary.ts";

/** The kit's exercises, in the order a learner does them. */
export const exercises: Exercise[] = [
  sumKeepdim,
  softmax,
  crossEntropy,
  accuracy,
  evaluateAccuracy,
  trainEpochCh3,
  predictCh3,
  gradientByHand,
  softmaxOverflow,
  logZero,
  stableSoftmax,
  bayesDecision,
  hugeVocabulary,
];

/**
 * The points of every case of every exercise: a perfect submission's score without a rubric
 * or hidden cases.
 *
 * @example
 * ```ts
 * import { exercises, totalPoints } from "./mod.ts";
 * if (totalPoints !== exercises.flatMap((e) => e.cases).reduce((s, c) => s + c.points, 0)) {
 *   throw new Error("totalPoints is not the sum of the cases' points");
 * }
 * ```
 */
export const totalPoints: number = exercises.flatMap((e) => e.cases).reduce(
  (sum, c) => sum + c.points,
  0,
);

// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Exercise 2 of §3.6: the log domain of cross-entropy.
 *
 * The book asks: what can go wrong with `−log p` when `p` comes from the naive softmax? In
 * float32 the softmax can return a true-class probability of *exactly* 0 (exercise 1: an
 * `exp` that underflows). Show, with the lesson's own code, what that does to training:
 *
 * 1. {@linkcode oneSgdStep}: take one step of the lesson's training on a batch given as plain
 *    arrays: the model `softmax(X · W + b)` (lesson 2's `createNet`), the loss
 *    (`crossEntropy`, lesson 3), the gradients of the summed loss (`tf.variableGrads`, as in
 *    lesson 5) and the book's `sgd` step. Report the losses, the gradients and the new `W`,
 *    `b` as plain arrays.
 * 2. {@linkcode zeroProbabilityExample}: build a model and a one-example batch for which the
 *    true class's probability is exactly 0.
 *
 * Then run your step on your example, and on a batch where only one example of several is
 * like that. Which losses are `Infinity`? Which gradient entries are `NaN`, and why even the
 * weights of pixels that are 0? What is left of `W` after the step, and can later steps fix
 * it? Write the answers as comments.
 *
 * `deno task check log_zero` checks your work; `solutions/log_zero.ts` explains (try first).
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";
import { createNet } from "../lessons/02_softmax.ts";
import { crossEntropy } from "../lessons/03_cross_entropy.ts";
import { sgd } from "../lessons/05_train_ch3.ts";

/** A softmax-regression model as plain arrays: `W [inputs, classes]`, `b [classes]`. */
export interface PlainModel {
  /** Weights `[inputs, classes]`. */
  W: number[][];
  /** Biases `[classes]`. */
  b: number[];
}

/** A batch as plain arrays: `X [batch, inputs]`, integer labels `y [batch]`. */
export interface PlainBatch {
  /** Inputs `[batch, inputs]`. */
  X: number[][];
  /** Labels `[batch]`, integers in `[0, classes)`. */
  y: number[];
}

/** What one step of the lesson's training did, as plain arrays. */
export interface StepReport {
  /** The per-example cross-entropy losses before the step `[batch]`. */
  losses: number[];
  /** The gradient of the summed loss with respect to `W` `[inputs, classes]`. */
  gradW: number[][];
  /** The gradient of the summed loss with respect to `b` `[classes]`. */
  gradB: number[];
  /** `W` after the step. */
  W: number[][];
  /** `b` after the step. */
  b: number[];
}

/** Options for {@linkcode oneSgdStep}. */
export interface StepOptions {
  /** Learning rate. Default `0.1` (the book's). */
  lr?: number;
}

/**
 * Takes one step of the lesson's training on `batch` and reports the losses, the gradients
 * and the new parameters as plain arrays (`NaN` and `Infinity` included).
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { oneSgdStep } from "./log_zero.ts";
 * const r = oneSgdStep({ W: [[0.5, -0.5]], b: [0, 0] }, { X: [[1]], y: [1] }, { lr: 1 });
 * if (!(r.losses[0] > 0) || r.gradB.length !== 2) throw new Error("unexpected: !(r.losses[0] > 0) || r.gradB.length !== 2");
 * ```
 *
 * @param model the weights and biases before the step.
 * @param batch the inputs and labels of one batch.
 * @param options the learning rate.
 * @returns the step's losses, gradients and new parameters.
 */
export function oneSgdStep(
  model: PlainModel,
  batch: PlainBatch,
  options: StepOptions = {},
): StepReport {
  // TODO: one SGD step of the lesson's model and loss on this batch, as lesson 5 trains,
  // reporting what the doc above lists.
  // Free every tensor you create (tf.tidy; the variables with tf.dispose).
  return todo("oneSgdStep");
}

/**
 * A model and a one-example batch for which the lesson's naive model gives the true class a
 * probability of exactly 0 in float32.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { oneSgdStep, zeroProbabilityExample } from "./log_zero.ts";
 * const { model, batch } = zeroProbabilityExample();
 * if (oneSgdStep(model, batch).losses[0] !== Infinity) throw new Error("unexpected: oneSgdStep(model, batch).losses[0] !== Infinity");
 * ```
 */
export function zeroProbabilityExample(): { model: PlainModel; batch: PlainBatch } {
  // TODO: choose W, b and one input x so that the true class's logit is far below another
  // class's (how far? exercise 1 tells you).
  return todo("zeroProbabilityExample");
}

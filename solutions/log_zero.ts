/**
 * Exercise 2 of §3.6 (solution): the log domain of cross-entropy, and what a probability of
 * exactly 0 does to training.
 *
 * The lesson's loss is `l = −log p`, where `p = softmax(z)_y` is the probability the model
 * gives the true class. Mathematically `p > 0` always (an exponential is never 0), so `l` is
 * finite. In float32 it is not: when the true class's logit is more than about 104 below the
 * row's largest, `exp` underflows (exercise 1) and the naive softmax returns `p = 0` exactly.
 * Then:
 *
 * - **The loss is `−log 0 = Infinity`.** The batch's summed loss, and the epoch's mean, are
 *   `Infinity` too.
 * - **Every gradient is `NaN`.** Back-propagation multiplies local derivatives. The first one
 *   is `∂l/∂p = −1/p = −Infinity`. The softmax's derivative then needs
 *   `−Infinity · p = −Infinity · 0 = NaN` (and `−Infinity − (−Infinity)`), so the gradient
 *   with respect to that example's logits is `NaN` in every class, not just the true one.
 * - **One SGD step destroys the whole model.** The weight gradient is `Xᵀ · ∂l/∂Z`; each of
 *   its entries sums over the batch's examples, so one `NaN` row of `∂l/∂Z` reaches *every*
 *   entry of `∂l/∂W` — even the weights of pixels that are 0 in the bad example, because
 *   `0 · NaN = NaN`. The bias gradient sums the same rows. After `W ← W − lr · ∂l/∂W / n`,
 *   every weight and bias is `NaN`; from then on every prediction is `NaN`, the loss is `NaN`
 *   forever, and no later step can repair it (`NaN − anything = NaN`). One bad example in one
 *   batch is enough; the other examples' losses were finite.
 *
 * The fix is not to clip `p` (which hides the problem and biases the gradient) but never to
 * form `p` at all: compute `log p` directly from the logits with log-sum-exp, whose gradient
 * `softmax(z) − onehot(y)` is finite for any finite logits. That is exercise 3
 * (`crossEntropyFromLogits`).
 *
 * @example One underflowed example turns the whole model into NaN
 * ```ts
 * import { oneSgdStep } from "./log_zero.ts";
 * // Logits [-120, 0]: exp(-120) underflows to 0 in float32, so p(true class 0) = 0.
 * const r = oneSgdStep({ W: [[-120, 0]], b: [0, 0] }, { X: [[1], [0]], y: [0, 1] });
 * if (r.losses[0] !== Infinity || !Number.isFinite(r.losses[1])) throw new Error("unexpected: r.losses[0] !== Infinity || !Number.isFinite(r.losses[1])");
 * if (![...r.W.flat(), ...r.b].every(Number.isNaN)) throw new Error("expected all NaN");
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
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
 * Takes one step of the lesson's training on `batch`: the lesson's model
 * (`softmax(X · W + b)`, naive), its cross-entropy, the gradients of the summed loss, and the
 * book's `sgd` (`p ← p − lr · g / batch`). Reports the losses, the gradients and the new
 * parameters as plain arrays, `NaN` and `Infinity` included.
 *
 * @example A healthy step lowers the loss of the example it was taken on
 * ```ts
 * import { oneSgdStep } from "./log_zero.ts";
 * const model = { W: [[0.5, -0.5]], b: [0, 0] };
 * const first = oneSgdStep(model, { X: [[1]], y: [1] }, { lr: 1 });
 * const again = oneSgdStep({ W: first.W, b: first.b }, { X: [[1]], y: [1] }, { lr: 1 });
 * if (!(again.losses[0] < first.losses[0])) throw new Error("unexpected: !(again.losses[0] < first.losses[0])");
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
  const { lr = 0.1 } = options;
  // tf.variable keeps its own reference to the data: the initial tensors are tidied away.
  const W = tf.tidy(() => tf.variable(tf.tensor2d(model.W), true));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(model.b), true));
  try {
    return tf.tidy(() => {
      const net = createNet({ W, b });
      const X = tf.tensor2d(batch.X); // [batch, inputs]
      const y = tf.tensor1d(batch.y, "int32"); // [batch]
      const losses = crossEntropy(net(X), y); // [batch]: Infinity where p = 0
      // The gradients of the summed loss, as training takes them (lesson 5).
      const { grads } = tf.variableGrads(() => tf.sum(crossEntropy(net(X), y)) as tf.Scalar, [
        W,
        b,
      ]);
      const gradW = grads[W.name];
      const gradB = grads[b.name];
      const report = {
        losses: Array.from(losses.dataSync()),
        gradW: gradW.arraySync() as number[][],
        gradB: gradB.arraySync() as number[],
      };
      sgd([W, b], [gradW, gradB], lr, batch.y.length);
      return { ...report, W: W.arraySync() as number[][], b: b.arraySync() as number[] };
    });
  } finally {
    tf.dispose([W, b]);
  }
}

/**
 * A model and a one-example batch for which the lesson's naive model gives the true class a
 * probability of exactly 0 in float32 (so {@linkcode oneSgdStep} reports a loss of
 * `Infinity`).
 *
 * Any logit gap beyond about 104 does it: here the true class 0 gets logit −120 and class 1
 * gets 0, and `exp(−120)` underflows to 0. Nothing about the example is exotic: a weight of
 * −120 is large, but a badly scaled input (raw pixel values 0..255 instead of 0..1) times
 * ordinary weights reaches such logits easily.
 *
 * @example
 * ```ts
 * import { oneSgdStep, zeroProbabilityExample } from "./log_zero.ts";
 * const { model, batch } = zeroProbabilityExample();
 * if (oneSgdStep(model, batch).losses[0] !== Infinity) throw new Error("unexpected: oneSgdStep(model, batch).losses[0] !== Infinity");
 * ```
 */
export function zeroProbabilityExample(): { model: PlainModel; batch: PlainBatch } {
  return { model: { W: [[-120, 0]], b: [0, 0] }, batch: { X: [[1]], y: [0] } };
}

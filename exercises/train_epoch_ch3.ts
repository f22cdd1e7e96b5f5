// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 5's `sgd`, updater and `trainEpochCh3`: one epoch of minibatch
 * stochastic gradient descent.
 *
 * 1. {@linkcode sgd}`(params, grads, lr, batchSize)`: every parameter takes the step
 *    `p ← p − lr · g / batchSize` in place (`p.assign(...)`).
 * 2. {@linkcode sgdUpdater}`(params, lr)`: an {@linkcode Updater} whose `step(grads,
 *    batchSize)` calls `sgd` with its parameters and learning rate.
 * 3. {@linkcode trainEpochCh3}`(net, trainIter, loss, updater)`: for every batch `[X, y]`,
 *    compute `loss(net(X), y)` (one loss per example), the gradients of its **sum** with
 *    respect to `updater.params` (`tf.variableGrads(f, updater.params)` returns
 *    `{ value, grads }`, with `grads` keyed by each variable's `name`), and take one
 *    `updater.step`. Return the epoch's mean loss and accuracy over its examples.
 *
 * Think about the last batch: 60000 images in batches of 256 end with a batch of 96. What must
 * `step` be told, and what goes wrong if it is told 256? And about memory: every batch creates
 * tensors; after the epoch `tf.memory().numTensors` must be what it was before.
 *
 * Lesson 4's `accuracy` and `Accumulator` are imported for you.
 *
 * TensorFlow.js's optimizers (`tf.train.sgd` and the others, their `minimize` and
 * `applyGradients`) are refused here (the check and the grader fail a case that calls them):
 * write the step yourself.
 *
 * `deno task check train_epoch_ch3` checks your work; `solutions/train_epoch_ch3.ts` is the
 * answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "../lessons/02_softmax.ts";
import type { Loss } from "../lessons/03_cross_entropy.ts";
import { accuracy } from "../lessons/04_accuracy.ts";
import { Accumulator } from "../lessons/04_evaluate_accuracy.ts";

/**
 * Minibatch SGD: `p ← p − lr · g / batchSize` for every parameter, in place.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { sgd } from "./train_epoch_ch3.ts";
 * const W = tf.variable(tf.tensor1d([1, 2]));
 * sgd([W], [tf.tensor1d([0.5, 1])], 0.1, 2);
 * assertClose(W, [0.975, 1.95]);
 * ```
 *
 * @param params the variables to update.
 * @param grads their gradients, in the same order.
 * @param lr the learning rate, positive.
 * @param batchSize the number of examples the gradients were summed over.
 */
export function sgd(
  params: tf.Variable[],
  grads: tf.Tensor[],
  lr: number,
  batchSize: number,
): void {
  // TODO: update every parameter in place by the minibatch SGD rule, freeing what you make.
  todo("sgd");
}

/** Owns the parameters being trained and takes one step from their gradients. */
export interface Updater {
  /** The variables to train, in the order `step` expects their gradients. */
  readonly params: tf.Variable[];
  /**
   * One step from the gradients of the loss summed over a batch of `batchSize` examples.
   *
   * @param grads one gradient per parameter, in `params` order.
   * @param batchSize the batch's actual size.
   */
  step(grads: tf.Tensor[], batchSize: number): void;
}

/**
 * An {@linkcode Updater} taking {@linkcode sgd} steps with learning rate `lr`.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { sgdUpdater } from "./train_epoch_ch3.ts";
 * const b = tf.variable(tf.tensor1d([0, 0]));
 * sgdUpdater([b], 0.1).step([tf.tensor1d([4, -8])], 4);
 * assertClose(b, [-0.1, 0.2]);
 * ```
 *
 * @param params the variables to train.
 * @param lr the learning rate, positive.
 */
export function sgdUpdater(params: tf.Variable[], lr: number): Updater {
  // TODO: return { params, step: (grads, batchSize) => sgd(...) }.
  return todo("sgdUpdater");
}

/**
 * Trains `net` for one pass of `trainIter` and returns the epoch's mean loss and accuracy.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import { createNet, crossEntropy, initParams, loadDataFashionMnist } from "../mod.ts";
 * import { sgdUpdater, trainEpochCh3 } from "./train_epoch_ch3.ts";
 * const { trainIter } = await loadDataFashionMnist(256, { subset: true });
 * const params = initParams();
 * const { trainLoss, trainAcc } = trainEpochCh3(createNet(params), trainIter, crossEntropy,
 *   sgdUpdater([params.W, params.b], 0.1));
 * if (!(trainLoss < 2.3 && trainAcc > 0.1)) throw new Error("unexpected: !(trainLoss < 2.3 && trainAcc > 0.1)");
 * ```
 *
 * @param net the model (reads the updater's variables).
 * @param trainIter training batches; one pass is made.
 * @param loss per-example losses `[batch]`.
 * @param updater owns the parameters and takes the steps.
 * @returns `{ trainLoss, trainAcc }`: mean loss per example and the fraction correct.
 */
export function trainEpochCh3(
  net: Net,
  trainIter: DataIter,
  loss: Loss,
  updater: Updater,
): { trainLoss: number; trainAcc: number } {
  // TODO: one pass over trainIter: for each batch, the gradients of the loss summed over
  // the batch, one updater step, and what the returned means need. Free what you make.
  return todo("trainEpochCh3");
}

/**
 * Re-implementation of lesson 5's `sgd`, updater and `trainEpochCh3` (solution): one epoch of
 * minibatch stochastic gradient descent.
 *
 * For each batch `[X, y]` of one pass over the training data:
 *
 * 1. `yHat = net(X)` and `l = loss(yHat, y)`, one loss per example;
 * 2. the gradients of `sum(l)` with respect to the parameters, by autodiff
 *    (`tf.variableGrads`, which differentiates with respect to `tf.Variable`s);
 * 3. one updater step: `p ← p − lr · g / batchSize`.
 *
 * The loss is *summed* and the step divides by the batch size, so every step follows the
 * *mean* gradient whatever the batch size. The trap is the last batch: 60000 images in batches
 * of 256 end with 96, and dividing that batch's sum by 256 would make its step 62 % too small.
 * So the step always receives the batch's **actual** size, `y.shape[0]`.
 *
 * The epoch's mean loss and accuracy are sums over examples divided once at the end, kept in
 * an `Accumulator(3)`: summed loss, correct predictions, examples. Each is measured on the
 * batch's predictions *before* its step, as the book does.
 *
 * Memory: `tf.variableGrads` frees the tensors of the forward pass except its result, so
 * `yHat` is kept explicitly (`tf.keep`) for the accuracy and disposed with the loss and the
 * gradients after the step. `tf.memory().numTensors` is the same after an epoch as before.
 *
 * The book reads every batch's loss back to Python (`float(l.sum())`), and so does this
 * version (`dataSync`); lesson 5's version keeps the sums on the backend and reads them once
 * per epoch, which is faster.
 *
 * @example One epoch on a tiny data set lowers the loss
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { createNet, initParams } from "../lessons/02_softmax.ts";
 * import { crossEntropy } from "../lessons/03_cross_entropy.ts";
 * import { sgdUpdater, trainEpochCh3 } from "./train_epoch_ch3.ts";
 * const labels = Int32Array.from({ length: 40 }, (_, i) => i % 4);
 * const images = new Float32Array(40 * 4);
 * labels.forEach((label, i) => (images[i * 4 + label] = 1)); // the bright pixel is the class
 * const iter = createDataIter(images, labels, { batchSize: 16, imageSize: [2, 2] });
 * const params = initParams({ numInputs: 4, numOutputs: 4, seed: 0 });
 * const updater = sgdUpdater([params.W, params.b], 1);
 * const first = trainEpochCh3(createNet(params), iter, crossEntropy, updater);
 * const second = trainEpochCh3(createNet(params), iter, crossEntropy, updater);
 * if (!(second.trainLoss < first.trainLoss)) throw new Error("unexpected: !(second.trainLoss < first.trainLoss)");
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "../lessons/02_softmax.ts";
import type { Loss } from "../lessons/03_cross_entropy.ts";
import { accuracy } from "../lessons/04_accuracy.ts";
import { Accumulator } from "../lessons/04_evaluate_accuracy.ts";

/**
 * Minibatch SGD (the book's `sgd`): every parameter takes the step
 * `p ← p − lr · g / batchSize`, in place, where `g` is the gradient of the loss summed over
 * `batchSize` examples.
 *
 * @example `[1, 2] − 0.1 · [0.5, 1] / 2`
 * ```ts
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
 * @throws {TypeError} when `params` and `grads` do not pair up; {RangeError} for a bad `lr`
 *   or `batchSize`.
 */
export function sgd(
  params: tf.Variable[],
  grads: tf.Tensor[],
  lr: number,
  batchSize: number,
): void {
  if (params.length !== grads.length) {
    throw new TypeError(
      `Cannot take an SGD step: ${params.length} parameters but ${grads.length} gradients`,
    );
  }
  if (!(lr > 0) || !Number.isFinite(lr)) {
    throw new RangeError(`Cannot take an SGD step: lr must be a positive number, got ${lr}`);
  }
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(
      `Cannot take an SGD step: batchSize must be a positive integer, got ${batchSize}`,
    );
  }
  tf.tidy(() => {
    params.forEach((p, i) => p.assign(tf.sub(p, tf.mul(grads[i], lr / batchSize))));
  });
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
 * An {@linkcode Updater} taking {@linkcode sgd} steps with learning rate `lr` (the book's
 * `updater`).
 *
 * @example
 * ```ts
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
 * @throws {RangeError} for a bad `lr`.
 */
export function sgdUpdater(params: tf.Variable[], lr: number): Updater {
  if (!(lr > 0) || !Number.isFinite(lr)) {
    throw new RangeError(`Cannot create an SGD updater: lr must be a positive number, got ${lr}`);
  }
  const owned = [...params];
  return {
    params: owned,
    step: (grads, batchSize) => sgd(owned, grads, lr, batchSize),
  };
}

/**
 * Trains `net` for one pass of `trainIter` (the book's `train_epoch_ch3`) and returns the
 * epoch's mean loss and accuracy over its examples.
 *
 * @example See the module example.
 * ```ts
 * import { trainEpochCh3 } from "./train_epoch_ch3.ts";
 * if (trainEpochCh3.length !== 4) throw new Error("unexpected: trainEpochCh3.length !== 4");
 * ```
 *
 * @param net the model (reads the updater's variables).
 * @param trainIter training batches; one pass is made.
 * @param loss per-example losses `[batch]`.
 * @param updater owns the parameters and takes the steps.
 * @returns `{ trainLoss, trainAcc }`: mean loss per example and the fraction correct.
 * @throws {RangeError} when the iterator yields no examples.
 */
export function trainEpochCh3(
  net: Net,
  trainIter: DataIter,
  loss: Loss,
  updater: Updater,
): { trainLoss: number; trainAcc: number } {
  const metric = new Accumulator(3); // summed loss, correct predictions, examples
  for (const [X, y] of trainIter) {
    const batchSize = y.shape[0]; // the actual size: the last batch may be smaller
    let yHat: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      yHat = tf.keep(net(X)); // [batch, classes], needed after the backward pass
      return tf.sum(loss(yHat, y)) as tf.Scalar;
    }, updater.params);
    try {
      updater.step(updater.params.map((p) => grads[p.name]), batchSize);
      metric.add(value.dataSync()[0], accuracy(yHat!, y), batchSize);
    } finally {
      tf.dispose([value, yHat!, ...Object.values(grads)]);
    }
  }
  if (metric.get(2) === 0) {
    throw new RangeError("Cannot train: the training iterator yielded no examples");
  }
  return { trainLoss: metric.get(0) / metric.get(2), trainAcc: metric.get(1) / metric.get(2) };
}

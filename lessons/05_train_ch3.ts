/**
 * Lesson 5: training — minibatch SGD, one epoch, and the whole loop (`trainCh3`).
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.6 "Training"
 * (with `sgd` from §3.2 "Linear regression from scratch").
 *
 * ## Minibatch stochastic gradient descent
 *
 * For each minibatch `B` the model's loss is summed over the batch, differentiated with
 * respect to every parameter by automatic differentiation, and every parameter takes a step
 * against its gradient, scaled by the learning rate `η` and divided by the batch size:
 *
 * $$
 * (\mathbf{W}, \mathbf{b}) \leftarrow (\mathbf{W}, \mathbf{b}) - \frac{\eta}{|\mathcal{B}|}
 *   \sum_{i \in \mathcal{B}} \partial_{(\mathbf{W}, \mathbf{b})} l(\mathbf{x}^{(i)}, y^{(i)}; \mathbf{W}, \mathbf{b})
 * $$
 *
 * Dividing the *summed* gradient by `|B|` makes the step the mean gradient, so its size does
 * not depend on the batch size. The trap is the last batch: 60000 training images in batches
 * of 256 end with a batch of 96, and dividing its sum by 256 would shrink that step by 62 %.
 * {@linkcode trainEpochCh3} always divides by the batch's *actual* size.
 *
 * - {@linkcode sgd}`(params, grads, lr, batchSize)` is the book's `sgd`: `p -= lr * g / batchSize`.
 * - An {@linkcode Updater} is what the book's `updater(batch_size)` closure is: something that
 *   owns the parameters and takes one step from their gradients. {@linkcode sgdUpdater} makes
 *   one from `sgd` and a learning rate.
 * - {@linkcode trainEpochCh3}`(net, trainIter, loss, updater)` runs one pass over the training
 *   data: per batch, `yHat = net(X)`, `l = loss(yHat, y)` (one loss per example), gradients of
 *   `sum(l)` by `tf.variableGrads` (the autodiff of §2.5), one updater step; it returns the
 *   mean training loss and accuracy of the pass.
 * - {@linkcode trainCh3}`(net, trainIter, testIter, loss, numEpochs, updater)` runs
 *   `numEpochs` epochs, evaluates the test accuracy after each one (lesson 4's
 *   `evaluateAccuracy`), feeds the three curves to an `Animator` (`lib/animator.ts`) and
 *   reports the book's checks: training loss < 0.5, 0.7 < training accuracy ≤ 1 and
 *   0.7 < test accuracy ≤ 1 after the last epoch. The book `assert`s them; here they are
 *   returned ({@linkcode bookChecks}), because a short run on a small subset is expected to
 *   miss them, and `deno task train` exits non-zero when they fail.
 *
 * ## The book's run
 *
 * The book trains for 10 epochs with learning rate 0.1 on the full Fashion-MNIST, in batches
 * of 256, and watches three curves rise and fall as it goes: the training loss, the training
 * accuracy and the test accuracy. The loss should end below 0.5 and both accuracies above
 * 0.7. `deno task train` runs the same thing from a terminal; in a notebook it is:
 *
 * ```ts ignore
 * import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
 * import { Animator } from "../lib/animator.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const { trainIter, testIter } = await loadDataFashionMnist(256);
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * const numEpochs = 10;
 * const animator = new Animator({
 *   xlabel: "epoch", xlim: [1, numEpochs], ylim: [0.3, 0.9],
 *   legend: ["train loss", "train acc", "test acc"],
 * });
 * const result = await trainCh3(net, trainIter, testIter, crossEntropy, numEpochs,
 *   sgdUpdater([params.W, params.b], 0.1), { animator });
 * if (!result.checksPassed) throw new Error(`the book's checks failed: ${JSON.stringify(result.checks)}`);
 * const { trainLoss, trainAcc, testAcc } = result.epochs[numEpochs - 1];
 * ({ trainLoss, trainAcc, testAcc }); // the values a notebook prints
 * ```
 *
 * The exact digits differ from the book's PyTorch run, because the initial `W` and the
 * shuffling come from different random generators and float32 sums are added in a different
 * order; the neighbourhood is the same (the README compares the two, and times them).
 *
 * @example Training on a tiny, separable data set
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * // 2×2 "images" whose brightest pixel is the class: 4 classes, 40 examples.
 * const n = 40;
 * const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
 * const images = new Float32Array(n * 4);
 * labels.forEach((label, i) => (images[i * 4 + label] = 1));
 * const trainIter = createDataIter(images, labels, { batchSize: 16, imageSize: [2, 2], shuffle: true });
 * const testIter = createDataIter(images, labels, { batchSize: 16, imageSize: [2, 2] });
 * const params = initParams({ numInputs: 4, numOutputs: 4, seed: 0 });
 * const net = createNet(params);
 * const result = await trainCh3(net, trainIter, testIter, crossEntropy, 30, sgdUpdater([params.W, params.b], 1));
 * const last = result.epochs[result.epochs.length - 1];
 * if (result.epochs.length !== 30) throw new Error("one record per epoch");
 * if (!(last.trainLoss < result.epochs[0].trainLoss)) throw new Error("the loss did not fall");
 * if (last.testAcc !== 1 || !result.checksPassed) throw new Error(JSON.stringify(last));
 * tf.dispose([params.W, params.b]);
 * trainIter.dispose();
 * testIter.dispose();
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Animator } from "../lib/animator.ts";
import type { Net } from "./02_softmax.ts";
import type { Loss } from "./03_cross_entropy.ts";
import { countCorrect } from "./04_accuracy.ts";
import { evaluateAccuracy } from "./04_evaluate_accuracy.ts";

function checkLr(fn: string, lr: number): void {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0) {
    throw new RangeError(`Cannot ${fn}: lr must be a positive finite number, got ${lr}`);
  }
}

function checkBatchSize(fn: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(
      `Cannot ${fn}: batchSize must be a positive integer (the batch's actual size), got ${batchSize}`,
    );
  }
}

/**
 * Minibatch stochastic gradient descent, the book's `sgd`: every parameter takes the step
 * `p ← p − lr · g / batchSize`, where `g` is the gradient of the loss *summed* over a batch
 * of `batchSize` examples.
 *
 * Updates the variables in place (`assign`) and frees every intermediate tensor; the
 * gradients stay the caller's.
 *
 * @example The arithmetic: `[1, 2] − 0.1 · [0.5, 1] / 2`
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const W = tf.variable(tf.tensor1d([1, 2]));
 * sgd([W], [tf.tensor1d([0.5, 1])], 0.1, 2);
 * assertClose(W, [0.975, 1.95]);
 * ```
 *
 * @param params the variables to update.
 * @param grads their gradients, in the same order and of the same shapes.
 * @param lr the learning rate, a positive finite number.
 * @param batchSize the number of examples the gradients were summed over.
 * @throws {TypeError} when `params` and `grads` do not pair up (count, type or shape).
 * @throws {RangeError} for a bad `lr` or `batchSize`.
 */
export function sgd(
  params: tf.Variable[],
  grads: tf.Tensor[],
  lr: number,
  batchSize: number,
): void {
  if (!Array.isArray(params) || !Array.isArray(grads) || params.length !== grads.length) {
    throw new TypeError(
      `Cannot take an SGD step: expected one gradient per parameter, got ${
        describeValue(params)
      } ` +
        `of parameters and ${describeValue(grads)} of gradients`,
    );
  }
  checkLr("take an SGD step", lr);
  checkBatchSize("take an SGD step", batchSize);
  params.forEach((p, i) => {
    const g = grads[i];
    if (!(p instanceof tf.Variable) || !(g instanceof tf.Tensor)) {
      throw new TypeError(
        `Cannot take an SGD step: parameter ${i} must be a tf.Variable and gradient ${i} a ` +
          `tensor, got ${describeValue(p)} and ${describeValue(g)}`,
      );
    }
    if (p.shape.join() !== g.shape.join()) {
      throw new TypeError(
        `Cannot take an SGD step: gradient ${i} has shape [${g.shape}] but parameter ${i} ` +
          `("${p.name}") has shape [${p.shape}]; pass the gradients in the parameters' order`,
      );
    }
  });
  tf.tidy(() => {
    for (let i = 0; i < params.length; i++) {
      params[i].assign(tf.sub(params[i], tf.mul(grads[i], lr / batchSize)));
    }
  });
}

/**
 * Owns the parameters being trained and takes one optimisation step from their gradients:
 * the book's `updater(batch_size)`.
 */
export interface Updater {
  /** The variables to train, in the order `step` expects their gradients. */
  readonly params: tf.Variable[];
  /**
   * One step from the gradients of the loss summed over a batch.
   *
   * @param grads one gradient per parameter, in `params` order.
   * @param batchSize the batch's actual size (the last batch may be smaller).
   */
  step(grads: tf.Tensor[], batchSize: number): void;
}

/**
 * An {@linkcode Updater} that takes {@linkcode sgd} steps with learning rate `lr` (the book's
 * `updater`, `d2l.sgd([W, b], lr, batch_size)`).
 *
 * @example One step on a batch of 4
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const b = tf.variable(tf.tensor1d([0, 0]));
 * const updater = sgdUpdater([b], 0.1);
 * updater.step([tf.tensor1d([4, -8])], 4);
 * assertClose(b, [-0.1, 0.2]);
 * ```
 *
 * @param params the variables to train (e.g. `[params.W, params.b]`).
 * @param lr the learning rate, a positive finite number (the book uses 0.1).
 * @throws {TypeError} when `params` is not a non-empty array of trainable `tf.Variable`s.
 * @throws {RangeError} for a bad `lr`.
 */
export function sgdUpdater(params: tf.Variable[], lr: number): Updater {
  if (
    !Array.isArray(params) || params.length === 0 ||
    params.some((p) => !(p instanceof tf.Variable) || !p.trainable)
  ) {
    throw new TypeError(
      `Cannot create an SGD updater: expected a non-empty array of trainable tf.Variables ` +
        `(e.g. [params.W, params.b]), got ${describeValue(params)}`,
    );
  }
  checkLr("create an SGD updater", lr);
  const owned = [...params];
  return {
    params: owned,
    step(grads: tf.Tensor[], batchSize: number): void {
      sgd(owned, grads, lr, batchSize);
    },
  };
}

/** The means over one epoch's examples, as {@linkcode trainEpochCh3} returns them. */
export interface EpochMetrics {
  /** Mean cross-entropy (or whatever `loss` computes) per training example. */
  trainLoss: number;
  /** Fraction of training examples classified correctly, in [0, 1]. */
  trainAcc: number;
}

/** Options for {@linkcode trainEpochCh3}. */
export interface EpochOptions {
  /** Called after every batch with the batches done and the batches in the pass. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Trains the model for one epoch (one pass of `trainIter`) and returns the epoch's mean loss
 * and accuracy over its examples (the book's `train_epoch_ch3`).
 *
 * Per batch `[X, y]`: `yHat = net(X)`, `l = loss(yHat, y)` (`[batch]`), the gradients of
 * `sum(l)` with respect to `updater.params` (`tf.variableGrads`), then
 * `updater.step(grads, batch)` with the batch's **actual** size, so the short last batch
 * gets a mean-gradient step like the others. The losses are summed and the correct
 * predictions counted (lesson 4's `countCorrect`) on the backend; the sums are read back
 * once, at the end. Every batch's tensors are freed: `tf.memory().numTensors` is the same
 * after the epoch as before.
 *
 * @example The last, partial batch counts like the others
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const labels = Int32Array.from([0, 1, 0, 1, 0]); // batches of 2, 2 and 1
 * const images = new Float32Array(5 * 4).fill(0.5);
 * const iter = createDataIter(images, labels, { batchSize: 2, imageSize: [2, 2] });
 * const params = initParams({ numInputs: 4, numOutputs: 2, sigma: 0 }); // yHat = 0.5 everywhere
 * const before = tf.memory().numTensors;
 * const { trainLoss, trainAcc } = trainEpochCh3(
 *   createNet(params), iter, crossEntropy, sgdUpdater([params.W, params.b], 0.1));
 * // The first batch's prediction is a tie (argmax picks class 0): 1 of 2 right.
 * if (Math.abs(trainLoss - Math.log(2)) > 0.05 || trainAcc < 0 || trainAcc > 1) throw new Error("unexpected: Math.abs(trainLoss - Math.log(2)) > 0.05 || trainAcc < 0 || trainAcc > 1");
 * if (tf.memory().numTensors !== before) throw new Error("leaked tensors");
 * tf.dispose([params.W, params.b]);
 * iter.dispose();
 * ```
 *
 * @param net the model: `[batch, …]` → probabilities `[batch, classes]`.
 * @param trainIter the training batches; one pass is made.
 * @param loss per-example losses `[batch]` (e.g. lesson 3's `crossEntropy`). Do not average
 *   inside the loss: the sum is differentiated and the updater divides by the batch size.
 * @param updater owns the parameters and steps them (e.g. {@linkcode sgdUpdater}).
 * @param options `onBatch` progress callback.
 * @returns mean loss and accuracy over the epoch's examples.
 * @throws {TypeError} when `loss` does not return one value per example, or `net` does not
 *   return `[batch, classes]`.
 * @throws {RangeError} when the iterator yields no examples.
 */
export function trainEpochCh3(
  net: Net,
  trainIter: DataIter,
  loss: Loss,
  updater: Updater,
  options: EpochOptions = {},
): EpochMetrics {
  if (typeof net !== "function" || typeof loss !== "function") {
    throw new TypeError(
      `Cannot train: net and loss must be functions, got ${describeValue(net)} and ${
        describeValue(loss)
      }`,
    );
  }
  if (
    updater === null || typeof updater !== "object" || typeof updater.step !== "function" ||
    !Array.isArray(updater.params) || updater.params.length === 0
  ) {
    throw new TypeError(
      `Cannot train: updater must have params (the variables to train) and step(grads, ` +
        `batchSize), e.g. sgdUpdater([params.W, params.b], 0.1); got ${describeValue(updater)}`,
    );
  }
  const lossSums: tf.Scalar[] = []; // per batch: the loss summed over the batch, float32
  const corrects: tf.Scalar[] = []; // per batch: correct predictions, int32
  let examples = 0;
  try {
    for (const [X, y] of trainIter) {
      const batchSize = y.shape[0];
      const [lossSum, correct] = tf.tidy(() => {
        let yHat: tf.Tensor2D | undefined; // [batch, classes], kept past the forward pass
        try {
          const { value, grads } = tf.variableGrads(() => {
            yHat = tf.keep(net(X));
            checkPredictions(yHat, batchSize);
            const l = loss(yHat, y); // [batch]
            checkLosses(l, batchSize);
            return tf.sum(l) as tf.Scalar;
          }, updater.params);
          updater.step(updater.params.map((p) => grads[p.name]), batchSize);
          return [value, countCorrect(yHat!, y)];
        } catch (error) {
          releaseAbandonedTape();
          throw error;
        } finally {
          yHat?.dispose();
        }
      });
      lossSums.push(lossSum);
      corrects.push(correct);
      examples += batchSize;
      options.onBatch?.(lossSums.length, trainIter.numBatches);
    }
    if (examples === 0) {
      throw new RangeError("Cannot train: the training iterator yielded no examples");
    }
    return {
      trainLoss: sumOnce(lossSums) / examples,
      trainAcc: sumOnce(corrects) / examples,
    };
  } finally {
    tf.dispose([...lossSums, ...corrects]);
  }
}

/** Reads per-batch scalars back in one go (one stack, one read) and sums them in float64. */
function sumOnce(perBatch: tf.Scalar[]): number {
  const stacked = tf.stack(perBatch); // [batches]
  const values = stacked.dataSync();
  stacked.dispose();
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

/**
 * Frees what tfjs's gradient tape still holds after a forward pass threw (a bad `net` or
 * `loss`): tfjs keeps clones of the tensors each backward step will need, and frees them only
 * after a successful backward pass, so without this a failed step would leak them.
 */
function releaseAbandonedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return; // inside someone else's tape
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = [];
}

function checkPredictions(yHat: unknown, batchSize: number): void {
  if (!(yHat instanceof tf.Tensor) || yHat.rank !== 2 || yHat.shape[0] !== batchSize) {
    throw new TypeError(
      `Cannot train: net(X) must return probabilities [batch, classes] = [${batchSize}, …], ` +
        `got ${describeValue(yHat)}`,
    );
  }
}

function checkLosses(l: unknown, batchSize: number): void {
  if (!(l instanceof tf.Tensor) || l.rank !== 1 || l.shape[0] !== batchSize) {
    throw new TypeError(
      `Cannot train: loss(yHat, y) must return one loss per example, shape [${batchSize}], ` +
        `got ${describeValue(l)}; do not sum or average inside the loss (trainEpochCh3 sums it, ` +
        `the updater divides by the batch size)`,
    );
  }
}

/** One epoch's results, as {@linkcode trainCh3} records them. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's examples. */
  trainLoss: number;
  /** Training accuracy over the epoch, in [0, 1]. */
  trainAcc: number;
  /** Test accuracy after the epoch, in [0, 1]. */
  testAcc: number;
  /** Wall-clock seconds for the epoch: training and evaluation. */
  seconds: number;
}

/** Options for {@linkcode trainCh3}; all optional. */
export interface TrainOptions {
  /** Receives `(epoch, [trainLoss, trainAcc, testAcc])` after every epoch (the book's plot). */
  animator?: Animator;
  /**
   * Called after every epoch with its record (e.g. a terminal display, or saving the metrics
   * so far); training waits for a returned promise.
   */
  onEpoch?: (record: EpochRecord) => unknown;
  /** Called after every training batch with the batches done and the batches per epoch. */
  onBatch?: (done: number, total: number) => void;
}

/** What {@linkcode trainCh3} returns. */
export interface TrainResult {
  /** One record per epoch, in order. */
  epochs: EpochRecord[];
  /** The book's three checks on the last epoch ({@linkcode bookChecks}). */
  checks: { trainLoss: boolean; trainAcc: boolean; testAcc: boolean };
  /** Whether all three checks passed. */
  checksPassed: boolean;
}

/**
 * Trains for `numEpochs` epochs and evaluates on the test data after each (the book's
 * `train_ch3`).
 *
 * Each epoch is {@linkcode trainEpochCh3} followed by lesson 4's `evaluateAccuracy` on
 * `testIter`; its three numbers go to `options.animator`, which redraws the curves, then its
 * record to `options.onEpoch`. The book asserts its three checks at the end;
 * this returns them instead (a short or subset run is expected to miss them).
 *
 * @example Three epochs on a tiny data set
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const labels = Int32Array.from([0, 1, 1, 0]);
 * const images = Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0]); // four 1×2 images
 * const iter = createDataIter(images, labels, { batchSize: 3, imageSize: [1, 2] });
 * const params = initParams({ numInputs: 2, numOutputs: 2, seed: 1 });
 * const seen: number[] = [];
 * const result = await trainCh3(createNet(params), iter, iter, crossEntropy, 3,
 *   sgdUpdater([params.W, params.b], 0.5), { onEpoch: (r) => seen.push(r.epoch) });
 * if (seen.join() !== "1,2,3" || result.epochs[2].testAcc !== 1) throw new Error("unexpected: seen.join() !== \"1,2,3\" || result.epochs[2].testAcc !== 1");
 * tf.dispose([params.W, params.b]);
 * iter.dispose();
 * ```
 *
 * @param net the model.
 * @param trainIter training batches, one pass per epoch.
 * @param testIter test batches, evaluated after every epoch.
 * @param loss per-example loss.
 * @param numEpochs a positive integer (the book uses 10).
 * @param updater owns and steps the parameters.
 * @param options an animator, per-epoch and per-batch callbacks.
 * @returns every epoch's record and the book's checks on the last one.
 * @throws {RangeError} when `numEpochs` is not a positive integer; whatever
 *   {@linkcode trainEpochCh3} or `evaluateAccuracy` throws.
 */
export async function trainCh3(
  net: Net,
  trainIter: DataIter,
  testIter: DataIter,
  loss: Loss,
  numEpochs: number,
  updater: Updater,
  options: TrainOptions = {},
): Promise<TrainResult> {
  if (!Number.isInteger(numEpochs) || numEpochs <= 0) {
    throw new RangeError(`Cannot train: numEpochs must be a positive integer, got ${numEpochs}`);
  }
  const epochs: EpochRecord[] = [];
  for (let epoch = 1; epoch <= numEpochs; epoch++) {
    const start = performance.now();
    const { trainLoss, trainAcc } = trainEpochCh3(net, trainIter, loss, updater, {
      onBatch: options.onBatch,
    });
    const testAcc = evaluateAccuracy(net, testIter);
    const seconds = (performance.now() - start) / 1000;
    const record: EpochRecord = { epoch, trainLoss, trainAcc, testAcc, seconds };
    epochs.push(record);
    await options.animator?.add(epoch, [trainLoss, trainAcc, testAcc]);
    await options.onEpoch?.(record);
  }
  const checks = bookChecks(epochs[epochs.length - 1]);
  return { epochs, checks, checksPassed: checks.trainLoss && checks.trainAcc && checks.testAcc };
}

/**
 * The book's end-of-training assertions, as booleans: training loss < 0.5,
 * 0.7 < training accuracy ≤ 1, 0.7 < test accuracy ≤ 1. `NaN` fails every check.
 *
 * @example
 * ```ts
 * const ok = bookChecks({ epoch: 10, trainLoss: 0.447, trainAcc: 0.847, testAcc: 0.83, seconds: 1 });
 * if (!(ok.trainLoss && ok.trainAcc && ok.testAcc)) throw new Error("unexpected: !(ok.trainLoss && ok.trainAcc && ok.testAcc)");
 * const bad = bookChecks({ epoch: 1, trainLoss: NaN, trainAcc: 0.5, testAcc: 0.71, seconds: 1 });
 * if (bad.trainLoss || bad.trainAcc || !bad.testAcc) throw new Error("unexpected: bad.trainLoss || bad.trainAcc || !bad.testAcc");
 * ```
 */
export function bookChecks(record: EpochRecord): TrainResult["checks"] {
  return {
    trainLoss: record.trainLoss < 0.5,
    trainAcc: record.trainAcc > 0.7 && record.trainAcc <= 1,
    testAcc: record.testAcc > 0.7 && record.testAcc <= 1,
  };
}

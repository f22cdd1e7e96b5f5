/**
 * The run half of `train_epoch_ch3`'s cases (lesson 5): the inputs and the calls, nothing that
 * judges them (that is `../train_epoch_ch3.ts`). Loaded in the grader's sandbox.
 *
 * The `trainEpochCh3` runs take the net, the loss and the data from the lessons before lesson 5
 * (`createNet`, `initParams`, `crossEntropy`) and `data/`, and never import lesson 5 itself: its
 * `sgd` and `sgdUpdater` are what the learner writes. They step with {@linkcode boundSgdUpdater}
 * instead, a minimal SGD updater bound to one set of variables.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { createDataIter, type DataIter } from "../../../data/data_iter.ts";
import { readFashionMnistSplit } from "../../../data/fashion_mnist.ts";
import { toInt32Labels } from "../../../data/idx.ts";
import { createNet, initParams } from "../../../lessons/02_softmax.ts";
import { crossEntropy } from "../../../lessons/03_cross_entropy.ts";
import type { Updater } from "../../../exercises/train_epoch_ch3.ts";
import type { Plain, Runs } from "../case.ts";
import { countLeaks, seededLabels, seededMatrix } from "./helpers.ts";

type Impl = typeof import("../../../exercises/train_epoch_ch3.ts");

/** A synthetic epoch: `n` 2×2 images (4 inputs), 3 classes, unshuffled batches. */
export interface Synthetic {
  /** The images, `[n, 4]`. */
  X: number[][];
  /** The labels, in `[0, 3)`. */
  y: number[];
  /** Examples per batch. */
  batchSize: number;
  /** The learning rate. */
  lr: number;
}

function synthetic(n: number, seed: number, batchSize: number, lr: number): Synthetic {
  return { X: seededMatrix(n, 4, seed), y: seededLabels(n, 3, seed + 1), batchSize, lr };
}

/** 8 examples in batches of 4. */
export const EVEN: Synthetic = synthetic(8, 61, 4, 0.5);
/** 8 other examples in batches of 4: the epoch before `EVEN`'s, whose figures it must not enter. */
export const BEFORE_EVEN: Synthetic = synthetic(8, 65, 4, 0.5);
/** 10 examples in batches of 4, 4 and 2. */
export const SHORT: Synthetic = synthetic(10, 63, 4, 0.5);
/** The `initParams` options of the synthetic epochs' initial model. */
export const INIT = { numInputs: 4, numOutputs: 3, sigma: 0.5, seed: 7 } as const;
/** The book's settings for the Fashion-MNIST runs: data and `initParams` seed, batch, lr. */
export const BOOK = { seed: 0, batchSize: 256, lr: 0.1 } as const;
/** Epochs of the subset run. */
export const SUBSET_EPOCHS = 5;

/**
 * A minimal SGD updater, `p ← p − lr · g / batchSize` in place, of lesson 5's `Updater`
 * shape (the kit's own `sgdUpdater` is the exercise, so the runs cannot hand it over).
 *
 * Its `step` reads the variables and the learning rate from its closure (a private copy of
 * `params`), never `this` nor the `params` it exposes: code that captures this updater can
 * only ever step the case's own variables, which are disposed when the run ends, so it is
 * useless as an `sgd` or an updater for any other parameters.
 */
function boundSgdUpdater(params: tf.Variable[], lr: number): Updater {
  const owned = [...params];
  const step = (grads: tf.Tensor[], batchSize: number): void => {
    if (!Array.isArray(grads) || grads.length !== owned.length) {
      throw new TypeError(
        `updater.step: expected ${owned.length} gradients, one per parameter in ` +
          `updater.params order`,
      );
    }
    owned.forEach((p, i) => {
      const g = grads[i];
      if (!(g instanceof tf.Tensor) || g.shape.join() !== p.shape.join()) {
        throw new TypeError(
          `updater.step: gradient ${i} must be a tensor of shape [${p.shape}] ` +
            `(updater.params[${i}]); pass the gradients in updater.params order`,
        );
      }
    });
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(
        `updater.step: batchSize must be a positive integer (the batch's actual size), ` +
          `got ${batchSize}`,
      );
    }
    tf.tidy(() => {
      owned.forEach((p, i) => p.assign(tf.sub(p, tf.mul(grads[i], lr / batchSize))));
    });
  };
  return { params: [...owned], step };
}

/** One epoch with the learner's trainEpochCh3, lesson 2's net and lesson 3's loss. */
function epochOn(impl: Impl, data: Synthetic): Plain {
  const iter = createDataIter(Float32Array.from(data.X.flat()), Int32Array.from(data.y), {
    batchSize: data.batchSize,
    imageSize: [2, 2],
  });
  const params = initParams(INIT);
  try {
    const result = impl.trainEpochCh3(
      createNet(params),
      iter,
      crossEntropy,
      boundSgdUpdater([params.W, params.b], data.lr),
    );
    const { trainLoss, trainAcc } = (result ?? {}) as Record<string, unknown>;
    return {
      trainLoss: typeof trainLoss === "number" ? trainLoss : null,
      trainAcc: typeof trainAcc === "number" ? trainAcc : null,
      W: params.W.arraySync(),
      b: params.b.arraySync(),
    };
  } finally {
    tf.dispose([params.W, params.b]);
    iter.dispose();
  }
}

/**
 * The book's shuffled training iterator over Fashion-MNIST's training split (the committed
 * subset's or the full set's), as `loadDataFashionMnist` makes it, from that split alone: in
 * the grader the test split, which scores trained models, is not readable by run halves.
 *
 * @example The committed subset's 1000 training examples in the book's batches of 256
 * ```ts
 * import { trainSplitIter } from "./train_epoch_ch3.ts";
 * const iter = await trainSplitIter(true);
 * if (iter.numExamples !== 1000 || iter.numBatches !== 4) throw new Error(`${iter.numBatches}`);
 * iter.dispose();
 * ```
 */
export async function trainSplitIter(subset: boolean): Promise<DataIter> {
  const { split } = await readFashionMnistSplit("train", { subset });
  return createDataIter(split.images, toInt32Labels(split.labels), {
    batchSize: BOOK.batchSize,
    shuffle: true,
    seed: BOOK.seed,
  });
}

/** Trains with the learner's trainEpochCh3 on the training split; returns W and b. */
async function train(
  impl: Impl,
  options: { subset: boolean; epochs: number },
): Promise<Plain> {
  const trainIter = await trainSplitIter(options.subset);
  const params = initParams({ seed: BOOK.seed });
  try {
    const net = createNet(params);
    const updater = boundSgdUpdater([params.W, params.b], BOOK.lr);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      impl.trainEpochCh3(net, trainIter, crossEntropy, updater);
    }
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
    trainIter.dispose();
  }
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  sgdStep: (impl) => {
    const W = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const b = tf.variable(tf.tensor1d([0.5, -0.5]));
    const grads = [tf.tensor2d([[0.5, 1], [-2, 0]]), tf.tensor1d([4, -8])];
    try {
      const leaked = countLeaks(() => impl.sgd([W, b], grads, 0.1, 2));
      return { W: W.arraySync(), b: b.arraySync(), leaked };
    } finally {
      tf.dispose([W, b, ...grads]);
    }
  },
  updater: (impl) => {
    const b = tf.variable(tf.tensor1d([0, 0]));
    const g = tf.tensor1d([4, -8]);
    try {
      const updater = impl.sgdUpdater([b], 0.3); // not the sgd case's 0.1: the lr must be used
      const owns = updater.params.length === 1 && updater.params[0] === b;
      updater.step([g], 4);
      return { owns, b: b.arraySync() };
    } finally {
      tf.dispose([b, g]);
    }
  },
  epochEven: (impl) => {
    // A second call: sums kept from one call to the next (a module-level Accumulator) show
    // here, under this case's advice to count from zero, not only in the short-batch case.
    epochOn(impl, BEFORE_EVEN);
    return epochOn(impl, EVEN);
  },
  epochShort: (impl) => epochOn(impl, SHORT),
  leaks: (impl) => {
    const iter = createDataIter(Float32Array.from(SHORT.X.flat()), Int32Array.from(SHORT.y), {
      batchSize: SHORT.batchSize,
      imageSize: [2, 2],
    });
    const params = initParams(INIT);
    try {
      const net = createNet(params);
      const updater = boundSgdUpdater([params.W, params.b], SHORT.lr);
      return countLeaks(() => {
        impl.trainEpochCh3(net, iter, crossEntropy, updater);
      });
    } finally {
      tf.dispose([params.W, params.b]);
      iter.dispose();
    }
  },
  subsetEpochs: (impl) => train(impl, { subset: true, epochs: SUBSET_EPOCHS }),
  fullEpoch: (impl) => train(impl, { subset: false, epochs: 1 }),
};

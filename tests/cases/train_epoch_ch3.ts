/**
 * Cases for `exercises/train_epoch_ch3.ts` (lesson 5's `sgd`, `sgdUpdater` and
 * `trainEpochCh3`): the step's arithmetic, one epoch against a float64 SGD (with and without
 * a short last batch), leaks, five epochs on the committed subset against the lesson's own
 * training, and one epoch on the real data against the book's test-accuracy bar.
 *
 * `trainEpochCh3` cases use the reference `net`, `crossEntropy` and `sgdUpdater` from the kit,
 * so an unfinished `sgd` does not fail them.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Kit, Plain } from "./case.ts";
import {
  countLeaks,
  expectFinite,
  expectMatrix,
  expectNoLeak,
  expectNumbers,
  fail,
  field,
  seededLabels,
  seededMatrix,
  testAccuracy,
} from "./helpers.ts";
import { sgdEpochReference } from "./reference.ts";

type Impl = typeof import("../../exercises/train_epoch_ch3.ts");

/** A synthetic problem: `n` 2×2 images (4 inputs), 3 classes, unshuffled batches. */
function synthetic(n: number, seed: number) {
  return { X: seededMatrix(n, 4, seed), y: seededLabels(n, 3, seed + 1) };
}
const EVEN = { ...synthetic(8, 61), batchSize: 4, lr: 0.5 };
const SHORT = { ...synthetic(10, 63), batchSize: 4, lr: 0.5 };
const INIT = { numInputs: 4, numOutputs: 3, sigma: 0.5, seed: 7 };

/** The initial model, from the kit's initParams (deterministic from the seed). */
function initialModel(kit: Kit): { W: number[][]; b: number[] } {
  const params = kit.initParams(INIT);
  try {
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
  }
}

/** One epoch with the learner's trainEpochCh3 and the kit's net, loss and updater. */
function epochOn(
  impl: Impl,
  kit: Kit,
  data: { X: number[][]; y: number[]; batchSize: number; lr: number },
): Plain {
  const iter = kit.createDataIter(Float32Array.from(data.X.flat()), Int32Array.from(data.y), {
    batchSize: data.batchSize,
    imageSize: [2, 2],
  });
  const params = kit.initParams(INIT);
  try {
    const result = impl.trainEpochCh3(
      kit.createNet(params),
      iter,
      kit.crossEntropy,
      kit.sgdUpdater([params.W, params.b], data.lr),
    );
    return {
      trainLoss: result?.trainLoss ?? null,
      trainAcc: result?.trainAcc ?? null,
      W: params.W.arraySync(),
      b: params.b.arraySync(),
    };
  } finally {
    tf.dispose([params.W, params.b]);
    iter.dispose();
  }
}

function checkEpoch(
  output: unknown,
  kit: Kit,
  data: { X: number[][]; y: number[]; batchSize: number; lr: number },
): void {
  const what = "trainEpochCh3()";
  const W = expectMatrix(field(output, "W", what), "W after the epoch", [4, 3]);
  const b = expectNumbers(field(output, "b", what), "b after the epoch", 3);
  const trainLoss = expectFinite(field(output, "trainLoss", what), `${what}.trainLoss`);
  const trainAcc = expectFinite(field(output, "trainAcc", what), `${what}.trainAcc`);
  const ref = sgdEpochReference(initialModel(kit), data.X, data.y, data.lr, data.batchSize);
  const tol = { rtol: 1e-4, atol: 1e-5 };
  assertClose(W, ref.model.W, { ...tol, msg: "W after the epoch (vs a float64 SGD)" });
  assertClose(b, ref.model.b, { ...tol, msg: "b after the epoch (vs a float64 SGD)" });
  assertClose([trainLoss], [ref.trainLoss], { ...tol, msg: "trainLoss (mean loss per example)" });
  assertClose([trainAcc], [ref.trainAcc], { atol: 1e-9, msg: "trainAcc (fraction correct)" });
}

/** Trains five epochs on the subset with the given trainEpochCh3; returns W, b. */
async function subsetRun(
  kit: Kit,
  trainEpoch: Impl["trainEpochCh3"] | Kit["trainEpochCh3"],
  epochs: number,
): Promise<{ W: number[][]; b: number[] }> {
  const data = await kit.loadDataFashionMnist(256, { subset: true, seed: 0 });
  const params = kit.initParams({ seed: 0 });
  try {
    const net = kit.createNet(params);
    const updater = kit.sgdUpdater([params.W, params.b], 0.1);
    for (let epoch = 0; epoch < epochs; epoch++) {
      trainEpoch(net, data.trainIter, kit.crossEntropy, updater);
    }
    return { W: params.W.arraySync(), b: params.b.arraySync() };
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
}

function readModel(output: unknown): { W: number[][]; b: number[] } {
  const W = expectMatrix(field(output, "W", "trained parameters"), "W", [784, 10]);
  const b = expectNumbers(field(output, "b", "trained parameters"), "b", 10);
  if (![...W.flat(), ...b].every(Number.isFinite)) {
    fail("the trained W and b contain NaN or Infinity");
  }
  return { W, b };
}

const cases: Case<Impl>[] = [
  {
    name: "sgd() steps p ← p − lr · g / batchSize for every parameter, in place",
    points: 2,
    hint: "Each parameter moves against its gradient, p ← p − lr · g / batchSize; a variable " +
      "takes its new value in place (assign), and the new value is a temporary tensor.",
    run: (impl) => {
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
    check: (output) => {
      assertClose(expectMatrix(field(output, "W", "sgd"), "W", [2, 2]), [[0.975, 1.95], [3.1, 4]], {
        rtol: 1e-6,
        msg: "W after sgd",
      });
      assertClose(expectNumbers(field(output, "b", "sgd"), "b", 2), [0.3, -0.1], {
        rtol: 1e-6,
        msg: "b after sgd",
      });
      expectNoLeak(field(output, "leaked", "sgd"), "sgd()");
    },
  },
  {
    name: "sgdUpdater() owns the given parameters and steps them with its learning rate",
    points: 1,
    hint: "The updater holds the parameters it was made with, and its step(grads, batchSize) " +
      "is your sgd with the updater's lr.",
    run: (impl) => {
      const b = tf.variable(tf.tensor1d([0, 0]));
      const g = tf.tensor1d([4, -8]);
      try {
        const updater = impl.sgdUpdater([b], 0.1);
        const owns = updater.params.length === 1 && updater.params[0] === b;
        updater.step([g], 4);
        return { owns, b: b.arraySync() };
      } finally {
        tf.dispose([b, g]);
      }
    },
    check: (output) => {
      if (field(output, "owns", "sgdUpdater") !== true) {
        fail("updater.params must be the variables passed in");
      }
      assertClose(expectNumbers(field(output, "b", "sgdUpdater"), "b", 2), [-0.1, 0.2], {
        rtol: 1e-6,
        msg: "b after one step",
      });
    },
  },
  {
    name:
      "trainEpochCh3() matches a float64 SGD epoch (8 examples in batches of 4): new W, b, mean loss and accuracy",
    points: 2,
    hint: "Per batch: the gradient of the summed loss with respect to updater.params, then one " +
      "updater.step with this batch's size. Loss and accuracy are measured before the step " +
      "and averaged over examples.",
    run: (impl, kit) => epochOn(impl, kit, EVEN),
    check: (output, kit) => checkEpoch(output, kit, EVEN),
  },
  {
    name:
      "trainEpochCh3() steps the short last batch with its actual size (10 examples in batches of 4, 4, 2)",
    points: 2,
    hint:
      "Pass y.shape[0] to updater.step, not trainIter.batchSize: the last batch has 2 examples.",
    run: (impl, kit) => epochOn(impl, kit, SHORT),
    check: (output, kit) => checkEpoch(output, kit, SHORT),
  },
  {
    name: "trainEpochCh3() leaves no tensors behind after an epoch",
    points: 1,
    hint: "Dispose yHat (if you kept it), the summed loss and the gradients after each step; " +
      "variableGrads already frees the rest of the forward pass.",
    run: (impl, kit) => {
      const iter = kit.createDataIter(Float32Array.from(SHORT.X.flat()), Int32Array.from(SHORT.y), {
        batchSize: 4,
        imageSize: [2, 2],
      });
      const params = kit.initParams(INIT);
      try {
        const net = kit.createNet(params);
        const updater = kit.sgdUpdater([params.W, params.b], 0.5);
        return countLeaks(() => {
          impl.trainEpochCh3(net, iter, kit.crossEntropy, updater);
        });
      } finally {
        tf.dispose([params.W, params.b]);
        iter.dispose();
      }
    },
    check: (output) => expectNoLeak(output, "trainEpochCh3()"),
  },
  {
    name:
      "trainEpochCh3() trains the lesson's model on the subset like the lesson does (5 epochs: same W, b and accuracy)",
    points: 3,
    hint: "Same data, same seed, same updater: your epochs must produce the lesson's " +
      "parameters. Check the order of the gradients and the batch size you pass to step.",
    timeoutMs: 20_000,
    run: async (impl, kit) => await subsetRun(kit, impl.trainEpochCh3, 5),
    check: async (output, kit) => {
      const model = readModel(output);
      const reference = await subsetRun(kit, kit.trainEpochCh3, 5);
      const [acc, refAcc] = [
        await testAccuracy(kit, model, true),
        await testAccuracy(kit, reference, true),
      ];
      if (acc < refAcc - 0.005) {
        fail(`subset test accuracy after 5 epochs: ${acc}, the lesson reaches ${refAcc}`);
      }
      assertClose(model.W, reference.W, {
        rtol: 1e-3,
        atol: 1e-4,
        msg: "W after 5 epochs vs the lesson",
      });
      assertClose(model.b, reference.b, {
        rtol: 1e-3,
        atol: 1e-4,
        msg: "b after 5 epochs vs the lesson",
      });
    },
  },
  {
    name:
      "trainEpochCh3() for one epoch on the real Fashion-MNIST clears the book's bar: test accuracy > 0.7",
    points: 2,
    hint:
      "One epoch of the book's settings (batch 256, lr 0.1) reaches about 0.79 on the test set.",
    needs: ["fashion-mnist"],
    timeoutMs: 30_000,
    run: async (impl, kit) => {
      const data = await kit.loadDataFashionMnist(256, { seed: 0 });
      const params = kit.initParams({ seed: 0 });
      try {
        impl.trainEpochCh3(
          kit.createNet(params),
          data.trainIter,
          kit.crossEntropy,
          kit.sgdUpdater([params.W, params.b], 0.1),
        );
        return { W: params.W.arraySync(), b: params.b.arraySync() };
      } finally {
        tf.dispose([params.W, params.b]);
        data.dispose();
      }
    },
    check: async (output, kit) => {
      const acc = await testAccuracy(kit, readModel(output), false);
      if (!(acc > 0.7)) {
        fail(`test accuracy after one epoch on the real data: ${acc}; the book requires > 0.7`);
      }
    },
  },
];

/** Lesson 5 re-implemented: sgd, the updater and one training epoch. */
export const trainEpochCh3: Exercise<Impl> = {
  id: "train_epoch_ch3",
  title: "Lesson 5: sgd, the updater and trainEpochCh3",
  file: "train_epoch_ch3.ts",
  exports: ["sgd", "sgdUpdater", "trainEpochCh3"],
  cases,
};

/**
 * The cases catch the mistakes learners make. For every exercise, a list of plausible wrong
 * implementations ("mutants": the reference solution with one export replaced), each with the
 * case that must fail it and, where the message matters, what that failure must say. A case
 * table that lets one of these through scores a wrong answer as right; this file shows that
 * none does, and a new exercise without its list fails the first test. Each mutant is run only
 * after the solution passed the same case, so it fails for what was changed. Beside them,
 * `ALTERNATIVES`: right answers written otherwise than the solutions, which every case must
 * pass.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import * as kit from "../mod.ts";
import type { Exercise } from "./cases/case.ts";
import { exercises } from "./cases/mod.ts";
import { adjacentFloat32 } from "./cases/helpers.ts";
import { softmax as naiveSoftmax } from "../lessons/02_softmax.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { runCase } from "./helpers/run_case.ts";

/** One wrong implementation and the case that must fail it. */
interface Mistake {
  /** What the learner got wrong, in a few words. */
  mistake: string;
  /** A fragment of the name of the case that must fail. */
  caughtBy: string;
  /** A fragment the failure's message must contain (the advice the learner needs). */
  says?: string;
  /** The exports that replace the solution's (given the solution module, to build on). */
  // deno-lint-ignore no-explicit-any -- each mutant calls the solution's exports as it needs
  replace: (solution: Record<string, any>) => Record<string, unknown>;
}

type T2 = tf.Tensor2D;
type T1 = tf.Tensor1D;

/** The first float32 at or above `x` is `x`'s neighbour below: the float32 just before it. */
const before = (x: number) => adjacentFloat32(x, -1);

/** `log Σ exp(Z)` per row, as the book first writes it: overflows once a logit passes 88.7. */
const unshiftedLogSumExp = (Z: T2) => tf.log(tf.sum(tf.exp(Z), 1));

/** Per exercise id: the mistakes its cases must catch. */
const MISTAKES: Record<string, Mistake[]> = {
  sum_keepdim: [
    {
      mistake: "drops the summed axis (no keepdim)",
      caughtBy: "[[5, 7, 9]]",
      replace: () => ({ sumKeepdim: (X: T2, axis: 0 | 1) => tf.sum(X, axis) }),
    },
    {
      mistake: "sums the other axis",
      caughtBy: "[[5, 7, 9]]",
      says: "the shape of the sum over the other axis",
      replace: () => ({ sumKeepdim: (X: T2, axis: 0 | 1) => tf.sum(X, 1 - axis, true) }),
    },
    {
      mistake: "takes the mean for the sum",
      caughtBy: "[[6], [15]]",
      says: "got the means",
      replace: () => ({ sumKeepdim: (X: T2, axis: 0 | 1) => tf.mean(X, axis, true) }),
    },
    {
      // Learner review: passed 8/8 when only axis 2 was tried; tf.sum reads -1 as axis 1.
      mistake: "refuses only axes above 1, so axis -1 sums the rows",
      caughtBy: "axis -1",
      says: "sumKeepdim(X, -1)",
      replace: () => ({
        sumKeepdim: (X: T2, axis: 0 | 1) => {
          if (axis > 1) throw new RangeError(`axis must be 0 or 1, got ${axis}`);
          return tf.sum(X, axis, true);
        },
      }),
    },
    {
      // What tfjs's wasm backend gave before the kit's fix: tiny garbage, not 0.
      mistake: "returns tiny garbage for an empty axis",
      caughtBy: "empty axis",
      replace: () => ({
        sumKeepdim: (X: T2, axis: 0 | 1) =>
          X.shape[axis] === 0
            ? tf.fill(axis === 0 ? [1, X.shape[1]] : [X.shape[0], 1], 3.6e-41)
            : tf.sum(X, axis, true),
      }),
    },
    {
      mistake: "casts an int32 matrix to float32",
      caughtBy: "int32",
      replace: () => ({
        sumKeepdim: (X: T2, axis: 0 | 1) => tf.sum(tf.cast(X, "float32"), axis, true),
      }),
    },
    {
      mistake: "does not check the rank",
      caughtBy: "rank-1",
      replace: () => ({ sumKeepdim: (X: T2, axis: 0 | 1) => tf.sum(X, axis, true) }),
    },
    {
      // Its next call on the same input used to fail inside tfjs: "reading 'backend'".
      mistake: "disposes its input",
      caughtBy: "no tensors behind",
      says: "was given a tensor that was already disposed: its input x, shape [7, 5]",
      replace: () => ({
        sumKeepdim: (X: T2, axis: 0 | 1) => {
          const sum = tf.sum(X, axis, true);
          X.dispose();
          return sum;
        },
      }),
    },
  ],
  softmax: [
    {
      mistake: "normalises over the wrong axis",
      caughtBy: "non-square",
      replace: () => ({
        softmax: (X: T2) => tf.tidy(() => tf.div(tf.exp(X), tf.sum(tf.exp(X), 0, true))),
      }),
    },
    {
      mistake: "sums without keepdim",
      caughtBy: "N(0, 1) [2, 5]",
      replace: () => ({
        softmax: (X: T2) => tf.tidy(() => tf.div(tf.exp(X), tf.sum(tf.exp(X), 1))),
      }),
    },
    {
      mistake: "forgets to normalise",
      caughtBy: "rows summing to 1",
      replace: () => ({ softmax: (X: T2) => tf.exp(X) }),
    },
    {
      mistake: "shifts by the maximum of the whole batch (a NaN spreads to every row)",
      caughtBy: "NaN and leaves the other rows",
      replace: () => ({
        softmax: (X: T2) =>
          tf.tidy(() => {
            const e = tf.exp(tf.sub(X, tf.max(X)));
            return tf.div(e, tf.sum(e, 1, true));
          }),
      }),
    },
    {
      mistake: "computes in JavaScript (no gradient)",
      caughtBy: "differentiable",
      replace: () => ({
        softmax: (X: T2) => {
          const rows = (X.arraySync() as number[][]).map((row) => {
            const e = row.map(Math.exp);
            const sum = e.reduce((s, v) => s + v, 0);
            return e.map((v) => v / sum);
          });
          return tf.tensor2d(rows, X.shape);
        },
      }),
    },
    {
      mistake: "leaks its intermediates",
      caughtBy: "no tensors behind",
      replace: () => ({ softmax: (X: T2) => tf.div(tf.exp(X), tf.sum(tf.exp(X), 1, true)) }),
    },
  ],
  cross_entropy: [
    {
      mistake: "clamps the probability before the log",
      caughtBy: "Infinity where the true class has probability 0",
      replace: (s) => ({
        crossEntropy: (yHat: T2, y: T1) =>
          tf.tidy(() => tf.neg(tf.log(tf.maximum(s.pickTrueClass(yHat, y), 1e-12)))),
      }),
    },
    {
      mistake: "picks by multiplying with the one-hot matrix (0 · NaN is NaN)",
      caughtBy: "never reads the other classes",
      replace: () => ({
        pickTrueClass: (yHat: T2, y: T1) =>
          tf.tidy(() => tf.sum(tf.mul(yHat, tf.oneHot(tf.cast(y, "int32"), yHat.shape[1])), 1)),
      }),
    },
    {
      mistake: "averages over the batch",
      caughtBy: "[2.3026, 0.6931]",
      replace: (s) => ({
        crossEntropy: (yHat: T2, y: T1) => tf.tidy(() => tf.mean(s.crossEntropy(yHat, y))),
      }),
    },
    {
      mistake: "builds the mask with tf.oneHot, which refuses one class",
      caughtBy: "single class",
      replace: () => ({
        pickTrueClass: (yHat: T2, y: T1) =>
          tf.tidy(() => {
            const mask = tf.cast(tf.oneHot(tf.cast(y, "int32"), yHat.shape[1]), "bool");
            return tf.sum(tf.where(mask, yHat, tf.zerosLike(yHat)), 1);
          }),
      }),
    },
    {
      mistake: "does not check the labels (tf.oneHot makes an all-zero row)",
      caughtBy: "rejects a label outside",
      replace: () => ({
        crossEntropy: (yHat: T2, y: T1) =>
          tf.tidy(() => {
            const mask = tf.cast(tf.oneHot(tf.cast(y, "int32"), yHat.shape[1]), "bool");
            return tf.neg(tf.log(tf.sum(tf.where(mask, yHat, tf.zerosLike(yHat)), 1)));
          }),
      }),
    },
    {
      mistake: "checks only that a label is below the class count (a label -1 gives Infinity)",
      caughtBy: "rejects a label outside",
      says: "y = [-1, 2]",
      replace: (s) => ({
        crossEntropy: (yHat: T2, y: T1) => {
          const classes = yHat.shape[1];
          const high = Array.from(y.dataSync()).find((label) => label >= classes);
          if (high !== undefined) throw new RangeError(`label ${high} is not below ${classes}`);
          return tf.tidy(() => {
            const mask = tf.cast(tf.oneHot(tf.cast(y, "int32"), classes), "bool");
            return tf.neg(tf.log(tf.sum(tf.where(mask, yHat, tf.zerosLike(yHat)), 1)));
          });
        },
        pickTrueClass: s.pickTrueClass,
      }),
    },
  ],
  accuracy: [
    {
      mistake: "returns the fraction, not the count",
      caughtBy: "random [50, 10]",
      replace: () => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(yHat, 1), y), "float32")).dataSync()[0]),
      }),
    },
    {
      mistake: "returns the count as a tensor",
      caughtBy: "1 correct of the book's 2",
      says: "dataSync()[0]",
      replace: () => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(yHat, 1), y), "int32"))),
      }),
    },
    {
      mistake: "takes the argmax over the batch axis",
      caughtBy: "random [50, 10]",
      replace: () => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(yHat, 0), y), "int32")).dataSync()[0]),
      }),
    },
    {
      mistake: "argmaxes predicted labels too",
      caughtBy: "vector yHat",
      replace: (s) => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          yHat.rank === 1
            ? tf.tidy(() =>
              tf.sum(tf.cast(tf.equal(tf.argMax(tf.reshape(yHat, [1, -1]), 1), y), "int32"))
                .dataSync()[0]
            )
            : s.accuracy(yHat, y),
      }),
    },
    {
      mistake: "counts a label that is no class as a wrong prediction",
      caughtBy: "no class",
      replace: () => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          tf.tidy(() =>
            tf.sum(tf.cast(tf.equal(tf.cast(tf.argMax(yHat, 1), y.dtype), y), "int32"))
              .dataSync()[0]
          ),
      }),
    },
    {
      mistake: "checks the labels against probabilities only, not beside predicted labels",
      caughtBy: "no class",
      says: "predicted labels [0, 1], y = [-1, 1]",
      replace: (s) => ({
        accuracy: (yHat: tf.Tensor, y: T1) =>
          yHat.rank === 2 && yHat.shape[1] !== 1
            ? s.accuracy(yHat, y)
            : tf.tidy(() =>
              tf.sum(tf.cast(tf.equal(tf.cast(tf.reshape(yHat, [-1]), y.dtype), y), "int32"))
                .dataSync()[0]
            ),
      }),
    },
  ],
  evaluate_accuracy: [
    {
      // Fourth fairness review: caught before only when earlier calls had run, with a message
      // about the value, not the reset.
      mistake: "keeps one Accumulator for every call (never reset)",
      caughtBy: "the next call starts from zero",
      says: "each call must count from zero",
      replace: (s) => {
        const metric = new s.Accumulator(2);
        return {
          evaluateAccuracy: (net: kit.Net, iter: kit.DataIter) => {
            for (const [X, y] of iter) {
              metric.add(tf.tidy(() => kit.accuracy(net(X), y)), y.shape[0]);
            }
            return metric.get(0) / metric.get(1);
          },
        };
      },
    },
    {
      mistake: "averages the batches' accuracies",
      caughtBy: "6 / 10",
      replace: () => ({
        evaluateAccuracy: (net: kit.Net, iter: kit.DataIter) => {
          const fractions: number[] = [];
          for (const [X, y] of iter) {
            fractions.push(tf.tidy(() => kit.accuracy(net(X), y)) / y.shape[0]);
          }
          return fractions.reduce((s, f) => s + f, 0) / fractions.length;
        },
      }),
    },
    {
      mistake: "reset() that keeps the sums",
      caughtBy: "reset()",
      replace: (s) => ({
        Accumulator: class extends s.Accumulator {
          reset(): void {}
        },
      }),
    },
    {
      mistake: "calls the net twice per batch",
      caughtBy: "one net call per batch",
      replace: (s) => ({
        evaluateAccuracy: (net: kit.Net, iter: kit.DataIter) =>
          s.evaluateAccuracy((X: tf.Tensor) => {
            tf.dispose(net(X));
            return net(X);
          }, iter),
      }),
    },
    {
      mistake: "leaks the predictions",
      caughtBy: "no tensors behind",
      replace: () => ({
        evaluateAccuracy: (net: kit.Net, iter: kit.DataIter) => {
          let correct = 0;
          let total = 0;
          for (const [X, y] of iter) {
            correct += kit.accuracy(net(X), y);
            total += y.shape[0];
          }
          return correct / total;
        },
      }),
    },
  ],
  train_epoch_ch3: [
    {
      mistake: "divides the step by the full batch size",
      caughtBy: "short last batch",
      says: "stepped as if it were full",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) =>
          s.trainEpochCh3(net, iter, loss, {
            params: updater.params,
            step: (grads: tf.Tensor[]) => updater.step(grads, iter.batchSize),
          }),
      }),
    },
    {
      mistake: "differentiates the batch's mean loss (the updater divides by its size again)",
      caughtBy: "float64 SGD epoch",
      says: "as if the loss were the batch's mean",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) =>
          s.trainEpochCh3(
            net,
            iter,
            (yHat: T2, y: T1) => tf.div(loss(yHat, y), y.shape[0]),
            updater,
          ),
      }),
    },
    {
      mistake: "leaks a tensor per epoch",
      caughtBy: "no tensors behind",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) => {
          tf.ones([1]); // a leaked tensor
          return s.trainEpochCh3(net, iter, loss, updater);
        },
      }),
    },
    {
      mistake: "trains three epochs where one is asked (as weights trained elsewhere would)",
      caughtBy: "real Fashion-MNIST",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) => {
          s.trainEpochCh3(net, iter, loss, updater);
          s.trainEpochCh3(net, iter, loss, updater);
          return s.trainEpochCh3(net, iter, loss, updater);
        },
      }),
    },
    {
      mistake: "sgdUpdater() steps with a learning rate of its own, not the one it was given",
      caughtBy: "sgdUpdater() owns",
      says: "b after one step",
      replace: (s) => ({
        sgdUpdater: (params: tf.Variable[]) => s.sgdUpdater(params, 0.1),
      }),
    },
    {
      mistake: "sgd() does not divide by the batch size",
      caughtBy: "sgd() steps",
      replace: (s) => ({
        sgd: (params: tf.Variable[], grads: tf.Tensor[], lr: number) => s.sgd(params, grads, lr, 1),
      }),
    },
    {
      mistake: "counts the correct predictions of a new net(X) after the step",
      caughtBy: "short last batch",
      says: "after each batch's step",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) => {
          let [X, y]: [T2?, T1?] = [];
          let [correct, examples] = [0, 0];
          const r = s.trainEpochCh3((x: T2) => net(X = x), iter, (yHat: T2, yb: T1) => {
            y = yb;
            return loss(yHat, yb);
          }, {
            params: updater.params,
            step: (grads: tf.Tensor[], n: number) => {
              updater.step(grads, n);
              correct += tf.tidy(() => kit.accuracy(net(X!), y!));
              examples += n;
            },
          });
          return { trainLoss: r.trainLoss, trainAcc: correct / examples };
        },
      }),
    },
    {
      mistake: "keeps its sums from one call to the next (a module-level Accumulator)",
      caughtBy: "float64 SGD epoch",
      says: "from zero on every call",
      replace: (s) => {
        let [loss, correct, examples] = [0, 0, 0];
        return {
          trainEpochCh3: (
            net: kit.Net,
            iter: kit.DataIter,
            lossFn: kit.Loss,
            updater: kit.Updater,
          ) => {
            const r = s.trainEpochCh3(net, iter, lossFn, updater);
            loss += r.trainLoss * iter.numExamples;
            correct += r.trainAcc * iter.numExamples;
            examples += iter.numExamples;
            return { trainLoss: loss / examples, trainAcc: correct / examples };
          },
        };
      },
    },
    {
      mistake: "reports the mean of the batches' mean losses",
      caughtBy: "short last batch",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) => {
          const losses: number[] = [];
          let correct = 0;
          let total = 0;
          // One epoch as the solution runs it, with the loss averaged per batch first.
          const perBatch: kit.Loss = (yHat, y) => {
            const l = loss(yHat, y);
            losses.push(tf.tidy(() => tf.mean(l).dataSync()[0]));
            correct += tf.tidy(() => kit.accuracy(yHat, y));
            total += y.shape[0];
            return l;
          };
          s.trainEpochCh3(net, iter, perBatch, updater);
          const trainLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
          return { trainLoss, trainAcc: correct / total };
        },
      }),
    },
  ],
  predict_ch3: [
    {
      // Fourth fairness review: caught before with "expected 6 strings, got 10" only.
      mistake: "tf.argMax without an axis (one per class, down the columns)",
      caughtBy: "names the book's first six",
      says: "tf.argMax(yHat, 1)",
      replace: (s) => ({
        predictCh3: (net: kit.Net, iter: kit.DataIter, n = 6) => {
          const r = s.predictCh3(net, iter, n);
          const preds = kit.getFashionMnistLabels([
            ...tf.tidy(() =>
              tf.argMax(net(tf.tensor4d(r.images, [n, 1, r.imageShape[0], r.imageShape[1]])))
            )
              .dataSync(),
          ]);
          return {
            ...r,
            preds,
            titles: r.trues.map((t: string, i: number) => `${t}\n${preds[i]}`),
          };
        },
      }),
    },
    {
      mistake: "titles each image predicted-then-true",
      caughtBy: "titles them",
      replace: (s) => ({
        predictCh3: (net: kit.Net, iter: kit.DataIter, n?: number) => {
          const p = s.predictCh3(net, iter, n);
          return { ...p, titles: p.preds.map((q: string, i: number) => `${q}\n${p.trues[i]}`) };
        },
      }),
    },
    {
      // Learner review: a loop without break passed every case.
      mistake: "reads the whole iterator, not only the batches that hold the n images",
      caughtBy: "and stops there",
      says: "took 11 batches of 2",
      replace: (s) => ({
        predictCh3: (net: kit.Net, iter: kit.DataIter, n?: number) => {
          const p = s.predictCh3(net, iter, n);
          for (const batch of iter) tf.dispose(batch);
          return p;
        },
      }),
    },
    {
      mistake: "always shows six images",
      caughtBy: "next batches",
      replace: (s) => ({
        predictCh3: (net: kit.Net, iter: kit.DataIter) => s.predictCh3(net, iter, 6),
      }),
    },
    {
      mistake: "shows only what the first batch holds",
      caughtBy: "next batches",
      replace: (s) => ({
        predictCh3: (net: kit.Net, iter: kit.DataIter, n = 6) =>
          s.predictCh3(net, iter, Math.min(n, iter.batchSize)),
      }),
    },
  ],
  gradient_by_hand: [
    {
      // Found by the fourth fairness review: 11/11 before the case called gradByHand too.
      mistake: "gradByHand builds its one-hot itself and never checks the labels",
      caughtBy: "gradByHand() reject a label",
      says: "gradByHand(params, X, y = [0, 2, 1, 3])",
      replace: () => ({
        gradByHand: (params: kit.Params, X: tf.Tensor, y: T1) =>
          tf.tidy(() => {
            const n = X.shape[0];
            const flat = tf.reshape(X, [n, -1]) as T2;
            const yHat = kit.softmax(tf.add(tf.matMul(flat, params.W), params.b) as T2);
            const G = tf.sub(yHat, tf.oneHot(y, yHat.shape[1]));
            return { dW: tf.div(tf.matMul(flat, G, true), n), db: tf.mean(G, 0) };
          }),
      }),
    },
    {
      mistake: "checks only that a label is below the class count (-1 writes into the row before)",
      caughtBy: "gradByHand() reject a label",
      says: "y = [-1, 2]",
      replace: () => ({
        logitGradient: (yHat: T2, y: T1) => {
          const [n, classes] = yHat.shape;
          const labels = y.dataSync();
          const onehot = new Float32Array(n * classes);
          for (let i = 0; i < n; i++) {
            if (labels[i] >= classes) throw new RangeError(`label ${labels[i]} is not a class`);
            onehot[i * classes + labels[i]] = 1;
          }
          return tf.tidy(() => tf.sub(yHat, tf.tensor2d(onehot, [n, classes])));
        },
      }),
    },
    {
      mistake: "returns the gradient of the summed loss (no division by n)",
      caughtBy: "small model",
      says: "mean over the batch",
      replace: (s) => ({
        gradByHand: (params: kit.Params, X: tf.Tensor, y: T1) => {
          const { dW, db } = s.gradByHand(params, X, y);
          const n = X.shape[0];
          return { dW: tf.mul(dW, n), db: tf.mul(db, n) };
        },
      }),
    },
    {
      mistake: "flips the sign: onehot(y) − ŷ",
      caughtBy: "book's example",
      replace: (s) => ({ logitGradient: (yHat: T2, y: T1) => tf.neg(s.logitGradient(yHat, y)) }),
    },
    {
      mistake: "multiplies G · X instead of Xᵀ · G",
      caughtBy: "small model",
      replace: (s) => ({
        gradByHand: (params: kit.Params, X: tf.Tensor, y: T1) => {
          const n = X.shape[0];
          const flat = tf.reshape(X, [n, -1]) as T2;
          const G = s.logitGradient(
            kit.softmax(tf.add(tf.matMul(flat, params.W), params.b) as T2),
            y,
          );
          return { dW: tf.div(tf.matMul(G, flat, true, false), n), db: tf.mean(G, 0) };
        },
      }),
    },
    {
      mistake: "averages db over the classes instead of the examples",
      caughtBy: "small model",
      replace: (s) => ({
        gradByHand: (params: kit.Params, X: tf.Tensor, y: T1) => {
          const { dW } = s.gradByHand(params, X, y);
          const n = X.shape[0];
          const flat = tf.reshape(X, [n, -1]) as T2;
          const G = s.logitGradient(
            kit.softmax(tf.add(tf.matMul(flat, params.W), params.b) as T2),
            y,
          );
          return { dW, db: tf.mean(G, 1).slice([0], [params.b.shape[0]]) };
        },
      }),
    },
    {
      mistake: "takes an SGD step on W instead of only reading it",
      caughtBy: "as they were",
      replace: (s) => ({
        gradByHand: (params: kit.Params, X: tf.Tensor, y: T1) => {
          const out = s.gradByHand(params, X, y);
          params.W.assign(tf.sub(params.W, out.dW));
          return out;
        },
      }),
    },
    {
      mistake: "builds the one-hot matrix with tf.oneHot (which refuses a single class)",
      caughtBy: "single class",
      replace: () => ({
        logitGradient: (yHat: T2, y: T1) =>
          tf.tidy(() => tf.sub(yHat, tf.oneHot(tf.cast(y, "int32"), yHat.shape[1]))),
      }),
    },
  ],
  softmax_overflow: [
    {
      mistake: "hard-codes the naive softmax's edge",
      caughtBy: "another softmax (the naive one of 2X, about 44.36)",
      says: "far before it",
      replace: () => ({ findOverflowLogit: () => 88.72283935546875 }),
    },
    {
      mistake: "returns the last logit that works, not the first that breaks",
      caughtBy: "about 88.72",
      replace: (s) => ({
        findOverflowLogit: (softmax: (X: T2) => T2) => before(s.findOverflowLogit(softmax)),
      }),
    },
    {
      mistake: "stops its search at four decimals",
      caughtBy: "about -103.97",
      replace: (s) => ({
        findUnderflowLogit: (softmax: (X: T2) => T2) =>
          Math.round(s.findUnderflowLogit(softmax) * 1e4) / 1e4,
      }),
    },
  ],
  log_zero: [
    {
      // Fourth fairness review: blamed on the default learning rate before.
      mistake: "oneSgdStep writes the new W and b into the model it was given",
      caughtBy: "matches a float64 SGD step",
      says: "changed the model it was given",
      replace: (s) => ({
        oneSgdStep: (
          model: { W: number[][]; b: number[] },
          batch: { X: number[][]; y: number[] },
          options?: { lr?: number },
        ) => {
          const report = s.oneSgdStep(model, batch, options);
          report.W.forEach((row: number[], i: number) => model.W[i].splice(0, row.length, ...row));
          model.b.splice(0, report.b.length, ...report.b);
          return report;
        },
      }),
    },
    {
      mistake: "a logit gap too small for the probability to reach 0",
      caughtBy: "gives a model and batch",
      replace: () => ({
        zeroProbabilityExample: () => ({
          model: { W: [[-50, 0]], b: [0, 0] },
          batch: { X: [[1]], y: [0] },
        }),
      }),
    },
    {
      mistake: "reports the loss of the stable softmax instead of the lesson's",
      caughtBy: "loss Infinity",
      replace: (s) => ({
        oneSgdStep: (...args: unknown[]) => {
          const report = s.oneSgdStep(...args);
          return { ...report, losses: report.losses.map((l: number) => Math.min(l, 120)) };
        },
      }),
    },
    {
      mistake: "a default learning rate of 1, not the book's 0.1",
      caughtBy: "with the default 0.1",
      says: "the default lr is 0.1",
      replace: (s) => ({
        oneSgdStep: (model: unknown, batch: unknown, options: { lr?: number } = {}) =>
          s.oneSgdStep(model, batch, { lr: options.lr ?? 1 }),
      }),
    },
  ],
  stable_softmax: [
    {
      mistake: "checks only that a label is below the class count",
      caughtBy: "crossEntropyFromLogits() rejects a label",
      says: "y = [-1]",
      replace: (s) => ({
        crossEntropyFromLogits: (z: T2, y: T1) => {
          const high = Array.from(y.dataSync()).find((label) => label >= z.shape[1]);
          if (high !== undefined) throw new RangeError(`label ${high} is not a class`);
          return tf.tidy(() => {
            const picked = tf.sum(tf.mul(z, tf.oneHot(tf.cast(y, "int32"), z.shape[1])), 1);
            return tf.sub(s.logSumExp(z), picked);
          });
        },
      }),
    },
    {
      mistake: "uses tfjs's logSumExp, NaN on infinite rows",
      caughtBy: "logSumExp() follows SciPy",
      replace: () => ({ logSumExp: (X: T2) => tf.logSumExp(X, 1) }),
    },
    {
      mistake: "forgets the max shift",
      caughtBy: "finite, correct probabilities for logits of ±1000",
      replace: () => ({ stableSoftmax: naiveSoftmax }),
    },
    {
      mistake: "shifts logSoftmax by a maximum that is not finite",
      caughtBy: "logSoftmax() follows SciPy",
      replace: () => ({
        logSoftmax: (X: T2) =>
          tf.tidy(() => {
            const shifted = tf.sub(X, tf.max(X, 1, true));
            return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
          }),
      }),
    },
    {
      mistake: "takes the log of the stable softmax",
      caughtBy: "at ±1000 and with -Infinity entries",
      replace: (s) => ({ logSoftmax: (X: T2) => tf.tidy(() => tf.log(s.stableSoftmax(X))) }),
    },
    {
      mistake: "builds the one-hot mask with tf.oneHot, which refuses one class",
      caughtBy: "single class",
      replace: (s) => ({
        crossEntropyFromLogits: (z: T2, y: T1) => {
          tf.dispose(tf.oneHot(tf.cast(y, "int32"), z.shape[1]));
          return s.crossEntropyFromLogits(z, y);
        },
      }),
    },
    {
      mistake: "sums the losses over the batch",
      caughtBy: "trains the lesson's model on logits",
      replace: (s) => ({
        crossEntropyFromLogits: (z: T2, y: T1) =>
          tf.tidy(() => tf.sum(s.crossEntropyFromLogits(z, y))),
      }),
    },
  ],
  bayes_decision: [
    {
      mistake: "argmax as the Bayes decision",
      caughtBy: "[[0, 1000], [1, 0]]",
      replace: () => ({ bayesDecision: (probs: T2) => tf.argMax(probs, 1) }),
    },
    {
      mistake: "breaks ties toward the last decision",
      caughtBy: "exact tie",
      replace: (s) => ({
        bayesDecision: (probs: T2, cost: number[][]) =>
          tf.tidy(() => {
            const R = s.expectedCost(probs, cost) as T2; // argmin from the end
            const d = R.shape[1];
            return tf.sub(d - 1, tf.argMin(tf.reverse(R, 1), 1)).toInt();
          }),
      }),
    },
    {
      mistake: "multiplies by the cost matrix untransposed",
      caughtBy: "one expected cost per example and decision",
      replace: () => ({
        expectedCost: (probs: T2, cost: number[][]) =>
          tf.tidy(() => tf.matMul(probs, tf.tensor2d(cost))),
      }),
    },
    {
      mistake: "rejects on a tie with the reject cost",
      caughtBy: "exact tie",
      replace: (s) => ({
        decideWithReject: (probs: T2, options: { cost?: number[][]; rejectCost: number }) =>
          s.decideWithReject(probs, { ...options, rejectCost: before(options.rejectCost) }),
      }),
    },
    {
      mistake: "rejects on a tie with the threshold",
      caughtBy: "exact tie",
      replace: () => ({
        rejectBelow: (probs: T2, threshold: number) =>
          tf.tidy(() =>
            tf.where(
              tf.lessEqual(tf.max(probs, 1), threshold),
              tf.scalar(-1, "int32"),
              tf.argMax(probs, 1),
            )
          ),
      }),
    },
    {
      mistake: "no threshold rows by default, not [0.5, 0.7, 0.9]",
      caughtBy: "with the default thresholds too",
      says: "default [0.5, 0.7, 0.9]",
      replace: (s) => ({
        decisionTable: (probs: T2, y: T1, options: { thresholds?: number[] }) =>
          s.decisionTable(probs, y, { thresholds: [], ...options }),
      }),
    },
    {
      mistake: "an error on accepted examples of 0, not NaN, when none is accepted",
      caughtBy: "NaN when none is accepted",
      says: "errorOnAccepted",
      replace: (s) => ({
        decisionTable: (...args: unknown[]) =>
          s.decisionTable(...args).map((row: { rejectRate: number }) =>
            row.rejectRate === 1 ? { ...row, errorOnAccepted: 0 } : row
          ),
      }),
    },
  ],
  huge_vocabulary: [
    {
      // Found by the fourth fairness review: 11/11 before the case called fullSoftmaxLoss too.
      mistake: "fullSoftmaxLoss picks the true logit with a one-hot mask and never checks the ids",
      caughtBy: "fullSoftmaxLoss() and sampledSoftmaxLoss() reject a word id",
      says: "fullSoftmaxLoss(y = [3, 12], V = 10)",
      replace: () => ({
        fullSoftmaxLoss: (layer: { W: T2; b: T1 }, batch: { h: T2; y: T1 }) =>
          tf.tidy(() => {
            const Z = tf.add(tf.matMul(batch.h, layer.W, false, true), layer.b) as T2;
            const zTrue = tf.sum(tf.mul(Z, tf.oneHot(batch.y, layer.W.shape[0])), 1);
            return tf.sub(tf.logSumExp(Z, 1), zTrue);
          }),
      }),
    },
    {
      mistake: "returns the full loss instead of sampling",
      caughtBy: "varies with the seed",
      replace: (s) => ({
        sampledSoftmaxLoss: (layer: { W: T2; b: T1 }, batch: { h: T2; y: T1 }) =>
          s.fullSoftmaxLoss(layer, batch),
      }),
    },
    {
      // Found by a fairness review: the right losses, at the full loss's cost (11/11 before).
      mistake: "computes all V logits, then keeps the sampled words' ones",
      caughtBy: "for the sampled words only",
      says: "as large as one number per word and example",
      replace: (s) => ({
        sampledSoftmaxLoss: (layer: { W: T2; b: T1 }, batch: { h: T2; y: T1 }, options: unknown) =>
          tf.tidy(() => {
            tf.add(tf.matMul(batch.h, layer.W, false, true), layer.b); // [n, V]
            return s.sampledSoftmaxLoss(layer, batch, options);
          }),
      }),
    },
    {
      mistake: "ignores the seed: the same words for every seed",
      caughtBy: "varies with the seed",
      replace: (s) => ({
        sampledSoftmaxLoss: (
          layer: { W: T2; b: T1 },
          batch: { h: T2; y: T1 },
          options: { numSampled: number; seed: number },
        ) => s.sampledSoftmaxLoss(layer, batch, { ...options, seed: 0 }),
      }),
    },
    {
      mistake: "sampled softmax without its correction",
      caughtBy: "without bias",
      replace: (s) => ({
        // Uniform weights instead of 1 / (S · Q): the estimate of Z is biased.
        sampledSoftmaxLoss: (
          layer: { W: T2; b: T1 },
          batch: { h: T2; y: T1 },
          options: { numSampled: number; seed: number },
        ) =>
          tf.tidy(() => {
            const ids = tf.tensor1d(s.sampleLogUniform(layer.W.shape[0], options), "int32");
            const zTrue = tf.sum(tf.mul(batch.h, tf.gather(layer.W, batch.y)), 1).add(
              tf.gather(layer.b, batch.y),
            );
            const zS = tf.matMul(batch.h, tf.gather(layer.W, ids), false, true).add(
              tf.gather(layer.b, ids),
            );
            return tf.sub(tf.logSumExp(tf.concat([tf.reshape(zTrue, [-1, 1]), zS], 1), 1), zTrue);
          }),
      }),
    },
    {
      mistake: "the full loss's log-sum-exp without the max shift (exp overflows past 88.7)",
      caughtBy: "over all V logits",
      says: "every bias 100 larger",
      replace: (s) => ({
        fullSoftmaxLoss: (layer: { W: T2; b: T1 }, batch: { h: T2; y: T1 }) => {
          s.fullSoftmaxLoss(layer, batch).dispose(); // its checks
          return tf.tidy(() => {
            const Z = tf.add(tf.matMul(batch.h, layer.W, false, true), layer.b) as T2;
            const isTrue = tf.oneHot(tf.cast(batch.y, "int32"), layer.W.shape[0]);
            return tf.sub(unshiftedLogSumExp(Z), tf.sum(tf.mul(Z, isTrue), 1));
          });
        },
      }),
    },
    {
      mistake: "the sampled loss's log-sum-exp without the max shift (exp overflows past 88.7)",
      caughtBy: "also with every bias 100 larger",
      says: "every bias 100 larger",
      replace: (s) => ({
        sampledSoftmaxLoss: (
          layer: { W: T2; b: T1 },
          batch: { h: T2; y: T1 },
          options: { numSampled: number; seed: number },
        ) => {
          s.sampledSoftmaxLoss(layer, batch, options).dispose(); // its checks
          const V = layer.W.shape[0];
          const S = options.numSampled;
          const ids: Int32Array = s.sampleLogUniform(V, options);
          const labels = batch.y.dataSync();
          // The correction −log(S · Q(s)), or −Infinity for an accidental hit, per [i, t].
          const offsets = Float32Array.from({ length: labels.length * S }, (_, j) => {
            const [i, t] = [Math.floor(j / S), j % S];
            return ids[t] === labels[i]
              ? -Infinity
              : -Math.log(S * s.logUniformProbability(ids[t], V));
          });
          return tf.tidy(() => {
            const sampled = tf.tensor1d(ids, "int32");
            const y = tf.cast(batch.y, "int32");
            const zTrue = tf.add(
              tf.sum(tf.mul(batch.h, tf.gather(layer.W, y)), 1),
              tf.gather(layer.b, y),
            );
            const zS = tf.add(
              tf.add(
                tf.matMul(batch.h, tf.gather(layer.W, sampled), false, true),
                tf.gather(layer.b, sampled),
              ),
              tf.tensor2d(offsets, [labels.length, S]),
            );
            const Z = tf.concat([tf.reshape(zTrue, [-1, 1]), zS], 1) as T2;
            return tf.sub(unshiftedLogSumExp(Z), zTrue);
          });
        },
      }),
    },
    {
      mistake: "an off-by-one in the log-uniform probability",
      caughtBy: "logUniformProbability()",
      replace: () => ({
        logUniformProbability: (k: number, V: number) => Math.log((k + 1) / k) / Math.log(V + 1),
      }),
    },
    {
      mistake: "draws ids from an unseeded Math.random",
      caughtBy: "reproducibly",
      replace: () => ({
        sampleLogUniform: (V: number, options: { numSampled: number }) =>
          Int32Array.from(
            { length: options.numSampled },
            () => Math.floor(Math.exp(Math.random() * Math.log(V + 1))) - 1,
          ),
      }),
    },
  ],
};

/**
 * Correct implementations written otherwise than the solutions: every case must pass them (a
 * case that fails a right answer is as wrong as one that passes a wrong one).
 */
const ALTERNATIVES: Record<string, { way: string; replace: Mistake["replace"] }[]> = {
  evaluate_accuracy: [
    {
      way: "the ratio in float32, as tf.div of the two counts gives it",
      replace: (s) => ({
        evaluateAccuracy: (net: unknown, dataIter: unknown) =>
          Math.fround(s.evaluateAccuracy(net, dataIter)),
      }),
    },
  ],
  sum_keepdim: [
    {
      way: "an error that names the shape as `${X.shape}` prints it (shape 3)",
      replace: (s) => ({
        sumKeepdim: (X: T2, axis: 0 | 1) => {
          if (X.rank !== 2) {
            throw new TypeError(`expected a matrix, got a tensor of shape ${X.shape}`);
          }
          return s.sumKeepdim(X, axis);
        },
      }),
    },
    {
      // Sixth fairness review: the exercise asks for "a clear error", not which kind.
      way: "a TypeError for an axis other than 0 or 1",
      replace: (s) => ({
        sumKeepdim: (X: T2, axis: 0 | 1) => {
          if (![0, 1].includes(axis)) throw new TypeError(`axis must be 0 or 1, got ${axis}`);
          return s.sumKeepdim(X, axis);
        },
      }),
    },
  ],
  softmax: [
    {
      // Seventh fairness review: an error class of one's own, named after itself, failed every
      // case that asks for a TypeError, with a hint to throw a TypeError.
      way: "an error class of its own that extends TypeError",
      replace: (s) => {
        class ShapeError extends TypeError {
          override name = "ShapeError";
        }
        return {
          softmax: (X: T2) => {
            if (X.rank !== 2) throw new ShapeError(`expected a matrix, got shape [${X.shape}]`);
            return s.softmax(X);
          },
        };
      },
    },
  ],
  stable_softmax: [
    {
      // On wasm its gradient needs a kernel tfjs-backend-wasm lacks (lib/wasm_on_cpu.ts).
      way: "z_y picked with tf.gather from the flattened logits",
      replace: (s) => ({
        crossEntropyFromLogits: (z: T2, y: T1) => {
          s.crossEntropyFromLogits(z, y).dispose(); // its label checks
          const [n, classes] = z.shape;
          const labels = y.dataSync();
          return tf.tidy(() => {
            const flat = tf.tensor1d(Array.from(labels, (l, i) => i * classes + l), "int32");
            return tf.sub(s.logSumExp(z), tf.gather(tf.reshape(z, [n * classes]), flat));
          });
        },
      }),
    },
    {
      way: "the probabilities as exp(z − logsumexp(z)), NaN rows where logsumexp is not finite",
      replace: (s) => ({
        stableSoftmax: (X: T2) => {
          s.stableSoftmax(X).dispose(); // its checks
          return tf.tidy(() => {
            const lse = tf.reshape(s.logSumExp(X), [-1, 1]);
            const rowIsFinite = tf.broadcastTo(tf.isFinite(lse), X.shape);
            return tf.where(rowIsFinite, tf.exp(tf.sub(X, lse)), tf.fill(X.shape, NaN));
          });
        },
      }),
    },
    {
      way: "the exercise's identities, unshifted: z − logsumexp(z) and logsumexp(z) − z_y",
      replace: (s) => ({
        logSoftmax: (X: T2) => tf.tidy(() => tf.sub(X, tf.reshape(s.logSumExp(X), [-1, 1]))),
        crossEntropyFromLogits: (z: T2, y: T1) =>
          tf.tidy(() => {
            const classes = tf.range(0, z.shape[1], 1, "int32");
            const isTrue = tf.equal(tf.reshape(tf.cast(y, "int32"), [-1, 1]), classes);
            const picked = tf.sum(tf.where(isTrue, z, tf.zerosLike(z)), 1);
            s.crossEntropyFromLogits(z, y).dispose(); // its label checks
            return tf.sub(s.logSumExp(z), picked);
          }),
      }),
    },
  ],
  train_epoch_ch3: [
    {
      way: "the batch's loss as its mean times its size",
      replace: (s) => ({
        trainEpochCh3: (net: kit.Net, iter: kit.DataIter, loss: kit.Loss, updater: kit.Updater) =>
          s.trainEpochCh3(net, iter, (yHat: T2, y: T1) =>
            tf.tidy(() => {
              const l = loss(yHat, y);
              return tf.mul(tf.onesLike(l), tf.mean(l));
            }), updater),
      }),
    },
  ],
};

function exercise(id: string): Exercise {
  const found = exercises.find((e) => e.id === id);
  if (!found) throw new Error(`MISTAKES names no exercise of the kit: ${id}`);
  return found;
}

/** Runs the case named by `m` on the mutant; returns why it failed, or fails the test. */
async function expectCaught(ex: Exercise, m: Mistake): Promise<void> {
  const matching = ex.cases.filter((c) => c.name.includes(m.caughtBy));
  if (matching.length !== 1) {
    throw new Error(
      `${ex.id}: "${m.caughtBy}" should name exactly one case, it names ${matching.length}`,
    );
  }
  const c = matching[0];
  if (c.needs?.includes("fashion-mnist") && ignoreWithoutFullData) return; // no data here
  const solution = await import(`../solutions/${ex.file}`);
  // The solution passes the case: a mutant fails it for what was changed, not for the case.
  await runCase(ex, c, solution);
  let message: string;
  try {
    await runCase(ex, c, { ...solution, ...m.replace(solution) });
    throw new Error(`${ex.id}: the case "${c.name}" passed a mutant that ${m.mistake}`);
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
    if (message.startsWith(`${ex.id}: the case "`)) throw error;
  }
  if (m.says && !message.includes(m.says)) {
    throw new Error(
      `${ex.id}: the case "${c.name}" caught a mutant that ${m.mistake}, but its message ` +
        `should say ${JSON.stringify(m.says)}; it says: ${message}`,
    );
  }
}

Deno.test("every exercise lists at least two mistakes its cases must catch", () => {
  const missing = exercises.filter((ex) => (MISTAKES[ex.id]?.length ?? 0) < 2).map((ex) => ex.id);
  if (missing.length > 0) throw new Error(`no list of mistakes for: ${missing.join(", ")}`);
  Object.keys(MISTAKES).forEach(exercise);
});

for (const [id, mistakes] of Object.entries(MISTAKES)) {
  Deno.test(`${id}: the cases catch a version that ${mistakes.map((m) => m.mistake).join("; ")}`, async () => {
    const ex = exercise(id);
    const escaped: string[] = [];
    for (const m of mistakes) {
      try {
        await expectCaught(ex, m);
      } catch (error) {
        escaped.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (escaped.length > 0) throw new Error(escaped.join("\n"));
  });
}

for (const [id, ways] of Object.entries(ALTERNATIVES)) {
  Deno.test(`${id}: every case passes a right answer written as ${ways.map((w) => w.way).join("; ")}`, async () => {
    const ex = exercise(id);
    const solution = await import(`../solutions/${ex.file}`);
    const failed: string[] = [];
    for (const w of ways) {
      const impl = { ...solution, ...w.replace(solution) };
      for (const c of ex.cases) {
        if (c.needs?.includes("fashion-mnist") && ignoreWithoutFullData) continue;
        try {
          await runCase(ex, c, impl);
        } catch (error) {
          failed.push(`${w.way}: "${c.name}": ${error instanceof Error ? error.message : error}`);
        }
      }
    }
    if (failed.length > 0) throw new Error(failed.join("\n"));
  });
}

import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { assertClose } from "../lib/assert_close.ts";
import { createRng } from "../lib/random.ts";
import { Animator } from "../lib/animator.ts";
import { createDataIter } from "../data/data_iter.ts";
import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { createNet, initParams, type Net } from "../lessons/02_softmax.ts";
import { crossEntropy } from "../lessons/03_cross_entropy.ts";
import {
  bookChecks,
  type EpochRecord,
  sgd,
  sgdUpdater,
  trainCh3,
  trainEpochCh3,
} from "../lessons/05_train_ch3.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";

/** Runs `fn` on `backend`, then returns to the default backend for the tests that follow. */
// ---------------------------------------------------------------------------------------------
// A plain-TypeScript reference: softmax regression trained by minibatch SGD, in float64.
// ---------------------------------------------------------------------------------------------

interface RefState {
  W: number[][]; // [inputs, classes]
  b: number[]; // [classes]
}

/**
 * One epoch of the book's training loop over the examples in `order`, in batches of
 * `batchSize`. Each step divides the summed gradient by `divisor(actual batch size)`:
 * the right divisor is the actual size; `() => batchSize` is the classic last-batch bug.
 */
function refEpoch(
  state: RefState,
  images: Float32Array,
  labels: Int32Array,
  order: Int32Array,
  batchSize: number,
  lr: number,
  divisor: (actual: number) => number,
): { trainLoss: number; trainAcc: number } {
  const d = state.W.length;
  const k = state.b.length;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = Array.from(order.subarray(start, start + batchSize));
    const gW = state.W.map((row) => row.map(() => 0));
    const gb = state.b.map(() => 0);
    for (const i of batch) {
      const x = Array.from(images.subarray(i * d, (i + 1) * d));
      const logits = state.b.map((bj, j) => bj + x.reduce((s, xv, r) => s + xv * state.W[r][j], 0));
      const exps = logits.map(Math.exp); // naive, like the lesson's softmax
      const total = exps.reduce((s, e) => s + e, 0);
      const p = exps.map((e) => e / total);
      lossSum += -Math.log(p[labels[i]]);
      const argmax = p.indexOf(Math.max(...p));
      if (argmax === labels[i]) correct++;
      // d(-log p_y)/d logits = p - onehot(y)
      const dz = p.map((pj, j) => pj - (j === labels[i] ? 1 : 0));
      for (let r = 0; r < d; r++) for (let j = 0; j < k; j++) gW[r][j] += x[r] * dz[j];
      for (let j = 0; j < k; j++) gb[j] += dz[j];
    }
    const scale = lr / divisor(batch.length);
    for (let r = 0; r < d; r++) for (let j = 0; j < k; j++) state.W[r][j] -= scale * gW[r][j];
    for (let j = 0; j < k; j++) state.b[j] -= scale * gb[j];
  }
  return { trainLoss: lossSum / order.length, trainAcc: correct / order.length };
}

/** A small random problem: n images of h×w pixels in [0, 1], k classes. */
function tinyProblem(seed: number, n: number, h: number, w: number, k: number) {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: n * h * w }, () => rng.next());
  const labels = Int32Array.from({ length: n }, () => rng.nextInt(k));
  return { images, labels };
}

function maxAbsDiff(a: number[][] | number[], b: number[][] | number[]): number {
  const fa = (a as number[]).flat(), fb = (b as number[]).flat();
  return Math.max(...fa.map((v, i) => Math.abs(v - fb[i])));
}

for (const backend of BACKENDS) {
  Deno.test(`trainEpochCh3() matches a plain TypeScript SGD over 3 shuffled epochs, short last batch included [${backend}]`, () =>
    onBackend(backend, () => {
      // 10 examples in batches of 4: 4, 4 and a last batch of 2.
      const [n, h, w, k, batchSize, lr] = [10, 2, 3, 3, 4, 0.5];
      const { images, labels } = tinyProblem(7, n, h, w, k);
      const iter = createDataIter(images, labels, {
        batchSize,
        imageSize: [h, w],
        shuffle: true,
        seed: 3,
      });
      const params = initParams({ numInputs: h * w, numOutputs: k, sigma: 0.5, seed: 5 });
      const start = (): RefState => ({
        W: params.W.arraySync() as number[][],
        b: params.b.arraySync() as number[],
      });
      const right = start();
      const wrong = start(); // divides the last batch by 4 instead of 2
      const net = createNet(params);
      const updater = sgdUpdater([params.W, params.b], lr);
      for (let epoch = 0; epoch < 3; epoch++) {
        const order = iter.order(iter.passes);
        const got = trainEpochCh3(net, iter, crossEntropy, updater);
        const want = refEpoch(right, images, labels, order, batchSize, lr, (actual) => actual);
        refEpoch(wrong, images, labels, order, batchSize, lr, () => batchSize);
        assert.ok(
          Math.abs(got.trainLoss - want.trainLoss) < 1e-5,
          `epoch ${epoch + 1}: loss ${got.trainLoss} vs reference ${want.trainLoss}`,
        );
        assert.equal(got.trainAcc, want.trainAcc, `epoch ${epoch + 1}: accuracy`);
        assertClose(params.W, right.W, { atol: 1e-5, msg: `W after epoch ${epoch + 1}` });
        assertClose(params.b, right.b, { atol: 1e-5, msg: `b after epoch ${epoch + 1}` });
      }
      // The test can tell the last-batch bug apart: it moves W by far more than the tolerance.
      assert.ok(maxAbsDiff(right.W, wrong.W) > 1e-3, "the reference's two divisors must differ");
      tf.dispose([params.W, params.b]);
      iter.dispose();
    }));

  Deno.test(`trainEpochCh3() leaks no tensors, also when the loss throws [${backend}]`, () =>
    onBackend(backend, () => {
      const { images, labels } = tinyProblem(1, 9, 2, 2, 3);
      const iter = createDataIter(images, labels, {
        batchSize: 4,
        imageSize: [2, 2],
        shuffle: true,
      });
      const params = initParams({ numInputs: 4, numOutputs: 3, seed: 2 });
      const net = createNet(params);
      const updater = sgdUpdater([params.W, params.b], 0.1);
      trainEpochCh3(net, iter, crossEntropy, updater); // warm-up: tfjs caches some constants
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainEpochCh3(net, iter, crossEntropy, updater);
      assert.equal(tf.memory().numTensors, before, "tensors after three epochs");
      let calls = 0;
      const failing = (yHat: tf.Tensor2D, y: tf.Tensor1D) => {
        if (++calls === 2) throw new Error("loss failed on the second batch");
        return crossEntropy(yHat, y);
      };
      assert.throws(() => trainEpochCh3(net, iter, failing, updater), /second batch/);
      assert.equal(tf.memory().numTensors, before, "tensors after a failed epoch");
      tf.dispose([params.W, params.b]);
      iter.dispose();
    }));
}

Deno.test("trainEpochCh3() leaks no tensors over a Fashion-MNIST epoch (committed subset)", async () => {
  const data = await loadDataFashionMnist(256, { subset: true });
  const params = initParams({ seed: 0 });
  const net = createNet(params);
  const updater = sgdUpdater([params.W, params.b], 0.1);
  trainEpochCh3(net, data.trainIter, crossEntropy, updater);
  const before = tf.memory().numTensors;
  trainEpochCh3(net, data.trainIter, crossEntropy, updater);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([params.W, params.b]);
  data.dispose();
});

Deno.test("sgd() steps every parameter by lr * grad / batchSize and leaves the gradients alone", () => {
  const W = tf.variable(tf.tensor2d([[1, -2], [3, 4]]));
  const b = tf.variable(tf.tensor1d([0.5, 0]));
  const gW = tf.tensor2d([[8, 0], [-4, 2]]);
  const gb = tf.tensor1d([1, -1]);
  const before = tf.memory().numTensors;
  sgd([W, b], [gW, gb], 0.5, 4);
  assert.equal(tf.memory().numTensors, before, "sgd leaked tensors");
  assertClose(W, [[1 - 1, -2], [3 + 0.5, 4 - 0.25]]);
  assertClose(b, [0.5 - 0.125, 0.125]);
  assertClose(gW, [[8, 0], [-4, 2]]);
  tf.dispose([W, b, gW, gb]);
});

Deno.test("sgd() rejects mismatched gradients, a bad lr and a bad batch size with clear errors", () => {
  const W = tf.variable(tf.zeros([2, 3]));
  const g = tf.zeros([2, 3]);
  assert.throws(
    () => sgd([W], [], 0.1, 1),
    (e: Error) => e instanceof TypeError && /one gradient per parameter/.test(e.message),
  );
  assert.throws(
    () => sgd([W], [tf.zeros([3, 2])], 0.1, 1),
    (e: Error) => e instanceof TypeError && /shape \[3,2\].*shape \[2,3\]/.test(e.message),
  );
  for (const lr of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => sgd([W], [g], lr, 1),
      (e: Error) =>
        e instanceof RangeError && /lr must be a positive finite number/.test(e.message),
    );
  }
  for (const batchSize of [0, 1.5, -2]) {
    assert.throws(
      () => sgd([W], [g], 0.1, batchSize),
      (e: Error) =>
        e instanceof RangeError && /batchSize must be a positive integer/.test(e.message),
    );
  }
  assert.throws(() => sgdUpdater([], 0.1), TypeError);
  assert.throws(() => sgdUpdater([g as unknown as tf.Variable], 0.1), TypeError);
  assert.throws(() => sgdUpdater([W], -0.1), RangeError);
  tf.dispose([W, g]);
});

Deno.test("sgdUpdater() steps its own copy of the parameter list", () => {
  const W = tf.variable(tf.tensor1d([1, 1]));
  const list = [W];
  const updater = sgdUpdater(list, 1);
  list.pop(); // the caller's array changing later does not change the updater
  assert.equal(updater.params.length, 1);
  updater.step([tf.tensor1d([2, -2])], 2);
  assertClose(W, [0, 2]);
  W.dispose();
});

Deno.test("trainEpochCh3() explains a loss that averages, a wrong net output and a bad updater", () => {
  const { images, labels } = tinyProblem(2, 6, 2, 2, 3);
  const iter = createDataIter(images, labels, { batchSize: 4, imageSize: [2, 2] });
  const params = initParams({ numInputs: 4, numOutputs: 3, seed: 1 });
  const net = createNet(params);
  const updater = sgdUpdater([params.W, params.b], 0.1);
  const before = tf.memory().numTensors;
  const meanLoss = (yHat: tf.Tensor2D, y: tf.Tensor1D) =>
    tf.mean(crossEntropy(yHat, y)) as unknown as tf.Tensor1D;
  assert.throws(
    () => trainEpochCh3(net, iter, meanLoss, updater),
    (e: Error) =>
      e instanceof TypeError && /one loss per example, shape \[4\]/.test(e.message) &&
      /do not sum or average/.test(e.message),
  );
  const flatNet: Net = (X) => tf.tidy(() => tf.reshape(net(X), [-1]) as unknown as tf.Tensor2D);
  assert.throws(
    () => trainEpochCh3(flatNet, iter, crossEntropy, updater),
    (e: Error) =>
      e instanceof TypeError &&
      /net\(X\) must return probabilities \[batch, classes\]/.test(e.message),
  );
  assert.throws(
    () => trainEpochCh3(net, iter, crossEntropy, {} as ReturnType<typeof sgdUpdater>),
    (e: Error) => e instanceof TypeError && /updater must have params/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before, "tensors after the failures");
  const empty = createDataIter(new Float32Array(0), new Int32Array(0), {
    batchSize: 4,
    imageSize: [2, 2],
  });
  assert.throws(
    () => trainEpochCh3(net, empty, crossEntropy, updater),
    (e: Error) => e instanceof RangeError && /yielded no examples/.test(e.message),
  );
  tf.dispose([params.W, params.b]);
  iter.dispose();
  empty.dispose();
});

Deno.test("trainCh3() records every epoch, reports progress, feeds the Animator and returns the book's checks", async () => {
  const { images, labels } = tinyProblem(3, 20, 2, 2, 2);
  // Make the problem learnable: class = whether the first pixel is bright.
  labels.forEach((_, i) => (labels[i] = images[i * 4] > 0.5 ? 1 : 0));
  const trainIter = createDataIter(images, labels, {
    batchSize: 8,
    imageSize: [2, 2],
    shuffle: true,
  });
  const testIter = createDataIter(images, labels, { batchSize: 8, imageSize: [2, 2] });
  const params = initParams({ numInputs: 4, numOutputs: 2, seed: 4 });
  const animator = new Animator({ legend: ["train loss", "train acc", "test acc"], display: null });
  const records: EpochRecord[] = [];
  const batches: string[] = [];
  const before = tf.memory().numTensors;
  const result = await trainCh3(
    createNet(params),
    trainIter,
    testIter,
    crossEntropy,
    4,
    sgdUpdater([params.W, params.b], 2),
    {
      animator,
      onEpoch: (r) => records.push(r),
      onBatch: (done, total) => batches.push(`${done}/${total}`),
    },
  );
  assert.equal(tf.memory().numTensors, before, "trainCh3 leaked tensors");
  assert.deepEqual(result.epochs.map((r) => r.epoch), [1, 2, 3, 4]);
  assert.deepEqual(records, result.epochs);
  assert.deepEqual(batches, Array(4).fill(["1/3", "2/3", "3/3"]).flat());
  for (const r of result.epochs) {
    assert.ok(r.seconds > 0 && r.seconds < 60, `seconds ${r.seconds}`);
    assert.ok(r.trainAcc >= 0 && r.trainAcc <= 1 && r.testAcc >= 0 && r.testAcc <= 1);
  }
  assert.ok(result.epochs[3].trainLoss < result.epochs[0].trainLoss, "the loss fell");
  assert.deepEqual(animator.X, [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]);
  assert.deepEqual(
    animator.Y,
    [
      result.epochs.map((r) => r.trainLoss),
      result.epochs.map((r) => r.trainAcc),
      result.epochs.map((r) => r.testAcc),
    ],
  );
  const last = result.epochs[3];
  assert.deepEqual(result.checks, bookChecks(last));
  assert.equal(
    result.checksPassed,
    result.checks.trainLoss && result.checks.trainAcc && result.checks.testAcc,
  );
  await assert.rejects(
    () =>
      trainCh3(createNet(params), trainIter, testIter, crossEntropy, 0, sgdUpdater([params.W], 1)),
    (e: Error) => e instanceof RangeError && /numEpochs must be a positive integer/.test(e.message),
  );
  tf.dispose([params.W, params.b]);
  trainIter.dispose();
  testIter.dispose();
});

Deno.test("bookChecks() uses the book's bounds: loss < 0.5, 0.7 < acc <= 1", () => {
  const rec = (trainLoss: number, trainAcc: number, testAcc: number): EpochRecord => ({
    epoch: 10,
    trainLoss,
    trainAcc,
    testAcc,
    seconds: 1,
  });
  assert.deepEqual(bookChecks(rec(0.4468, 0.847, 0.83)), {
    trainLoss: true,
    trainAcc: true,
    testAcc: true,
  });
  assert.deepEqual(bookChecks(rec(0.5, 0.7, 0.7)), {
    trainLoss: false,
    trainAcc: false,
    testAcc: false,
  });
  assert.deepEqual(bookChecks(rec(0.49, 1, 1)), { trainLoss: true, trainAcc: true, testAcc: true });
  assert.deepEqual(bookChecks(rec(-1, 1.01, 0.71)), {
    trainLoss: true,
    trainAcc: false,
    testAcc: true,
  });
  assert.deepEqual(bookChecks(rec(NaN, NaN, NaN)), {
    trainLoss: false,
    trainAcc: false,
    testAcc: false,
  });
});

/** Trains the book's model with the book's settings; returns every epoch's record. */
async function bookRun(
  batchSize: number,
  numEpochs: number,
  load: Parameters<typeof loadDataFashionMnist>[1],
): Promise<{ epochs: EpochRecord[]; checksPassed: boolean; W: Float32Array }> {
  const data = await loadDataFashionMnist(batchSize, { seed: 0, ...load });
  const params = initParams({ seed: 0 });
  try {
    const result = await trainCh3(
      createNet(params),
      data.trainIter,
      data.testIter,
      crossEntropy,
      numEpochs,
      sgdUpdater([params.W, params.b], 0.1),
    );
    return { ...result, W: params.W.dataSync() as Float32Array };
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
}

Deno.test("trainCh3() on the committed subset: the loss falls, accuracy rises, same seed gives the same numbers", async () => {
  const a = await bookRun(256, 3, { subset: true });
  const b = await bookRun(256, 3, { subset: true });
  const strip = (r: EpochRecord[]) => r.map(({ seconds: _, ...rest }) => rest);
  assert.deepEqual(strip(a.epochs), strip(b.epochs), "same seed, same backend: same numbers");
  assert.deepEqual(a.W, b.W, "same seed, same backend: same weights");
  const [first, , last] = a.epochs;
  assert.ok(last.trainLoss < first.trainLoss, `loss ${first.trainLoss} -> ${last.trainLoss}`);
  // 12 SGD steps on 1000 images: far from the book's numbers, but well above chance (0.1).
  assert.ok(last.trainAcc > 0.5 && last.testAcc > 0.5, JSON.stringify(last));
});

Deno.test({
  name:
    "trainCh3() on the full Fashion-MNIST passes the book's checks after 10 epochs (lr 0.1, batch 256)",
  ignore: ignoreWithoutFullData,
  async fn() {
    const { epochs, checksPassed } = await bookRun(256, 10, { dir: fullDataDir });
    const last = epochs[9];
    assert.equal(epochs.length, 10);
    assert.ok(last.trainLoss < 0.5, `train loss ${last.trainLoss} is not < 0.5`);
    assert.ok(last.trainAcc > 0.7 && last.trainAcc <= 1, `train acc ${last.trainAcc}`);
    assert.ok(last.testAcc > 0.7 && last.testAcc <= 1, `test acc ${last.testAcc}`);
    assert.ok(checksPassed);
    // The neighbourhood of the book's PyTorch results on this machine (seeds 0-3: loss
    // 0.4468-0.4477, train acc 0.847-0.848, test acc 0.824-0.834), with room for a
    // different random stream.
    assert.ok(
      Math.abs(last.trainLoss - 0.447) < 0.01,
      `train loss ${last.trainLoss} far from 0.447`,
    );
    assert.ok(Math.abs(last.trainAcc - 0.847) < 0.01, `train acc ${last.trainAcc} far from 0.847`);
    assert.ok(Math.abs(last.testAcc - 0.829) < 0.02, `test acc ${last.testAcc} far from 0.829`);
  },
});

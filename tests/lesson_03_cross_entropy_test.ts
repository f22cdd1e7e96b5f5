import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { assertClose } from "../lib/assert_close.ts";
import { createRng } from "../lib/random.ts";
import { createNet, initParams } from "../lessons/02_softmax.ts";
import { crossEntropy, type Loss, pickTrueClass } from "../lessons/03_cross_entropy.ts";

/** Runs `fn` on `backend`, then returns to the default backend for the tests that follow. */
/** Random probability rows (each sums to 1) and labels, from a seed. */
function randomProblem(seed: number, n: number, k: number) {
  const rng = createRng(seed);
  const probs = Array.from({ length: n }, () => {
    const raw = Array.from({ length: k }, () => rng.next() + 1e-3);
    const s = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / s);
  });
  const labels = Array.from({ length: n }, () => rng.nextInt(k));
  return { probs, labels };
}

/** Plain-TypeScript references. */
const pickRef = (probs: number[][], labels: number[]) => labels.map((c, i) => probs[i][c]);
const crossEntropyRef = (probs: number[][], labels: number[]) =>
  pickRef(probs, labels).map((p) => -Math.log(p));

const bookYHat = () => tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
const bookY = () => tf.tensor1d([0, 2], "int32");

for (const backend of BACKENDS) {
  Deno.test(`pickTrueClass() and crossEntropy() give the book's [0.1, 0.5] and [2.3026, 0.6931] [${backend}]`, () =>
    onBackend(backend, () => {
      const yHat = bookYHat();
      const y = bookY();
      const picked = pickTrueClass(yHat, y);
      const loss = crossEntropy(yHat, y);
      assert.deepEqual(picked.shape, [2]);
      assert.deepEqual(loss.shape, [2]);
      assert.equal(loss.dtype, "float32");
      // Exactly the stored float32 entries: picking involves no arithmetic error.
      assertClose(picked, [Math.fround(0.1), 0.5], { atol: 0, rtol: 0 });
      assertClose(loss, [2.3026, 0.6931], { atol: 1e-4 });
      tf.dispose([yHat, y, picked, loss]);
    }));

  Deno.test(`crossEntropy() matches a plain TypeScript reference on random batches [${backend}]`, () =>
    onBackend(backend, () => {
      for (const [seed, n, k] of [[1, 1, 2], [2, 50, 10], [3, 256, 10], [4, 9, 37]]) {
        const { probs, labels } = randomProblem(seed, n, k);
        const yHat = tf.tensor2d(probs);
        const y = tf.tensor1d(labels, "int32");
        const picked = pickTrueClass(yHat, y);
        const loss = crossEntropy(yHat, y);
        // Float32 inputs: the picked values are the float32-rounded probabilities.
        assertClose(picked, pickRef(probs, labels), { rtol: 1e-6, msg: `pick [${n}, ${k}]` });
        assertClose(loss, crossEntropyRef(probs, labels), {
          rtol: 1e-5,
          atol: 1e-6,
          msg: `loss [${n}, ${k}]`,
        });
        tf.dispose([yHat, y, picked, loss]);
      }
    }));

  Deno.test(`pickTrueClass() is differentiable: the gradient is 1 at (i, y[i]) and 0 elsewhere [${backend}]`, () =>
    onBackend(backend, () => {
      const y = bookY();
      const grad = tf.grad((p) => tf.sum(pickTrueClass(p as tf.Tensor2D, y)));
      const yHat = bookYHat();
      const g = grad(yHat);
      assertClose(g, [[1, 0, 0], [0, 0, 1]], { atol: 0, rtol: 0 });
      tf.dispose([y, yHat, g]);
    }));

  Deno.test(`crossEntropy() gradient is -1/p at the true class and agrees with finite differences [${backend}]`, () =>
    onBackend(backend, () => {
      const { probs, labels } = randomProblem(11, 6, 4);
      const y = tf.tensor1d(labels, "int32");
      const yHat = tf.tensor2d(probs);
      const g = tf.grad((p) => tf.sum(crossEntropy(p as tf.Tensor2D, y)))(yHat);
      const expected = probs.map((row, i) => row.map((p, j) => (j === labels[i] ? -1 / p : 0)));
      assertClose(g, expected, { rtol: 1e-5 });
      // Central differences of the float64 reference loss, entry by entry.
      const h = 1e-4;
      const numeric = probs.map((row, i) =>
        row.map((_, j) => {
          const plus = probs.map((r) => [...r]);
          const minus = probs.map((r) => [...r]);
          plus[i][j] += h;
          minus[i][j] -= h;
          const sum = (rows: number[][]) =>
            crossEntropyRef(rows, labels).reduce((a, b) => a + b, 0);
          return (sum(plus) - sum(minus)) / (2 * h);
        })
      );
      assertClose(g, numeric, { rtol: 1e-3, atol: 1e-4 });
      tf.dispose([y, yHat, g]);
    }));

  Deno.test(`crossEntropy() through the net gives dL/db = sum(P - Y) and dL/dW = X^T (P - Y) [${backend}]`, () =>
    onBackend(backend, () => {
      // Softmax regression's textbook gradient, checked against a plain TypeScript computation.
      const n = 5, d = 12, k = 4;
      const params = initParams({ numInputs: d, numOutputs: k, sigma: 0.3, seed: 8 });
      const net = createNet(params);
      const X = tf.randomUniform([n, d], 0, 1, "float32", 21) as tf.Tensor2D;
      const y = tf.tensor1d([0, 3, 1, 1, 2], "int32");
      const { value, grads } = tf.variableGrads(() => tf.sum(crossEntropy(net(X), y)) as tf.Scalar);
      const P = net(X).arraySync();
      const labels = Array.from(y.dataSync());
      const diff = P.map((row, i) => row.map((p, j) => p - (j === labels[i] ? 1 : 0))); // [n, k]
      const x = X.arraySync();
      const dW = Array.from(
        { length: d },
        (_, t) =>
          Array.from({ length: k }, (_, j) => diff.reduce((s, row, i) => s + x[i][t] * row[j], 0)),
      );
      const db = Array.from({ length: k }, (_, j) => diff.reduce((s, row) => s + row[j], 0));
      assertClose(grads[params.W.name], dW, { rtol: 1e-4, atol: 1e-5, msg: "dL/dW" });
      assertClose(grads[params.b.name], db, { rtol: 1e-4, atol: 1e-5, msg: "dL/db" });
      assertClose(value, crossEntropyRef(P, labels).reduce((a, b) => a + b, 0), { rtol: 1e-5 });
      tf.dispose([X, y, value, params.W, params.b, ...Object.values(grads)]);
    }));
}

Deno.test("crossEntropy() trains: SGD steps on a separable toy problem lower the loss and fit the labels", () => {
  // Four 2-pixel "images", one per class-quadrant; softmax regression separates them.
  const X = tf.tensor2d([[2, 0], [0, 2], [-2, 0], [0, -2]]);
  const y = tf.tensor1d([0, 1, 2, 3], "int32");
  const params = initParams({ numInputs: 2, numOutputs: 4, seed: 1 });
  const net = createNet(params);
  const loss: Loss = crossEntropy;
  const meanLoss = () => tf.tidy(() => tf.mean(loss(net(X), y)).dataSync()[0]);
  const start = meanLoss();
  assertClose(start, Math.log(4), { rtol: 0.01 }); // W ≈ 0: every class has probability ≈ 1/4
  const lr = 0.5;
  for (let step = 0; step < 50; step++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(loss(net(X), y)) as tf.Scalar);
      params.W.assign(tf.sub(params.W, tf.mul(grads[params.W.name], lr)));
      params.b.assign(tf.sub(params.b, tf.mul(grads[params.b.name], lr)));
    });
  }
  const end = meanLoss();
  assert.ok(end < 0.2 * start, `loss went from ${start} to ${end}`);
  const predicted = tf.tidy(() => tf.argMax(net(X), 1).arraySync());
  assert.deepEqual(predicted, [0, 1, 2, 3]);
  tf.dispose([X, y, params.W, params.b]);
});

Deno.test("crossEntropy() of a true-class probability of 0 is Infinity, of 1 is 0", () => {
  const yHat = tf.tensor2d([[0, 1], [1, 0]]);
  const y = tf.tensor1d([0, 0], "int32");
  assertClose(crossEntropy(yHat, y), [Infinity, 0]);
  tf.dispose([yHat, y]);
});

Deno.test("pickTrueClass() reads only the true class: NaN or Infinity elsewhere does not leak, in the true class it does", () => {
  const yHat = tf.tensor2d([[0.25, NaN, Infinity], [NaN, 0.5, 0.5], [-Infinity, 0.5, 0.5]]);
  const y = tf.tensor1d([0, 1, 0], "int32");
  assertClose(pickTrueClass(yHat, y), [0.25, 0.5, -Infinity]);
  assertClose(crossEntropy(yHat, y), [-Math.log(0.25), -Math.log(0.5), NaN], { rtol: 1e-6 });
  tf.dispose([yHat, y]);
});

Deno.test("crossEntropy() accepts float32 labels holding whole numbers like int32 labels", () => {
  const yHat = bookYHat();
  const yFloat = tf.tensor1d([0, 2], "float32");
  assertClose(crossEntropy(yHat, yFloat), [2.3026, 0.6931], { atol: 1e-4 });
  tf.dispose([yHat, yFloat]);
});

Deno.test("crossEntropy() of an empty batch is an empty [0]", () => {
  const yHat = tf.zeros([0, 10]) as tf.Tensor2D;
  const y = tf.zeros([0], "int32") as tf.Tensor1D;
  const loss = crossEntropy(yHat, y);
  assert.deepEqual(loss.shape, [0]);
  tf.dispose([yHat, y, loss]);
});

Deno.test("crossEntropy() and pickTrueClass() reject bad labels with messages naming the label", () => {
  const yHat = bookYHat();
  const cases: [number[], "int32" | "float32", RegExp][] = [
    [
      [0, 3],
      "int32",
      /labels must be integers in \[0, 3\) \(one per class of yHat\), found 3 at index 1 of y/,
    ],
    [[-1, 0], "int32", /found -1 at index 0 of y/],
    [[0, 1.5], "float32", /labels must be integers in \[0, 3\).*found 1.5 at index 1 of y/],
    [[0, NaN], "float32", /found NaN at index 1 of y/],
  ];
  for (const [labels, dtype, message] of cases) {
    const y = tf.tensor1d(labels, dtype);
    assert.throws(
      () => crossEntropy(yHat, y),
      (e: Error) =>
        e instanceof RangeError && e.message.startsWith("Cannot compute crossEntropy: ") &&
        message.test(e.message),
    );
    assert.throws(
      () => pickTrueClass(yHat, y),
      (e: Error) =>
        e instanceof RangeError && e.message.startsWith("Cannot compute pickTrueClass: ") &&
        message.test(e.message),
    );
    y.dispose();
  }
  yHat.dispose();
});

Deno.test("crossEntropy() rejects mismatched batch sizes, wrong ranks and dtypes with clear messages", () => {
  const yHat = bookYHat();
  const y3 = tf.tensor1d([0, 1, 2], "int32");
  assert.throws(() => crossEntropy(yHat, y3), {
    name: "RangeError",
    message:
      "Cannot compute crossEntropy: mismatched batch sizes: yHat has 2 rows (shape [2, 3]) " +
      "but y has 3 labels; pass the labels of the same batch",
  });
  const flat = tf.tensor1d([0.1, 0.9]);
  const y1 = tf.tensor1d([1], "int32");
  assert.throws(() => crossEntropy(flat as unknown as tf.Tensor2D, y1), {
    name: "TypeError",
    message:
      "Cannot compute crossEntropy: expected yHat to be a rank-2 tensor [batch, classes], got shape [2]",
  });
  const y2d = tf.tensor2d([[0], [2]], [2, 1], "int32");
  assert.throws(() => crossEntropy(yHat, y2d as unknown as tf.Tensor1D), {
    name: "TypeError",
    message:
      "Cannot compute crossEntropy: expected y to be a rank-1 tensor of labels [batch], got shape [2, 1]",
  });
  const yBool = tf.tensor1d([true, false], "bool");
  assert.throws(() => crossEntropy(yHat, yBool), /expected y to hold int32 class labels, got bool/);
  const yHatInt = tf.tensor2d([[0, 1], [1, 0]], [2, 2], "int32");
  assert.throws(
    () => crossEntropy(yHatInt, bookY()),
    /expected yHat to hold float32 probabilities, got int32/,
  );
  assert.throws(() => crossEntropy(yHat, [0, 2] as unknown as tf.Tensor1D), /got an array/);
  tf.dispose([yHat, y3, flat, y1, y2d, yBool, yHatInt]);
});

Deno.test("crossEntropy() and pickTrueClass() leak no tensors, also when they throw", () => {
  const yHat = bookYHat();
  const y = bookY();
  const bad = tf.tensor1d([0, 7], "int32");
  const before = tf.memory().numTensors;
  crossEntropy(yHat, y).dispose();
  pickTrueClass(yHat, y).dispose();
  tf.grad((p) => tf.sum(crossEntropy(p as tf.Tensor2D, y)))(yHat).dispose();
  assert.throws(() => crossEntropy(yHat, bad));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([yHat, y, bad]);
});

import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS, initBackend } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { assertClose } from "../lib/assert_close.ts";
import { createRng } from "../lib/random.ts";
import { createNet, initParams, type Params, softmax } from "../lessons/02_softmax.ts";

/** Runs `fn` on `backend`, then returns to the default backend for the tests that follow. */
/** Plain-TypeScript reference softmax in float64, naive like the lesson. */
function softmaxRef(rows: number[][]): number[][] {
  return rows.map((row) => {
    const e = row.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/** Plain-TypeScript reference net: softmax(X · W + b) with X [n, d], W [d, k] row-major. */
function netRef(X: ArrayLike<number>, n: number, W: ArrayLike<number>, b: ArrayLike<number>) {
  const d = W.length / b.length;
  const k = b.length;
  const logits = Array.from({ length: n }, (_, i) =>
    Array.from({ length: k }, (_, j) => {
      let s = b[j];
      for (let t = 0; t < d; t++) s += X[i * d + t] * W[t * k + j];
      return s;
    }));
  return softmaxRef(logits);
}

function randomRows(seed: number, n: number, k: number, scale: number): number[][] {
  const rng = createRng(seed);
  return Array.from(
    { length: n },
    () => Array.from({ length: k }, () => (rng.next() * 2 - 1) * scale),
  );
}

function disposeParams(p: Params): void {
  tf.dispose([p.W, p.b]);
}

for (const backend of BACKENDS) {
  Deno.test(`softmax() on the book's seeded N(0, 1) [2, 5] input is >= 0 with rows summing to 1 [${backend}]`, () =>
    onBackend(backend, () => {
      const X = tf.randomNormal([2, 5], 0, 1, "float32", 42) as tf.Tensor2D;
      const XProb = softmax(X);
      assert.deepEqual(XProb.shape, [2, 5]);
      assert.equal(XProb.dtype, "float32");
      for (const p of XProb.dataSync()) assert.ok(p >= 0, `probability ${p} < 0`);
      assertClose(tf.sum(XProb, 1), [1, 1], { atol: 1e-6 });
      assertClose(XProb, softmaxRef(X.arraySync()), { rtol: 1e-5, atol: 1e-7 });
      tf.dispose([X, XProb]);
    }));

  Deno.test(`softmax() matches a plain TypeScript reference on random logits [${backend}]`, () =>
    onBackend(backend, () => {
      for (const [seed, n, k, scale] of [[1, 1, 1, 1], [2, 64, 10, 3], [3, 7, 100, 20]]) {
        const rows = randomRows(seed, n, k, scale);
        const got = softmax(tf.tensor2d(rows));
        assertClose(got, softmaxRef(rows), {
          rtol: 1e-5,
          atol: 1e-7,
          msg: `[${n}, ${k}] scale ${scale}`,
        });
        got.dispose();
      }
    }));

  Deno.test(`softmax() returns NaN for logits of 100 (the naive overflow the book keeps) [${backend}]`, () =>
    onBackend(backend, () => {
      // exp(50) ≈ 5.18e21 is still finite; exp(100) is Infinity in float32: Infinity / Infinity.
      const X = tf.tensor2d([[50, 0, 0], [100, 0, 0], [100, 100, 0], [1, 2, 3]]);
      assertClose(softmax(X), [
        [1, Math.exp(-50), Math.exp(-50)],
        [NaN, 0, 0],
        [NaN, NaN, 0],
        softmaxRef([[1, 2, 3]])[0],
      ], { rtol: 1e-5, atol: 1e-30 });
      X.dispose();
    }));

  Deno.test(`softmax() returns NaN for a row below -104 and a row of -Infinity (underflow, 0 / 0) [${backend}]`, () =>
    onBackend(backend, () => {
      // exp(-105) is below float32's smallest subnormal: every entry underflows to 0.
      const X = tf.tensor2d([[-105, -106, -110], [-Infinity, -Infinity, -Infinity], [
        -100,
        -101,
        -102,
      ]]);
      const got = softmax(X);
      assertClose(got.slice([0, 0], [2, 3]), [[NaN, NaN, NaN], [NaN, NaN, NaN]]);
      // At -100 exp is subnormal (≈ 3.8e-44 = 27 × the smallest float32): still a distribution,
      // but with only a few significant bits: [0.659, 0.244, 0.098] instead of [0.665, 0.245, 0.090].
      const low = got.slice([2, 0], [1, 3]);
      assertClose(tf.sum(low, 1), [1], { atol: 1e-6 });
      assertClose(low, softmaxRef([[-100, -101, -102]]), { atol: 0.01 });
      const err = Math.abs(low.dataSync()[0] - softmaxRef([[0, -1, -2]])[0][0]);
      assert.ok(err > 1e-3, `expected visible precision loss at -100, got error ${err}`);
      tf.dispose([X, got]);
    }));
}

Deno.test("softmax() propagates NaN to its own row only", () => {
  const X = tf.tensor2d([[NaN, 0, 1], [0, 0, 0]]);
  assertClose(softmax(X), [[NaN, NaN, NaN], [1 / 3, 1 / 3, 1 / 3]], { atol: 1e-7 });
  X.dispose();
});

Deno.test("softmax() is unchanged by adding a constant to a row (for moderate logits)", () => {
  const rows = randomRows(5, 4, 6, 2);
  const a = softmax(tf.tensor2d(rows));
  const b = softmax(tf.tensor2d(rows.map((r) => r.map((v) => v + 30))));
  assertClose(a, b, { rtol: 1e-4, atol: 1e-6 });
  tf.dispose([a, b]);
});

Deno.test("softmax() of an empty batch [0, 5] is an empty [0, 5]", () => {
  const got = softmax(tf.zeros([0, 5]) as tf.Tensor2D);
  assert.deepEqual(got.shape, [0, 5]);
  got.dispose();
});

Deno.test("softmax() rejects a wrong rank or dtype with a clear message", () => {
  const v = tf.tensor1d([1, 2, 3]);
  assert.throws(() => softmax(v as unknown as tf.Tensor2D), {
    name: "TypeError",
    message: "Cannot compute softmax: expected a rank-2 tensor [batch, classes], got shape [3]",
  });
  const t3 = tf.zeros([2, 3, 4]);
  assert.throws(() => softmax(t3 as tf.Tensor2D), /got shape \[2, 3, 4\]/);
  assert.throws(() => softmax([[1, 2]] as unknown as tf.Tensor2D), /got an array/);
  const ints = tf.tensor2d([[1, 2]], [1, 2], "int32");
  assert.throws(() => softmax(ints), {
    name: "TypeError",
    message:
      'Cannot compute softmax: expected a float32 tensor, got int32; convert it with tf.cast(X, "float32")',
  });
  tf.dispose([v, t3, ints]);
});

Deno.test("softmax() leaks no tensors, also when it throws", () => {
  const X = tf.randomNormal([8, 10], 0, 1, "float32", 3) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  softmax(X).dispose();
  assert.throws(() => softmax(tf.reshape(X, [80]) as unknown as tf.Tensor2D));
  assert.equal(tf.memory().numTensors, before + 1); // only the reshaped view made by the test
  X.dispose();
});

Deno.test("initParams() makes the book's W [784, 10] ~ N(0, 0.01) and b = 0 as trainable float32 variables", () => {
  const p = initParams();
  assert.ok(p.W instanceof tf.Variable && p.b instanceof tf.Variable);
  assert.ok(p.W.trainable && p.b.trainable);
  assert.deepEqual(p.W.shape, [784, 10]);
  assert.deepEqual(p.b.shape, [10]);
  assert.equal(p.W.dtype, "float32");
  assertClose(p.b, new Array(10).fill(0), { atol: 0 });
  const w = Array.from(p.W.dataSync() as Float32Array);
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const sd = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  // 7840 draws: the standard error of the mean is 0.01 / sqrt(7840) ≈ 1.1e-4, of the sd ≈ 8e-5.
  assert.ok(Math.abs(mean) < 5e-4, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.01) < 5e-4, `sd ${sd}`);
  disposeParams(p);
});

Deno.test("initParams() is reproducible for seed 0 (which tfjs alone would ignore) and seed-sensitive", () => {
  const a = initParams({ seed: 0 });
  const b = initParams();
  const c = initParams({ seed: 1 });
  assertClose(a.W, b.W, { atol: 0, rtol: 0 });
  assert.notDeepEqual(Array.from(a.W.dataSync()), Array.from(c.W.dataSync()));
  [a, b, c].forEach(disposeParams);
});

Deno.test("initParams() draws the same W on the wasm and cpu backends", async () => {
  await initBackend({ backend: "cpu" });
  const onCpu = initParams({ seed: 5, numInputs: 20, numOutputs: 3 });
  const cpuW = onCpu.W.arraySync();
  disposeParams(onCpu);
  await initBackend({ backend: "wasm" });
  const onWasm = initParams({ seed: 5, numInputs: 20, numOutputs: 3 });
  assertClose(onWasm.W, cpuW, { atol: 0, rtol: 0 });
  disposeParams(onWasm);
});

Deno.test("initParams() rejects bad sizes, sigma and seed with clear messages", () => {
  assert.throws(() => initParams({ numInputs: 0 }), {
    name: "RangeError",
    message: "Cannot initialise the parameters: numInputs must be a positive integer, got 0",
  });
  assert.throws(
    () => initParams({ numOutputs: 2.5 }),
    /numOutputs must be a positive integer, got 2.5/,
  );
  assert.throws(
    () => initParams({ sigma: -1 }),
    /sigma \(a standard deviation\) must be a finite number >= 0, got -1/,
  );
  assert.throws(() => initParams({ sigma: NaN }), RangeError);
  assert.throws(() => initParams({ seed: Infinity }), /seed must be a finite number, got Infinity/);
});

Deno.test("initParams() and createNet() leak no tensors beyond the two variables", () => {
  const before = tf.memory().numTensors;
  const p = initParams({ seed: 2 });
  assert.equal(tf.memory().numTensors, before + 2);
  const net = createNet(p);
  const X = tf.ones([4, 1, 28, 28]);
  const mid = tf.memory().numTensors;
  net(X).dispose();
  assert.throws(() => net(tf.ones([4, 27])));
  assert.equal(tf.memory().numTensors, mid + 1); // + the tf.ones([4, 27]) made above
  tf.dispose(X);
  disposeParams(p);
});

for (const backend of BACKENDS) {
  Deno.test(`createNet() computes softmax(reshape(X, [-1, 784]) · W + b) like a plain reference [${backend}]`, () =>
    onBackend(backend, () => {
      const p = initParams({ seed: 4, sigma: 0.5 });
      p.b.assign(tf.tensor1d([0.5, -1, 0, 0, 2, 0, 0, 0, 0, 1]));
      const net = createNet(p);
      const X = tf.randomUniform([3, 1, 28, 28], 0, 1, "float32", 9);
      const yHat = net(X);
      assert.deepEqual(yHat.shape, [3, 10]);
      const expected = netRef(X.dataSync(), 3, p.W.dataSync(), p.b.dataSync());
      assertClose(yHat, expected, { rtol: 1e-4, atol: 1e-6 });
      assertClose(tf.sum(yHat, 1), [1, 1, 1], { atol: 1e-5 });
      // The same images as flat [3, 784] vectors give the same probabilities.
      const flat = net(tf.reshape(X, [3, 784]));
      assertClose(flat, yHat, { atol: 0, rtol: 0 });
      tf.dispose([X, yHat, flat]);
      disposeParams(p);
    }));
}

Deno.test("createNet() sees updates to the variables it was built on", () => {
  const p = initParams({ numInputs: 2, numOutputs: 2, sigma: 0 });
  const net = createNet(p);
  const X = tf.tensor2d([[1, 0]]);
  assertClose(net(X), [[0.5, 0.5]]);
  p.W.assign(tf.tensor2d([[Math.log(3), 0], [0, 0]]));
  assertClose(net(X), [[0.75, 0.25]], { atol: 1e-6 });
  X.dispose();
  disposeParams(p);
});

Deno.test("createNet() on an empty batch gives [0, 10]", () => {
  const p = initParams();
  const yHat = createNet(p)(tf.zeros([0, 1, 28, 28]));
  assert.deepEqual(yHat.shape, [0, 10]);
  yHat.dispose();
  disposeParams(p);
});

Deno.test("createNet() rejects X whose examples do not have W.shape[0] values, naming both shapes", () => {
  const p = initParams();
  const net = createNet(p);
  const X = tf.zeros([2, 392]); // 784 values in all: a bare reshape(X, [-1, 784]) would accept it
  assert.throws(() => net(X), {
    name: "RangeError",
    message: "Cannot apply the net: each example of X (shape [2, 392]) has 392 values but W " +
      "(shape [784, 10]) expects 784; reshape X or create the parameters with " +
      "initParams({ numInputs: 392 })",
  });
  const image = tf.zeros([784]);
  assert.throws(() => net(image), {
    name: "TypeError",
    message: /expected X of shape \[batch, 1, 28, 28\] or \[batch, 784\]/,
  });
  const ints = tf.zeros([1, 784], "int32");
  assert.throws(() => net(ints), /expected X to be float32 pixels, got int32/);
  tf.dispose([X, image, ints]);
  disposeParams(p);
});

Deno.test("createNet() rejects parameters of the wrong shapes", () => {
  const W = tf.variable(tf.zeros([784, 10]) as tf.Tensor2D);
  const b = tf.variable(tf.zeros([9]) as tf.Tensor1D);
  assert.throws(() => createNet({ W, b }), {
    name: "TypeError",
    message:
      /expected params \{ W: \[inputs, outputs\], b: \[outputs\] \} as made by initParams\(\), got W a float32 tensor of shape \[784,10\] and b a float32 tensor of shape \[9\]/,
  });
  assert.throws(
    () => createNet(null as unknown as Params),
    /got W a undefined|got W undefined|got W a/,
  );
  tf.dispose([W, b]);
});

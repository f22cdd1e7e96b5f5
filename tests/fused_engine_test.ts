/**
 * The fused training engine (`lib/fused_engine.ts`, `deno task train --engine fused`) trains
 * the same model as lesson 5's autodiff: one step against a float64 reference, the two engines'
 * metrics epoch by epoch (the committed subset for 10 epochs, the full data for 2), memory that
 * does not grow, clear errors, and the command's outputs naming the engine.
 */
import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { assertClose } from "../lib/assert_close.ts";
import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { createNet, initParams } from "../lessons/02_softmax.ts";
import { crossEntropy } from "../lessons/03_cross_entropy.ts";
import { sgdUpdater, trainCh3 } from "../lessons/05_train_ch3.ts";
import { FusedEngine, trainFused } from "../lib/fused_engine.ts";
import { sgdStepReference } from "./cases/reference.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";
import { main } from "../tools/train.ts";

/** Both engines from seed 0 for `epochs` epochs; their records. */
async function bothEngines(epochs: number, options: { subset?: boolean; dir?: string }) {
  const data = await loadDataFashionMnist(256, { ...options, seed: 0 });
  try {
    const engine = new FusedEngine(data.raw.train, data.raw.test);
    const start = initParams({ seed: 0 });
    engine.setParams(start.W.dataSync() as Float32Array, start.b.dataSync() as Float32Array);
    tf.dispose([start.W, start.b]);
    const bytes = engine.memoryBytes;
    const fused = await trainFused(engine, data.trainIter, epochs, 0.1, 256);
    assert.equal(engine.memoryBytes, bytes, "the engine's memory grew while training");
    const params = initParams({ seed: 0 });
    const auto = await trainCh3(
      createNet(params),
      data.trainIter,
      data.testIter,
      crossEntropy,
      epochs,
      sgdUpdater([params.W, params.b], 0.1),
    );
    tf.dispose([params.W, params.b]);
    return { fused: fused.epochs, auto: auto.epochs };
  } finally {
    data.dispose();
  }
}

/** The engines' metrics agree to 4 decimals, epoch by epoch. */
function assertAgree(
  fused: { trainLoss: number; trainAcc: number; testAcc: number }[],
  auto: typeof fused,
) {
  assert.equal(fused.length, auto.length);
  for (const [i, f] of fused.entries()) {
    for (const key of ["trainLoss", "trainAcc", "testAcc"] as const) {
      assert.equal(f[key].toFixed(4), auto[i][key].toFixed(4), `epoch ${i + 1}: ${key}`);
    }
  }
}

Deno.test("one fused step: loss, correct count, and W and b stepped as in float64", () => {
  // 8 examples of 6 "pixels", 3 classes, one batch.
  const images = Uint8Array.from({ length: 48 }, (_, i) => (i * 37) % 256);
  const labels = Uint8Array.from([0, 1, 2, 0, 1, 2, 2, 1]);
  const engine = new FusedEngine(
    { images, labels, count: 8 },
    { images, labels, count: 8 },
    { numInputs: 6, numOutputs: 3 },
  );
  const W = Float32Array.from({ length: 18 }, (_, i) => Math.fround(Math.sin(i) / 4));
  const b = Float32Array.from([0.1, -0.2, 0.05]);
  engine.setParams(W, b);
  const X = Array.from(
    { length: 8 },
    (_, e) => Array.from(images.subarray(e * 6, e * 6 + 6), (u) => Math.fround(u / 255)),
  );
  const model = {
    W: Array.from({ length: 6 }, (_, i) => Array.from(W.subarray(i * 3, i * 3 + 3))),
    b: Array.from(b),
  };
  const ref = sgdStepReference(model, X, Array.from(labels), 0.5);
  const order = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const { trainLoss, trainAcc } = engine.trainEpoch(order, 8, 0.5);
  assertClose(trainLoss, ref.losses.reduce((s, l) => s + l, 0) / 8, { rtol: 1e-6 });
  const Z = X.map((x) =>
    model.b.map((bj, j) => x.reduce((s, xi, i) => s + xi * model.W[i][j], bj))
  );
  const correct = Z.filter((z, e) => z.indexOf(Math.max(...z)) === labels[e]).length;
  assert.equal(trainAcc, correct / 8);
  const stepped = engine.params();
  assertClose(Array.from(stepped.W), ref.next.W.flat(), { atol: 1e-6 });
  assertClose(Array.from(stepped.b), ref.next.b, { atol: 1e-6 });
});

Deno.test("fused and autodiff agree to 4 decimals for 10 epochs on the committed subset", async () => {
  const { fused, auto } = await bothEngines(10, { subset: true });
  assertAgree(fused, auto);
});

Deno.test({
  name: "fused and autodiff agree to 4 decimals for 2 epochs on the full Fashion-MNIST",
  ignore: ignoreWithoutFullData,
  async fn() {
    const { fused, auto } = await bothEngines(2, { dir: fullDataDir });
    assertAgree(fused, auto);
  },
});

Deno.test("the engine names what is wrong with its data, its parameters or a pass", () => {
  const ok = { images: new Uint8Array(8), labels: new Uint8Array(2), count: 2 };
  const opts = { numInputs: 4, numOutputs: 3 };
  assert.throws(
    () => new FusedEngine({ ...ok, labels: Uint8Array.from([0, 3]) }, ok, opts),
    /label 3 at 1 of the training split is not one of the 3 classes/,
  );
  assert.throws(
    () => new FusedEngine(ok, { ...ok, count: 3 }, opts),
    /the test split has 8 pixel bytes and 2 labels, not 3 × 4 and 3/,
  );
  assert.throws(() => new FusedEngine(ok, ok, { numOutputs: 13 }), /between 1 and 12 classes/);
  const engine = new FusedEngine(ok, ok, opts);
  assert.throws(() => engine.setParams(new Float32Array(11), new Float32Array(3)), /W of 4 × 3/);
  assert.throws(() => engine.trainEpoch(new Int32Array(3), 2, 0.1), /an order of 2 examples/);
  assert.throws(() => engine.trainEpoch(new Int32Array(2), 0, 0.1), /batchSize must be/);
});

Deno.test("deno task train --engine fused writes the same outputs, naming the engine", async () => {
  const out = await Deno.makeTempDir();
  try {
    let text = "";
    const io = {
      out: (t: string) => (text += t),
      err: (t: string) => (text += t),
      isTerminal: false,
    };
    const code = await main(["--engine", "fused", "--subset", "--epochs", "2", "--out", out], io);
    assert.equal(code, 1, text); // 2 epochs on the subset miss the book's checks
    assert.match(text, /engine fused/);
    const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.equal(metrics.engine, "fused");
    assert.equal(metrics.epochs.length, 2);
    for (const f of ["curves.svg", "curves.png", "predictions.png", "params.safetensors"]) {
      assert.ok((await Deno.stat(`${out}/${f}`)).size > 0, f);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

/**
 * The fused training engine (`lib/fused_engine.ts`, `deno task train --engine fused`) trains
 * the same model as lesson 5's autodiff: one step against a float64 reference, the two engines'
 * metrics epoch by epoch (the committed subset for 10 epochs, the full data for 2), memory that
 * does not grow, clear errors, and the command's outputs naming the engine.
 */
import { fileURLToPath } from "node:url";
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
async function bothEngines(
  epochs: number,
  options: { subset?: boolean; dir?: string; threads?: 1 | 2 },
) {
  const data = await loadDataFashionMnist(256, { ...options, seed: 0 });
  try {
    using engine = new FusedEngine(data.raw.train, data.raw.test, { threads: options.threads });
    const start = initParams({ seed: 0 });
    engine.setParams(start);
    tf.dispose([start.W, start.b]);
    await engine.ready;
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

/**
 * One step of the engine on `count` pseudo-random images of `d` pixels and `q` classes in one
 * batch, against the float64 reference: loss, correct count, stepped W and b.
 */
function assertOneStep(count: number, d: number, q: number, threads: 1 | 2) {
  const images = Uint8Array.from({ length: count * d }, (_, i) => (i * 37 + (i >> 7)) % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7 + (i >> 3)) % q);
  using engine = new FusedEngine(
    { images, labels, count },
    { images, labels, count },
    { numInputs: d, numOutputs: q, threads },
  );
  const W = Float32Array.from({ length: d * q }, (_, i) => Math.fround(Math.sin(i) / 4));
  const b = Float32Array.from({ length: q }, (_, j) => Math.fround(0.1 - 0.07 * j));
  const [Wt, bt] = [tf.tensor2d(W, [d, q]), tf.tensor1d(b)];
  engine.setParams({ W: Wt, b: bt });
  tf.dispose([Wt, bt]);
  const X = Array.from(
    { length: count },
    (_, e) => Array.from(images.subarray(e * d, e * d + d), (u) => Math.fround(u / 255)),
  );
  const model = {
    W: Array.from({ length: d }, (_, i) => Array.from(W.subarray(i * q, i * q + q))),
    b: Array.from(b),
  };
  const ref = sgdStepReference(model, X, Array.from(labels), 0.5);
  const where = `${count} examples, ${d} pixels, ${q} classes, ${threads} thread(s)`;
  const Z = X.map((x) =>
    model.b.map((bj, j) => x.reduce((s, xi, i) => s + xi * model.W[i][j], bj))
  );
  const correct = Z.filter((z, e) => z.indexOf(Math.max(...z)) === labels[e]).length;
  // The test split holds the same images: its accuracy before the step is the same count.
  assert.equal(engine.testAccuracy(), correct / count, where);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const { trainLoss, trainAcc } = engine.trainEpoch(order, count, 0.5);
  assertClose(trainLoss, ref.losses.reduce((s, l) => s + l, 0) / count, { rtol: 1e-6, msg: where });
  assert.equal(trainAcc, correct / count, where);
  const stepped = engine.params();
  assertClose(Array.from(stepped.W), ref.next.W.flat(), { atol: 1e-6, msg: where });
  assertClose(Array.from(stepped.b), ref.next.b, { atol: 1e-6, msg: where });
}

Deno.test("one fused step: loss, correct count, and W and b stepped as in float64", () => {
  assertOneStep(8, 6, 3, 1); // one tile of classes, one block of pixels, one chunk
  // Two tiles (7 classes), pixels not a multiple of 8 or 16, three chunks of rows (600).
  assertOneStep(600, 21, 7, 1);
});

Deno.test("one fused step on two threads: the same, with the rows and pixels split", () => {
  assertOneStep(8, 6, 3, 2);
  assertOneStep(600, 21, 7, 2);
  assertOneStep(1, 6, 3, 2); // the second thread has no row
  assertOneStep(5, 40, 15, 2); // an odd split, the most classes
});

Deno.test("two threads: a job posted the moment the second thread starts is not lost", () => {
  // The engine may post its first job before the second thread enters its loop; a loop that
  // started from the jobs posted instead of the jobs done missed it and hung.
  const images = Uint8Array.from({ length: 64 * 20 }, (_, i) => i % 251);
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 3);
  const split = { images, labels, count: 20 };
  const order = Int32Array.from({ length: 20 }, (_, i) => i);
  for (let k = 0; k < 25; k++) {
    using engine = new FusedEngine(split, split, { numInputs: 64, numOutputs: 3, threads: 2 });
    engine.testAccuracy();
    engine.trainEpoch(order, 7, 0.1);
  }
});

Deno.test({
  name: "two threads on one core: waiting threads sleep instead of spinning away each other's time",
  // taskset (util-linux) pins the process to one core, as a busy machine might.
  ignore: Deno.build.os !== "linux",
  async fn() {
    const helper = fileURLToPath(new URL("./helpers/fused_one_core.ts", import.meta.url));
    const deno = Deno.execPath();
    const output = await new Deno.Command("taskset", {
      args: ["-c", "0", deno, "run", "-A", "--quiet", helper],
      stderr: "inherit",
      signal: AbortSignal.timeout(120_000),
    }).output();
    assert.equal(output.code, 0);
    const ms = JSON.parse(new TextDecoder().decode(output.stdout));
    // A barrier that only spun took 30 times as long as one thread here; one that sleeps, 1.5.
    assert.ok(ms.two < 5 * ms.one, `one thread ${ms.one} ms, two threads ${ms.two} ms`);
  },
});

Deno.test("two threads never keep the process alive: closed early, never closed, or not started", async () => {
  const helper = fileURLToPath(new URL("./helpers/fused_lifecycle.ts", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const run = async (mode: string, read = root) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", `--allow-read=${read}`, "--allow-env", helper, mode],
      signal: AbortSignal.timeout(60_000), // a hang ends here, as a failure
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, `${mode}: ${text}`);
    return text;
  };
  assert.match(await run("close-race"), /closed 40 engines/);
  assert.match(await run("no-close"), /trained, accuracy [\d.]+, not closed/);
  // Without read access to lib/, the Worker's module cannot load: the engine says why, at once.
  const started = performance.now();
  assert.match(await run("not-ready", "/nonexistent"), /rejected: .*read/i);
  assert.ok(performance.now() - started < 30_000, "ready took as long as a timeout");
});

Deno.test("the first largest logit is the prediction, on one thread and two", async () => {
  // W and b zero: every logit ties, so every prediction is class 0.
  const images = Uint8Array.from({ length: 16 * 10 }, (_, i) => (i * 29) % 256);
  const labels = Uint8Array.from([0, 1, 2, 0, 2, 1, 0, 0, 1, 2]);
  const split = { images, labels, count: 10 };
  for (const threads of [1, 2] as const) {
    using engine = new FusedEngine(split, split, { numInputs: 16, numOutputs: 3, threads });
    await engine.ready;
    assert.equal(engine.testAccuracy(), 0.4, `${threads} thread(s): test accuracy`);
    const order = Int32Array.from({ length: 10 }, (_, i) => i);
    const { trainAcc } = engine.trainEpoch(order, 10, 0.1); // scored before the step
    assert.equal(trainAcc, 0.4, `${threads} thread(s): training accuracy`);
  }
});

Deno.test("two threads train the same weights on every run (no race between them)", async () => {
  const data = await loadDataFashionMnist(256, { subset: true, seed: 0 });
  const start = initParams({ seed: 0 });
  try {
    const runs = [];
    for (let run = 0; run < 2; run++) {
      using engine = new FusedEngine(data.raw.train, data.raw.test, { threads: 2 });
      engine.setParams(start);
      const accuracies = [];
      for (let pass = 0; pass < 3; pass++) {
        engine.trainEpoch(data.trainIter.order(pass), 100, 0.1);
        accuracies.push(engine.testAccuracy());
      }
      runs.push({ ...engine.params(), accuracies });
    }
    assert.deepEqual(runs[1].accuracies, runs[0].accuracies);
    assert.deepEqual(runs[1].W, runs[0].W);
    assert.deepEqual(runs[1].b, runs[0].b);
  } finally {
    tf.dispose([start.W, start.b]);
    data.dispose();
  }
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

Deno.test({
  name: "fused on two threads and autodiff agree to 4 decimals for 2 epochs on the full data",
  ignore: ignoreWithoutFullData,
  async fn() {
    const { fused, auto } = await bothEngines(2, { dir: fullDataDir, threads: 2 });
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
  assert.throws(() => new FusedEngine(ok, ok, { numOutputs: 16 }), /between 1 and 15 classes/);
  assert.throws(
    () => new FusedEngine(ok, ok, { ...opts, threads: 3 as 2 }),
    /threads must be 1 or 2, got 3/,
  );
  const engine = new FusedEngine(ok, ok, opts);
  const [W, b] = [tf.zeros([4, 2]), tf.zeros([3])];
  assert.throws(
    () => engine.setParams({ W, b }),
    /expected W of \[4, 3\] and b of \[3\], got \[4,2\]/,
  );
  tf.dispose([W, b]);
  assert.throws(() => engine.trainEpoch(new Int32Array(3), 2, 0.1), /an order of 2 examples/);
  assert.throws(() => engine.trainEpoch(new Int32Array(2), 0, 0.1), /batchSize must be/);
  assert.throws(
    () => engine.trainEpoch(Int32Array.from([0, 2]), 1, 0.1),
    /order\[1\] is 2, not an example of the 2 in the training split/,
  );
  const two = new FusedEngine(ok, ok, { ...opts, threads: 2 });
  two.close();
  assert.throws(() => two.testAccuracy(), /used after close\(\)/);
});

Deno.test("deno task train --engine fused --threads 2 writes the same outputs, naming both", async () => {
  const out = await Deno.makeTempDir();
  try {
    let text = "";
    const io = {
      out: (t: string) => (text += t),
      err: (t: string) => (text += t),
      isTerminal: false,
    };
    const args = ["--engine", "fused", "--threads", "2", "--subset", "--epochs", "2", "--out", out];
    const code = await main(args, io);
    assert.equal(code, 1, text); // 2 epochs on the subset miss the book's checks
    assert.match(text, /engine fused \(2 threads\)/);
    assert.match(text, /\(fused engine, 2 threads\)/);
    const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.equal(metrics.engine, "fused");
    assert.equal(metrics.threads, 2);
    assert.equal(metrics.epochs.length, 2);
    for (const f of ["curves.svg", "curves.png", "predictions.png", "params.safetensors"]) {
      assert.ok((await Deno.stat(`${out}/${f}`)).size > 0, f);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { createDataIter } from "../data/data_iter.ts";

function tinyData(n: number, h = 2, w = 2) {
  // Image i is filled with the value i / n, so a batch's pixels tell which examples it holds.
  const images = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) images.fill(i / n, i * h * w, (i + 1) * h * w);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return { images, labels };
}

function batchIds(X: tf.Tensor4D, n: number): number[] {
  const [b, , h, w] = X.shape;
  const values = X.dataSync();
  return Array.from({ length: b }, (_, i) => Math.round(values[i * h * w] * n));
}

Deno.test("createDataIter() keeps the last partial batch like the book (235 / 96 for 60000 / 256)", () => {
  const iter = createDataIter(new Float32Array(60000), new Int32Array(60000), {
    batchSize: 256,
    imageSize: [1, 1],
  });
  assert.equal(iter.numBatches, 235);
  let count = 0;
  let last = 0;
  for (const [X, y] of iter) {
    count++;
    last = X.shape[0];
    assert.equal(y.shape[0], X.shape[0]);
  }
  assert.equal(count, 235);
  assert.equal(last, 96);
  iter.dispose();
});

Deno.test("createDataIter() yields [batch, 1, h, w] float32 images and int32 labels in file order", () => {
  const { images, labels } = tinyData(7);
  const iter = createDataIter(images, labels, { batchSize: 3, imageSize: [2, 2] });
  const seen: number[] = [];
  for (const [X, y] of iter) {
    assert.deepEqual(X.shape.slice(1), [1, 2, 2]);
    assert.equal(X.dtype, "float32");
    assert.equal(y.dtype, "int32");
    const ids = batchIds(X, 7);
    assert.deepEqual(Array.from(y.dataSync()), ids.map((i) => i % 10));
    seen.push(...ids);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
  iter.dispose();
});

Deno.test("createDataIter() reshuffles every pass, reproducibly from the seed", () => {
  const { images, labels } = tinyData(50);
  const collect = (seed: number) => {
    const iter = createDataIter(images, labels, {
      batchSize: 8,
      shuffle: true,
      seed,
      imageSize: [2, 2],
    });
    const passes: number[][] = [];
    for (let p = 0; p < 3; p++) {
      const ids: number[] = [];
      for (const [X] of iter) ids.push(...batchIds(X, 50));
      passes.push(ids);
    }
    iter.dispose();
    return passes;
  };
  const a = collect(0);
  const b = collect(0);
  const c = collect(1);
  assert.deepEqual(a, b, "same seed, same orders");
  assert.notDeepEqual(a[0], a[1], "a new order every pass");
  assert.notDeepEqual(a[0], c[0], "another seed, another order");
  for (const pass of a) assert.deepEqual([...pass].sort((x, y) => x - y), [...Array(50).keys()]);
});

Deno.test("createDataIter() disposes each batch as the loop moves on, also on break", () => {
  const { images, labels } = tinyData(20);
  const iter = createDataIter(images, labels, { batchSize: 4, shuffle: true, imageSize: [2, 2] });
  const before = tf.memory().numTensors;
  const kept: tf.Tensor[] = [];
  for (const [X, y] of iter) kept.push(X, y);
  assert.ok(kept.every((t) => t.isDisposed));
  for (const [X] of iter) {
    kept.push(X);
    break;
  }
  assert.ok(kept.at(-1)!.isDisposed);
  assert.equal(tf.memory().numTensors, before);
  iter.dispose();
  assert.throws(() => {
    for (const _ of iter) break;
  }, /disposed/);
});

Deno.test("createDataIter() resizes batches like the book's resize option", () => {
  const { images, labels } = tinyData(5, 28, 28);
  const iter = createDataIter(images, labels, { batchSize: 2, resize: 64 });
  assert.deepEqual(iter.imageShape, [1, 64, 64]);
  for (const [X] of iter) {
    assert.deepEqual(X.shape.slice(1), [1, 64, 64]);
    // A constant image stays constant under bilinear resizing.
    const v = X.dataSync();
    assert.ok(Math.abs(v[0] - v[64 * 64 - 1]) < 1e-6);
  }
  iter.dispose();
});

Deno.test("createDataIter() rejects bad sizes with messages naming the argument", () => {
  const { images, labels } = tinyData(4);
  assert.throws(
    () => createDataIter(images, labels, { batchSize: 0, imageSize: [2, 2] }),
    /batchSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => createDataIter(images, labels, { batchSize: 2.5, imageSize: [2, 2] }),
    /batchSize must be a positive integer/,
  );
  assert.throws(
    () => createDataIter(images, labels, { batchSize: 2, imageSize: [3, 3] }),
    /images and labels disagree: 16 pixel values is not 4 labels × 3×3 pixels/,
  );
  assert.throws(
    () => createDataIter(images, labels, { batchSize: 2, imageSize: [2, 2], resize: -1 }),
    /resize height must be a positive integer/,
  );
});

Deno.test("createDataIter() over bytes yields exactly the batches of the same data as float32 pixels, on both backends", async () => {
  const n = 11;
  const bytes = Uint8Array.from({ length: n * 4 }, (_, i) => (i * 37 + 5) % 256);
  const pixels = Float32Array.from(bytes, (b) => b / 255); // what toFloatPixels computes
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const before = tf.getBackend();
  try {
    for (const backend of ["wasm", "cpu"]) {
      assert.ok(await tf.setBackend(backend), `the ${backend} backend could not start`);
      for (const shuffle of [false, true]) {
        const options = { batchSize: 4, imageSize: [2, 2] as const, shuffle, seed: 5 };
        const fromBytes = createDataIter(bytes, labels, options);
        const fromFloats = createDataIter(pixels, labels, options);
        for (let pass = 0; pass < 2; pass++) {
          // Batches are freed as the loop moves on: read each inside its loop.
          const got: number[][] = [];
          for (const [X, y] of fromBytes) got.push([...X.dataSync(), ...y.dataSync()]);
          const want: number[][] = [];
          for (const [X, y] of fromFloats) want.push([...X.dataSync(), ...y.dataSync()]);
          assert.equal(got.length, 3);
          assert.deepEqual(got, want, `${backend}, shuffle ${shuffle}, pass ${pass}`);
        }
        fromBytes.dispose();
        fromFloats.dispose();
      }
    }
  } finally {
    await tf.setBackend(before);
  }
});

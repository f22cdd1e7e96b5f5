import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS, initBackend } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { createDataIter } from "../data/data_iter.ts";

// createDataIter() reuses one staging buffer for every batch on wasm (which copies on upload)
// and uploads file-order batches straight from views of the data set. These tests check that
// no batch ever sees another batch's values, or a later change to the data set, on either
// backend.

/** Runs `fn` on `backend`, then returns to the default backend for the tests that follow. */
/** n images of 2×3 pixels, image i filled with i + 1 / (pixel + 2); label i % 7. */
function numberedData(n: number) {
  const images = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 6; p++) images[i * 6 + p] = i + 1 / (p + 2);
  }
  const labels = Int32Array.from({ length: n }, (_, i) => i % 7);
  return { images, labels };
}

const expectedBatch = (images: Float32Array, labels: Int32Array, ids: number[]) => ({
  X: ids.flatMap((i) => Array.from(images.subarray(i * 6, (i + 1) * 6))),
  y: ids.map((i) => labels[i]),
});

for (const backend of BACKENDS) {
  for (const shuffle of [true, false]) {
    Deno.test(`createDataIter() batches kept past their step hold their own values (shuffle ${shuffle}) [${backend}]`, () =>
      onBackend(backend, () => {
        // 11 examples in batches of 4: 4, 4, 3; two passes.
        const { images, labels } = numberedData(11);
        const [originalImages, originalLabels] = [images.slice(), labels.slice()];
        const iter = createDataIter(images, labels, { batchSize: 4, imageSize: [2, 3], shuffle });
        const kept: { X: tf.Tensor; y: tf.Tensor; ids: number[] }[] = [];
        for (let pass = 0; pass < 2; pass++) {
          const order = Array.from(iter.order(iter.passes));
          let start = 0;
          for (const [X, y] of iter) {
            kept.push({ X: tf.clone(X), y: tf.clone(y), ids: order.slice(start, start + 4) });
            start += X.shape[0];
          }
        }
        // Changing the data set afterwards must not reach the batches made from it.
        images.fill(-1);
        labels.fill(-1);
        for (const { X, y, ids } of kept) {
          const want = expectedBatch(originalImages, originalLabels, ids);
          assert.deepEqual(Array.from(X.dataSync()), want.X.map(Math.fround), `ids ${ids}`);
          assert.deepEqual(Array.from(y.dataSync()), want.y, `labels of ids ${ids}`);
          assert.deepEqual(X.shape, [ids.length, 1, 2, 3]);
        }
        assert.deepEqual(kept.map((k) => k.ids.length), [4, 4, 3, 4, 4, 3]);
        tf.dispose(kept.flatMap((k) => [k.X, k.y]));
        iter.dispose();
      }));
  }
}

Deno.test("createDataIter() switches buffers with the backend between batches", async () => {
  const { images, labels } = numberedData(9);
  const iter = createDataIter(images, labels, { batchSize: 3, imageSize: [2, 3], shuffle: true });
  const order = Array.from(iter.order(0));
  const kept: tf.Tensor[] = [];
  let b = 0;
  try {
    for (const [X] of iter) {
      kept.push(tf.clone(X));
      // Alternate: the next batch is made on the other backend.
      await initBackend({ backend: b++ % 2 === 0 ? "cpu" : "wasm", fallback: false });
    }
  } finally {
    await initBackend({ backend: "wasm" });
  }
  kept.forEach((X, k) => {
    const ids = order.slice(3 * k, 3 * k + 3);
    assert.deepEqual(
      Array.from(X.dataSync()),
      expectedBatch(images, labels, ids).X.map(Math.fround),
    );
  });
  tf.dispose(kept);
  iter.dispose();
});

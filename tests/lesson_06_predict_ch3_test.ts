import assert from "node:assert/strict";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import * as tf from "../lib/tf.ts";
import { createDataIter } from "../data/data_iter.ts";
import { getFashionMnistLabels, readFashionMnist, type Split } from "../data/fashion_mnist.ts";
import { showImages } from "../lib/show_images.ts";
import { createNet, initParams, type Net, type Params } from "../lessons/02_softmax.ts";
import { predictCh3 } from "../lessons/06_predict_ch3.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";

/** The first six test images of Fashion-MNIST, as the book's figure shows them. */
const FIRST_SIX = ["ankle boot", "pullover", "trouser", "trouser", "shirt", "trouser"];

/** Plain-TypeScript reference: argmax of X · W + b for image `i` of a split, in float64. */
function predictRef(split: Split, i: number, params: Params): number {
  const W = params.W.dataSync();
  const b = params.b.dataSync();
  const logits = Array.from(b);
  for (let t = 0; t < 784; t++) {
    for (let j = 0; j < 10; j++) logits[j] += split.images[i * 784 + t] * W[t * 10 + j];
  }
  return logits.indexOf(Math.max(...logits));
}

/** Decodes a PNG into its size and RGBA pixels. */
async function decode(png: Uint8Array) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  const at = (x: number, y: number) =>
    Array.from(data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
  return { width: image.width, height: image.height, data, at };
}

/** Pixels in a rectangle that are dark grey or black (title text), and their mean x. */
function darkPixels(
  img: Awaited<ReturnType<typeof decode>>,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
) {
  let count = 0;
  let sumX = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = img.at(x, y);
      if (r < 128 && Math.abs(r - g) < 8 && Math.abs(g - b) < 8) {
        count++;
        sumX += x;
      }
    }
  }
  return { count, meanX: count ? sumX / count : NaN };
}

const subset = await readFashionMnist({ subset: true });

Deno.test("predictCh3() returns the first 6 test images with true and predicted names and the book's titles", () => {
  const params = initParams({ seed: 0 });
  const net = createNet(params);
  const iter = createDataIter(subset.test.images, subset.test.labels, { batchSize: 256 });
  const p = predictCh3(net, iter);
  assert.deepEqual(p.trues, FIRST_SIX);
  assert.deepEqual(p.imageShape, [28, 28]);
  assert.equal(p.images.length, 6 * 784);
  assert.deepEqual(p.images, subset.test.images.slice(0, 6 * 784));
  const expected = getFashionMnistLabels(
    Array.from({ length: 6 }, (_, i) => predictRef(subset.test, i, params)),
  );
  assert.deepEqual(p.preds, expected);
  assert.deepEqual(p.titles, p.trues.map((t, i) => `${t}\n${p.preds[i]}`));
  iter.dispose();
  tf.dispose([params.W, params.b]);
});

Deno.test("predictCh3() takes images across batches when a batch is smaller than n", () => {
  const params = initParams({ seed: 3 });
  const net = createNet(params);
  const big = createDataIter(subset.test.images, subset.test.labels, { batchSize: 256 });
  const small = createDataIter(subset.test.images, subset.test.labels, { batchSize: 4 });
  for (const n of [1, 5, 6, 9]) {
    const a = predictCh3(net, big, n);
    const b = predictCh3(net, small, n);
    assert.deepEqual(b, a, `n = ${n}`);
    assert.equal(a.trues.length, n);
    assert.deepEqual(a.trues, getFashionMnistLabels(subset.test.labels.subarray(0, n)));
  }
  big.dispose();
  small.dispose();
  tf.dispose([params.W, params.b]);
});

Deno.test("predictCh3() closes its pass and leaks no tensors, also when it throws", () => {
  const params = initParams({ seed: 1 });
  const net = createNet(params);
  const iter = createDataIter(subset.test.images, subset.test.labels, { batchSize: 4 });
  const before = tf.memory().numTensors;
  const passes = iter.passes;
  predictCh3(net, iter);
  assert.equal(iter.passes, passes + 1);
  assert.equal(tf.memory().numTensors, before);
  const wrongRows: Net = (X) => tf.tidy(() => net(X).slice([0, 0], [1, 10]) as tf.Tensor2D);
  assert.throws(() => predictCh3(wrongRows, iter), {
    name: "RangeError",
    message: "Cannot predict: the net returned 1 rows for 4 images",
  });
  const flat = ((X: tf.Tensor) => tf.tidy(() => tf.argMax(net(X), 1))) as unknown as Net;
  assert.throws(() => predictCh3(flat, iter), {
    name: "TypeError",
    message: /expected the net to return probabilities \[batch, classes\], got shape \[4\]/,
  });
  assert.equal(tf.memory().numTensors, before);
  // The iterator still works: every failed pass was closed.
  assert.deepEqual(predictCh3(net, iter, 2).trues, FIRST_SIX.slice(0, 2));
  iter.dispose();
  tf.dispose([params.W, params.b]);
});

Deno.test("predictCh3() rejects a bad n, too few examples and classes that have no name", () => {
  const params = initParams({ seed: 1 });
  const net = createNet(params);
  const iter = createDataIter(
    subset.test.images.subarray(0, 3 * 784),
    subset.test.labels.subarray(0, 3),
    { batchSize: 2 },
  );
  for (const n of [0, -1, 2.5, NaN]) {
    assert.throws(() => predictCh3(net, iter, n), {
      name: "RangeError",
      message: `Cannot predict: n (images to show) must be a positive integer, got ${n}`,
    });
  }
  assert.throws(() => predictCh3(net, iter), {
    name: "RangeError",
    message: "Cannot predict: testIter holds 3 examples, fewer than n = 6",
  });
  // A model with 12 outputs that always answers class 11: Fashion-MNIST has no such class.
  const eleven: Net = (X) =>
    tf.tidy(() => tf.oneHot(tf.fill([X.shape[0]], 11, "int32"), 12).toFloat() as tf.Tensor2D);
  assert.throws(() => predictCh3(eleven, iter, 2), RangeError);
  iter.dispose();
  tf.dispose([params.W, params.b]);
});

Deno.test({
  name:
    "predictCh3() on the full test set shows the book's first six: ankle boot, pullover, trouser, trouser, shirt, trouser",
  ignore: ignoreWithoutFullData,
  async fn() {
    const { test } = await readFashionMnist({ dir: fullDataDir });
    const iter = createDataIter(test.images, test.labels, { batchSize: 256 });
    const params = initParams();
    const p = predictCh3(createNet(params), iter);
    assert.deepEqual(p.trues, FIRST_SIX);
    assert.deepEqual(p.images, test.images.slice(0, 6 * 784));
    assert.deepEqual(
      p.preds,
      getFashionMnistLabels(Array.from({ length: 6 }, (_, i) => predictRef(test, i, params))),
    );
    iter.dispose();
    tf.dispose([params.W, params.b]);
  },
});

Deno.test("showImages() makes a PNG of figsize × 100 dpi: 900 × 150 for the book's 1 × 6 grid", async () => {
  const p = {
    images: subset.test.images.slice(0, 6 * 784),
    titles: FIRST_SIX.map((t) => `${t}\n${t}`),
  };
  const png = showImages(p.images, 1, 6, { titles: p.titles });
  assert.deepEqual(Array.from(png.subarray(0, 8)), [
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
  ]);
  const img = await decode(png);
  assert.equal(img.width, 900);
  assert.equal(img.height, 150);
  for (
    const [rows, cols, scale, w, h] of [[2, 3, 1, 300, 200], [1, 1, 0.5, 50, 50], [
      3,
      2,
      1.5,
      300,
      450,
    ]]
  ) {
    const one = await decode(showImages(subset.test.images.slice(0, 784), rows, cols, { scale }));
    assert.deepEqual([one.width, one.height], [w, h], `${rows}×${cols} at scale ${scale}`);
  }
});

Deno.test("showImages() draws each title in its own cell's title band, centred above the image", async () => {
  const images = subset.test.images.slice(0, 6 * 784);
  const titled = await decode(
    showImages(images, 1, 6, { titles: FIRST_SIX.map((t) => `${t}\nbag`) }),
  );
  const plain = await decode(showImages(images, 1, 6));
  // Title band: two lines of 20 px plus a 6 px margin at the top of each 150 px cell.
  for (let k = 0; k < 6; k++) {
    const band = darkPixels(titled, k * 150, 0, (k + 1) * 150, 40);
    assert.ok(band.count > 40, `cell ${k}: only ${band.count} text pixels`);
    assert.ok(
      Math.abs(band.meanX - (k * 150 + 75)) < 12,
      `cell ${k}: text centred at ${band.meanX}`,
    );
    assert.equal(
      darkPixels(plain, k * 150, 0, (k + 1) * 150, 40).count,
      0,
      `cell ${k} without titles`,
    );
  }
  // The images move down to make room, and stay inside their cells.
  assert.deepEqual(plain.at(75, 20), [0x44, 0x01, 0x54, 255], "untitled image starts near the top");
  // With titles: a 46 px band, then the 6 px margin; the image (92 px square) starts at y = 52.
  assert.deepEqual(titled.at(75, 51), [255, 255, 255, 255]);
  assert.deepEqual(titled.at(75, 52), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(titled.at(75, 143), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(titled.at(75, 144), [255, 255, 255, 255]);
});

Deno.test("showImages() colours like imshow: per-image min–max scaling, viridis by default, gray on request", async () => {
  // One 2×2 image: 0.2, 0.4 on top, 0.3, NaN below. Min 0.2 → colormap bottom, max 0.4 → top.
  const image = Float32Array.from([0.2, 0.4, 0.3, NaN]);
  const vir = await decode(showImages(image, 1, 1, { imageShape: [2, 2], scale: 1 }));
  const gray = await decode(
    showImages(image, 1, 1, { imageShape: [2, 2], scale: 1, cmap: "gray" }),
  );
  // 100 px cell, 4 px margin: a 92 × 92 image at (4, 4); each source pixel is 46 × 46.
  const centres = [[27, 27], [73, 27], [27, 73], [73, 73]] as const;
  assert.deepEqual(centres.map(([x, y]) => vir.at(x, y)), [
    [0x44, 0x01, 0x54, 255], // 0.2: viridis(0)
    [0xfd, 0xe7, 0x25, 255], // 0.4: viridis(1)
    [0x21, 0x91, 0x8c, 255], // 0.3: viridis(0.5), entry 128
    [255, 255, 255, 255], // NaN: left white
  ]);
  assert.deepEqual(centres.map(([x, y]) => gray.at(x, y)), [
    [0, 0, 0, 255],
    [255, 255, 255, 255],
    [128, 128, 128, 255],
    [255, 255, 255, 255],
  ]);
  assert.deepEqual(vir.at(1, 1), [255, 255, 255, 255], "margin is white");
  // Nearest-neighbour enlargement: hard edges between source pixels.
  assert.deepEqual(vir.at(49, 27), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(vir.at(50, 27), [0xfd, 0xe7, 0x25, 255]);
});

Deno.test("showImages() takes tensors [h, w], [n, h, w] and [n, 1, h, w] like the flat array", () => {
  const flat = subset.test.images.slice(0, 2 * 784);
  const expected = showImages(flat, 1, 2);
  const t4 = tf.tensor4d(flat, [2, 1, 28, 28]);
  const t3 = tf.tensor3d(flat, [2, 28, 28]);
  const before = tf.memory().numTensors;
  assert.deepEqual(showImages(t4, 1, 2), expected);
  assert.deepEqual(showImages(t3, 1, 2), expected);
  assert.equal(tf.memory().numTensors, before, "no tensors made");
  const t2 = tf.tensor2d(flat.subarray(0, 784), [28, 28]);
  assert.deepEqual(showImages(t2, 1, 1), showImages(flat.subarray(0, 784), 1, 1));
  assert.deepEqual(showImages(flat, 1, 2), expected, "deterministic");
  tf.dispose([t4, t3, t2]);
});

Deno.test("showImages() leaves cells without an image white and handles non-28×28 images", async () => {
  const images = new Float32Array(3 * 5 * 7).map((_, i) => i % 7);
  const img = await decode(showImages(images, 2, 2, { imageShape: [5, 7], scale: 1 }));
  assert.deepEqual([img.width, img.height], [200, 200]);
  for (let y = 100; y < 200; y += 7) {
    for (let x = 100; x < 200; x += 7) assert.deepEqual(img.at(x, y), [255, 255, 255, 255]);
  }
  // A 5×7 image keeps its aspect ratio: 92 px wide and 65 px tall, from the top margin down.
  assert.notDeepEqual(img.at(50, 10), [255, 255, 255, 255]);
  assert.deepEqual(img.at(50, 80), [255, 255, 255, 255]);
});

Deno.test("showImages() rejects bad grids, counts, titles, shapes, scales and colormaps with clear messages", () => {
  const six = subset.test.images.slice(0, 6 * 784);
  assert.throws(() => showImages(six, 0, 6), {
    name: "RangeError",
    message: "Cannot show images: numRows must be a positive integer, got 0",
  });
  assert.throws(() => showImages(six, 1, 2.5), /numCols must be a positive integer, got 2.5/);
  assert.throws(() => showImages(six, 1, 5), {
    name: "RangeError",
    message:
      "Cannot show images: 6 images do not fit a 1×5 grid; make the grid bigger or pass fewer images",
  });
  assert.throws(() => showImages(six, 1, 6, { titles: FIRST_SIX.slice(0, 5) }), {
    name: "RangeError",
    message:
      "Cannot show images: expected one title per image (6), got 5; slice the titles like the images",
  });
  assert.throws(
    () => showImages(six.subarray(0, 700), 1, 6),
    /700 pixel values are not a whole number of 28×28 images; pass imageShape/,
  );
  assert.throws(
    () => showImages(six, 1, 6, { imageShape: [0, 28] }),
    /imageShape height must be a positive integer, got 0/,
  );
  assert.throws(
    () => showImages(six, 1, 6, { scale: 0 }),
    /scale \(inches per image\) must be a number > 0, got 0/,
  );
  assert.throws(
    () => showImages(six, 1, 6, { scale: 30 }),
    /would be 18000×3000 pixels, above the 16384-pixel limit/,
  );
  assert.throws(() => showImages(six, 1, 6, { cmap: "jet" as "gray" }), {
    name: "TypeError",
    message: 'Cannot show images: cmap must be "viridis" or "gray", got "jet"',
  });
  const rgb = tf.zeros([2, 3, 28, 28]);
  assert.throws(() => showImages(rgb, 1, 2), {
    name: "TypeError",
    message:
      "Cannot show images: expected a tensor [h, w], [n, h, w] or [n, 1, h, w], got shape [2, 3, 28, 28]",
  });
  assert.throws(
    () => showImages([0.5] as unknown as Float32Array, 1, 1),
    /expected a Float32Array or a tensor, got object/,
  );
  rgb.dispose();
});

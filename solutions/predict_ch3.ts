/**
 * Re-implementation of lesson 6's `predictCh3` (solution): classify the first test images and
 * name the true and predicted classes.
 *
 * The book takes the first batch of the test iterator, predicts each image's class as the
 * argmax of the model's probabilities, and turns both the labels and the predictions into
 * names (`get_fashion_mnist_labels`) for the titles `"true\npredicted"`, which puts the
 * mistakes in plain view under each image.
 *
 * Two differences from the book's loop, both about not assuming more than the iterator
 * promises:
 * - only the first `n` images go through the model, not the whole batch;
 * - when a batch holds fewer than `n` images, the following batches are used; leaving the
 *   `for … of` loop early (`break`) closes the pass, and the iterator frees its batch.
 *
 * The pixels are copied out (`dataSync`) so the caller can draw them after the batch tensors
 * are gone; everything else stays inside `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * import { predictCh3 } from "./predict_ch3.ts";
 * const images = new Float32Array(20);
 * images[9] = 1; // image 0 looks like class 9 (ankle boot)
 * images[12] = 1; // image 1 looks like class 2 (pullover)
 * const iter = createDataIter(images, Int32Array.from([9, 1]), { batchSize: 2, imageSize: [1, 10] });
 * const net = (X: tf.Tensor) => tf.tidy(() => tf.reshape(X, [-1, 10]) as tf.Tensor2D);
 * const p = predictCh3(net, iter, 2);
 * if (p.titles.join("|") !== "ankle boot\nankle boot|trouser\npullover") throw new Error("unexpected: p.titles.join(\"|\") !== \"ankle boot\\nankle boot|trouser\\npullover\"");
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import type { Net } from "../lessons/02_softmax.ts";
import { getFashionMnistLabels } from "../data/fashion_mnist.ts";

/** The first `n` test images with what they are and what the model says they are. */
export interface Prediction {
  /** The `n` images, `n × h × w` pixels, row-major. */
  images: Float32Array;
  /** `[h, w]` of each image. */
  imageShape: [number, number];
  /** The true class names. */
  trues: string[];
  /** The predicted class names. */
  preds: string[];
  /** `"true\npredicted"` per image. */
  titles: string[];
}

/**
 * Predicts the first `n` images of `testIter` and names the true and predicted classes (the
 * book's `predict_ch3`, without the drawing).
 *
 * @example See the module example.
 * ```ts
 * import { predictCh3 } from "./predict_ch3.ts";
 * if (typeof predictCh3 !== "function") throw new Error("unexpected: typeof predictCh3 !== \"function\"");
 * ```
 *
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, 10]`.
 * @param testIter the test batches, in file order.
 * @param n how many images, a positive integer. Default `6`, as the book.
 * @returns the images, their shape, the true and predicted names and the titles.
 * @throws {RangeError} when `n` is not a positive integer or the iterator holds fewer than
 *   `n` examples.
 */
export function predictCh3(net: Net, testIter: DataIter, n = 6): Prediction {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Cannot predict: n must be a positive integer, got ${n}`);
  }
  const chunks: Float32Array[] = []; // the pixels of the images taken from each batch
  const trueLabels: number[] = [];
  const predLabels: number[] = [];
  let imageShape: [number, number] = [0, 0];
  for (const [X, y] of testIter) {
    const [, , h, w] = X.shape; // [batch, 1, h, w]
    imageShape = [h, w];
    const take = Math.min(n - trueLabels.length, X.shape[0]);
    tf.tidy(() => {
      const first = tf.slice(X, [0, 0, 0, 0], [take, 1, h, w]); // only the images we show
      chunks.push(first.dataSync() as Float32Array);
      predLabels.push(...tf.argMax(net(first), 1).dataSync()); // [take] predicted classes
      trueLabels.push(...tf.slice(y, [0], [take]).dataSync());
    });
    if (trueLabels.length === n) break;
  }
  if (trueLabels.length < n) {
    throw new RangeError(
      `Cannot predict: testIter holds ${trueLabels.length} examples, fewer than n = ${n}`,
    );
  }
  const trues = getFashionMnistLabels(trueLabels);
  const preds = getFashionMnistLabels(predLabels);
  const images = new Float32Array(chunks.reduce((size, c) => size + c.length, 0));
  chunks.reduce((offset, c) => (images.set(c, offset), offset + c.length), 0);
  return {
    images,
    imageShape,
    trues,
    preds,
    titles: trues.map((t, i) => `${t}\n${preds[i]}`),
  };
}

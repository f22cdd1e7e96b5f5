// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 6's `predictCh3`: classify the first test images and name the
 * true and predicted classes.
 *
 * Write {@linkcode predictCh3}: take the first `n` images of `testIter` (default 6, as the
 * book), predict each one's class as the argmax of `net`'s probabilities, and name both the
 * labels and the predictions with `getFashionMnistLabels` (imported below: 0 → "t-shirt", …,
 * 9 → "ankle boot"). Return the images' pixels (copied out, so they survive the batch), their
 * `[h, w]`, the two lists of names, and the titles `"true\npredicted"`.
 *
 * Only the `n` images need to go through the model. If the first batch holds fewer than `n`,
 * continue with the next ones; leave the loop with `break` once you have `n` (the iterator
 * then frees its batch). If the iterator has fewer than `n` examples, throw a `RangeError`
 * that says how many there are and how many were asked for.
 *
 * `deno task check predict_ch3` checks your work; `solutions/predict_ch3.ts` is the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";
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
 * Predicts the first `n` images of `testIter` and names the true and predicted classes.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
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
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, 10]`.
 * @param testIter the test batches, in file order.
 * @param n how many images, a positive integer. Default `6`, as the book.
 * @returns the images, their shape, the true and predicted names and the titles.
 */
export function predictCh3(net: Net, testIter: DataIter, n = 6): Prediction {
  // TODO: the first n test images with their true and predicted class names and titles,
  // reading only the batches you need.
  return todo("predictCh3");
}

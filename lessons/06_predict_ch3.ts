/**
 * Lesson 6: using the trained model to classify images.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch", §3.6.7 "Prediction".
 *
 * With training done (lesson 5), the model can label images it has never seen. The book takes
 * the first batch of the test iterator, predicts each image's class as the argmax of its
 * probabilities,
 *
 * $$
 * \hat{y}_i = \operatorname{argmax}_j \mathrm{net}(\mathbf{X})_{ij}
 * $$
 *
 * turns both the true labels and the predictions into names with
 * `get_fashion_mnist_labels` (t-shirt, trouser, pullover, dress, coat, sandal, shirt,
 * sneaker, bag, ankle boot), and shows the first `n = 6` images with the title
 * `"true\npredicted"`: the real class on the first line, the model's guess below, so the
 * mistakes stand out. On the real test set the first six are an ankle boot, a pullover, three
 * trousers and a shirt. A model trained as in lesson 5 (10 epochs, lr 0.1, batch 256) gets all
 * six right, as the book's run below shows.
 *
 * Here the two halves are separate: {@linkcode predictCh3} computes the first `n` test images
 * with their labels, predictions and titles, and `showImages` (`lib/show_images.ts`) draws
 * them as the book's figure, returning a PNG.
 *
 * ## The book's run
 *
 * Train as lesson 5 does, then show the first six test images with their true and predicted
 * names:
 *
 * ```ts ignore
 * import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
 * import { showImages } from "../lib/show_images.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * import { sgdUpdater, trainCh3 } from "./05_train_ch3.ts";
 * const { trainIter, testIter } = await loadDataFashionMnist(256);
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * await trainCh3(net, trainIter, testIter, crossEntropy, 10, sgdUpdater([params.W, params.b], 0.1));
 * const shown = predictCh3(net, testIter, 6);
 * showImages(shown.images, 1, 6, { titles: shown.titles, imageShape: shown.imageShape });
 * if (shown.trues.join() !== shown.preds.join()) throw new Error(`a mistake: ${shown.titles}`);
 * shown.titles; // the values a notebook prints
 * ```
 *
 * @example The book's figure, from the committed subset of the test set
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
 * import { showImages } from "../lib/show_images.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * const { testIter, dispose } = await loadDataFashionMnist(256, { subset: true });
 * const params = initParams(); // train it first (lesson 5) for sensible predictions
 * const p = predictCh3(createNet(params), testIter);
 * if (p.trues.join() !== "ankle boot,pullover,trouser,trouser,shirt,trouser") {
 *   throw new Error(p.trues.join());
 * }
 * if (p.titles[0] !== `ankle boot\n${p.preds[0]}`) throw new Error(p.titles[0]);
 * const png = showImages(p.images, 1, 6, { titles: p.titles, imageShape: p.imageShape });
 * if (png.length < 1000) throw new Error("PNG too small");
 * tf.dispose([params.W, params.b]);
 * dispose();
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import type { DataIter } from "../data/data_iter.ts";
import { getFashionMnistLabels } from "../data/fashion_mnist.ts";
import type { Net } from "./02_softmax.ts";

/** The first `n` test images with what they are and what the model says they are. */
export interface Prediction {
  /** The `n` images, `n × h × w` pixels in [0, 1], row-major (ready for `showImages`). */
  images: Float32Array;
  /** `[h, w]` of each image: `[28, 28]` for Fashion-MNIST. */
  imageShape: [number, number];
  /** The true class names, e.g. `"ankle boot"`. */
  trues: string[];
  /** The predicted class names (argmax of the model's probabilities). */
  preds: string[];
  /** `"true\npredicted"` per image, the book's titles. */
  titles: string[];
}

/**
 * Predicts the first `n` images of `testIter` and names the true and predicted classes (the
 * book's `predict_ch3`, without the drawing).
 *
 * The test iterator keeps file order, so these are the test set's first `n` images. Only the
 * `n` needed images go through the model; when a batch holds fewer than `n`, the next batches
 * are used. Intermediate tensors are freed; the iterator's pass is closed when done.
 *
 * @example Names and titles from a tiny labelled iterator
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createDataIter } from "../data/data_iter.ts";
 * // Two 1×10 "images" whose brightest pixel is the class; the "model" reads the pixels.
 * const images = new Float32Array(20);
 * images[9] = 1; // image 0 looks like class 9 (ankle boot)
 * images[10 + 2] = 1; // image 1 looks like class 2 (pullover)
 * const labels = Int32Array.from([9, 1]); // but image 1 is a trouser
 * const iter = createDataIter(images, labels, { batchSize: 1, imageSize: [1, 10] });
 * const net = (X: tf.Tensor) => tf.tidy(() => tf.reshape(X, [-1, 10]) as tf.Tensor2D);
 * const p = predictCh3(net, iter, 2);
 * if (p.titles.join("|") !== "ankle boot\nankle boot|trouser\npullover") throw new Error("unexpected: p.titles.join(\"|\") !== \"ankle boot\\nankle boot|trouser\\npullover\"");
 * if (p.imageShape.join() !== "1,10" || p.images.length !== 20) throw new Error("unexpected: p.imageShape.join() !== \"1,10\" || p.images.length !== 20");
 * iter.dispose();
 * ```
 *
 * @param net the model: images `[batch, 1, h, w]` → probabilities `[batch, 10]`.
 * @param testIter the test batches, in file order.
 * @param n how many images, a positive integer. Default `6`, as the book.
 * @returns the images, their shape, true and predicted names, and titles.
 * @throws {RangeError} when `n` is not a positive integer, the iterator holds fewer than `n`
 *   examples, the model returns the wrong number of rows, or a class is not one of the ten
 *   Fashion-MNIST classes.
 * @throws {TypeError} when the model does not return a `[batch, classes]` tensor.
 */
export function predictCh3(net: Net, testIter: DataIter, n = 6): Prediction {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Cannot predict: n (images to show) must be a positive integer, got ${n}`);
  }
  let images: Float32Array | undefined;
  let imageShape: [number, number] = [0, 0];
  const trueLabels: number[] = [];
  const predLabels: number[] = [];
  for (const [X, y] of testIter) {
    const [, , h, w] = X.shape; // [batch, 1, h, w]
    if (images === undefined) {
      imageShape = [h, w];
      images = new Float32Array(n * h * w);
    }
    const have = trueLabels.length;
    const take = Math.min(n - have, X.shape[0]);
    const [pixels, predicted, labels] = tf.tidy(() => {
      const Xs = tf.slice(X, [0, 0, 0, 0], [take, 1, h, w]); // [take, 1, h, w]
      const yHat = net(Xs);
      if (!(yHat instanceof tf.Tensor) || yHat.rank !== 2) {
        throw new TypeError(
          `Cannot predict: expected the net to return probabilities [batch, classes], got ${
            yHat instanceof tf.Tensor ? `shape [${yHat.shape.join(", ")}]` : typeof yHat
          }`,
        );
      }
      if (yHat.shape[0] !== take) {
        throw new RangeError(
          `Cannot predict: the net returned ${yHat.shape[0]} rows for ${take} images`,
        );
      }
      return [
        Xs.dataSync() as Float32Array,
        tf.argMax(yHat, 1).dataSync() as Int32Array, // [take] predicted classes
        tf.slice(y, [0], [take]).dataSync() as Int32Array,
      ] as const;
    });
    images.set(pixels, have * h * w);
    trueLabels.push(...labels);
    predLabels.push(...predicted);
    if (trueLabels.length === n) break; // closes the pass and frees the batch
  }
  if (images === undefined || trueLabels.length < n) {
    throw new RangeError(
      `Cannot predict: testIter holds ${trueLabels.length} examples, fewer than n = ${n}`,
    );
  }
  const trues = getFashionMnistLabels(trueLabels);
  const preds = getFashionMnistLabels(predLabels);
  return {
    images,
    imageShape,
    trues,
    preds,
    titles: trues.map((t, i) => `${t}\n${preds[i]}`),
  };
}

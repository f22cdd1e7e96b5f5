/**
 * Mini-batch iterators over an in-memory image data set: the `DataLoader` of the book.
 *
 * Each batch is a `[batch, 1, height, width]` float32 tensor (the book's NCHW layout with one
 * channel) and a `[batch]` int32 label tensor. The data set stays in JavaScript typed arrays,
 * float32 pixels in [0, 1] or the files' bytes (0–255, divided by 255 as each batch is made:
 * the same float32 values, in a quarter of the memory); each batch's rows are copied into one
 * buffer and uploaded with a single `tf.tensor4d`. That
 * is the fast path in tfjs 4.22: on wasm, `tf.slice` of a batch out of a backend-resident
 * `[60000, 1, 28, 28]` tensor copies the *whole* tensor, and `tf.gather` is orders of magnitude
 * slower than copying 256 rows in JavaScript and uploading them.
 * With one channel, NCHW and NHWC hold the same bytes, which is how `resize` reuses
 * `tf.image.resizeBilinear`.
 *
 * The buffer the rows are copied into depends on the backend. The wasm backend copies an
 * array into its own memory when a tensor is made from it, so each iterator reuses one
 * staging buffer for all its batches (and a file-order batch is uploaded straight from a view
 * of the data set): no 800 KB allocation per batch, which made a pass over the training set
 * several times slower. The cpu backend keeps the very array it is given, so there every batch gets
 * a fresh copy; a shared buffer would be overwritten under the batches already made.
 *
 * Iterating is like iterating a PyTorch `DataLoader`: every `for … of` is one pass (epoch).
 * A shuffled iterator draws a fresh order for each pass from `(seed, pass number)`, so the
 * same seed replays the same sequence of orders and different passes differ. The last,
 * partial batch is kept (`drop_last=False`): 60000 examples in batches of 256 give 235
 * batches, the last of 96.
 *
 * **Batch ownership.** The iterator owns the tensors it yields and disposes of each batch when
 * the loop moves on or ends (also on `break`). Wrap per-batch work in `tf.tidy` and, to keep a
 * batch beyond its step, `tf.clone` it.
 *
 * @example Batches of a tiny data set
 * ```ts
 * import { createDataIter } from "./data_iter.ts";
 * const images = new Float32Array(5 * 4); // five 2×2 images
 * const labels = Int32Array.from([0, 1, 2, 3, 4]);
 * const iter = createDataIter(images, labels, { batchSize: 2, imageSize: [2, 2] });
 * const sizes = [];
 * for (const [X, y] of iter) sizes.push([X.shape.join("x"), y.shape[0]]);
 * if (JSON.stringify(sizes) !== '[["2x1x2x2",2],["2x1x2x2",2],["1x1x2x2",1]]') {
 *   throw new Error(JSON.stringify(sizes));
 * }
 * iter.dispose();
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { mixSeed, permutation } from "../lib/random.ts";

/** One mini-batch: images `[batch, 1, height, width]` in [0, 1] and int32 labels `[batch]`. */
export type Batch = [X: tf.Tensor4D, y: tf.Tensor1D];

/** A re-iterable source of mini-batches, one pass per `for … of`. */
export interface DataIter extends Iterable<Batch> {
  /** Examples in one pass. */
  readonly numExamples: number;
  /** Examples per batch (the last batch may hold fewer). */
  readonly batchSize: number;
  /** Batches in one pass: `ceil(numExamples / batchSize)`. */
  readonly numBatches: number;
  /** The shape of one image as yielded: `[1, height, width]`. */
  readonly imageShape: readonly [1, number, number];
  /** Whether each pass draws a new order. */
  readonly shuffle: boolean;
  /** Passes started so far; the next pass uses order number `passes`. */
  readonly passes: number;
  /** The example order that pass `pass` uses (file order when not shuffled). */
  order(pass: number): Int32Array;
  /** Ends the iterator's life: iterating afterwards throws. (Batches are freed as they go.) */
  dispose(): void;
}

/** Options for {@linkcode createDataIter}. */
export interface DataIterOptions {
  /** Examples per batch, a positive integer. */
  batchSize: number;
  /** `[height, width]` of the stored images. Default `[28, 28]`. */
  imageSize?: readonly [number, number];
  /** Reshuffle on every pass. Default `false` (file order). */
  shuffle?: boolean;
  /** Seed of the shuffle. Default `0`. */
  seed?: number;
  /** Resize each batch to `[height, width]` (bilinear), like the book's `resize`. */
  resize?: number | readonly [number, number];
}

/**
 * Whether the active backend copies a typed array into its own memory when a tensor is made
 * from it, so the array can be reused at once (wasm). The cpu backend keeps the array itself.
 */
function uploadCopies(): boolean {
  return tf.getBackend() === "wasm";
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Copies `length` pixel values of `src` from `start` into `dst` at `at`, as float32 in [0, 1]:
 * float32 pixels as they are, bytes divided by 255 (what `toFloatPixels` computes).
 */
function copyPixels(
  dst: Float32Array,
  at: number,
  src: Float32Array | Uint8Array,
  start: number,
  length: number,
): void {
  if (src instanceof Float32Array) {
    dst.set(src.subarray(start, start + length), at);
    return;
  }
  for (let j = 0; j < length; j++) dst[at + j] = src[start + j] / 255;
}

/**
 * Creates a {@linkcode DataIter} over images (row-major, one per `height*width` values: float32
 * pixels in [0, 1], or bytes 0–255 that each batch divides by 255) and their labels.
 *
 * @example Bytes give the same batches as float32 pixels
 * ```ts
 * import { createDataIter } from "./data_iter.ts";
 * const bytes = Uint8Array.from([0, 51, 255, 128]); // two 1×2 images
 * const labels = Int32Array.from([3, 7]);
 * const iter = createDataIter(bytes, labels, { batchSize: 2, imageSize: [1, 2] });
 * for (const [X] of iter) {
 *   const values = [...X.dataSync()];
 *   const expected = [0, 0.2, 1, 128 / 255].map(Math.fround);
 *   if (values.join() !== expected.join()) throw new Error(`${values} is not ${expected}`);
 * }
 * iter.dispose();
 * ```
 *
 * @example Shuffled passes differ but replay from the seed
 * ```ts
 * import { createDataIter } from "./data_iter.ts";
 * const labels = Int32Array.from({ length: 10 }, (_, i) => i);
 * const opts = { batchSize: 4, imageSize: [1, 1] as const, shuffle: true, seed: 3 };
 * const a = createDataIter(new Float32Array(10), labels, opts);
 * const b = createDataIter(new Float32Array(10), labels, opts);
 * if (a.order(0).join() !== b.order(0).join()) throw new Error("not reproducible");
 * if (a.order(0).join() === a.order(1).join()) throw new Error("same order twice");
 * a.dispose();
 * b.dispose();
 * ```
 * @throws {RangeError} for a bad batch size, image size or resize, or mismatched lengths.
 */
export function createDataIter(
  images: Float32Array | Uint8Array,
  labels: Int32Array,
  options: DataIterOptions,
): DataIter {
  const { batchSize, imageSize = [28, 28], shuffle = false, seed = 0 } = options;
  checkPositiveInt("batchSize", batchSize);
  const [height, width] = imageSize;
  checkPositiveInt("imageSize height", height);
  checkPositiveInt("imageSize width", width);
  const n = labels.length;
  if (images.length !== n * height * width) {
    throw new RangeError(
      `images and labels disagree: ${images.length} pixel values is not ${n} labels × ` +
        `${height}×${width} pixels`,
    );
  }
  let resize: [number, number] | undefined;
  if (options.resize !== undefined) {
    resize = typeof options.resize === "number"
      ? [options.resize, options.resize]
      : [options.resize[0], options.resize[1]];
    checkPositiveInt("resize height", resize[0]);
    checkPositiveInt("resize width", resize[1]);
  }
  const outShape: [1, number, number] = resize ? [1, resize[0], resize[1]] : [1, height, width];

  const pixels = height * width;
  let disposed = false;
  let passes = 0;
  // Reused for every batch when the backend copies on upload (see the module doc).
  let stagingImages: Float32Array | undefined;
  let stagingLabels: Int32Array | undefined;

  const order = (pass: number): Int32Array => {
    if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return permutation(n, mixSeed(seed, pass));
  };

  /** Copies the examples `idx[start..end)` into fresh batch tensors. */
  const makeBatch = (idx: Int32Array, start: number, end: number): Batch => {
    const size = end - start;
    const reuse = uploadCopies();
    let xs: Float32Array;
    let ys: Int32Array;
    if (shuffle) {
      if (reuse) {
        stagingImages ??= new Float32Array(batchSize * pixels);
        stagingLabels ??= new Int32Array(batchSize);
        xs = stagingImages.subarray(0, size * pixels);
        ys = stagingLabels.subarray(0, size);
      } else {
        xs = new Float32Array(size * pixels);
        ys = new Int32Array(size);
      }
      for (let k = 0; k < size; k++) {
        const i = idx[start + k];
        copyPixels(xs, k * pixels, images, i * pixels, pixels);
        ys[k] = labels[i];
      }
    } else if (reuse && images instanceof Float32Array) {
      // File order: one contiguous run, uploaded (copied) straight from the data set.
      xs = images.subarray(start * pixels, end * pixels);
      ys = labels.subarray(start, end);
    } else if (reuse) {
      // File order from bytes: converted into the staging buffer.
      stagingImages ??= new Float32Array(batchSize * pixels);
      xs = stagingImages.subarray(0, size * pixels);
      copyPixels(xs, 0, images, start * pixels, size * pixels);
      ys = labels.subarray(start, end);
    } else {
      // Copied, because the cpu backend keeps the array it is given: a view would let a
      // batch's values alias (and overwrite) the data set.
      xs = new Float32Array(size * pixels);
      copyPixels(xs, 0, images, start * pixels, size * pixels);
      ys = labels.slice(start, end);
    }
    return tf.tidy(() => {
      let X = tf.tensor4d(xs, [size, 1, height, width], "float32");
      if (resize) {
        // NCHW with C = 1 has NHWC's memory layout.
        const nhwc = tf.reshape(X, [size, height, width, 1]) as tf.Tensor4D;
        const resized = tf.image.resizeBilinear(nhwc, resize);
        X = tf.reshape(resized, [size, 1, resize[0], resize[1]]);
      }
      return [X, tf.tensor1d(ys, "int32")] as Batch;
    });
  };

  function* iterate(pass: number): Generator<Batch> {
    const idx = order(pass);
    let current: Batch | undefined;
    try {
      for (let start = 0; start < n; start += batchSize) {
        if (current) tf.dispose(current);
        current = makeBatch(idx, start, Math.min(start + batchSize, n));
        yield current;
      }
    } finally {
      if (current) tf.dispose(current);
    }
  }

  return {
    numExamples: n,
    batchSize,
    numBatches: Math.ceil(n / batchSize),
    imageShape: outShape,
    shuffle,
    get passes() {
      return passes;
    },
    order,
    [Symbol.iterator]() {
      if (disposed) {
        throw new Error("This DataIter was disposed; load the data again to iterate.");
      }
      return iterate(passes++);
    },
    dispose() {
      disposed = true;
    },
  };
}

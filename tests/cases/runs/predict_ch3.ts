/**
 * The run half of `predict_ch3`'s cases (lesson 6): the inputs and the calls, nothing that
 * judges them (that is `../predict_ch3.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { createDataIter, type DataIter } from "../../../data/data_iter.ts";
import { loadDataFashionMnist } from "../../../data/fashion_mnist.ts";
import { createNet, initParams } from "../../../lessons/02_softmax.ts";
import type { Plain, Runs } from "../case.ts";
import { captureError, countLeaks } from "./helpers.ts";

type Impl = typeof import("../../../exercises/predict_ch3.ts");

/**
 * Eight 1×10 "images": image i has its brightest pixel at PREDICTED[i] (the net reads the
 * pixels as class probabilities) and true label LABELS[i].
 */
export const PREDICTED = [9, 2, 1, 1, 6, 1, 4, 6];
/** See {@linkcode PREDICTED}. */
export const LABELS = [9, 1, 1, 1, 6, 1, 4, 0];
/** The eight images' pixels, row-major, float32-exact. */
export const PIXELS: number[] = PREDICTED.flatMap((p) =>
  Array.from({ length: 10 }, (_, j) => Math.fround(j === p ? 0.9 : j / 100))
);
/** The `initParams` seed of the model the subset case predicts with. */
export const SUBSET_SEED = 0;

/** The eight images in batches of `batchSize`, `copies` times over (file order). */
function iterOf(batchSize: number, copies = 1) {
  const repeat = <T>(values: T[]) => Array.from({ length: copies }, () => values).flat();
  return createDataIter(Float32Array.from(repeat(PIXELS)), Int32Array.from(repeat(LABELS)), {
    batchSize,
    imageSize: [1, 10],
  });
}

const pixelNet = (X: tf.Tensor) => tf.tidy(() => tf.reshape(X, [-1, 10]) as tf.Tensor2D);

/** A value as plain data if it is a string, number, boolean or null; otherwise null. */
function scalar(value: unknown): Plain {
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" ? value as Plain : null;
}

/** An array's entries as plain scalars ({@linkcode scalar}), or null for a non-array. */
function scalars(value: unknown): Plain[] | null {
  return Array.isArray(value) ? value.map(scalar) : null;
}

/** Plain form of a prediction (the images as a plain array). */
function plainPrediction(p: unknown): Plain {
  const pred = p as Record<string, unknown> | null | undefined;
  const images = pred?.images;
  return {
    images: images instanceof Float32Array ? Array.from(images) : scalars(images),
    imageShape: scalars(pred?.imageShape),
    trues: scalars(pred?.trues),
    preds: scalars(pred?.preds),
    titles: scalars(pred?.titles),
  };
}

/**
 * `iter` as the learner's code sees it, counting the batches it takes (`read()`): a loop that
 * does not break once it has its images reads the whole split.
 */
function counting(iter: DataIter): { iter: DataIter; read: () => number } {
  let read = 0;
  const counted = new Proxy(iter, {
    get(target, key) {
      if (key === Symbol.iterator) {
        return () => {
          const batches = target[Symbol.iterator]();
          return {
            next: () => {
              const step = batches.next();
              if (!step.done) read++;
              return step;
            },
            return: (value?: unknown) => batches.return?.(value) ?? { done: true, value },
            [Symbol.iterator]() {
              return this;
            },
          };
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { iter: counted, read: () => read };
}

function predictOut(impl: Impl, batchSize: number, n?: number): Plain {
  const iter = iterOf(batchSize);
  try {
    return plainPrediction(
      n === undefined ? impl.predictCh3(pixelNet, iter) : impl.predictCh3(pixelNet, iter, n),
    );
  } finally {
    iter.dispose();
  }
}

/** The runs, by id. */
export const runs: Runs<Impl> = {
  names: (impl) => predictOut(impl, 8, 4),
  defaultSix: (impl) => predictOut(impl, 8),
  // Eight batches of 2, of which the first 3 hold the 5 images.
  crossBatches: (impl) => {
    const { iter, read } = counting(iterOf(2, 2));
    try {
      return { prediction: plainPrediction(impl.predictCh3(pixelNet, iter, 5)), batches: read() };
    } finally {
      iter.dispose();
    }
  },
  images: (impl) => predictOut(impl, 2, 3),
  subsetFirstSix: async (impl) => {
    const data = await loadDataFashionMnist(256, { subset: true });
    const params = initParams({ seed: SUBSET_SEED });
    try {
      return plainPrediction(impl.predictCh3(createNet(params), data.testIter));
    } finally {
      tf.dispose([params.W, params.b]);
      data.dispose();
    }
  },
  tooMany: (impl) => {
    const iter = iterOf(4);
    try {
      return captureError(() => impl.predictCh3(pixelNet, iter, 9));
    } finally {
      iter.dispose();
    }
  },
  leaks: (impl) => {
    const iter = iterOf(2);
    try {
      return countLeaks(() => {
        impl.predictCh3(pixelNet, iter, 5);
      });
    } finally {
      iter.dispose();
    }
  },
};

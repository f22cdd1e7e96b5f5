/**
 * Cases for `exercises/predict_ch3.ts` (lesson 6's `predictCh3`): names and titles on a
 * synthetic iterator, the default of six, crossing batches, the images returned, the first
 * six of the committed subset, errors and leaks.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Kit, Plain } from "./case.ts";
import {
  captureError,
  countLeaks,
  expectNoLeak,
  expectNumbers,
  expectStrings,
  expectThrew,
  fail,
  field,
} from "./helpers.ts";

type Impl = typeof import("../../exercises/predict_ch3.ts");

/**
 * Eight 1×10 "images": image i has its brightest pixel at PREDICTED[i] (the net reads the
 * pixels as class probabilities) and true label LABELS[i].
 */
const PREDICTED = [9, 2, 1, 1, 6, 1, 4, 6];
const LABELS = [9, 1, 1, 1, 6, 1, 4, 0];

function pixels(): Float32Array {
  const data = new Float32Array(PREDICTED.length * 10);
  PREDICTED.forEach((p, i) => {
    for (let j = 0; j < 10; j++) data[i * 10 + j] = j === p ? 0.9 : j / 100;
  });
  return data;
}

function iterOf(kit: Kit, batchSize: number) {
  return kit.createDataIter(pixels(), Int32Array.from(LABELS), { batchSize, imageSize: [1, 10] });
}

const pixelNet = (X: tf.Tensor) => tf.tidy(() => tf.reshape(X, [-1, 10]) as tf.Tensor2D);

/** Plain form of a prediction (the images as a plain array). */
function plainPrediction(p: unknown): Plain {
  const pred = p as Record<string, unknown>;
  const images = pred?.images;
  return {
    images: images instanceof Float32Array || Array.isArray(images)
      ? Array.from(images as ArrayLike<number>)
      : null,
    imageShape: Array.isArray(pred?.imageShape) ? (pred.imageShape as number[]) : null,
    trues: Array.isArray(pred?.trues) ? (pred.trues as string[]) : null,
    preds: Array.isArray(pred?.preds) ? (pred.preds as string[]) : null,
    titles: Array.isArray(pred?.titles) ? (pred.titles as string[]) : null,
  };
}

function run(impl: Impl, kit: Kit, batchSize: number, n?: number): Plain {
  const iter = iterOf(kit, batchSize);
  try {
    return plainPrediction(
      n === undefined ? impl.predictCh3(pixelNet, iter) : impl.predictCh3(pixelNet, iter, n),
    );
  } finally {
    iter.dispose();
  }
}

function checkNames(output: unknown, kit: Kit, n: number): void {
  const trues = expectStrings(field(output, "trues", "predictCh3()"), "trues", n);
  const preds = expectStrings(field(output, "preds", "predictCh3()"), "preds", n);
  const titles = expectStrings(field(output, "titles", "predictCh3()"), "titles", n);
  const expectedTrues = kit.getFashionMnistLabels(LABELS.slice(0, n));
  const expectedPreds = kit.getFashionMnistLabels(PREDICTED.slice(0, n));
  if (trues.join() !== expectedTrues.join()) {
    fail(`trues: expected [${expectedTrues.join(", ")}], got [${trues.join(", ")}]`);
  }
  if (preds.join() !== expectedPreds.join()) {
    fail(`preds: expected [${expectedPreds.join(", ")}], got [${preds.join(", ")}]`);
  }
  titles.forEach((title, i) => {
    const expected = `${expectedTrues[i]}\n${expectedPreds[i]}`;
    if (title !== expected) {
      fail(`titles[${i}]: expected ${JSON.stringify(expected)}, got ${JSON.stringify(title)}`);
    }
  });
}

const cases: Case<Impl>[] = [
  {
    name: 'predictCh3() names the true and predicted classes and titles them "true\\npredicted"',
    points: 2,
    hint: "A title is the true label's name, a line break, then the predicted name; " +
      "getFashionMnistLabels turns class ids into names.",
    run: (impl, kit) => run(impl, kit, 8, 4),
    check: (output, kit) => checkNames(output, kit, 4),
  },
  {
    name: "predictCh3() shows six images by default, as the book",
    points: 1,
    hint: "Give n a default value of 6.",
    run: (impl, kit) => run(impl, kit, 8),
    check: (output, kit) => checkNames(output, kit, 6),
  },
  {
    name: "predictCh3() continues into the next batches when one holds fewer than n images",
    points: 1,
    hint: "With batches of 2 and n = 5, take 2 + 2 + 1 images, then break out of the loop.",
    run: (impl, kit) => run(impl, kit, 2, 5),
    check: (output, kit) => checkNames(output, kit, 5),
  },
  {
    name: "predictCh3() returns the first n images' pixels and their [h, w]",
    points: 1,
    hint:
      "Copy the pixels out of the batch (dataSync) into an n × h × w array; imageShape is [h, w].",
    run: (impl, kit) => run(impl, kit, 2, 3),
    check: (output) => {
      const images = expectNumbers(field(output, "images", "predictCh3()"), "images", 30);
      const shape = expectNumbers(field(output, "imageShape", "predictCh3()"), "imageShape", 2);
      if (shape.join() !== "1,10") fail(`imageShape: expected [1, 10], got [${shape.join(", ")}]`);
      assertClose(images, Array.from(pixels().subarray(0, 30)), { msg: "the first 3 images" });
    },
  },
  {
    name:
      "predictCh3() on the subset's test split names the book's first six: ankle boot, pullover, trouser, trouser, shirt, trouser",
    points: 1,
    hint: "The test iterator is in file order: its first six images are the test set's first six.",
    run: async (impl, kit) => {
      const data = await kit.loadDataFashionMnist(256, { subset: true });
      const params = kit.initParams({ seed: 0 });
      try {
        return plainPrediction(impl.predictCh3(kit.createNet(params), data.testIter));
      } finally {
        tf.dispose([params.W, params.b]);
        data.dispose();
      }
    },
    check: async (output, kit) => {
      const trues = expectStrings(field(output, "trues", "predictCh3()"), "trues", 6);
      const preds = expectStrings(field(output, "preds", "predictCh3()"), "preds", 6);
      const book = "ankle boot,pullover,trouser,trouser,shirt,trouser";
      if (trues.join() !== book) fail(`trues: expected ${book}, got ${trues.join()}`);
      const data = await kit.loadDataFashionMnist(256, { subset: true });
      const params = kit.initParams({ seed: 0 });
      try {
        const expected = kit.predictCh3(kit.createNet(params), data.testIter);
        if (preds.join() !== expected.preds.join()) {
          fail(`preds: expected ${expected.preds.join()}, got ${preds.join()}`);
        }
      } finally {
        tf.dispose([params.W, params.b]);
        data.dispose();
      }
    },
  },
  {
    name: "predictCh3() rejects n larger than the data with a RangeError naming n",
    points: 1,
    hint:
      "After the loop, if fewer than n examples were seen, throw a RangeError saying how many there were.",
    run: (impl, kit) => {
      const iter = iterOf(kit, 4);
      try {
        return captureError(() => impl.predictCh3(pixelNet, iter, 9));
      } finally {
        iter.dispose();
      }
    },
    check: (output) =>
      expectThrew(output, "predictCh3(net, 8 examples, 9)", {
        names: ["RangeError"],
        mentions: ["9", "8"],
      }),
  },
  {
    name: "predictCh3() leaves no tensors behind",
    points: 1,
    hint: "Slices, predictions and argmax are intermediates: tf.tidy around each batch's work.",
    run: (impl, kit) => {
      const iter = iterOf(kit, 2);
      try {
        return countLeaks(() => {
          impl.predictCh3(pixelNet, iter, 5);
        });
      } finally {
        iter.dispose();
      }
    },
    check: (output) => expectNoLeak(output, "predictCh3()"),
  },
];

/** Lesson 6 re-implemented: predictCh3's picking of labels. */
export const predictCh3: Exercise<Impl> = {
  id: "predict_ch3",
  title: "Lesson 6: predictCh3, naming the predictions",
  file: "predict_ch3.ts",
  exports: ["predictCh3"],
  cases,
};

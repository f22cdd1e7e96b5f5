/**
 * Cases for `exercises/predict_ch3.ts` (lesson 6's `predictCh3`): names and titles on a
 * synthetic iterator, the default of six, crossing batches, the images returned, the first
 * six of the committed subset, errors and leaks. The runs are in `runs/predict_ch3.ts`.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import { getFashionMnistLabels, loadDataFashionMnist } from "../../data/fashion_mnist.ts";
import { createNet, initParams } from "../../lessons/02_softmax.ts";
import { predictCh3 as lessonPredictCh3 } from "../../lessons/06_predict_ch3.ts";
import type { Case, Exercise } from "./case.ts";
import {
  expectNoLeak,
  expectNumber,
  expectNumbers,
  expectStrings,
  expectThrew,
  fail,
  field,
  once,
} from "./helpers.ts";
import { LABELS, PIXELS, PREDICTED, runs, SUBSET_SEED } from "./runs/predict_ch3.ts";

type Impl = typeof import("../../exercises/predict_ch3.ts");

/** The predicted names, `n` of them; ten for another `n` is said to be argMax's axis. */
function expectPreds(output: unknown, n: number): string[] {
  const preds = field(output, "preds", "predictCh3()");
  if (Array.isArray(preds) && preds.length === 10 && n !== 10) {
    fail(
      `preds: expected ${n} names, got 10, one per class: what tf.argMax(yHat) gives without ` +
        "an axis (axis 0, the best example of each class); take each row's: tf.argMax(yHat, 1)",
    );
  }
  return expectStrings(preds, "preds", n);
}

function checkNames(output: unknown, n: number): void {
  const trues = expectStrings(field(output, "trues", "predictCh3()"), "trues", n);
  const preds = expectPreds(output, n);
  const titles = expectStrings(field(output, "titles", "predictCh3()"), "titles", n);
  const expectedTrues = getFashionMnistLabels(LABELS.slice(0, n));
  const expectedPreds = getFashionMnistLabels(PREDICTED.slice(0, n));
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

/** The lesson's first six predictions on the subset's test split (once). */
const subsetPredictions = once(async () => {
  const data = await loadDataFashionMnist(256, { subset: true });
  const params = initParams({ seed: SUBSET_SEED });
  try {
    return lessonPredictCh3(createNet(params), data.testIter).preds;
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
});

const cases: Case[] = [
  {
    name: 'predictCh3() names the true and predicted classes and titles them "true\\npredicted"',
    points: 2,
    hint: "A title is the true label's name, a line break, then the predicted name; " +
      "getFashionMnistLabels turns class ids into names.",
    run: "names",
    check: (output) => checkNames(output, 4),
  },
  {
    name: "predictCh3() shows six images by default, as the book",
    points: 1,
    hint: "Give n a default value of 6.",
    run: "defaultSix",
    check: (output) => checkNames(output, 6),
  },
  {
    name:
      "predictCh3() continues into the next batches when one holds fewer than n images, and stops there",
    points: 1,
    hint: "With batches of 2 and n = 5, take 2 + 2 + 1 images, then break out of the loop.",
    run: "crossBatches",
    check: (output) => {
      checkNames(field(output, "prediction", "crossBatches"), 5);
      // Eight batches of 2 for n = 5: the first three hold the images. A loop that tests for
      // n at its top takes a fourth before it breaks, which costs nothing: allowed.
      const batches = expectNumber(field(output, "batches", "crossBatches"), "batches read");
      if (batches > 4) {
        fail(
          `predictCh3(n = 5) took ${batches} batches of 2 from the iterator, where the first 3 ` +
            "hold the 5 images: it read on after it had them",
        );
      }
    },
  },
  {
    name: "predictCh3() returns the first n images' pixels and their [h, w]",
    points: 1,
    hint:
      "Copy the pixels out of the batch (dataSync) into an n × h × w array; imageShape is [h, w].",
    run: "images",
    check: (output) => {
      const images = expectNumbers(field(output, "images", "predictCh3()"), "images", 30);
      const shape = expectNumbers(field(output, "imageShape", "predictCh3()"), "imageShape", 2);
      if (shape.join() !== "1,10") fail(`imageShape: expected [1, 10], got [${shape.join(", ")}]`);
      assertClose(images, PIXELS.slice(0, 30), { msg: "the first 3 images" });
    },
  },
  {
    name:
      "predictCh3() on the subset's test split names the book's first six: ankle boot, pullover, trouser, trouser, shirt, trouser",
    points: 1,
    hint: "The test iterator is in file order: its first six images are the test set's first six.",
    run: "subsetFirstSix",
    check: async (output) => {
      const trues = expectStrings(field(output, "trues", "predictCh3()"), "trues", 6);
      const preds = expectPreds(output, 6);
      const book = "ankle boot,pullover,trouser,trouser,shirt,trouser";
      if (trues.join() !== book) fail(`trues: expected ${book}, got ${trues.join()}`);
      const expected = await subsetPredictions();
      if (preds.join() !== expected.join()) {
        fail(`preds: expected ${expected.join()}, got ${preds.join()}`);
      }
    },
  },
  {
    name: "predictCh3() rejects n larger than the data with a RangeError naming n",
    points: 1,
    hint:
      "After the loop, if fewer than n examples were seen, throw a RangeError saying how many there were.",
    run: "tooMany",
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
    run: "leaks",
    check: (output) => expectNoLeak(output, "predictCh3()"),
  },
];

/** Lesson 6 re-implemented: predictCh3's picking of labels. */
export const predictCh3: Exercise<Impl> = {
  id: "predict_ch3",
  title: "Lesson 6: predictCh3, naming the predictions",
  file: "predict_ch3.ts",
  exports: ["predictCh3"],
  lesson: "lessons/06_predict_ch3.ts",
  runModule: import.meta.resolve("./runs/predict_ch3.ts"),
  runs,
  cases,
  references: [subsetPredictions],
};

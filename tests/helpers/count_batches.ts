/**
 * The "done means" script: import `loadDataFashionMnist` from `mod.ts`, load
 * Fashion-MNIST the book's way and count the batches.
 *
 * `deno run -A tests/helpers/count_batches.ts` prints one JSON line, e.g.
 * `{"train":235,"test":40,"lastTrain":96,"lastTest":16,"source":{"kind":"debian",…}}`.
 *
 * @module
 */
import { loadDataFashionMnist } from "../../mod.ts";

const data = await loadDataFashionMnist(256);
const count = (iter: Iterable<[{ shape: number[] }, unknown]>) => {
  let batches = 0;
  let last = 0;
  for (const [X] of iter) {
    batches++;
    last = X.shape[0];
  }
  return [batches, last];
};
const [train, lastTrain] = count(data.trainIter);
const [test, lastTest] = count(data.testIter);
data.dispose();
console.log(JSON.stringify({ train, test, lastTrain, lastTest, source: data.source }));

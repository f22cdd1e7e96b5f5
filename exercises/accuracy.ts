// deno-lint-ignore-file no-unused-vars -- the stubs do not use their arguments yet
/**
 * Re-implementation of lesson 4's `accuracy`: the number of correct predictions in a batch.
 *
 * Write {@linkcode accuracy}: the prediction for each row of a probability matrix is its
 * argmax; count the predictions equal to the labels and return the **count** (a JavaScript
 * number), not the fraction. The book's example: `yHat = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]`,
 * `y = [0, 2]` gives 1, so `accuracy(yHat, y) / 2 = 0.5`.
 *
 * Also as in the book: when `yHat` is a vector (or a single column) it already holds predicted
 * labels. (The book casts the predictions to `y`'s dtype before comparing, as labels may be
 * float32; `tf.equal` brings the two to a common dtype itself, so here the cast is optional.)
 * Ties go to the first class (what `tf.argMax` does). Check your arguments: mismatched batch
 * sizes, and a label that is no class (not an integer in `[0, classes)`; with predicted labels,
 * not a whole number `>= 0`), are a `RangeError` naming the problem, as in lesson 4: counted as
 * a wrong prediction it would silently lower the accuracy.
 *
 * `deno task check accuracy` checks your work; `solutions/accuracy.ts` is the answer.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { todo } from "../lib/todo.ts";

/**
 * The number of correct predictions in a batch.
 *
 * @example What a finished version gives (not run here: it throws until you write it)
 * ```ts ignore
 * import * as tf from "../lib/tf.ts";
 * import { accuracy } from "./accuracy.ts";
 * const y = tf.tensor1d([0, 2], "int32");
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * if (accuracy(yHat, y) !== 1) throw new Error("unexpected: accuracy(yHat, y) !== 1");
 * ```
 *
 * @param yHat probabilities `[batch, classes]`, or predicted labels `[batch]` / `[batch, 1]`.
 * @param y labels `[batch]`.
 * @returns the count of correct predictions, an integer in `[0, batch]`.
 */
export function accuracy(yHat: tf.Tensor, y: tf.Tensor1D): number {
  // TODO: count the examples whose prediction (see above) equals their label, and return
  // the count as a plain number. Check that the batch sizes match.
  return todo("accuracy");
}

/**
 * Lesson 7: the gradient by hand — what autodiff finds for softmax regression, in one line.
 *
 * *Dive into Deep Learning*, §3.4.6.2 "Softmax and its derivative", the result behind §3.6.6's
 * training: lesson 5 lets `tf.variableGrads` differentiate the loss, and this lesson writes the
 * same gradient down.
 *
 * ## The derivative of the loss with respect to the logits
 *
 * For one example with logits $\mathbf{o}$ (the model's scores before the softmax) and a
 * one-hot label $\mathbf{y}$, the loss of lessons 2 and 3 is
 *
 * $$
 * l(\mathbf{y}, \hat{\mathbf{y}}) = -\sum_j y_j \log \frac{\exp(o_j)}{\sum_k \exp(o_k)}
 *   = \log \sum_k \exp(o_k) - \sum_j y_j o_j ,
 * $$
 *
 * and its derivative with respect to any logit $o_j$ is
 *
 * $$
 * \partial_{o_j} l(\mathbf{y}, \hat{\mathbf{y}})
 *   = \frac{\exp(o_j)}{\sum_k \exp(o_k)} - y_j = \mathrm{softmax}(\mathbf{o})_j - y_j ,
 * $$
 *
 * the difference between the probability the model gave class $j$ and what happened. A
 * confident right answer has a gradient near 0; a confident wrong one pulls its logit down by
 * almost 1 and the true class's up by almost 1. {@linkcode logitGradient} computes it for a
 * batch: $\hat{\mathbf{Y}} - \mathbf{Y}$, one row per example.
 *
 * ## The gradient of the parameters
 *
 * The logits of a batch are $\mathbf{O} = \mathbf{X}\mathbf{W} + \mathbf{b}$, so by the chain
 * rule the gradient of the batch's mean loss $L$ is
 *
 * $$
 * \partial_{\mathbf{W}} L = \frac{1}{n} \mathbf{X}^\top (\hat{\mathbf{Y}} - \mathbf{Y}),
 * \qquad
 * \partial_{\mathbf{b}} L = \frac{1}{n} \sum_{i=1}^{n} (\hat{\mathbf{y}}^{(i)} - \mathbf{y}^{(i)}) :
 * $$
 *
 * each pixel's weight for class $j$ moves by how bright that pixel was in the examples the
 * model got wrong for class $j$. {@linkcode gradByHand} computes both. Lesson 5's SGD step is
 * $\mathbf{W} \leftarrow \mathbf{W} - \eta \partial_{\mathbf{W}} L$ with them (it sums the
 * losses and divides by the batch size, the same thing).
 *
 * ## Why write it by hand
 *
 * Autodiff keeps a tape of the forward pass's operations and runs each one's gradient
 * backwards: every training step runs dozens of small kernels (the example below counts them),
 * and each kernel costs a fixed amount of bookkeeping however little it computes. The
 * gradient by hand needs only a few: two matrix products, the softmax, a subtraction and a
 * sum. Going one step further, a single fused kernel can do the whole step, example by
 * example, without building any intermediate tensor; the README's benchmarks compare the
 * engines. The book teaches autodiff because it works for any model; the hand gradient is
 * what it finds for this one.
 *
 * @example The gradient by hand is what autodiff finds, on a real batch
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const { trainIter, dispose } = await loadDataFashionMnist(256, { subset: true });
 * const [X, y] = trainIter[Symbol.iterator]().next().value!; // 256 images and their labels
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * const auto = tf.variableGrads(() => tf.mean(crossEntropy(net(X), y)), [params.W, params.b]);
 * const hand = gradByHand(params, X, y);
 * assertClose(hand.dW, auto.grads[params.W.name], { atol: 1e-6 });
 * assertClose(hand.db, auto.grads[params.b.name], { atol: 1e-6 });
 * ```
 *
 * @example What a step costs in kernels
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { createNet, initParams } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * const X = tf.randomUniform([8, 1, 28, 28], 0, 1, "float32", 1);
 * const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
 * const kernels = async (f: () => unknown) => (await tf.profile(() => void f())).kernels.length;
 * const byAutodiff = await kernels(() =>
 *   tf.variableGrads(() => tf.sum(crossEntropy(net(X), y)), [params.W, params.b])
 * );
 * const byHand = await kernels(() => gradByHand(params, X, y));
 * if (!(byHand < byAutodiff / 2)) throw new Error(`by hand ${byHand}, by autodiff ${byAutodiff}`);
 * [byHand, byAutodiff]; // the values a notebook prints
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";
import { type Params, softmax } from "./02_softmax.ts";
import { checkLabels } from "./03_cross_entropy.ts";

/**
 * The gradient of each example's cross-entropy with respect to its logits,
 * `softmax(o) − onehot(y)`, given the predicted probabilities `yHat = softmax(o)`: one row per
 * example, `yHat` with 1 subtracted at the true class.
 *
 * @example The book's two examples
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const yHat = tf.tensor2d([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]);
 * const G = logitGradient(yHat, tf.tensor1d([0, 2], "int32"));
 * assertClose(G, [[-0.9, 0.3, 0.6], [0.3, 0.2, -0.5]], { atol: 1e-7 });
 * G; // the value a notebook prints
 * ```
 *
 * @example It is autodiff's gradient of the loss through the softmax
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { softmax } from "./02_softmax.ts";
 * import { crossEntropy } from "./03_cross_entropy.ts";
 * const O = tf.tensor2d([[1, 2, 3], [0.5, -1, 2]]);
 * const y = tf.tensor1d([2, 0], "int32");
 * const auto = tf.grad((o) => tf.sum(crossEntropy(softmax(o as tf.Tensor2D), y)))(O);
 * assertClose(logitGradient(softmax(O), y), auto, { atol: 1e-6 });
 * ```
 *
 * @param yHat predicted probabilities `[batch, classes]`, float32.
 * @param y labels `[batch]`, integers in `[0, classes)`.
 * @returns `[batch, classes]`, float32; each row sums to 0 when `yHat`'s rows sum to 1.
 * @throws {TypeError} for a wrong rank or dtype.
 * @throws {RangeError} for mismatched batch sizes, or a label outside `[0, classes)`.
 */
export function logitGradient(yHat: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor2D {
  const labels = checkLabels("logitGradient", yHat, y);
  const [batch, classes] = yHat.shape;
  // [batch, classes]: 1 exactly at (i, y[i]), the one-hot matrix of the labels.
  const oneHot = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) oneHot[i * classes + labels[i]] = 1;
  return tf.tidy(() => tf.sub(yHat, tf.tensor2d(oneHot, [batch, classes])));
}

/** The gradients of the batch's mean loss, as {@linkcode gradByHand} returns them. */
export interface Gradients {
  /** `[numInputs, numOutputs]`, like `W`. */
  dW: tf.Tensor2D;
  /** `[numOutputs]`, like `b`. */
  db: tf.Tensor1D;
}

/**
 * The gradient of the batch's mean cross-entropy with respect to `W` and `b`, by hand:
 * `dW = Xᵀ(Ŷ − Y) / n` and `db = Σ_i (ŷ_i − y_i) / n`, with `Ŷ = softmax(XW + b)` (lesson 2's
 * model, so the same numbers autodiff gives for it). The parameters are only read.
 *
 * @example One example, two inputs, two classes, worked by hand
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const params = { W: tf.variable(tf.zeros<tf.Rank.R2>([2, 2])), b: tf.variable(tf.zeros<tf.Rank.R1>([2])) };
 * // W = 0: both classes get probability 1/2; the label is class 1.
 * const { dW, db } = gradByHand(params, tf.tensor2d([[3, 4]]), tf.tensor1d([1], "int32"));
 * assertClose(db, [0.5, -0.5]); // ŷ − y
 * assertClose(dW, [[1.5, -1.5], [2, -2]]); // xᵀ(ŷ − y)
 * ```
 *
 * @param params `W` `[numInputs, numOutputs]` and `b` `[numOutputs]` (lesson 2's).
 * @param X a batch `[n, …]` of `numInputs` values per example (images `[n, 1, 28, 28]`).
 * @param y labels `[n]`, integers in `[0, numOutputs)`.
 * @returns `dW` and `db`, new tensors (the caller disposes them).
 * @throws {TypeError} when `X` is not a tensor whose examples hold `numInputs` values.
 * @throws {RangeError} for mismatched batch sizes, or a label outside `[0, numOutputs)`.
 */
export function gradByHand(params: Params, X: tf.Tensor, y: tf.Tensor1D): Gradients {
  const [numInputs] = params.W.shape;
  if (!(X instanceof tf.Tensor) || X.rank < 1 || X.size !== X.shape[0] * numInputs) {
    throw new TypeError(
      `Cannot compute gradByHand: expected X to be a batch [n, …] of ${numInputs} values per ` +
        `example (W has ${numInputs} rows), got ${describeValue(X)}`,
    );
  }
  const n = X.shape[0];
  return tf.tidy(() => {
    const flat = tf.reshape(X, [n, numInputs]) as tf.Tensor2D; // [n, numInputs]
    const yHat = softmax(tf.add(tf.matMul(flat, params.W), params.b) as tf.Tensor2D); // [n, q]
    const G = logitGradient(yHat, y); // [n, q]; checks y against yHat
    return {
      dW: tf.div(tf.matMul(flat, G, true, false), n) as tf.Tensor2D, // Xᵀ G / n: [numInputs, q]
      db: tf.div(tf.sum(G, 0), n) as tf.Tensor1D, // [q]
    };
  });
}

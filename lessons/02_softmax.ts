/**
 * Lesson 2: the softmax operation, the model's parameters, and the model itself.
 *
 * *Dive into Deep Learning*, §3.6 "Softmax regression from scratch": §3.6.1 "Initializing
 * model parameters", §3.6.2 "Defining the softmax operation" and §3.6.3 "Defining the model".
 *
 * ## Parameters (§3.6.1)
 *
 * Each Fashion-MNIST image is 28 × 28 pixels; the model flattens it into a vector of
 * `28 * 28 = 784` inputs and ignores where the pixels were. There are 10 classes, so the
 * weights form a `[784, 10]` matrix `W` and the biases a `[10]` vector `b`:
 *
 * ```text
 * W ~ N(0, 0.01)   (mean 0, standard deviation 0.01)        shape [784, 10]
 * b = 0                                                      shape [10]
 * ```
 *
 * Both are `tf.Variable`s so that training (lesson 5) can update them in place.
 *
 * ## Softmax (§3.6.2)
 *
 * Softmax turns each row of arbitrary real scores ("logits") into a probability distribution:
 *
 * $$
 * \mathrm{softmax}(\mathbf{X})_{ij} = \frac{\exp(X_{ij})}{\sum_k \exp(X_{ik})}
 * $$
 *
 * in three steps: exponentiate every entry (now all positive); sum each row with keepdim
 * (lesson 1) to get its normalisation constant (also called the partition function); divide
 * each row by its constant, by broadcasting the `[batch, 1]` column over the row. Every entry
 * of the result is non-negative and every row sums to 1.
 *
 * **This is the book's naive version, kept naive on purpose.** It does nothing against very
 * large or very small arguments: in float32, `exp(x)` overflows to `Infinity` above about
 * 88.72, so a row holding a logit of 100 becomes `Infinity / Infinity = NaN`; and when every
 * entry of a row is below about -104, every `exp` underflows to 0 and the row becomes
 * `0 / 0 = NaN` (`exp(-103.3)` is already float32's smallest positive value, 1.4e-45). Even
 * before that, below about -87.3, `exp` lands among float32's subnormal numbers, which keep
 * only a few significant bits: `softmax([[-100, -101, -102]])` comes out as about
 * `[0.659, 0.244, 0.098]` instead of `[0.665, 0.245, 0.090]`. And a row can fail while every
 * `exp` is finite: its *sum* overflows once it passes float32's largest value, about 3.4e38, so
 * `softmax([[88, 88, 88, 88]])` divides four finite numbers by `Infinity` and returns a row of
 * zeros, not of quarters (a row `[x, x]` breaks above about 88.03). The usual fix, subtracting
 * each row's maximum first (which leaves the result unchanged mathematically), is the subject
 * of the exercises (`exercises/`, `solutions/`).
 *
 * ## The model (§3.6.3)
 *
 * $$
 * \mathrm{net}(\mathbf{X}) = \mathrm{softmax}(\mathrm{reshape}(\mathbf{X}, [-1, 784])\mathbf{W} + \mathbf{b})
 * $$
 *
 * A batch of images `[batch, 1, 28, 28]` is flattened to `[batch, 784]`, multiplied by
 * `W` (`[batch, 10]`), shifted by `b` (broadcast over the batch) and turned into one
 * probability distribution over the 10 classes per image.
 *
 * @example The model on a batch of two images
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * const X = tf.randomUniform([2, 1, 28, 28], 0, 1, "float32", 1); // two "images"
 * const yHat = net(X); // [2, 10]
 * assertClose(tf.sum(yHat, 1), [1, 1], { atol: 1e-5 });
 * tf.dispose([X, yHat, params.W, params.b]);
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";
import { mixSeed } from "../lib/random.ts";

/**
 * The book's naive softmax, row by row: `exp(X_ij) / sum_k exp(X_ik)`.
 *
 * Naive on purpose (no max shift): a logit above about 88.72 overflows `exp` and turns its
 * row into `NaN`, as does a row whose entries are all below about -104 (every `exp` is 0); a
 * row whose `exp`s are finite but sum past float32's largest value comes out all zeros. A
 * `NaN` anywhere in a row makes the whole row `NaN`; other rows are unaffected. An empty batch
 * `[0, k]` gives an empty `[0, k]` result.
 *
 * @example The book's check on a seeded N(0, 1) input of shape [2, 5]
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const X = tf.randomNormal([2, 5], 0, 1, "float32", 42) as tf.Tensor2D;
 * const XProb = softmax(X);
 * if (tf.min(XProb).dataSync()[0] < 0) throw new Error("a negative probability");
 * assertClose(tf.sum(XProb, 1), [1, 1], { atol: 1e-6 });
 * [XProb, tf.sum(XProb, 1)]; // the values a notebook prints
 * ```
 *
 * @example Small hand-checked rows
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const e = Math.E;
 * assertClose(
 *   softmax(tf.tensor2d([[0, 0], [0, 1]])),
 *   [[0.5, 0.5], [1 / (1 + e), e / (1 + e)]],
 *   { atol: 1e-6 },
 * );
 * ```
 *
 * @example The naive version's overflow, kept as in the book
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * // exp(100) is Infinity in float32, so the row is Infinity / Infinity.
 * assertClose(softmax(tf.tensor2d([[100, 0, 0], [1, 1, 1]])), [[NaN, 0, 0], [1 / 3, 1 / 3, 1 / 3]]);
 * // exp(88) ≈ 1.65e38 is finite, but four of them sum to Infinity: every entry is 0.
 * assertClose(softmax(tf.tensor2d([[88, 88, 88, 88]])), [[0, 0, 0, 0]]);
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns probabilities `[batch, classes]`: non-negative, each row summing to 1 (up to
 *   float32 rounding) when every `exp` and the row's sum are finite, normal float32 numbers;
 *   `NaN` in a row where an `exp` overflows or all underflow, zeros where the sum overflows.
 * @throws {TypeError} when `X` is not a rank-2 float32 tensor.
 */
export function softmax(X: tf.Tensor2D): tf.Tensor2D {
  if (!(X instanceof tf.Tensor) || X.rank !== 2) {
    const found = X instanceof tf.Tensor ? `shape [${X.shape.join(", ")}]` : describeValue(X);
    throw new TypeError(
      `Cannot compute softmax: expected a rank-2 tensor [batch, classes], got ${found}`,
    );
  }
  if (X.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute softmax: expected a float32 tensor, got ${X.dtype}; ` +
        `convert it with tf.cast(X, "float32")`,
    );
  }
  return tf.tidy(() => {
    const XExp = tf.exp(X); // [batch, classes], every entry > 0 (or Infinity / 0)
    const partition = tf.sum(XExp, 1, true); // [batch, 1]: keepdim, so it broadcasts per row
    return tf.div(XExp, partition);
  });
}

/** The parameters of softmax regression. */
export interface Params {
  /** Weights `[numInputs, numOutputs]` (the book's `[784, 10]`). */
  W: tf.Variable<tf.Rank.R2>;
  /** Biases `[numOutputs]` (the book's `[10]`). */
  b: tf.Variable<tf.Rank.R1>;
}

/** Options for {@linkcode initParams}; the defaults are the book's. */
export interface InitOptions {
  /** Inputs per example: pixels per image. Default `784` (28 × 28). */
  numInputs?: number;
  /** Outputs: one per class. Default `10`. */
  numOutputs?: number;
  /** Standard deviation of the normal distribution `W` is drawn from. Default `0.01`. */
  sigma?: number;
  /** Seed of `W`'s draw: the same seed gives the same `W` on every backend. Default `0`. */
  seed?: number;
}

/**
 * Creates the model's parameters as the book does: `W ~ N(0, sigma)` of shape
 * `[numInputs, numOutputs]` drawn from `seed`, and `b = 0` of shape `[numOutputs]`.
 *
 * The caller owns the two variables: `tf.dispose([params.W, params.b])` when done.
 *
 * A trap this avoids: `tf.randomNormal(..., seed)` treats a seed of `0` as "no seed" and
 * draws a different `W` every run. The seed is therefore mixed into a non-zero 32-bit value
 * (`mixSeed` in `lib/random.ts`) before it reaches tfjs, so `seed: 0` is reproducible too.
 *
 * @example The book's shapes, reproducible from a seed
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const a = initParams(); // seed 0
 * const b = initParams({ seed: 0 });
 * if (a.W.shape.join() !== "784,10" || a.b.shape.join() !== "10") throw new Error("shapes");
 * assertClose(a.W, b.W); // same seed, same W
 * assertClose(a.b, tf.zeros([10]));
 * tf.dispose([a.W, a.b, b.W, b.b]);
 * ```
 *
 * @example Small sizes, and sigma is the standard deviation
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * const p = initParams({ numInputs: 400, numOutputs: 50, sigma: 2, seed: 3 });
 * const sd = tf.moments(p.W).variance.sqrt().arraySync() as number;
 * if (p.W.shape.join() !== "400,50" || Math.abs(sd - 2) > 0.1) throw new Error(`sd ${sd}`);
 * tf.dispose([p.W, p.b]);
 * ```
 *
 * @throws {RangeError} when a size is not a positive integer, `sigma` is negative or not
 *   finite, or `seed` is not finite.
 */
export function initParams(options: InitOptions = {}): Params {
  const { numInputs = 784, numOutputs = 10, sigma = 0.01, seed = 0 } = options;
  for (const [name, value] of [["numInputs", numInputs], ["numOutputs", numOutputs]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(
        `Cannot initialise the parameters: ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  if (!Number.isFinite(sigma) || sigma < 0) {
    throw new RangeError(
      `Cannot initialise the parameters: sigma (a standard deviation) must be a finite number ` +
        `>= 0, got ${sigma}`,
    );
  }
  if (!Number.isFinite(seed)) {
    throw new RangeError(
      `Cannot initialise the parameters: seed must be a finite number, got ${seed}`,
    );
  }
  // tfjs ignores a falsy seed (0) and then seeds from Math.random(): never pass it 0.
  const tfSeed = mixSeed(seed) || 1;
  const W = tf.tidy(() => tf.randomNormal([numInputs, numOutputs], 0, sigma, "float32", tfSeed));
  const b = tf.zeros([numOutputs], "float32") as tf.Tensor1D;
  const params: Params = {
    W: tf.variable(W as tf.Tensor2D, true),
    b: tf.variable(b, true),
  };
  tf.dispose([W, b]); // tf.variable copied them
  return params;
}

/**
 * The model: maps a batch of images (`[batch, 1, 28, 28]`) or of flat vectors
 * (`[batch, 784]`) to class probabilities `[batch, 10]`.
 */
export type Net = (X: tf.Tensor) => tf.Tensor2D;

/**
 * Builds the book's `net(X) = softmax(reshape(X, [-1, W.shape[0]]) · W + b)` over `params`.
 *
 * The returned function reads the variables each time it is called, so it sees every update
 * training makes to `params`. Intermediate tensors are freed (`tf.tidy`); the caller owns
 * the result. It is differentiable with respect to `W` and `b`.
 *
 * Unlike a bare `reshape(X, [-1, 784])`, which would silently turn a batch of two
 * 392-pixel images into one 784-pixel "image", `net` checks that each example has exactly
 * `W.shape[0]` values.
 *
 * @example Probabilities for a batch, differentiable in W
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const params = initParams({ numInputs: 4, numOutputs: 3, seed: 1 });
 * const net = createNet(params);
 * const X = tf.tensor4d([1, 0, 0, 1, 0, 1, 1, 0], [2, 1, 2, 2]); // two 2×2 images
 * const yHat = net(X);
 * assertClose(tf.sum(yHat, 1), [1, 1], { atol: 1e-6 });
 * // Gradients reach the variables, as training needs:
 * const { value, grads } = tf.variableGrads(() => tf.sum(tf.log(net(X).slice([0, 0], [2, 1]))));
 * if (grads[params.W.name].shape.join() !== "4,3") throw new Error("gradient shape");
 * if (grads[params.b.name].abs().sum().arraySync() === 0) throw new Error("no gradient for b");
 * tf.dispose([X, yHat, value, params.W, params.b, ...Object.values(grads)]);
 * ```
 *
 * @example With all-zero weights every class is equally likely
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * const params = initParams({ sigma: 0 });
 * const yHat = createNet(params)(tf.ones([3, 784]));
 * assertClose(yHat, tf.fill([3, 10], 0.1), { atol: 1e-6 });
 * tf.dispose([yHat, params.W, params.b]);
 * ```
 *
 * @param params the weights and biases, from {@linkcode initParams}.
 * @returns the model. It throws a `TypeError` for an `X` that is not a float32 tensor with a
 *   batch axis, and a `RangeError` when an example does not have `W.shape[0]` values.
 */
export function createNet(params: Params): Net {
  if (
    params === null || typeof params !== "object" || !(params.W instanceof tf.Tensor) ||
    !(params.b instanceof tf.Tensor) || params.W.rank !== 2 || params.b.rank !== 1 ||
    params.W.shape[1] !== params.b.shape[0]
  ) {
    throw new TypeError(
      `Cannot create the net: expected params { W: [inputs, outputs], b: [outputs] } as made ` +
        `by initParams(), got W ${describeValue(params?.W)} and b ${describeValue(params?.b)}`,
    );
  }
  const { W, b } = params;
  return (X: tf.Tensor): tf.Tensor2D => {
    const numInputs = W.shape[0];
    if (!(X instanceof tf.Tensor) || X.rank < 2) {
      throw new TypeError(
        `Cannot apply the net: expected X of shape [batch, 1, 28, 28] or [batch, ${numInputs}] ` +
          `(any shape [batch, ...] with ${numInputs} values per example), got ${describeValue(X)}`,
      );
    }
    if (X.dtype !== "float32") {
      throw new TypeError(
        `Cannot apply the net: expected X to be float32 pixels, got ${X.dtype}; ` +
          `convert it with tf.cast(X, "float32")`,
      );
    }
    const perExample = X.shape.slice(1).reduce((p, d) => p * d, 1);
    if (perExample !== numInputs) {
      throw new RangeError(
        `Cannot apply the net: each example of X (shape [${X.shape.join(", ")}]) has ` +
          `${perExample} values but W (shape [${W.shape.join(", ")}]) expects ${numInputs}; ` +
          `reshape X or create the parameters with initParams({ numInputs: ${perExample} })`,
      );
    }
    return tf.tidy(() => {
      const flat = tf.reshape(X, [-1, numInputs]) as tf.Tensor2D; // [batch, 784]
      const logits = tf.add(tf.matMul(flat, W), b) as tf.Tensor2D; // [batch, 10]
      return softmax(logits);
    });
  };
}

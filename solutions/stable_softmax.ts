/**
 * Exercise 3 of §3.6 (solution): the numerically stable softmax, log-softmax, log-sum-exp,
 * and cross-entropy computed from logits.
 *
 * Exercises 1 and 2 showed the naive pipeline's two failures: `exp` overflows for logits above
 * about 88.72 (the softmax turns `NaN`) and underflows far below the row's maximum (a
 * probability of exactly 0, a loss of `Infinity`, `NaN` gradients). Both come from computing
 * `exp(z)` of raw logits and, for the loss, taking the log of a number that may have rounded
 * to 0. The fixes are two identities:
 *
 * ```text
 * softmax(z) = softmax(z − c)              for any constant c: take c = max_j z_j
 * log Σ_j exp(z_j) = m + log Σ_j exp(z_j − m),   m = max_j z_j          (log-sum-exp)
 * log softmax(z)_k = z_k − logsumexp(z)
 * cross-entropy(z, y) = −log softmax(z)_y = logsumexp(z) − z_y
 * ```
 *
 * After subtracting the maximum, the largest exponent is `exp(0) = 1`: nothing overflows, and
 * the sum is at least 1, so it is never 0 and its log is finite. Small probabilities may
 * still underflow *as probabilities*, but the loss never forms them: `logsumexp(z) − z_y` is
 * a difference of moderate numbers even when `p_y` would be `1e-300`.
 *
 * The gradient of that loss with respect to the logits is the famous
 *
 * ```text
 * ∂ cross-entropy(z, y) / ∂z = softmax(z) − onehot(y)
 * ```
 *
 * (book §3.4.6.2): finite for every finite `z`, and cheap. {@linkcode crossEntropyFromLogits}
 * supplies it directly with `tf.customGrad` instead of letting autodiff differentiate through
 * the max, the shift and the log one op at a time: the same numbers, fewer operations, and no
 * dependence on how each op's gradient treats ties at the maximum.
 *
 * ## Edge semantics: SciPy's (tfjs's `tf.logSumExp` differs)
 *
 * | row of logits            | logSumExp   | stableSoftmax | logSoftmax                     |
 * | ------------------------ | ----------- | ------------- | ------------------------------ |
 * | all `−Infinity`          | `−Infinity` | `NaN`         | `NaN`                          |
 * | contains `+Infinity`     | `+Infinity` | `NaN`         | `NaN` at `+Infinity`, else `−Infinity` |
 * | contains `NaN`           | `NaN`       | `NaN`         | `NaN`                          |
 * | some `−Infinity` entries | finite      | 0 there       | `−Infinity` there              |
 * | logits of ±1000          | finite      | finite        | finite                         |
 *
 * These are the answers of SciPy's `scipy.special.logsumexp`, `softmax` and `log_softmax`
 * (the cases compare with them). `logSumExp` and `logSoftmax` shift by the row maximum only
 * when it is finite (SciPy's and JAX's rule), by 0 otherwise: shifting by `−∞` or `+∞` would
 * turn every entry into `−∞ − (−∞)` or `∞ − ∞`, both `NaN`, which is what `tf.logSumExp`
 * returns. With the shift 0, an all-`−Infinity` row sums to 0 (log: `−Infinity`) and a row with
 * a `+Infinity` sums to `+Infinity`, whose log makes every finite entry's log-probability
 * `−Infinity` (its probability is 0) and the infinite entry's `∞ − ∞ = NaN`. `stableSoftmax`
 * shifts by the raw maximum, as SciPy's `softmax` does, so its undefined rows are `NaN`
 * throughout.
 *
 * With this loss on logits, the lesson's model trains to the same accuracy as with the
 * naive softmax and cross-entropy (the tests train both): the fix changes nothing where the
 * naive version worked, and removes its failures.
 *
 * @example Logits of ±1000: the naive softmax returns NaN, these do not
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropyFromLogits, logSumExp, stableSoftmax } from "./stable_softmax.ts";
 * const z = tf.tensor2d([[1000, 0], [-1000, -1000]]);
 * assertClose(stableSoftmax(z), [[1, 0], [0.5, 0.5]]);
 * assertClose(logSumExp(z), [1000, -1000 + Math.LN2], { rtol: 1e-6 });
 * assertClose(crossEntropyFromLogits(z, tf.tensor1d([1, 0], "int32")), [1000, Math.LN2], {
 *   rtol: 1e-6,
 * });
 * ```
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { describeValue } from "../lib/describe.ts";

/** Checks that `X` is a float32 `[batch, classes]` tensor with at least one class. */
function checkLogits(fn: string, X: tf.Tensor2D): void {
  if (!(X instanceof tf.Tensor) || X.rank !== 2) {
    throw new TypeError(
      `Cannot compute ${fn}: expected a rank-2 tensor of logits [batch, classes], got ${
        describeValue(X)
      }`,
    );
  }
  if (X.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected float32 logits, got ${X.dtype}; convert with tf.cast(X, "float32")`,
    );
  }
  if (X.shape[1] === 0) {
    throw new RangeError(
      `Cannot compute ${fn}: expected at least one class, got shape [${X.shape.join(", ")}]`,
    );
  }
}

/** Each row's maximum where it is finite, 0 where it is not: `[batch, 1]`. */
function finiteRowMax(X: tf.Tensor2D): tf.Tensor2D {
  const m = tf.max(X, 1, true); // [batch, 1]
  return tf.where(tf.isFinite(m), m, tf.zerosLike(m)) as tf.Tensor2D;
}

/**
 * Softmax of every row, computed as `softmax(z − max(z))` so that no `exp` overflows.
 *
 * Finite and correct for any finite logits (±1000 included). It agrees with the naive
 * softmax, to float32 rounding, where the naive one is accurate: where every `exp(z)` is a
 * normal float32 number and the row sum does not overflow. Elsewhere the naive one is wrong
 * while still finite: `[[-100, -101, -102]]` has subnormal exponentials (few significant
 * bits) and `[[88.7, 88.7, 0]]` a row sum of `Infinity` (every probability 0). A row of all
 * `−Infinity`, or with a `+Infinity` or `NaN`, is `NaN`, as in SciPy.
 *
 * @example
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { stableSoftmax } from "./stable_softmax.ts";
 * const e = Math.E;
 * assertClose(stableSoftmax(tf.tensor2d([[1000, 1001], [0, -Infinity]])), [
 *   [1 / (1 + e), e / (1 + e)],
 *   [1, 0],
 * ], { rtol: 1e-6 });
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns probabilities `[batch, classes]`.
 * @throws {TypeError} for a tensor that is not rank-2 float32; {RangeError} for zero classes.
 */
export function stableSoftmax(X: tf.Tensor2D): tf.Tensor2D {
  checkLogits("stableSoftmax", X);
  return tf.tidy(() => {
    const shifted = tf.sub(X, tf.max(X, 1, true)); // [batch, classes], every entry <= 0
    const e = tf.exp(shifted); // the largest is exp(0) = 1: no overflow
    return tf.div(e, tf.sum(e, 1, true)); // the row sum is >= 1: never 0/0
  });
}

/**
 * `log Σ_j exp(X_ij)` of every row, without overflow: `m + log Σ_j exp(X_ij − m)`.
 *
 * SciPy / JAX / PyTorch semantics: a row of all `−Infinity` gives `−Infinity`, a row with a
 * `+Infinity` gives `+Infinity`, a `NaN` gives `NaN`. (tfjs's `tf.logSumExp` returns `NaN` for
 * the first two: it shifts by a maximum that is not finite.)
 *
 * @example The edge rows
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logSumExp } from "./stable_softmax.ts";
 * const X = tf.tensor2d([[-Infinity, -Infinity], [Infinity, 0], [NaN, 0], [1000, 1000]]);
 * assertClose(logSumExp(X), [-Infinity, Infinity, NaN, 1000 + Math.LN2], { rtol: 1e-6 });
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns `[batch]`, float32.
 * @throws {TypeError} for a tensor that is not rank-2 float32; {RangeError} for zero classes.
 */
export function logSumExp(X: tf.Tensor2D): tf.Tensor1D {
  checkLogits("logSumExp", X);
  return tf.tidy(() => {
    // Shift by the maximum only where it is finite (see the module doc's table).
    const shift = finiteRowMax(X); // [batch, 1]
    const sum = tf.sum(tf.exp(tf.sub(X, shift)), 1); // [batch]
    return tf.add(tf.log(sum), tf.reshape(shift, [-1])) as tf.Tensor1D;
  });
}

/**
 * `log softmax(X)` of every row: `(X − m) − log Σ_j exp(X_j − m)`, with `m` the row maximum.
 *
 * Finite for finite logits even where the softmax itself underflows to 0 (the log of a
 * probability of `1e-300` is about −690.8, which float32 holds easily). `−Infinity` entries
 * give `−Infinity`. The rows where it is not defined follow SciPy's `log_softmax`: all
 * `−Infinity` or a `NaN` give a `NaN` row; a row with `+Infinity` gives `NaN` at the infinite
 * entries and `−Infinity` (probability 0) at the others. It shifts by the maximum only where
 * that is finite, as {@linkcode logSumExp} does.
 *
 * @example Finite where the probability underflows; SciPy's answer for a `+Infinity` row
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { logSoftmax } from "./stable_softmax.ts";
 * assertClose(logSoftmax(tf.tensor2d([[0, -1000]])), [[0, -1000]], { rtol: 1e-6 });
 * assertClose(logSoftmax(tf.tensor2d([[Infinity, 0, 1]])), [[NaN, -Infinity, -Infinity]]);
 * ```
 *
 * @param X logits `[batch, classes]`, float32.
 * @returns log-probabilities `[batch, classes]`, each `<= 0`.
 * @throws {TypeError} for a tensor that is not rank-2 float32; {RangeError} for zero classes.
 */
export function logSoftmax(X: tf.Tensor2D): tf.Tensor2D {
  checkLogits("logSoftmax", X);
  return tf.tidy(() => {
    const shifted = tf.sub(X, finiteRowMax(X)); // [batch, classes], max entry 0 if finite
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  });
}

/** Checks `y` against logits `[batch, classes]`: rank 1, same batch, integer classes. */
function checkLabels(fn: string, logits: tf.Tensor2D, y: tf.Tensor1D): void {
  if (!(y instanceof tf.Tensor) || y.rank !== 1) {
    throw new TypeError(
      `Cannot compute ${fn}: expected y to be a rank-1 tensor of labels [batch], got ${
        describeValue(y)
      }`,
    );
  }
  if (y.dtype !== "int32" && y.dtype !== "float32") {
    throw new TypeError(
      `Cannot compute ${fn}: expected int32 labels (or float32 whole numbers), got ${y.dtype}; ` +
        `a class is a number in [0, classes), e.g. tf.tensor1d([2, 0], "int32")`,
    );
  }
  const [batch, classes] = logits.shape;
  if (y.shape[0] !== batch) {
    throw new RangeError(
      `Cannot compute ${fn}: mismatched batch sizes: logits has ${batch} rows but y has ` +
        `${y.shape[0]} labels`,
    );
  }
  const labels = y.dataSync();
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes) {
      throw new RangeError(
        `Cannot compute ${fn}: labels must be integers in [0, ${classes}), found ${
          labels[i]
        } at index ${i} of y`,
      );
    }
  }
}

/**
 * The cross-entropy loss of every example computed from **logits** (no softmax first):
 * `logsumexp(z_i) − z_i[y_i]`, which is `−log softmax(z_i)[y_i]` without ever forming the
 * probability.
 *
 * Its gradient with respect to the logits is `softmax(z) − onehot(y)` (times the incoming
 * gradient of each example's loss), supplied with `tf.customGrad`: finite for all finite
 * logits. Use it with a model that outputs logits, `X · W + b`, instead of
 * `crossEntropy(softmax(X · W + b), y)`.
 *
 * @example Finite where the naive loss is Infinity, and its gradient
 * ```ts
 * import * as tf from "../lib/tf.ts";
 * import { assertClose } from "../lib/assert_close.ts";
 * import { crossEntropyFromLogits } from "./stable_softmax.ts";
 * const y = tf.tensor1d([0], "int32");
 * const z = tf.tensor2d([[-120, 0]]); // the naive softmax gives p(class 0) = 0 here
 * assertClose(crossEntropyFromLogits(z, y), [120], { rtol: 1e-6 });
 * const grad = tf.grad((logits) => tf.sum(crossEntropyFromLogits(logits as tf.Tensor2D, y)));
 * assertClose(grad(z), [[-1, 1]], { atol: 1e-6 }); // softmax(z) − onehot(y)
 * ```
 *
 * @param logits `[batch, classes]`, float32.
 * With a single class every loss is 0 (its probability is 1) and so is the gradient.
 *
 * @param y labels `[batch]`: int32 (or float32 whole numbers) in `[0, classes)`.
 * @returns per-example losses `[batch]`, float32.
 * @throws {TypeError} for a wrong rank or dtype (bool labels included); {RangeError} for
 *   mismatched batch sizes, a label outside `[0, classes)` or zero classes.
 */
export function crossEntropyFromLogits(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  checkLogits("crossEntropyFromLogits", logits);
  checkLabels("crossEntropyFromLogits", logits, y);
  const classes = logits.shape[1];
  return tf.tidy(() => {
    // tfjs passes the inputs, then the save function, as one argument list.
    const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const z = args[0] as tf.Tensor2D;
      const save = args[1] as tf.GradSaveFunc;
      // [batch, classes], true at (i, y_i). Not tf.oneHot, which refuses a single class.
      const isTrue = tf.equal(
        tf.reshape(tf.cast(y, "int32"), [-1, 1]),
        tf.range(0, classes, 1, "int32"),
      );
      const onehot = tf.cast(isTrue, "float32");
      // Saved tensors are kept for the backward pass, which runs after this scope ends.
      save([z, onehot]);
      // In the shifted frame (as logSumExp): loss_i = log Σ_j exp(z_ij − m_i) − (z_i[y_i] − m_i).
      // Subtracting there, not as logSumExp(z) − z[y], avoids cancelling two large numbers:
      // at logits of -1000 float32 keeps only 4 decimals of -999.3069, but all of log 2.
      const shifted = tf.sub(z, finiteRowMax(z)); // [batch, classes]
      // z_i[y_i] − m_i, read through a mask so that a non-finite logit of another class
      // stays out of it.
      const picked = tf.sum(tf.where(isTrue, shifted, tf.zerosLike(z)), 1);
      return {
        value: tf.sub(tf.log(tf.sum(tf.exp(shifted), 1)), picked), // [batch]
        // dLoss_i/dz_i = softmax(z_i) − onehot(y_i), scaled by the upstream gradient dy_i.
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [zSaved, onehotSaved] = saved;
          const diff = tf.sub(stableSoftmax(zSaved as tf.Tensor2D), onehotSaved); // [batch, classes]
          return tf.mul(diff, tf.reshape(dy, [-1, 1]));
        },
      };
    });
    return loss(logits) as tf.Tensor1D;
  });
}

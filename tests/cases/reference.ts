/**
 * Plain-TypeScript references in float64 that the cases' checks compare against (as
 * micrograd checks itself against PyTorch): small, loop-by-loop, no tfjs.
 *
 * They run on the trusted side, so a check never needs the submission's code, nor even the
 * kit's, to know the right answer.
 *
 * @example
 * ```ts
 * import { softmaxRows } from "./reference.ts";
 * const p = softmaxRows([[0, Math.log(3)]]);
 * if (Math.abs(p[0][1] - 0.75) > 1e-12) throw new Error("unexpected: Math.abs(p[0][1] - 0.75) > 1e-12");
 * ```
 *
 * @module
 */

/**
 * Log-sum-exp of one row with SciPy / JAX / PyTorch semantics: all `-Infinity` gives
 * `-Infinity`, any `+Infinity` gives `+Infinity` (unless a `NaN` is present), `NaN` propagates.
 *
 * @example
 * ```ts
 * import { logSumExpRow } from "./reference.ts";
 * if (logSumExpRow([-Infinity, -Infinity]) !== -Infinity) throw new Error("unexpected: logSumExpRow([-Infinity, -Infinity]) !== -Infinity");
 * if (logSumExpRow([Infinity, 0]) !== Infinity) throw new Error("unexpected: logSumExpRow([Infinity, 0]) !== Infinity");
 * if (Math.abs(logSumExpRow([1000, 1000]) - (1000 + Math.LN2)) > 1e-9) throw new Error("unexpected: Math.abs(logSumExpRow([1000, 1000]) - (1000 + Math.LN2)) > 1e-9");
 * ```
 */
export function logSumExpRow(row: number[]): number {
  if (row.some(Number.isNaN)) return NaN;
  const m = Math.max(...row);
  if (!Number.isFinite(m)) return m; // all -Infinity, or some +Infinity
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

/**
 * Softmax of every row (stable, float64).
 *
 * @example
 * ```ts
 * import { softmaxRows } from "./reference.ts";
 * if (Math.abs(softmaxRows([[1000, 1000]])[0][0] - 0.5) > 1e-12) throw new Error("unexpected: Math.abs(softmaxRows([[1000, 1000]])[0][0] - 0.5) > 1e-12");
 * ```
 */
export function softmaxRows(X: number[][]): number[][] {
  return X.map((row) => {
    const lse = logSumExpRow(row);
    return row.map((v) => Math.exp(v - lse));
  });
}

/**
 * Log-softmax of every row (float64): `x - logSumExp(x)`.
 *
 * @example
 * ```ts
 * import { logSoftmaxRows } from "./reference.ts";
 * if (Math.abs(logSoftmaxRows([[0, 0]])[0][0] + Math.LN2) > 1e-12) throw new Error("unexpected: Math.abs(logSoftmaxRows([[0, 0]])[0][0] + Math.LN2) > 1e-12");
 * ```
 */
export function logSoftmaxRows(X: number[][]): number[][] {
  return X.map((row) => {
    const lse = logSumExpRow(row);
    return row.map((v) => v - lse);
  });
}

/**
 * `X · W + b` for nested arrays (`[n, d] · [d, k] + [k]`).
 *
 * @example
 * ```ts
 * import { affine } from "./reference.ts";
 * if (affine([[1, 2]], [[1], [1]], [0.5])[0][0] !== 3.5) throw new Error("unexpected: affine([[1, 2]], [[1], [1]], [0.5])[0][0] !== 3.5");
 * ```
 */
export function affine(X: number[][], W: number[][], b: number[]): number[][] {
  return X.map((x) => b.map((bj, j) => x.reduce((s, xi, i) => s + xi * W[i][j], bj)));
}

/**
 * Index of each row's largest entry (the first on ties), as `tf.argMax` picks it.
 *
 * @example
 * ```ts
 * import { argmaxRows } from "./reference.ts";
 * if (argmaxRows([[1, 3, 3]])[0] !== 1) throw new Error("unexpected: argmaxRows([[1, 3, 3]])[0] !== 1");
 * ```
 */
export function argmaxRows(X: number[][]): number[] {
  return X.map((row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0));
}

/** A softmax-regression model in plain arrays: `W [d, k]`, `b [k]`. */
export interface PlainModel {
  /** Weights `[inputs, classes]`. */
  W: number[][];
  /** Biases `[classes]`. */
  b: number[];
}

/**
 * One SGD step of softmax regression with cross-entropy in float64, the book's update:
 * `(W, b) -= lr / n · Σ_i ∂l_i/∂(W, b)` with `∂l_i/∂z_i = softmax(z_i) − onehot(y_i)`.
 * Returns the per-example losses, the summed gradients and the stepped model.
 *
 * @example
 * ```ts
 * import { sgdStepReference } from "./reference.ts";
 * const r = sgdStepReference({ W: [[0, 0]], b: [0, 0] }, [[1]], [0], 1);
 * if (Math.abs(r.losses[0] - Math.LN2) > 1e-12 || r.gradB[0] !== -0.5) throw new Error("unexpected: Math.abs(r.losses[0] - Math.LN2) > 1e-12 || r.gradB[0] !== -0.5");
 * ```
 */
export function sgdStepReference(
  model: PlainModel,
  X: number[][],
  y: number[],
  lr: number,
): { losses: number[]; gradW: number[][]; gradB: number[]; next: PlainModel } {
  const Z = affine(X, model.W, model.b);
  const logP = logSoftmaxRows(Z);
  const losses = y.map((label, i) => -logP[i][label]);
  const dZ = logP.map((row, i) => row.map((lp, j) => Math.exp(lp) - (j === y[i] ? 1 : 0)));
  const gradW = model.W.map((Wrow, r) =>
    Wrow.map((_, j) => X.reduce((s, x, i) => s + x[r] * dZ[i][j], 0))
  );
  const gradB = model.b.map((_, j) => dZ.reduce((s, row) => s + row[j], 0));
  const n = X.length;
  return {
    losses,
    gradW,
    gradB,
    next: {
      W: model.W.map((row, r) => row.map((w, j) => w - (lr / n) * gradW[r][j])),
      b: model.b.map((bj, j) => bj - (lr / n) * gradB[j]),
    },
  };
}

/**
 * One epoch of minibatch SGD on softmax regression in float64 (the batches in order, the
 * last one possibly short, each step divided by its actual size). Returns the new model and
 * the epoch's mean loss and accuracy (both measured before each batch's step, as the book's
 * `train_epoch_ch3` does), and the accuracy a learner who predicts again after each step gets
 * (`trainAccAfterStep`). `lrOf(n)` is the learning rate of a batch of `n` examples (default
 * `lr`); the checks use it to recognise a learner's misscaled step.
 *
 * @example
 * ```ts
 * import { sgdEpochReference } from "./reference.ts";
 * const r = sgdEpochReference({ W: [[0, 0]], b: [0, 0] }, [[1], [1], [1]], [0, 0, 0], 1, 2);
 * if (!(r.model.b[0] > 0) || Math.abs(r.trainLoss - (Math.LN2 * 2 + r.lastLoss) / 3) > 1e-12) {
 *   throw new Error(`unexpected epoch: ${JSON.stringify(r)}`);
 * }
 * ```
 */
export function sgdEpochReference(
  model: PlainModel,
  X: number[][],
  y: number[],
  lr: number,
  batchSize: number,
  lrOf: (n: number) => number = () => lr,
): {
  model: PlainModel;
  trainLoss: number;
  trainAcc: number;
  trainAccAfterStep: number;
  lastLoss: number;
} {
  let current = model;
  let lossSum = 0;
  let correct = 0;
  let correctAfter = 0;
  let lastLoss = 0;
  for (let start = 0; start < X.length; start += batchSize) {
    const Xb = X.slice(start, start + batchSize);
    const yb = y.slice(start, start + batchSize);
    const preds = argmaxRows(affine(Xb, current.W, current.b));
    correct += preds.filter((p, i) => p === yb[i]).length;
    const step = sgdStepReference(current, Xb, yb, lrOf(Xb.length));
    lossSum += step.losses.reduce((s, l) => s + l, 0);
    lastLoss = step.losses[step.losses.length - 1];
    current = step.next;
    correctAfter += argmaxRows(affine(Xb, current.W, current.b)).filter((p, i) => p === yb[i])
      .length;
  }
  return {
    model: current,
    trainLoss: lossSum / X.length,
    trainAcc: correct / X.length,
    trainAccAfterStep: correctAfter / X.length,
    lastLoss,
  };
}

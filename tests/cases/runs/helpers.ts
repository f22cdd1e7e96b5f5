/**
 * Helpers the run halves share (`runs/*.ts`), on the untrusted side of a case: they run in the
 * grader's sandbox next to the submission's code, so they hold no expected values.
 *
 * {@linkcode tensorOut} turns whatever the implementation returned into plain data without
 * trusting it to be a tensor, {@linkcode captureError} records an expected error as data (but
 * lets a `TodoError` through, so an unwritten exercise is "not started", never "passed"),
 * {@linkcode countLeaks} measures tensors left behind, {@linkcode fresh} copies an input for each
 * call, and {@linkcode seededMatrix} makes the
 * same float32-exact inputs on either side of the sandbox from a seed, so a check never has to
 * trust a run to report its inputs.
 *
 * @example A run returns a tensor as data
 * ```ts
 * import * as tf from "../../../lib/tf.ts";
 * import { tensorOut } from "./helpers.ts";
 * const out = tensorOut(tf.tensor2d([[1, 2]])) as { shape: number[] };
 * if (out.shape.join() !== "1,2") throw new Error(`expected shape [1, 2], got [${out.shape}]`);
 * ```
 *
 * @module
 */
import * as tf from "../../../lib/tf.ts";
import { createRng } from "../../../lib/random.ts";
import { describeValue } from "../../../lib/describe.ts";
import { isTodo } from "../../../lib/todo.ts";
import type { Plain } from "../case.ts";

export { describeValue };

/** Captured as the run halves load, before any submitted code: a patch of it does not reach. */
const clone = structuredClone;

/**
 * A deep copy of a case's input, made for each call: a function that writes into what it was
 * given (the caller's model, a cost matrix) spoils no later case's input, in the sandbox, where
 * a file's cases run one after the other, or in the learner's check, where the checks'
 * references read the same constants (`tests/case_inputs_test.ts`).
 *
 * @example
 * ```ts
 * import { fresh } from "./helpers.ts";
 * const COST = [[0, 1], [1, 0]];
 * const given = fresh(COST);
 * given[0][1] = 99;
 * if (COST[0][1] !== 1) throw new Error(`the constant changed with its copy: ${COST[0][1]}`);
 * ```
 */
export function fresh<T>(value: T): T {
  return clone(value);
}

/**
 * A tensor as plain data `{ shape, dtype, values }`, or `{ notTensor }` describing what was
 * returned instead (so `check` can say "expected a tensor, got undefined").
 *
 * @example
 * ```ts
 * import * as tf from "../../../lib/tf.ts";
 * import { tensorOut } from "./helpers.ts";
 * const p = tensorOut(tf.tensor1d([1, NaN])) as { values: number[] };
 * if (!Number.isNaN(p.values[1])) throw new Error("unexpected: !Number.isNaN(p.values[1])");
 * if ((tensorOut(undefined) as { notTensor: string }).notTensor !== "undefined") throw new Error("unexpected: (tensorOut(undefined) as { notTensor: string }).notTensor !== \"undefined\"");
 * ```
 */
export function tensorOut(value: unknown): Plain {
  if (!(value instanceof tf.Tensor)) return { notTensor: describeValue(value) };
  if (value.isDisposed) return { notTensor: "a tensor that was already disposed" };
  return {
    shape: [...value.shape],
    dtype: value.dtype,
    values: Array.from(value.dataSync() as ArrayLike<number>),
  };
}

/** The standard error classes a case may ask for, most specific first. */
const STANDARD_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, URIError, EvalError];

/**
 * Runs `fn`, which is expected to throw, and returns what it threw as plain data:
 * `{ threw: true, name, builtin?, message }` or `{ threw: false, returned }`, where `builtin`
 * names the standard class an error of a class of its own extends (a `ShapeError extends
 * TypeError` is a TypeError). A `TodoError` and a
 * `ReturnedPromiseError` are thrown on, so that an exercise that is not written, or is written
 * `async`, is never mistaken for one that rejects bad input.
 *
 * @example
 * ```ts
 * import { captureError } from "./helpers.ts";
 * const out = captureError(() => { throw new RangeError("bad axis 2"); }) as { name: string };
 * if (out.name !== "RangeError") throw new Error(`expected a RangeError, got ${out.name}`);
 * class ShapeError extends TypeError {
 *   override name = "ShapeError";
 * }
 * const own = captureError(() => { throw new ShapeError("rank 1"); }) as { builtin?: string };
 * if (own.builtin !== "TypeError") throw new Error(`expected its base TypeError, got ${own.builtin}`);
 * ```
 */
export function captureError(fn: () => unknown): Plain {
  let returned: unknown;
  try {
    returned = fn();
  } catch (error) {
    // Not the learner's rejection of bad input: an unfinished function, or an async one
    // (grader/sandbox/sync_exports.ts), fails the case with its own message.
    if (isTodo(error) || (error instanceof Error && error.name === "ReturnedPromiseError")) {
      throw error;
    }
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    const builtin = STANDARD_ERRORS.find((type) => error instanceof type)?.name;
    return { threw: true, name, message, ...(builtin !== name && builtin ? { builtin } : {}) };
  } finally {
    if (returned instanceof tf.Tensor) returned.dispose();
  }
  return { threw: false, returned: describeValue(returned) };
}

/**
 * Calls `fn` inside a scope and counts the tensors it leaves behind, beyond `keep` (the
 * number of tensors `fn` legitimately returns; they are disposed before counting).
 *
 * @example
 * ```ts
 * import * as tf from "../../../lib/tf.ts";
 * import { countLeaks } from "./helpers.ts";
 * const X = tf.tensor2d([[1, 2]]);
 * if (countLeaks(() => tf.sum(X, 1, true)) !== 0) throw new Error("leak");
 * if (countLeaks(() => { tf.exp(X); return tf.sum(X); }) !== 1) throw new Error("no leak?");
 * ```
 */
export function countLeaks(fn: () => unknown): number {
  const before = tf.memory().numTensors;
  const result = fn();
  tf.dispose(collectTensors(result));
  return tf.memory().numTensors - before;
}

function collectTensors(value: unknown, out: tf.Tensor[] = [], depth = 0): tf.Tensor[] {
  if (value instanceof tf.Tensor) out.push(value);
  else if (depth < 3 && Array.isArray(value)) {
    value.forEach((v) => collectTensors(v, out, depth + 1));
  } else if (depth < 3 && typeof value === "object" && value !== null) {
    Object.values(value).forEach((v) => collectTensors(v, out, depth + 1));
  }
  return out;
}

/** A variable's (or tensor's) values as nested plain arrays. */
export function arrayOut(t: tf.Tensor): Plain {
  return t.arraySync() as Plain;
}

/**
 * A `rows × cols` matrix of float32-exact N(mean, std) numbers from `seed` (Box–Muller on the
 * kit's seeded generator), as nested arrays: the same on both sides of the sandbox.
 *
 * @example
 * ```ts
 * import { seededMatrix } from "./helpers.ts";
 * const a = seededMatrix(2, 3, 7), b = seededMatrix(2, 3, 7);
 * if (JSON.stringify(a) !== JSON.stringify(b) || a[1].length !== 3) throw new Error("unexpected: JSON.stringify(a) !== JSON.stringify(b) || a[1].length !== 3");
 * if (Math.fround(a[0][0]) !== a[0][0]) throw new Error("not float32-exact");
 * ```
 */
export function seededMatrix(
  rows: number,
  cols: number,
  seed: number,
  options: { mean?: number; std?: number } = {},
): number[][] {
  const { mean = 0, std = 1 } = options;
  const rng = createRng(seed);
  const normal = (): number => {
    const u = 1 - rng.next(); // (0, 1]
    const v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => Math.fround(mean + std * normal())),
  );
}

/**
 * `rows × classes` probabilities from `seed`: the softmax (in float64) of seeded logits,
 * rounded to float32, so the same inputs exist on either side of the sandbox. A way to make
 * inputs, not a reference: it takes no logits of the caller's.
 *
 * @example
 * ```ts
 * import { seededProbabilities } from "./helpers.ts";
 * const P = seededProbabilities(3, 4, 1);
 * const sum = P[0].reduce((s, p) => s + p, 0);
 * if (P.length !== 3 || Math.abs(sum - 1) > 1e-6) throw new Error(`a row sums to ${sum}`);
 * ```
 */
export function seededProbabilities(
  rows: number,
  classes: number,
  seed: number,
  options: { std?: number } = {},
): number[][] {
  return seededMatrix(rows, classes, seed, options).map((row) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => Math.fround(Math.exp(v - lse)));
  });
}

/**
 * `n` integers in `[0, k)` from `seed`.
 *
 * @example
 * ```ts
 * import { seededLabels } from "./helpers.ts";
 * const y = seededLabels(50, 3, 1);
 * if (y.length !== 50 || y.some((v) => v < 0 || v >= 3)) throw new Error("unexpected: y.length !== 50 || y.some((v) => v < 0 || v >= 3)");
 * ```
 */
export function seededLabels(n: number, k: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.nextInt(k));
}

/**
 * Like `tf.tidy`, but for a function that returns plain data (which `tf.tidy` does not
 * accept): every tensor created inside is disposed when it returns or throws.
 *
 * @example
 * ```ts
 * import * as tf from "../../../lib/tf.ts";
 * import { tidyPlain } from "./helpers.ts";
 * const before = tf.memory().numTensors;
 * const n = tidyPlain(() => tf.sum(tf.ones([3])).dataSync()[0]);
 * if (n !== 3 || tf.memory().numTensors !== before) throw new Error("unexpected: n !== 3 || tf.memory().numTensors !== before");
 * ```
 */
export function tidyPlain<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope("tidyPlain");
  try {
    return fn();
  } finally {
    engine.endScope();
  }
}

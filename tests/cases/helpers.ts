/**
 * Helpers the tables' checks share, on the trusted side of a case: they validate untrusted
 * output before reading it (it may be anything plain, even crafted), throwing an
 * `AssertionError` that says what was expected and what was found. A check validates shapes
 * and sizes with these before it computes anything, so no output can make it compute with
 * sizes of its own choosing.
 *
 * @example The check side validates a run's tensor before comparing it
 * ```ts
 * import { assertClose } from "../../lib/assert_close.ts";
 * import { expectTensor } from "./helpers.ts";
 * const out = { shape: [1, 2], dtype: "float32", values: [1, 2] };
 * assertClose(expectTensor(out, "sumKeepdim(X, 0)", { shape: [1, 2] }), [[1, 2]]);
 * ```
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { AssertionError } from "node:assert";
import type { Flat } from "../../lib/assert_close.ts";
import { describeValue } from "./runs/helpers.ts";
import { isTensorCopy } from "../../lib/describe.ts";
import { DISPOSED_INPUT_HINT } from "../../lib/disposed_inputs.ts";
import { readFashionMnistSplit } from "../../data/fashion_mnist.ts";
import { toInt32Labels } from "../../data/idx.ts";
import { createDataIter } from "../../data/data_iter.ts";
import { createNet } from "../../lessons/02_softmax.ts";
import { evaluateAccuracy } from "../../lessons/04_evaluate_accuracy.ts";

/**
 * Throws an `AssertionError` with `message`; with `hint`, the learner sees that hint instead of
 * the case's own (for a failure the case's hint is not about; see `failureHint` in `case.ts`).
 */
export function fail(message: string, hint?: string): never {
  const error = new AssertionError({ message, operator: "check" });
  throw hint === undefined ? error : Object.assign(error, { hint });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads `output[key]` of an object output, failing clearly when `output` is not an object.
 *
 * @example
 * ```ts
 * import { field } from "./helpers.ts";
 * if (field({ a: 1 }, "a", "result") !== 1) throw new Error("unexpected: field({ a: 1 }, \"a\", \"result\") !== 1");
 * ```
 */
export function field(output: unknown, key: string, what: string): unknown {
  if (!isRecord(output)) {
    fail(`${what}: expected an object with "${key}", got ${describeValue(output)}`);
  }
  return output[key];
}

/**
 * Validates a number (any number, `NaN` and `±Infinity` included).
 *
 * @example
 * ```ts
 * import { expectNumber } from "./helpers.ts";
 * if (expectNumber(2, "count") !== 2) throw new Error("unexpected: expectNumber(2, \"count\") !== 2");
 * ```
 */
export function expectNumber(value: unknown, what: string): number {
  if (typeof value !== "number") {
    fail(`${what}: expected a number, got ${describeValue(value)}${tensorAdvice(value)}`);
  }
  return value;
}

/** For a tensor where plain numbers were expected: how to read its values. Else "". */
function tensorAdvice(value: unknown): string {
  if (!isTensorCopy(value)) return "";
  return value.shape.length === 0 || value.shape.every((d) => d === 1)
    ? "; read its value with t.dataSync()[0] (then dispose the tensor, or compute inside tf.tidy)"
    : "; read its values with t.arraySync() (then dispose the tensor, or compute inside tf.tidy)";
}

/**
 * Validates a finite number.
 *
 * @example
 * ```ts
 * import { expectFinite } from "./helpers.ts";
 * if (expectFinite(0.5, "loss") !== 0.5) throw new Error("unexpected: expectFinite(0.5, \"loss\") !== 0.5");
 * ```
 */
export function expectFinite(value: unknown, what: string): number {
  const n = expectNumber(value, what);
  if (!Number.isFinite(n)) fail(`${what}: expected a finite number, got ${n}`);
  return n;
}

/**
 * Validates an array of numbers, optionally of a given length.
 *
 * @example
 * ```ts
 * import { expectNumbers } from "./helpers.ts";
 * if (expectNumbers([1, 2], "ids", 2).length !== 2) throw new Error("unexpected: expectNumbers([1, 2], \"ids\", 2).length !== 2");
 * ```
 */
export function expectNumbers(value: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(value)) {
    fail(
      `${what}: expected an array of numbers, got ${describeValue(value)}${tensorAdvice(value)}`,
    );
  }
  if (length !== undefined && value.length !== length) {
    fail(`${what}: expected ${length} numbers, got ${value.length}`);
  }
  value.forEach((v, i) => {
    if (typeof v !== "number") fail(`${what}[${i}]: expected a number, got ${describeValue(v)}`);
  });
  return value as number[];
}

/**
 * Validates a rectangular matrix of numbers `[rows][cols]`.
 *
 * @example
 * ```ts
 * import { expectMatrix } from "./helpers.ts";
 * expectMatrix([[1, 2], [3, 4]], "W", [2, 2]);
 * ```
 */
export function expectMatrix(value: unknown, what: string, shape: [number, number]): number[][] {
  if (!Array.isArray(value) || value.length !== shape[0]) {
    fail(
      `${what}: expected a ${shape[0]} × ${shape[1]} matrix, got ${describeValue(value)}${
        tensorAdvice(value)
      }`,
    );
  }
  return value.map((row, i) => expectNumbers(row, `${what}[${i}]`, shape[1]));
}

/**
 * Validates an array of strings.
 *
 * @example
 * ```ts
 * import { expectStrings } from "./helpers.ts";
 * expectStrings(["a"], "names", 1);
 * ```
 */
export function expectStrings(value: unknown, what: string, length?: number): string[] {
  if (!Array.isArray(value)) {
    fail(`${what}: expected an array of strings, got ${describeValue(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    fail(`${what}: expected ${length} strings, got ${value.length}`);
  }
  value.forEach((v, i) => {
    if (typeof v !== "string") fail(`${what}[${i}]: expected a string, got ${describeValue(v)}`);
  });
  return value as string[];
}

/** What {@linkcode expectTensor} may require. */
export interface TensorExpectation {
  /** The exact shape. */
  shape?: number[];
  /** The dtype, or several accepted ones. */
  dtype?: string | string[];
}

/**
 * Validates the plain form of a tensor produced by {@linkcode tensorOut}: a shape of
 * non-negative integers, a dtype, and exactly as many numeric values as the shape holds.
 * Returns it in the form `assertClose` compares.
 *
 * @example
 * ```ts
 * import { expectTensor } from "./helpers.ts";
 * const t = expectTensor({ shape: [2], dtype: "float32", values: [1, 2] }, "y", { shape: [2] });
 * if (t.values.length !== 2) throw new Error("unexpected: t.values.length !== 2");
 * ```
 */
export function expectTensor(
  output: unknown,
  what: string,
  expected: TensorExpectation = {},
): Flat & { dtype: string } {
  if (isRecord(output) && typeof output.notTensor === "string") {
    fail(`${what}: expected a tensor, got ${output.notTensor}`);
  }
  if (!isRecord(output)) fail(`${what}: expected a tensor, got ${describeValue(output)}`);
  const { shape, dtype, values } = output;
  if (
    !Array.isArray(shape) ||
    shape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0)
  ) {
    fail(`${what}: malformed tensor output (shape ${describeValue(shape)})`);
  }
  if (typeof dtype !== "string") fail(`${what}: malformed tensor output (dtype)`);
  const size = (shape as number[]).reduce((p, d) => p * d, 1);
  const nums = expectNumbers(values, `${what} values`, size);
  if (expected.shape && expected.shape.join() !== (shape as number[]).join()) {
    fail(
      `${what}: expected shape [${expected.shape.join(", ")}], got [${
        (shape as number[]).join(", ")
      }]`,
    );
  }
  if (expected.dtype !== undefined) {
    const ok = Array.isArray(expected.dtype) ? expected.dtype : [expected.dtype];
    if (!ok.includes(dtype)) fail(`${what}: expected dtype ${ok.join(" or ")}, got ${dtype}`);
  }
  return { shape: shape as number[], values: nums, dtype };
}

/** What {@linkcode expectThrew} requires of a captured error. */
export interface ErrorExpectation {
  /** Accepted error class names, e.g. `["TypeError", "RangeError"]`. */
  names?: string[];
  /** Fragments of which at least one must appear in the message (case-insensitive). */
  mentions?: string[];
}

/**
 * Validates the output of {@linkcode captureError}: something was thrown, of an accepted
 * class, with a message mentioning what it should.
 *
 * @example
 * ```ts
 * import { expectThrew } from "./helpers.ts";
 * expectThrew({ threw: true, name: "TypeError", message: "got shape [3]" }, "softmax(rank 1)", {
 *   names: ["TypeError"],
 *   mentions: ["[3]"],
 * });
 * // A class of the learner's own counts as the standard class it extends.
 * const own = { threw: true, name: "ShapeError", builtin: "TypeError", message: "got [3]" };
 * expectThrew(own, "softmax(rank 1)", { names: ["TypeError", "RangeError"] });
 * ```
 */
export function expectThrew(output: unknown, what: string, expected: ErrorExpectation = {}): void {
  const threw = field(output, "threw", what);
  if (threw !== true) {
    fail(`${what}: expected an error, but it returned ${String(field(output, "returned", what))}`);
  }
  const name = field(output, "name", what);
  const message = field(output, "message", what);
  if (typeof name !== "string" || typeof message !== "string") {
    fail(`${what}: malformed error output`);
  }
  // A class of the learner's own counts as the standard class it extends (seventh fairness
  // review: a ShapeError extends TypeError failed every case that asks for a TypeError).
  const builtin = (output as { builtin?: unknown }).builtin;
  const kinds = typeof builtin === "string" ? [name, builtin] : [name];
  if (expected.names && !kinds.some((kind) => expected.names!.includes(kind))) {
    const article = (word: string) => /^[AEIOU]/i.test(word) ? `an ${word}` : `a ${word}`;
    fail(
      `${what}: expected ${article(expected.names.join(" or "))}, got ${article(name)}: ${message}`,
    );
  }
  if (
    expected.mentions &&
    !expected.mentions.some((m) => message.toLowerCase().includes(m.toLowerCase()))
  ) {
    fail(
      `${what}: the error message should name ${
        expected.mentions.map((m) => JSON.stringify(m)).join(" or ")
      } so the caller knows what to fix; got: ${message}`,
    );
  }
}

/** A call given a bad label, as a message names it, and the label it must name. */
export interface BadLabel {
  /** The call as the failure message shows it, e.g. `"crossEntropy(yHat, y = [0, 3])"`. */
  call: string;
  /** The bad label, which the error message must name. */
  label: number;
}

/**
 * Validates a run that passed one label past the last class (`output.high`) and one below 0
 * (`output.negative`): each must have thrown a `RangeError` or `TypeError` naming its label.
 *
 * @example
 * ```ts
 * import { expectLabelsRejected } from "./helpers.ts";
 * const threw = (message: string) => ({ threw: true, name: "RangeError", message });
 * expectLabelsRejected(
 *   { high: threw("label 3 is outside [0, 3)"), negative: threw("label -1 is outside [0, 3)") },
 *   "badLabel",
 *   { call: "f(y = [0, 3])", label: 3 },
 *   { call: "f(y = [-1, 2])", label: -1 },
 * );
 * let message = "";
 * try {
 *   expectLabelsRejected(
 *     { high: threw("bad label"), negative: threw("label -1") },
 *     "badLabel",
 *     { call: "f(y = [0, 3])", label: 3 },
 *     { call: "f(y = [-1, 2])", label: -1 },
 *   );
 * } catch (error) {
 *   message = String(error);
 * }
 * if (!message.includes('f(y = [0, 3]): the error message should name "3"')) {
 *   throw new Error(`a message that does not name the label passed: ${message}`);
 * }
 * ```
 */
export function expectLabelsRejected(
  output: unknown,
  run: string,
  high: BadLabel,
  negative: BadLabel,
): void {
  for (const [key, bad] of [["high", high], ["negative", negative]] as const) {
    expectThrew(field(output, key, run), bad.call, {
      names: ["RangeError", "TypeError"],
      mentions: [String(bad.label)],
    });
  }
}

/**
 * Validates a leak count from {@linkcode countLeaks}: must be exactly 0.
 *
 * @example
 * ```ts
 * import { expectNoLeak } from "./helpers.ts";
 * expectNoLeak(0, "softmax()");
 * ```
 *
 * @example A count that fell says the function disposed tensors made before the call
 * ```ts
 * import { expectNoLeak } from "./helpers.ts";
 * let message = "";
 * try {
 *   expectNoLeak(-2, "crossEntropy()");
 * } catch (error) {
 *   message = String(error);
 * }
 * if (!message.includes("disposed 2 tensor(s) made before the call")) {
 *   throw new Error(`expectNoLeak(-2) said: ${message}`);
 * }
 * ```
 */
export function expectNoLeak(output: unknown, what: string): void {
  const n = expectNumber(output, `${what}: tensors left behind`);
  if (n < 0) {
    fail(
      `${what} disposed ${-n} tensor(s) made before the call ` +
        `(tf.memory().numTensors fell by ${-n}): most likely its inputs`,
      DISPOSED_INPUT_HINT,
    );
  }
  if (n !== 0) {
    fail(
      `${what} left ${n} tensor(s) behind (tf.memory().numTensors grew by ${n}); ` +
        `wrap the intermediate steps in tf.tidy(() => ...) or dispose them`,
    );
  }
}

/**
 * Fails unless `actual === expected` (strings, numbers, booleans), naming both.
 *
 * @example
 * ```ts
 * import { expectEqual } from "./helpers.ts";
 * expectEqual(3, 3, "count");
 * ```
 */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) {
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${describeValue(actual)}`);
  }
}

/**
 * The float32 next to the float32 `x`, towards `+Infinity` (`direction` 1) or `-Infinity`
 * (`-1`). For finite `x`.
 *
 * @example
 * ```ts
 * import { adjacentFloat32 } from "./helpers.ts";
 * if (adjacentFloat32(1, 1) !== 1 + 2 ** -23) throw new Error("unexpected: adjacentFloat32(1, 1) !== 1 + 2 ** -23");
 * if (adjacentFloat32(-1, 1) !== -(1 - 2 ** -24)) throw new Error("unexpected: adjacentFloat32(-1, 1) !== -(1 - 2 ** -24)");
 * if (adjacentFloat32(0, -1) !== -(2 ** -149)) throw new Error("unexpected: adjacentFloat32(0, -1) !== -(2 ** -149)");
 * ```
 */
export function adjacentFloat32(x: number, direction: 1 | -1): number {
  if (!Number.isFinite(x)) throw new RangeError(`adjacentFloat32: expected a finite x, got ${x}`);
  const view = new DataView(new ArrayBuffer(4));
  if (x === 0) {
    view.setUint32(0, 1); // the smallest subnormal
    return direction * view.getFloat32(0);
  }
  view.setFloat32(0, Math.abs(x));
  const bits = view.getUint32(0);
  // Away from zero adds one unit in the last place to the magnitude; towards zero removes one.
  const away = Math.sign(x) === direction;
  view.setUint32(0, away ? bits + 1 : bits - 1);
  return Math.sign(x) * view.getFloat32(0);
}

/**
 * A reference computed once per process: `once(compute)()` runs `compute` the first time and
 * returns the same promise after. For the trusted side's expensive references (a lesson's
 * training, a data set read), which the grader's judge would otherwise redo for every
 * submission; `compute` must depend on nothing but constants.
 *
 * @example
 * ```ts
 * import { once } from "./helpers.ts";
 * let runs = 0;
 * const value = once(() => Promise.resolve(++runs));
 * if ((await value()) !== 1 || (await value()) !== 1) throw new Error(`ran ${runs} times`);
 * ```
 */
export function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}

/** A test split as the files' bytes and int32 labels (what `createDataIter` takes). */
interface TestSplit {
  /** `count × 784` pixel bytes. */
  images: Uint8Array;
  /** `count` labels. */
  labels: Int32Array;
}

async function testSplit(subset: boolean): Promise<TestSplit> {
  // The test split only: the grader's judges are given no other (its sandboxes, no test split).
  const { split } = await readFashionMnistSplit("test", { subset });
  return { images: split.images, labels: toInt32Labels(split.labels) };
}

/** The committed subset's test split (once). */
const subsetTestSplit = once(() => testSplit(true));

/** The full Fashion-MNIST's test split (once): a reference worth computing early. */
export const fullTestSplit: () => Promise<TestSplit> = once(() => testSplit(false));

/**
 * Test accuracy of trained parameters sent back as plain arrays (`W` `[784, 10]`, `b` `[10]`),
 * computed on the trusted side with the lesson's net, on the committed subset or the full test
 * set (read once per process). Validate the shapes first ({@linkcode expectMatrix}).
 */
export async function testAccuracy(
  model: { W: number[][]; b: number[] },
  subset: boolean,
): Promise<number> {
  const test = await (subset ? subsetTestSplit() : fullTestSplit());
  const iter = createDataIter(test.images, test.labels, { batchSize: 256 });
  const params = tf.tidy(() => ({
    W: tf.variable(tf.tensor2d(model.W), false),
    b: tf.variable(tf.tensor1d(model.b), false),
  }));
  try {
    return evaluateAccuracy(createNet(params), iter);
  } finally {
    tf.dispose([params.W, params.b]);
    iter.dispose();
  }
}

/**
 * `assertClose`: compares tensors or nested number arrays with explicit tolerances.
 *
 * Float32 arithmetic is not exact, so every numeric check in this kit states its tolerance:
 * `|actual - expected| <= atol + rtol * |expected|`, element by element. `NaN` matches only
 * `NaN`, and `±Infinity` only the same infinity. Shapes must match exactly. A failure lists
 * the first differing elements with their indices, like llm.c's tensor checker.
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * assertClose(tf.tensor2d([[1, 2, 3]]).sum(1, true), [[6]]);
 * assertClose([2.30258], [2.3026], { atol: 1e-4 });
 * ```
 *
 * @module
 */
import * as tf from "./tf.ts";
import { AssertionError } from "node:assert";

/** A number, or arrays of numbers nested to any depth. */
export type NestedNumbers = number | NestedNumbers[];

/** Tolerances for {@linkcode assertClose}. */
export interface CloseOptions {
  /** Relative tolerance. Default `1e-5`. */
  rtol?: number;
  /** Absolute tolerance. Default `1e-6`. */
  atol?: number;
  /** Prefix for the failure message, e.g. the name of the value checked. */
  msg?: string;
}

/** A value's shape and its elements in row-major order. */
export interface Flat {
  /** The shape, `[]` for a number. */
  shape: number[];
  /** The elements, row-major (the last axis varies fastest). */
  values: ArrayLike<number>;
}

/**
 * Flattens a tensor, a number or a rectangular nested array into shape and values.
 *
 * @example
 * ```ts
 * import { flatten } from "./assert_close.ts";
 * const { shape, values } = flatten([[1, 2], [3, 4]]);
 * if (shape.join() !== "2,2" || values.length !== 4) throw new Error("unexpected: shape.join() !== \"2,2\" || values.length !== 4");
 * ```
 * @throws {TypeError} when a nested array is ragged or holds something other than numbers.
 */
export function flatten(value: tf.Tensor | NestedNumbers | Flat): Flat {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) {
      throw new TypeError("Cannot compare a disposed tensor: keep it (tf.keep) or compare earlier");
    }
    return { shape: [...value.shape], values: value.dataSync() as ArrayLike<number> };
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value;
  }
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const values: number[] = [];
  const walk = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== "number") {
        throw new TypeError(`Expected a number at [${path.join(", ")}], got ${typeof node}`);
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TypeError(
        `Ragged array at [${path.join(", ")}]: expected length ${shape[depth]}, got ${
          Array.isArray(node) ? node.length : typeof node
        }`,
      );
    }
    node.forEach((child, i) => walk(child, depth + 1, [...path, i]));
  };
  walk(value, 0, []);
  return { shape, values };
}

function unravel(index: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}

function isClose(a: number, e: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/**
 * Asserts that `actual` and `expected` have the same shape and close elements.
 *
 * @example The book's keepdim sums
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assertClose(tf.sum(X, 0, true), [[5, 7, 9]]);
 * assertClose(tf.sum(X), 21);
 * ```
 * @throws {AssertionError} naming the shapes, or the first differing elements.
 */
export function assertClose(
  actual: tf.Tensor | NestedNumbers | Flat,
  expected: tf.Tensor | NestedNumbers | Flat,
  options: CloseOptions = {},
): void {
  const { rtol = 1e-5, atol = 1e-6 } = options;
  const prefix = options.msg ? `${options.msg}: ` : "";
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.shape.length !== e.shape.length || a.shape.some((n, i) => n !== e.shape[i])) {
    throw new AssertionError({
      message: `${prefix}shape mismatch: got [${a.shape.join(", ")}], expected [${
        e.shape.join(", ")
      }]`,
      actual: a.shape,
      expected: e.shape,
      operator: "assertClose",
    });
  }
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < e.values.length; i++) {
    if (!isClose(a.values[i], e.values[i], rtol, atol)) {
      count++;
      if (bad.length < 5) {
        bad.push(
          `  at [${unravel(i, e.shape).join(", ")}]: got ${a.values[i]}, expected ${e.values[i]}`,
        );
      }
    }
  }
  if (count > 0) {
    throw new AssertionError({
      message:
        `${prefix}${count} of ${e.values.length} elements differ (rtol ${rtol}, atol ${atol}):\n${
          bad.join("\n")
        }`,
      actual: Array.from(a.values).slice(0, 20),
      expected: Array.from(e.values).slice(0, 20),
      operator: "assertClose",
    });
  }
}

/**
 * Describing a value for an error message ("expected a rank-2 tensor, got …"), without calling
 * any of its code and without printing more than a few dozen characters of it.
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { describeValue } from "./describe.ts";
 * const text = describeValue(tf.zeros([2, 3]));
 * if (text !== "a float32 tensor of shape [2,3]") throw new Error(`unexpected: ${text}`);
 * ```
 *
 * @module
 */
import * as tf from "./tf.ts";

/** The built-in getters of a typed array's name and length (they run none of its code). */
const typedArray = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayName = Object.getOwnPropertyDescriptor(typedArray, Symbol.toStringTag)!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArray, "length")!.get!;

/**
 * What `value` is, in a few words: a tensor's dtype and shape, an array's or a typed array's
 * length (a `Float32Array` is named: `dataSync()` returns one), a short string, a number's
 * value; "an object" or "a function" otherwise.
 *
 * @example
 * ```ts
 * import { describeValue } from "./describe.ts";
 * import * as tf from "./tf.ts";
 * const got = [[1, 2]].map(describeValue).concat(describeValue(null), describeValue(3));
 * if (got.join("; ") !== "an array of length 2; null; number 3") throw new Error(got.join("; "));
 * const ints = describeValue(tf.zeros([2], "int32"));
 * if (ints !== "an int32 tensor of shape [2]") throw new Error(`unexpected: ${ints}`);
 * const typed = describeValue(new Float32Array(6));
 * if (typed !== "a Float32Array of length 6") throw new Error(`unexpected: ${typed}`);
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value instanceof tf.Tensor || isTensorCopy(value)) {
    // "an int32 tensor", "a float32 tensor" (audit 26: "a int32").
    return `${
      /^[aeiou]/.test(String(value.dtype)) ? "an" : "a"
    } ${value.dtype} tensor of shape [${value.shape}]`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const name = typedArrayName.call(value) as string | undefined;
    return name === undefined
      ? "a DataView"
      : `a ${name} of length ${typedArrayLength.call(value)}`;
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Whether `value` is a tensor's structured copy: what a `tf.Tensor` becomes when a check's
 * output crosses a thread or process (`structuredClone`, `postMessage`), a plain object with
 * the tensor's `dtype`, `shape` and `dataId` but none of its methods or values.
 *
 * @example A tensor returned where a number was expected, seen by the check
 * ```ts
 * import * as tf from "./tf.ts";
 * import { describeValue, isTensorCopy } from "./describe.ts";
 * const copy = structuredClone(tf.scalar(3));
 * if (!isTensorCopy(copy)) throw new Error("a tensor's copy should be recognised");
 * const text = describeValue(copy);
 * if (text !== "a float32 tensor of shape []") throw new Error(`unexpected: ${text}`);
 * ```
 */
export function isTensorCopy(value: unknown): value is { dtype: string; shape: number[] } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.dtype === "string" && Array.isArray(v.shape) && typeof v.dataId === "object" &&
    v.dataId !== null;
}

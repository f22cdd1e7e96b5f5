/**
 * Plain data across the sandbox boundary: validation and a lossless text encoding.
 *
 * A case's `run` executes next to the submission's code, so whatever it returns is untrusted.
 * The grader accepts only {@linkcode Plain} data (null, booleans, numbers, strings, arrays and
 * plain objects), checked element by element by {@linkcode validatePlain}: a getter that
 * changes its answer, a `Proxy`, a class instance with a lying `valueOf`, a typed array or a
 * cycle is rejected, never passed on to a `check`. The sandbox validates before sending and
 * the grader validates again after decoding.
 *
 * JSON cannot carry `NaN`, `±Infinity` or `-0`, which the kit's cases compare (a naive softmax
 * returns `NaN`). {@linkcode encodePlain} writes them as `{"$": "NaN"}` and escapes any real
 * object key that starts with `$` by doubling the `$`, so no plain value can be mistaken for
 * another: `decodePlain(encodePlain(x))` is `x` for every plain `x`.
 *
 * @example
 * ```ts
 * import { decodePlain, encodePlain } from "./plain.ts";
 * const text = encodePlain({ values: [1, NaN, -Infinity], $tag: "x" });
 * const back = decodePlain(text) as { values: number[]; $tag: string };
 * if (!Number.isNaN(back.values[1]) || back.values[2] !== -Infinity) throw new Error(text);
 * if (back.$tag !== "x") throw new Error(text);
 * ```
 *
 * @module
 */
import { isProxy } from "node:util/types";
import type { Plain } from "../../tests/cases/case.ts";

/** Limits on plain data from the sandbox. */
export interface PlainLimits {
  /** Deepest nesting. Default 64. */
  maxDepth?: number;
  /** Most values (numbers, strings, …, counted one by one). Default 4 000 000. */
  maxValues?: number;
  /** Longest string, in UTF-16 units. Default 1 000 000. */
  maxStringLength?: number;
}

/**
 * Thrown when data is not plain or exceeds a {@linkcode PlainLimits} limit.
 *
 * @example
 * ```ts
 * import { NotPlainError } from "./plain.ts";
 * const error = new NotPlainError("output.values[3]", "a function");
 * if (error.path !== "output.values[3]" || !(error instanceof TypeError)) throw new Error("unexpected: error.path !== \"output.values[3]\" || !(error instanceof TypeError)");
 * ```
 */
export class NotPlainError extends TypeError {
  /** Where in the value: `output.values[3]`. */
  readonly path: string;
  /**
   * @param path where the problem is, e.g. `output.values[3]`
   * @param problem what was found there
   */
  constructor(path: string, problem: string) {
    super(`The output is not plain data at ${path}: ${problem}`);
    this.name = "NotPlainError";
    this.path = path;
  }
}

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "bigint") return "a bigint";
  if (value === undefined) return "undefined";
  if (typeof value === "object" && value !== null) {
    const proto = Object.getPrototypeOf(value);
    const name = proto?.constructor?.name;
    return typeof name === "string" && name !== "" ? `an instance of ${name}` : "an exotic object";
  }
  return typeof value;
}

/**
 * Checks that `value` is plain data within `limits`, without calling any code of `value`'s:
 * property values are read through their descriptors, so getters, `Proxy` traps and
 * `valueOf`/`toJSON` methods are never invoked (a `Proxy` is rejected outright).
 *
 * @example
 * ```ts
 * import { NotPlainError, validatePlain } from "./plain.ts";
 * validatePlain({ shape: [2], values: [1, NaN] });
 * let message = "";
 * try {
 *   validatePlain({ get x() { return 1; } });
 * } catch (error) {
 *   if (error instanceof NotPlainError) message = error.message;
 * }
 * if (!message.includes("output.x")) throw new Error(message);
 * ```
 * @throws {NotPlainError} naming the first offending path.
 */
export function validatePlain(value: unknown, limits: PlainLimits = {}, root = "output"): Plain {
  const { maxDepth = 64, maxValues = 4_000_000, maxStringLength = 1_000_000 } = limits;
  let count = 0;
  const onPath = new Set<object>();
  const walk = (node: unknown, path: string, depth: number): void => {
    if (++count > maxValues) throw new NotPlainError(path, `more than ${maxValues} values`);
    if (node === null || typeof node === "boolean" || typeof node === "number") return;
    if (typeof node === "string") {
      if (node.length > maxStringLength) {
        throw new NotPlainError(path, `a string longer than ${maxStringLength} characters`);
      }
      return;
    }
    if (typeof node !== "object") throw new NotPlainError(path, describe(node));
    if (depth >= maxDepth) throw new NotPlainError(path, `nesting deeper than ${maxDepth}`);
    if (onPath.has(node)) throw new NotPlainError(path, "a cycle");
    if (isProxy(node)) throw new NotPlainError(path, "a Proxy");
    const isArray = Array.isArray(node);
    const proto = Object.getPrototypeOf(node);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
      throw new NotPlainError(path, describe(node));
    }
    onPath.add(node);
    const keys = Reflect.ownKeys(node);
    for (const key of keys) {
      if (typeof key === "symbol") throw new NotPlainError(path, "a symbol-keyed property");
      const desc = Object.getOwnPropertyDescriptor(node, key)!;
      if (isArray && key === "length") continue;
      const childPath = isArray ? `${path}[${key}]` : `${path}.${key}`;
      if (!("value" in desc)) throw new NotPlainError(childPath, "a getter or setter");
      if (isArray && !/^(0|[1-9]\d*)$/.test(key)) {
        throw new NotPlainError(childPath, "an extra property on an array");
      }
      walk(desc.value, childPath, depth + 1);
    }
    if (isArray) {
      const length = (node as unknown[]).length;
      if (keys.length - 1 !== length) throw new NotPlainError(path, "a sparse array");
    }
    onPath.delete(node);
  };
  walk(value, root, 0);
  return value as Plain;
}

function encodeNode(node: Plain): unknown {
  if (typeof node === "number") {
    if (Number.isNaN(node)) return { $: "NaN" };
    if (node === Infinity) return { $: "Infinity" };
    if (node === -Infinity) return { $: "-Infinity" };
    if (Object.is(node, -0)) return { $: "-0" };
    return node;
  }
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map(encodeNode);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    out[key.startsWith("$") ? `$${key}` : key] = encodeNode(child);
  }
  return out;
}

/**
 * Encodes plain data as JSON text that keeps `NaN`, `±Infinity` and `-0`.
 *
 * @example
 * ```ts
 * import { encodePlain } from "./plain.ts";
 * if (encodePlain([1, NaN]) !== '[1,{"$":"NaN"}]') throw new Error(encodePlain([1, NaN]));
 * ```
 */
export function encodePlain(value: Plain): string {
  return JSON.stringify(encodeNode(value));
}

const SPECIAL: Record<string, number> = {
  "NaN": NaN,
  "Infinity": Infinity,
  "-Infinity": -Infinity,
  "-0": -0,
};

function decodeNode(node: unknown, path: string): Plain {
  if (node === null || typeof node !== "object") return node as Plain;
  if (Array.isArray(node)) return node.map((child, i) => decodeNode(child, `${path}[${i}]`));
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === "$") {
    const special = entries[0][1];
    if (typeof special === "string" && special in SPECIAL) return SPECIAL[special];
    throw new NotPlainError(path, `an unknown special number ${JSON.stringify(special)}`);
  }
  const out: { [key: string]: Plain } = {};
  for (const [key, child] of entries) {
    if (!key.startsWith("$$") && key.startsWith("$")) {
      throw new NotPlainError(path, `an unescaped key ${JSON.stringify(key)}`);
    }
    const name = key.startsWith("$$") ? key.slice(1) : key;
    out[name] = decodeNode(child, `${path}.${name}`);
  }
  return out;
}

/**
 * Decodes text written by {@linkcode encodePlain}.
 *
 * @example
 * ```ts
 * import { decodePlain } from "./plain.ts";
 * const v = decodePlain('{"$$x":[{"$":"-Infinity"}]}') as { $x: number[] };
 * if (v.$x[0] !== -Infinity) throw new Error("unexpected: v.$x[0] !== -Infinity");
 * ```
 * @throws {SyntaxError} for text that is not JSON; {@linkcode NotPlainError} for JSON that
 * `encodePlain` cannot have written.
 */
export function decodePlain(text: string): Plain {
  return decodeNode(JSON.parse(text), "output");
}

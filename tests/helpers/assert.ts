/**
 * Assertions for the tests, in the style of `std/assert` (built on `node:assert`, since JSR is
 * out of reach): deep equality, an error of a class with a message, text that includes parts.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "./assert.ts";
 * assertEquals([1, 2], [1, 2]);
 * assertThrows(() => { throw new RangeError("bad x"); }, RangeError, "bad x");
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Deep, strict equality.
 *
 * @example
 * ```ts
 * import { assertEquals } from "./assert.ts";
 * assertEquals({ a: [1] }, { a: [1] });
 * ```
 */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  if (message === undefined) assert.deepStrictEqual(actual, expected);
  else assert.deepStrictEqual(actual, expected, message);
}

/**
 * Asserts that `fn` throws an instance of `ErrorClass` whose message includes `includes`, and
 * returns the error.
 *
 * @example
 * ```ts
 * import { assertThrows } from "./assert.ts";
 * const e = assertThrows(() => { throw new TypeError("no"); }, TypeError);
 * if (e.message !== "no") throw new Error("unexpected: e.message !== \"no\"");
 * ```
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => E,
  includes = "",
): E {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error}`);
    assert.ok(
      error.message.includes(includes),
      `expected the message to include ${JSON.stringify(includes)}, got ${
        JSON.stringify(error.message)
      }`,
    );
    return error;
  }
  throw new assert.AssertionError({ message: `expected ${ErrorClass.name} to be thrown` });
}

/**
 * Asserts that `fn`'s promise rejects with an instance of `ErrorClass` whose message includes
 * `includes`, and returns the error.
 *
 * @example
 * ```ts
 * import { assertRejects } from "./assert.ts";
 * const e = await assertRejects(() => Promise.reject(new RangeError("far")), RangeError, "far");
 * if (e.message !== "far") throw new Error(`expected the error back, got ${e.message}`);
 * ```
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: new (...args: any[]) => E,
  includes = "",
): Promise<E> {
  let error: unknown;
  try {
    await fn();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) {
    throw new assert.AssertionError({ message: `expected ${ErrorClass.name} to be thrown` });
  }
  return assertThrows(
    () => {
      throw error;
    },
    ErrorClass,
    includes,
  );
}

/**
 * Asserts that `text` includes every one of `parts`.
 *
 * @example
 * ```ts
 * import { assertIncludes } from "./assert.ts";
 * assertIncludes("a table of cases", ["table", "cases"]);
 * ```
 */
export function assertIncludes(text: string, parts: string[]): void {
  for (const part of parts) {
    assert.ok(text.includes(part), `expected ${JSON.stringify(part)} in:\n${text}`);
  }
}

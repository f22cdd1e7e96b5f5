/**
 * The learner's module as the cases call it: every export the exercise lists that is a
 * function is wrapped, so that a call returning a Promise or any other thenable (an `async`
 * function where the exercise asks for a plain one; no exercise function is `async`) throws a
 * {@linkcode ReturnedPromiseError} at once, naming the function. Without it a case would get a
 * Promise where it expects a tensor or a number ("could not be cloned", "expected a tensor, got
 * an object"), and a rejected Promise would surface later, as an uncaught error in whichever
 * case runs next. A Promise is given a handler, so its rejection is never uncaught. A thenable
 * is recognised by its `then` method, not by `instanceof Promise`, which the learner's code can
 * answer (`Promise[Symbol.hasInstance]`; found by the eighth review).
 *
 * The grader's sandbox harness and `deno task check` both call the cases through it, so both
 * give the same result. It uses only built-ins captured when this module loads, before any
 * learner's code.
 *
 * @example An async function is refused by name; a plain one and a class pass through
 * ```ts
 * import { ReturnedPromiseError, syncExports } from "./sync_exports.ts";
 * class Accumulator { n = 0; }
 * const module = { plain: (x: number) => x + 1, later: async (x: number) => x, Accumulator };
 * const impl = syncExports(module, ["plain", "later", "Accumulator"]) as typeof module;
 * if (impl.plain(1) !== 2) throw new Error("the plain function changed");
 * if (!(new impl.Accumulator() instanceof Accumulator)) throw new Error("the class changed");
 * try {
 *   impl.later(1);
 *   throw new Error("an async export was not refused");
 * } catch (error) {
 *   if (!(error instanceof ReturnedPromiseError) || !error.message.startsWith("later() returned")) {
 *     throw error;
 *   }
 * }
 * ```
 *
 * @example Not fooled by `instanceof`, nor by a thenable that is no Promise
 * ```ts
 * import { ReturnedPromiseError, syncExports } from "./sync_exports.ts";
 * Object.defineProperty(Promise, Symbol.hasInstance, { value: () => false });
 * const module = { later: async () => 1, thenable: () => ({ then: (f: (v: number) => void) => f(1) }) };
 * const impl = syncExports(module, ["later", "thenable"]) as typeof module;
 * for (const call of [() => impl.later(), () => impl.thenable()]) {
 *   let refused = false;
 *   try {
 *     call();
 *   } catch (error) {
 *     refused = error instanceof ReturnedPromiseError;
 *   }
 *   if (!refused) throw new Error(`not refused: ${call}`);
 * }
 * ```
 *
 * @module
 */
import { types } from "node:util";

const apply = Reflect.apply;
const ownKeys = Reflect.ownKeys;
const createRecord = Object.create;
const ProxyClass = Proxy;
const then = Promise.prototype.then;
const isPromise = types.isPromise;
const StringOf = String;
const ignore = () => {};

/** What a call of an `async` export throws: the function's name and what to change. */
export class ReturnedPromiseError extends Error {
  override name = "ReturnedPromiseError";
}

/**
 * A copy of `module`'s exports in which each of `names` that is a function throws a
 * {@linkcode ReturnedPromiseError} when a call returns a Promise.
 */
export function syncExports(
  module: Record<string | symbol, unknown>,
  names: readonly string[],
): Record<string | symbol, unknown> {
  const copy: Record<string | symbol, unknown> = createRecord(null);
  const keys = ownKeys(module);
  for (let i = 0; i < keys.length; i++) copy[keys[i]] = module[keys[i]];
  for (let i = 0; i < names.length; i++) {
    const name = StringOf(names[i]);
    const target = copy[name];
    if (typeof target !== "function") continue;
    copy[name] = new ProxyClass(target, {
      apply(fn, self, args) {
        const returned = apply(fn as (...a: unknown[]) => unknown, self, args);
        const promise = isPromise(returned);
        if (
          promise ||
          ((typeof returned === "object" || typeof returned === "function") && returned !== null &&
            typeof (returned as { then?: unknown }).then === "function")
        ) {
          if (promise) {
            try {
              apply(then, returned, [undefined, ignore]); // never an uncaught rejection
            } catch {
              // Its constructor was changed by the learner's code: the message matters more.
            }
          }
          throw new ReturnedPromiseError(
            `${name}() returned a Promise: it is declared async (or returns one), but the ` +
              `exercise's functions return their result directly. Remove async (and await) ` +
              `from ${name}.`,
          );
        }
        return returned;
      },
    });
  }
  return copy;
}

/** The hint for a file that lacks an export its exercise asks for (the check and the grader). */
export const MISSING_EXPORTS_HINT = "Keep the file's exports (names and signatures) as shipped.";

/**
 * The message for the exports an exercise lists that `file` lacks (`missing`, named with
 * commas); when the file has a default export, how to fix that too. The grader's harness and
 * `deno task check` give the same.
 *
 * @example A default export where a named one is asked for
 * ```ts
 * import { missingExportsMessage } from "./sync_exports.ts";
 * const text = missingExportsMessage("exercises/softmax.ts", "softmax", true);
 * if (!text.endsWith("export softmax by name (export function softmax…), not as default")) {
 *   throw new Error(`unexpected: ${text}`);
 * }
 * ```
 */
export function missingExportsMessage(file: string, missing: string, hasDefault: boolean): string {
  const fix = hasDefault
    ? `: it has a default export; export ${missing} by name (export function ${missing}…), ` +
      "not as default"
    : "";
  return `${file} does not export ${missing}${fix}`;
}

/**
 * Whether `message` is a {@linkcode missingExportsMessage} (for the grader, which gets the
 * sandbox's message only).
 *
 * @example
 * ```ts
 * import { isMissingExportsMessage, missingExportsMessage } from "./sync_exports.ts";
 * if (!isMissingExportsMessage(missingExportsMessage("exercises/a.ts", "f", false))) {
 *   throw new Error("not recognised");
 * }
 * ```
 */
export function isMissingExportsMessage(message: string): boolean {
  return /^\S+ does not export /.test(message);
}

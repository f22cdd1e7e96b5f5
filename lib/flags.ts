/**
 * Reading numbers from command-line flags, for every command of the kit: one wording, one
 * error class ({@linkcode UsageError}), so that a bad flag reads the same whichever command it
 * was given to.
 *
 * @example
 * ```ts
 * import { integer, positiveInteger, positiveNumber, UsageError } from "./flags.ts";
 * if (positiveInteger("--epochs", "10") !== 10) throw new Error("10 refused");
 * if (positiveNumber("--lr", "0.1") !== 0.1) throw new Error("0.1 refused");
 * if (integer("--seed", "-3") !== -3) throw new Error("-3 refused");
 * for (const bad of ["0", "1.5", "", "ten", "1e400"]) {
 *   try {
 *     positiveInteger("--epochs", bad);
 *     throw new Error(`--epochs ${JSON.stringify(bad)} was accepted`);
 *   } catch (error) {
 *     const named = error instanceof UsageError && error instanceof RangeError;
 *     if (!named || !error.message.startsWith("--epochs must be")) {
 *       throw new Error(`not a UsageError naming the flag: ${error}`);
 *     }
 *   }
 * }
 * ```
 *
 * @module
 */

/**
 * A bad command line: the message is one line naming the flag and what it takes. A
 * `RangeError`, as every command's other checks of flag values throw, so that callers that
 * catch those catch this too.
 */
export class UsageError extends RangeError {
  /** @param message what is wrong and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * An error of `node:util`'s `parseArgs` as a {@linkcode UsageError} of one line. Its messages
 * may span lines ("--seed -1" gets "argument is ambiguous" and, below, the fix "--seed=-1"),
 * and an unknown option's ends in advice with an unbalanced quote (`as in '-- "--x"`): that
 * one becomes `Unknown option --x`.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { argsError } from "./flags.ts";
 * try {
 *   parseArgs({ args: ["--allow-write"], options: {} });
 *   throw new Error("an unknown option was accepted");
 * } catch (error) {
 *   const said = argsError(error).message;
 *   if (said !== "Unknown option --allow-write") throw new Error(`unexpected: ${said}`);
 * }
 * ```
 */
export function argsError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '([^']*)'/.exec(message);
  return new UsageError(unknown ? `Unknown option ${unknown[1]}` : message.split("\n").join(" "));
}

/**
 * `text` as a whole number of at least 1 (digits only, an optional `+`).
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./flags.ts";
 * if (positiveInteger("--batch-size", " 256 ") !== 256) throw new Error("256 refused");
 * ```
 * @throws {UsageError} naming `flag` and the text given.
 */
export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*\+?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * `text` as a whole number, possibly negative (a seed).
 *
 * @example
 * ```ts
 * import { integer } from "./flags.ts";
 * if (integer("--seed", "0") !== 0) throw new Error("0 refused");
 * ```
 * @throws {UsageError} naming `flag` and the text given.
 */
export function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * `text` as a finite number above 0.
 *
 * @example
 * ```ts
 * import { positiveNumber } from "./flags.ts";
 * if (positiveNumber("--memory-mb", "512") !== 512) throw new Error("512 refused");
 * ```
 * @throws {UsageError} naming `flag` and the text given.
 */
export function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive finite number, got ${JSON.stringify(text)}`);
  }
  return value;
}

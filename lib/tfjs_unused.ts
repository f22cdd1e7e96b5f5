/**
 * Loads `@tensorflow/tfjs` without the four packages it bundles that the kit never calls:
 * tfjs-layers (models), tfjs-converter (graph models), tfjs-data (datasets) and
 * tfjs-backend-webgl (a GPU backend Deno does not have). Import this module before
 * `@tensorflow/tfjs` (as {@linkcode ./tf.ts} does).
 *
 * The kit needs the package for one thing: tfjs-core's builds define every op but register no
 * gradient; the package's own bundle registers them, and `require`s the four packages first.
 * Loading them costs every process and Worker that imports tfjs (a documentation example, a
 * grader sandbox, a command) part of its start-up (`deno run -A bench/tfjs_load.ts` measures
 * how much). This module puts an empty module in Node's module cache (`require.cache`, which
 * Node documents as writable) under each package's file, so the bundle's `require`s find them
 * there. The gradients, ops and backends are tfjs's own, unchanged; `tf.layers`,
 * `tf.sequential`, `tf.loadGraphModel`, `tf.data` and the like are `undefined`.
 *
 * Only with the tfjs the kit was tested on ({@linkcode TESTED_TFJS}) in the kit's
 * `node_modules/` (Deno's layout, `nodeModulesDir: "auto"`): with another version or layout the
 * cache keys match no file and the packages load as usual (slower, never wrong).
 *
 * @example The package without layers, with its gradients
 * ```ts
 * import "./tfjs_unused.ts";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * if ((tf as unknown as Record<string, unknown>).sequential !== undefined) {
 *   throw new Error("tfjs-layers was loaded");
 * }
 * const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
 * if (dx.dataSync().join() !== "2,4") throw new Error(`d(x²)/dx = ${dx.dataSync()}`);
 * ```
 *
 * @module
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * The version of tfjs the kit's tfjs-specific code was written and tested for (this module's
 * cache entries, the wasm kernels of {@linkcode ./wasm_kernels.ts}).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { TESTED_TFJS } from "./tfjs_unused.ts";
 * if (tf.version_core !== TESTED_TFJS) throw new Error(`tfjs ${tf.version_core}: not the tested one`);
 * ```
 */
export const TESTED_TFJS = "4.22.0";

/** Each package left out, with its `main` file (`package.json`) in {@linkcode TESTED_TFJS}. */
const UNUSED: Record<string, string> = {
  "tfjs-layers": "dist/tf-layers.node.js",
  "tfjs-converter": "dist/tf-converter.node.js",
  "tfjs-data": "dist/tf-data.node.js",
  "tfjs-backend-webgl": "dist/tf-backend-webgl.node.js",
};

/**
 * The files the bundle's `require`s resolve to in Deno's `node_modules/` layout (real paths,
 * which key Node's module cache).
 *
 * @example
 * ```ts
 * import { unusedTfjsFiles } from "./tfjs_unused.ts";
 * const files = unusedTfjsFiles("/kit");
 * const layers = "/kit/node_modules/.deno/@tensorflow+tfjs-layers@4.22.0/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.node.js";
 * if (files.length !== 4 || files[0] !== layers) throw new Error(files.join("\n"));
 * ```
 */
export function unusedTfjsFiles(kitRoot: string): string[] {
  return Object.entries(UNUSED).map(([name, main]) =>
    `${kitRoot}/node_modules/.deno/@tensorflow+${name}@${TESTED_TFJS}/node_modules/@tensorflow/${name}/${main}`
  );
}

const kitRoot = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const cache = createRequire(import.meta.url).cache;
for (const file of unusedTfjsFiles(kitRoot)) {
  // A package something loaded already stays as it is.
  cache[file] ??= {
    id: file,
    filename: file,
    loaded: true,
    exports: {},
    children: [],
    paths: [],
  } as unknown as NodeModule;
}

/**
 * Loads `@tensorflow/tfjs` without the four packages it bundles that the kit never calls:
 * tfjs-layers (models), tfjs-converter (graph models), tfjs-data (datasets) and
 * tfjs-backend-webgl (a GPU backend Deno does not have). Import this module before
 * `@tensorflow/tfjs` (as {@linkcode ./tf.ts} does).
 *
 * The kit needs the package for one thing: tfjs-core's builds define every op but register no
 * gradient; the package's own bundle registers them, and `require`s the four packages first.
 * Loading them costs every process and Worker that imports tfjs (a documentation example, a
 * grader sandbox, a command) part of its start-up (`deno task bench tfjs` measures how much).
 * This module puts an empty module in Node's module cache (`require.cache`, which Node
 * documents as writable) under each package's file, so the bundle's `require`s find them there.
 * The gradients, ops and backends are tfjs's own, unchanged. What is left out: `tf.sequential`,
 * `tf.layers`, `tf.loadLayersModel`, `tf.loadGraphModel` and the like are `undefined` (their
 * types remain), `tf.data` is an empty namespace, and `tf.version` names no version for the
 * four packages.
 *
 * Only with the tfjs the kit was tested on ({@linkcode TESTED_TFJS}), and only where the
 * packages' files can be found: resolved as the bundle resolves them (any `node_modules`
 * layout, a kit reached through a symbolic link), or, where reading `node_modules` is not
 * allowed (the grader's sandbox), at their places in Deno's layout (`nodeModulesDir: "auto"`).
 * Anywhere else the packages load as usual: slower, never wrong.
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
import { version_core } from "@tensorflow/tfjs-core";
import { TESTED_TFJS } from "./wasm_kernels.ts";

/** Each package left out, with its `main` file (`package.json`) in {@linkcode TESTED_TFJS}. */
const UNUSED: Record<string, string> = {
  "@tensorflow/tfjs-layers": "dist/tf-layers.node.js",
  "@tensorflow/tfjs-converter": "dist/tf-converter.node.js",
  "@tensorflow/tfjs-data": "dist/tf-data.node.js",
  "@tensorflow/tfjs-backend-webgl": "dist/tf-backend-webgl.node.js",
};

/**
 * Where the four packages' files are in Deno's `node_modules/` layout under `kitRoot`, for
 * {@linkcode TESTED_TFJS}: the keys Node's module cache has for them when nothing can be read.
 *
 * @example
 * ```ts
 * import { unusedTfjsFilesInDenoLayout } from "./tfjs_unused.ts";
 * const files = unusedTfjsFilesInDenoLayout("/kit");
 * const layers = "/kit/node_modules/.deno/@tensorflow+tfjs-layers@4.22.0/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.node.js";
 * if (files.length !== 4 || files[0] !== layers) throw new Error(files.join("\n"));
 * ```
 */
export function unusedTfjsFilesInDenoLayout(kitRoot: string): string[] {
  return Object.entries(UNUSED).map(([name, main]) =>
    `${kitRoot}/node_modules/.deno/${
      name.replace("/", "+")
    }@${TESTED_TFJS}/node_modules/${name}/${main}`
  );
}

/** The four packages' files as the bundle's `require`s resolve them, or `undefined`. */
function resolvedUnusedFiles(): string[] | undefined {
  try {
    const bundle = createRequire(import.meta.url).resolve("@tensorflow/tfjs");
    const fromBundle = createRequire(bundle);
    return Object.keys(UNUSED).map((name) => fromBundle.resolve(name));
  } catch {
    return undefined; // no read permission for node_modules (the grader's sandbox)
  }
}

if (import.meta.url.startsWith("file:") && version_core === TESTED_TFJS) {
  const kitRoot = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  const cache = createRequire(import.meta.url).cache;
  for (const file of resolvedUnusedFiles() ?? unusedTfjsFilesInDenoLayout(kitRoot)) {
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
}

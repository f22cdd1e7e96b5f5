/**
 * The kit's one import of TensorFlow.js: `import * as tf from "../lib/tf.ts"`.
 *
 * It is the `@tensorflow/tfjs` namespace, ready to compute: importing it starts the
 * default backend (`wasm`, or what the `D2L_BACKEND` environment variable names; `cpu` with a
 * warning when wasm cannot start), so examples and tests need no setup. Commands with a
 * `--backend` flag switch afterwards with {@linkcode ./backend.ts initBackend}. The package is
 * loaded without tfjs-layers, tfjs-converter, tfjs-data and the webgl backend, which the kit
 * never calls ({@linkcode ./tfjs_unused.ts}): every op and gradient is there, models and
 * datasets are not.
 *
 * ## Correctness fixes for the wasm backend, installed on import
 *
 * A reduction (`sum`, `prod`, `mean`, `max`, `min`, `any`, `all`) over an axis of length 0
 * gives what the cpu backend gives (a sum over nothing is 0) instead of whatever memory tfjs's
 * wasm kernel found: {@linkcode ./wasm_empty_reductions.ts}. The kernels wasm lacks (the
 * gradient of `tf.gather`, `tf.einsum`, …) and `tf.gather` with batch dimensions, which wasm
 * gets wrong, run on tfjs's cpu kernels: {@linkcode ./wasm_on_cpu.ts}.
 *
 * ## A clear error for a disposed input, installed on import
 *
 * An operation given a tensor that was already disposed (`tf.exp(X)` after `X.dispose()`)
 * throws a `DisposedInputError` naming the input and the usual cause, instead of tfjs's
 * "Cannot read properties of undefined (reading 'backend')": {@linkcode ./disposed_inputs.ts}.
 *
 * ## Two speed fixes for the wasm backend, installed on import
 *
 * Each is installed only with the tfjs version the kit was tested on
 * ({@linkcode ./wasm_kernels.ts TESTED_TFJS}); another version keeps tfjs's own kernels.
 * Both change *how* tfjs computes, never *what*: every op gives the same values (up to
 * float32 rounding in a different order), every gradient the same gradient, and the lessons'
 * code is unchanged. `deno task bench train` measures what they save on the lesson's training
 * loop (README, "Training").
 *
 * 1. **Products with a transposed operand** (`matMul(a, b, true, false)`, which is how tfjs's
 *    gradient computes every weight gradient) run in the kit's own WebAssembly kernel instead
 *    of tfjs-backend-wasm's triple loop: {@linkcode ./wasm_matmul.ts}.
 * 2. **`Identity`, and `Cast` to the same dtype, share the input's memory on wasm**, as they
 *    already do on the cpu backend (and as wasm's own `Reshape` does), instead of copying it.
 *    Tensors are immutable, so sharing is safe; the backend frees the memory when its last
 *    tensor goes. This matters for training because tfjs's gradient tape keeps a clone
 *    (`Identity`) of every input a backward step needs (16 per step of the lesson), and
 *    tfjs's gradients cast their saved inputs to float32 (7 per step): on wasm each was a
 *    copy, two of them of the whole batch of images (≈ 800 KB each).
 *
 * In Deno's Jupyter kernel, tensors print as their values ({@linkcode ./jupyter.ts}).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * const s = tf.sum(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
 * if (s.arraySync() !== 21) throw new Error("unexpected: s.arraySync() !== 21");
 * ```
 *
 * @example The gradient of a product (each a product with a transposed operand)
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * const X = tf.tensor2d([[1, 2], [3, 4], [5, 6]]); // [3, 2]
 * const W = tf.tensor2d([[1, 0, 2], [0, 1, 3]]); // [2, 3]
 * const [dX, dW] = tf.grads((x, w) => tf.matMul(x, w))([X, W]);
 * assertClose(dX, [[3, 4], [3, 4], [3, 4]]); // dy · Wᵀ with dy = 1: W's row sums
 * assertClose(dW, [[9, 9, 9], [12, 12, 12]]); // Xᵀ · dy: X's column sums
 * ```
 *
 * @module
 */
import "./tfjs_unused.ts"; // first: before @tensorflow/tfjs loads
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { explainDisposedInputs } from "./disposed_inputs.ts";
import { installEmptyReductions } from "./wasm_empty_reductions.ts";
import { installWasmOnCpu } from "./wasm_on_cpu.ts";
import { printTensorsAsValues } from "./jupyter.ts";
import { installWasmMatMul } from "./wasm_matmul.ts";
import { replaceWasmKernel } from "./wasm_kernels.ts";

export * from "@tensorflow/tfjs";

/** The part of the wasm backend the sharing kernel uses (the same call its `Reshape` makes). */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/** A kernel result that is its input: one more reference to the same memory, no copy. */
function shareInput(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Installs the two speed fixes of the module doc. Idempotent. */
function installWasmSpeedups(): void {
  installWasmMatMul();
  // Strings live outside the wasm heap; they keep the original kernels.
  replaceWasmKernel(tf.Identity, (original) =>
    function sharingKernel(args) {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype === "string" ? original(args) : shareInput(x, args.backend);
    });
  replaceWasmKernel(tf.Cast, (original) =>
    function sharingKernel(args) {
      const x = args.inputs.x as tf.TensorInfo;
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      return dtype !== x.dtype || x.dtype === "string"
        ? original(args)
        : shareInput(x, args.backend);
    });
}

installWasmSpeedups();
installEmptyReductions();
installWasmOnCpu();
explainDisposedInputs();
printTensorsAsValues(tf.Tensor); // in a notebook only

try {
  await initBackend();
} catch (error) {
  // A bad D2L_BACKEND must not kill every importer with a stack trace: warn in one line and
  // start wasm. A command's own initBackend() call reports the bad value as a usage error.
  console.warn(`Warning: ${error instanceof Error ? error.message : error}; using wasm`);
  await initBackend({ backend: "wasm" });
}

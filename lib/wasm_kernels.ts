/**
 * Swapping a kernel of tfjs's wasm backend for a kit kernel that wraps it, and back: the one
 * mechanism behind the kit's wasm speed fixes ({@linkcode ./tf.ts}, {@linkcode ./wasm_matmul.ts}).
 *
 * The kit kernel receives tfjs's own kernel and may call it for the cases it does not take.
 * Replacing is idempotent (a kernel the kit already wrapped is left alone), and
 * {@linkcode restoreWasmKernel} puts tfjs's kernel back, for benchmarks and tests that compare
 * the two.
 *
 * **Only on the tfjs the kit was tested with.** A kit kernel may rely on how the wasm backend
 * of {@linkcode TESTED_TFJS} works inside, so with another version of tfjs it is not installed
 * and tfjs's own kernel stays: an upgrade can make the kit slower, never wrong. A kernel that
 * uses only the backends' public interface may say so (`anyVersion`).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { replaceWasmKernel, restoreWasmKernel } from "./wasm_kernels.ts";
 * const before = tf.getKernel(tf.Sqrt, "wasm")!.kernelFunc;
 * let calls = 0;
 * const wrap = (original: tf.KernelFunc): tf.KernelFunc => (args) => (calls++, original(args));
 * replaceWasmKernel(tf.Sqrt, wrap);
 * replaceWasmKernel(tf.Sqrt, wrap); // already wrapped: no second layer
 * tf.sqrt(tf.scalar(4)).dispose();
 * if (calls !== 1 || !restoreWasmKernel(tf.Sqrt)) throw new Error(String(calls));
 * if (tf.getKernel(tf.Sqrt, "wasm")!.kernelFunc !== before) throw new Error("not restored");
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { version_wasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * The version of tfjs the kit's tfjs-specific code was written and tested for (these kernels,
 * and the packages {@linkcode ./tfjs_unused.ts} leaves out): tfjs-core's (`tf.version_core`)
 * and tfjs-backend-wasm's (`version_wasm`) must both be this one.
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { TESTED_TFJS } from "./wasm_kernels.ts";
 * if (tf.version_core !== TESTED_TFJS) throw new Error(`tfjs ${tf.version_core}: not the tested one`);
 * ```
 */
export const TESTED_TFJS = "4.22.0";

/** Options for {@linkcode replaceWasmKernel}. */
export interface ReplaceOptions {
  /** Install with any tfjs version (the kernel uses only public interfaces). Default `false`. */
  anyVersion?: boolean;
  /** The running tfjs version (for tests). Default: tfjs-core's, when tfjs-backend-wasm's agrees. */
  version?: string;
}

/** Each kit kernel installed, and the tfjs kernel it wraps. */
const wrapped = new WeakMap<tf.KernelFunc, tf.KernelFunc>();

/**
 * Replaces wasm's `kernelName` kernel by `make(original)`, unless the kernel there is already a
 * kit kernel, wasm's kernels are not registered, or this is not the tested tfjs (see the module
 * doc). Returns whether the kit kernel is in place.
 *
 * @example Another tfjs keeps its own kernel
 * ```ts
 * import * as tf from "./tf.ts";
 * import { replaceWasmKernel } from "./wasm_kernels.ts";
 * const before = tf.getKernel(tf.Sqrt, "wasm")!.kernelFunc;
 * const installed = replaceWasmKernel(tf.Sqrt, (original) => original, { version: "5.0.0" });
 * if (installed || tf.getKernel(tf.Sqrt, "wasm")!.kernelFunc !== before) {
 *   throw new Error("a kit kernel replaced a kernel of an untested tfjs");
 * }
 * ```
 */
export function replaceWasmKernel(
  kernelName: string,
  make: (original: tf.KernelFunc) => tf.KernelFunc,
  options: ReplaceOptions = {},
): boolean {
  const running = options.version ?? (version_wasm === tf.version_core ? tf.version_core : "mixed");
  if (!options.anyVersion && running !== TESTED_TFJS) return false;
  const current = tf.getKernel(kernelName, "wasm");
  if (current === undefined) return false;
  if (wrapped.has(current.kernelFunc)) return true;
  const kernelFunc = make(current.kernelFunc);
  wrapped.set(kernelFunc, current.kernelFunc);
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...current, kernelFunc });
  return true;
}

/** Puts tfjs's own `kernelName` kernel back; returns whether a kit kernel was installed. */
export function restoreWasmKernel(kernelName: string): boolean {
  const current = tf.getKernel(kernelName, "wasm");
  const original = current && wrapped.get(current.kernelFunc);
  if (original === undefined) return false;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...current!, kernelFunc: original });
  return true;
}

/**
 * Swapping a kernel of tfjs's wasm backend for a kit kernel that wraps it, and back: the one
 * mechanism behind the kit's wasm speed fixes ({@linkcode ./tf.ts}, {@linkcode ./wasm_matmul.ts}).
 *
 * The kit kernel receives tfjs's own kernel and may call it for the cases it does not take.
 * Replacing is idempotent (a kernel the kit already wrapped is left alone), and
 * {@linkcode restoreWasmKernel} puts tfjs's kernel back, for benchmarks and tests that compare
 * the two.
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
import * as tf from "@tensorflow/tfjs";

/** Each kit kernel installed, and the tfjs kernel it wraps. */
const wrapped = new WeakMap<tf.KernelFunc, tf.KernelFunc>();

/**
 * Replaces wasm's `kernelName` kernel by `make(original)`, unless the kernel there is already a
 * kit kernel (or wasm's kernels are not registered).
 */
export function replaceWasmKernel(
  kernelName: string,
  make: (original: tf.KernelFunc) => tf.KernelFunc,
): void {
  const current = tf.getKernel(kernelName, "wasm");
  if (current === undefined || wrapped.has(current.kernelFunc)) return;
  const kernelFunc = make(current.kernelFunc);
  wrapped.set(kernelFunc, current.kernelFunc);
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...current, kernelFunc });
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

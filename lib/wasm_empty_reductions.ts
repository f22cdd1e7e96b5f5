/**
 * A correctness fix for tfjs's wasm backend: a reduction over an empty axis gives what the cpu
 * backend gives, not the memory it finds.
 *
 * tfjs-backend-wasm 4.22 allocates a reduction's output and leaves it as it was when the axis
 * being reduced has length 0: `tf.sum(tf.zeros([0, 3]), 0)` comes back as
 * `[3.6e-41, 3.6e-41, 2.2e-44]`, or thousands in an int32 sum, and so do `prod`, `mean`, `max`,
 * `min`, `any` and `all` (and `logSumExp`, `norm`, … built on them). The cpu backend gives
 * definite values (a sum over nothing is 0 and a product 1; its mean is 0, max and min NaN for
 * float32 and 0 for int32, any and all false), and the kit makes wasm agree with it. {@linkcode installEmptyReductions}
 * wraps those wasm kernels: for an input whose reduced axes include an empty one, the kernel
 * runs tfjs's own cpu kernel on the same (empty) input and returns its values; every other
 * input goes to the wasm kernel untouched. Installed by {@linkcode ./tf.ts} on import, so
 * lessons, solutions and learners write a plain `tf.sum`.
 *
 * Unlike the kit's speed fixes, this one uses only the backends' public interface
 * (`write`, `readSync`, `disposeData`) and takes over only inputs whose answer is the
 * cpu backend's, so it is installed whatever the tfjs version: with a version that fixed the
 * bug it changes nothing, and with one that did not it still holds.
 *
 * @example A sum over nothing is 0 on every backend
 * ```ts
 * import * as tf from "./tf.ts";
 * await tf.setBackend("wasm");
 * const s = tf.sum(tf.zeros([0, 3]), 0);
 * if (s.dataSync().join() !== "0,0,0") throw new Error(`empty sum: ${s.dataSync()}`);
 * const p = tf.prod(tf.zeros([2, 0], "int32"), 1);
 * if (p.dataSync().join() !== "1,1" || p.dtype !== "int32") throw new Error(`empty product: ${p}`);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { replaceWasmKernel } from "./wasm_kernels.ts";
import { onCpu } from "./wasm_on_cpu.ts";

/** The reductions whose wasm kernels return uninitialised memory for an empty axis. */
export const EMPTY_AXIS_REDUCTIONS: readonly string[] = [
  tf.Sum,
  tf.Prod,
  tf.Mean,
  tf.Max,
  tf.Min,
  tf.Any,
  tf.All,
];

/**
 * Whether reducing `shape` over `axis` (a number, a list, or `null`/absent for every axis;
 * negative counts from the end) reduces over an axis of length 0.
 *
 * @example
 * ```ts
 * import { reducesEmptyAxis } from "./wasm_empty_reductions.ts";
 * if (!reducesEmptyAxis([0, 3], 0) || reducesEmptyAxis([0, 3], 1) || !reducesEmptyAxis([4, 0], null)) {
 *   throw new Error("wrong verdict on an empty axis");
 * }
 * if (!reducesEmptyAxis([2, 0], [-1])) throw new Error("a negative axis counts from the end");
 * ```
 */
export function reducesEmptyAxis(
  shape: readonly number[],
  axis: number | readonly number[] | null | undefined,
): boolean {
  const axes = axis === null || axis === undefined
    ? shape.map((_, i) => i)
    : (typeof axis === "number" ? [axis] : axis).map((a) => (a < 0 ? a + shape.length : a));
  return axes.some((a) => shape[a] === 0);
}

/**
 * Wraps the wasm kernels of {@linkcode EMPTY_AXIS_REDUCTIONS} as the module doc describes.
 * Idempotent; call it before or after the backend starts.
 */
export function installEmptyReductions(): void {
  for (const kernelName of EMPTY_AXIS_REDUCTIONS) {
    replaceWasmKernel(
      kernelName,
      (original) =>
        function emptyAxisReduction(args) {
          const x = args.inputs.x as tf.TensorInfo;
          // Max names its axes `reductionIndices`, the others `axis`.
          const { axis, reductionIndices } = args.attrs as unknown as {
            axis?: number | number[] | null;
            reductionIndices?: number | number[] | null;
          };
          if (!reducesEmptyAxis(x.shape, axis ?? reductionIndices)) return original(args);
          return (onCpu(kernelName, args) as tf.TensorInfo | undefined) ?? original(args);
        },
      { anyVersion: true },
    );
  }
}

/**
 * Two correctness fixes for tfjs's wasm backend: kernels it lacks, and `gather` with batch
 * dimensions, computed by tfjs's own cpu kernels instead.
 *
 * tfjs-backend-wasm 4.22 registers no kernel for some operations the cpu backend has, so on
 * wasm they throw "Kernel 'X' not registered for backend 'wasm'": among them `UnsortedSegmentSum`,
 * which the gradient of `tf.gather` needs, and `Einsum` ({@linkcode WASM_MISSING}). And its
 * `GatherV2` reads the wrong rows when `batchDims > 0` (`tf.gather(Z, y, 1, 1)`, the book's
 * `Z[range(n), y]`: tensorflow/tfjs#8658), sometimes outside its memory. A learner's correct
 * answer must not fail for either. {@linkcode installWasmOnCpu} registers, for each missing
 * kernel, a wasm kernel that copies the inputs to the cpu backend, runs tfjs's cpu kernel there
 * and copies the outputs back; and wraps wasm's `GatherV2` to do the same when `batchDims > 0`.
 * Installed by {@linkcode ./tf.ts} on import. Like the empty-axis fix, it uses only the
 * backends' public interface (`write`, `readSync`, `disposeData`) and gives the cpu backend's
 * answer, so it is installed whatever the tfjs version.
 *
 * @example The gradient of `tf.gather`, `tf.einsum`, and a batched gather, on wasm
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * await tf.setBackend("wasm");
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.gather(x, [0, 0, 2])))(tf.tensor1d([1, 2, 3]));
 * assertClose(g, [2, 0, 1]);
 * assertClose(tf.einsum("ij,jk->ik", tf.eye(2), tf.tensor2d([[1, 2], [3, 4]])), [[1, 2], [3, 4]]);
 * const Z = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
 * const picked = tf.gather(Z, tf.tensor2d([[2], [0], [3]], [3, 1], "int32"), 1, 1);
 * assertClose(picked, [[3], [5], [12]]);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { replaceWasmKernel } from "./wasm_kernels.ts";

/** Kernels tfjs's cpu backend has and its wasm backend 4.22 lacks, on numbers (not strings). */
export const WASM_MISSING: readonly string[] = [
  "UnsortedSegmentSum",
  "Einsum",
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
];

/** A backend's methods this fix uses (public in tfjs-core's `KernelBackend`). */
interface Backend {
  write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId;
  readSync(dataId: tf.DataId): tf.BackendValues;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/**
 * Runs tfjs's cpu kernel `kernelName` on copies of `args`' inputs and returns copies of its
 * outputs on `args.backend`; `undefined` without a cpu backend or kernel. The kit's other
 * wasm fix ({@linkcode ./wasm_empty_reductions.ts}) uses it too.
 *
 * @example tfjs's cpu `Neg` on a wasm tensor, the result back on wasm
 * ```ts
 * import * as tf from "./tf.ts";
 * import { onCpu } from "./wasm_on_cpu.ts";
 * await tf.setBackend("wasm");
 * const x = tf.tensor1d([1, -2]);
 * const info = onCpu("Neg", { inputs: { x }, attrs: {}, backend: tf.backend() });
 * const out = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
 * if (out.dataSync().join() !== "-1,2") throw new Error(`Neg on cpu gave ${out.dataSync()}`);
 * ```
 */
export function onCpu(
  kernelName: string,
  args: Parameters<tf.KernelFunc>[0],
): tf.TensorInfo | tf.TensorInfo[] | undefined {
  const cpu = tf.engine().findBackend("cpu") as unknown as Backend | null;
  const kernel = tf.getKernel(kernelName, "cpu");
  if (!cpu || !kernel) return undefined;
  const here = args.backend as unknown as Backend;
  const made: tf.TensorInfo[] = [];
  try {
    // Named inputs, or a list (Einsum's).
    const inputs: Record<string, tf.TensorInfo> = Array.isArray(args.inputs) ? [] as never : {};
    for (const [name, info] of Object.entries(args.inputs)) {
      if (info === undefined) continue;
      const copy = {
        dataId: cpu.write(here.readSync(info.dataId), [...info.shape], info.dtype),
        shape: info.shape,
        dtype: info.dtype,
      };
      made.push(copy);
      inputs[name] = copy;
    }
    const out = kernel.kernelFunc({
      ...args,
      inputs,
      backend: cpu as unknown as tf.KernelBackend,
    });
    const outs = Array.isArray(out) ? out : [out];
    made.push(...outs);
    const back = outs.map((o) => ({
      dataId: here.write(cpu.readSync(o.dataId), [...o.shape], o.dtype),
      shape: [...o.shape],
      dtype: o.dtype,
    }));
    return Array.isArray(out) ? back : back[0];
  } finally {
    for (const info of made) cpu.disposeData(info.dataId, true);
  }
}

/** Installs both fixes of the module doc. Idempotent; call it before or after the backend starts. */
export function installWasmOnCpu(): void {
  if (tf.getKernelsForBackend("wasm").length === 0) return; // no wasm backend loaded
  for (const kernelName of WASM_MISSING) {
    if (tf.getKernel(kernelName, "wasm")) continue;
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: (args) => {
        const out = onCpu(kernelName, args);
        if (out === undefined) {
          throw new Error(`Kernel '${kernelName}' needs tfjs's cpu backend, which is not loaded`);
        }
        return out;
      },
    });
  }
  replaceWasmKernel(
    tf.GatherV2,
    (original) =>
      function batchedGather(args) {
        const { batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
        return (batchDims ?? 0) > 0 ? onCpu(tf.GatherV2, args) ?? original(args) : original(args);
      },
    { anyVersion: true },
  );
}

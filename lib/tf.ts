/**
 * The kit's one import of TensorFlow.js: `import * as tf from "../lib/tf.ts"`.
 *
 * It is the full `@tensorflow/tfjs` namespace, ready to compute: importing it starts the
 * default backend (`wasm`, or what the `D2L_BACKEND` environment variable names; `cpu` with a
 * warning when wasm cannot start), so examples and tests need no setup. Commands with a
 * `--backend` flag switch afterwards with {@linkcode ./backend.ts initBackend}. Importing
 * `@tensorflow/tfjs` directly gives the same objects.
 *
 * ## Two speed fixes for the wasm backend, installed on import
 *
 * Both change *how* tfjs computes, never *what*: every op gives the same values, every
 * gradient the same gradient (up to float32 rounding in a different order), and the lessons'
 * code is unchanged. On the lesson's training loop they halve the time of an epoch (with the
 * lessons' own savings; `bench/train.ts` measures it).
 *
 * 1. **The matrix-product gradient without transposed operands.** tfjs's gradient of
 *    `C = matMul(A, B)` is `dA = matMul(dy, B, false, true)` and `dB = matMul(A, dy, true,
 *    false)`. tfjs-backend-wasm 4.22 runs a product through XNNPACK only when neither operand
 *    is transposed; otherwise it falls back to a plain triple loop, which for the lesson's
 *    `Xᵀ · dy` ([784, 256] · [256, 10]) costs about 10× the forward product. The gradient
 *    registered here computes the same four products from untransposed ones: it transposes
 *    the operands first, or it computes the transposed product and transposes the result
 *    (`Xᵀ · dy = (dyᵀ · X)ᵀ`), whichever copies fewer numbers; and it transposes a large
 *    matrix in two cache-friendly passes, which halves wasm's `Transpose`. It applies on the
 *    wasm backend to rank-2 operands; batched (rank ≥ 3) products, and every product on other
 *    backends (whose kernels handle transposed operands well), use tfjs's own gradient.
 * 2. **`Identity`, and `Cast` to the same dtype, share the input's memory on wasm**, as they
 *    already do on the cpu backend (and as wasm's own `Reshape` does), instead of copying it.
 *    Tensors are immutable, so sharing is safe; the backend frees the memory when its last
 *    tensor goes. This matters for training because tfjs's gradient tape keeps a clone
 *    (`Identity`) of every input a backward step needs (16 per step of the lesson), and
 *    tfjs's gradients cast their saved inputs to float32 (7 per step): on wasm each was a
 *    copy, two of them of the whole batch of images (≈ 800 KB each).
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * const s = tf.sum(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
 * if (s.arraySync() !== 21) throw new Error();
 * ```
 *
 * @example The gradient of a product is tfjs's, whichever way it is computed
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * const X = tf.tensor2d([[1, 2], [3, 4], [5, 6]]); // [3, 2]
 * const W = tf.tensor2d([[1, 0, 2], [0, 1, 3]]); // [2, 3]
 * const [dX, dW] = tf.grads((x, w) => tf.matMul(x, w))([X, W]);
 * assertClose(dX, tf.matMul(tf.ones([3, 3]), W, false, true)); // dy · Wᵀ
 * assertClose(dW, tf.matMul(X, tf.ones([3, 3]), true, false)); // Xᵀ · dy
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";

export * from "@tensorflow/tfjs";

/** The backend whose kernels and gradient this module speeds up. */
const WASM = "wasm";

/**
 * The transpose of a matrix `x` [r, c], in two cache-friendly passes when it is large.
 *
 * wasm's `Transpose` of a matrix walks the input in order and writes the output with a
 * stride of a whole row, a cache miss per number (≈ 0.8 ms for a batch of images [256, 784]).
 * Cut into blocks of `B` rows, the same permutation is two easier moves: transpose each
 * [B, c] block (short strides), then interleave the blocks' rows (runs of `B` numbers). That
 * takes about half the time. Small matrices, and row counts no block size divides, take the
 * one-pass kernel.
 */
function transposeMatrix(x: tf.Tensor): tf.Tensor {
  const [r, c] = x.shape as [number, number];
  const block = [64, 32, 16, 8].find((b) => r % b === 0 && r > b);
  if (x.size < 1 << 14 || block === undefined) return tf.transpose(x);
  const blocksTransposed = tf.transpose(tf.reshape(x, [r / block, block, c]), [0, 2, 1]);
  return tf.reshape(tf.transpose(blocksTransposed, [1, 0, 2]), [c, r]); // [c, r / B, B] = [c, r]
}

/**
 * `op(a) · op(b)` for rank-2 `a`, `b`, where `op` transposes when its flag is set, computed
 * with untransposed products only (the ones tfjs-backend-wasm runs through XNNPACK).
 *
 * Two equivalent ways: transpose the flagged operands first, or compute the transposed
 * product `op(b)ᵀ · op(a)ᵀ` (whose operands need transposing exactly where the original ones
 * do not) and transpose its `[n, m]` result. Both copy numbers around before multiplying:
 * wasm's `Transpose` moves each number once, and XNNPACK repacks the right operand of every
 * product it has not seen before, at about twice that cost per number (measured: ≈ 0.8 ms to
 * transpose and ≈ 1.8 ms to repack a batch of images [256, 784]). The cheaper way by that
 * count wins: for the lesson's `Xᵀ · dy` it is `transpose(X) · dy`, which repacks only the
 * small `dy` [256, 10], not `(dyᵀ · X)ᵀ`, which repacks `X`.
 */
function productOfUntransposed(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): tf.Tensor {
  const m = transposeA ? a.shape[1]! : a.shape[0];
  const n = transposeB ? b.shape[0] : b.shape[1]!;
  // Numbers transposed, plus twice the numbers XNNPACK repacks (the right operand).
  const direct = (transposeA ? a.size : 0) + (transposeB ? b.size : 0) + 2 * b.size;
  const flipped = (transposeA ? 0 : a.size) + (transposeB ? 0 : b.size) + m * n + 2 * a.size;
  const t = transposeMatrix;
  if (direct <= flipped) return tf.matMul(transposeA ? t(a) : a, transposeB ? t(b) : b);
  return t(tf.matMul(transposeB ? b : t(b), transposeA ? a : t(a)));
}

/**
 * Registers the `BatchMatMul` gradient described in the module doc, keeping tfjs's own as the
 * fallback. The four cases are tfjs's (`gradients/BatchMatMul_grad.ts`), term for term; only
 * the way each product is computed changes.
 */
function installMatMulGradient(): void {
  const original = tf.getGradient(tf.BatchMatMul);
  if (original === undefined || original.gradFunc.name === "batchMatMulGradWasm") return;
  const tfjsGradFunc = original.gradFunc;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: function batchMatMulGradWasm(dys, saved, attrs) {
      const [a, b] = saved;
      if (tf.getBackend() !== WASM || a.rank !== 2 || b.rank !== 2) {
        return tfjsGradFunc(dys, saved, attrs);
      }
      const dy = dys as tf.Tensor; // BatchMatMul has one output
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const mul = productOfUntransposed;
      if (!transposeA && !transposeB) {
        return { a: () => mul(dy, b, false, true), b: () => mul(a, dy, true, false) };
      } else if (!transposeA && transposeB) {
        return { a: () => mul(dy, b, false, false), b: () => mul(dy, a, true, false) };
      } else if (transposeA && !transposeB) {
        return { a: () => mul(b, dy, false, true), b: () => mul(a, dy, false, false) };
      }
      return { a: () => mul(b, dy, true, true), b: () => mul(dy, a, true, true) };
    },
  });
}

/** The part of the wasm backend the sharing kernel uses (the same call its `Reshape` makes). */
interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/** A kernel result that is its input: one more reference to the same memory, no copy. */
function shareInput(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replaces wasm's `kernelName` kernel by `kernelFunc`, which may call the original. */
function replaceWasmKernel(
  kernelName: string,
  make: (original: tf.KernelFunc) => tf.KernelFunc,
): void {
  const original = tf.getKernel(kernelName, WASM);
  if (original === undefined || original.kernelFunc.name === "sharingKernel") return;
  tf.unregisterKernel(kernelName, WASM);
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
}

/** Installs the two speed fixes of the module doc. Idempotent. */
function installWasmSpeedups(): void {
  installMatMulGradient();
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

try {
  await initBackend();
} catch (error) {
  // A bad D2L_BACKEND must not kill every importer with a stack trace: warn in one line and
  // start wasm. A command's own initBackend() call reports the bad value as a usage error.
  console.warn(`Warning: ${error instanceof Error ? error.message : error}; using wasm`);
  await initBackend({ backend: "wasm" });
}

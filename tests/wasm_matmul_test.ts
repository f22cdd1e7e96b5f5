import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { assertClose } from "../lib/assert_close.ts";
import { product, randomMatrix, transpose } from "./helpers/matrices.ts";
import { WASM_MATMUL_BASE64 } from "../lib/wasm_matmul_bytes.ts";
import { installWasmMatMul, uninstallWasmMatMul } from "../lib/wasm_matmul.ts";
import { bytesFileText, WASM_MODULES } from "../tools/build_wasm.ts";
import { onBackend } from "./helpers/on_backend.ts";

// [m, k, n] of op(a) · op(b), chosen for the kernel's paths: the lesson's forward and backward
// shapes; m not a multiple of 4 (the one-number tail), k past one block of 32 rows and not a
// multiple of it, n above 10 (several passes over B's columns, of uneven widths), and 0s.
const SHAPES: [number, number, number][] = [
  [784, 256, 10],
  [784, 96, 10],
  [256, 784, 10],
  [1, 1, 1],
  [3, 5, 7],
  [7, 33, 11],
  [13, 70, 21],
  [8, 64, 31],
  [4, 0, 3],
  [0, 5, 3],
  [6, 5, 0],
];

Deno.test("each lib/*_bytes.ts holds the compiled text of its *_wat.ts (else: deno task build-wasm)", async () => {
  for (const file of new Set(WASM_MODULES.map((m) => m.bytesModule))) {
    assert.equal(
      await bytesFileText(file),
      await Deno.readTextFile(new URL(`../${file}`, import.meta.url)),
      `${file} is out of date: run deno task build-wasm`,
    );
  }
  assert.ok(
    WebAssembly.validate(Uint8Array.fromBase64(WASM_MATMUL_BASE64)),
  );
});

Deno.test("the kit's BatchMatMul kernel is installed on wasm", () => {
  assert.equal(tf.getKernel(tf.BatchMatMul, "wasm")?.kernelFunc.name, "wasmMatMulKernel");
  installWasmMatMul(); // idempotent
  assert.equal(tf.getKernel(tf.BatchMatMul, "wasm")?.kernelFunc.name, "wasmMatMulKernel");
});

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`matMul with every transpose flag equals a float64 product [${backend}]`, () =>
    onBackend(backend, () => {
      let seed = 100;
      for (const [m, k, n] of SHAPES) {
        const opA = randomMatrix(seed++, m, k);
        const opB = randomMatrix(seed++, k, n);
        const want = product(opA, opB, n);
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const a = tA
              ? tf.tensor2d(transpose(opA, k).flat(), [k, m])
              : tf.tensor2d(opA.flat(), [m, k]);
            const b = tB
              ? tf.tensor2d(transpose(opB, n).flat(), [n, k])
              : tf.tensor2d(opB.flat(), [k, n]);
            const before = tf.memory();
            const c = tf.matMul(a, b, tA, tB);
            const msg = `[${m}, ${k}, ${n}] transposeA ${tA} transposeB ${tB}`;
            assert.deepEqual(c.shape, [m, n], msg);
            assert.equal(tf.memory().numTensors, before.numTensors + 1, msg);
            assert.equal(tf.memory().numBytes, before.numBytes + 4 * m * n, msg);
            // Float32 sums of up to 784 terms of size ≤ 1, in another order than float64's.
            if (m * n > 0) assertClose(c, want, { rtol: 1e-4, atol: 1e-4, msg });
            tf.dispose([a, b, c]);
          }
        }
      }
    }));
}

Deno.test("the kernel gives the same bits every time, and nearly tfjs's own kernel's", () => {
  const a = tf.randomNormal([256, 784], 0, 1, "float32", 1);
  const b = tf.randomNormal([256, 10], 0, 1, "float32", 2);
  const first = tf.matMul(a, b, true, false);
  const again = tf.matMul(a, b, true, false);
  assert.deepEqual(first.dataSync(), again.dataSync());
  assert.ok(uninstallWasmMatMul());
  let tfjs: tf.Tensor;
  try {
    tfjs = tf.matMul(a, b, true, false);
  } finally {
    installWasmMatMul();
  }
  assertClose(first, tfjs, { rtol: 1e-5, atol: 1e-4 });
  tf.dispose([a, b, first, again, tfjs]);
});

Deno.test("products free their scratch memory: the wasm heap does not grow over 2000 of them", () => {
  const heap = () =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const a = tf.randomNormal([256, 784], 0, 1, "float32", 3);
  const b = tf.randomNormal([10, 256], 0, 1, "float32", 4);
  tf.tidy(() => tf.matMul(a, b, true, true)); // warm-up: the module is instantiated
  const [tensors, bytes] = [tf.memory().numTensors, heap()];
  for (let i = 0; i < 2000; i++) tf.matMul(a, b, true, true).dispose(); // scratch Cᵀ and bᵀ
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(heap() - bytes < 1 << 20, `heap grew from ${bytes} to ${heap()} bytes`);
  tf.dispose([a, b]);
});

Deno.test("batched, int32 and mismatched products keep tfjs's own behaviour on wasm", () => {
  const a = tf.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]); // [2, 2, 2]
  const eye = tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [0, 1]]]);
  assertClose(tf.matMul(a, eye, true, false), [[[1, 3], [2, 4]], [[5, 7], [6, 8]]]);
  assert.throws(
    () => tf.matMul(tf.ones([3, 2]), tf.ones([4, 5]), true, false),
    /inner shapes \(3\) and \(4\)/,
  );
});

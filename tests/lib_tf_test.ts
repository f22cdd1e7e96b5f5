import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { assertClose } from "../lib/assert_close.ts";
import { product, randomMatrix, transpose } from "./helpers/matrices.ts";

/**
 * The four cases of tfjs's own BatchMatMul gradient (tfjs-core's
 * `gradients/BatchMatMul_grad.ts`), written with `tf.matMul`'s transpose flags.
 */
function tfjsGradients(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  dy: tf.Tensor2D,
  tA: boolean,
  tB: boolean,
): [tf.Tensor, tf.Tensor] {
  if (!tA && !tB) return [tf.matMul(dy, b, false, true), tf.matMul(a, dy, true, false)];
  if (!tA && tB) return [tf.matMul(dy, b, false, false), tf.matMul(dy, a, true, false)];
  if (tA && !tB) return [tf.matMul(b, dy, false, true), tf.matMul(a, dy, false, false)];
  return [tf.matMul(b, dy, true, true), tf.matMul(dy, a, true, true)];
}

// [m, k, n] of op(a) · op(b): the lesson's shapes, and small or odd ones that take the tails of
// the kit's wasm kernel (m not a multiple of 4, k past a block of 32 rows, n above 10).
const SHAPES: [number, number, number][] = [
  [256, 784, 10],
  [96, 784, 10],
  [24, 1000, 3],
  [5, 7, 3],
  [1, 4, 1],
  [33, 65, 17],
];

for (const backend of BACKENDS) {
  Deno.test(`matMul gradients equal tfjs's own and a float64 reference for all four transpose flags [${backend}]`, () =>
    onBackend(backend, () => {
      let seed = 1;
      for (const [m, k, n] of SHAPES) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const opA = randomMatrix(seed++, m, k); // op(a): [m, k]
            const opB = randomMatrix(seed++, k, n); // op(b): [k, n]
            const dyValues = randomMatrix(seed++, m, n);
            const a = tf.tensor2d(tA ? transpose(opA) : opA);
            const b = tf.tensor2d(tB ? transpose(opB) : opB);
            const dy = tf.tensor2d(dyValues);
            const before = tf.memory().numTensors;
            const [da, db] = tf.grads((x, w) => tf.matMul(x, w, tA, tB))([a, b], dy);
            assert.equal(tf.memory().numTensors, before + 2, "only the two gradients remain");
            const [wantA, wantB] = tfjsGradients(a as tf.Tensor2D, b as tf.Tensor2D, dy, tA, tB);
            const msg = `[${m}, ${k}, ${n}] transposeA ${tA} transposeB ${tB}`;
            assert.deepEqual(da.shape, a.shape, msg);
            assert.deepEqual(db.shape, b.shape, msg);
            // Float32 sums of up to 1000 terms of size ≤ 1, added in another order.
            assertClose(da, wantA, { rtol: 1e-5, atol: 1e-5, msg: `dA vs tfjs ${msg}` });
            assertClose(db, wantB, { rtol: 1e-5, atol: 1e-5, msg: `dB vs tfjs ${msg}` });
            // d op(a) = dy · op(b)ᵀ and d op(b) = op(a)ᵀ · dy, in float64.
            const dOpA = product(dyValues, transpose(opB));
            const dOpB = product(transpose(opA), dyValues);
            assertClose(da, tA ? transpose(dOpA) : dOpA, { rtol: 1e-4, atol: 1e-4, msg });
            assertClose(db, tB ? transpose(dOpB) : dOpB, { rtol: 1e-4, atol: 1e-4, msg });
            tf.dispose([a, b, dy, da, db, wantA, wantB]);
          }
        }
      }
    }));

  Deno.test(`batched (rank-3) matMul gradients match a float64 reference [${backend}]`, () =>
    onBackend(backend, () => {
      const [batch, m, k, n] = [3, 4, 5, 2];
      const as = Array.from({ length: batch }, (_, i) => randomMatrix(10 + i, m, k));
      const bs = Array.from({ length: batch }, (_, i) => randomMatrix(20 + i, k, n));
      const dys = Array.from({ length: batch }, (_, i) => randomMatrix(30 + i, m, n));
      const a = tf.tensor3d(as);
      const b = tf.tensor3d(bs);
      const dy = tf.tensor3d(dys);
      const [da, db] = tf.grads((x, w) => tf.matMul(x, w))([a, b], dy);
      assertClose(da, dys.map((d, i) => product(d, transpose(bs[i]))), { rtol: 1e-5, atol: 1e-6 });
      assertClose(db, as.map((x, i) => product(transpose(x), dys[i])), { rtol: 1e-5, atol: 1e-6 });
      tf.dispose([a, b, dy, da, db]);
    }));
}

/** Kernel names `f` runs, counted with `tf.profile`. */
async function kernelNames(f: () => void): Promise<string[]> {
  // tf.profile returns the same object each time: copy the names before profiling again.
  return (await tf.profile(f)).kernels.map((k) => k.name);
}

/** Kernel names the backward pass of `loss` runs: those of a gradient minus the forward's. */
async function backwardKernels(loss: () => tf.Scalar): Promise<string[]> {
  const forward = await kernelNames(() => tf.dispose(loss()));
  const both = await kernelNames(() => tf.dispose(tf.variableGrads(loss).grads));
  for (const name of forward) {
    const i = both.indexOf(name);
    assert.ok(i >= 0, `${name} ran forward but not in the gradient`);
    both.splice(i, 1);
  }
  return both;
}

Deno.test("the lesson's backward product is one BatchMatMul and no Transpose, on both backends", async () => {
  const X = tf.randomUniform([256, 784], 0, 1, "float32", 1) as tf.Tensor2D;
  const W = tf.variable(tf.randomNormal([784, 10], 0, 0.01, "float32", 2) as tf.Tensor2D);
  const loss = () => tf.sum(tf.matMul(X, W)) as tf.Scalar;
  for (const backend of BACKENDS) {
    await onBackend(backend, async () => {
      const backward = await backwardKernels(loss);
      assert.ok(!backward.includes("Transpose"), `${backend} ran ${backward.join(", ")}`);
      assert.equal(backward.filter((k) => k === "BatchMatMul").length, 1, backend);
    });
  }
  tf.dispose([X, W]);
});

Deno.test("Identity (tf.clone) shares the input's memory on wasm, and frees it with the last tensor", () => {
  assert.equal(tf.getBackend(), "wasm");
  const x = tf.tensor2d([[1.5, -2], [3, 4]]);
  const before = tf.memory();
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId, "one buffer, two tensors");
  assert.equal(tf.memory().numDataBuffers, before.numDataBuffers, "no new buffer");
  assert.equal(tf.memory().numTensors, before.numTensors + 1);
  x.dispose();
  assertClose(y, [[1.5, -2], [3, 4]], { atol: 0, rtol: 0 }); // still readable
  y.dispose();
  assert.equal(tf.memory().numDataBuffers, before.numDataBuffers - 1, "freed with the last");
  assert.equal(tf.memory().numBytes, before.numBytes - 16);
});

Deno.test("Cast shares memory on wasm only when the dtype stays; real casts still convert", () => {
  const f = tf.tensor1d([1.7, -1.7, 0, 2.5]);
  const same = tf.cast(f, "float32");
  assert.equal(same.dataId, f.dataId);
  const i = tf.cast(f, "int32");
  assert.notEqual(i.dataId, f.dataId);
  assert.equal(i.dtype, "int32");
  assert.deepEqual(Array.from(i.dataSync()), [1, -1, 0, 2]);
  const back = tf.cast(i, "float32");
  assert.notEqual(back.dataId, i.dataId);
  assertClose(back, [1, -1, 0, 2], { atol: 0, rtol: 0 });
  const s = tf.tensor1d(["a", "b"], "string");
  const sClone = tf.clone(s);
  assert.deepEqual(sClone.arraySync(), ["a", "b"]);
  tf.dispose([f, same, i, back, s, sClone]);
});

Deno.test("tensors that share memory keep their values through a gradient and an SGD step", () => {
  // The gradient tape keeps clones (shared buffers) of X and W; assigning W a new value must
  // not change what the tape or an older tensor holds.
  const W = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const X = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
  const old = tf.clone(W);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(X, W)) as tf.Scalar);
  W.assign(tf.sub(W, grads[W.name]));
  assertClose(old, [[1, 2], [3, 4]], { atol: 0, rtol: 0 });
  assertClose(grads[W.name], [[2, 2], [2, 2]], { atol: 0, rtol: 0 }); // Xᵀ · ones
  assertClose(W, [[-1, 0], [1, 2]], { atol: 0, rtol: 0 });
  assertClose(value, 20, { atol: 0, rtol: 0 });
  tf.dispose([W, X, old, value, grads[W.name]]);
});

Deno.test("lib/tf.ts loads tfjs without the packages the kit never calls, with every gradient", () => {
  // lib/tfjs_unused.ts must run before @tensorflow/tfjs loads; an import of the package ahead
  // of it (in lib/tf.ts or a module it imports) would bring tfjs-layers back.
  const namespace = tf as unknown as Record<string, unknown>;
  for (const name of ["sequential", "loadLayersModel", "loadGraphModel"]) {
    assert.equal(namespace[name], undefined, `tf.${name} is loaded`);
  }
  assert.equal(tf.findBackend("webgl"), null, "the webgl backend is registered");
  const [dW] = tf.grads((W: tf.Tensor) => tf.sum(tf.softmax(tf.matMul(tf.ones([2, 3]), W))))([
    tf.ones([3, 4]),
  ]);
  assert.deepEqual(dW.shape, [3, 4], "softmax and matMul have their gradients");
});

/**
 * The wasm backend's reductions over an empty axis give exactly what the cpu backend gives
 * (`lib/wasm_empty_reductions.ts`), for every reduction, shape, axis and dtype tried, and leave
 * no tensor behind; inputs with no empty reduced axis still agree with cpu.
 */
import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { EMPTY_AXIS_REDUCTIONS } from "../lib/wasm_empty_reductions.ts";
import { TESTED_TFJS } from "../lib/wasm_kernels.ts";

type Reduce = (x: tf.Tensor, axis: number | number[] | undefined, keep: boolean) => tf.Tensor;

const REDUCTIONS: Record<string, Reduce> = {
  sum: (x, axis, keep) => tf.sum(x, axis, keep),
  prod: (x, axis, keep) => tf.prod(x, axis, keep),
  mean: (x, axis, keep) => tf.mean(x, axis, keep),
  max: (x, axis, keep) => tf.max(x, axis, keep),
  min: (x, axis, keep) => tf.min(x, axis, keep),
  any: (x, axis, keep) => tf.any(tf.cast(x, "bool"), axis, keep),
  all: (x, axis, keep) => tf.all(tf.cast(x, "bool"), axis, keep),
};

/** Shapes with an empty axis, and reduction axes over it (undefined: every axis). */
const EMPTY_CASES: [number[], (number | number[] | undefined)[]][] = [
  [[0], [0, -1, undefined]],
  [[0, 3], [0, -2, [0, 1], undefined]],
  [[4, 0], [1, -1, [0, 1], undefined]],
  [[2, 0, 3], [1, [0, 1], [1, 2], undefined]],
];

async function on(
  backend: string,
  f: () => tf.Tensor,
): Promise<{ shape: number[]; dtype: string; values: number[] }> {
  assert.ok(await tf.setBackend(backend), `the ${backend} backend could not start`);
  const before = tf.memory().numTensors;
  const t = f();
  const out = { shape: t.shape, dtype: t.dtype, values: [...t.dataSync()].map(Number) };
  t.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: a tensor left behind`);
  return out;
}

Deno.test("every wasm reduction over an empty axis equals the cpu backend's answer, for float32, int32 and bool", async () => {
  const backend = tf.getBackend();
  try {
    for (const [name, reduce] of Object.entries(REDUCTIONS)) {
      for (const [shape, axes] of EMPTY_CASES) {
        for (const axis of axes) {
          for (const keep of [false, true]) {
            for (const dtype of ["float32", "int32"] as const) {
              const f = () => tf.tidy(() => reduce(tf.zeros(shape, dtype), axis, keep));
              const [cpu, wasm] = [await on("cpu", f), await on("wasm", f)];
              const what = `${name}(zeros [${shape}] ${dtype}, axis ${
                JSON.stringify(axis)
              }, keep ${keep})`;
              assert.deepEqual(wasm, cpu, what);
            }
          }
        }
      }
    }
  } finally {
    await tf.setBackend(backend);
  }
});

Deno.test("wasm reductions with no empty reduced axis are unchanged: they agree with cpu", async () => {
  const backend = tf.getBackend();
  try {
    const x = [[1, -2, 3], [4, 5, -6]];
    for (const [name, reduce] of Object.entries(REDUCTIONS)) {
      for (const axis of [0, 1, undefined]) {
        const f = () => tf.tidy(() => reduce(tf.tensor2d(x), axis, false));
        const [cpu, wasm] = [await on("cpu", f), await on("wasm", f)];
        assert.deepEqual([wasm.shape, wasm.dtype], [cpu.shape, cpu.dtype], name);
        wasm.values.forEach((v, i) =>
          assert.ok(Math.abs(v - cpu.values[i]) < 1e-5, `${name} ${axis}`)
        );
      }
    }
    // Over [0, 3] a reduction of axis 1 reduces nothing empty: the output is empty itself.
    assert.deepEqual((await on("wasm", () => tf.tidy(() => tf.sum(tf.zeros([0, 3]), 1)))).shape, [
      0,
    ]);
  } finally {
    await tf.setBackend(backend);
  }
});

Deno.test("the fix covers every reduction and is installed with the tested tfjs", () => {
  assert.equal(tf.version_core, TESTED_TFJS);
  for (const name of EMPTY_AXIS_REDUCTIONS) {
    assert.equal(tf.getKernel(name, "wasm")?.kernelFunc.name, "emptyAxisReduction", name);
  }
});

import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { BACKENDS } from "../lib/backend.ts";
import { onBackend } from "./helpers/on_backend.ts";
import { assertClose } from "../lib/assert_close.ts";
import { createRng } from "../lib/random.ts";
import { sumKeepdim } from "../lessons/01_sum_keepdim.ts";

/** Plain-TypeScript reference: sums of a row-major [rows, cols] matrix, keepdim shapes. */
function sumKeepdimRef(rows: number[][], axis: 0 | 1): number[][] {
  if (axis === 1) return rows.map((row) => [row.reduce((s, v) => s + v, 0)]);
  return [rows[0].map((_, j) => rows.reduce((s, row) => s + row[j], 0))];
}

/** Runs `fn` on `backend`, then returns to the default backend for the tests that follow. */
for (const backend of BACKENDS) {
  Deno.test(`sumKeepdim() gives the book's [[5, 7, 9]], [[6], [15]] and 21 [${backend}]`, () =>
    onBackend(backend, () => {
      const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const cols = sumKeepdim(X, 0);
      const rows = sumKeepdim(X, 1);
      const all = tf.sum(X);
      assert.deepEqual(cols.shape, [1, 3]);
      assert.deepEqual(rows.shape, [2, 1]);
      assertClose(cols, [[5, 7, 9]], { atol: 0 });
      assertClose(rows, [[6], [15]], { atol: 0 });
      assertClose(all, 21, { atol: 0 });
      assert.deepEqual(all.shape, []);
      tf.dispose([X, cols, rows, all]);
    }));

  Deno.test(`sumKeepdim() matches a plain TypeScript reference on random matrices [${backend}]`, () =>
    onBackend(backend, () => {
      const rng = createRng(7);
      for (const [r, c] of [[1, 1], [3, 8], [17, 5], [64, 10]]) {
        const rows = Array.from(
          { length: r },
          () => Array.from({ length: c }, () => rng.next() * 4 - 2),
        );
        const X = tf.tensor2d(rows);
        for (const axis of [0, 1] as const) {
          const got = sumKeepdim(X, axis);
          assertClose(got, sumKeepdimRef(rows, axis), {
            rtol: 1e-5,
            atol: 1e-5,
            msg: `[${r}, ${c}] axis ${axis}`,
          });
          got.dispose();
        }
        X.dispose();
      }
    }));
}

Deno.test("sumKeepdim() keeps the axis so a row sum broadcasts back over its row", () => {
  const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const kept = tf.div(X, sumKeepdim(X, 1)); // [2, 3] / [2, 1]: each row by its own sum
  assertClose(tf.sum(kept, 1), [1, 1], { atol: 1e-6 });
  // Without keepdim the [2] vector cannot broadcast against [2, 3]: the bug keepdim prevents.
  assert.throws(() => tf.div(X, tf.sum(X, 1)), /broadcast/i);
  tf.dispose([X, kept]);
});

Deno.test("sumKeepdim() keeps int32 as int32", () => {
  const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], "int32");
  const s = sumKeepdim(X, 1);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(s.arraySync(), [[6], [15]]);
  tf.dispose([X, s]);
});

Deno.test("sumKeepdim() propagates NaN and Infinity only within the reduced line", () => {
  const X = tf.tensor2d([[NaN, 1, 2], [3, Infinity, 5]]);
  assertClose(sumKeepdim(X, 1), [[NaN], [Infinity]]);
  assertClose(sumKeepdim(X, 0), [[NaN, Infinity, 7]]);
  X.dispose();
});

for (const backend of BACKENDS) {
  Deno.test(`sumKeepdim() on an empty batch gives zeros along axis 0 and an empty column along axis 1 [${backend}]`, () =>
    onBackend(backend, () => {
      // Dirty the backend's memory first: wasm's tf.sum over nothing returns whatever is there.
      tf.tidy(() => tf.fill([4096], 7, "float32").dataSync());
      const X = tf.zeros([0, 3]) as tf.Tensor2D;
      const cols = sumKeepdim(X, 0);
      const rows = sumKeepdim(X, 1);
      assertClose(cols, [[0, 0, 0]], { atol: 0 });
      assert.deepEqual(rows.shape, [0, 1]);
      const ints = tf.zeros([0, 2], "int32") as tf.Tensor2D;
      const intCols = sumKeepdim(ints, 0);
      assert.equal(intCols.dtype, "int32");
      assertClose(intCols, [[0, 0]], { atol: 0 });
      tf.dispose([X, cols, rows, ints, intCols]);
    }));
}

Deno.test("sumKeepdim() rejects a wrong rank or axis with a clear message", () => {
  const v = tf.tensor1d([1, 2, 3]);
  assert.throws(
    () => sumKeepdim(v as unknown as tf.Tensor2D, 0),
    {
      name: "TypeError",
      message:
        "Cannot compute sumKeepdim: expected X to be a rank-2 tensor [rows, cols], got shape [3]",
    },
  );
  assert.throws(
    () => sumKeepdim([[1, 2]] as unknown as tf.Tensor2D, 0),
    (e: Error) => e instanceof TypeError && /got object/.test(e.message),
  );
  const X = tf.tensor2d([[1, 2]]);
  assert.throws(
    () => sumKeepdim(X, 2 as 0 | 1),
    {
      name: "RangeError",
      message: /axis must be 0 \(sum each column\) or 1 \(sum each row\), got 2/,
    },
  );
  tf.dispose([v, X]);
});

Deno.test("sumKeepdim() leaks no tensors", () => {
  const X = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const before = tf.memory().numTensors;
  for (const axis of [0, 1] as const) sumKeepdim(X, axis).dispose();
  assert.throws(() => sumKeepdim(X, 3 as 0));
  assert.equal(tf.memory().numTensors, before);
  X.dispose();
});

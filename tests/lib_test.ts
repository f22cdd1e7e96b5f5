import assert from "node:assert/strict";
import { AssertionError } from "node:assert";
import * as tf from "../lib/tf.ts";
import { assertClose, flatten } from "../lib/assert_close.ts";
import { BACKEND_ENV, initBackend, parseBackendName } from "../lib/backend.ts";
import { createRng, mixSeed, permutation } from "../lib/random.ts";
import { isTodo, todo, TodoError } from "../lib/todo.ts";

Deno.test("assertClose() accepts values within atol + rtol·|expected|", () => {
  assertClose([1.0, 100.0], [1.0000005, 100.0009], { rtol: 1e-5, atol: 1e-6 });
  assertClose(tf.tensor1d([NaN, Infinity, -Infinity]), [NaN, Infinity, -Infinity]);
  assertClose(3, 3);
});

Deno.test("assertClose() reports shape mismatches and the first differing elements", () => {
  assert.throws(
    () => assertClose(tf.tensor2d([[1, 2, 3]]), [1, 2, 3]),
    (e: unknown) =>
      e instanceof AssertionError && /shape mismatch: got \[1, 3\], expected \[3\]/.test(e.message),
  );
  assert.throws(
    () => assertClose([[1, 2], [3, 4]], [[1, 2], [3, 5]], { msg: "probabilities" }),
    (e: unknown) =>
      e instanceof AssertionError &&
      /probabilities: 1 of 4 elements differ/.test(e.message) &&
      /at \[1, 1\]: got 4, expected 5/.test(e.message),
  );
  assert.throws(() => assertClose([NaN], [0]), /at \[0\]: got NaN, expected 0/);
  assert.throws(() => assertClose([Infinity], [1e30]), /got Infinity/);
});

Deno.test("flatten() rejects ragged arrays and disposed tensors", () => {
  assert.throws(() => flatten([[1, 2], [3]]), /Ragged array at \[1\]: expected length 2, got 1/);
  const t = tf.scalar(1);
  t.dispose();
  assert.throws(() => flatten(t), /disposed tensor/);
});

Deno.test("parseBackendName() accepts wasm and cpu and names the bad value otherwise", () => {
  assert.equal(parseBackendName(" WASM ", "--backend"), "wasm");
  assert.throws(
    () => parseBackendName("webgl", "--backend"),
    /Unknown backend "webgl" in --backend: expected one of wasm, cpu/,
  );
});

Deno.test("initBackend() switches backends and reads D2L_BACKEND", async () => {
  const previous = Deno.env.get(BACKEND_ENV);
  try {
    assert.equal((await initBackend({ backend: "cpu" })).name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    Deno.env.set(BACKEND_ENV, "wasm");
    const info = await initBackend();
    assert.deepEqual([info.name, info.source], ["wasm", "env"]);
    Deno.env.set(BACKEND_ENV, "gpu");
    await assert.rejects(initBackend(), /D2L_BACKEND environment variable/);
  } finally {
    if (previous === undefined) Deno.env.delete(BACKEND_ENV);
    else Deno.env.set(BACKEND_ENV, previous);
    await initBackend({ backend: "wasm" });
  }
});

Deno.test("initBackend() falls back to cpu with a warning when wasm cannot start", async () => {
  const factory = tf.findBackendFactory("wasm");
  assert.ok(factory, "wasm backend registered");
  await initBackend({ backend: "cpu" });
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", () => {
    throw new Error("simulated: no WebAssembly");
  }, 2);
  try {
    const warnings: string[] = [];
    const info = await initBackend({ backend: "wasm", warn: (m) => warnings.push(m) });
    assert.equal(info.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /wasm backend could not start/);
    assert.match(warnings[0], /--backend cpu/);
    await initBackend({ backend: "cpu" });
    await assert.rejects(
      initBackend({ backend: "wasm", fallback: false }),
      /wasm backend could not start .*fallback: false/,
    );
  } finally {
    tf.removeBackend("wasm");
    tf.registerBackend("wasm", factory, 2);
    assert.equal((await initBackend({ backend: "wasm" })).name, "wasm");
  }
});

Deno.test("createRng() and permutation() are reproducible and seed-sensitive", () => {
  const a = createRng(7), b = createRng(7), c = createRng(8);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.deepEqual(permutation(100, 3), permutation(100, 3));
  assert.notDeepEqual(permutation(100, 3), permutation(100, 4));
  assert.notEqual(mixSeed(0, 0), mixSeed(0, 1));
  assert.throws(() => mixSeed(NaN), /Seed parts must be finite/);
});

Deno.test("permutation() is close to uniform", () => {
  // Position of element 0 over many shuffles of 4: each of 4 slots about 1/4 of the time.
  const counts = [0, 0, 0, 0];
  for (let s = 0; s < 4000; s++) counts[permutation(4, s).indexOf(0)]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 120, `counts ${counts}`);
});

Deno.test("todo() throws a TodoError that isTodo() recognises, also by name", () => {
  assert.throws(() => todo("softmax"), (e: unknown) => e instanceof TodoError && isTodo(e));
  const foreign = new Error("x");
  foreign.name = "TodoError";
  assert.ok(isTodo(foreign));
  assert.ok(!isTodo(new Error("x")));
  assert.ok(!isTodo("TodoError"));
});

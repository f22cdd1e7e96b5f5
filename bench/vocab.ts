/**
 * Bench for exercise 5: the cost per example of the full softmax loss and of the sampled
 * softmax estimate, against the vocabulary size `V` (10³ to 10⁶ by default).
 *
 * ```sh
 * deno run -A bench/vocab.ts [--dir exercises] [--backend wasm|cpu] [--dim 32] [--batch 16]
 *                            [--samples 1000] [--max-vocab 1000000] [--min-seconds 0.3]
 * ```
 *
 * It times your `exercises/huge_vocabulary.ts` (`--dir solutions` for the reference's; `deno
 * task bench vocab` times that one): a sampled loss that touches all `V` rows grows like the
 * full one.
 *
 * For every `V` it builds a random output layer `W [V, d]`, `b [V]` once, then times the
 * forward loss of a batch (read back with `dataSync`, so the work is done) for each method:
 * one warm-up call, then repeated calls until at least `--min-seconds` have passed. It prints
 * microseconds per example. The full softmax multiplies the batch by all of `W`
 * (`O(V · d)` per example); the sampled one gathers `S` rows (`O(S · d)` plus the sampling,
 * independent of `V`), so its cost stays flat while the full one grows linearly. The machine
 * is shared: compare the two columns of one run, not runs with each other.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "../lib/tf.ts";
import { initBackend } from "../lib/backend.ts";
import { positiveNumber, UsageError } from "../lib/flags.ts";
import { isTodo } from "../lib/todo.ts";
import type { HiddenBatch, OutputLayer } from "../solutions/huge_vocabulary.ts";

type Losses = Pick<
  typeof import("../solutions/huge_vocabulary.ts"),
  "fullSoftmaxLoss" | "sampledSoftmaxLoss"
>;

/** Times `fn` (after one warm-up call) until `minSeconds` have passed; seconds per call. */
function timePerCall(fn: () => void, minSeconds: number): number {
  fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000 || calls < 2) {
    fn();
    calls++;
    elapsed = performance.now() - start;
  }
  return elapsed / 1000 / calls;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dir: { type: "string", default: "exercises" },
      backend: { type: "string" },
      dim: { type: "string", default: "32" },
      batch: { type: "string", default: "16" },
      samples: { type: "string", default: "1000" },
      "max-vocab": { type: "string", default: "1000000" },
      "min-seconds": { type: "string", default: "0.3" },
    },
    strict: true,
  });
  const info = await initBackend({ backend: values.backend });
  const d = positiveNumber("--dim", values.dim);
  const n = positiveNumber("--batch", values.batch);
  const S = positiveNumber("--samples", values.samples);
  const maxVocab = positiveNumber("--max-vocab", values["max-vocab"]);
  const minSeconds = positiveNumber("--min-seconds", values["min-seconds"]);
  const file = new URL(`../${values.dir}/huge_vocabulary.ts`, import.meta.url);
  const { fullSoftmaxLoss, sampledSoftmaxLoss }: Losses = await import(file.href);
  finished({ fullSoftmaxLoss, sampledSoftmaxLoss }, values.dir!);

  console.log(
    `Softmax over V words: forward loss per example (backend ${info.name}, d = ${d}, ` +
      `batch = ${n}, S = ${S} log-uniform samples)`,
  );
  console.log("V          full (µs/example)  sampled (µs/example)  full / sampled");
  for (let V = 1000; V <= maxVocab; V *= 10) {
    const layer: OutputLayer = {
      W: tf.randomNormal([V, d], 0, 0.1, "float32", 1) as tf.Tensor2D,
      b: tf.zeros([V]) as tf.Tensor1D,
    };
    const batch: HiddenBatch = {
      h: tf.randomNormal([n, d], 0, 1, "float32", 2) as tf.Tensor2D,
      y: tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7919) % V), "int32"),
    };
    let seed = 0;
    const full = timePerCall(() => {
      const loss = fullSoftmaxLoss(layer, batch);
      loss.dataSync();
      loss.dispose();
    }, minSeconds);
    const sampled = timePerCall(() => {
      const loss = sampledSoftmaxLoss(layer, batch, { numSampled: S, seed: seed++ });
      loss.dataSync();
      loss.dispose();
    }, minSeconds);
    const us = (seconds: number) => ((seconds / n) * 1e6).toFixed(1);
    console.log(
      `${String(V).padEnd(11)}${us(full).padStart(17)}${us(sampled).padStart(22)}${
        (full / sampled).toFixed(1).padStart(16)
      }`,
    );
    tf.dispose([layer.W, layer.b, batch.h, batch.y]);
  }
}

/** Throws a {@linkcode UsageError} saying to finish the exercise when `losses` are stubs. */
function finished(losses: Losses, dir: string): void {
  const layer = { W: tf.zeros([2, 1]) as tf.Tensor2D, b: tf.zeros([2]) as tf.Tensor1D };
  const batch = { h: tf.zeros([1, 1]) as tf.Tensor2D, y: tf.tensor1d([0], "int32") };
  try {
    tf.dispose(losses.fullSoftmaxLoss(layer, batch));
    tf.dispose(losses.sampledSoftmaxLoss(layer, batch, { numSampled: 1, seed: 0 }));
  } catch (error) {
    if (!isTodo(error)) throw error;
    throw new UsageError(
      `${dir}/huge_vocabulary.ts is not finished: finish fullSoftmaxLoss and ` +
        "sampledSoftmaxLoss first, or time the reference with --dir solutions",
    );
  } finally {
    tf.dispose([layer.W, layer.b, batch.h, batch.y]);
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench/vocab.ts: ${error.message}`);
    Deno.exit(2);
  }
}

/**
 * Run by `tests/fused_engine_test.ts` as a subprocess, to check that a two-thread fused engine
 * never keeps a process from ending. Prints one line saying what it did, then ends.
 *
 * - `close-race`: 40 engines, each closed 0–6 ms after it was made (before or after its Worker
 *   started);
 * - `no-close`: an engine that trains a pass and is never closed;
 * - `not-ready`: run without read access to `lib/`, so the Worker's module cannot load: the
 *   engine (or `engine.ready`) must say so at once.
 *
 * @module
 */
import { FusedEngine } from "../../lib/fused_engine.ts";

const images = Uint8Array.from({ length: 64 * 20 }, (_, i) => i % 251);
const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 3);
const split = { images, labels, count: 20 };
const options = { numInputs: 64, numOutputs: 3, threads: 2 } as const;
const order = Int32Array.from({ length: 20 }, (_, i) => i);

const mode = Deno.args[0];
if (mode === "close-race") {
  for (let k = 0; k < 40; k++) {
    const engine = new FusedEngine(split, split, options);
    const until = performance.now() + (k % 7);
    while (performance.now() < until) { /* let the Worker start, or not */ }
    engine.close();
  }
  console.log("closed 40 engines");
} else if (mode === "no-close") {
  const engine = new FusedEngine(split, split, options);
  await engine.ready;
  engine.trainEpoch(order, 7, 0.1);
  console.log(`trained, accuracy ${engine.testAccuracy()}, not closed`);
} else if (mode === "not-ready") {
  try {
    const engine = new FusedEngine(split, split, options);
    await engine.ready;
    console.log("ready (unexpected)");
    engine.close();
  } catch (error) {
    console.log(`rejected: ${error instanceof Error ? error.message : error}`);
  }
} else {
  throw new Error(`unknown mode ${JSON.stringify(mode)}: close-race, no-close or not-ready`);
}

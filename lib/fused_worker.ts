/**
 * The fused engine's second thread ({@linkcode ./fused_engine.ts} with `threads: 2`), a
 * `node:worker_threads` Worker (which, unlike a web Worker, can be unreferenced: an engine
 * nobody closed does not keep the process alive). It instantiates the engine's module on the
 * engine's shared memory, sets it up with the same layout, says it is ready (in the control
 * block, and by its one message), then runs `worker_loop` until the engine stops it.
 *
 * If instantiating or a job fails, the control block's `ready` becomes -1, so that the engine's
 * thread, which may be waiting for this one, stops with an error instead of hanging; the error
 * is printed here. (A module that does not load never runs this code: the engine learns it
 * from the Worker's `error` event, through `engine.ready`.) When the engine stopped first
 * (`ready` is -2), the loop is not entered, or its trap is expected and nothing is printed.
 *
 * It is started by the engine only (it waits for the engine's one message).
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import type { FusedKernels } from "./fused_engine.ts";
import { CONTROL } from "./fused_step_wat.ts";

parentPort!.once("message", (data: unknown) => {
  const { module, memory, setup, control } = data as {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    setup: number[];
    control: number;
  };
  const c = new Int32Array(memory.buffer, control, CONTROL.bytes / 4);
  const READY = CONTROL.ready / 4;
  try {
    const imports = { env: { memory, log: Math.log } };
    const kernels = new WebAssembly.Instance(module, imports).exports as unknown as FusedKernels;
    kernels.setup(...setup);
    if (Atomics.compareExchange(c, READY, 0, 1) !== 0) return; // closed before it started
    Atomics.notify(c, READY);
    parentPort!.postMessage("ready");
    kernels.worker_loop();
  } catch (error) {
    if (Atomics.load(c, READY) === -2) return; // the engine stopped first
    console.error("FusedEngine's second thread failed:", error);
    Atomics.store(c, READY, -1);
    for (const at of [CONTROL.ready, CONTROL.done, CONTROL.barrierGen]) Atomics.notify(c, at / 4);
  }
});

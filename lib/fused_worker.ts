/**
 * The fused engine's second thread ({@linkcode ./fused_engine.ts} with `threads: 2`): it
 * instantiates the engine's module on the engine's shared memory, sets it up with the same
 * layout, says it is ready in the control block, then runs `worker_loop` until the engine
 * stops it. If anything fails, the control block's `ready` becomes -1, so that the engine's
 * thread, which may be waiting for this one, stops with an error instead of hanging.
 *
 * It is started by the engine only (it waits for the engine's one message).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { FusedKernels } from "./fused_engine.ts";
import { CONTROL } from "./fused_step_wat.ts";

self.onmessage = (event: MessageEvent) => {
  const { module, memory, setup, control } = event.data as {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    setup: number[];
    control: number;
  };
  const c = new Int32Array(memory.buffer, control, CONTROL.bytes / 4);
  try {
    const imports = { env: { memory, log: Math.log } };
    const kernels = new WebAssembly.Instance(module, imports).exports as unknown as FusedKernels;
    kernels.setup(...setup);
    Atomics.store(c, CONTROL.ready / 4, 1);
    Atomics.notify(c, CONTROL.ready / 4);
    kernels.worker_loop();
  } catch (error) {
    console.error("FusedEngine's second thread failed:", error);
    Atomics.store(c, CONTROL.ready / 4, -1);
    Atomics.notify(c, CONTROL.ready / 4);
    Atomics.notify(c, CONTROL.done / 4);
  }
  self.close();
};

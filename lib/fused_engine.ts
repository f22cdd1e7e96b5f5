/**
 * The fused training engine: softmax regression trained by lesson 7's gradient by hand, one
 * WebAssembly call per minibatch ({@linkcode ./fused_step_wat.ts}), instead of lesson 5's
 * dozens of tfjs kernels per step. `deno task train --engine fused` uses it; the default
 * engine stays lesson 5's autodiff, which is what the book teaches.
 *
 * Same model, same initial weights, same shuffle as lesson 5 (the caller passes the data
 * iterator's order of each pass), same update (`W -= lr · Σ g / n` with the batch's actual
 * size `n`), so the two engines' metrics agree to 4 decimals epoch by epoch. What differs is
 * float32 rounding: the order of sums, fused multiply-adds, a polynomial `exp` (within about one
 * rounding), and the argmax taken over the logits (tfjs's over the probabilities). The images stay bytes in WebAssembly memory (a quarter
 * of float32's) and become `k / 255` inside the kernel, the values the data iterator gives.
 * The memory is laid out once; training allocates nothing more.
 *
 * **Two threads** (`threads: 2`, `--threads 2`): a Worker ({@linkcode ./fused_worker.ts})
 * runs the same module on the same shared memory. Each step, each thread converts, scores and
 * differentiates half of the batch into its own gradient sums; after a barrier each applies
 * both sums to half of the pixels' weights. The test set is split in halves. The engine's
 * thread hands the Worker each job through a control block in memory; a thread that waits
 * (for a job, at the barrier, for the Worker's part) spins briefly, then sleeps, so that two
 * threads on one core do not spin away each other's time. Results equal one thread's up to the
 * order of float32 sums, and are the same on every run. Await {@linkcode FusedEngine.ready}
 * before training (it rejects with the reason the Worker could not start), and call
 * {@linkcode FusedEngine.close} (or use `using`) to stop the Worker.
 *
 * @example Two epochs on the committed subset, against lesson 5's autodiff
 * ```ts
 * import * as tf from "./tf.ts";
 * import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
 * import { createNet, initParams } from "../lessons/02_softmax.ts";
 * import { crossEntropy } from "../lessons/03_cross_entropy.ts";
 * import { sgdUpdater, trainCh3 } from "../lessons/05_train_ch3.ts";
 * import { FusedEngine, trainFused } from "./fused_engine.ts";
 * const data = await loadDataFashionMnist(256, { subset: true });
 * const engine = new FusedEngine(data.raw.train, data.raw.test);
 * const start = initParams({ seed: 0 });
 * engine.setParams(start);
 * const fused = await trainFused(engine, data.trainIter, 2, 0.1, 256);
 * const params = initParams({ seed: 0 });
 * const auto = await trainCh3(createNet(params), data.trainIter, data.testIter, crossEntropy, 2,
 *   sgdUpdater([params.W, params.b], 0.1));
 * for (const [i, r] of fused.epochs.entries()) {
 *   const a = auto.epochs[i];
 *   if (Math.abs(r.trainLoss - a.trainLoss) > 5e-5 || r.testAcc !== a.testAcc) {
 *     throw new Error(`epoch ${i + 1}: fused ${JSON.stringify(r)}, autodiff ${JSON.stringify(a)}`);
 *   }
 * }
 * tf.dispose([start.W, start.b, params.W, params.b]);
 * data.dispose();
 * ```
 *
 * @module
 */
import type { DataIter } from "../data/data_iter.ts";
import {
  bookChecks,
  type EpochRecord,
  type TrainOptions,
  type TrainResult,
} from "../lessons/05_train_ch3.ts";
import { Worker } from "node:worker_threads";
import type * as tf from "./tf.ts";
import { FUSED_STEP_BASE64, FUSED_STEP_RELAXED_BASE64 } from "./fused_step_bytes.ts";
import { CLASS_TILE, CONSTANTS, CONTROL, JOB, MAX_CLASSES } from "./fused_step_wat.ts";

/** One split's bytes: `count` images of `numInputs` bytes, `count` labels. */
export interface ByteSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Options of {@linkcode FusedEngine}. */
export interface FusedEngineOptions {
  /** Pixels per image. Default 784. */
  numInputs?: number;
  /** Classes, at most 15. Default 10. */
  numOutputs?: number;
  /**
   * Threads: 1, or 2 (a Worker on the same memory: await {@linkcode FusedEngine.ready}, then
   * call {@linkcode FusedEngine.close}).
   */
  threads?: 1 | 2;
}

/**
 * Reads a thread count from a command line: `"1"` or `"2"`.
 *
 * @example
 * ```ts
 * import { parseThreads } from "./fused_engine.ts";
 * if (parseThreads(" 2") !== 2) throw new Error("unexpected: parseThreads(\" 2\") !== 2");
 * let message = "";
 * try { parseThreads("4", "--threads"); } catch (e) { message = (e as Error).message; }
 * if (message !== '--threads must be 1 or 2, got "4"') throw new Error(message);
 * ```
 * @throws {RangeError} naming `flag` and the text, for anything else.
 */
export function parseThreads(text: string, flag = "threads"): 1 | 2 {
  const trimmed = text.trim();
  if (trimmed !== "1" && trimmed !== "2") {
    throw new RangeError(`${flag} must be 1 or 2, got ${JSON.stringify(text)}`);
  }
  return Number(trimmed) as 1 | 2;
}

/** The kernels, as both threads call them (see `fused_step_wat.ts`). */
export interface FusedKernels {
  setup(...addresses: number[]): void;
  train_part(
    tid: number,
    threads: number,
    images: number,
    labels: number,
    order: number,
    start: number,
    n: number,
    lr: number,
  ): number;
  evaluate_part(
    tid: number,
    threads: number,
    images: number,
    labels: number,
    count: number,
  ): number;
  worker_loop(): void;
}

/**
 * Rows of a batch each thread converts and keeps as floats at a time: its `X` rows then stay in
 * the core's own cache (measured: 128 beat 64 and 256 on one thread; fewer on two was slower).
 */
const ROWS_PER_THREAD = 128;

let compiled: WebAssembly.Module | undefined;

/**
 * The build with fused multiply-adds (relaxed SIMD) where the engine has relaxed SIMD, else the
 * one with a multiplication and an addition.
 */
function fusedStepModule(): WebAssembly.Module {
  if (compiled === undefined) {
    const relaxed = Uint8Array.fromBase64(FUSED_STEP_RELAXED_BASE64);
    compiled = new WebAssembly.Module(
      WebAssembly.validate(relaxed) ? relaxed : Uint8Array.fromBase64(FUSED_STEP_BASE64),
    );
  }
  return compiled;
}

/** The constants' values (`CONSTANTS`' slots, four lanes each) for `numOutputs` classes. */
function constants(numOutputs: number): ArrayBuffer {
  const buffer = new ArrayBuffer(CONSTANTS.length * 16);
  const f32 = new Float32Array(buffer);
  const i32 = new Int32Array(buffer);
  const values: Record<string, number> = {
    log2e: Math.LOG2E,
    c1: 0.693359375,
    c2: -2.12194440e-4,
    p0: 1.9875691500e-4,
    p1: 1.3981999507e-3,
    p2: 8.3334519073e-3,
    p3: 4.1665795894e-2,
    p4: 1.6666665459e-1,
    p5: 5.0000001201e-1,
    one: 1,
    lo: -87.33654,
    ninf: -Infinity,
    k255: 255,
  };
  for (const [slot, name] of CONSTANTS.entries()) {
    for (let lane = 0; lane < 4; lane++) {
      const at = slot * 4 + lane;
      if (name in values) f32[at] = values[name];
      else if (name === "bias") i32[at] = 127 << 23;
      else i32[at] = Number(name.slice(4)) * 4 + lane < numOutputs ? -1 : 0; // mask0 … mask3
    }
  }
  return buffer;
}

const align = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Softmax regression's parameters and data in WebAssembly memory, and the fused kernels that
 * train and evaluate it, on one thread or two.
 */
export class FusedEngine {
  readonly numInputs: number;
  readonly numOutputs: number;
  readonly trainCount: number;
  readonly testCount: number;
  readonly threads: 1 | 2;
  readonly #memory: WebAssembly.Memory;
  readonly #kernels: FusedKernels;
  readonly #control: Int32Array;
  /** The second thread's loss (float64) and the step's learning rate (float32), in `#control`. */
  readonly #loss1: Float64Array;
  readonly #lr: Float32Array;
  readonly #padded: number;
  readonly #tiles: number;
  readonly #at: Record<
    "w" | "b" | "ctl" | "order" | "trainImages" | "trainLabels" | "testImages" | "testLabels",
    number
  >;
  /**
   * Settles when the engine can train: at once with one thread; with two, when the Worker has
   * set up its instance, or rejected with the reason it could not (a module it could not load,
   * for example). Await it before the first {@linkcode trainEpoch}: a synchronous call waits
   * for the Worker too, but cannot see why it failed.
   */
  readonly ready: Promise<void>;
  #worker?: Worker;
  #started = false;
  #startError?: unknown;
  #closed = false;

  /**
   * Lays out the data and room for the parameters (zero until {@linkcode setParams}); with two
   * threads, starts the second.
   *
   * @throws {RangeError} when a split's sizes disagree, a label is outside the classes, there
   *   are more than 15 classes, or `threads` is not 1 or 2.
   */
  constructor(train: ByteSplit, test: ByteSplit, options: FusedEngineOptions = {}) {
    const { numInputs = 784, numOutputs = 10, threads = 1 } = options;
    if (!Number.isInteger(numOutputs) || numOutputs < 1 || numOutputs > MAX_CLASSES) {
      throw new RangeError(
        `FusedEngine: between 1 and ${MAX_CLASSES} classes, got ${numOutputs}`,
      );
    }
    if (threads !== 1 && threads !== 2) {
      throw new RangeError(`FusedEngine: threads must be 1 or 2, got ${threads}`);
    }
    for (const [name, split] of [["training", train], ["test", test]] as const) {
      if (split.images.length !== split.count * numInputs || split.labels.length !== split.count) {
        throw new RangeError(
          `FusedEngine: the ${name} split has ${split.images.length} pixel bytes and ` +
            `${split.labels.length} labels, not ${split.count} × ${numInputs} and ${split.count}`,
        );
      }
      const bad = split.labels.findIndex((y) => y >= numOutputs);
      if (bad !== -1) {
        throw new RangeError(
          `FusedEngine: label ${split.labels[bad]} at ${bad} of the ${name} split is not one of ` +
            `the ${numOutputs} classes`,
        );
      }
    }
    this.numInputs = numInputs;
    this.numOutputs = numOutputs;
    this.trainCount = train.count;
    this.testCount = test.count;
    this.threads = threads;
    // Pixels rounded up to 8 (the backward pass's blocks), classes to whole tiles.
    const dp = this.#padded = Math.ceil(numInputs / 8) * 8;
    const tiles = this.#tiles = Math.ceil(numOutputs / CLASS_TILE);
    const wBytes = tiles * CLASS_TILE * dp * 4;
    const chunk = ROWS_PER_THREAD * threads;
    // Layout (bytes): constants, control block, W, b, one dW and one db per thread, a chunk's rows
    // X and their labels, their logits (16 floats a row), the order of a pass, the splits.
    const sizes = {
      k: CONSTANTS.length * 16,
      ctl: CONTROL.bytes,
      w: wBytes,
      b: 64,
      dw: 2 * wBytes,
      db: 128,
      x: chunk * dp * 4,
      lab: chunk * 4,
      l: chunk * 64,
      order: train.count * 4,
      trainImages: train.images.length,
      trainLabels: train.count,
      testImages: test.images.length,
      testLabels: test.count,
    };
    const at = {} as Record<keyof typeof sizes, number>;
    let end = 0;
    for (const [name, size] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
      at[name] = end;
      end = align(end + size);
    }
    const pages = Math.ceil(end / 65536);
    this.#memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const module = fusedStepModule();
    const imports = { env: { memory: this.#memory, log: Math.log } };
    this.#kernels = new WebAssembly.Instance(module, imports).exports as unknown as FusedKernels;
    const bytes = new Uint8Array(this.#memory.buffer);
    bytes.set(new Uint8Array(constants(numOutputs)), at.k);
    bytes.set(train.images, at.trainImages);
    bytes.set(train.labels, at.trainLabels);
    bytes.set(test.images, at.testImages);
    bytes.set(test.labels, at.testLabels);
    const setup = [
      ...[at.w, at.b, at.dw, at.db, at.x, at.lab, at.l, at.k, at.ctl],
      ...[numInputs, dp, tiles, chunk, numOutputs],
    ];
    this.#kernels.setup(...setup);
    this.#control = new Int32Array(this.#memory.buffer, at.ctl, CONTROL.bytes / 4);
    this.#loss1 = new Float64Array(this.#memory.buffer, at.ctl + CONTROL.loss1, 1);
    this.#lr = new Float32Array(this.#memory.buffer, at.ctl + CONTROL.lr, 1);
    this.#at = at;
    if (threads === 1) {
      this.ready = Promise.resolve();
      return;
    }
    // Throws here when the module cannot be read (Deno checks the permission at once).
    const worker = new Worker(new URL("./fused_worker.ts", import.meta.url));
    this.#worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      // Referenced until it has started, so that `await engine.ready` keeps the process
      // running; then not: an engine nobody closed must not keep the process alive.
      worker.once("message", () => {
        worker.unref();
        resolve(); // its only message: set up
      });
      worker.on("error", (error) => {
        worker.unref();
        reject(error);
      });
      worker.on("exit", () => reject(new Error("the second thread ended before it started")));
    });
    this.ready.catch((error) => this.#startError = error); // for the synchronous paths
    worker.postMessage({ module, memory: this.#memory, setup, control: at.ctl });
  }

  /** The index in the tiled `W` of pixel `p`, class `c` (see `fused_step_wat.ts`). */
  #tiled(p: number, c: number): number {
    const tile = Math.floor(c / CLASS_TILE);
    const group = (tile * (this.#padded / 4) + (p >> 2)) * CLASS_TILE + c % CLASS_TILE;
    return group * 4 + (p & 3);
  }

  #views() {
    const w = new Float32Array(
      this.#memory.buffer,
      this.#at.w,
      this.#tiles * CLASS_TILE * this.#padded,
    );
    return { w, b: new Float32Array(this.#memory.buffer, this.#at.b, 16) };
  }

  /**
   * Copies in the weights `W` `[numInputs, numOutputs]` and biases `b` `[numOutputs]` (lesson
   * 2's `Params`, or any tensors of those shapes).
   *
   * @throws {RangeError} when a shape is not what the engine was made for.
   */
  setParams(params: { W: tf.Tensor; b: tf.Tensor }): void {
    const [d, q] = [this.numInputs, this.numOutputs];
    const [rows, cols] = params.W.shape;
    if (rows !== d || cols !== q || params.b.shape.join() !== String(q)) {
      throw new RangeError(
        `FusedEngine.setParams: expected W of [${d}, ${q}] and b of [${q}], got ` +
          `[${params.W.shape}] and [${params.b.shape}]`,
      );
    }
    const W = params.W.dataSync();
    const { w, b } = this.#views();
    w.fill(0);
    for (let p = 0; p < d; p++) for (let c = 0; c < q; c++) w[this.#tiled(p, c)] = W[p * q + c];
    b.fill(0);
    b.set(params.b.dataSync());
  }

  /** The current `W` `[numInputs, numOutputs]` and `b` `[numOutputs]`, row-major, as new arrays. */
  params(): { W: Float32Array; b: Float32Array } {
    const [d, q] = [this.numInputs, this.numOutputs];
    const { w, b } = this.#views();
    const W = new Float32Array(d * q);
    for (let p = 0; p < d; p++) for (let c = 0; c < q; c++) W[p * q + c] = w[this.#tiled(p, c)];
    return { W, b: b.slice(0, q) };
  }

  /**
   * One pass over the training split in `order`, in batches of `batchSize` (the last may be
   * smaller), one SGD step each. Returns the pass's mean loss and accuracy.
   *
   * @throws {RangeError} when `order` is not a permutation's length, or `batchSize` or `lr`
   *   is not positive.
   */
  trainEpoch(
    order: Int32Array,
    batchSize: number,
    lr: number,
    onBatch?: (done: number, total: number) => void,
  ): { trainLoss: number; trainAcc: number } {
    if (order.length !== this.trainCount) {
      throw new RangeError(
        `FusedEngine.trainEpoch: an order of ${this.trainCount} examples, got ${order.length}`,
      );
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || !(lr > 0)) {
      throw new RangeError(
        `FusedEngine.trainEpoch: batchSize must be a positive integer and lr positive, got ` +
          `${batchSize} and ${lr}`,
      );
    }
    // The kernel reads the images at these indices: one outside the split would read other
    // memory, or trap.
    const bad = order.findIndex((i) => !(i >= 0 && i < this.trainCount));
    if (bad !== -1) {
      throw new RangeError(
        `FusedEngine.trainEpoch: order[${bad}] is ${order[bad]}, not an example of the ` +
          `${this.trainCount} in the training split`,
      );
    }
    this.#checkOpen();
    new Int32Array(this.#memory.buffer, this.#at.order, order.length).set(order);
    const total = Math.ceil(order.length / batchSize);
    const { trainImages, trainLabels } = this.#at;
    let loss = 0;
    let correct = 0;
    for (let k = 0; k < total; k++) {
      const start = k * batchSize;
      const n = Math.min(batchSize, order.length - start);
      const job = this.#post(JOB.train, [trainImages, trainLabels, this.#at.order, start, n], lr);
      loss += this.#run(() =>
        this.#kernels.train_part(
          0,
          this.threads,
          trainImages,
          trainLabels,
          this.#at.order,
          start,
          n,
          lr,
        )
      );
      this.#join(job);
      correct += this.#control[CONTROL.correct / 4];
      if (job !== undefined) {
        loss += this.#loss1[0];
        correct += this.#control[CONTROL.correct / 4 + 1];
      }
      onBatch?.(k + 1, total);
    }
    return { trainLoss: loss / order.length, trainAcc: correct / order.length };
  }

  /** The accuracy on the test split. */
  testAccuracy(): number {
    this.#checkOpen();
    const { testImages, testLabels } = this.#at;
    const job = this.#post(JOB.evaluate, [testImages, testLabels, 0, 0, this.testCount], 0);
    let correct = this.#run(() =>
      this.#kernels.evaluate_part(0, this.threads, testImages, testLabels, this.testCount)
    );
    this.#join(job);
    if (job !== undefined) correct += this.#control[CONTROL.correct / 4 + 1];
    return correct / this.testCount;
  }

  /** The engine's WebAssembly memory, in bytes: laid out once, it never grows. */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /**
   * Stops the second thread, if any (an engine that is not closed does not keep the process
   * alive, but its Worker lives until the process ends). The engine cannot compute afterwards.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    const c = this.#control;
    // A Worker that has not started its loop must not start it (-2: stopped by the engine);
    // one that has is asked to stop, and waited for a little: it may be between two waits.
    if (Atomics.compareExchange(c, CONTROL.ready / 4, 0, -2) === 1) {
      c[CONTROL.kind / 4] = JOB.stop;
      const job = Atomics.add(c, CONTROL.job / 4, 1) + 1;
      Atomics.notify(c, CONTROL.job / 4);
      const until = performance.now() + 1000;
      while (Atomics.load(c, CONTROL.done / 4) !== job && performance.now() < until) {
        Atomics.wait(c, CONTROL.done / 4, Atomics.load(c, CONTROL.done / 4), 50);
      }
    }
    worker.terminate().catch(() => {});
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("FusedEngine: used after close() (or after a failure)");
  }

  /**
   * Runs this thread's part of a kernel call. If it traps (or finds the second thread failed
   * at the barrier), the engine is unusable: the second thread is stopped and the error says
   * which thread failed.
   */
  #run<T>(part: () => T): T {
    try {
      return part();
    } catch (error) {
      throw this.#abort(error);
    }
  }

  /** Stops the engine after a failure; the error to throw. */
  #abort(error: unknown): Error {
    const c = this.#control;
    const workerFailed = Atomics.load(c, CONTROL.ready / 4) === -1;
    if (!workerFailed) {
      // Tell a second thread waiting at the barrier or for a job to give up, then end it.
      Atomics.store(c, CONTROL.ready / 4, -2);
      for (const at of [CONTROL.barrierGen, CONTROL.job, CONTROL.done]) Atomics.notify(c, at / 4);
    }
    this.#closed = true;
    this.#worker?.terminate().catch(() => {});
    this.#worker = undefined;
    return workerFailed || error === undefined ? this.#failed(error) : error as Error;
  }

  /** Hands a job to the second thread; its number, or undefined with one thread. */
  #post(kind: number, args: number[], lr: number): number | undefined {
    if (this.threads === 1) return undefined;
    this.#waitReady();
    const c = this.#control;
    c[CONTROL.kind / 4] = kind;
    c.set(args, CONTROL.images / 4);
    this.#lr[0] = lr;
    const job = Atomics.add(c, CONTROL.job / 4, 1) + 1;
    Atomics.notify(c, CONTROL.job / 4);
    return job;
  }

  /** Waits for the second thread to finish `job` (a job takes milliseconds; at most 60 s). */
  #join(job: number | undefined): void {
    if (job === undefined) return;
    const c = this.#control;
    let until = Infinity;
    for (let spins = 0;; spins++) {
      const done = Atomics.load(c, CONTROL.done / 4);
      if (done === job) return;
      if (Atomics.load(c, CONTROL.ready / 4) < 0) throw this.#abort(undefined);
      if (spins < 1 << 14) continue; // then sleep: spinning would slow a thread on this core
      until = Math.min(until, performance.now() + 60_000);
      if (performance.now() > until) {
        throw this.#abort(
          new Error(
            "FusedEngine: the second thread did not finish a step within 60 s; " +
              "train with threads: 1 (--threads 1)",
          ),
        );
      }
      Atomics.wait(c, CONTROL.done / 4, done, 100);
    }
  }

  /**
   * Waits (at most 30 s) until the second thread has set up its instance: for callers that did
   * not await {@linkcode ready}.
   */
  #waitReady(): void {
    if (this.#started) return;
    const c = this.#control;
    const until = performance.now() + 30_000;
    while (Atomics.load(c, CONTROL.ready / 4) === 0 && performance.now() < until) {
      Atomics.wait(c, CONTROL.ready / 4, 0, 100);
    }
    if (Atomics.load(c, CONTROL.ready / 4) !== 1) throw this.#abort(this.#startError);
    this.#started = true;
  }

  #failed(cause: unknown): Error {
    return new Error(
      "FusedEngine: the second thread failed or did not start (await engine.ready to see why; " +
        "its error is printed above if it ran); train with threads: 1 (--threads 1)",
      { cause },
    );
  }
}

/**
 * Lesson 5's `trainCh3` on the fused engine: `numEpochs` passes over the training split in the
 * orders `trainIter` would use (`trainIter.order(pass)`, so the same shuffle as the autodiff
 * engine), the test accuracy after each, the same records, animator, callbacks and checks.
 *
 * @throws {RangeError} when `numEpochs` is not a positive integer, or `trainIter` does not hold
 *   the engine's training split.
 */
export async function trainFused(
  engine: FusedEngine,
  trainIter: DataIter,
  numEpochs: number,
  lr: number,
  batchSize: number,
  options: TrainOptions = {},
): Promise<TrainResult> {
  if (!Number.isInteger(numEpochs) || numEpochs < 1) {
    throw new RangeError(`trainFused: numEpochs must be a positive integer, got ${numEpochs}`);
  }
  if (trainIter.numExamples !== engine.trainCount) {
    throw new RangeError(
      `trainFused: trainIter holds ${trainIter.numExamples} examples, the engine ` +
        `${engine.trainCount}: pass the iterator of the same training split`,
    );
  }
  await engine.ready;
  const epochs: EpochRecord[] = [];
  for (let epoch = 1; epoch <= numEpochs; epoch++) {
    const start = performance.now();
    const { trainLoss, trainAcc } = engine.trainEpoch(
      trainIter.order(epoch - 1),
      batchSize,
      lr,
      options.onBatch,
    );
    const testAcc = engine.testAccuracy();
    const seconds = (performance.now() - start) / 1000;
    const record: EpochRecord = { epoch, trainLoss, trainAcc, testAcc, seconds };
    epochs.push(record);
    await options.animator?.add(epoch, [trainLoss, trainAcc, testAcc]);
    await options.onEpoch?.(record);
  }
  const checks = bookChecks(epochs[epochs.length - 1]);
  return { epochs, checks, checksPassed: checks.trainLoss && checks.trainAcc && checks.testAcc };
}

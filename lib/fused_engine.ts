/**
 * The fused training engine: softmax regression trained by lesson 7's gradient by hand, one
 * WebAssembly call per minibatch ({@linkcode ./fused_step_wat.ts}), instead of lesson 5's
 * dozens of tfjs kernels per step. `deno task train --engine fused` uses it; the default
 * engine stays lesson 5's autodiff, which is what the book teaches.
 *
 * Same model, same initial weights, same shuffle as lesson 5 (the caller passes the data
 * iterator's order of each pass), same update (`W -= lr · Σ g / n` with the batch's actual
 * size `n`), so the two engines' metrics agree to 4 decimals epoch by epoch; only the order in
 * which float32 sums are added differs. The images stay bytes in WebAssembly memory (a quarter
 * of float32's) and become `k / 255` inside the kernel, the values the data iterator gives.
 * The memory is laid out once; training allocates nothing more.
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
 * engine.setParams(start.W.dataSync() as Float32Array, start.b.dataSync() as Float32Array);
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
import { FUSED_STEP_BASE64, FUSED_STEP_RELAXED_BASE64 } from "./fused_step_bytes.ts";
import { PADDED_CLASSES } from "./fused_step_wat.ts";

/** One split's bytes: `count` images of `numInputs` bytes, `count` labels. */
export interface ByteSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

interface Kernels {
  setup(
    lut: number,
    w: number,
    b: number,
    g: number,
    ptrs: number,
    db: number,
    o: number,
    e: number,
    d: number,
  ): void;
  train_batch(
    images: number,
    labels: number,
    order: number,
    start: number,
    n: number,
    q: number,
    lr: number,
    out: number,
  ): number;
  evaluate(images: number, labels: number, count: number, q: number): number;
}

let compiled: WebAssembly.Module | undefined;

/**
 * The build with fused multiply-adds (relaxed SIMD) where the engine has relaxed SIMD, else the
 * one with a multiplication and an addition.
 */
function fusedStepBytes(): Uint8Array<ArrayBuffer> {
  const relaxed = Uint8Array.fromBase64(FUSED_STEP_RELAXED_BASE64);
  return WebAssembly.validate(relaxed) ? relaxed : Uint8Array.fromBase64(FUSED_STEP_BASE64);
}

const align = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Softmax regression's parameters and data in WebAssembly memory, and the fused kernels that
 * train and evaluate it.
 */
export class FusedEngine {
  readonly numInputs: number;
  readonly numOutputs: number;
  readonly trainCount: number;
  readonly testCount: number;
  readonly #memory: WebAssembly.Memory;
  readonly #kernels: Kernels;
  readonly #at: Record<
    "w" | "b" | "out" | "order" | "trainImages" | "trainLabels" | "testImages" | "testLabels",
    number
  >;

  /**
   * Lays out the data and room for the parameters (zero until {@linkcode setParams}).
   *
   * @throws {RangeError} when a split's sizes disagree, a label is outside the classes, or
   *   there are more than 12 classes.
   */
  constructor(
    train: ByteSplit,
    test: ByteSplit,
    options: { numInputs?: number; numOutputs?: number } = {},
  ) {
    const { numInputs = 784, numOutputs = 10 } = options;
    if (!Number.isInteger(numOutputs) || numOutputs < 1 || numOutputs > PADDED_CLASSES) {
      throw new RangeError(
        `FusedEngine: between 1 and ${PADDED_CLASSES} classes, got ${numOutputs}`,
      );
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
    // Layout (bytes): the k / 255 table, W, b, a batch's gradient rows G and image addresses
    // (room for the largest batch, the whole split), db, the logits row, the exponentials,
    // the correct count, the order of a pass, then the two splits' images and labels.
    const row = PADDED_CLASSES * 4;
    const sizes = {
      lut: 256 * 4,
      w: numInputs * row,
      b: row,
      g: train.count * row,
      ptrs: train.count * 4,
      db: row,
      o: row,
      e: PADDED_CLASSES * 8,
      out: 16,
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
    this.#memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) });
    compiled ??= new WebAssembly.Module(fusedStepBytes());
    this.#kernels = new WebAssembly.Instance(compiled, {
      env: { memory: this.#memory, exp: Math.exp, log: Math.log },
    }).exports as unknown as Kernels;
    const bytes = new Uint8Array(this.#memory.buffer);
    new Float32Array(this.#memory.buffer, at.lut, 256).set(
      Float32Array.from({ length: 256 }, (_, k) => k / 255),
    );
    bytes.set(train.images, at.trainImages);
    bytes.set(train.labels, at.trainLabels);
    bytes.set(test.images, at.testImages);
    bytes.set(test.labels, at.testLabels);
    this.#kernels.setup(at.lut, at.w, at.b, at.g, at.ptrs, at.db, at.o, at.e, numInputs);
    this.#at = at;
  }

  /**
   * Copies in `W` `[numInputs, numOutputs]` and `b` `[numOutputs]`, row-major float32.
   *
   * @throws {RangeError} when a length is not what the shapes need.
   */
  setParams(W: Float32Array, b: Float32Array): void {
    const [d, q] = [this.numInputs, this.numOutputs];
    if (W.length !== d * q || b.length !== q) {
      throw new RangeError(
        `FusedEngine.setParams: expected W of ${d} × ${q} and b of ${q} values, got ` +
          `${W.length} and ${b.length}`,
      );
    }
    const w = new Float32Array(this.#memory.buffer, this.#at.w, d * PADDED_CLASSES);
    w.fill(0);
    for (let i = 0; i < d; i++) w.set(W.subarray(i * q, i * q + q), i * PADDED_CLASSES);
    const bias = new Float32Array(this.#memory.buffer, this.#at.b, PADDED_CLASSES);
    bias.fill(0);
    bias.set(b);
  }

  /** The current `W` `[numInputs, numOutputs]` and `b` `[numOutputs]`, as new arrays. */
  params(): { W: Float32Array; b: Float32Array } {
    const [d, q] = [this.numInputs, this.numOutputs];
    const w = new Float32Array(this.#memory.buffer, this.#at.w, d * PADDED_CLASSES);
    const W = new Float32Array(d * q);
    for (let i = 0; i < d; i++) {
      W.set(w.subarray(i * PADDED_CLASSES, i * PADDED_CLASSES + q), i * q);
    }
    return { W, b: new Float32Array(this.#memory.buffer, this.#at.b, q).slice() };
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
    new Int32Array(this.#memory.buffer, this.#at.order, order.length).set(order);
    const total = Math.ceil(order.length / batchSize);
    let loss = 0;
    let correct = 0;
    for (let k = 0; k < total; k++) {
      const start = k * batchSize;
      const n = Math.min(batchSize, order.length - start);
      loss += this.#kernels.train_batch(
        this.#at.trainImages,
        this.#at.trainLabels,
        this.#at.order,
        start,
        n,
        this.numOutputs,
        lr,
        this.#at.out,
      );
      correct += new Int32Array(this.#memory.buffer, this.#at.out, 1)[0];
      onBatch?.(k + 1, total);
    }
    return { trainLoss: loss / order.length, trainAcc: correct / order.length };
  }

  /** The engine's WebAssembly memory, in bytes: laid out once, it never grows. */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** The accuracy on the test split. */
  testAccuracy(): number {
    const correct = this.#kernels.evaluate(
      this.#at.testImages,
      this.#at.testLabels,
      this.testCount,
      this.numOutputs,
    );
    return correct / this.testCount;
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

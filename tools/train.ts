/**
 * `deno task train`: trains the book's softmax regression on Fashion-MNIST and writes the
 * results.
 *
 * ```sh
 * deno task train                       # the book's run: 10 epochs, lr 0.1, batch 256, seed 0
 * deno task train --epochs 3 --backend cpu --out /tmp/run
 * deno task train --subset --epochs 2   # the small committed subset, no dataset needed
 * deno task train --help
 * ```
 *
 * Flags: `--epochs` (10), `--lr` (0.1), `--batch-size` (256), `--seed` (0), `--engine`
 * (`autograd`, lesson 5's autodiff and the default, or `fused`: lesson 7's gradient by hand in
 * one WebAssembly call per batch, `lib/fused_engine.ts`; same weights, shuffle and outputs),
 * `--threads` (1 or 2, the fused engine's threads; default 1),
 * `--backend` (`wasm` | `cpu`; default the `D2L_BACKEND` environment variable, else `wasm`), `--out`
 * (directory, default `out/train`, created if missing), `--data-dir` (the directory holding
 * the four IDX files; default: the usual search, see `data/fashion_mnist.ts`), `--subset`
 * (train on the committed subset), `--help`.
 *
 * Writes into `--out`, each file atomically (temporary file, then rename):
 *
 * - `metrics.json`: `{ epochs: [{ epoch, trainLoss, trainAcc, testAcc, seconds }], engine, backend,
 *   seed, lr, batchSize, numEpochs, dataSource, trainSeconds, totalSeconds, complete, checks,
 *   checksPassed, … }` — `seconds` is one epoch's training plus evaluation; `trainSeconds`
 *   their sum; `totalSeconds` the whole command up to writing this file (loading, plotting and
 *   saving included). It is rewritten after every epoch with `complete: false` and `checks`,
 *   `checksPassed` null, so a run stopped early (Ctrl-C) keeps its finished epochs; the last
 *   write has `complete: true` and the book's checks;
 * - `curves.svg`, `curves.png`: the Animator's three curves, redrawn after an epoch at most
 *   once a second, counted from the start of training (a drawing takes longer than a fused
 *   epoch), and after the last one;
 * - `predictions.png`: the first six test images titled "true\npredicted" (lesson 6);
 * - `params.safetensors`: the trained `W` and `b` (format: `lib/params_io.ts`), which
 *   `loadParams` reads back.
 *
 * Prints a table row per epoch (with a progress bar on a terminal) and a summary. Exit codes:
 * 0 when the book's checks pass, 1 when they fail or training cannot run (missing data, …),
 * 2 for bad flags (also an `--out` that is a file, or a `--data-dir` that does not exist),
 * 130 when interrupted (Ctrl-C: while loading it stops at once; while training it stops after
 * the epoch running, whose metrics are saved).
 * The same seed and backend give the same numbers.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { BACKEND_ENV, type BackendName, initBackend, parseBackendName } from "../lib/backend.ts";
import { Animator } from "../lib/animator.ts";
import { TrainingProgress } from "../lib/training_progress.ts";
import { saveParams } from "../lib/params_io.ts";
import { writeFileAtomic } from "../lib/write_atomic.ts";
import { showImages } from "../lib/show_images.ts";
import { FusedEngine, parseThreads, trainFused } from "../lib/fused_engine.ts";
import { checkDataDir, loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { progressPrinter } from "../data/download_progress.ts";
import { createNet, initParams } from "../lessons/02_softmax.ts";
import { crossEntropy } from "../lessons/03_cross_entropy.ts";
import { type EpochRecord, sgdUpdater, trainCh3 } from "../lessons/05_train_ch3.ts";
import { predictCh3 } from "../lessons/06_predict_ch3.ts";
import { chdirToCaller } from "../lib/caller_cwd.ts";
import { integer, parseFlags, positiveInteger, positiveNumber, UsageError } from "../lib/flags.ts";

/** The command's settings, after parsing and checking. */
export interface TrainArgs {
  /** Epochs, a positive integer. */
  epochs: number;
  /** Learning rate, a positive finite number. */
  lr: number;
  /** Examples per batch, a positive integer. */
  batchSize: number;
  /** Seed of the initial weights and the shuffling, an integer. */
  seed: number;
  /** The training engine: lesson 5's autodiff (the default) or the fused WebAssembly step. */
  engine: Engine;
  /** The fused engine's threads, 1 or 2 (the autodiff engine runs on one). */
  threads: 1 | 2;
  /** The backend asked for with `--backend`; `undefined` means the environment or `wasm`. */
  backend?: BackendName;
  /** Output directory. */
  out: string;
  /** Explicit dataset directory. */
  dataDir?: string;
  /** Train on the committed subset. */
  subset: boolean;
  /** `--help` was given. */
  help: boolean;
}

/** The training engines `--engine` names. */
export const ENGINES = ["autograd", "fused"] as const;
/** One of {@linkcode ENGINES}. */
export type Engine = typeof ENGINES[number];

/** A bad command line ({@linkcode ../lib/flags.ts}): the command exits with code 2. */
export { UsageError };

/** The `--help` text. */
export const USAGE = `Usage: deno task train [flags]

Trains softmax regression on Fashion-MNIST (Dive into Deep Learning, section 3.6) and writes
metrics.json, curves.svg, curves.png, predictions.png and params.safetensors into --out.

Flags:
  --epochs N        epochs to train (default 10)
  --lr X            learning rate, a positive number (default 0.1)
  --batch-size N    examples per batch (default 256)
  --seed N          seed of the initial weights and of the shuffling (default 0)
  --engine NAME     autograd (lesson 5's autodiff, default) or fused (lesson 7's gradient by
                    hand in one WebAssembly call per batch: the same numbers, faster)
  --threads N       the fused engine's threads, 1 or 2 (default 1)
  --backend NAME    wasm or cpu (default: $${BACKEND_ENV}, else wasm)
  --out DIR         output directory, created if missing (default out/train)
  --data-dir DIR    directory holding the four Fashion-MNIST IDX files
  --subset          train on the small subset committed under data/
  --help            show this text

Exit codes: 0 the book's checks passed, 1 they failed or training could not run, 2 bad flags,
130 interrupted (Ctrl-C stops after the current epoch; metrics.json keeps the finished ones).`;

/**
 * Parses and checks the command line (strict: unknown flags are errors).
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "./train.ts";
 * const args = parseTrainArgs(["--epochs", "3", "--lr=0.5", "--subset"]);
 * if (args.epochs !== 3 || args.lr !== 0.5 || !args.subset || args.batchSize !== 256) throw new Error("unexpected: args.epochs !== 3 || args.lr !== 0.5 || !args.subset || args.batchSize !== 256");
 * ```
 * @throws {UsageError} with a one-line message for an unknown flag, a missing value,
 *   non-positive or non-integer epochs or batch size, an lr that is not a positive finite
 *   number, a seed that is not an integer, or an unknown backend.
 */
export function parseTrainArgs(args: string[]): TrainArgs {
  const parsed = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      epochs: { type: "string", default: "10" },
      lr: { type: "string", default: "0.1" },
      "batch-size": { type: "string", default: "256" },
      seed: { type: "string", default: "0" },
      engine: { type: "string", default: "autograd" },
      threads: { type: "string" },
      backend: { type: "string" },
      out: { type: "string", default: "out/train" },
      "data-dir": { type: "string" },
      subset: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const v = parsed.values;
  const lr = positiveNumber("--lr", v.lr!);
  const seed = integer("--seed", v.seed!);
  const engine = v.engine as Engine;
  if (!ENGINES.includes(engine)) {
    throw new UsageError(
      `--engine must be ${ENGINES.join(" or ")}, got ${JSON.stringify(v.engine)}`,
    );
  }
  let threads: 1 | 2 = 1;
  if (v.threads !== undefined) {
    try {
      threads = parseThreads(v.threads, "--threads");
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (engine !== "fused") {
      throw new UsageError(
        "--threads applies to --engine fused (lesson 5's autodiff runs tfjs on one thread)",
      );
    }
  }
  let backend: BackendName | undefined;
  if (v.backend !== undefined) {
    try {
      backend = parseBackendName(v.backend, "--backend");
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (v.out!.trim() === "") {
    throw new UsageError("--out must be a directory path, got an empty string");
  }
  if (v["data-dir"] !== undefined && v.subset) {
    throw new UsageError("--data-dir and --subset exclude each other: choose one data source");
  }
  return {
    epochs: positiveInteger("--epochs", v.epochs!),
    lr,
    batchSize: positiveInteger("--batch-size", v["batch-size"]!),
    seed,
    engine,
    threads,
    backend,
    out: v.out!,
    dataDir: v["data-dir"],
    subset: v.subset!,
    help: v.help!,
  };
}

/**
 * The command's Animator: the book's three curves over `numEpochs` epochs, drawn into `outDir`
 * after an epoch at most once a second, the first a second after its creation (a drawing takes
 * longer than a fused epoch; call `flush()` after the last).
 *
 * @example
 * ```ts
 * import { curvesAnimator } from "./train.ts";
 * const a = curvesAnimator(10);
 * await a.add(1, [0.8, 0.7, 0.75]);
 * if (a.Y.length !== 3) throw new Error(`three series expected, got ${a.Y.length}`);
 * ```
 */
export function curvesAnimator(numEpochs: number, outDir?: string): Animator {
  return new Animator({
    xlabel: "epoch",
    xlim: [1, Math.max(numEpochs, 2)],
    ylim: [0.3, 0.9],
    legend: ["train loss", "train acc", "test acc"],
    outDir,
    minRedrawMs: 1000,
  });
}

/** What the run wrote into `metrics.json`. */
export interface Metrics {
  epochs: EpochRecord[];
  engine: Engine;
  /** The engine's threads. */
  threads: 1 | 2;
  backend: BackendName;
  requestedBackend: BackendName;
  seed: number;
  lr: number;
  batchSize: number;
  numEpochs: number;
  dataSource: { kind: string; dir: string };
  trainExamples: number;
  testExamples: number;
  trainSeconds: number;
  totalSeconds: number;
  /** `false` while training (the file is rewritten after every epoch), `true` at the end. */
  complete: boolean;
  /** The book's checks on the last epoch; `null` until `complete`. */
  checks: { trainLoss: boolean; trainAcc: boolean; testAcc: boolean } | null;
  /** Whether all three passed; `null` until `complete`. */
  checksPassed: boolean | null;
  /** The files this run has written into `--out` so far. */
  files: string[];
  versions: { deno: string; tfjs: string };
}

/** Where output lines go; the command passes stdout and stderr. */
export interface TrainIO {
  /** Normal output (the table and the summary). */
  out: (text: string) => void;
  /** Errors and warnings. */
  err: (text: string) => void;
  /** Whether `out` is a terminal (progress bar). */
  isTerminal: boolean;
  /**
   * Set (by `main`, on Ctrl-C) to ask the run to stop after the epoch running; it then
   * returns 130. Read after every epoch.
   */
  interrupted?: () => boolean;
  /** Called when training starts (data loaded, nothing trained yet). */
  onTrainingStart?: () => void;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Makes `out` ready to write into: creates it (and its parents) when missing.
 *
 * @throws {UsageError} when `out`, or a directory it needs, is a file.
 */
async function prepareOutDir(out: string): Promise<void> {
  const info = await Deno.stat(out).catch((error) => error as Error);
  if (info instanceof Deno.errors.NotFound) {
    try {
      return await Deno.mkdir(out, { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotADirectory)) {
        throw new Error(`cannot create the --out directory ${out}: ${(error as Error).message}`);
      }
    }
  } else if (info instanceof Error) {
    if (!(info instanceof Deno.errors.NotADirectory)) throw info;
  } else if (info.isDirectory) {
    return;
  }
  throw new UsageError(
    `--out must be a directory, but ${out} is a file or lies under one; pass a directory ` +
      `path (it is created if missing)`,
  );
}

/** Thrown inside a run when `io.interrupted()` turns true. */
class Interrupted extends Error {}

function checkLine(
  result: { checks: NonNullable<Metrics["checks"]> },
  last: EpochRecord,
): string {
  const mark = (ok: boolean) => (ok ? "ok" : "FAILED");
  return `Book's checks: train loss ${last.trainLoss.toFixed(4)} < 0.5 ${
    mark(result.checks.trainLoss)
  }; 0.7 < train acc ${last.trainAcc.toFixed(4)} <= 1 ${
    mark(result.checks.trainAcc)
  }; 0.7 < test acc ${last.testAcc.toFixed(4)} <= 1 ${mark(result.checks.testAcc)}`;
}

/**
 * Runs the command with already-parsed arguments and returns its exit code (0 or 1).
 * Everything it prints goes through `io`.
 */
export async function runTrain(args: TrainArgs, io: TrainIO): Promise<number> {
  const started = performance.now();
  await prepareOutDir(args.out);
  if (args.dataDir !== undefined) {
    // A directory without the data is a bad flag value: say so before starting any work.
    await checkDataDir(args.dataDir, "--data-dir").catch((error) => {
      throw error instanceof Deno.errors.NotFound ? new UsageError(error.message) : error;
    });
  }
  const backend = await initBackend({ backend: args.backend, warn: (m) => io.err(m + "\n") });
  io.out(
    `Training softmax regression: ${plural(args.epochs, "epoch")}, lr ${args.lr}, batch size ` +
      `${args.batchSize}, seed ${args.seed}, engine ${args.engine}${
        args.threads === 2 ? " (2 threads)" : ""
      }, backend ${backend.name}\n`,
  );
  const data = await loadDataFashionMnist(args.batchSize, {
    dir: args.dataDir,
    dirName: "--data-dir",
    seed: args.seed,
    subset: args.subset,
    onProgress: progressPrinter({ write: io.err }), // only if it has to download
  });
  const params = initParams({ seed: args.seed });
  const files = new Set<string>();
  const write = async (name: string, bytes: Uint8Array | string) => {
    await writeFileAtomic(`${args.out}/${name}`, bytes);
    files.add(name);
  };
  try {
    const { trainIter, testIter } = data;
    io.out(
      `Data: ${data.source.kind} (${data.source.dir}): ${trainIter.numExamples} training and ` +
        `${testIter.numExamples} test images\n`,
    );
    const records: EpochRecord[] = [];
    const metrics = (result?: { checks: NonNullable<Metrics["checks"]>; checksPassed: boolean }) =>
      ({
        epochs: records,
        engine: args.engine,
        threads: args.threads,
        backend: backend.name,
        requestedBackend: backend.requested,
        seed: args.seed,
        lr: args.lr,
        batchSize: args.batchSize,
        numEpochs: args.epochs,
        dataSource: { kind: data.source.kind, dir: data.source.dir },
        trainExamples: trainIter.numExamples,
        testExamples: testIter.numExamples,
        trainSeconds: records.reduce((s, r) => s + r.seconds, 0),
        totalSeconds: (performance.now() - started) / 1000,
        complete: result !== undefined,
        checks: result?.checks ?? null,
        checksPassed: result?.checksPassed ?? null,
        files: [...new Set([...files, "metrics.json"])],
        versions: { deno: Deno.version.deno, tfjs: tf.version_core },
      }) satisfies Metrics;
    const writeMetrics = (m: Metrics) => write("metrics.json", JSON.stringify(m, null, 2) + "\n");

    const net = createNet(params);
    const animator = curvesAnimator(args.epochs, args.out);
    const progress = new TrainingProgress({
      numEpochs: args.epochs,
      write: io.out,
      isTerminal: io.isTerminal,
    });
    let result;
    try {
      const options = {
        animator,
        onBatch: (done: number, total: number) => progress.batch(done, total),
        onEpoch: async (record: EpochRecord) => {
          progress.epoch(record);
          records.push(record);
          files.add("curves.svg").add("curves.png"); // drawn after the first epoch
          await writeMetrics(metrics());
          if (io.interrupted?.()) throw new Interrupted();
        },
      };
      io.onTrainingStart?.();
      if (args.engine === "fused") {
        using engine = new FusedEngine(data.raw.train, data.raw.test, { threads: args.threads });
        engine.setParams(params);
        try {
          result = await trainFused(
            engine,
            trainIter,
            args.epochs,
            args.lr,
            args.batchSize,
            options,
          );
        } finally {
          // The trained (or, when interrupted, the latest) weights back into lesson 2's model,
          // for the predictions and the parameter file.
          const trained = engine.params();
          tf.tidy(() => {
            params.W.assign(tf.tensor2d(trained.W, params.W.shape));
            params.b.assign(tf.tensor1d(trained.b));
          });
        }
      } else {
        result = await trainCh3(
          net,
          trainIter,
          testIter,
          crossEntropy,
          args.epochs,
          sgdUpdater([params.W, params.b], args.lr),
          options,
        );
      }
      await animator.flush();
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      await animator.flush(); // the curves of every finished epoch, as metrics.json has them
      io.err(
        `train: interrupted after ${plural(records.length, "epoch")} of ${args.epochs}; ` +
          `${args.out}/metrics.json holds ${records.length === 1 ? "it" : "them"}\n`,
      );
      return 130;
    }

    const shown = predictCh3(net, testIter, 6);
    const grid = showImages(shown.images, 1, shown.titles.length, {
      titles: shown.titles,
      imageShape: shown.imageShape,
    });
    await write("predictions.png", grid);
    await saveParams(params, `${args.out}/params.safetensors`, {
      seed: String(args.seed),
      epochs: String(args.epochs),
      lr: String(args.lr),
      batchSize: String(args.batchSize),
      backend: backend.name,
      engine: args.engine,
    });
    files.add("params.safetensors");
    const final = metrics(result);
    await writeMetrics(final);

    const last = records[records.length - 1];
    io.out(
      `Final: train loss ${last.trainLoss.toFixed(4)}, train acc ${last.trainAcc.toFixed(4)}, ` +
        `test acc ${last.testAcc.toFixed(4)} after ${plural(args.epochs, "epoch")}; training ` +
        `${final.trainSeconds.toFixed(2)} s, total ${final.totalSeconds.toFixed(2)} s ` +
        `(${
          args.engine === "fused" ? `fused engine, ${plural(args.threads, "thread")}` : backend.name
        })\n`,
    );
    io.out(checkLine(result, last) + "\n");
    io.out(`Wrote ${final.files.map((f) => `${args.out}/${f}`).join(", ")}\n`);
    const diverged = records.find((r) => !Number.isFinite(r.trainLoss));
    if (diverged) {
      io.err(
        `train: training diverged: the loss was ${diverged.trainLoss} after epoch ` +
          `${diverged.epoch} (the steps grew until the weights overflowed). The learning rate ` +
          `--lr ${args.lr} is too large for this model; the book uses 0.1: try a smaller one.\n`,
      );
      return 1;
    }
    if (!result.checksPassed) {
      io.err(
        `train: the book's checks failed (see above)` +
          (args.subset || args.epochs < 10
            ? `; a short run or the --subset data is not expected to pass them\n`
            : "\n"),
      );
      return 1;
    }
    return 0;
  } finally {
    tf.dispose([params.W, params.b]);
    data.dispose();
  }
}

/**
 * The command: parses `argv`, runs, and returns the exit code (0, 1 or 2).
 *
 * @param argv the command-line arguments (without the program).
 * @param io where output goes; default stdout and stderr.
 */
export async function main(argv: string[], io?: TrainIO): Promise<number> {
  const encoder = new TextEncoder();
  const streams: TrainIO = io ?? {
    out: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    err: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    isTerminal: Deno.stdout.isTerminal(),
  };
  let args: TrainArgs;
  try {
    args = parseTrainArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    streams.err(`train: ${error.message} (see --help)\n`);
    return 2;
  }
  if (args.help) {
    streams.out(USAGE + "\n");
    return 0;
  }
  // Ctrl-C: before training, stop at once (nothing is written yet); during training, finish
  // the epoch running (its metrics are saved), then stop with 130. A second Ctrl-C stops at once.
  let interrupted = false;
  let training = false;
  const onInterrupt = () => {
    if (interrupted || !training) {
      streams.err("\ntrain: interrupted\n");
      Deno.exit(130);
    }
    interrupted = true;
    streams.err("\ntrain: stopping after the epoch running\n");
  };
  const listen = io === undefined && Deno.build.os !== "windows";
  if (listen) Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    return await runTrain(args, {
      ...streams,
      interrupted: () => interrupted,
      onTrainingStart: () => training = true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      streams.err(`train: ${message} (see --help)\n`);
      return 2;
    }
    streams.err(`train: ${message}\n`);
    return 1;
  } finally {
    if (listen) Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

if (import.meta.main) {
  chdirToCaller();
  Deno.exit(await main(Deno.args));
}

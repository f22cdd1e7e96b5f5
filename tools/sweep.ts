/**
 * `deno task sweep`: trains every combination of learning rates and batch sizes on the fused
 * engine (`lib/fused_engine.ts`) and compares them, as the book invites its readers to try.
 *
 * ```sh
 * deno task sweep --lr 0.03,0.1,0.3 --batch-size 64,256,1024
 * deno task sweep --lr 0.1,1 --batch-size 256 --epochs 3 --subset --out /tmp/sweep
 * ```
 *
 * Flags: `--lr` and `--batch-size` (comma-separated lists, required), `--epochs` (10), `--seed`
 * (0: the initial weights and the shuffle, the same for every run), `--out` (`out/sweep`),
 * `--threads` (1 or 2, the engine's threads; default 1), `--data-dir DIR` or `--subset`,
 * `--help`. The data is loaded and laid out once; every run starts from the same weights and
 * sees the same shuffle orders, so only the two settings differ.
 *
 * Writes into `--out`, atomically: `sweep.csv` (one row per run and epoch: `lr, batch_size,
 * epoch, train_loss, train_acc, test_acc, seconds`) and `sweep.svg` / `sweep.png`, one chart:
 * the final test accuracy of every combination, and the test-accuracy curves side by side, one
 * panel per learning rate. Prints a line per run as it finishes. Exit codes: 0 done, 1 the data
 * cannot be found, 2 bad flags.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { initParams } from "../lessons/02_softmax.ts";
import type { EpochRecord } from "../lessons/05_train_ch3.ts";
import { FusedEngine, parseThreads, trainFused } from "../lib/fused_engine.ts";
import { FONT_FAMILY, specToSVG, svgToPNG } from "../lib/chart_render.ts";
import { writeFileAtomic } from "../lib/write_atomic.ts";
import { integer, parseFlags, positiveInteger, UsageError } from "../lib/flags.ts";

/** The sweep's settings, checked. */
export interface SweepArgs {
  lrs: number[];
  batchSizes: number[];
  epochs: number;
  seed: number;
  /** The fused engine's threads. */
  threads: 1 | 2;
  out: string;
  dataDir?: string;
  subset: boolean;
  help: boolean;
}

/** One run of the sweep: its settings and its epochs. */
export interface SweepRun {
  lr: number;
  batchSize: number;
  epochs: EpochRecord[];
}

/** The `--help` text. */
export const USAGE = `Usage: deno task sweep --lr X,Y,… --batch-size N,M,… [flags]

Trains softmax regression on Fashion-MNIST for every combination of learning rate and batch
size, on the fused engine, from the same initial weights and shuffle, and writes sweep.csv,
sweep.svg and sweep.png into --out.

Flags:
  --lr LIST          learning rates, positive numbers, comma-separated (required)
  --batch-size LIST  batch sizes, positive integers, comma-separated (required)
  --epochs N         epochs per run (default 10)
  --seed N           seed of the initial weights and the shuffle (default 0)
  --threads N        the engine's threads, 1 or 2 (default 1)
  --out DIR          output directory, created if missing (default out/sweep)
  --data-dir DIR     directory holding the four Fashion-MNIST IDX files
  --subset           use the small subset committed under data/
  --help             show this text`;

/** A bad command line ({@linkcode ../lib/flags.ts}): exit code 2. */
export { UsageError };

function list(flag: string, text: string | undefined, integer: boolean): number[] {
  if (text === undefined || text.trim() === "") {
    throw new UsageError(
      `${flag} is required: a comma-separated list, e.g. ${flag} ${
        integer ? "64,256" : "0.03,0.1"
      }`,
    );
  }
  const values = text.split(",").map((part) => {
    const value = Number(part);
    const ok = part.trim() !== "" && Number.isFinite(value) && value > 0 &&
      (!integer || Number.isSafeInteger(value));
    if (!ok) {
      throw new UsageError(
        `${flag}: ${JSON.stringify(part)} is not a positive ${integer ? "integer" : "number"}`,
      );
    }
    return value;
  });
  if (new Set(values).size !== values.length) {
    throw new UsageError(`${flag}: a value is listed twice (${text})`);
  }
  return values;
}

/**
 * Parses and checks the command line.
 *
 * @example
 * ```ts
 * import { parseSweepArgs } from "./sweep.ts";
 * const a = parseSweepArgs(["--lr", "0.03,0.1", "--batch-size=64,256", "--epochs", "2"]);
 * if (a.lrs.join() !== "0.03,0.1" || a.batchSizes.join() !== "64,256" || a.epochs !== 2) {
 *   throw new Error(JSON.stringify(a));
 * }
 * ```
 * @throws {UsageError} naming the flag: an unknown flag, a missing or bad list, a repeated
 *   value, bad epochs or seed, `--data-dir` with `--subset`.
 */
export function parseSweepArgs(args: string[]): SweepArgs {
  const { values } = parseFlags({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      lr: { type: "string" },
      "batch-size": { type: "string" },
      epochs: { type: "string", default: "10" },
      seed: { type: "string", default: "0" },
      threads: { type: "string", default: "1" },
      out: { type: "string", default: "out/sweep" },
      "data-dir": { type: "string" },
      subset: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    const help: SweepArgs = {
      lrs: [],
      batchSizes: [],
      epochs: 0,
      seed: 0,
      threads: 1,
      out: "",
      subset: false,
      help: true,
    };
    return help;
  }
  const epochs = positiveInteger("--epochs", values.epochs!);
  const seed = integer("--seed", values.seed!);
  if (values["data-dir"] !== undefined && values.subset) {
    throw new UsageError("--data-dir and --subset exclude each other: choose one data source");
  }
  let threads: 1 | 2;
  try {
    threads = parseThreads(values.threads!, "--threads");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    lrs: list("--lr", values.lr, false),
    batchSizes: list("--batch-size", values["batch-size"], true),
    epochs,
    seed,
    threads,
    out: values.out!,
    dataDir: values["data-dir"],
    subset: values.subset!,
    help: false,
  };
}

/**
 * Trains every combination and returns the runs, in the order `lrs` × `batchSizes`.
 *
 * @example Two learning rates on the committed subset
 * ```ts
 * import { sweep } from "./sweep.ts";
 * const runs = await sweep({ lrs: [0.01, 0.1], batchSizes: [256], epochs: 2, seed: 0, subset: true });
 * if (runs.length !== 2 || !(runs[1].epochs[1].trainLoss < runs[0].epochs[1].trainLoss)) {
 *   throw new Error("a larger step should fall faster over two epochs");
 * }
 * ```
 */
export async function sweep(
  args:
    & Pick<SweepArgs, "lrs" | "batchSizes" | "epochs" | "seed" | "dataDir" | "subset">
    & Partial<Pick<SweepArgs, "threads">>,
  onRun?: (run: SweepRun, index: number, total: number) => void,
): Promise<SweepRun[]> {
  const data = await loadDataFashionMnist(256, {
    dir: args.dataDir,
    dirName: "--data-dir",
    seed: args.seed,
    subset: args.subset,
  });
  const start = initParams({ seed: args.seed });
  try {
    using engine = new FusedEngine(data.raw.train, data.raw.test, { threads: args.threads });
    const runs: SweepRun[] = [];
    const total = args.lrs.length * args.batchSizes.length;
    for (const lr of args.lrs) {
      for (const batchSize of args.batchSizes) {
        engine.setParams(start);
        const result = await trainFused(engine, data.trainIter, args.epochs, lr, batchSize);
        const run = { lr, batchSize, epochs: result.epochs };
        runs.push(run);
        onRun?.(run, runs.length, total);
      }
    }
    return runs;
  } finally {
    tf.dispose([start.W, start.b]);
    data.dispose();
  }
}

/** The runs as CSV, one row per run and epoch. */
export function sweepCsv(runs: SweepRun[]): string {
  const rows = ["lr,batch_size,epoch,train_loss,train_acc,test_acc,seconds"];
  for (const run of runs) {
    for (const e of run.epochs) {
      rows.push(
        [run.lr, run.batchSize, e.epoch, e.trainLoss, e.trainAcc, e.testAcc, e.seconds.toFixed(4)]
          .join(","),
      );
    }
  }
  return rows.join("\n") + "\n";
}

/** The chart: final test accuracy per combination, and the test-accuracy curves per lr. */
export function sweepSpec(runs: SweepRun[]) {
  const values = runs.flatMap((r) =>
    r.epochs.map((e) => ({
      lr: String(r.lr),
      batch: String(r.batchSize),
      epoch: e.epoch,
      testAcc: e.testAcc,
      last: e.epoch === r.epochs.length,
    }))
  );
  const color = {
    field: "batch",
    type: "nominal" as const,
    title: "batch size",
    sort: runs.map((r) => String(r.batchSize)),
  };
  const testAcc = {
    field: "testAcc",
    type: "quantitative" as const,
    title: "test accuracy",
    scale: { zero: false },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values },
    config: { font: FONT_FAMILY, view: { stroke: "#ddd" } },
    hconcat: [
      {
        title: "final test accuracy",
        transform: [{ filter: "datum.last" }],
        width: 220,
        height: 220,
        mark: { type: "line" as const, point: true },
        encoding: {
          x: {
            field: "lr",
            type: "ordinal" as const,
            title: "learning rate",
            sort: null,
            axis: { labelAngle: 0 },
          },
          y: testAcc,
          color,
        },
      },
      {
        title: "test accuracy per epoch, by learning rate",
        width: 160,
        height: 220,
        mark: { type: "line" as const },
        encoding: {
          x: { field: "epoch", type: "quantitative" as const },
          y: testAcc,
          color,
          column: { field: "lr", type: "ordinal" as const, title: "learning rate", sort: null },
        },
      },
    ],
  };
}

/** What the command writes and prints through. */
export interface SweepIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * The command: parses `argv`, runs, writes, and returns the exit code (0, 1 or 2).
 *
 * @param argv the command-line arguments.
 * @param io where output goes; default stdout and stderr.
 */
export async function main(argv: string[], io?: SweepIO): Promise<number> {
  const streams: SweepIO = io ?? {
    out: (text) => Deno.stdout.writeSync(new TextEncoder().encode(text)),
    err: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
  };
  let args: SweepArgs;
  try {
    args = parseSweepArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    streams.err(`sweep: ${error.message} (see --help)\n`);
    return 2;
  }
  if (args.help) {
    streams.out(USAGE + "\n");
    return 0;
  }
  const total = args.lrs.length * args.batchSizes.length;
  streams.out(
    `Sweep: ${total} runs (lr ${args.lrs.join(", ")} × batch size ${
      args.batchSizes.join(", ")
    }), ` +
      `${args.epochs} epochs each, seed ${args.seed}, fused engine, ${args.threads} thread${
        args.threads === 1 ? "" : "s"
      }\n`,
  );
  let runs: SweepRun[];
  try {
    runs = await sweep(args, (run, index) => {
      const last = run.epochs[run.epochs.length - 1];
      const seconds = run.epochs.reduce((s, e) => s + e.seconds, 0);
      streams.out(
        `run ${index}/${total}: lr ${run.lr}, batch size ${run.batchSize}: train loss ` +
          `${last.trainLoss.toFixed(4)}, train acc ${last.trainAcc.toFixed(4)}, test acc ` +
          `${last.testAcc.toFixed(4)} (${seconds.toFixed(2)} s)\n`,
      );
    });
  } catch (error) {
    streams.err(`sweep: ${error instanceof Error ? error.message : error}\n`);
    return 1;
  }
  const svg = await specToSVG(sweepSpec(runs));
  await writeFileAtomic(`${args.out}/sweep.csv`, sweepCsv(runs));
  await writeFileAtomic(`${args.out}/sweep.svg`, svg);
  await writeFileAtomic(`${args.out}/sweep.png`, svgToPNG(svg));
  const best = runs.reduce((a, r) =>
    r.epochs[r.epochs.length - 1].testAcc > a.epochs[a.epochs.length - 1].testAcc ? r : a
  );
  streams.out(
    `Best: lr ${best.lr}, batch size ${best.batchSize}, test acc ` +
      `${best.epochs[best.epochs.length - 1].testAcc.toFixed(4)}\n` +
      `Wrote ${args.out}/sweep.csv, ${args.out}/sweep.svg, ${args.out}/sweep.png\n`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

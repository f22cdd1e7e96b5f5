import assert from "node:assert/strict";
import { loadImage } from "@napi-rs/canvas";
import * as tf from "../lib/tf.ts";
import { decodeSafetensors, encodeSafetensors, loadParams, saveParams } from "../lib/params_io.ts";
import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { createNet } from "../lessons/02_softmax.ts";
import { evaluateAccuracy } from "../lessons/04_evaluate_accuracy.ts";
import {
  curvesAnimator,
  type Metrics,
  parseTrainArgs,
  runTrain,
  UsageError,
} from "../tools/train.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";

const ROOT = new URL("..", import.meta.url);
const FILES = ["curves.png", "curves.svg", "metrics.json", "params.safetensors", "predictions.png"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A tools/train.ts …args` from the project root, as `deno task train` does. */
async function train(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "tools/train.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "train_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readMetrics(dir: string): Promise<Metrics> {
  return JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`));
}

/** The per-epoch rows the command printed, as numbers. */
function printedRows(stdout: string): number[][] {
  return stdout.split("\n")
    .filter((line) => /^\s+\d+(\s+\d+\.\d+){4}$/.test(line))
    .map((line) => line.trim().split(/\s+/).map(Number));
}

/** Width and height of a PNG from its IHDR chunk, after checking the signature. */
function pngSize(bytes: Uint8Array): [number, number] {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

/** Checks everything a finished run must have written, and that it matches what was printed. */
async function checkOutputs(dir: string, run: Run, numEpochs: number): Promise<Metrics> {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, FILES, "exactly the five files, no temporary files left");
  const metrics = await readMetrics(dir);
  assert.equal(metrics.epochs.length, numEpochs);
  metrics.epochs.forEach((r, i) => {
    assert.deepEqual(Object.keys(r).sort(), [
      "epoch",
      "seconds",
      "testAcc",
      "trainAcc",
      "trainLoss",
    ]);
    assert.equal(r.epoch, i + 1);
    assert.ok(r.seconds > 0);
  });
  assert.ok(metrics.totalSeconds >= metrics.trainSeconds && metrics.trainSeconds > 0);
  assert.equal(typeof metrics.seed, "number");
  assert.equal(typeof metrics.dataSource.kind, "string");
  assert.equal(metrics.complete, true);
  assert.deepEqual([...metrics.files].sort(), FILES, "metrics.json lists the five files");
  assert.ok(metrics.checks !== null);
  assert.equal(
    metrics.checksPassed,
    metrics.checks.trainLoss && metrics.checks.trainAcc && metrics.checks.testAcc,
  );
  assert.equal(run.code, metrics.checksPassed ? 0 : 1, "exit code follows the book's checks");

  // What was printed is what was saved.
  const rows = printedRows(run.stdout);
  assert.deepEqual(
    rows,
    metrics.epochs.map((r) => [
      r.epoch,
      Number(r.trainLoss.toFixed(4)),
      Number(r.trainAcc.toFixed(4)),
      Number(r.testAcc.toFixed(4)),
      Number(r.seconds.toFixed(2)),
    ]),
  );
  const last = metrics.epochs[numEpochs - 1];
  assert.ok(
    run.stdout.includes(
      `Final: train loss ${last.trainLoss.toFixed(4)}, train acc ${last.trainAcc.toFixed(4)}, ` +
        `test acc ${last.testAcc.toFixed(4)} after ${numEpochs} epochs`,
    ),
    run.stdout,
  );

  // The chart shows every epoch (the command redraws at most once a second, then at the end).
  const svg = await Deno.readTextFile(`${dir}/curves.svg`);
  const all = curvesAnimator(numEpochs);
  for (const r of metrics.epochs) await all.add(r.epoch, [r.trainLoss, r.trainAcc, r.testAcc]);
  // (vega numbers its clip paths per process: compare without the numbers)
  const unnumbered = (text: string) => text.replaceAll(/clip\d+/g, "clip");
  assert.ok(
    unnumbered(svg) === unnumbered(await all.toSVG()),
    "curves.svg is not the chart of all the epochs",
  );
  // The images decode, at the sizes the SVG and the 1×6 grid imply.
  const [w, h] = /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
  const curves = await Deno.readFile(`${dir}/curves.png`);
  assert.deepEqual(pngSize(curves), [2 * w, 2 * h]);
  const predictions = await Deno.readFile(`${dir}/predictions.png`);
  const [pw, ph] = pngSize(predictions);
  assert.ok(pw >= 5 * ph, `a 1×6 grid is wide: ${pw}×${ph}`);
  for (const png of [curves, predictions]) {
    const image = await loadImage(png);
    assert.ok(image.width > 0 && image.height > 0);
  }
  return metrics;
}

Deno.test("parseTrainArgs() gives the book's defaults and reads every flag", () => {
  const d = parseTrainArgs([]);
  assert.deepEqual(d, {
    epochs: 10,
    lr: 0.1,
    batchSize: 256,
    seed: 0,
    engine: "autograd",
    threads: 1,
    backend: undefined,
    out: "out/train",
    dataDir: undefined,
    subset: false,
    help: false,
  });
  const a = parseTrainArgs([
    "--epochs=3",
    "--lr",
    "1e-2",
    "--batch-size",
    "64",
    "--seed",
    "-4", // a negative number after a flag is its value (node:util alone wants "--seed=-4")
    "--backend",
    "CPU",
    "--out",
    "/tmp/x",
    "--data-dir",
    "/data",
    "--engine",
    "fused",
    "--threads",
    "2",
  ]);
  assert.deepEqual(
    [a.epochs, a.lr, a.batchSize, a.seed, a.backend, a.out, a.dataDir, a.engine, a.threads],
    [3, 0.01, 64, -4, "cpu", "/tmp/x", "/data", "fused", 2],
  );
  assert.equal(parseTrainArgs(["--help"]).help, true);
});

Deno.test("parseTrainArgs() rejects each bad flag with a one-line message naming it", () => {
  const cases: [string[], RegExp][] = [
    [["--epochs", "0"], /--epochs must be a positive integer, got "0"/],
    [["--epochs", "2.5"], /--epochs must be a positive integer/],
    [["--epochs", "ten"], /--epochs must be a positive integer/],
    [["--batch-size=-3"], /--batch-size must be a positive integer, got "-3"/],
    [["--batch-size", "-3"], /--batch-size must be a positive integer, got "-3"/],
    [["--epochs", "-1"], /--epochs must be a positive integer, got "-1"/],
    [["--out", "--subset"], /--out needs a value.* --out=VALUE/],
    [["--batch-size", "1e3"], /--batch-size must be a positive integer/],
    [["--lr", "abc"], /--lr must be a positive finite number, got "abc"/],
    [["--engine", "gpu"], /--engine must be autograd or fused, got "gpu"/],
    [["--engine", "fused", "--threads", "4"], /--threads must be 1 or 2, got "4"/],
    [["--threads", "2"], /--threads applies to --engine fused/],
    [["--lr", "0"], /--lr must be a positive finite number/],
    [["--lr=-0.1"], /--lr must be a positive finite number/],
    [["--lr", "Infinity"], /--lr must be a positive finite number/],
    [["--lr", ""], /--lr must be a positive finite number/],
    [["--seed", "1.5"], /--seed must be an integer/],
    [["--backend", "gpu"], /Unknown backend "gpu" in --backend: expected one of wasm, cpu/],
    [["--bogus"], /Unknown option --bogus\b/],
    [["--epochs"], /--epochs/],
    [["extra"], /positional argument/],
    [["--subset", "--data-dir", "/d"], /exclude each other/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseTrainArgs(args), (e: Error) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      assert.ok(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
      return true;
    });
  }
});

Deno.test("deno task train: bad flags exit with code 2 and one clear line on stderr, --help with 0", async () => {
  const cases: [string[], string][] = [
    [["--epochs", "0"], "--epochs"],
    [["--batch-size", "1.5"], "--batch-size"],
    [["--lr", "abc"], "--lr"],
    [["--backend", "gpu"], "--backend"],
    [["--bogus"], "--bogus"],
  ];
  const runs = await Promise.all(cases.map(([args]) => train(args)));
  runs.forEach((run, i) => {
    const [args, flag] = cases[i];
    assert.equal(run.code, 2, `${args.join(" ")}: exit code (stderr: ${run.stderr})`);
    assert.equal(run.stdout, "", `${args.join(" ")}: nothing on stdout`);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: one line, got ${JSON.stringify(run.stderr)}`);
    assert.ok(lines[0].startsWith("train: ") && lines[0].includes(flag), lines[0]);
  });
  const help = await train(["--help"]);
  assert.equal(help.code, 0);
  assert.ok(help.stdout.startsWith("Usage: deno task train"));
  for (
    const flag of [
      "--epochs",
      "--lr",
      "--batch-size",
      "--seed",
      "--backend",
      "--out",
      "--data-dir",
      "--subset",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

Deno.test("deno task train: an --out that is a file, or a --data-dir that does not exist, exits 2 naming the flag", async () => {
  await withTempDir(async (root) => {
    const file = `${root}/a-file`;
    await Deno.writeTextFile(file, "keep me\n");
    const runs = await Promise.all([
      train(["--subset", "--epochs", "1", "--out", file]),
      train(["--subset", "--epochs", "1", "--out", `${file}/sub`]),
      train(["--epochs", "1", "--data-dir", `${root}/missing`, "--out", `${root}/o1`]),
      train(["--epochs", "1", "--data-dir", root, "--out", `${root}/o2`]), // no IDX files in it
    ]);
    const [outFile, outUnderFile, dataMissing, dataEmpty] = runs;
    for (const run of [outFile, outUnderFile]) {
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        /^train: --out must be a directory, but .*a-file.* (is|lies under) a file/,
      );
    }
    assert.equal(await Deno.readTextFile(file), "keep me\n", "the file is left alone");
    assert.equal(dataMissing.code, 2, dataMissing.stderr);
    assert.equal(dataMissing.stdout, "");
    assert.match(
      dataMissing.stderr,
      /^train: The directory given as --data-dir, .*missing does not exist/,
    );
    assert.match(dataMissing.stderr, /leave out --data-dir to search the usual places/);
    assert.equal(dataEmpty.code, 2, dataEmpty.stderr);
    assert.match(dataEmpty.stderr, /--data-dir, .* holds none of the four Fashion-MNIST files/);
    for (const run of runs) assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  });
});

Deno.test("deno task train: Ctrl-C stops after the epoch running with exit code 130; metrics.json keeps the finished epochs", async () => {
  await withTempDir(async (out) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "tools/train.ts", "--subset", "--epochs", "1000", "--out", out],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    // Wait for the first epoch's metrics, then interrupt.
    let partial: Metrics | undefined;
    for (let i = 0; i < 1200 && !(partial && partial.epochs.length >= 1); i++) {
      await new Promise((r) => setTimeout(r, 25));
      partial = await readMetrics(out).catch(() => undefined);
    }
    assert.ok(partial && partial.epochs.length >= 1, "metrics.json is written after every epoch");
    assert.equal(partial.complete, false);
    assert.equal(partial.checksPassed, null);
    assert.equal(partial.checks, null);
    child.kill("SIGINT");
    const { code, stderr } = await output;
    const text = new TextDecoder().decode(stderr);
    assert.equal(code, 130, text);
    const metrics = await readMetrics(out);
    const n = metrics.epochs.length;
    assert.ok(n >= partial.epochs.length && n < 1000, `${n} epochs saved`);
    assert.equal(metrics.complete, false);
    assert.deepEqual(
      metrics.epochs.map((r) => r.epoch),
      Array.from({ length: n }, (_, i) => i + 1),
    );
    assert.match(
      text,
      new RegExp(`interrupted after ${n} epochs of 1000; .*metrics.json holds them`),
    );
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(names, ["curves.png", "curves.svg", "metrics.json"], "no temporary files");
    assert.deepEqual([...metrics.files].sort(), names);
  });
});

Deno.test("runTrain() asked to stop after the first epoch returns 130 with that epoch's metrics and curves on disk", async () => {
  await withTempDir(async (out) => {
    const err: string[] = [];
    const args = { ...parseTrainArgs(["--subset", "--epochs", "5"]), out };
    const code = await runTrain(args, {
      out: () => {},
      err: (text) => err.push(text),
      isTerminal: false,
      interrupted: () => true,
    });
    assert.equal(code, 130);
    assert.match(err.join(""), /interrupted after 1 epoch of 5; .*metrics\.json holds it/);
    const metrics = await readMetrics(out);
    assert.equal(metrics.epochs.length, 1);
    assert.equal(metrics.complete, false);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(names, ["curves.png", "curves.svg", "metrics.json"]);
    assert.deepEqual([...metrics.files].sort(), names, "metrics.json lists what is on disk");
  });
});

Deno.test("runTrain() with a learning rate so large that training diverges says so and names --lr, not the short run", async () => {
  await withTempDir(async (out) => {
    const err: string[] = [];
    const args = { ...parseTrainArgs(["--subset", "--epochs", "1", "--lr", "1e9"]), out };
    const code = await runTrain(args, {
      out: () => {},
      err: (text) => err.push(text),
      isTerminal: false,
    });
    assert.equal(code, 1);
    const message = err.join("");
    assert.match(
      message,
      /training diverged: the loss was NaN after epoch 1 .*--lr 1000000000 is too large/,
    );
    assert.doesNotMatch(message, /short run/);
  });
});

Deno.test("deno task train --subset: writes every file, prints what it saved, exits 1 when the book's checks fail, and replays exactly", async () => {
  await withTempDir(async (root) => {
    const args = ["--subset", "--epochs", "2"];
    const [a, b] = await Promise.all([
      train([...args, "--out", `${root}/a/nested`]), // --out is created, parents too
      train([...args, "--out", `${root}/b`]),
    ]);
    const ma = await checkOutputs(`${root}/a/nested`, a, 2);
    const mb = await checkOutputs(`${root}/b`, b, 2);
    // Two epochs on 1000 images cannot reach the book's numbers: a clear failure, exit 1.
    assert.equal(ma.checksPassed, false);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /the book's checks failed/);
    assert.match(a.stdout, /Book's checks: train loss \d\.\d{4} < 0\.5 FAILED/);
    assert.equal(ma.dataSource.kind, "subset");
    assert.equal(ma.backend, "wasm");
    assert.deepEqual([ma.seed, ma.lr, ma.batchSize, ma.numEpochs], [0, 0.1, 256, 2]);
    assert.deepEqual([ma.trainExamples, ma.testExamples], [1000, 500]);
    // Same seed and backend: the same numbers and the same parameters, byte for byte.
    const strip = (m: Metrics) => m.epochs.map(({ seconds: _, ...rest }) => rest);
    assert.deepEqual(strip(ma), strip(mb));
    assert.deepEqual(
      await Deno.readFile(`${root}/a/nested/params.safetensors`),
      await Deno.readFile(`${root}/b/params.safetensors`),
    );
    // The saved parameters are the trained ones: reloaded, they score the same test accuracy.
    const params = await loadParams(`${root}/a/nested/params.safetensors`);
    const data = await loadDataFashionMnist(256, { subset: true });
    try {
      assert.equal(evaluateAccuracy(createNet(params), data.testIter), ma.epochs[1].testAcc);
    } finally {
      tf.dispose([params.W, params.b]);
      data.dispose();
    }
  });
});

Deno.test("deno task train --subset: another seed gives other numbers; the cpu backend agrees with wasm", async () => {
  await withTempDir(async (root) => {
    const [wasm, seed1, cpu] = await Promise.all([
      train(["--subset", "--epochs", "2", "--out", `${root}/wasm`]),
      train(["--subset", "--epochs", "2", "--seed", "1", "--out", `${root}/seed1`]),
      train(["--subset", "--epochs", "2", "--backend", "cpu", "--out", `${root}/cpu`]),
    ]);
    const mw = await checkOutputs(`${root}/wasm`, wasm, 2);
    const ms = await checkOutputs(`${root}/seed1`, seed1, 2);
    const mc = await checkOutputs(`${root}/cpu`, cpu, 2);
    assert.notEqual(ms.epochs[1].trainLoss, mw.epochs[1].trainLoss);
    assert.equal(mc.backend, "cpu");
    assert.ok(cpu.stdout.includes("backend cpu"));
    mw.epochs.forEach((r, i) => {
      assert.ok(Math.abs(r.trainLoss - mc.epochs[i].trainLoss) < 1e-4, "train loss, cpu vs wasm");
      assert.ok(Math.abs(r.testAcc - mc.epochs[i].testAcc) <= 0.004, "test acc, cpu vs wasm");
    });
  });
});

Deno.test({
  name: "deno task train on the full Fashion-MNIST: 10 epochs pass the book's checks, exit 0",
  ignore: ignoreWithoutFullData,
  async fn() {
    await withTempDir(async (dir) => {
      const run = await train(["--data-dir", fullDataDir!, "--out", dir]);
      const metrics = await checkOutputs(dir, run, 10);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(metrics.checksPassed);
      assert.deepEqual([metrics.trainExamples, metrics.testExamples], [60000, 10000]);
      assert.match(run.stdout, /Book's checks: .* ok; .* ok; .* ok/);
    });
  },
});

// ---------------------------------------------------------------------------------------------
// params.safetensors: the format the command saves the parameters in.
// ---------------------------------------------------------------------------------------------

Deno.test("saveParams() writes safetensors: u64 header length, 8-byte-aligned JSON header, float32 data", async () => {
  await withTempDir(async (dir) => {
    const params = {
      W: tf.variable(tf.tensor2d([[1, 2, 3], [4, 5, 6]])),
      b: tf.variable(tf.tensor1d([-1, 0.5, 1e-8])),
    };
    await saveParams(params, `${dir}/p.safetensors`, { seed: "7" });
    const bytes = await Deno.readFile(`${dir}/p.safetensors`);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, "header padded to 8 bytes");
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    assert.deepEqual(header.W, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    assert.deepEqual(header.b, { dtype: "F32", shape: [3], data_offsets: [24, 36] });
    assert.deepEqual(header.__metadata__, { format: "d2l-softmax-regression", seed: "7" });
    assert.equal(bytes.length, 8 + n + 36);
    const data = new Float32Array(bytes.slice(8 + n).buffer);
    assert.deepEqual([...data], [1, 2, 3, 4, 5, 6, -1, 0.5, Math.fround(1e-8)]);
    const back = await loadParams(`${dir}/p.safetensors`);
    assert.ok(back.W instanceof tf.Variable && back.W.trainable);
    assert.deepEqual(back.W.arraySync(), params.W.arraySync());
    assert.deepEqual(back.b.arraySync(), params.b.arraySync());
    tf.dispose([params.W, params.b, back.W, back.b]);
  });
});

Deno.test("decodeSafetensors() and loadParams() reject broken files with errors naming the problem", async () => {
  const good = encodeSafetensors({
    W: { shape: [2, 1], data: Float32Array.from([1, 2]) },
    b: { shape: [1], data: Float32Array.from([3]) },
  });
  const n = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withHeader = (header: unknown, dataBytes: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 5), /fewer than the 8-byte header length/],
    [good.subarray(0, 8 + n - 4), /header length is \d+ bytes but the file has/],
    [good.subarray(0, good.length - 4), /needs 4 bytes but its data_offsets \[8, 12\] run past/],
    [
      withHeader({ W: { dtype: "F16", shape: [1], data_offsets: [0, 2] } }, 2),
      /dtype "F16"; only F32/,
    ],
    [withHeader({ W: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4), /needs 8 bytes/],
    [
      withHeader({ W: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8),
      /starts at byte 4 of the data, expected 0/,
    ],
    [
      withHeader({ W: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8),
      /4 bytes after the last tensor/,
    ],
    [withHeader([1, 2], 0), /not a JSON object/],
    [withHeader({ __metadata__: { seed: 7 } }, 0), /__metadata__.seed is not a string/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeSafetensors(bytes, "x.safetensors"), (e: Error) => {
      assert.match(e.message, /^Cannot read x\.safetensors: /);
      assert.match(e.message, message);
      return true;
    });
  }
  await withTempDir(async (dir) => {
    await Deno.writeFile(
      `${dir}/only_w.safetensors`,
      encodeSafetensors({ W: { shape: [1, 1], data: Float32Array.from([1]) } }),
    );
    await assert.rejects(
      () => loadParams(`${dir}/only_w.safetensors`),
      /expected tensors "W" and "b"/,
    );
    await Deno.writeFile(
      `${dir}/shapes.safetensors`,
      encodeSafetensors({
        W: { shape: [2, 3], data: new Float32Array(6) },
        b: { shape: [2], data: new Float32Array(2) },
      }),
    );
    await assert.rejects(
      () => loadParams(`${dir}/shapes.safetensors`),
      /found W \[2,3\] and b \[2\]/,
    );
  });
});

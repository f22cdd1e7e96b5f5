/**
 * `deno task sweep` (`tools/sweep.ts`): its flags, and a small sweep on the committed subset
 * whose runs are each what the fused engine gives for that setting alone, written as a CSV and
 * a chart.
 */
import assert from "node:assert/strict";
import * as tf from "../lib/tf.ts";
import { loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { initParams } from "../lessons/02_softmax.ts";
import { FusedEngine, trainFused } from "../lib/fused_engine.ts";
import { main, parseSweepArgs } from "../tools/sweep.ts";

Deno.test("parseSweepArgs() rejects bad command lines, naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--batch-size", "64"], /--lr is required/],
    [["--lr", "0.1"], /--batch-size is required/],
    [["--lr", "0.1,x", "--batch-size", "64"], /--lr: "x" is not a positive number/],
    [["--lr", "0.1", "--batch-size", "64,2.5"], /--batch-size: "2.5" is not a positive integer/],
    [["--lr", "0.1,0.1", "--batch-size", "64"], /--lr: a value is listed twice/],
    [["--lr", "0.1", "--batch-size", "64", "--epochs", "0"], /--epochs must be a positive integer/],
    [["--lr", "0.1", "--batch-size", "64", "--subset", "--data-dir", "d"], /exclude each other/],
    [["--lr", "0.1", "--batch-size", "64", "--threads", "3"], /--threads must be 1 or 2, got "3"/],
    [["--lr", "0.1", "--batch-size", "64", "--thread", "2"], /Unknown option --thread\b/],
  ];
  for (const [args, message] of cases) assert.throws(() => parseSweepArgs(args), message);
});

Deno.test("a 2 × 2 sweep on two threads: each run is that setting trained alone; CSV and chart written", async () => {
  const out = await Deno.makeTempDir();
  try {
    let text = "";
    const io = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
    const argv = ["--lr", "0.03,0.3", "--batch-size", "100,256", "--epochs", "2", "--subset"];
    argv.push("--threads", "2");
    const code = await main([...argv, "--out", out], io);
    assert.equal(code, 0, text);
    assert.match(text, /run 4\/4: lr 0\.3, batch size 256/);
    assert.match(text, /fused engine, 2 threads/);
    const rows = (await Deno.readTextFile(`${out}/sweep.csv`)).trim().split("\n");
    assert.equal(rows.length, 1 + 4 * 2);
    assert.equal(rows[0], "lr,batch_size,epoch,train_loss,train_acc,test_acc,seconds");
    // The run lr 0.3, batch 100, alone.
    const data = await loadDataFashionMnist(256, { subset: true, seed: 0 });
    const start = initParams({ seed: 0 });
    using engine = new FusedEngine(data.raw.train, data.raw.test, { threads: 2 });
    engine.setParams(start);
    const alone = await trainFused(engine, data.trainIter, 2, 0.3, 100);
    tf.dispose([start.W, start.b]);
    data.dispose();
    const row = rows.find((r) => r.startsWith("0.3,100,2,"))!.split(",").map(Number);
    const last = alone.epochs[1];
    assert.deepEqual(row.slice(3, 6), [last.trainLoss, last.trainAcc, last.testAcc]);
    const svg = await Deno.readTextFile(`${out}/sweep.svg`);
    assert.match(svg, /^<svg/);
    assert.match(svg, /final test accuracy/);
    const png = await Deno.readFile(`${out}/sweep.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("deno task sweep: a usage error exits 2 with one line", async () => {
  let text = "";
  const io = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
  assert.equal(await main(["--lr", "0"], io), 2);
  assert.match(text, /^sweep: --lr: "0" is not a positive number \(see --help\)\n$/);
});

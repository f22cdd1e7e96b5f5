/**
 * Data-loading bench: how long `loadDataFashionMnist(256)` takes for all 70 000 images, with
 * every file verified, broken down by step, cold and warm; and the measurements behind the
 * loader's choices of gunzip, hash and conversion.
 *
 * ```sh
 * deno run -A bench/data.ts        # prints the markdown tables
 * ```
 *
 * `benchData()` returns the same text for `deno task bench`.
 *
 * - **Cold**: a new Deno process (cold JIT), after asking the kernel to drop the four files
 *   from its page cache (`dd iflag=nocache count=0`, best effort; the table says whether it
 *   worked), so the files come from disk. Timed from the call, not from process start.
 * - **Warm**: in this process after one load, the median of three loads.
 *
 * The machine is shared, so the load average is printed with the numbers; compare ratios
 * within one run rather than absolute figures across runs.
 *
 * @module
 */
import { loadavg } from "node:os";
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import * as tf from "../lib/tf.ts";
import { type DataSource, loadDataFashionMnist } from "../data/fashion_mnist.ts";
import { emptyTimings, type StepTimings, toFloatPixels } from "../data/idx.ts";

/** One load's figures in milliseconds. */
interface LoadFigures {
  steps: StepTimings;
  total: number;
  source: DataSource;
}

const STEP_ROWS: [keyof StepTimings, string][] = [
  ["read", "read the four files"],
  ["gunzip", "gunzip (`node:zlib`)"],
  ["check", "checks: header, sizes, counts, labels"],
  ["hash", "SHA-256 of the decompressed bytes"],
  ["convert", "int32 labels (pixels stay bytes: each batch converts its own)"],
];

/** One full, verified load into iterators, timed by step; the tensors are released after. */
async function measureLoad(): Promise<LoadFigures> {
  const steps = emptyTimings();
  const t = performance.now();
  const data = await loadDataFashionMnist(256, { timings: steps, download: false });
  const total = performance.now() - t;
  data.dispose();
  return { steps, total, source: data.source };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function dropFromPageCache(dir: string): Promise<boolean> {
  try {
    let ok = true;
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.includes("-ubyte")) continue;
      const { success } = await new Deno.Command("dd", {
        args: [`if=${join(dir, entry.name)}`, "iflag=nocache", "count=0", "status=none"],
        stdout: "null",
        stderr: "null",
      }).output();
      ok &&= success;
    }
    return ok;
  } catch {
    return false;
  }
}

async function coldLoad(dir: string): Promise<{ figures: LoadFigures; dropped: boolean }> {
  const dropped = await dropFromPageCache(dir);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", fileURLToPath(import.meta.url), "--probe"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`The cold-load probe failed:\n${new TextDecoder().decode(stderr)}`);
  }
  return { figures: JSON.parse(new TextDecoder().decode(stdout)), dropped };
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The loader's choices against their alternatives, in this process (best of three). */
async function choices(dir: string): Promise<string[][]> {
  const gz = await Deno.readFile(join(dir, "train-images-idx3-ubyte.gz")).catch(() => undefined);
  const rows: string[][] = [];
  const best = async (fn: () => unknown) => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await timeAsync(async () => await fn()));
    return Math.min(...runs);
  };
  const row = (what: string, chosen: string, a: number, other: string, b: number) =>
    rows.push([what, chosen, a.toFixed(0), other, b.toFixed(0), `${(b / a).toFixed(1)}×`]);
  let raw: Uint8Array;
  if (gz) {
    const zlibMs = await best(() => gunzipSync(gz));
    const streamMs = await best(() =>
      new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip")))
        .arrayBuffer()
    );
    row(
      "gunzip train-images (26 MB → 47 MB)",
      "`gunzipSync`",
      zlibMs,
      "`DecompressionStream`",
      streamMs,
    );
    raw = new Uint8Array(gunzipSync(gz));
  } else {
    raw = await Deno.readFile(join(dir, "train-images-idx3-ubyte"));
  }
  const nodeMs = await best(() => createHash("sha256").update(raw).digest("hex"));
  const subtleMs = await best(() =>
    crypto.subtle.digest("SHA-256", raw as Uint8Array<ArrayBuffer>)
  );
  row("SHA-256 of train-images (47 MB)", "`node:crypto`", nodeMs, "`crypto.subtle`", subtleMs);
  // The conversion on the test-sized slice (7.84 M values) keeps the slow variant affordable.
  const pixels = raw.subarray(16, 16 + 10000 * 784);
  const loopMs = Math.min(time(() => toFloatPixels(pixels)), time(() => toFloatPixels(pixels)));
  const fromMs = time(() => Float32Array.from(pixels, (v) => v / 255));
  row(
    "uint8 → float32, 10 000 images",
    "plain loop",
    loopMs,
    "`Float32Array.from(u8, fn)`",
    fromMs,
  );
  return rows;
}

function table(head: string[], rows: string[][], align: string[]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${align.join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/**
 * Runs the data bench and returns its markdown.
 *
 * @throws {Deno.errors.NotFound} when the full dataset is not on this machine (no download).
 */
export async function benchData(): Promise<string> {
  const load = loadavg().map((x) => x.toFixed(2)).join(", ");
  await measureLoad(); // warm up: JIT, tfjs kernels, page cache
  const warm: LoadFigures[] = [];
  for (let i = 0; i < 3; i++) warm.push(await measureLoad());
  const { source } = warm[0];
  const cold = await coldLoad(source.dir);
  const warmStep = (k: keyof StepTimings) => median(warm.map((w) => w.steps[k]));
  const other = (f: LoadFigures) => f.total - STEP_ROWS.reduce((sum, [k]) => sum + f.steps[k], 0);
  const rows = STEP_ROWS.map(([k, label]) => [
    label,
    cold.figures.steps[k].toFixed(0),
    warmStep(k).toFixed(0),
  ]);
  rows.push([
    "search, files, iterators",
    other(cold.figures).toFixed(0),
    median(warm.map(other)).toFixed(0),
  ]);
  rows.push([
    "**total `loadDataFashionMnist(256)`**",
    `**${cold.figures.total.toFixed(0)}**`,
    `**${median(warm.map((w) => w.total)).toFixed(0)}**`,
  ]);
  return [
    "### Loading Fashion-MNIST: 70 000 images, every file verified",
    "",
    `Source: ${source.kind} (${source.dir}); backend: ${tf.getBackend()}; load average at ` +
    `start: ${load} (2 cores). Cold: new process, files ${
      cold.dropped ? "dropped from the page cache" : "possibly still in the page cache"
    }. Warm: same process, median of 3.`,
    "",
    table(["step", "cold (ms)", "warm (ms)"], rows, ["---", "---:", "---:"]),
    "",
    "Why these functions (warm, best of 3, this process):",
    "",
    table(
      ["operation", "used", "ms", "instead of", "ms", "slower by"],
      await choices(source.dir),
      ["---", "---", "---:", "---", "---:", "---:"],
    ),
  ].join("\n");
}

if (import.meta.main) {
  if (Deno.args.includes("--probe")) {
    console.log(JSON.stringify(await measureLoad()));
  } else {
    console.log(await benchData());
  }
}

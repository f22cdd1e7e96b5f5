/**
 * Makes `data/subset/`, the small slice of the real Fashion-MNIST committed with the kit, so
 * tests run on a machine without the full dataset.
 *
 * ```sh
 * deno run -A tools/make_subset.ts                 # from wherever the loader finds the data
 * deno run -A tools/make_subset.ts --from DIR --out data/subset --train 100 --test 50
 * ```
 *
 * **Selection: balanced, first-N.** For each class 0..9 it takes the first `--train` (default
 * 100) training and the first `--test` (default 50) test examples of that class, in file order,
 * and keeps them in file order: 1000 training and 500 test examples, every class equally
 * often, nothing random. Images and labels are written as gzipped IDX files with the official
 * names (`train-images-idx3-ubyte.gz`, …; about 0.6 MB in all), plus `manifest.json` with
 * each file's count and the SHA-256 of its decompressed bytes, which
 * `readFashionMnist({ subset: true })` checks on every load, and the SHA-256 of the full
 * files it was cut from. The output is deterministic: running it again on the official data
 * reproduces the committed files byte for byte (a full-data test checks this).
 *
 * @module
 */
import { join } from "node:path";
import { parseFlags, positiveInteger } from "../lib/flags.ts";
import { encodeIdx, sha256Hex } from "../data/idx.ts";
import {
  FASHION_MNIST_FILES,
  FILE_KEYS,
  type RawSplit,
  readFashionMnistRaw,
  SUBSET_DIR,
  type SubsetManifest,
} from "../data/fashion_mnist.ts";

/** Options of {@linkcode makeSubset}. */
export interface MakeSubsetOptions {
  /** Directory with the full files. Default: wherever the loader finds them (no download). */
  from?: string;
  /** Output directory. Default `data/subset/`. */
  out?: string;
  /** Training examples per class. Default 100. */
  trainPerClass?: number;
  /** Test examples per class. Default 50. */
  testPerClass?: number;
}

/**
 * Indices of the first `perClass` examples of each class, in file order.
 *
 * @example
 * ```ts
 * import { selectBalanced } from "./make_subset.ts";
 * const idx = selectBalanced(new Uint8Array([1, 0, 1, 1, 0, 0]), 2, 2);
 * if (idx.join() !== "0,1,2,4") throw new Error(idx.join());
 * ```
 * @throws {RangeError} when some class has fewer than `perClass` examples.
 */
export function selectBalanced(labels: Uint8Array, perClass: number, numClasses = 10): Int32Array {
  const taken = new Array<number>(numClasses).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < labels.length && picked.length < perClass * numClasses; i++) {
    if (taken[labels[i]] < perClass) {
      taken[labels[i]]++;
      picked.push(i);
    }
  }
  const short = taken.findIndex((n) => n < perClass);
  if (short >= 0) {
    throw new RangeError(
      `selectBalanced: class ${short} has only ${taken[short]} examples, ${perClass} asked for`,
    );
  }
  return Int32Array.from(picked);
}

function take(split: RawSplit, indices: Int32Array): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(indices.length * 784);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, dst) => {
    images.set(split.images.subarray(src * 784, (src + 1) * 784), dst * 784);
    labels[dst] = split.labels[src];
  });
  return { images, labels };
}

/**
 * Cuts the subset from the full data and writes it with its manifest.
 *
 * @returns the manifest written.
 * @throws what `readFashionMnistRaw` throws when the full data is missing or corrupt.
 */
export async function makeSubset(options: MakeSubsetOptions = {}): Promise<SubsetManifest> {
  const { out = SUBSET_DIR, trainPerClass = 100, testPerClass = 50 } = options;
  const full = await readFashionMnistRaw({ dir: options.from, download: false });
  const train = take(full.train, selectBalanced(full.train.labels, trainPerClass));
  const test = take(full.test, selectBalanced(full.test.labels, testPerClass));
  const contents: Record<string, { data: Uint8Array; dims: number[] }> = {
    [FASHION_MNIST_FILES.trainImages.file]: {
      data: train.images,
      dims: [train.labels.length, 28, 28],
    },
    [FASHION_MNIST_FILES.trainLabels.file]: { data: train.labels, dims: [train.labels.length] },
    [FASHION_MNIST_FILES.testImages.file]: {
      data: test.images,
      dims: [test.labels.length, 28, 28],
    },
    [FASHION_MNIST_FILES.testLabels.file]: { data: test.labels, dims: [test.labels.length] },
  };
  const manifest: SubsetManifest = {
    description:
      "A small balanced slice of the real Fashion-MNIST for tests without the full data.",
    madeBy: "deno run -A tools/make_subset.ts",
    selection: `the first ${trainPerClass} training and ${testPerClass} test examples of each ` +
      "class, in file order",
    perClass: { train: trainPerClass, test: testPerClass },
    source: Object.fromEntries(
      FILE_KEYS.map((k) => [FASHION_MNIST_FILES[k].file, FASHION_MNIST_FILES[k].sha256!]),
    ),
    files: {},
  };
  await Deno.mkdir(out, { recursive: true });
  for (const [file, { data, dims }] of Object.entries(contents)) {
    await Deno.writeFile(join(out, `${file}.gz`), encodeIdx(data, dims, { gzip: true }));
    manifest.files[file] = { count: dims[0], sha256: sha256Hex(encodeIdx(data, dims)) };
  }
  await Deno.writeTextFile(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

if (import.meta.main) {
  let options: { from?: string; out?: string; trainPerClass: number; testPerClass: number };
  try {
    const { values } = parseFlags({
      args: Deno.args,
      options: {
        from: { type: "string" },
        out: { type: "string" },
        train: { type: "string" },
        test: { type: "string" },
      },
      strict: true,
    });
    const count = (name: string, value: string | undefined, fallback: number): number =>
      value === undefined ? fallback : positiveInteger(`--${name}`, value);
    options = {
      from: values.from,
      out: values.out,
      trainPerClass: count("train", values.train, 100),
      testPerClass: count("test", values.test, 50),
    };
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    console.error(
      "Usage: deno run -A tools/make_subset.ts [--from DIR] [--out DIR] [--train N] [--test N]",
    );
    Deno.exit(2);
  }
  const manifest = await makeSubset(options);
  const out = options.out ?? SUBSET_DIR;
  let bytes = 0;
  for await (const entry of Deno.readDir(out)) {
    bytes += (await Deno.stat(join(out, entry.name))).size;
  }
  console.log(`Wrote ${out}: ${manifest.selection}; ${(bytes / 1e6).toFixed(2)} MB`);
}

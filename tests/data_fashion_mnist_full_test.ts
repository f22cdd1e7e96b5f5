/**
 * Tests on the full Fashion-MNIST (always present in CI, ignored elsewhere): counts,
 * checksums, batch counts and last-batch sizes, shapes, pixel range, shuffle determinism, test
 * order, where the data is found, the subset tool and the batch-count script. One load
 * is shared by the tests of this file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "../lib/tf.ts";
import {
  ENV_DIR,
  FASHION_MNIST_FILES,
  type FashionMnist,
  FILE_KEYS,
  loadDataFashionMnist,
  readFashionMnist,
  readFashionMnistRaw,
  readFashionMnistSplit,
  type Split,
  SUBSET_DIR,
  writeFashionMnistFiles,
} from "../data/fashion_mnist.ts";
import { encodeIdx, sha256Hex } from "../data/idx.ts";
import { makeSubset } from "../tools/make_subset.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";

const ignore = ignoreWithoutFullData;

// The shared load: plain arrays and iterators, from the directory full_data.ts verified.
const shared: { train: Split; test: Split; data: FashionMnist } | undefined = ignore
  ? undefined
  : await (async () => {
    const { train, test } = await readFashionMnist({ dir: fullDataDir });
    const data = await loadDataFashionMnist(256, { dir: fullDataDir });
    return { train, test, data };
  })();

async function withEnvDir<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get(ENV_DIR);
  if (value === undefined) Deno.env.delete(ENV_DIR);
  else Deno.env.set(ENV_DIR, value);
  try {
    return await fn();
  } finally {
    if (saved === undefined) Deno.env.delete(ENV_DIR);
    else Deno.env.set(ENV_DIR, saved);
  }
}

/** Links the four full files into `dir` under their own names. */
async function linkFullData(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(fullDataDir!)) {
    if (FILE_KEYS.some((k) => entry.name.startsWith(FASHION_MNIST_FILES[k].file))) {
      await Deno.symlink(join(fullDataDir!, entry.name), join(dir, entry.name));
    }
  }
}

Deno.test({
  name: "full data: 60000 + 10000 examples whose files have the official SHA-256",
  ignore,
  async fn() {
    const { train, test } = await readFashionMnistRaw({ dir: fullDataDir });
    assert.equal(train.count, 60000);
    assert.equal(test.count, 10000);
    // Re-encode the bytes the loader returned and hash them independently of its checks.
    const files = {
      trainImages: encodeIdx(train.images, [60000, 28, 28]),
      trainLabels: encodeIdx(train.labels, [60000]),
      testImages: encodeIdx(test.images, [10000, 28, 28]),
      testLabels: encodeIdx(test.labels, [10000]),
    };
    for (const key of FILE_KEYS) {
      assert.equal(files[key].length, [47040016, 60008, 7840016, 10008][FILE_KEYS.indexOf(key)]);
      assert.equal(sha256Hex(files[key]), FASHION_MNIST_FILES[key].sha256, key);
    }
    const perClass = new Array(10).fill(0);
    for (const y of train.labels) perClass[y]++;
    assert.deepEqual(perClass, new Array(10).fill(6000));
  },
});

Deno.test({
  name:
    "full data: readFashionMnistSplit() reads one split from a directory holding only its two files; the other split, or all four, is a NotFound naming what is missing",
  ignore,
  async fn() {
    const raw = await readFashionMnistRaw({ dir: fullDataDir });
    const dir = await Deno.makeTempDir();
    try {
      await writeFashionMnistFiles({ train: raw.train }, dir);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]);
      const { split, source } = await readFashionMnistSplit("train", { dir });
      assert.equal(source.kind, "dir");
      assert.equal(split.count, 60000);
      assert.deepEqual(split.labels, raw.train.labels);
      assert.deepEqual(split.images.subarray(0, 784 * 3), raw.train.images.subarray(0, 784 * 3));
      await assert.rejects(
        readFashionMnistSplit("test", { dir, dirName: "--data-dir" }),
        (error: Error) =>
          error instanceof Deno.errors.NotFound &&
          error.message.includes("holds none of the two Fashion-MNIST files needed") &&
          error.message.includes("t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte") &&
          error.message.includes("--data-dir"),
      );
      await assert.rejects(
        withEnvDir(dir, () => readFashionMnistRaw()),
        /missing t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte .*all four are needed/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function minMax(values: Float32Array): [number, number] {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

Deno.test({
  name: "full data: pixels are float32 byte / 255 in [0, 1], labels int32",
  ignore,
  fn() {
    const { train, test } = shared!;
    for (const split of [train, test]) {
      assert.ok(split.images instanceof Float32Array && split.labels instanceof Int32Array);
      assert.deepEqual(minMax(split.images), [0, 1]);
    }
    // Values are the 256 levels k / 255 (checked on a sample).
    const levels = new Set(Array.from({ length: 256 }, (_, k) => Math.fround(k / 255)));
    for (let i = 0; i < test.images.length; i += 997) assert.ok(levels.has(test.images[i]));
  },
});

Deno.test({
  name:
    "full data: 235 shuffled training batches of [256, 1, 28, 28] (the last of 96), each example once, in the announced order",
  ignore,
  fn() {
    const { data, train } = shared!;
    assert.equal(data.trainIter.numBatches, 235);
    const before = tf.memory().numTensors;
    const order = data.trainIter.order(data.trainIter.passes);
    const labels: number[] = [];
    let count = 0;
    let lastSize = 0;
    for (const [X, y] of data.trainIter) {
      count++;
      lastSize = X.shape[0];
      if (count < 235) assert.deepEqual(X.shape, [256, 1, 28, 28]);
      assert.equal(X.dtype, "float32");
      assert.equal(y.dtype, "int32");
      assert.deepEqual(y.shape, [X.shape[0]]);
      if (count === 1) {
        const i = order[0];
        assert.deepEqual([...X.dataSync().subarray(0, 784)], [
          ...train.images.subarray(i * 784, (i + 1) * 784),
        ]);
      }
      labels.push(...y.dataSync());
    }
    assert.equal(count, 235);
    assert.equal(lastSize, 96);
    assert.equal(tf.memory().numTensors, before, "an epoch leaks no tensor");
    const seen = new Uint8Array(60000);
    for (const i of order) seen[i]++;
    assert.ok(seen.every((n) => n === 1), "each example once per epoch");
    assert.deepEqual(labels, Array.from(order, (i) => train.labels[i]));
  },
});

Deno.test({
  name: "full data: 40 test batches (the last of 16) in file order",
  ignore,
  fn() {
    const { data, test } = shared!;
    assert.equal(data.testIter.numBatches, 40);
    const labels: number[] = [];
    const sizes: number[] = [];
    for (const [X, y] of data.testIter) {
      if (sizes.length === 0) {
        assert.deepEqual([...X.dataSync()], [...test.images.subarray(0, 256 * 784)]);
      }
      sizes.push(X.shape[0]);
      labels.push(...y.dataSync());
    }
    assert.equal(sizes.length, 40);
    assert.ok(sizes.slice(0, 39).every((n) => n === 256));
    assert.equal(sizes[39], 16);
    assert.deepEqual(labels, [...test.labels]);
  },
});

Deno.test({
  name: "full data: the training shuffle replays from the seed and changes each epoch",
  ignore,
  async fn() {
    const { data, train } = shared!;
    assert.notDeepEqual(data.trainIter.order(0), data.trainIter.order(1));
    const again = await loadDataFashionMnist(256, { dir: fullDataDir, seed: 0 });
    try {
      const order = again.trainIter.order(0);
      assert.deepEqual(order, data.trainIter.order(0));
      for (const [X, y] of again.trainIter) {
        const expected = new Float32Array(256 * 784);
        order.subarray(0, 256).forEach((i, k) =>
          expected.set(train.images.subarray(i * 784, (i + 1) * 784), k * 784)
        );
        assert.deepEqual(X.dataSync(), expected);
        assert.deepEqual(
          [...y.dataSync()],
          Array.from(order.subarray(0, 256), (i) => train.labels[i]),
        );
        break;
      }
    } finally {
      again.dispose();
    }
  },
});

Deno.test({
  name:
    "full data: found by dir, FASHION_MNIST_DIR, the cache and Debian's directory, in that order",
  ignore,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "d2l_sources_" });
    try {
      const a = join(tmp, "a"), b = join(tmp, "b"), cache = join(tmp, "cache");
      await linkFullData(a);
      await linkFullData(b);
      const none = join(tmp, "none");
      const opts = { cacheDir: none, debianDir: none, download: false };
      await withEnvDir(b, async () => {
        assert.deepEqual((await readFashionMnistRaw({ ...opts, dir: a })).source, {
          kind: "dir",
          dir: a,
        });
        assert.deepEqual((await readFashionMnistRaw(opts)).source, { kind: "env", dir: b });
      });
      await withEnvDir(undefined, async () => {
        assert.deepEqual((await readFashionMnistRaw({ ...opts, debianDir: b })).source, {
          kind: "debian",
          dir: b,
        });
        await linkFullData(cache);
        assert.deepEqual(
          (await readFashionMnistRaw({ ...opts, cacheDir: cache, debianDir: b })).source,
          { kind: "cache", dir: cache },
        );
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "tools/make_subset.ts remakes the committed data/subset byte for byte",
  ignore,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "d2l_subset_" });
    try {
      await makeSubset({ from: fullDataDir, out });
      const names = [...Deno.readDirSync(SUBSET_DIR)].map((e) => e.name).sort();
      assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), names);
      for (const name of names) {
        assert.deepEqual(
          await Deno.readFile(join(out, name)),
          await Deno.readFile(join(SUBSET_DIR, name)),
          name,
        );
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name: "a script importing loadDataFashionMnist gets 235 and 40 batches (last 96 and 16)",
  ignore,
  async fn() {
    const script = fileURLToPath(new URL("./helpers/count_batches.ts", import.meta.url));
    const env = Deno.env.toObject();
    delete env[ENV_DIR];
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    const result = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(
      {
        train: result.train,
        test: result.test,
        lastTrain: result.lastTrain,
        last: result.lastTest,
      },
      { train: 235, test: 40, lastTrain: 96, last: 16 },
    );
    assert.ok(["cache", "debian"].includes(result.source.kind), JSON.stringify(result.source));
  },
});

Deno.test({
  name: "full data: dispose() releases the shared iterators, which then refuse to iterate",
  ignore,
  fn() {
    const before = tf.memory().numTensors;
    shared!.data.dispose();
    assert.ok(tf.memory().numTensors <= before);
    assert.throws(() => [...shared!.data.trainIter], /disposed/);
    assert.throws(() => [...shared!.data.testIter], /disposed/);
  },
});

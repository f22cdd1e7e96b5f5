import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "../lib/tf.ts";
import {
  ENV_DIR,
  FASHION_MNIST_FILES,
  FILE_KEYS,
  getFashionMnistLabels,
  loadDataFashionMnist,
  readFashionMnist,
  readSubset,
  SUBSET_DIR,
  TEXT_LABELS,
} from "../data/fashion_mnist.ts";
import { IdxError } from "../data/idx.ts";

/** Runs `fn` with FASHION_MNIST_DIR set to `value` (or unset), restoring it afterwards. */
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

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "d2l_fmnist_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Copies the named subset files (by role) into `dir`, under the official names. */
async function copySubset(dir: string, keys: readonly (typeof FILE_KEYS)[number][]) {
  for (const key of keys) {
    const name = `${FASHION_MNIST_FILES[key].file}.gz`;
    await Deno.copyFile(join(SUBSET_DIR, name), join(dir, name));
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${error}`);
    return error;
  }
  assert.fail("expected a rejection");
}

function labelsOf(iter: Iterable<[tf.Tensor4D, tf.Tensor1D]>): number[] {
  const out: number[] = [];
  for (const [, y] of iter) out.push(...y.dataSync());
  return out;
}

// ---------------------------------------------------------------- the committed subset

Deno.test("readFashionMnist({ subset: true }) gives 1000 + 500 balanced examples, float32 pixels in [0, 1]", async () => {
  const { train, test, source } = await readFashionMnist({ subset: true });
  assert.deepEqual(source, { kind: "subset", dir: SUBSET_DIR });
  for (const [split, count] of [[train, 1000], [test, 500]] as const) {
    assert.equal(split.count, count);
    assert.ok(split.images instanceof Float32Array);
    assert.ok(split.labels instanceof Int32Array);
    assert.equal(split.images.length, count * 784);
    assert.equal(split.labels.length, count);
    let min = Infinity, max = -Infinity;
    for (const v of split.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    const perClass = new Array(10).fill(0);
    for (const y of split.labels) perClass[y]++;
    assert.deepEqual(perClass, new Array(10).fill(count / 10));
  }
});

Deno.test("loadDataFashionMnist() on the subset yields [256, 1, 28, 28] float32 and int32 batches, keeping the last partial one", async () => {
  const data = await loadDataFashionMnist(256, { subset: true });
  try {
    assert.equal(data.trainIter.numBatches, 4);
    assert.equal(data.testIter.numBatches, 2);
    const shapes: string[] = [];
    for (const [X, y] of data.trainIter) {
      assert.equal(X.dtype, "float32");
      assert.equal(y.dtype, "int32");
      assert.equal(y.shape[0], X.shape[0]);
      shapes.push(X.shape.join("x"));
    }
    assert.deepEqual(shapes, ["256x1x28x28", "256x1x28x28", "256x1x28x28", "232x1x28x28"]);
    const testSizes = [...data.testIter].map(([X]) => X.shape[0]);
    assert.deepEqual(testSizes, [256, 244]);
  } finally {
    data.dispose();
  }
});

Deno.test("loadDataFashionMnist() replays the training shuffle from the seed, reshuffles each epoch, and differs across seeds", async () => {
  const { train } = await readFashionMnist({ subset: true });
  const a = await loadDataFashionMnist(100, { subset: true, seed: 0 });
  const b = await loadDataFashionMnist(100, { subset: true, seed: 0 });
  const c = await loadDataFashionMnist(100, { subset: true, seed: 1 });
  try {
    const a0 = labelsOf(a.trainIter), a1 = labelsOf(a.trainIter);
    const b0 = labelsOf(b.trainIter), b1 = labelsOf(b.trainIter);
    const c0 = labelsOf(c.trainIter);
    assert.deepEqual(a0, b0, "same seed, same first epoch");
    assert.deepEqual(a1, b1, "same seed, same second epoch");
    assert.notDeepEqual(a0, a1, "epochs differ");
    assert.notDeepEqual(a0, c0, "seeds differ");
    // The batches follow the iterator's announced order.
    const order = a.trainIter.order(0);
    assert.deepEqual(a0, Array.from(order, (i) => train.labels[i]));
    assert.deepEqual([...order].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    // And the pixels come with their labels.
    for (const [X] of a.trainIter) {
      const first = X.slice([0, 0, 0, 0], [1, 1, 28, 28]).dataSync();
      const i = a.trainIter.order(2)[0];
      assert.deepEqual([...first], [...train.images.subarray(i * 784, (i + 1) * 784)]);
      break;
    }
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});

Deno.test("loadDataFashionMnist() keeps the test data in file order, every epoch", async () => {
  const { test } = await readFashionMnist({ subset: true });
  const data = await loadDataFashionMnist(64, { subset: true });
  try {
    assert.deepEqual(labelsOf(data.testIter), [...test.labels]);
    assert.deepEqual(labelsOf(data.testIter), [...test.labels]);
    for (const [X] of data.testIter) {
      assert.deepEqual([...X.dataSync()], [...test.images.subarray(0, 64 * 784)]);
      break;
    }
  } finally {
    data.dispose();
  }
});

Deno.test("loadDataFashionMnist() with resize gives [batch, 1, h, w] like the book's resize", async () => {
  const data = await loadDataFashionMnist(50, { subset: true, resize: 32 });
  const wide = await loadDataFashionMnist(50, { subset: true, resize: [14, 20] });
  try {
    for (const [X] of data.testIter) {
      assert.deepEqual(X.shape, [50, 1, 32, 32]);
      const max = X.max().dataSync()[0];
      assert.ok(max > 0.5 && max <= 1 + 1e-6, `max pixel ${max}`);
      break;
    }
    for (const [X] of wide.trainIter) {
      assert.deepEqual(X.shape, [50, 1, 14, 20]);
      break;
    }
  } finally {
    data.dispose();
    wide.dispose();
  }
});

Deno.test("loadDataFashionMnist(): an epoch leaks no tensor and dispose() frees all of them", async () => {
  const before = tf.memory().numTensors;
  const data = await loadDataFashionMnist(128, { subset: true });
  const loaded = tf.memory().numTensors;
  for (const [X, y] of data.trainIter) {
    tf.tidy(() => {
      tf.sum(X).add(tf.sum(y));
    });
  }
  assert.equal(tf.memory().numTensors, loaded);
  data.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("loadDataFashionMnist() rejects a batch size that is not a positive integer", async () => {
  for (const bad of [0, -1, 2.5, NaN]) {
    const error = await rejection(loadDataFashionMnist(bad, { subset: true }));
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /batchSize must be a positive integer .*got/);
  }
});

Deno.test("getFashionMnistLabels() gives the book's ten names, from arrays or tensors", () => {
  assert.deepEqual(getFashionMnistLabels([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
  ]);
  assert.deepEqual(TEXT_LABELS.length, 10);
  const y = tf.tensor1d([9, 0, 5], "int32");
  assert.deepEqual(getFashionMnistLabels(y), ["ankle boot", "t-shirt", "sandal"]);
  y.dispose();
  assert.deepEqual(getFashionMnistLabels(Int32Array.from([3])), ["dress"]);
});

Deno.test("getFashionMnistLabels() rejects 10, -1, 1.5 and NaN, naming the position", () => {
  for (const bad of [10, -1, 1.5, NaN]) {
    assert.throws(
      () => getFashionMnistLabels([0, bad]),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes(`labels[1] is ${bad}`) &&
        error.message.includes("0..9"),
    );
  }
});

Deno.test("readSubset() checks the manifest: a changed byte is a checksum error naming the file", async () => {
  await withTempDir(async (dir) => {
    await copySubset(dir, FILE_KEYS);
    await Deno.copyFile(join(SUBSET_DIR, "manifest.json"), join(dir, "manifest.json"));
    assert.equal((await readSubset(dir)).train.count, 1000);
    const path = join(dir, "t10k-labels-idx1-ubyte.gz");
    const { encodeIdx, decodeIdxFile } = await import("../data/idx.ts");
    const raw = decodeIdxFile(await Deno.readFile(path), path).slice();
    raw[8] = (raw[8] + 1) % 10; // still a valid label, but not the committed one
    await Deno.writeFile(path, encodeIdx(raw.subarray(8), [500], { gzip: true }));
    const error = await rejection(readSubset(dir));
    assert.ok(error instanceof IdxError && error.code === "checksum-mismatch", error.message);
    assert.ok(error.message.includes(path), error.message);
    await Deno.remove(join(dir, "manifest.json"));
    const missing = await rejection(readSubset(dir));
    assert.ok(missing instanceof Deno.errors.NotFound);
    assert.match(missing.message, /manifest.*tools\/make_subset\.ts/);
  });
});

// ---------------------------------------------------------------- where the data is found

Deno.test("readFashionMnist({ dir }) names a directory that does not exist", async () => {
  await withTempDir(async (tmp) => {
    const dir = join(tmp, "nope");
    const error = await rejection(readFashionMnist({ dir }));
    assert.ok(error instanceof Deno.errors.NotFound);
    assert.ok(error.message.includes(`dir option, ${dir} does not exist`), error.message);
  });
});

Deno.test("readFashionMnist({ dir }) on a directory with none of the files lists the four names", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "README"), "not data");
    const error = await rejection(readFashionMnist({ dir }));
    assert.ok(error instanceof Deno.errors.NotFound);
    assert.ok(error.message.includes("holds none of the four Fashion-MNIST files"));
    for (const key of FILE_KEYS) assert.ok(error.message.includes(FASHION_MNIST_FILES[key].file));
  });
});

Deno.test("readFashionMnist({ dir }) on a directory with only some of the files names the missing ones", async () => {
  await withTempDir(async (dir) => {
    await copySubset(dir, ["trainImages", "trainLabels"]);
    const error = await rejection(readFashionMnist({ dir }));
    assert.ok(error instanceof Deno.errors.NotFound);
    assert.ok(
      error.message.includes(
        `${dir} has only some of the Fashion-MNIST files: missing t10k-images-idx3-ubyte, ` +
          "t10k-labels-idx1-ubyte (found train-images-idx3-ubyte, train-labels-idx1-ubyte)",
      ),
      error.message,
    );
  });
});

Deno.test("readFashionMnist({ dir }) verifies the files: the subset is not the full data set", async () => {
  await withTempDir(async (dir) => {
    await copySubset(dir, FILE_KEYS);
    const error = await rejection(readFashionMnist({ dir }));
    assert.ok(error instanceof IdxError && error.code === "count-mismatch", error.message);
    assert.ok(
      error.message.includes(
        `${join(dir, "train-images-idx3-ubyte.gz")} holds 1000 images, expected 60000`,
      ),
      error.message,
    );
  });
});

Deno.test("readFashionMnist(): the dir option beats FASHION_MNIST_DIR, which is used strictly when set", async () => {
  await withTempDir(async (dir) => {
    await copySubset(dir, ["testLabels"]);
    const bogus = join(dir, "no-such-dir");
    // dir given: the environment variable is not even looked at.
    await withEnvDir(bogus, async () => {
      const error = await rejection(readFashionMnist({ dir }));
      assert.ok(error.message.includes("dir option"), error.message);
      assert.ok(!error.message.includes(bogus), error.message);
    });
    // No dir: FASHION_MNIST_DIR is used, and its problem is reported, not papered over.
    await withEnvDir(dir, async () => {
      const error = await rejection(readFashionMnist({ debianDir: bogus, download: false }));
      assert.ok(error instanceof Deno.errors.NotFound);
      assert.ok(error.message.includes(`The directory in ${ENV_DIR}, ${dir} has only some`));
      assert.ok(error.message.includes(`unset it`), error.message);
    });
  });
});

Deno.test("readFashionMnist() with no source lists where it looked and the three fixes", async () => {
  await withTempDir(async (tmp) => {
    const cacheDir = join(tmp, "cache");
    const debianDir = join(tmp, "debian");
    const error = await withEnvDir(
      undefined,
      () => rejection(readFashionMnist({ cacheDir, debianDir, download: false })),
    );
    assert.ok(error instanceof Deno.errors.NotFound);
    const lines = error.message.split("\n");
    assert.equal(lines[0], "Cannot find the Fashion-MNIST data. Looked in:");
    assert.equal(lines[1], `  1. ${ENV_DIR}: not set`);
    assert.equal(lines[2], `  2. the cache, ${cacheDir}: no such directory`);
    assert.equal(
      lines[3],
      `  3. Debian's package directory, ${debianDir}: does not exist or is not a directory`,
    );
    assert.match(lines[4], /^ {2}4\. download from http.*: not allowed \(download: false\)$/);
    assert.ok(error.message.includes("sudo apt-get install dataset-fashion-mnist"));
    assert.ok(error.message.includes(`set ${ENV_DIR} to a directory holding`));
    assert.ok(error.message.includes("allow network access"));
  });
});

Deno.test("readFashionMnist() removes a cached file that fails verification and says so", async () => {
  await withTempDir(async (tmp) => {
    const cacheDir = join(tmp, "cache");
    await Deno.mkdir(cacheDir);
    await copySubset(cacheDir, ["trainLabels"]); // 1000 labels: not the official 60000
    const error = await withEnvDir(
      undefined,
      () =>
        rejection(readFashionMnist({ cacheDir, debianDir: join(tmp, "none"), download: false })),
    );
    assert.ok(
      error.message.includes(
        `the cache, ${cacheDir}: no Fashion-MNIST files; removed ${
          join(cacheDir, "train-labels-idx1-ubyte.gz")
        }, which failed verification (count-mismatch)`,
      ),
      error.message,
    );
    assert.deepEqual([...Deno.readDirSync(cacheDir)], []);
  });
});

// ---------------------------------------------------------------- tests/helpers/full_data.ts

async function importFullDataHelper(env: Record<string, string>) {
  const helper = new URL("./helpers/full_data.ts", import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(helper)});
console.log(JSON.stringify({ dir: m.fullDataDir ?? null, ignore: m.ignoreWithoutFullData }));`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    cwd: new URL("..", import.meta.url),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("full_data.ts: without the data its tests are ignored, but D2L_REQUIRE_FULL_DATA=1 makes the import fail", async () => {
  await withTempDir(async (dir) => {
    await copySubset(dir, ["trainImages"]); // FASHION_MNIST_DIR points at an incomplete set
    const optional = await importFullDataHelper({ [ENV_DIR]: dir, D2L_REQUIRE_FULL_DATA: "" });
    assert.equal(optional.code, 0, optional.stderr);
    assert.deepEqual(JSON.parse(optional.stdout), { dir: null, ignore: true });
    const required = await importFullDataHelper({ [ENV_DIR]: dir, D2L_REQUIRE_FULL_DATA: "1" });
    assert.notEqual(required.code, 0);
    assert.ok(
      required.stderr.includes(
        "D2L_REQUIRE_FULL_DATA=1, but the full Fashion-MNIST dataset is missing or failed verification",
      ),
      required.stderr,
    );
    assert.ok(required.stderr.includes(`${dir} has only some of the Fashion-MNIST files`));
  });
});

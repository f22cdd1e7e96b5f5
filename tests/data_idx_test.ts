import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import {
  checkIdx,
  decodeIdxFile,
  emptyTimings,
  encodeIdx,
  idxByteLength,
  IdxError,
  type IdxErrorCode,
  type IdxSpec,
  parseIdx,
  toFloatPixels,
  toInt32Labels,
  verifyIdx,
} from "../data/idx.ts";
import { FASHION_MNIST_FILES, SUBSET_DIR, type SubsetManifest } from "../data/fashion_mnist.ts";

const IMAGES: IdxSpec = { file: "train-images-idx3-ubyte", kind: "images", count: 3 };
const LABELS: IdxSpec = { file: "train-labels-idx1-ubyte", kind: "labels", count: 3 };

/** Three 28×28 images whose pixel k of image i is (i * 7 + k) % 256. */
function imageBytes(count = 3): Uint8Array {
  const data = new Uint8Array(count * 784);
  for (let i = 0; i < data.length; i++) data[i] = (Math.floor(i / 784) * 7 + (i % 784)) % 256;
  return encodeIdx(data, [count, 28, 28]);
}

function labelBytes(labels: number[]): Uint8Array {
  return encodeIdx(Uint8Array.from(labels), [labels.length]);
}

/** Asserts that `fn` throws an IdxError with `code` whose message has every `parts`. */
function assertIdxError(fn: () => unknown, code: IdxErrorCode, parts: (string | RegExp)[]) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof IdxError, `expected an IdxError (${code}), got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  for (const part of parts) {
    if (typeof part === "string") assert.ok(caught.message.includes(part), caught.message);
    else assert.match(caught.message, part);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("verifyIdx() accepts well-formed synthetic images and labels, raw and gzipped", () => {
  const images = imageBytes();
  for (const bytes of [images, new Uint8Array(gzipSync(images))]) {
    const idx = verifyIdx(bytes, { ...IMAGES, sha256: sha256(images) });
    assert.equal(idx.magic, 2051);
    assert.deepEqual(idx.dims, [3, 28, 28]);
    assert.equal(idx.data.length, 3 * 784);
    assert.equal(idx.data[784 + 5], 12);
  }
  const labels = verifyIdx(labelBytes([0, 9, 4]), LABELS);
  assert.equal(labels.magic, 2049);
  assert.deepEqual([...labels.data], [0, 9, 4]);
});

Deno.test("verifyIdx() fills in the time of each step when given timings", () => {
  const timings = emptyTimings();
  verifyIdx(
    new Uint8Array(gzipSync(imageBytes())),
    { ...IMAGES, sha256: sha256(imageBytes()) },
    timings,
  );
  for (const step of ["gunzip", "check", "hash"] as const) {
    assert.ok(timings[step] >= 0 && Number.isFinite(timings[step]), step);
  }
  assert.equal(timings.read, 0);
});

Deno.test("parseIdx() rejects a wrong magic number: not IDX at all, or labels read as images", () => {
  const html = new TextEncoder().encode("<html><body>404 Not Found</body></html>");
  assertIdxError(() => parseIdx(html, "train-images-idx3-ubyte"), "bad-magic", [
    "train-images-idx3-ubyte is not an unsigned-byte IDX file",
    "expected 2051",
  ]);
  const ints = imageBytes();
  ints[2] = 0x0c; // int32 elements: valid IDX, but not what Fashion-MNIST uses
  assertIdxError(() => parseIdx(ints, "x"), "bad-magic", ["0x00000c03"]);
  assertIdxError(() => verifyIdx(labelBytes([1, 2, 3]), IMAGES), "bad-magic", [
    "wrong magic number: expected 2051 (images",
    "found 2049 (labels",
  ]);
});

Deno.test("parseIdx() rejects truncated files with the expected and found lengths", () => {
  const full = imageBytes();
  assertIdxError(() => parseIdx(full.subarray(0, 2), "f"), "truncated", ["2 bytes", "4-byte"]);
  assertIdxError(() => parseIdx(full.subarray(0, 10), "f"), "truncated", ["16-byte header"]);
  assertIdxError(() => parseIdx(full.subarray(0, full.length - 1), "f"), "truncated", [
    "f is truncated",
    "3 × 28 × 28 = 2352 bytes of data",
    `should be ${full.length} bytes long, but it has ${full.length - 1}`,
  ]);
});

Deno.test("parseIdx() rejects bytes after the data the header announces", () => {
  const long = new Uint8Array(imageBytes().length + 5);
  long.set(imageBytes());
  assertIdxError(() => parseIdx(long, "f"), "trailing-bytes", ["f is too long", "2368"]);
});

Deno.test("checkIdx() rejects a count that does not match, naming both counts", () => {
  assertIdxError(() => verifyIdx(imageBytes(2), IMAGES), "count-mismatch", [
    "train-images-idx3-ubyte holds 2 images, expected 3",
  ]);
  assertIdxError(() => verifyIdx(labelBytes([1, 2, 3, 4]), LABELS), "count-mismatch", [
    "holds 4 labels, expected 3",
  ]);
});

Deno.test("checkIdx() rejects images that are not 28×28", () => {
  const bytes = encodeIdx(new Uint8Array(3 * 32 * 32), [3, 32, 32]);
  assertIdxError(() => verifyIdx(bytes, IMAGES), "bad-shape", ["32×32 pixels, expected 28×28"]);
});

Deno.test("checkIdx() rejects a label of 10, naming its position", () => {
  assertIdxError(() => verifyIdx(labelBytes([0, 10, 3]), LABELS), "label-out-of-range", [
    "label 1 is 10, expected a class index in 0..9",
  ]);
  checkIdx({ magic: 2049, dims: [1], data: new Uint8Array([2]) }, {
    ...LABELS,
    count: 1,
    numClasses: 3,
  });
});

Deno.test("decodeIdxFile() reports broken gzip: cut short, or a flipped byte caught by the CRC", () => {
  const gz = new Uint8Array(gzipSync(imageBytes()));
  assertIdxError(() => decodeIdxFile(gz.subarray(0, gz.length >> 1), "t.gz"), "broken-gzip", [
    "t.gz: broken gzip data",
    `in ${gz.length >> 1} compressed bytes`,
  ]);
  const flipped = gz.slice();
  flipped[flipped.length - 6] ^= 0xff; // inside the CRC-32 trailer
  assertIdxError(() => decodeIdxFile(flipped, "t.gz"), "broken-gzip", ["broken gzip data"]);
});

Deno.test("verifyIdx() reports a wrong checksum with the file and both hashes", () => {
  const bytes = imageBytes();
  const wrong = "ab".repeat(32);
  assertIdxError(() => verifyIdx(bytes, { ...IMAGES, sha256: wrong }), "checksum-mismatch", [
    `train-images-idx3-ubyte: SHA-256 of the decompressed data is ${sha256(bytes)}`,
    `expected ${wrong}`,
  ]);
});

Deno.test("verifyIdx() checks structure before the checksum, so each fault keeps its own error", () => {
  const spec = { ...LABELS, sha256: sha256(labelBytes([0, 1, 2])) };
  verifyIdx(labelBytes([0, 1, 2]), spec);
  assertIdxError(() => verifyIdx(labelBytes([0, 10, 2]), spec), "label-out-of-range", []);
  assertIdxError(() => verifyIdx(labelBytes([0, 1]), spec), "count-mismatch", []);
  assertIdxError(() => verifyIdx(labelBytes([0, 1, 3]), spec), "checksum-mismatch", []);
});

Deno.test("idxByteLength() gives the official Fashion-MNIST file sizes", () => {
  assert.equal(idxByteLength(FASHION_MNIST_FILES.trainImages), 47040016);
  assert.equal(idxByteLength(FASHION_MNIST_FILES.trainLabels), 60008);
  assert.equal(idxByteLength(FASHION_MNIST_FILES.testImages), 7840016);
  assert.equal(idxByteLength(FASHION_MNIST_FILES.testLabels), 10008);
});

Deno.test("encodeIdx() round-trips through parseIdx() and rejects dims that do not fit", () => {
  const data = Uint8Array.from({ length: 24 }, (_, i) => i);
  const idx = parseIdx(decodeIdxFile(encodeIdx(data, [2, 3, 4], { gzip: true }), "x"), "x");
  assert.deepEqual(idx.dims, [2, 3, 4]);
  assert.deepEqual([...idx.data], [...data]);
  assert.throws(() => encodeIdx(data, [5, 5]), RangeError);
  // Deterministic gzip (no timestamp): the committed subset can be remade byte for byte.
  assert.deepEqual(encodeIdx(data, [24], { gzip: true }), encodeIdx(data, [24], { gzip: true }));
});

Deno.test("toFloatPixels() matches byte / 255 in float32 for every byte value; labels to int32", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const pixels = toFloatPixels(bytes);
  for (let i = 0; i < 256; i++) assert.equal(pixels[i], Math.fround(i / 255), `byte ${i}`);
  assert.equal(pixels[0], 0);
  assert.equal(pixels[255], 1);
  const labels = toInt32Labels(Uint8Array.from([9, 0, 3]));
  assert.ok(labels instanceof Int32Array);
  assert.deepEqual([...labels], [9, 0, 3]);
});

Deno.test("the committed subset's files parse, match the manifest and hold balanced classes", async () => {
  const manifest: SubsetManifest = JSON.parse(
    await Deno.readTextFile(`${SUBSET_DIR}/manifest.json`),
  );
  let total = 0;
  for (const key of Object.keys(FASHION_MNIST_FILES) as (keyof typeof FASHION_MNIST_FILES)[]) {
    const official = FASHION_MNIST_FILES[key];
    const entry = manifest.files[official.file];
    const gz = await Deno.readFile(`${SUBSET_DIR}/${official.file}.gz`);
    total += gz.length;
    const idx = verifyIdx(gz, { ...official, count: entry.count, sha256: entry.sha256 });
    assert.equal(manifest.source[official.file], official.sha256);
    if (official.kind === "labels") {
      const perClass = new Array(10).fill(0);
      for (const y of idx.data) perClass[y]++;
      const expected = key === "trainLabels" ? manifest.perClass.train : manifest.perClass.test;
      assert.deepEqual(perClass, new Array(10).fill(expected));
    }
  }
  assert.ok(total < 1_000_000, `the subset should stay under 1 MB, is ${total} bytes`);
});

/**
 * IDX files, the format MNIST and Fashion-MNIST ship in: parsing, verification and writing.
 *
 * An IDX file is a tiny header followed by a dense row-major array, all big-endian:
 *
 * | bytes      | meaning                                                      |
 * | ---------- | ------------------------------------------------------------ |
 * | 0–1        | always zero                                                  |
 * | 2          | element type: `0x08` = unsigned byte (the only one used here) |
 * | 3          | number of dimensions `d`                                     |
 * | 4 … 4+4d   | each dimension as a 32-bit unsigned integer                  |
 * | rest       | the elements, `dims[0] × dims[1] × …` of them                |
 *
 * So the "magic number" of an image file is `0x00000803` = 2051 (unsigned bytes, 3 dimensions:
 * count × 28 × 28) and that of a label file `0x00000801` = 2049 (count labels). A file is
 * usually gzipped; {@linkcode decodeIdxFile} accepts both.
 *
 * {@linkcode verifyIdx} runs every check in a fixed order, so each bad input gets its own
 * error ({@linkcode IdxError} with a `code`): broken gzip, truncated or over-long file, wrong
 * magic number, wrong image size, wrong count, a label outside the classes, and finally the
 * SHA-256 of the *decompressed* bytes (gzips made by different tools differ; their payloads
 * do not). The checksum comes last so that a structural fault is reported as what it is.
 *
 * Speed notes (`deno task bench data` measures each choice against its alternative on the 47 MB
 * training images): `node:zlib`'s `gunzipSync` rather than `DecompressionStream("gzip")`,
 * `node:crypto`'s SHA-256 rather than `crypto.subtle.digest`, and a plain loop into a
 * preallocated `Float32Array` rather than `Float32Array.from(bytes, fn)`.
 *
 * @example Write a two-image file, read it back, check it
 * ```ts
 * import { encodeIdx, verifyIdx } from "./idx.ts";
 * const pixels = new Uint8Array(2 * 28 * 28).fill(255);
 * const bytes = encodeIdx(pixels, [2, 28, 28]);
 * const idx = verifyIdx(bytes, { file: "tiny-images", kind: "images", count: 2 });
 * if (idx.dims.join() !== "2,28,28" || idx.data[0] !== 255) throw new Error("unexpected: idx.dims.join() !== \"2,28,28\" || idx.data[0] !== 255");
 * ```
 *
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { createHash } from "node:crypto";

/** Magic number of an image file: unsigned bytes, 3 dimensions (count × rows × columns). */
export const IMAGES_MAGIC = 2051;
/** Magic number of a label file: unsigned bytes, 1 dimension (count). */
export const LABELS_MAGIC = 2049;
/** The IDX element type code for unsigned bytes. */
export const UBYTE = 0x08;

/** What went wrong with an IDX file; one code per kind of bad input. */
export type IdxErrorCode =
  | "broken-gzip"
  | "truncated"
  | "trailing-bytes"
  | "bad-magic"
  | "bad-shape"
  | "count-mismatch"
  | "label-out-of-range"
  | "checksum-mismatch";

/**
 * A bad IDX file. `file` names it, `code` says which check failed, and the message says what
 * was expected, what was found and what to do.
 *
 * @example
 * ```ts
 * import { IdxError, parseIdx } from "./idx.ts";
 * try {
 *   parseIdx(new Uint8Array([0, 0]), "x");
 * } catch (error) {
 *   if (!(error instanceof IdxError) || error.code !== "truncated") throw error;
 * }
 * ```
 */
export class IdxError extends Error {
  /** Which check failed. */
  readonly code: IdxErrorCode;
  /** The file's name (or path), as given by the caller. */
  readonly file: string;
  /**
   * Creates the error; `message` is shown as is.
   *
   * @param code which check failed
   * @param file the file's name or path
   * @param message the full message, naming the file
   * @param options `cause`, when another error is behind this one
   */
  constructor(code: IdxErrorCode, file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IdxError";
    this.code = code;
    this.file = file;
  }
}

/** A parsed IDX array: a view of the elements, not a copy. */
export interface IdxArray {
  /** The 32-bit magic number, e.g. 2051 for images. */
  magic: number;
  /** Dimensions from the header, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The elements in row-major order (a view into the decompressed bytes). */
  data: Uint8Array;
}

/** What a file must hold to pass {@linkcode verifyIdx}. */
export interface IdxSpec {
  /** The file's name, used in messages, e.g. `"train-images-idx3-ubyte"`. */
  file: string;
  /** Images (`count × rows × cols`) or labels (`count`). */
  kind: "images" | "labels";
  /** Number of examples. */
  count: number;
  /** `[rows, cols]` of an image. Default `[28, 28]`. */
  imageSize?: readonly [number, number];
  /** Labels must lie in `0 … numClasses - 1`. Default 10. */
  numClasses?: number;
  /** Lower-case hex SHA-256 of the decompressed file; omitted means not checked. */
  sha256?: string;
}

/**
 * Milliseconds spent per step, added to by the readers when passed in (the bench uses it).
 * The caller owns the object; nothing is kept between calls.
 */
export interface StepTimings {
  /** Reading files from disk. */
  read: number;
  /** Decompressing gzip. */
  gunzip: number;
  /** Header, shape, count and label-range checks. */
  check: number;
  /** SHA-256 of the decompressed bytes. */
  hash: number;
  /** Conversions: uint8 → float32 pixels (`readFashionMnist` only) and int32 labels. */
  convert: number;
}

/**
 * A fresh {@linkcode StepTimings} with every step at zero.
 *
 * @example
 * ```ts
 * import { emptyTimings } from "./idx.ts";
 * if (emptyTimings().gunzip !== 0) throw new Error("unexpected: emptyTimings().gunzip !== 0");
 * ```
 */
export function emptyTimings(): StepTimings {
  return { read: 0, gunzip: 0, check: 0, hash: 0, convert: 0 };
}

/**
 * Expected length in bytes of a file that satisfies `spec` (header plus elements).
 *
 * @example The Fashion-MNIST sizes
 * ```ts
 * import { idxByteLength } from "./idx.ts";
 * if (idxByteLength({ file: "a", kind: "images", count: 60000 }) !== 47040016) throw new Error("unexpected: idxByteLength({ file: \"a\", kind: \"images\", count: 60000 }) !== 47040016");
 * if (idxByteLength({ file: "b", kind: "labels", count: 10000 }) !== 10008) throw new Error("unexpected: idxByteLength({ file: \"b\", kind: \"labels\", count: 10000 }) !== 10008");
 * ```
 */
export function idxByteLength(spec: IdxSpec): number {
  if (spec.kind === "labels") return 8 + spec.count;
  const [rows, cols] = spec.imageSize ?? [28, 28];
  return 16 + spec.count * rows * cols;
}

/**
 * Whether `bytes` start with the gzip signature `1f 8b`.
 *
 * @example
 * ```ts
 * import { isGzip } from "./idx.ts";
 * if (!isGzip(new Uint8Array([0x1f, 0x8b, 8])) || isGzip(new Uint8Array([0, 0, 8, 3]))) {
 *   throw new Error("isGzip should recognise only the gzip magic bytes");
 * }
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the IDX bytes of a file's contents: gunzipped when they are gzip, as they are
 * otherwise (so `.gz` and raw files both work, whatever their names say).
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { decodeIdxFile } from "./idx.ts";
 * const raw = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);
 * if (decodeIdxFile(gzipSync(raw), "x").join() !== raw.join()) throw new Error("unexpected: decodeIdxFile(gzipSync(raw), \"x\").join() !== raw.join()");
 * if (decodeIdxFile(raw, "x") !== raw) throw new Error("unexpected: decodeIdxFile(raw, \"x\") !== raw");
 * ```
 * @throws {IdxError} `broken-gzip` when the gzip stream is corrupt or cut short.
 */
export function decodeIdxFile(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  // The gzip trailer's ISIZE (uncompressed size mod 2^32) sized as one output chunk spares
  // zlib from concatenating many small ones (faster on the training images). Only a
  // hint (a corrupt file may lie), so it is clamped.
  const isize = bytes.length >= 18
    ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
      bytes.length - 4,
      true,
    )
    : 0;
  const chunkSize = Math.min(Math.max(isize + 1, 16 * 1024), 64 * 1024 * 1024);
  try {
    const out = gunzipSync(bytes, { chunkSize });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdxError(
      "broken-gzip",
      file,
      `${file}: broken gzip data (${reason}) in ${bytes.length} compressed bytes. The file is ` +
        `corrupt or was cut short: delete it and get it again.`,
      { cause: error },
    );
  }
}

function describeMagic(magic: number): string {
  if (magic === IMAGES_MAGIC) return "2051 (images: unsigned bytes, 3 dimensions)";
  if (magic === LABELS_MAGIC) return "2049 (labels: unsigned bytes, 1 dimension)";
  return `${magic} (0x${magic.toString(16).padStart(8, "0")})`;
}

/**
 * Parses the header of decompressed IDX bytes and checks that the length matches it.
 *
 * Accepts any unsigned-byte IDX array; what the dimensions must be is {@linkcode checkIdx}'s
 * job. The returned `data` is a view of `bytes`.
 *
 * @example
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * const idx = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]), "labels");
 * if (idx.magic !== 2049 || idx.dims.join() !== "2" || idx.data.join() !== "3,4") {
 *   throw new Error(`unexpected IDX: magic ${idx.magic}, dims ${idx.dims}, data ${idx.data}`);
 * }
 * ```
 * @throws {IdxError} `truncated` (shorter than its header says), `trailing-bytes` (longer), or
 * `bad-magic` (not an unsigned-byte IDX file).
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new IdxError(
      "truncated",
      file,
      `${file} is truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic number. ` +
        `Delete it and get it again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = bytes[2];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== UBYTE || ndim < 1) {
    throw new IdxError(
      "bad-magic",
      file,
      `${file} is not an unsigned-byte IDX file: magic number ${describeMagic(magic)}, ` +
        `expected ${describeMagic(IMAGES_MAGIC)} or ${describeMagic(LABELS_MAGIC)}. Is it ` +
        `the right file (not an HTML error page or another format)?`,
    );
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    throw new IdxError(
      "truncated",
      file,
      `${file} is truncated: ${bytes.length} bytes, shorter than its ${headerLength}-byte ` +
        `header (${ndim} dimensions). Delete it and get it again.`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d);
    dims.push(n);
    size *= n;
  }
  const expected = headerLength + size;
  if (bytes.length < expected) {
    throw new IdxError(
      "truncated",
      file,
      `${file} is truncated: its header says ${dims.join(" × ")} = ${size} bytes of data, ` +
        `so the file should be ${expected} bytes long, but it has ${bytes.length}. Delete it ` +
        `and get it again.`,
    );
  }
  if (bytes.length > expected) {
    throw new IdxError(
      "trailing-bytes",
      file,
      `${file} is too long: its header says ${dims.join(" × ")} = ${size} bytes of data, ` +
        `so the file should be ${expected} bytes long, but it has ${bytes.length}. It is not ` +
        `a well-formed IDX file; get it again.`,
    );
  }
  return { magic, dims, data: bytes.subarray(headerLength, expected) };
}

/**
 * Checks a parsed array against `spec`: magic number, image size, count, label range.
 *
 * @example
 * ```ts
 * import { checkIdx } from "./idx.ts";
 * const idx = { magic: 2049, dims: [2], data: new Uint8Array([0, 9]) };
 * checkIdx(idx, { file: "labels", kind: "labels", count: 2 });
 * ```
 * @throws {IdxError} `bad-magic`, `bad-shape`, `count-mismatch` or `label-out-of-range`.
 */
export function checkIdx(idx: IdxArray, spec: IdxSpec): void {
  const { file } = spec;
  const magic = spec.kind === "images" ? IMAGES_MAGIC : LABELS_MAGIC;
  if (idx.magic !== magic) {
    throw new IdxError(
      "bad-magic",
      file,
      `${file}: wrong magic number: expected ${describeMagic(magic)}, found ` +
        `${describeMagic(idx.magic)}. Is it the ${spec.kind} file (names may be swapped)?`,
    );
  }
  if (spec.kind === "images") {
    const [rows, cols] = spec.imageSize ?? [28, 28];
    if (idx.dims[1] !== rows || idx.dims[2] !== cols) {
      throw new IdxError(
        "bad-shape",
        file,
        `${file}: images are ${idx.dims[1]}×${idx.dims[2]} pixels, expected ${rows}×${cols}.`,
      );
    }
  }
  if (idx.dims[0] !== spec.count) {
    throw new IdxError(
      "count-mismatch",
      file,
      `${file} holds ${idx.dims[0]} ${spec.kind}, expected ${spec.count}. Is it the right ` +
        `split (train: 60000, test: 10000) and a complete file?`,
    );
  }
  if (spec.kind === "labels") {
    const numClasses = spec.numClasses ?? 10;
    const data = idx.data;
    for (let i = 0; i < data.length; i++) {
      if (data[i] >= numClasses) {
        throw new IdxError(
          "label-out-of-range",
          file,
          `${file}: label ${i} is ${data[i]}, expected a class index in 0..${
            numClasses - 1
          }. The file is corrupt or not a Fashion-MNIST label file.`,
        );
      }
    }
  }
}

/**
 * Lower-case hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./idx.ts";
 * const h = sha256Hex(new TextEncoder().encode("abc"));
 * if (!h.startsWith("ba7816bf")) throw new Error(h);
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Decodes (gunzip when needed), parses and checks one file's contents against `spec`,
 * including the SHA-256 of the decompressed bytes when `spec.sha256` is set.
 *
 * @param bytes the file's contents, gzipped or raw
 * @param spec what the file must hold
 * @param timings when given, the milliseconds of each step are added to it
 *
 * @example A checksum mismatch names the file and both hashes
 * ```ts
 * import { encodeIdx, IdxError, verifyIdx } from "./idx.ts";
 * const bytes = encodeIdx(new Uint8Array([1, 2]), [2]);
 * try {
 *   verifyIdx(bytes, { file: "l", kind: "labels", count: 2, sha256: "00".repeat(32) });
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!(error instanceof IdxError) || error.code !== "checksum-mismatch") throw error;
 * }
 * ```
 * @throws {IdxError} for the first check that fails, in the order of the module doc.
 */
export function verifyIdx(bytes: Uint8Array, spec: IdxSpec, timings?: StepTimings): IdxArray {
  let t = performance.now();
  const raw = decodeIdxFile(bytes, spec.file);
  let now = performance.now();
  if (timings) timings.gunzip += now - t;
  t = now;
  const idx = parseIdx(raw, spec.file);
  checkIdx(idx, spec);
  now = performance.now();
  if (timings) timings.check += now - t;
  t = now;
  if (spec.sha256 !== undefined) {
    const found = sha256Hex(raw);
    if (found !== spec.sha256.toLowerCase()) {
      throw new IdxError(
        "checksum-mismatch",
        spec.file,
        `${spec.file}: SHA-256 of the decompressed data is ${found}, expected ${spec.sha256}. ` +
          `The file is corrupt or not the official release: delete it and get it again.`,
      );
    }
    if (timings) timings.hash += performance.now() - t;
  }
  return idx;
}

/**
 * Pixels as float32 in [0, 1]: `byte / 255`, as torchvision's `ToTensor` does.
 *
 * A plain loop into a preallocated array, much faster than `Float32Array.from(bytes, fn)`
 * (`deno task bench data`).
 *
 * @example
 * ```ts
 * import { toFloatPixels } from "./idx.ts";
 * const f = toFloatPixels(new Uint8Array([0, 51, 255]));
 * if (f[0] !== 0 || f[1] !== Math.fround(0.2) || f[2] !== 1) throw new Error(String(f));
 * ```
 */
export function toFloatPixels(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/**
 * Labels as int32 (tfjs's integer dtype).
 *
 * @example
 * ```ts
 * import { toInt32Labels } from "./idx.ts";
 * if (toInt32Labels(new Uint8Array([9, 0])).join() !== "9,0") throw new Error("unexpected: toInt32Labels(new Uint8Array([9, 0])).join() !== \"9,0\"");
 * ```
 */
export function toInt32Labels(bytes: Uint8Array): Int32Array {
  const out = new Int32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i];
  return out;
}

/**
 * Writes unsigned bytes as an IDX file (raw, or gzipped with `{ gzip: true }`).
 *
 * Used by `tools/make_subset.ts` and by the tests' synthetic files. The gzip has no
 * timestamp, so the same data always gives the same bytes.
 *
 * @example
 * ```ts
 * import { encodeIdx } from "./idx.ts";
 * const b = encodeIdx(new Uint8Array([5]), [1]);
 * if (b.join() !== "0,0,8,1,0,0,0,1,5") throw new Error(b.join());
 * ```
 * @throws {RangeError} when `dims` is empty or does not multiply to `data.length`.
 */
export function encodeIdx(
  data: Uint8Array,
  dims: readonly number[],
  options: { gzip?: boolean } = {},
): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > 255 || size !== data.length) {
    throw new RangeError(
      `encodeIdx: dims [${dims.join(", ")}] hold ${size} elements, but data has ${data.length}`,
    );
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n));
  out.set(data, 4 + 4 * dims.length);
  if (!options.gzip) return out;
  const gz = gzipSync(out, { level: 9 });
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

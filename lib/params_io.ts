/**
 * Saving and loading trained parameters as [safetensors](https://huggingface.co/docs/safetensors),
 * written atomically.
 *
 * ## The file format
 *
 * A safetensors file is three parts, back to back:
 *
 * | bytes        | content                                                             |
 * | ------------ | ------------------------------------------------------------------- |
 * | 0–7          | `N`, the header's length in bytes: an unsigned 64-bit little-endian |
 * | 8 … 8+N      | the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes |
 * | 8+N … end    | the tensors' raw bytes, back to back, float32 little-endian         |
 *
 * The header maps each tensor's name to its dtype, shape and byte range in the data part,
 * plus an optional string-to-string `__metadata__`:
 *
 * ```json
 * {
 *   "W": { "dtype": "F32", "shape": [784, 10], "data_offsets": [0, 31360] },
 *   "b": { "dtype": "F32", "shape": [10], "data_offsets": [31360, 31400] },
 *   "__metadata__": { "format": "d2l-softmax-regression", "seed": "0" }
 * }
 * ```
 *
 * Trained softmax-regression parameters are stored as `W` (`[784, 10]`) and `b` (`[10]`),
 * row-major. The same file loads in Python with
 * `safetensors.numpy.load_file("params.safetensors")` (or `safetensors.torch.load_file`),
 * or by hand: read 8 bytes, then `N` bytes of JSON, then `numpy.frombuffer(…, "<f4")`.
 *
 * ## Atomic writes
 *
 * `writeFileAtomic` (`./write_atomic.ts`) writes to a temporary file next to the target and renames it
 * over the target, so a reader (an image viewer, the grader) sees the old file or the new one,
 * never half of one, and a crash leaves at worst a stray temporary file.
 *
 * @example Save, load back, compare
 * ```ts
 * import * as tf from "./tf.ts";
 * import { assertClose } from "./assert_close.ts";
 * import { loadParams, saveParams } from "./params_io.ts";
 * const dir = await Deno.makeTempDir();
 * const params = {
 *   W: tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]])),
 *   b: tf.variable(tf.tensor1d([0.5, -0.5])),
 * };
 * await saveParams(params, `${dir}/params.safetensors`);
 * const back = await loadParams(`${dir}/params.safetensors`);
 * assertClose(back.W, params.W);
 * assertClose(back.b, params.b);
 * tf.dispose([params.W, params.b, back.W, back.b]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import * as tf from "./tf.ts";
import { writeFileAtomic } from "./write_atomic.ts";

/**
 * The parameters of a softmax-regression model, as lesson 2's `Params` holds them: weights `W`
 * `[inputs, outputs]` and biases `b` `[outputs]`. (Declared here so that `lib/` never imports a
 * lesson; lesson 2's `Params` has this shape.)
 */
export interface ModelParams {
  /** Weights `[inputs, outputs]`. */
  W: tf.Variable<tf.Rank.R2>;
  /** Biases `[outputs]`. */
  b: tf.Variable<tf.Rank.R1>;
}

/** The largest header this reader accepts (the reference implementation's limit: 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** A float32 tensor as stored: shape and row-major values. */
export interface StoredTensor {
  /** The tensor's shape; `[]` for a scalar. */
  shape: number[];
  /** Row-major values. */
  data: Float32Array;
}

/** What {@linkcode decodeSafetensors} returns. */
export interface Safetensors {
  /** The tensors by name, in the header's order. */
  tensors: Record<string, StoredTensor>;
  /** The `__metadata__` strings, `{}` when absent. */
  metadata: Record<string, string>;
}

/**
 * Encodes float32 tensors (and string metadata) as safetensors bytes.
 *
 * @example The 8-byte length, then the JSON header
 * ```ts
 * import { encodeSafetensors } from "./params_io.ts";
 * const bytes = encodeSafetensors({ b: { shape: [2], data: Float32Array.from([1, 2]) } });
 * const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
 * const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
 * if (header.b.data_offsets.join() !== "0,8" || bytes.length !== 8 + n + 8) throw new Error("unexpected: header.b.data_offsets.join() !== \"0,8\" || bytes.length !== 8 + n + 8");
 * ```
 *
 * @throws {TypeError} when a shape does not match its data's length, or a metadata value is
 *   not a string.
 */
export function encodeSafetensors(
  tensors: Record<string, StoredTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    if (name === "__metadata__") {
      throw new TypeError(
        'Cannot encode safetensors: "__metadata__" is reserved, not a tensor name',
      );
    }
    const size = shape.reduce((p, d) => p * d, 1);
    if (!(data instanceof Float32Array) || size !== data.length) {
      throw new TypeError(
        `Cannot encode safetensors: tensor "${name}" has shape [${shape}] (${size} values) but ` +
          `${data instanceof Float32Array ? `${data.length} float32 values` : "no Float32Array"}`,
      );
    }
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot encode safetensors: metadata "${key}" must be a string, got ${typeof value}`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data part starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const { data } of Object.values(tensors)) {
    // Typed arrays are little-endian on every platform Deno runs on.
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes holding float32 (`F32`) tensors, checking the header against the
 * data: every tensor's byte range must match its shape, and the ranges must tile the data part
 * exactly (no gaps, no overlaps, nothing after).
 *
 * @example Round trip
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./params_io.ts";
 * const bytes = encodeSafetensors({ W: { shape: [1, 2], data: Float32Array.from([3, 4]) } }, { seed: "0" });
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * if (tensors.W.data.join() !== "3,4" || metadata.seed !== "0") throw new Error("unexpected: tensors.W.data.join() !== \"3,4\" || metadata.seed !== \"0\"");
 * ```
 *
 * @param bytes the file's bytes.
 * @param source names the file in error messages.
 * @throws {RangeError} for a truncated file or a header whose ranges do not fit the data.
 * @throws {TypeError} for a header that is not the expected JSON, or a dtype other than F32.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "the safetensors data"): Safetensors {
  const fail = (Kind: typeof RangeError | typeof TypeError, what: string) =>
    new Kind(`Cannot read ${source}: ${what}`);
  if (bytes.length < 8) {
    throw fail(RangeError, `it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    throw fail(
      RangeError,
      `the header length is ${headerLength} bytes but the file has ${bytes.length - 8} after ` +
        `the length field (truncated, or not a safetensors file)`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)),
    );
  } catch (error) {
    throw fail(TypeError, `the header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw fail(TypeError, "the header is not a JSON object");
  }
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, StoredTensor> = {};
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw fail(TypeError, "__metadata__ is not an object of strings");
      }
      metadata = Object.fromEntries(
        Object.entries(entry).map(([k, v]) => {
          if (typeof v !== "string") throw fail(TypeError, `__metadata__.${k} is not a string`);
          return [k, v];
        }),
      );
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e?.dtype !== "F32") {
      throw fail(
        TypeError,
        `tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; only F32 (float32) is supported`,
      );
    }
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw fail(
        TypeError,
        `tensor "${name}" needs an integer shape and data_offsets [begin, end], got ` +
          JSON.stringify(entry),
      );
    }
    const [begin, end] = offsets as [number, number];
    const size = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end - begin !== size * 4 || end > dataLength) {
      throw fail(
        RangeError,
        `tensor "${name}" of shape [${shape}] needs ${size * 4} bytes but its data_offsets ` +
          `[${begin}, ${end}] ${
            end > dataLength ? `run past the ${dataLength}-byte data` : "differ"
          }`,
      );
    }
    // Copy: the data part need not be 4-byte aligned inside `bytes`.
    const data = new Float32Array(bytes.slice(dataStart + begin, dataStart + end).buffer);
    tensors[name] = { shape: shape as number[], data };
    ranges.push([begin, end, name]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== expected) {
      throw fail(
        RangeError,
        `tensor "${name}" starts at byte ${begin} of the data, expected ${expected} (a gap or ` +
          `an overlap)`,
      );
    }
    expected = end;
  }
  if (expected !== dataLength) {
    throw fail(RangeError, `${dataLength - expected} bytes after the last tensor's data`);
  }
  return { tensors, metadata };
}

/**
 * Saves softmax-regression parameters (`W`, `b`) to a safetensors file, atomically.
 *
 * @example The header records the format and the metadata
 * ```ts
 * import * as tf from "./tf.ts";
 * import { decodeSafetensors, saveParams } from "./params_io.ts";
 * const path = `${await Deno.makeTempDir()}/params.safetensors`;
 * const params = {
 *   W: tf.variable(tf.tensor2d(new Float32Array(7840), [784, 10])),
 *   b: tf.variable(tf.tensor1d(new Float32Array(10))),
 * };
 * await saveParams(params, path, { seed: "0" });
 * const { tensors, metadata } = decodeSafetensors(await Deno.readFile(path), path);
 * if (tensors.W.shape.join() !== "784,10" || metadata.format !== "d2l-softmax-regression") {
 *   throw new Error(JSON.stringify(metadata));
 * }
 * if (metadata.seed !== "0") throw new Error(JSON.stringify(metadata));
 * tf.dispose([params.W, params.b]);
 * ```
 *
 * @param params the trained `W` `[inputs, outputs]` and `b` `[outputs]`.
 * @param path the file to write (conventionally `….safetensors`).
 * @param metadata strings stored in the header's `__metadata__` (e.g. seed, epochs);
 *   `format: "d2l-softmax-regression"` is always added.
 * @throws {TypeError} when `W` or `b` is not a float32 tensor.
 */
export async function saveParams(
  params: ModelParams,
  path: string,
  metadata: Record<string, string> = {},
): Promise<void> {
  for (const name of ["W", "b"] as const) {
    const t = params?.[name];
    if (!(t instanceof tf.Tensor) || t.dtype !== "float32") {
      throw new TypeError(
        `Cannot save the parameters: ${name} must be a float32 tensor, got ${
          t instanceof tf.Tensor ? t.dtype : typeof t
        }`,
      );
    }
  }
  const tensors: Record<string, StoredTensor> = {
    W: { shape: [...params.W.shape], data: params.W.dataSync() as Float32Array },
    b: { shape: [...params.b.shape], data: params.b.dataSync() as Float32Array },
  };
  const bytes = encodeSafetensors(tensors, { format: "d2l-softmax-regression", ...metadata });
  await writeFileAtomic(path, bytes);
}

/**
 * Loads parameters saved by {@linkcode saveParams} (or any safetensors file with a float32
 * `W` `[inputs, outputs]` and `b` `[outputs]`) as fresh trainable variables.
 *
 * The caller owns the returned variables: `tf.dispose([params.W, params.b])`.
 *
 * @example Trainable variables of the saved shapes
 * ```ts
 * import * as tf from "./tf.ts";
 * import { loadParams, saveParams } from "./params_io.ts";
 * const path = `${await Deno.makeTempDir()}/params.safetensors`;
 * const saved = {
 *   W: tf.variable(tf.tensor2d(new Float32Array(12).fill(1), [4, 3])),
 *   b: tf.variable(tf.tensor1d([0, 0, 0])),
 * };
 * await saveParams(saved, path);
 * const { W, b } = await loadParams(path);
 * if (W.shape.join() !== "4,3" || b.shape.join() !== "3" || !W.trainable) throw new Error("unexpected: W.shape.join() !== \"4,3\" || b.shape.join() !== \"3\" || !W.trainable");
 * tf.dispose([saved.W, saved.b, W, b]);
 * ```
 *
 * @throws {RangeError} or {TypeError} naming the file and what is wrong with it: not
 *   safetensors, a missing `W` or `b`, or shapes that do not fit together.
 */
export async function loadParams(path: string): Promise<ModelParams> {
  const { tensors } = decodeSafetensors(await Deno.readFile(path), path);
  const { W, b } = tensors;
  if (W === undefined || b === undefined) {
    throw new TypeError(
      `Cannot load parameters from ${path}: expected tensors "W" and "b", found ${
        JSON.stringify(Object.keys(tensors))
      }`,
    );
  }
  if (W.shape.length !== 2 || b.shape.length !== 1 || W.shape[1] !== b.shape[0]) {
    throw new TypeError(
      `Cannot load parameters from ${path}: expected W [inputs, outputs] and b [outputs], ` +
        `found W [${W.shape}] and b [${b.shape}]`,
    );
  }
  return tf.tidy(() => ({
    W: tf.variable(tf.tensor2d(W.data, W.shape as [number, number]), true),
    b: tf.variable(tf.tensor1d(b.data), true),
  }));
}

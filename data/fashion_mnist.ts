/**
 * Fashion-MNIST, found, verified and served in mini-batches: the book's
 * `d2l.load_data_fashion_mnist(batch_size, resize=None)` (§3.5, used in §3.6).
 *
 * Fashion-MNIST is 70 000 grey 28×28 pictures of clothes in ten classes (t-shirt, trouser, …,
 * ankle boot): 60 000 for training, 10 000 for testing, as four IDX files (see `./idx.ts`).
 *
 * **Where the files come from.** The first of these that applies wins:
 *
 * 1. the `dir` option, else the `FASHION_MNIST_DIR` environment variable: that directory and
 *    only that one (an explicit choice is never silently replaced; a problem there is an
 *    error naming it);
 * 2. the project's cache, `data/cache/` (git-ignored; `cacheDir` option), when it holds all
 *    four verified files;
 * 3. Debian's package `dataset-fashion-mnist`, `/usr/share/datasets/fashion-mnist`;
 * 4. a download from the Fashion-MNIST project's own mirror (the one torchvision and d2l use)
 *    into the cache, unless `download: false`. Files that already verified in the cache are
 *    kept; each missing one goes to a temporary file, is verified, and only then renamed into
 *    place, so an interrupted or corrupt download leaves nothing behind and the next call
 *    simply tries again.
 *
 * When every source fails the error lists where it looked, what it found there, and the three
 * fixes (the apt package, `FASHION_MNIST_DIR`, network access). `subset: true` instead reads
 * the small real subset committed in `data/subset/` (1000 training and 500 test examples, see
 * `tools/make_subset.ts`), checked against its own manifest.
 *
 * **Verification.** Every file is checked on every load (about a tenth of the load time):
 * magic number 2051/2049, 28×28 images, 60 000/10 000 examples, the exact byte length, labels
 * in 0..9, and the SHA-256 of the *decompressed* bytes (so the upstream and Debian gzips,
 * which differ, both pass). Files may be gzipped or raw, named with or without `.gz`.
 *
 * **Layout.** A {@linkcode Split}'s `images` is one `Float32Array` of `count × 784` pixels in
 * [0, 1] (`byte / 255`, like torchvision's `ToTensor`), row-major `[count, 28, 28]`, i.e. the
 * book's NCHW `[count, 1, 28, 28]` with one channel; `labels` is an `Int32Array`. The
 * iterators yield `X: [batch, 1, 28, 28]` float32 and `y: [batch]` int32; the training one
 * reshuffles every epoch from `seed`, the test one keeps file order, and both keep the last
 * partial batch (with 256: 235 training batches, the last of 96; 40 test batches, the last
 * of 16).
 *
 * @example The book's call
 * ```ts
 * import { getFashionMnistLabels, loadDataFashionMnist } from "./fashion_mnist.ts";
 * const data = await loadDataFashionMnist(256, { subset: true });
 * for (const [X, y] of data.trainIter) {
 *   if (X.shape.join() !== "256,1,28,28") throw new Error(X.shape.join());
 *   const names = getFashionMnistLabels(y); // e.g. ["sneaker", "coat", …]
 *   if (names.length !== 256 || names.some((n) => n === undefined)) throw new Error("unexpected: names.length !== 256 || names.some((n) => n === undefined)");
 *   break;
 * }
 * data.dispose();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as tf from "../lib/tf.ts";
import { createDataIter, type DataIter } from "./data_iter.ts";
import {
  encodeIdx,
  type IdxArray,
  IdxError,
  type IdxSpec,
  type StepTimings,
  toFloatPixels,
  toInt32Labels,
  verifyIdx,
} from "./idx.ts";
import { type DownloadProgress, downloadVerified, removeStaleTemps } from "./download.ts";
import { readWhole } from "../lib/read_whole.ts";

export type { DataIter } from "./data_iter.ts";
export type { DownloadProgress } from "./download.ts";
export type { StepTimings } from "./idx.ts";

/** The four files of a split pair, by role. */
export type FileKey = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** The roles in download and report order. */
export const FILE_KEYS: readonly FileKey[] = [
  "trainImages",
  "trainLabels",
  "testImages",
  "testLabels",
];

/** One of the two splits. */
export type SplitName = "train" | "test";

/** The files of each split: images, then labels. */
export const SPLIT_FILES: Readonly<Record<SplitName, readonly [FileKey, FileKey]>> = {
  train: ["trainImages", "trainLabels"],
  test: ["testImages", "testLabels"],
};

/** What each official file must be: names, counts, and SHA-256 of the decompressed bytes. */
export const FASHION_MNIST_FILES: Readonly<Record<FileKey, Readonly<IdxSpec>>> = {
  trainImages: {
    file: "train-images-idx3-ubyte",
    kind: "images",
    count: 60000,
    sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  },
  trainLabels: {
    file: "train-labels-idx1-ubyte",
    kind: "labels",
    count: 60000,
    sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  },
  testImages: {
    file: "t10k-images-idx3-ubyte",
    kind: "images",
    count: 10000,
    sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  },
  testLabels: {
    file: "t10k-labels-idx1-ubyte",
    kind: "labels",
    count: 10000,
    sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
};

/**
 * The book's names of the ten classes, by label.
 *
 * @example
 * ```ts
 * import { TEXT_LABELS } from "./fashion_mnist.ts";
 * if (TEXT_LABELS.length !== 10 || TEXT_LABELS[0] !== "t-shirt" || TEXT_LABELS[9] !== "ankle boot") {
 *   throw new Error(TEXT_LABELS.join());
 * }
 * ```
 */
export const TEXT_LABELS: readonly string[] = [
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
];

/** The upstream mirror (Zalando Research's, as in torchvision's `FashionMNIST.mirrors`). */
export const DEFAULT_BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** The environment variable naming a directory with the four files. */
export const ENV_DIR = "FASHION_MNIST_DIR";

/** The project's download cache, `data/cache/` (git-ignored). */
export const DEFAULT_CACHE_DIR: string = fileURLToPath(new URL("./cache", import.meta.url));

/** The committed subset, `data/subset/`. */
export const SUBSET_DIR: string = fileURLToPath(new URL("./subset", import.meta.url));

/** Options of {@linkcode readFashionMnist} and {@linkcode loadDataFashionMnist}. */
export interface LoadOptions {
  /** A directory holding the four files; beats `FASHION_MNIST_DIR`; no other source is tried. */
  dir?: string;
  /**
   * What errors call `dir`: a command passes the flag its user typed (`"--data-dir"`).
   * Default `"the dir option"`.
   */
  dirName?: string;
  /** Resize each batch's images to `[h, w]` (or `n × n`), bilinear, like the book's `resize`. */
  resize?: number | readonly [number, number];
  /** Seed of the training shuffle. Default 0. */
  seed?: number;
  /**
   * Where downloads go and are looked for. Default `data/cache/` in this project. It is the
   * loader's own: a Fashion-MNIST file there that fails verification is deleted.
   */
  cacheDir?: string;
  /** Allow the download fallback. Default `true`. */
  download?: boolean;
  /** Mirror to download from (ending in `/`). Default {@linkcode DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Debian's directory. Default {@linkcode DEBIAN_DIR} (overridable for tests). */
  debianDir?: string;
  /** Download progress, after every chunk; commands can pass `progressPrinter()`. */
  onProgress?: (p: DownloadProgress) => void;
  /** Read the committed subset in `data/subset/` instead; the other source options are ignored. */
  subset?: boolean;
  /** When given, milliseconds per step (read, gunzip, check, hash, convert) are added to it. */
  timings?: StepTimings;
}

/** Where the data came from. */
export interface DataSource {
  /** Which rule found it (see the module doc). */
  kind: "dir" | "env" | "cache" | "debian" | "download" | "subset";
  /** The directory the files were read from. */
  dir: string;
}

/** One split as plain arrays. */
export interface Split {
  /** `count × 784` pixels in [0, 1], row-major `[count, 28, 28]`. */
  images: Float32Array;
  /** `count` labels in 0..9. */
  labels: Int32Array;
  /** Number of examples. */
  count: number;
}

/** One split's verified bytes, before conversion. */
export interface RawSplit {
  /** `count × 784` pixel bytes, row-major. */
  images: Uint8Array;
  /** `count` label bytes. */
  labels: Uint8Array;
  /** Number of examples. */
  count: number;
}

/** The loaded data: the book's `train_iter, test_iter`, plus where it came from. */
export interface FashionMnist {
  /** Training batches, reshuffled every epoch from the seed. */
  trainIter: DataIter;
  /** Test batches in file order. */
  testIter: DataIter;
  /** Where the files were found. */
  source: DataSource;
  /**
   * The files' bytes behind the iterators (not resized), for code that reads images as bytes:
   * the fused training engine (`lib/fused_engine.ts`).
   */
  raw: { train: RawSplit; test: RawSplit };
  /** Releases both iterators; they cannot be iterated afterwards. */
  dispose(): void;
}

/** The committed subset's manifest, `data/subset/manifest.json`. */
export interface SubsetManifest {
  /** What this is. */
  description: string;
  /** The command that made it. */
  madeBy: string;
  /** How the examples were chosen. */
  selection: string;
  /** Examples per class in each split. */
  perClass: { train: number; test: number };
  /** SHA-256 (decompressed) of the full files the subset was cut from, by file name. */
  source: Record<string, string>;
  /** Each subset file: examples and SHA-256 of its decompressed bytes, by file name. */
  files: Record<string, { count: number; sha256: string }>;
}

type RawSet = Record<FileKey, IdxArray>;

function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === undefined || value.trim() === "" ? undefined : value;
  } catch {
    // No --allow-env (a sandbox): as if unset.
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fileList(keys: readonly FileKey[], specs: Record<FileKey, Readonly<IdxSpec>>): string {
  return keys.map((k) => specs[k].file).join(", ");
}

/** Finds each file as `NAME` or `NAME.gz`; `undefined` when the directory does not exist. */
async function scanDir(
  dir: string,
  specs: Record<FileKey, Readonly<IdxSpec>>,
  keys: readonly FileKey[] = FILE_KEYS,
): Promise<Partial<Record<FileKey, string>> | undefined> {
  try {
    if (!(await Deno.stat(dir)).isDirectory) return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const found: Partial<Record<FileKey, string>> = {};
  for (const key of keys) {
    for (const name of [specs[key].file, `${specs[key].file}.gz`]) {
      const path = join(dir, name);
      const info = await Deno.stat(path).catch((error) => {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      });
      if (info?.isFile) {
        found[key] = path;
        break;
      }
    }
  }
  return found;
}

async function readVerified(
  path: string,
  spec: Readonly<IdxSpec>,
  timings?: StepTimings,
): Promise<IdxArray> {
  const t = performance.now();
  const bytes = await readWhole(path);
  if (timings) timings.read += performance.now() - t;
  // Messages name the path, not just the file name.
  return verifyIdx(bytes, { ...spec, file: path }, timings);
}

/** Why a scanned directory cannot serve all of `keys`' files, or `undefined` when it can. */
function whatIsMissing(
  found: Partial<Record<FileKey, string>> | undefined,
  specs: Record<FileKey, Readonly<IdxSpec>>,
  keys: readonly FileKey[] = FILE_KEYS,
): string | undefined {
  if (found === undefined) return "does not exist or is not a directory";
  const missing = keys.filter((k) => found[k] === undefined);
  if (missing.length === 0) return undefined;
  const all = keys.length === FILE_KEYS.length ? "four" : "two";
  if (missing.length === keys.length) {
    return `holds none of the ${all} Fashion-MNIST files needed (${
      fileList(keys, specs)
    }; each .gz or uncompressed)`;
  }
  const present = keys.filter((k) => found[k] !== undefined);
  return `has only some of the Fashion-MNIST files: missing ${fileList(missing, specs)} ` +
    `(found ${fileList(present, specs)}); ${all === "four" ? "all four are" : "both are"} ` +
    `needed (.gz or uncompressed)`;
}

/** Reads one directory; any problem is an error naming it (`what dir …`) and the `fix`. */
/** The four files' paths in `dir`; a NotFound error saying `what` lacks them, and the fix. */
async function findStrict(
  dir: string,
  what: string,
  specs: Record<FileKey, Readonly<IdxSpec>>,
  fix: string,
  keys: readonly FileKey[] = FILE_KEYS,
): Promise<Partial<Record<FileKey, string>>> {
  const found = await scanDir(dir, specs, keys);
  const problem = whatIsMissing(found, specs, keys);
  if (problem !== undefined) throw new Deno.errors.NotFound(`${what} ${dir} ${problem}. ${fix}`);
  return found!;
}

async function readStrict(
  dir: string,
  what: string,
  specs: Record<FileKey, Readonly<IdxSpec>>,
  fix: string,
  timings?: StepTimings,
  keys: readonly FileKey[] = FILE_KEYS,
): Promise<Partial<RawSet>> {
  const found = await findStrict(dir, what, specs, fix, keys);
  const set: Partial<RawSet> = {};
  for (const key of keys) set[key] = await readVerified(found[key]!, specs[key], timings);
  return set;
}

/** How errors about an explicit data directory read, naming it as `name`. */
function explicitDir(name: string, files = "the four files"): { what: string; fix: string } {
  return {
    what: `The directory given as ${name},`,
    fix: `Pass a directory that holds ${files}, or leave out ${name} to search the usual places.`,
  };
}

/**
 * Checks, without reading them, that `dir` holds the four Fashion-MNIST files (each `.gz` or
 * uncompressed), as {@linkcode readFashionMnist} with `{ dir }` requires: a command can reject
 * a bad directory flag before it starts work. `name` is what the messages call the directory.
 *
 * @example
 * ```ts
 * import { checkDataDir } from "./fashion_mnist.ts";
 * const error = await checkDataDir("/no/such/dir", "--data-dir").catch((e) => e);
 * if (!(error instanceof Deno.errors.NotFound) || !error.message.includes("--data-dir")) {
 *   throw new Error(String(error));
 * }
 * ```
 * @throws {Deno.errors.NotFound} naming the directory, what is missing, and the fix.
 */
export async function checkDataDir(dir: string, name = "the dir option"): Promise<void> {
  const { what, fix } = explicitDir(name);
  await findStrict(dir, what, FASHION_MNIST_FILES, fix);
}

/** One split of a read set, whose files for that split must be present. */
function rawSplit(set: Partial<RawSet>, split: SplitName): RawSplit {
  const [images, labels] = SPLIT_FILES[split].map((key) => set[key]!);
  return { images: images.data, labels: labels.data, count: labels.dims[0] };
}

function toRawSplits(set: Partial<RawSet>): { train: RawSplit; test: RawSplit } {
  return { train: rawSplit(set, "train"), test: rawSplit(set, "test") };
}

/**
 * Reads the committed subset (or a copy of it in `dir`), checked against its manifest.
 *
 * @example
 * ```ts
 * import { readSubset } from "./fashion_mnist.ts";
 * const { train, test } = await readSubset();
 * if (train.count !== 1000 || test.count !== 500) throw new Error("unexpected: train.count !== 1000 || test.count !== 500");
 * ```
 * @throws {Deno.errors.NotFound} when the manifest or a file is missing; {@linkcode IdxError}
 * when a file fails its check (e.g. `checksum-mismatch` against the manifest).
 */
export async function readSubset(
  dir: string = SUBSET_DIR,
  timings?: StepTimings,
): Promise<{ train: RawSplit; test: RawSplit; source: DataSource }> {
  const manifestPath = join(dir, "manifest.json");
  let manifest: SubsetManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch (error) {
    throw new Deno.errors.NotFound(
      `Cannot read the subset's manifest ${manifestPath}: ${errorMessage(error)}. Restore ` +
        `data/subset/ from git, or remake it with deno run -A tools/make_subset.ts.`,
      { cause: error },
    );
  }
  const specs = {} as Record<FileKey, IdxSpec>;
  for (const key of FILE_KEYS) {
    const file = FASHION_MNIST_FILES[key].file;
    const entry = manifest.files?.[file];
    if (!entry || !Number.isInteger(entry.count) || typeof entry.sha256 !== "string") {
      throw new TypeError(
        `The subset's manifest ${manifestPath} has no valid entry for ${file}: expected ` +
          `{ "count": integer, "sha256": hex string }, found ${JSON.stringify(entry)}.`,
      );
    }
    specs[key] = { ...FASHION_MNIST_FILES[key], count: entry.count, sha256: entry.sha256 };
  }
  const set = await readStrict(
    dir,
    "The subset directory",
    specs,
    "Restore data/subset/ from git or remake it with deno run -A tools/make_subset.ts.",
    timings,
  );
  return { ...toRawSplits(set), source: { kind: "subset", dir } };
}

/**
 * Writes a data set's files, uncompressed, under their official names into `dir` (made when
 * missing): both splits' four files, or the two of the one split given. Later reads of the same
 * verified bytes skip the gunzip: the grader decodes the data once per session, the training
 * split for its sandboxes and the test split for its judges. Each file's SHA-256 is the
 * official one, so {@linkcode readFashionMnistRaw} or {@linkcode readFashionMnistSplit} with
 * `dir` verifies them as usual.
 *
 * @example
 * ```ts
 * import { readFashionMnistRaw, writeFashionMnistFiles } from "./fashion_mnist.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFashionMnistFiles(await readFashionMnistRaw({ subset: true }), dir);
 * const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
 * if (!names.includes("t10k-images-idx3-ubyte") || names.length !== 4) throw new Error(`${names}`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFashionMnistFiles(
  data: { train?: RawSplit; test?: RawSplit },
  dir: string,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const split of ["train", "test"] as const) {
    const raw = data[split];
    if (raw === undefined) continue;
    const [images, labels] = SPLIT_FILES[split].map((key) =>
      join(dir, FASHION_MNIST_FILES[key].file)
    );
    await Deno.writeFile(images, encodeIdx(raw.images, [raw.count, 28, 28]));
    await Deno.writeFile(labels, encodeIdx(raw.labels, [raw.count]));
  }
}

/**
 * Finds, verifies and returns the four files' bytes, before conversion to floats (the subset
 * tool and the full-data check use it; {@linkcode readFashionMnist} adds the conversion).
 *
 * @example
 * ```ts
 * import { readFashionMnistRaw } from "./fashion_mnist.ts";
 * const { test } = await readFashionMnistRaw({ subset: true });
 * if (test.images.length !== 500 * 784) throw new Error("unexpected: test.images.length !== 500 * 784");
 * ```
 * @throws {Deno.errors.NotFound} listing every place looked in and the three fixes, or naming
 * the explicit directory and what is missing there; {@linkcode IdxError} for a bad file in an
 * explicit directory.
 */
export async function readFashionMnistRaw(
  options: LoadOptions = {},
): Promise<{ train: RawSplit; test: RawSplit; source: DataSource }> {
  if (options.subset) return await readSubset(SUBSET_DIR, options.timings);
  const { set, source } = await readFiles(options, FILE_KEYS);
  return { ...toRawSplits(set), source };
}

/**
 * Finds, verifies and returns the bytes of one split only, looking where
 * {@linkcode readFashionMnistRaw} looks: a directory (`dir`, `FASHION_MNIST_DIR`) needs to hold
 * that split's two files only. The grader's sandboxes read the training split this way, in a
 * directory that does not hold the test split its judges score with.
 *
 * @example
 * ```ts
 * import { readFashionMnistSplit } from "./fashion_mnist.ts";
 * const { split, source } = await readFashionMnistSplit("train", { subset: true });
 * if (split.count !== 1000 || source.kind !== "subset") throw new Error(`${split.count}`);
 * ```
 * @throws what {@linkcode readFashionMnistRaw} throws, for that split's files.
 */
export async function readFashionMnistSplit(
  split: SplitName,
  options: LoadOptions = {},
): Promise<{ split: RawSplit; source: DataSource }> {
  if (options.subset) {
    const both = await readSubset(SUBSET_DIR, options.timings);
    return { split: both[split], source: both.source };
  }
  const { set, source } = await readFiles(options, SPLIT_FILES[split]);
  return { split: rawSplit(set, split), source };
}

/** The search of {@linkcode readFashionMnistRaw} for the files `keys` (all four or one split's). */
async function readFiles(
  options: LoadOptions,
  keys: readonly FileKey[],
): Promise<{ set: Partial<RawSet>; source: DataSource }> {
  const { timings } = options;
  const specs = FASHION_MNIST_FILES;
  const files = keys.length === FILE_KEYS.length ? "the four files" : "the split's two files";
  if (options.dir !== undefined) {
    const { what, fix } = explicitDir(options.dirName ?? "the dir option", files);
    const set = await readStrict(options.dir, what, specs, fix, timings, keys);
    return { set, source: { kind: "dir", dir: options.dir } };
  }
  const envDir = readEnv(ENV_DIR);
  if (envDir !== undefined) {
    const set = await readStrict(
      envDir,
      `The directory in ${ENV_DIR},`,
      specs,
      `Point ${ENV_DIR} at a directory holding ${files}, or unset it to use the cache, ` +
        `Debian's dataset-fashion-mnist package or a download.`,
      timings,
      keys,
    );
    return { set, source: { kind: "env", dir: envDir } };
  }

  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const debianDir = options.debianDir ?? DEBIAN_DIR;
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  const looked: string[] = [`${ENV_DIR}: not set`];
  let lastError: unknown;

  // 2. The cache: every present file is verified; a bad one is ours to delete.
  const cached: Partial<RawSet> = {};
  try {
    const found = await scanDir(cacheDir, specs, keys);
    if (found === undefined) {
      looked.push(`the cache, ${cacheDir}: no such directory`);
    } else {
      const notes: string[] = [];
      for (const key of keys) {
        const path = found[key];
        if (path === undefined) continue;
        try {
          cached[key] = await readVerified(path, specs[key], timings);
        } catch (error) {
          if (!(error instanceof IdxError)) throw error;
          await Deno.remove(path);
          notes.push(`removed ${path}, which failed verification (${error.code})`);
        }
      }
      const missing = keys.filter((k) => cached[k] === undefined);
      if (missing.length === 0) return { set: cached, source: { kind: "cache", dir: cacheDir } };
      notes.unshift(
        missing.length === keys.length
          ? (keys.length === FILE_KEYS.length ? "no Fashion-MNIST files" : `none of ${files}`)
          : `incomplete, missing ${fileList(missing, specs)}`,
      );
      looked.push(`the cache, ${cacheDir}: ${notes.join("; ")}`);
    }
  } catch (error) {
    lastError = error;
    looked.push(`the cache, ${cacheDir}: cannot read it (${errorMessage(error)})`);
  }

  // 3. Debian's package.
  try {
    const found = await scanDir(debianDir, specs, keys);
    const problem = whatIsMissing(found, specs, keys);
    if (problem !== undefined) {
      looked.push(`Debian's package directory, ${debianDir}: ${problem}`);
    } else {
      const set: Partial<RawSet> = {};
      for (const key of keys) {
        set[key] = await readVerified(found![key]!, specs[key], timings);
      }
      return { set, source: { kind: "debian", dir: debianDir } };
    }
  } catch (error) {
    lastError = error;
    looked.push(`Debian's package directory, ${debianDir}: ${errorMessage(error)}`);
  }

  // 4. Download what the cache lacks.
  if (options.download === false) {
    looked.push(`download from ${baseUrl}: not allowed (download: false)`);
  } else {
    try {
      await Deno.mkdir(cacheDir, { recursive: true });
      await removeStaleTemps(cacheDir);
      for (const key of keys) {
        if (cached[key] !== undefined) continue;
        const spec = specs[key];
        const name = `${spec.file}.gz`;
        let verified: IdxArray | undefined;
        await downloadVerified(new URL(name, baseUrl).href, join(cacheDir, name), {
          label: name,
          onProgress: options.onProgress,
          verify(bytes) {
            verified = verifyIdx(bytes, { ...spec, file: name }, timings);
          },
        });
        cached[key] = verified;
      }
      return { set: cached, source: { kind: "download", dir: cacheDir } };
    } catch (error) {
      lastError = error;
      looked.push(`download from ${baseUrl} into the cache: ${errorMessage(error)}`);
    }
  }

  const names = fileList(keys, specs);
  throw new Deno.errors.NotFound(
    [
      "Cannot find the Fashion-MNIST data. Looked in:",
      ...looked.map((line, i) => `  ${i + 1}. ${line}`),
      "Fix it in one of three ways:",
      "  - install Debian's package: sudo apt-get install dataset-fashion-mnist",
      `    (it puts the files in ${DEBIAN_DIR});`,
      `  - set ${ENV_DIR} to a directory holding ${names} (each .gz or uncompressed);`,
      `  - allow network access, so they can be downloaded from ${baseUrl} into ${cacheDir}.`,
    ].join("\n"),
    { cause: lastError },
  );
}

function convert(raw: RawSplit, timings?: StepTimings): Split {
  const t = performance.now();
  const split = {
    images: toFloatPixels(raw.images),
    labels: toInt32Labels(raw.labels),
    count: raw.count,
  };
  if (timings) timings.convert += performance.now() - t;
  return split;
}

/**
 * Finds, verifies and reads Fashion-MNIST as plain arrays (see the module doc for where it
 * looks and the layout), for code that needs no iterators (the grader, `predictCh3`).
 *
 * @example The committed subset: balanced classes, pixels in [0, 1]
 * ```ts
 * import { readFashionMnist } from "./fashion_mnist.ts";
 * const { train, source } = await readFashionMnist({ subset: true });
 * if (source.kind !== "subset" || train.images.length !== train.count * 784) throw new Error("unexpected: source.kind !== \"subset\" || train.images.length !== train.count * 784");
 * if (train.labels.filter((y) => y === 9).length !== 100) throw new Error("unexpected: train.labels.filter((y) => y === 9).length !== 100");
 * if (Math.max(...train.images.subarray(0, 784)) > 1) throw new Error("unexpected: Math.max(...train.images.subarray(0, 784)) > 1");
 * ```
 * @throws {Deno.errors.NotFound} listing every place looked in and the three fixes (apt,
 * `FASHION_MNIST_DIR`, network); {@linkcode IdxError} for a bad file in an explicit directory.
 */
export async function readFashionMnist(
  options: LoadOptions = {},
): Promise<{ train: Split; test: Split; source: DataSource }> {
  const raw = await readFashionMnistRaw(options);
  return {
    train: convert(raw.train, options.timings),
    test: convert(raw.test, options.timings),
    source: raw.source,
  };
}

/**
 * Loads Fashion-MNIST into mini-batch iterators: the book's `load_data_fashion_mnist`.
 *
 * @param batchSize examples per batch, a positive integer (the book uses 256)
 * @param options where to look, `resize`, the shuffle `seed`, … (see {@linkcode LoadOptions})
 *
 * @example 1000 training examples in batches of 256: 4 batches, the last of 232
 * ```ts
 * import { loadDataFashionMnist } from "./fashion_mnist.ts";
 * const { trainIter, testIter, dispose } = await loadDataFashionMnist(256, { subset: true });
 * if (trainIter.numBatches !== 4 || testIter.numBatches !== 2) throw new Error("unexpected: trainIter.numBatches !== 4 || testIter.numBatches !== 2");
 * const sizes = [...trainIter].map(([X]) => X.shape[0]);
 * if (sizes.join() !== "256,256,256,232") throw new Error(sizes.join());
 * dispose();
 * ```
 * @throws {RangeError} for a batch size that is not a positive integer; otherwise what
 * {@linkcode readFashionMnist} throws.
 */
export async function loadDataFashionMnist(
  batchSize: number,
  options: LoadOptions = {},
): Promise<FashionMnist> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(
      `loadDataFashionMnist: batchSize must be a positive integer (the book uses 256), got ${batchSize}`,
    );
  }
  // The files' bytes, not float32 pixels: the iterators convert each batch, and the data set
  // takes a quarter of the memory (fresh memory is slow to touch on some machines).
  const { train, test, source } = await readFashionMnistRaw(options);
  const t = performance.now();
  const [trainLabels, testLabels] = [toInt32Labels(train.labels), toInt32Labels(test.labels)];
  if (options.timings) options.timings.convert += performance.now() - t;
  const trainIter = createDataIter(train.images, trainLabels, {
    batchSize,
    shuffle: true,
    seed: options.seed ?? 0,
    resize: options.resize,
  });
  let testIter: DataIter;
  try {
    testIter = createDataIter(test.images, testLabels, {
      batchSize,
      resize: options.resize,
    });
  } catch (error) {
    trainIter.dispose();
    throw error;
  }
  return {
    trainIter,
    testIter,
    source,
    raw: { train, test },
    dispose() {
      trainIter.dispose();
      testIter.dispose();
    },
  };
}

/**
 * The book's text labels of class indices: `get_fashion_mnist_labels`.
 *
 * @example
 * ```ts
 * import { getFashionMnistLabels } from "./fashion_mnist.ts";
 * const names = getFashionMnistLabels([0, 9, 5]);
 * if (names.join() !== "t-shirt,ankle boot,sandal") throw new Error(names.join());
 * ```
 * @throws {RangeError} naming the first entry that is not an integer in 0..9.
 */
export function getFashionMnistLabels(labels: ArrayLike<number> | tf.Tensor): string[] {
  const values: ArrayLike<number> = "dataSync" in labels
    ? labels.dataSync() as ArrayLike<number>
    : labels;
  const names: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const label = values[i];
    if (!Number.isInteger(label) || label < 0 || label >= TEXT_LABELS.length) {
      throw new RangeError(
        `getFashionMnistLabels: labels[${i}] is ${label}, expected a class index, an integer ` +
          `in 0..${TEXT_LABELS.length - 1}`,
      );
    }
    names.push(TEXT_LABELS[label]);
  }
  return names;
}

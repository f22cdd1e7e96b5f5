/**
 * The download path end to end, against a local server on 127.0.0.1 playing the mirror:
 * success, a 404, a truncated body, wrong bytes (checksum), a dropped connection, a stall, an
 * unreachable mirror. In every failing case nothing corrupt is left in the cache, and (with
 * the full data to serve) the next run recovers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  ENV_DIR,
  FASHION_MNIST_FILES,
  FILE_KEYS,
  readFashionMnistRaw,
} from "../data/fashion_mnist.ts";
import { type DownloadProgress, downloadVerified, TEMP_SUFFIX } from "../data/download.ts";
import { progressPrinter } from "../data/download_progress.ts";
import { encodeIdx } from "../data/idx.ts";
import {
  bytesResponse,
  droppedResponse,
  type FileServer,
  notFound,
  stalledResponse,
  startFileServer,
} from "./helpers/file_server.ts";
import { fullDataDir, ignoreWithoutFullData } from "./helpers/full_data.ts";

const NAMES = FILE_KEYS.map((k) => `${FASHION_MNIST_FILES[k].file}.gz`);
const FIRST = NAMES[0]; // the loader downloads in FILE_KEYS order: train-images first
const LAST = NAMES[3];

/** A well-formed training-images file of the right size whose pixels are all 0: wrong checksum. */
function zeroTrainImagesGz(): Uint8Array {
  return new Uint8Array(
    gzipSync(encodeIdx(new Uint8Array(60000 * 784), [60000, 28, 28]), { level: 1 }),
  );
}

/** The real files, by download name, read from the verified full data. */
async function realFiles(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of NAMES) {
    const gz = join(fullDataDir!, name);
    const raw = join(fullDataDir!, name.slice(0, -3));
    files.set(name, await Deno.readFile(gz).catch(() => Deno.readFile(raw)));
  }
  return files;
}

interface Sandbox {
  cacheDir: string;
  debianDir: string;
  tmp: string;
}

/** Runs `fn` with a fresh temporary cache, no Debian directory and FASHION_MNIST_DIR unset. */
async function inSandbox(fn: (box: Sandbox) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "d2l_download_" });
  const saved = Deno.env.get(ENV_DIR);
  Deno.env.delete(ENV_DIR);
  try {
    await fn({ cacheDir: join(tmp, "cache"), debianDir: join(tmp, "no-debian"), tmp });
  } finally {
    if (saved !== undefined) Deno.env.set(ENV_DIR, saved);
    await Deno.remove(tmp, { recursive: true });
  }
}

function load(box: Sandbox, server: FileServer, onProgress?: (p: DownloadProgress) => void) {
  return readFashionMnistRaw({
    cacheDir: box.cacheDir,
    debianDir: box.debianDir,
    baseUrl: server.baseUrl,
    onProgress,
  });
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

function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** The failing download's line of the loader's error, which lists every source. */
function downloadLine(error: Error, server: FileServer): string {
  assert.ok(error instanceof Deno.errors.NotFound, error.message);
  assert.ok(error.message.startsWith("Cannot find the Fashion-MNIST data. Looked in:"));
  assert.ok(error.message.includes("sudo apt-get install dataset-fashion-mnist"));
  const line = error.message.split("\n").find((l) => l.includes(`download from ${server.baseUrl}`));
  assert.ok(line, error.message);
  return line;
}

// ------------------------------------------------------------ failures (no full data needed)

Deno.test("download: a 404 is reported with the URL, and the cache stays empty", async () => {
  await inSandbox(async (box) => {
    await using server = startFileServer(() => notFound());
    const line = downloadLine(await rejection(load(box, server)), server);
    assert.ok(line.includes(`${server.baseUrl}${FIRST} failed: HTTP 404 Not Found`), line);
    assert.deepEqual(server.requests, [FIRST]);
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("download: a truncated body (a cut file, served whole) fails verification, nothing kept", async () => {
  await inSandbox(async (box) => {
    const gz = zeroTrainImagesGz();
    await using server = startFileServer(() => bytesResponse(gz.subarray(0, gz.length >> 1)));
    const line = downloadLine(await rejection(load(box, server)), server);
    assert.ok(line.includes(`Downloaded ${FIRST} from ${server.baseUrl}${FIRST} but it failed`));
    assert.ok(line.includes("broken gzip data"), line);
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("download: wrong bytes fail the checksum, naming the file and both hashes, nothing kept", async () => {
  await inSandbox(async (box) => {
    const gz = zeroTrainImagesGz();
    await using server = startFileServer(() => bytesResponse(gz));
    const line = downloadLine(await rejection(load(box, server)), server);
    assert.match(
      line,
      new RegExp(
        `${FIRST} from .*: SHA-256 of the decompressed data is [0-9a-f]{64}, expected ${FASHION_MNIST_FILES.trainImages.sha256}`,
      ),
    );
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("download: a connection dropped mid-transfer is reported with the bytes received, nothing kept", async () => {
  await inSandbox(async (box) => {
    const gz = zeroTrainImagesGz();
    await using server = startFileServer(() => droppedResponse(gz, 10_000));
    const line = downloadLine(await rejection(load(box, server)), server);
    assert.match(line, new RegExp(`${FIRST} was interrupted after \\d+ of ${gz.length} bytes`));
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("download: an unreachable mirror says so, and network access is one of the fixes", async () => {
  await inSandbox(async (box) => {
    const server = startFileServer(() => notFound());
    await server.close(); // nothing listens on that port any more
    const error = await rejection(load(box, server));
    const line = downloadLine(error, server);
    assert.ok(line.includes(`Cannot reach ${server.baseUrl}${FIRST}`), line);
    assert.ok(
      error.message.includes(
        `allow network access, so they can be downloaded from ${server.baseUrl}`,
      ),
    );
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("downloadVerified() gives up on a stalled transfer and removes its temporary file", async () => {
  await inSandbox(async (box) => {
    await Deno.mkdir(box.cacheDir);
    await using server = startFileServer(() => stalledResponse(new Uint8Array(1000), 100));
    const dest = join(box.cacheDir, "x.gz");
    const error = await rejection(
      downloadVerified(`${server.baseUrl}x.gz`, dest, { idleTimeoutMs: 300 }),
    );
    assert.match(error.message, /interrupted after 100 of 1000 bytes: no data arrived for 300 ms/);
    assert.deepEqual(listDir(box.cacheDir), []);
  });
});

Deno.test("download: temporary files left by a killed process are removed once stale, young ones kept", async () => {
  await inSandbox(async (box) => {
    await Deno.mkdir(box.cacheDir);
    const stale = `.${FIRST}.dead${TEMP_SUFFIX}`;
    const young = `.${FIRST}.live${TEMP_SUFFIX}`;
    await Deno.writeTextFile(join(box.cacheDir, stale), "partial");
    await Deno.utime(join(box.cacheDir, stale), 0, new Date(Date.now() - 2 * 3600_000));
    await Deno.writeTextFile(join(box.cacheDir, young), "in progress elsewhere");
    await using server = startFileServer(() => notFound());
    await rejection(load(box, server));
    assert.deepEqual(listDir(box.cacheDir), [young]);
  });
});

Deno.test("download: download: false makes no request and says downloads are not allowed", async () => {
  await inSandbox(async (box) => {
    await using server = startFileServer(() => notFound());
    const error = await rejection(readFashionMnistRaw({
      cacheDir: box.cacheDir,
      debianDir: box.debianDir,
      baseUrl: server.baseUrl,
      download: false,
    }));
    assert.ok(downloadLine(error, server).endsWith("not allowed (download: false)"));
    assert.deepEqual(server.requests, []);
  });
});

// ------------------------------------------------------------ success and recovery (full data)

Deno.test({
  name:
    "download: end to end from the local mirror, verified, with progress; the next call uses the cache",
  ignore: ignoreWithoutFullData,
  async fn() {
    const files = await realFiles();
    await inSandbox(async (box) => {
      await using server = startFileServer((name) => {
        const bytes = files.get(name);
        return bytes ? bytesResponse(bytes) : notFound();
      });
      const events: DownloadProgress[] = [];
      const printed: string[] = [];
      const printer = progressPrinter({ write: (s) => printed.push(s), isTerminal: false });
      const first = await load(box, server, (p) => {
        events.push(p);
        printer(p);
      });
      assert.deepEqual(first.source, { kind: "download", dir: box.cacheDir });
      assert.equal(first.train.count, 60000);
      assert.equal(first.test.count, 10000);
      assert.deepEqual(server.requests, NAMES);
      assert.deepEqual(listDir(box.cacheDir), [...NAMES].sort());
      for (const name of NAMES) {
        assert.deepEqual(await Deno.readFile(join(box.cacheDir, name)), files.get(name));
        const mine = events.filter((e) => e.file === name);
        const size = files.get(name)!.length;
        assert.deepEqual(mine[0], { file: name, received: 0, total: size, done: false });
        assert.deepEqual(mine.at(-1), { file: name, received: size, total: size, done: true });
        assert.equal(mine.filter((e) => e.done).length, 1);
        assert.ok(printed.some((l) => l.startsWith(`Downloading ${name} (`)), printed.join(""));
        assert.ok(printed.some((l) => l.startsWith(`Downloaded ${name}: `)), printed.join(""));
      }
      const second = await load(box, server);
      assert.deepEqual(second.source, { kind: "cache", dir: box.cacheDir });
      assert.equal(server.requests.length, NAMES.length, "no request once cached");
    });
  },
});

Deno.test({
  name:
    "download: after a 404, a truncated body, wrong bytes or a dropped connection, the next run recovers",
  ignore: ignoreWithoutFullData,
  async fn(t) {
    const files = await realFiles();
    const last = files.get(LAST)!;
    const failures: Record<string, () => Response> = {
      "a 404": () => notFound(),
      "a truncated body": () => bytesResponse(last.subarray(0, last.length - 100)),
      "wrong bytes": () =>
        bytesResponse(new Uint8Array(gzipSync(encodeIdx(new Uint8Array(10000), [10000])))),
      "a dropped connection": () => droppedResponse(last, last.length >> 1),
    };
    for (const [what, failure] of Object.entries(failures)) {
      await t.step(what, async () => {
        await inSandbox(async (box) => {
          // The mirror is fine except for the last file.
          {
            await using bad = startFileServer((name) =>
              name === LAST ? failure() : bytesResponse(files.get(name)!)
            );
            const error = await rejection(load(box, bad));
            assert.ok(downloadLine(error, bad).includes(LAST), error.message);
          }
          // Verified files are kept, nothing else: no partial file, no temporary file.
          assert.deepEqual(listDir(box.cacheDir), NAMES.slice(0, 3).sort());
          for (const name of NAMES.slice(0, 3)) {
            assert.deepEqual(await Deno.readFile(join(box.cacheDir, name)), files.get(name));
          }
          await using good = startFileServer((name) => bytesResponse(files.get(name)!));
          const { source, test } = await load(box, good);
          assert.deepEqual(source, { kind: "download", dir: box.cacheDir });
          assert.equal(test.count, 10000);
          assert.deepEqual(good.requests, [LAST], "only the missing file is fetched");
          assert.deepEqual(listDir(box.cacheDir), [...NAMES].sort());
        });
      });
    }
  },
});

Deno.test({
  name: "download: a corrupt file in the cache is removed and fetched again",
  ignore: ignoreWithoutFullData,
  async fn() {
    const files = await realFiles();
    await inSandbox(async (box) => {
      await Deno.mkdir(box.cacheDir);
      for (const name of NAMES) await Deno.writeFile(join(box.cacheDir, name), files.get(name)!);
      const corrupt = files.get(LAST)!.slice();
      corrupt[corrupt.length >> 1] ^= 0xff;
      await Deno.writeFile(join(box.cacheDir, LAST), corrupt);
      await using server = startFileServer((name) => bytesResponse(files.get(name)!));
      const { source } = await load(box, server);
      assert.deepEqual(source, { kind: "download", dir: box.cacheDir });
      assert.deepEqual(server.requests, [LAST]);
      assert.deepEqual(await Deno.readFile(join(box.cacheDir, LAST)), files.get(LAST));
    });
  },
});

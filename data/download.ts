/**
 * Downloading a file so that only verified bytes ever appear under its final name.
 *
 * {@linkcode downloadVerified} streams the response into a temporary file next to the
 * destination (`.NAME.<random>.tmp`), checks that the whole body arrived, runs the caller's
 * `verify` on what was written, and only then renames it into place: a rename within one
 * directory is atomic, so a reader sees either no file or a complete, verified one. On any
 * failure (HTTP error, dropped connection, stalled transfer, failed verification) the
 * temporary file is removed and the error says what happened after how many bytes. Two
 * processes downloading the same file at once each write their own temporary file; the last
 * rename wins and both results are valid.
 *
 * A process killed mid-download cannot clean up: {@linkcode removeStaleTemps} deletes such
 * leftovers once they are old enough that no live download can own them.
 *
 * @example Against a local server
 * ```ts
 * import { downloadVerified } from "./download.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
 *   new Response("hello"));
 * const dir = await Deno.makeTempDir();
 * await downloadVerified(`http://127.0.0.1:${server.addr.port}/x`, `${dir}/x.txt`, {
 *   verify(bytes) {
 *     if (new TextDecoder().decode(bytes) !== "hello") throw new Error("wrong bytes");
 *   },
 * });
 * if (await Deno.readTextFile(`${dir}/x.txt`) !== "hello") throw new Error("unexpected: await Deno.readTextFile(`${dir}/x.txt`) !== \"hello\"");
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { readWhole } from "../lib/read_whole.ts";

/** Progress of one download, reported after every chunk. */
export interface DownloadProgress {
  /** The file being downloaded, e.g. `"train-images-idx3-ubyte.gz"`. */
  file: string;
  /** Bytes received so far. */
  received: number;
  /** Bytes expected (the `Content-Length`), when the server sent one. */
  total?: number;
  /** `true` once, when the whole body has arrived (before verification). */
  done: boolean;
}

/** Options for {@linkcode downloadVerified}. */
export interface DownloadOptions {
  /** Checks the downloaded bytes; throw to reject them (nothing is kept). */
  verify?: (bytes: Uint8Array) => void | Promise<void>;
  /** Called with the progress after every chunk; see {@linkcode DownloadProgress}. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up when no byte arrives for this long, in milliseconds. Default 60 000. */
  idleTimeoutMs?: number;
  /** The name shown in progress reports. Default: the destination's base name. */
  label?: string;
}

/** Suffix of every temporary download file (git-ignored via `*.tmp`). */
export const TEMP_SUFFIX = ".tmp";

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Downloads `url` to `dest`, renaming a temporary file into place only after it verified.
 *
 * @returns the number of bytes written to `dest`.
 * @throws {Error} naming the URL and what failed: the HTTP status, an interrupted or stalled
 * transfer (with bytes received), or the `verify` error (kept as `cause`). `dest` is left as
 * it was and no temporary file remains.
 *
 * @example A 404 leaves nothing behind
 * ```ts
 * import { downloadVerified } from "./download.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
 *   new Response("no", { status: 404 }));
 * const dir = await Deno.makeTempDir();
 * let failed = false;
 * try {
 *   await downloadVerified(`http://127.0.0.1:${server.addr.port}/f`, `${dir}/f`);
 * } catch (error) {
 *   failed = (error as Error).message.includes("HTTP 404");
 * }
 * if (!failed || [...Deno.readDirSync(dir)].length !== 0) throw new Error("unexpected: !failed || [...Deno.readDirSync(dir)].length !== 0");
 * await server.shutdown();
 * await Deno.remove(dir);
 * ```
 */
export async function downloadVerified(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<number> {
  const { verify, onProgress, idleTimeoutMs = 60_000 } = options;
  const label = options.label ?? basename(dest);
  const tmp = await Deno.makeTempFile({
    dir: dirname(dest),
    prefix: `.${basename(dest)}.`,
    suffix: TEMP_SUFFIX,
  });
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armIdleTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`no data arrived for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  };
  let received = 0;
  let total: number | undefined;
  let renamed = false;
  try {
    armIdleTimer();
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (error) {
      throw new Error(`Cannot reach ${url}: ${message(controller.signal.reason ?? error)}`, {
        cause: error,
      });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(
        `Download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    const length = Number(response.headers.get("content-length") ?? NaN);
    total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    onProgress?.({ file: label, received, total, done: false });
    const out = await Deno.open(tmp, { write: true, truncate: true });
    try {
      for await (const chunk of response.body) {
        armIdleTimer();
        let written = 0;
        while (written < chunk.length) written += await out.write(chunk.subarray(written));
        received += chunk.length;
        onProgress?.({ file: label, received, total, done: false });
      }
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      throw new Error(
        `Download of ${url} was interrupted after ${received}${
          total === undefined ? "" : ` of ${total}`
        } bytes: ${message(reason)}`,
        { cause: reason },
      );
    } finally {
      out.close();
    }
    clearTimeout(timer);
    if (total !== undefined && received !== total) {
      throw new Error(
        `Download of ${url} is incomplete: received ${received} of ${total} bytes`,
      );
    }
    onProgress?.({ file: label, received, total, done: true });
    if (verify) {
      try {
        await verify(await readWhole(tmp));
      } catch (error) {
        throw new Error(
          `Downloaded ${label} from ${url} but it failed verification: ${message(error)}`,
          { cause: error },
        );
      }
    }
    await Deno.rename(tmp, dest);
    renamed = true;
    return received;
  } finally {
    clearTimeout(timer);
    if (!renamed) await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Removes temporary download files in `dir` older than `maxAgeMs` (default one hour), left by
 * a process that was killed mid-download. Younger ones may belong to a live download.
 *
 * @returns the names removed.
 *
 * @example
 * ```ts
 * import { removeStaleTemps } from "./download.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.a.gz.123.tmp`, "partial");
 * await Deno.utime(`${dir}/.a.gz.123.tmp`, 0, 0);
 * const removed = await removeStaleTemps(dir);
 * if (removed.join() !== ".a.gz.123.tmp") throw new Error(removed.join());
 * await Deno.remove(dir);
 * ```
 */
export async function removeStaleTemps(dir: string, maxAgeMs = 3_600_000): Promise<string[]> {
  const removed: string[] = [];
  const now = Date.now();
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.startsWith(".") || !entry.name.endsWith(TEMP_SUFFIX)) {
        continue;
      }
      const path = join(dir, entry.name);
      const info = await Deno.stat(path).catch(() => undefined);
      const mtime = info?.mtime?.getTime();
      if (mtime !== undefined && now - mtime > maxAgeMs) {
        await Deno.remove(path).catch(() => {});
        removed.push(entry.name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}

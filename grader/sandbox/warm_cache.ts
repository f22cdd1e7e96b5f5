/**
 * A warmed sandbox `DENO_DIR` kept between grading sessions on one machine.
 *
 * Each session starts the sandbox once with the kit's run halves alone, which compiles
 * TensorFlow.js and the kit's modules into a private `DENO_DIR` that every sandbox process then
 * gets a copy of ({@linkcode ./run.ts}). Compiling from nothing is most of a session's set-up;
 * so after a session warmed a directory from nothing, a copy of it is kept under a key that
 * names what it was compiled from, and the next session with the same key starts from a copy
 * of that (Gradescope's `setup.sh` and the container build grade the reference solutions with
 * the kit's cases alone once, so every submission's session finds it).
 *
 * What is kept was written by the warm-up alone, before any submission ran, of a session that
 * loaded no hidden tables (so nothing of a hidden case outlives its session on disk):
 * sandboxes only ever get copies, of the session's directory, never of this one, and nothing
 * is copied back.
 * Deno checks what it reads there against the source it compiles, so a copy that no longer
 * fits costs only compile time, never a wrong module; the key ({@linkcode warmCacheKey}: Deno,
 * the kit's code) keeps that rare. A directory is
 * published whole (copied beside, then renamed), so a session never sees half of one; the
 * three most recently used keys are kept. Any failure here (a read-only kit, a directory
 * removed while copied) leaves the session to warm up from nothing, as without this.
 *
 * @example Keep a warmed directory, then take a copy of it
 * ```ts
 * import { keepWarmCache, takeWarmCache } from "./warm_cache.ts";
 * const root = await Deno.makeTempDir();
 * const warmed = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${warmed}/dep_analysis_cache_v2`, "compiled");
 * const [k1, k2] = ["1", "2"].map((d) => d.repeat(64)); // keys are SHA-256 digests
 * if (await takeWarmCache(root, k1, `${root}-a`)) throw new Error("nothing is kept yet");
 * await keepWarmCache(root, k1, warmed);
 * if (!await takeWarmCache(root, k1, `${root}-b`)) throw new Error("k1 was kept");
 * const copied = await Deno.readTextFile(`${root}-b/dep_analysis_cache_v2`);
 * if (copied !== "compiled") throw new Error(`copied ${copied}`);
 * if (await takeWarmCache(root, k2, `${root}-c`)) throw new Error("k2 was never kept");
 * for (const dir of [root, warmed, `${root}-b`]) await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { gradingCodeDigest, sha256Hex } from "../kit_files.ts";
import { copyDir } from "./copy_dir.ts";

/** How many keys {@linkcode keepWarmCache} leaves in the root. */
const KEPT = 3;

/** How old a half-published directory must be to be someone else's leftover. */
const STALE_MS = 3_600_000;

/** Written last into a directory before it is published: a kept directory without it is not used. */
const COMPLETE = ".d2l-warm-complete";

/** A key's directory name: hex digits only. */
const KEY = /^[0-9a-f]{64}$/;

/** What a warmed `DENO_DIR` depends on, besides the kit's code. */
export interface WarmCacheInputs {
  /** The `deno` executable the sandbox runs. */
  denoPath: string;
  /** The kit's root. */
  kitRoot: string;
  /** The backend the sandbox computes on, if set. */
  backend?: string;
}

/**
 * The key of a warmed `DENO_DIR` for `inputs`: a SHA-256 over Deno's version and executable,
 * the kit's root and the backend, and the kit's grading code
 * ({@linkcode ../kit_files.ts gradingCodeDigest}), not whatever else the kit's folder holds (a
 * class's submissions and grades changed it on every batch, twenty-seventh review), nor the
 * exercises and hidden cases a session grades: a directory warmed for some of them is a good
 * start for the others (what it lacks is compiled when needed).
 *
 * @example
 * ```ts
 * import { warmCacheKey } from "./warm_cache.ts";
 * import { KIT_ROOT } from "../config.ts";
 * const inputs = { denoPath: Deno.execPath(), kitRoot: KIT_ROOT };
 * const key = await warmCacheKey(inputs);
 * if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a key: ${key}`);
 * if (await warmCacheKey({ ...inputs, backend: "cpu" }) === key) throw new Error("the backend counts");
 * ```
 */
export async function warmCacheKey(inputs: WarmCacheInputs): Promise<string> {
  return await sha256Hex(
    new TextEncoder().encode(JSON.stringify([
      Deno.version.deno,
      Deno.version.v8,
      inputs.denoPath,
      inputs.kitRoot,
      inputs.backend ?? "",
      await gradingCodeDigest(inputs.kitRoot),
    ])),
  );
}

/**
 * Copies the directory kept under `key` in `root` to `to`; `false` (and `to` removed) when
 * there is none or the copy fails.
 */
export async function takeWarmCache(root: string, key: string, to: string): Promise<boolean> {
  const from = join(root, key);
  try {
    // A real directory (not a link planted there), published whole.
    if (!KEY.test(key) || !(await Deno.lstat(from)).isDirectory) return false;
    if (!(await Deno.lstat(join(from, COMPLETE))).isFile) return false;
    await copyDir(from, to);
    await Deno.remove(join(to, COMPLETE));
    const now = new Date();
    await Deno.utime(from, now, now).catch(() => {});
    return true;
  } catch {
    await Deno.remove(to, { recursive: true }).catch(() => {});
    return false;
  }
}

/** Removes `path`, moved out of the way first so that no session copies half of it. */
async function discard(root: string, path: string): Promise<void> {
  const doomed = join(root, `.incoming-${crypto.randomUUID()}`);
  await Deno.rename(path, doomed);
  await Deno.remove(doomed, { recursive: true });
}

/**
 * Keeps a copy of the warmed directory `from` under `key` in `root` (created if missing),
 * unless one is there already, and removes all but the most recently used keys. Best effort:
 * a root that cannot be written is left as it is.
 */
export async function keepWarmCache(root: string, key: string, from: string): Promise<void> {
  if (!KEY.test(key)) return;
  const staging = join(root, `.incoming-${crypto.randomUUID()}`);
  try {
    await Deno.mkdir(root, { recursive: true });
    await copyDir(from, staging);
    await Deno.writeTextFile(join(staging, COMPLETE), "");
    // Fails when another session published the key first: theirs is as good, unless it is
    // not whole (no marker: a directory left by something else), which is replaced.
    const target = join(root, key);
    await Deno.rename(staging, target).catch(async () => {
      if (await Deno.lstat(join(target, COMPLETE)).then((s) => s.isFile, () => false)) return;
      await discard(root, target);
      await Deno.rename(staging, target);
    });
    const keys = [];
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory) continue;
      const path = join(root, entry.name);
      const used = (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime() ?? 0;
      if (KEY.test(entry.name)) keys.push({ name: entry.name, used });
      else if (entry.name.startsWith(".incoming-") && Date.now() - used > STALE_MS) {
        // Left by a session that was killed while it published.
        await Deno.remove(path, { recursive: true }).catch(() => {});
      }
    }
    keys.sort((a, b) => b.used - a.used);
    for (const old of keys.slice(KEPT)) {
      if (old.name === key) continue;
      await discard(root, join(root, old.name));
    }
  } catch {
    // A read-only kit (a container's), a full disk: the next session warms up from nothing.
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

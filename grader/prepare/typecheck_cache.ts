/**
 * A warmed `DENO_DIR` for the type check, kept between grading sessions on one machine.
 *
 * Every `deno check` of submissions gets its own throw-away `DENO_DIR`
 * ({@linkcode ./typecheck.ts}). Started empty, Deno compiles its TypeScript compiler and
 * analyses TensorFlow.js's declarations again each time; started from a copy of a directory
 * that one `deno check` of the kit's own reference solutions filled, it does not. That warm-up
 * checks trusted files only (never a submission's, whose check could leave entries a later
 * one reads), and is kept under the session's warm key ({@linkcode ../sandbox/warm_cache.ts})
 * in `typecheck/` of the grader's warm directory: Gradescope's `setup.sh` and the container
 * build make it once, and every later session takes a copy. Where that directory cannot be
 * written, no session warms one (it would cost more than it saves), and each check starts
 * empty, as before.
 *
 * @example No warm directory configured: the checks start empty
 * ```ts
 * import { typecheckCache } from "./typecheck_cache.ts";
 * import { defaultConfig } from "../config.ts";
 * const dir = await Deno.makeTempDir();
 * const cache = await typecheckCache(defaultConfig({ warmCacheDir: undefined }), undefined, dir);
 * if (cache.state !== "off" || cache.dir !== undefined) throw new Error(JSON.stringify(cache));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { join } from "node:path";
import type { GraderConfig } from "../config.ts";
import { offlineFlags, spawnLimited } from "../process.ts";
import { keepWarmCache, takeWarmCache } from "../sandbox/warm_cache.ts";

/** The type check's warm `DENO_DIR` of a session, and where it came from. */
export interface TypecheckCache {
  /**
   * The directory each `deno check` starts from a copy of (in the session's directory), or
   * `undefined`: each starts empty.
   */
  dir: string | undefined;
  /** `reused` (a kept one), `warmed` (made and kept by this session), or `off`. */
  state: "reused" | "warmed" | "off";
}

/** Whether `dir` (created if missing) takes a new file. */
async function writable(dir: string): Promise<boolean> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = join(dir, `.probe-${crypto.randomUUID()}`);
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * The session's type-check cache: a copy of the kept one for `key`, or one warmed now by
 * type-checking the kit's reference solutions and kept; `off` when `config.warmCacheDir` or
 * `key` is `undefined`, the directory cannot be written, or the warm-up fails. Never throws.
 */
export async function typecheckCache(
  config: GraderConfig,
  key: string | undefined,
  sessionDir: string,
): Promise<TypecheckCache> {
  const off: TypecheckCache = { dir: undefined, state: "off" };
  if (config.warmCacheDir === undefined || key === undefined) return off;
  const root = join(config.warmCacheDir, "typecheck");
  const dir = join(sessionDir, "typecheck_deno_dir");
  try {
    if (await takeWarmCache(root, key, dir)) return { dir, state: "reused" };
    if (!(await writable(root))) return off;
    const solutions = join(config.kitRoot, "solutions");
    const files = [];
    for await (const entry of Deno.readDir(solutions)) {
      if (entry.isFile && entry.name.endsWith(".ts")) files.push(join(solutions, entry.name));
    }
    if (files.length === 0) return off;
    await Deno.mkdir(dir, { recursive: true });
    const end = await spawnLimited(config.denoPath, [
      "check",
      "--quiet",
      ...offlineFlags(config),
      ...files.sort(),
    ], {
      memoryMb: config.toolMemoryMb,
      reservedMb: 1536,
      deadline: Date.now() + config.typecheckTimeoutMs,
      cwd: sessionDir,
      env: { DENO_DIR: dir },
      signal: config.signal,
    });
    if (end.code !== 0 || end.killedFor !== undefined) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      return off;
    }
    await keepWarmCache(root, key, dir);
    return { dir, state: "warmed" };
  } catch {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return off;
  }
}

/**
 * The kit's own files: what a copy of the kit holds, without what each machine makes for
 * itself (`.git/`, `node_modules/`, `out/`, the downloaded data in `data/cache/`, `*.tmp`, as
 * `.gitignore` says). The Gradescope package packs them; {@linkcode gradingCodeDigest}, which
 * a shard's kit digest and the kept sandbox `DENO_DIR`'s key use, hashes those that grade.
 *
 * @example
 * ```ts
 * import { kitFiles } from "./kit_files.ts";
 * import { KIT_ROOT } from "./config.ts";
 * const files = await kitFiles(KIT_ROOT);
 * if (!files.includes("grader/kit_files.ts") || files.some((f) => f.startsWith("node_modules/"))) {
 *   throw new Error(`unexpected listing: ${files.slice(0, 5)}`);
 * }
 * ```
 *
 * @module
 */
import { join, relative } from "node:path";

/** Paths (relative to the kit) that are each machine's own, not the kit's. */
const MACHINE_OWN = new Set([".git", "node_modules", "out", "data/cache"]);

/**
 * Every regular file under `root` (relative paths with `/`, sorted), without the machine's
 * own paths and `*.tmp` files.
 */
export async function kitFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    const rel = relative(root, path);
    if (MACHINE_OWN.has(rel) || entry.name.endsWith(".tmp")) continue;
    if (entry.isDirectory) out.push(...await kitFiles(root, path));
    else if (entry.isFile) out.push(rel);
  }
  return out.sort();
}

/** The kit's files whose contents decide a grade. */
const GRADING_PARTS = [
  "grader",
  "tests/cases",
  "lessons",
  "lib",
  "data",
  "mod.ts",
  "deno.json",
  "deno.lock",
  "tools/grade.ts",
];

/**
 * The hex SHA-256 of `data`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./kit_files.ts";
 * const empty = await sha256Hex(new Uint8Array());
 * if (!empty.startsWith("e3b0c442")) throw new Error(empty);
 * ```
 */
export async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * SHA-256 over the files' names and contents (relative to `root`), in order.
 *
 * @example
 * ```ts
 * import { digestFiles } from "./kit_files.ts";
 * import { KIT_ROOT } from "./config.ts";
 * if ((await digestFiles(KIT_ROOT, ["mod.ts"])).length !== 64) throw new Error("not a digest");
 * ```
 */
export async function digestFiles(root: string, files: string[]): Promise<string> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    const bytes = await Deno.readFile(join(root, file));
    parts.push(encoder.encode(`${file}\0${bytes.length}\0`), bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return await sha256Hex(all);
}

/**
 * The digest of the kit's grading code and data (`grader/`, `tests/cases/`, `lessons/`,
 * `lib/`, `data/` without its cache, `mod.ts`, `deno.json`, `deno.lock`, `tools/grade.ts`),
 * not of its path or of anything else its folder holds (a class's submissions and grades).
 *
 * @example
 * ```ts
 * import { gradingCodeDigest } from "./kit_files.ts";
 * import { KIT_ROOT } from "./config.ts";
 * if (!/^[0-9a-f]{64}$/.test(await gradingCodeDigest(KIT_ROOT))) throw new Error("not a digest");
 * ```
 */
export async function gradingCodeDigest(root: string): Promise<string> {
  const files: string[] = [];
  for (const part of GRADING_PARTS) {
    const path = join(root, part);
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile) files.push(part);
    else if (info?.isDirectory) files.push(...await kitFiles(root, path));
  }
  return await digestFiles(root, files);
}

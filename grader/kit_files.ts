/**
 * The kit's own files: what a copy of the kit holds, without what each machine makes for
 * itself (`.git/`, `node_modules/`, `out/`, the downloaded data in `data/cache/`, `*.tmp`, as
 * `.gitignore` says). The Gradescope package packs them; a shard's kit digest hashes them.
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

/**
 * Copying a directory tree (regular files and directories; links are not followed).
 *
 * The grader gives each sandbox its own `DENO_DIR` by copying a warmed-up template (a few
 * MiB, a few milliseconds), so that nothing one submission stores there is seen by another.
 *
 * @example
 * ```ts
 * import { copyDir } from "./copy_dir.ts";
 * const from = await Deno.makeTempDir();
 * await Deno.mkdir(`${from}/a/b`, { recursive: true });
 * await Deno.writeTextFile(`${from}/a/b/c.txt`, "c");
 * const to = `${await Deno.makeTempDir()}/copy`;
 * await copyDir(from, to);
 * if (await Deno.readTextFile(`${to}/a/b/c.txt`) !== "c") throw new Error("unexpected: await Deno.readTextFile(`${to}/a/b/c.txt`) !== \"c\"");
 * await Deno.remove(from, { recursive: true });
 * await Deno.remove(to, { recursive: true });
 * ```
 *
 * @module
 */
import { join } from "node:path";

/**
 * Copies the tree at `from` to `to` (created if missing). Symbolic links and special files
 * are skipped.
 *
 * @example An empty directory copies to an empty directory
 * ```ts
 * import { copyDir } from "./copy_dir.ts";
 * const from = await Deno.makeTempDir();
 * const to = `${from}-copy`;
 * await copyDir(from, to);
 * if ([...Deno.readDirSync(to)].length !== 0) throw new Error("unexpected: [...Deno.readDirSync(to)].length !== 0");
 * await Deno.remove(from);
 * await Deno.remove(to);
 * ```
 * @throws {Deno.errors.NotFound} when `from` does not exist.
 */
export async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyDir(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/**
 * Atomic file writes: the new content appears all at once or not at all.
 *
 * The text is written to a temporary file in the same directory, then renamed over the
 * target (a rename within one file system is atomic on POSIX). A reader never sees a half-written
 * results file, and re-grading replaces the old one in a single step.
 *
 * @example
 * ```ts
 * import { writeTextAtomic } from "./write_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeTextAtomic(`${dir}/results.json`, "{}");
 * await writeTextAtomic(`${dir}/results.json`, '{"score": 1}');
 * if (await Deno.readTextFile(`${dir}/results.json`) !== '{"score": 1}') throw new Error();
 * if ([...Deno.readDirSync(dir)].length !== 1) throw new Error("temporary file left behind");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Writes `text` to `path` atomically, creating the parent directory if needed.
 *
 * @example
 * ```ts
 * import { writeTextAtomic } from "./write_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeTextAtomic(`${dir}/a/b.txt`, "x");
 * if (await Deno.readTextFile(`${dir}/a/b.txt`) !== "x") throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {Deno.errors.PermissionDenied} and the like when the directory is not writable.
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

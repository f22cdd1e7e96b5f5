/**
 * Atomic file writes: the new content appears all at once or not at all.
 *
 * The data is written to a temporary file in the same directory, then renamed over the
 * target (a rename within one file system is atomic on POSIX). A reader (an image viewer
 * following the Animator's PNG, a course platform reading `results.json`) sees the old file or
 * the new one, never half of one; a failed write removes its temporary file, and a crash leaves
 * at worst a stray `.…tmp` beside the target.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./write_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/results.json`, "{}");
 * await writeFileAtomic(`${dir}/results.json`, '{"score": 1}');
 * if (await Deno.readTextFile(`${dir}/results.json`) !== '{"score": 1}') throw new Error("unexpected: await Deno.readTextFile(`${dir}/results.json`) !== '{\"score\": 1}'");
 * if ([...Deno.readDirSync(dir)].length !== 1) throw new Error("temporary file left behind");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` (bytes, or text as UTF-8) to `path` atomically, creating the parent directory
 * if needed.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./write_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a/b.bin`, new Uint8Array([1, 2]));
 * if ((await Deno.readFile(`${dir}/a/b.bin`)).length !== 2) throw new Error("unexpected: (await Deno.readFile(`${dir}/a/b.bin`)).length !== 2");
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {Deno.errors.PermissionDenied} and the like when the directory is not writable.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

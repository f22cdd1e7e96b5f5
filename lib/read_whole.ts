/**
 * Reading a whole file into one buffer sized from the file's `stat`.
 *
 * `Deno.readFile` grows a buffer while it reads and then copies it into the array it returns,
 * so it touches a few times the file's size of fresh memory; on a machine where a fresh page is
 * slow to fault in (a small VM), that costs more than the reading. This touches the file's size
 * once. A file that grows while it is read is read on to its end, as `Deno.readFile` would.
 *
 * @example
 * ```ts
 * import { readWhole } from "./read_whole.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
 * const bytes = await readWhole(path);
 * await Deno.remove(path);
 * if (bytes.join() !== "1,2,3") throw new Error(`readWhole read ${bytes.join()}, expected 1,2,3`);
 * ```
 *
 * @module
 */

/**
 * The bytes of the file at `path`, read into one buffer of the size `stat` gives.
 *
 * @example A file that does not exist throws `NotFound`
 * ```ts
 * import { readWhole } from "./read_whole.ts";
 * const error = await readWhole("/no/such/file").catch((e) => e);
 * if (!(error instanceof Deno.errors.NotFound)) throw new Error(`expected NotFound, got ${error}`);
 * ```
 * @throws {Deno.errors.NotFound} and the other errors of `Deno.open`, for a missing or
 * unreadable file.
 */
export async function readWhole(path: string | URL): Promise<Uint8Array> {
  using file = await Deno.open(path);
  let bytes = new Uint8Array((await file.stat()).size);
  let length = 0;
  for (;;) {
    if (length === bytes.length) {
      // Full: the file may have grown since `stat` (rare), so read on into a larger buffer.
      const more = new Uint8Array(Math.max(64 * 1024, bytes.length));
      const n = await file.read(more);
      if (n === null) return bytes;
      const grown = new Uint8Array(bytes.length * 2 + n);
      grown.set(bytes);
      grown.set(more.subarray(0, n), length);
      bytes = grown;
      length += n;
      continue;
    }
    const n = await file.read(bytes.subarray(length));
    if (n === null) return bytes.subarray(0, length); // it shrank since `stat`
    length += n;
  }
}

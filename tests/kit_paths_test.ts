/**
 * The kit runs from a folder whose path has a space or a letter like ë: its code turns file URLs
 * into paths with `fileURLToPath`, never with `URL.pathname`, which keeps them percent-encoded
 * (`/tmp/my%20kit/`). Found by the seventh fairness review: the grader could not start from
 * such a folder (its sandbox was given a read permission for a path that does not exist).
 */
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { assertEquals } from "./helpers/assert.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** What the kit runs: its code, not the submissions the grader's tests hand it. */
const SKIP = ["node_modules", "out", "data/cache", "tests/fixtures", ".git"];

async function* kitModules(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (SKIP.includes(relative(ROOT, path))) continue;
    if (entry.isDirectory) yield* kitModules(path);
    else if (entry.isFile && /\.(ts|js)$/.test(entry.name)) yield path;
  }
}

Deno.test("no kit module makes a path of a file URL with .pathname", async () => {
  const found: string[] = [];
  for await (const path of kitModules(ROOT)) {
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines.forEach((line, i) => {
      if (/(import\.meta\.url|\bROOT\b)[^;]*\)\.pathname\b/.test(line)) {
        found.push(`${relative(ROOT, path)}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assertEquals(found, [], "use fileURLToPath(url) from node:url instead");
});

/**
 * Makes relative paths on a `deno task` command line mean what the user typed.
 *
 * `deno task` runs every command from the directory holding `deno.json`, and records the
 * directory the user typed it in as `INIT_CWD`. Without this, `cd solutions && deno task check
 * --dir .` would check the kit root, and `deno task grade alice` from a class folder would look
 * for `alice` inside the kit. The kit itself finds its own files from `import.meta.url`, so
 * moving the working directory only changes how the user's paths resolve.
 *
 * @example
 * ```ts
 * import { chdirToCaller } from "./caller_cwd.ts";
 * const before = Deno.cwd();
 * chdirToCaller({ INIT_CWD: "/" });
 * if (Deno.cwd() !== "/") throw new Error("unexpected: Deno.cwd() !== \"/\"");
 * Deno.chdir(before);
 * ```
 *
 * @module
 */

/**
 * Changes the working directory to `INIT_CWD` when `deno task` set it (a command run with
 * `deno run` keeps its directory).
 *
 * @param env where to read `INIT_CWD` (default: the process environment).
 * @throws {Deno.errors.NotFound} when `INIT_CWD` names a directory that no longer exists.
 */
export function chdirToCaller(
  env: Record<string, string | undefined> = { INIT_CWD: Deno.env.get("INIT_CWD") },
): void {
  const dir = env.INIT_CWD;
  if (dir !== undefined && dir !== "") Deno.chdir(dir);
}

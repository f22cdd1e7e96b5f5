/**
 * Whether Jupyter and Deno's kernel can run here, for the tests that execute notebooks: pass
 * `ignore: jupyterProblem !== undefined` to `Deno.test`. They need Debian's
 * `jupyter-nbconvert`, `python3-nbclient` and `jupyter-client` (which provides
 * `jupyter kernelspec`) and the kernel (`deno jupyter --install`). Without them the tests are
 * ignored, unless `D2L_REQUIRE_JUPYTER=1` (CI sets it): then importing this module throws, so
 * the test file fails instead of skipping.
 *
 * @example
 * ```ts
 * import { jupyterProblem } from "./jupyter.ts";
 * if (jupyterProblem !== undefined && !/jupyter|kernel/.test(jupyterProblem)) {
 *   throw new Error(`the reason should name what is missing: ${jupyterProblem}`);
 * }
 * ```
 *
 * @module
 */

/** The environment variable that makes Jupyter required (`1`). */
export const REQUIRE_ENV = "D2L_REQUIRE_JUPYTER";

async function missing(): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return "`jupyter kernelspec list` failed";
    const specs = JSON.parse(new TextDecoder().decode(stdout)).kernelspecs ?? {};
    return "deno" in specs ? undefined : "no `deno` kernel: run `deno jupyter --install`";
  } catch {
    return "no `jupyter` command: apt-get install jupyter-nbconvert python3-nbclient jupyter-client";
  }
}

/** Why notebooks cannot run here, or `undefined` when they can. */
export const jupyterProblem: string | undefined = await missing();

if (jupyterProblem !== undefined && Deno.env.get(REQUIRE_ENV) === "1") {
  throw new Error(`${REQUIRE_ENV}=1, but notebooks cannot run here: ${jupyterProblem}`);
}

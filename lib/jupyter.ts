/**
 * Showing results inline when the code runs in Deno's Jupyter kernel (`deno jupyter`), as the
 * book's figures appear in its notebooks. Outside a kernel nothing is shown and nothing fails.
 *
 * @example Outside a kernel there is no display
 * ```ts
 * import { jupyterDisplay } from "./jupyter.ts";
 * if (jupyterDisplay() !== undefined) throw new Error("not in a kernel");
 * ```
 *
 * @module
 */

/**
 * Jupyter's display function, as Deno's kernel provides it (`Deno.jupyter.display`): with
 * `raw`, `obj` is a MIME bundle such as `{ "image/png": base64, "text/plain": "…" }`; a
 * `display_id` with `update` replaces an earlier display instead of adding one.
 */
export type JupyterDisplay = (
  obj: unknown,
  options?: { raw?: boolean; update?: boolean; display_id?: string },
) => Promise<void>;

/** `Deno.jupyter.display` when running in Deno's Jupyter kernel, otherwise `undefined`. */
export function jupyterDisplay(): JupyterDisplay | undefined {
  try {
    const jupyter = (Deno as unknown as { jupyter?: { display?: unknown } }).jupyter;
    return typeof jupyter?.display === "function"
      ? (jupyter.display.bind(jupyter) as JupyterDisplay)
      : undefined;
  } catch {
    return undefined; // Outside a kernel, touching Deno.jupyter may throw.
  }
}

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

/** What tfjs tensors have that a notebook needs to print them: `toString()`, `isDisposed`. */
interface Printable {
  prototype: { toString(): string; readonly isDisposed: boolean };
}

/**
 * In Deno's Jupyter kernel, makes tensors print as their values (tfjs's `toString()`, as the
 * book's notebooks print PyTorch tensors) instead of tfjs's bookkeeping fields, also inside
 * arrays and objects; a disposed tensor prints as such. Outside a kernel it does nothing and
 * returns `false`. `lib/tf.ts` calls it on import.
 *
 * @example Outside a kernel tensors print as before
 * ```ts
 * import * as tf from "./tf.ts";
 * import { printTensorsAsValues } from "./jupyter.ts";
 * if (printTensorsAsValues(tf.Tensor)) throw new Error("expected no change outside a kernel");
 * ```
 */
export function printTensorsAsValues(tensorClass: Printable): boolean {
  if (jupyterDisplay() === undefined) return false;
  Object.defineProperty(tensorClass.prototype, Symbol.for("Deno.customInspect"), {
    value(this: Printable["prototype"]) {
      return this.isDisposed ? "Tensor (disposed)" : this.toString();
    },
    configurable: true,
  });
  return true;
}

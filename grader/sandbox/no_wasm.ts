/**
 * Refuses WebAssembly compilation to the code that runs after it, in the grader's sandbox
 * Workers and in `deno task check` alike (so that the check reports what the grader gives). A
 * fresh instance of tfjs's own wasm binary runs its kernels below the shortcut guard (found by
 * the twelfth review), and no exercise needs WebAssembly: the kit compiles its own modules while
 * it loads, or with constructors it took then (`lib/wasm_matmul.ts`). The prototypes'
 * `constructor` too, which any module or instance made earlier would hand out.
 *
 * What it cannot refuse: a `data:application/wasm` module loaded by a computed `import()`,
 * which Deno compiles itself, outside JavaScript's reach. The grader makes tfjs's binaries
 * unreadable once tfjs has loaded and keeps the kit's fused engine out of every exercise's
 * import policy; bytes a submission ships itself are its own code, or a copy (see the README).
 *
 * @example
 * ```ts
 * import { refuseWasmCompilation } from "./no_wasm.ts";
 * // (in a process of its own: the refusal stays for the process's life)
 * refuseWasmCompilation();
 * const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
 * let message = "";
 * try {
 *   new WebAssembly.Module(empty);
 * } catch (error) {
 *   message = String(error);
 * }
 * if (!message.includes("WebAssembly.Module() is not allowed while grading")) {
 *   throw new Error(`new WebAssembly.Module was not refused: ${message}`);
 * }
 * if (!WebAssembly.validate(empty)) throw new Error("validate, which compiles nothing, was refused");
 * ```
 *
 * @module
 */
import { refuse } from "./refuse.ts";

const WHY = " (no exercise needs WebAssembly)";

/** Refuses `new WebAssembly.Module`, `new WebAssembly.Instance` and the compiling functions. */
export function refuseWasmCompilation(): void {
  const wasm = WebAssembly as unknown as Record<string, { prototype?: object }>;
  for (const key of ["Module", "Instance"]) {
    const prototype = wasm[key].prototype;
    if (prototype !== undefined) refuse(prototype, "constructor", `new WebAssembly.${key}()`, WHY);
  }
  const compilers = [
    "Module",
    "Instance",
    "compile",
    "compileStreaming",
    "instantiate",
    "instantiateStreaming",
  ];
  for (const key of compilers) refuse(wasm, key, `WebAssembly.${key}()`, WHY);
}

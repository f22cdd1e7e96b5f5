/**
 * A machine kept busy, for the tests of time limits: CPU-bound processes beside the code under
 * test, so that CPU time and time on the clock part.
 *
 * @example
 * ```ts
 * import { busyMachine, slowSumKeepdim } from "./busy_machine.ts";
 * const stop = busyMachine(1);
 * await stop();
 * if (!slowSumKeepdim("export function sumKeepdim(", 2).includes("calls++ < 2")) {
 *   throw new Error("the slow calls are not counted");
 * }
 * ```
 *
 * @module
 */

/**
 * Starts `n` processes that compute without end; the function returned stops them (call it in
 * a `finally`).
 */
export function busyMachine(n: number): () => Promise<void> {
  const hogs = Array.from({ length: n }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", "while (true) { Math.sqrt(Math.random()); }"],
      stdout: "null",
      stderr: "null",
    }).spawn());
  return async () => {
    for (const hog of hogs) {
      hog.kill("SIGKILL");
      await hog.status;
    }
  };
}

/**
 * `solution` (the text of `solutions/sum_keepdim.ts`) with `sumKeepdim` computing for about a
 * second of CPU time before each of its first `slowCalls` calls.
 */
export function slowSumKeepdim(solution: string, slowCalls: number): string {
  return solution.replace("export function sumKeepdim(", "function solved(") + `
let calls = 0;
/** The solution, after about a second of arithmetic in each of its first ${slowCalls} calls. */
export function sumKeepdim(X: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  const n = calls++ < ${slowCalls} ? 2.5e8 : 0;
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i) % 7;
  return x < 0 ? X : solved(X, axis);
}
`;
}

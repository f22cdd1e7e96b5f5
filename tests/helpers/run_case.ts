/**
 * Runs one case of a table on an implementation the way the grader does: the case's run, a
 * structured copy of its output (what crosses from the sandbox to the judge), then its check.
 *
 * @example The reference solution passes a case of its exercise
 * ```ts
 * import { exercises } from "../cases/mod.ts";
 * import { runCase } from "./run_case.ts";
 * const ex = exercises.find((e) => e.id === "sum_keepdim")!;
 * await runCase(ex, ex.cases[0], await import("../../solutions/sum_keepdim.ts"));
 * ```
 *
 * @module
 */
import type { Case, Exercise } from "../cases/case.ts";

/** Runs case `c` of `ex` on `impl`; resolves to what the check returns, throws its failure. */
export async function runCase(ex: Exercise, c: Case, impl: unknown): Promise<unknown> {
  return await c.check(structuredClone(await ex.runs[c.run](impl)));
}

/**
 * No implementation can change another case's inputs: a learner's function that writes into
 * what it was given (the caller's model, a cost matrix, a batch's arrays) or disposes a tensor
 * it was handed changes nothing that a later case reads, in the learner's check (one process:
 * the runs and the checks' references read the same constants) or in the grader's sandbox (one
 * Worker runs a file's cases one after the other).
 *
 * For each exercise, the reference solution's outputs are taken for every case; then every
 * case runs once on a vandal, the reference wrapped so that after each call it overwrites every
 * number it can reach in its arguments and disposes every tensor in them; then the reference's
 * outputs must be what they were. (Helper-52 found two: a `log_zero` step that also wrote the
 * new weights into the caller's model, and a `bayes_decision` that added the reject decision to
 * the cost matrix it was given: each spoilt the shared input, and the check then failed a later
 * case the grader passed.) Cases that need the full Fashion-MNIST are left out: they read the
 * data as the subset's cases do.
 *
 * @module
 */
import * as tf from "../lib/tf.ts";
import { exercises } from "./cases/mod.ts";
import { assertEquals } from "./helpers/assert.ts";

/** Overwrites every number reachable from `value` and disposes every tensor in it. */
function vandalize(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    value.dispose();
    return;
  }
  if (ArrayBuffer.isView(value)) {
    if ("fill" in value && typeof value.fill === "function") value.fill(7);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    try {
      if (typeof record[key] === "number") record[key] = 1e6 + Number(key.length);
      else vandalize(record[key], seen);
    } catch {
      // A frozen or read-only value: what cannot be written cannot be spoilt.
    }
  }
}

/** `impl` with each export wrapped: the real result, then its arguments spoilt. */
function vandal(impl: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const wrapped: Record<string, unknown> = { ...impl };
  for (const name of names) {
    const real = impl[name];
    if (typeof real !== "function") continue;
    wrapped[name] = function (this: unknown, ...args: unknown[]) {
      const out = new.target ? Reflect.construct(real, args) : Reflect.apply(real, this, args);
      vandalize(args);
      return out;
    };
  }
  return wrapped;
}

/** A comparable form of a case's output. */
function text(output: unknown): string {
  return JSON.stringify(output, (_key, v) => typeof v === "number" ? String(v) : v);
}

for (const ex of exercises) {
  Deno.test(`${ex.id}: a function that spoils its arguments changes no later case's inputs`, async () => {
    const impl = await import(`../solutions/${ex.file}`) as Record<string, unknown>;
    const cases = ex.cases.filter((c) => !c.needs?.includes("fashion-mnist"));
    const outputs = async (on: Record<string, unknown>) => {
      const all: string[] = [];
      for (const c of cases) {
        try {
          all.push(text(await ex.runs[c.run](on)));
        } catch (error) {
          all.push(`threw ${error}`);
        }
      }
      return all;
    };
    const before = await outputs(impl);
    const spoiler = vandal(impl, ex.exports);
    for (const c of cases) {
      try {
        await ex.runs[c.run](spoiler);
      } catch {
        // Its own case fails; what matters is the next ones.
      }
    }
    const after = await outputs(impl);
    const changed = cases.filter((_, i) => after[i] !== before[i]).map((c) => c.run);
    assertEquals(changed, [], "these runs' outputs changed after a vandal ran");
  });
}

/**
 * The judge: a process that runs the tables' `check`s on outputs the sandbox sent back, and
 * nothing else. It loads only trusted code (the tables, the hidden tables, the kit's lessons
 * they import); the data it judges is plain data the grader has size-checked, decoded and
 * validated here again.
 *
 * Once loaded it computes the tables' expensive references (`Exercise.references`) while it
 * waits for the first output.
 *
 * It is a process of its own so that a check that breaks (tfjs's wasm module aborting on a
 * huge product, the heap running out) breaks only this process: the grader starts a new judge
 * and no other submission's verdicts are touched (see {@linkcode ./judge.ts}).
 *
 * Protocol (one JSON object per line; replies on stdout prefixed with `\u0001`, so a line a
 * check prints is never taken for one):
 * - `{ id, key, output }` → `{ id, ok: true }` or `{ id, ok: false, message, hint?, broken? }`,
 *   where `hint` replaces the case's own (`failureHint`) and `broken` says the check itself
 *   failed (an error other than an assertion): the judge may no longer be sound, and the
 *   grader replaces it.
 * - `{ id, canary: true }` → `{ id, ok }`: whether tfjs still computes `1 + 2` without leaking.
 *
 * Usage (by the grader only): `deno run … grader/score/judge_main.ts SETUP_JSON`, where the
 * setup names the tables module and the hidden modules.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { decodePlain, validatePlain } from "../sandbox/plain.ts";
import { Lines } from "../process.ts";
import { truncate } from "../report/escape.ts";
import { asExercises, type HiddenTable, hiddenTableFrom, tableEntries } from "../manifest.ts";
import { type Case, failureHint } from "../../tests/cases/case.ts";

/** What the judge loads. */
export interface JudgeSetup {
  /** URL of the tables module (exporting `exercises`). */
  tables: string;
  /** URLs of the hidden-case modules, in the grader's order. */
  hidden: string[];
  /** Only these exercises are graded: the others' references are not computed. Default: all. */
  exercises?: string[];
}

async function loadChecks(
  setup: JudgeSetup,
): Promise<{ checks: Map<string, Case>; references: (() => Promise<unknown>)[] }> {
  const kit = asExercises((await import(setup.tables)).exercises, setup.tables);
  const hidden: HiddenTable[] = [];
  for (const url of setup.hidden) hidden.push(hiddenTableFrom(await import(url), url, kit));
  const exercises = [...kit, ...hidden.flatMap((t) => t.exercises)]
    .filter((e) => setup.exercises?.includes(e.id) ?? true);
  return {
    checks: new Map(tableEntries(kit, hidden).map((e) => [e.key, e.case])),
    references: exercises.flatMap((e) => e.references ?? []),
  };
}

/** Longest message a reply carries, in characters. */
const MESSAGE_LIMIT = 8000;

function isAssertion(error: unknown): boolean {
  return error instanceof Error && error.name === "AssertionError";
}

async function judge(c: Case, encoded: string): Promise<Record<string, unknown>> {
  let output;
  try {
    output = validatePlain(decodePlain(encoded));
  } catch (error) {
    return { ok: false, message: truncate((error as Error).message, MESSAGE_LIMIT) };
  }
  tf.engine().startScope();
  try {
    const value = await c.check(output);
    return typeof value === "number" && Number.isFinite(value) ? { ok: true, value } : { ok: true };
  } catch (error) {
    // A check may quote the output in its message: keep the reply small whatever the output.
    const text = error instanceof Error ? error.message : String(error);
    const message = truncate(text, MESSAGE_LIMIT);
    if (!isAssertion(error)) return { ok: false, message, broken: true };
    const hint = failureHint(error);
    return hint === undefined
      ? { ok: false, message }
      : { ok: false, message, hint: truncate(hint, MESSAGE_LIMIT) };
  } finally {
    tf.engine().endScope();
  }
}

function canary(): boolean {
  try {
    const before = tf.memory().numTensors;
    const three = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    return three === 3 && tf.memory().numTensors === before;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const setup = JSON.parse(Deno.args[0]) as JudgeSetup;
  const { checks, references } = await loadChecks(setup);
  const encoder = new TextEncoder();
  const reply = (data: Record<string, unknown>) =>
    Deno.stdout.writeSync(encoder.encode(`\u0001${JSON.stringify(data)}\n`));
  reply({ ready: true });
  // The checks' expensive references, computed while the sandbox runs the first submission.
  // A reference that fails here fails again, with its message, in the check that needs it.
  void (async () => {
    for (const reference of references) await reference().catch(() => {});
  })();
  const lines = new Lines();
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    for (const line of lines.push(chunk)) {
      if (line.trim() === "") continue;
      const request = JSON.parse(line) as { id: number; key?: string; output?: string };
      if ((request as { canary?: boolean }).canary) {
        reply({ id: request.id, ok: canary() });
        continue;
      }
      const c = checks.get(String(request.key));
      reply({
        id: request.id,
        ...(c === undefined
          ? { ok: false, message: `no case ${request.key}`, broken: true }
          : await judge(c, String(request.output))),
      });
    }
  }
}

if (import.meta.main) await main();

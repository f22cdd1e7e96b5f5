/**
 * The type check: `deno check` with the kit's configuration, one program per submission, or
 * one program shared by many.
 *
 * A submission that does not type-check is not gradable (PrairieLearn's `gradable: false`):
 * score 0 and the compiler's messages. The check uses the kit's `deno.json` (strict compiler
 * options), its lockfile and the grader's import map, never the submission's configuration,
 * with `--cached-only` and `--no-remote`.
 *
 * **Cost.** Starting the TypeScript compiler and reading Deno's and tfjs's declarations costs a
 * few seconds per `deno check`, far more than a submission's own files. Checking many
 * submissions as roots of one program costs little more than checking one, so the batch mode
 * groups them. That is only exact when no submission can change what another's code means to
 * the compiler: Deno treats every file as a module (a file without imports does not leak its
 * declarations), but `declare global`, `declare module`, `/// <reference …>`, `.d.ts` files
 * and `@deno-types`-style pragmas can. A submission containing any of those words, or a
 * `.d.ts`, is checked on its own. And when a shared check fails, every submission its
 * diagnostics name (or all of them, when a diagnostic names none) is checked again on its
 * own, and that result is the one that counts. So a submission's verdict never depends on
 * the others. (The words are matched in comments too: a false match only costs a separate
 * check, never a wrong verdict.)
 *
 * @example
 * ```ts
 * import { canShareProgram } from "./typecheck.ts";
 * if (!canShareProgram(["export const a = 1;"], ["a.ts"])) throw new Error();
 * if (canShareProgram(["declare global { var x: number }"], ["a.ts"])) throw new Error();
 * if (canShareProgram(["export {};"], ["types.d.ts"])) throw new Error();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { dirUrl } from "./import_map.ts";

/** One submission to type-check. */
export interface TypecheckTarget {
  /** The stage root (`<root>/exercises/` holds the files). */
  root: string;
  /** Files to check (graded, not blocked), relative to `<root>/exercises/`. */
  files: string[];
  /** Whether the submission may share a program (see {@linkcode canShareProgram}). */
  shareable: boolean;
}

/** The verdict for one submission. */
export interface TypecheckVerdict {
  /** Whether it type-checks. */
  ok: boolean;
  /** The compiler's messages, with paths relative to the submission (empty when ok). */
  message: string;
}

/** Options for {@linkcode typecheckAll}. */
export interface TypecheckOptions {
  /** The `deno` executable. */
  denoPath: string;
  /** The kit's `deno.json`. */
  configFile: string;
  /** The kit's `deno.lock`. */
  lockFile: string;
  /**
   * Writes an import map covering the given stage roots and returns its path (see
   * {@linkcode ./import_map.ts sandboxImportMap}).
   */
  importMapFor(roots: string[]): Promise<string>;
  /** Most submissions per shared program. Default 50. */
  chunkSize?: number;
  /** Most `deno check` processes at once. Default 1. */
  jobs?: number;
  /** Extra roots checked with every program (e.g. the kit's `mod.ts`), as paths. */
  extraRoots?: string[];
  /**
   * Time limit of one `deno check`, in ms (default 180 000): pathological types can keep the
   * compiler busy for ever. A shared program that runs out of time is checked again one
   * submission at a time; a single submission that does is not gradable.
   */
  timeoutMs?: number;
}

/**
 * What can change declarations outside its own file: the `declare` keyword (`declare global`,
 * `declare module`), a triple-slash `<reference>` directive, and type-source pragmas. Matched
 * anywhere, comments included, so a match only ever costs a separate check.
 */
const GLOBAL_PATTERNS = [
  /\bdeclare\b/,
  /\/\/\/\s*<reference\b/,
  /@deno-types\b/,
  /@ts-types\b/,
  /@ts-self-types\b/,
  /@jsx/,
];

/**
 * Whether a submission (its files' texts and names) can share a type-check program: no file
 * is a `.d.ts` and none contains a word that can change global declarations.
 *
 * @example
 * ```ts
 * import { canShareProgram } from "./typecheck.ts";
 * if (canShareProgram(['/// <reference lib="dom" />\nexport {};'], ["a.ts"])) throw new Error();
 * ```
 */
export function canShareProgram(texts: string[], names: string[]): boolean {
  if (names.some((n) => n.endsWith(".d.ts") || n.endsWith(".d.mts"))) return false;
  return !texts.some((text) => GLOBAL_PATTERNS.some((pattern) => pattern.test(text)));
}

function clean(text: string, roots: string[]): string {
  let out = text.replace(/\n?Stack backtrace:[\s\S]*$/, "").trim();
  for (const root of roots) {
    out = out.replaceAll(dirUrl(root), "").replaceAll(`${root}/`, "");
  }
  return out.length > 6000 ? `${out.slice(0, 6000)}\n…` : out;
}

async function denoCheck(
  targets: TypecheckTarget[],
  options: TypecheckOptions,
): Promise<{ ok: boolean; output: string }> {
  const roots = targets.map((t) => t.root);
  const importMap = await options.importMapFor(roots);
  const files = targets.flatMap((t) => t.files.map((f) => join(t.root, "exercises", f)));
  const timeoutMs = options.timeoutMs ?? 180_000;
  const output = await new Deno.Command(options.denoPath, {
    signal: AbortSignal.timeout(timeoutMs),
    args: [
      "check",
      "--quiet",
      "--cached-only",
      "--no-remote",
      "--config",
      options.configFile,
      "--import-map",
      importMap,
      "--lock",
      options.lockFile,
      "--frozen",
      ...(options.extraRoots ?? []),
      ...files,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (output.signal === "SIGTERM" || output.signal === "SIGKILL") {
    return {
      ok: false,
      output: `The type check did not finish within ${Math.round(timeoutMs / 1000)} s ` +
        "(types too complex for the compiler?).",
    };
  }
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  return { ok: output.success, output: text };
}

async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}

/**
 * Type-checks every target and returns a verdict per target (same order).
 *
 * @example Nothing to check is fine
 * ```ts
 * import { typecheckAll } from "./typecheck.ts";
 * const [verdict] = await typecheckAll([{ root: "/x", files: [], shareable: true }], {
 *   denoPath: Deno.execPath(), configFile: "", lockFile: "", importMapFor: () => Promise.resolve(""),
 * });
 * if (!verdict.ok) throw new Error();
 * ```
 */
export async function typecheckAll(
  targets: TypecheckTarget[],
  options: TypecheckOptions,
): Promise<TypecheckVerdict[]> {
  const verdicts: (TypecheckVerdict | undefined)[] = targets.map((t) =>
    t.files.length === 0 ? { ok: true, message: "" } : undefined
  );
  const alone = async (i: number) => {
    const result = await denoCheck([targets[i]], options);
    verdicts[i] = {
      ok: result.ok,
      message: result.ok ? "" : clean(result.output, [targets[i].root]),
    };
  };
  const shared = targets.map((_, i) => i).filter((i) => !verdicts[i] && targets[i].shareable);
  const single = targets.map((_, i) => i).filter((i) => !verdicts[i] && !targets[i].shareable);
  const chunkSize = options.chunkSize ?? 50;
  const chunks: number[][] = [];
  for (let i = 0; i < shared.length; i += chunkSize) chunks.push(shared.slice(i, i + chunkSize));
  const tasks: (() => Promise<void>)[] = single.map((i) => () => alone(i));
  for (const chunk of chunks) {
    tasks.push(async () => {
      if (chunk.length === 1) return await alone(chunk[0]);
      const result = await denoCheck(chunk.map((i) => targets[i]), options);
      if (result.ok) {
        for (const i of chunk) verdicts[i] = { ok: true, message: "" };
        return;
      }
      const named = chunk.filter((i) => result.output.includes(dirUrl(targets[i].root)));
      const again = named.length > 0 && diagnosticsAllNamed(result.output, chunk, targets)
        ? named
        : chunk;
      for (const i of chunk) if (!again.includes(i)) verdicts[i] = { ok: true, message: "" };
      for (const i of again) await alone(i);
    });
  }
  await pool(tasks, options.jobs ?? 1);
  return verdicts.map((v) => v ?? { ok: false, message: "not checked" });
}

/** Whether every `at file://…` location in `output` lies in one of the chunk's stages. */
function diagnosticsAllNamed(output: string, chunk: number[], targets: TypecheckTarget[]): boolean {
  const locations = [...output.matchAll(/at (file:\/\/\S+?):\d+:\d+/g)].map((m) => m[1]);
  if (locations.length === 0) return false;
  const prefixes = chunk.map((i) => dirUrl(targets[i].root));
  return locations.every((loc) => prefixes.some((p) => loc.startsWith(p)));
}

/**
 * Reads a staged submission's files and tells whether it may share a program.
 *
 * @example
 * ```ts
 * import { shareableStage } from "./typecheck.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/exercises`);
 * await Deno.writeTextFile(`${root}/exercises/a.ts`, "export const a = 1;");
 * if (!(await shareableStage(root, ["a.ts"]))) throw new Error();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function shareableStage(root: string, files: string[]): Promise<boolean> {
  const texts = await Promise.all(
    files.map((f) => Deno.readTextFile(join(root, "exercises", f)).catch(() => "declare")),
  );
  return canShareProgram(texts, files);
}

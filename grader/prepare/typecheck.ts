/**
 * The type check: `deno check` with the kit's configuration (strict compiler options), its
 * lockfile and the prepare import map, never the submission's configuration, under a memory
 * cap and a time limit. Its verdict is per exercise file: a type error in one file (or in a
 * module of the submission it imports) scores that exercise 0, the other files are graded.
 *
 * **Attribution.** Each diagnostic names the file it is in; it belongs to every graded file
 * that loads that module ({@linkcode ./graph.ts FileGraph.modules}). A diagnostic that names no
 * file of the submissions checked cannot be attributed: the check is repeated on a smaller
 * program (each submission alone, then each file alone), so the verdict is always exact.
 *
 * **Cost.** Starting the TypeScript compiler and reading Deno's and tfjs's declarations costs a
 * few seconds per `deno check`, far more than a submission's own files, so a batch checks many
 * submissions as roots of one program. That is only exact when no submission can change what
 * another's code means to the compiler: Deno treats every file as a module (a file without
 * imports does not leak its declarations), but `declare global`, `declare module`,
 * `/// <reference …>`, declaration files (`x.d.ts`, and TypeScript reads `x.d.json.ts` as one
 * too), type-source pragmas and import attributes (`with { type: "json" }` decides how a module
 * shared by the program loads; the module graph reports them) can. A submission whose modules
 * import with an attribute, or containing any of those words, an escape
 * (`\u0064eclare` is the keyword), a file named `*.d.*`, or a file that is not plain UTF-8
 * (Deno reads one with a UTF-16 byte-order mark as UTF-16, which a search of its bytes cannot
 * see into) is checked on its own (a false match in a comment only costs a separate check,
 * never a wrong verdict). What a shared program can still change is a message's wording, not
 * its verdict: TypeScript prints a union's members in the order the program first met them
 * (twenty-second review: `"apple" | "banana"` alone, `"banana" | "apple"` beside a file that
 * lists them the other way). A shared check that crashes, runs out of time, prints more than is
 * kept (another submission's diagnostics could be in what is lost) or prints more or fewer
 * diagnostics than Deno counted (a source line a diagnostic quotes can look like the start of
 * one) is split in halves until the submission that causes it is checked alone; a submission
 * whose own check crashes is checked file by file, while the limit of one check has not passed
 * since it started (one that runs out of time is not: each of its files gets the reason), so
 * its cost stays bounded.
 *
 * @example
 * ```ts
 * import { canShareProgram } from "./typecheck.ts";
 * if (!canShareProgram(["export const a = 1;"], ["a.ts"])) throw new Error("unexpected: !canShareProgram([\"export const a = 1;\"], [\"a.ts\"])");
 * if (canShareProgram(["declare global { var x: number }"], ["a.ts"])) throw new Error("unexpected: canShareProgram([\"declare global { var x: number }\"], [\"a.ts\"])");
 * if (canShareProgram(["export {};"], ["types.d.ts"])) throw new Error("unexpected: canShareProgram([\"export {};\"], [\"types.d.ts\"])");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { endReason, offlineFlags, spawnLimited, toolCache } from "../process.ts";
import { dirUrl } from "./import_map.ts";
import { copyDir } from "../sandbox/copy_dir.ts";
import { truncate } from "../report/escape.ts";

/** One submission to type-check. */
export interface TypecheckTarget {
  /** The stage root (`<root>/exercises/` holds the files). */
  root: string;
  /** The directory of the target's own modules, if not `<root>/exercises/`. */
  dir?: string;
  /** Graded files to check → the submission's modules each loads (relative, itself included). */
  files: Record<string, string[]>;
  /** Whether the submission may share a program (see {@linkcode canShareProgram}). */
  shareable: boolean;
}

/** Per graded file: the compiler's messages when it does not type-check. */
export type TypecheckVerdict = Record<string, string>;

/** Options for {@linkcode typecheckAll}. */
export interface TypecheckOptions {
  /** The `deno` executable. */
  denoPath: string;
  /** The kit's `deno.json`. */
  configFile: string;
  /** The kit's `deno.lock`. */
  lockFile: string;
  /** Writes a prepare import map covering the given stage roots; returns its path. */
  importMapFor(roots: string[], workDir: string): Promise<string>;
  /** A scratch directory. */
  workDir: string;
  /** Most submissions per shared program. Default 50. */
  chunkSize?: number;
  /** Most `deno check` processes at once. Default 1. */
  jobs?: number;
  /** Memory cap of one `deno check`, MiB. */
  memoryMb: number;
  /** Time limit of one `deno check`, ms. */
  timeoutMs: number;
  /** How much one `deno check` may write to its own, throw-away `DENO_DIR`, MiB. Default 64. */
  cacheGrowthMb?: number;
  /**
   * A warmed `DENO_DIR` each `deno check`'s own starts as a copy of (`./typecheck_cache.ts`);
   * default: empty.
   */
  denoDirFrom?: string;
  /** How much of a `deno check`'s output is kept, bytes. Default 4 MiB. */
  outputBytes?: number;
  /** Once aborted, no `deno check` starts and a running one is killed (`undefined`: never). */
  signal: AbortSignal | undefined;
}

/**
 * What can change declarations outside its own file: the `declare` keyword (`declare global`,
 * `declare module`), a triple-slash `<reference>` directive, and type-source pragmas. Matched
 * anywhere, comments included, so a match only ever costs a separate check. Directives and
 * pragmas in any letter case: TypeScript reads `/// <REFERENCE lib="dom" />` as the directive
 * (twenty-first review: it added the DOM library to a shared program, and another
 * submission's `@ts-expect-error` about `document` became an error).
 */
const GLOBAL_PATTERNS = [
  /\bdeclare\b/,
  // A keyword may be written with escapes (`\u0064eclare global`): any escape makes the file
  // suspect.
  /\\u/,
  /\/\/\/\s*<reference\b/i,
  /@deno-types\b/i,
  /@ts-types\b/i,
  /@ts-self-types\b/i,
  /@jsx/i,
];

/**
 * Whether a submission (its files' texts and names) can share a type-check program: no file
 * is a `.d.ts` and none contains a word that can change global declarations.
 *
 * @example
 * ```ts
 * import { canShareProgram } from "./typecheck.ts";
 * if (canShareProgram(['/// <REFERENCE lib="dom" />\nexport {};'], ["a.ts"])) {
 *   throw new Error("a reference directive in capitals shared a program");
 * }
 * if (canShareProgram(["interface Math { exp(x: number): string }"], ["augment.d.json.ts"])) {
 *   throw new Error("a declaration file named *.d.json.ts declares globals");
 * }
 * if (canShareProgram(["\\u0064eclare global { var x: number }"], ["a.ts"])) {
 *   throw new Error("an escaped keyword is still a keyword");
 * }
 * ```
 */
export function canShareProgram(texts: string[], names: string[]): boolean {
  // TypeScript reads `x.d.ts`, `x.d.mts` and `x.d.<anything>.ts` as declaration files, which
  // may declare globals without the word `declare`.
  if (names.some((n) => /\.d\.[^/]*$/.test(n))) return false;
  return !texts.some((text) => GLOBAL_PATTERNS.some((pattern) => pattern.test(text)));
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
 * if (!(await shareableStage(root, ["a.ts"]))) throw new Error("unexpected: !(await shareableStage(root, [\"a.ts\"]))");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function shareableStage(root: string, files: string[]): Promise<boolean> {
  const texts = await Promise.all(
    files.map((f) => Deno.readFile(join(own({ root }), f)).then(plainUtf8, () => undefined)),
  );
  return texts.every((t) => t !== undefined) && canShareProgram(texts as string[], files);
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A file's text when its bytes are plain UTF-8, the only encoding in which the search of
 * {@linkcode canShareProgram} sees what the compiler sees; otherwise `undefined`. Deno reads a
 * file that starts with a UTF-16 byte-order mark as UTF-16, where a search of its bytes as
 * UTF-8 finds no `declare` between the NUL bytes (neither `FF FE` nor `FE FF` is UTF-8).
 *
 * @example
 * ```ts
 * import { plainUtf8 } from "./typecheck.ts";
 * if (plainUtf8(new TextEncoder().encode("export {};")) !== "export {};") throw new Error("UTF-8 refused");
 * const utf16 = new Uint8Array([0xff, 0xfe, 0x64, 0x00]); // "d", as UTF-16LE with its mark
 * if (plainUtf8(utf16) !== undefined) throw new Error("UTF-16 read as UTF-8");
 * ```
 */
export function plainUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How much of `deno check`'s output is kept, by default. */
const OUTPUT_BYTES = 4 * 1024 * 1024;

/** One diagnostic of `deno check`: its text, and the file URL it is in, if it says. */
interface Diagnostic {
  text: string;
  location?: string;
}

/**
 * Splits `deno check`'s output into diagnostics; none when the blocks found are not as many
 * as Deno counted (a quoted source line looked like one), unless `complete` is false (the
 * output was cut).
 *
 * @example
 * ```ts
 * import { parseDiagnostics } from "./typecheck.ts";
 * const out = "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.\n" +
 *   "const x: number = \"a\";\n      ~\n    at file:///s/exercises/a.ts:1:7\n\n" +
 *   "error: Type checking failed.";
 * const [d] = parseDiagnostics(out);
 * if (d.location !== "file:///s/exercises/a.ts" || !d.text.startsWith("TS2322")) throw new Error("unexpected: d.location !== \"file:///s/exercises/a.ts\" || !d.text.startsWith(\"TS2322\")");
 * ```
 *
 * @example A quoted source line that looks like a location makes the block name no file
 * ```ts
 * import { parseDiagnostics } from "./typecheck.ts";
 * const out = "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.\n" +
 *   "    at file:///other/exercises/b.ts:1:1\n    ^\n    at file:///s/exercises/a.ts:4:5\n\n" +
 *   "error: Type checking failed.";
 * const [d] = parseDiagnostics(out);
 * if (d.location !== undefined) throw new Error(`blamed ${d.location}`);
 * ```
 */
export function parseDiagnostics(output: string, complete = true): Diagnostic[] {
  // Deno ends with "Found N errors." (when N > 1), then "error: Type checking failed." and a
  // backtrace. Cut at the last of those lines only: the diagnostics quote the submissions'
  // source lines, which may hold any text (twenty-first review: a comment "// Stack
  // backtrace:" in one submission cut every later submission's errors from a shared check).
  const end = output.lastIndexOf("\nerror: Type checking failed.");
  const text = end < 0 ? output : output.slice(0, end);
  const found = /\nFound (\d+) errors\.\s*$/.exec(text);
  const blocks = (found ? text.slice(0, found.index) : text).split(/\n(?=TS\d+ \[ERROR\])/)
    .map((block) => block.trim())
    .filter((block) => /^TS\d+ \[ERROR\]/.test(block));
  // A quoted source line that starts like a diagnostic ("TS2322 [ERROR]") makes a block too
  // many: nothing can be attributed then, and the program is split as if it had crashed. (Not
  // when the output was cut, `complete` false: the count then tells nothing.)
  if (complete && end >= 0 && blocks.length !== (found ? Number(found[1]) : 1)) return [];
  return blocks.map((block) => ({ text: block, location: mainLocation(block) }));
}

/** Deno's location line of a diagnostic, alone on its line: `    at file:///…:L:C`. */
const LOCATION = /^ {4}at (file:\/\/\S+):\d+:\d+$/;

/**
 * The file a diagnostic block is in: its one location line, which Deno puts right under the
 * caret line that marks the quoted source line, or right under the message when it quotes no
 * source. Anything else names no file, and the block is re-checked on a smaller program. The
 * submission's own text is in the block (the quoted line, and names TypeScript quotes in the
 * message, template literals with their newlines included) and may look like a location line
 * or a caret: twenty-sixth review, a quoted line `    at file:///…/other-student/…:1:1`;
 * twenty-seventh, a property named by a template literal holding a caret line and such a
 * location line. Both make a second location line, so the block names no file. (Related
 * information, indented further, is not counted.)
 */
function mainLocation(block: string): string | undefined {
  const lines = block.split("\n");
  const at = lines.flatMap((line, i) => LOCATION.test(line) ? [i] : []);
  if (at.length !== 1) return undefined;
  const [i] = at;
  // The caret line: `^` under one character, `~~~~~` under a span.
  if (i !== 1 && !/^\s*(\^|~+)\s*$/.test(lines[i - 1])) return undefined;
  return LOCATION.exec(lines[i])![1];
}

function clean(text: string, target: { root: string; dir?: string }): string {
  const dir = own(target);
  const out = text.replaceAll(dirUrl(dir), "").replaceAll(`${dir}/`, "")
    .replaceAll(dirUrl(target.root), "../");
  return truncate(out, 6000);
}

/** The outcome of one `deno check`: success, diagnostics, or why it could not finish. */
type Run =
  | { ok: true }
  | { ok: false; diagnostics: Diagnostic[] }
  | { crashed: string; timedOut: boolean };

/** The directory of a target's own modules. */
function own(target: { root: string; dir?: string }): string {
  return target.dir ?? join(target.root, "exercises");
}

async function denoCheck(
  parts: { root: string; dir?: string; files: string[] }[],
  options: TypecheckOptions,
): Promise<Run> {
  const dir = await Deno.makeTempDir({ dir: options.workDir, prefix: "check-" });
  try {
    const importMap = await options.importMapFor(parts.map((p) => p.root), dir);
    const cache = toolCache(dir, options.cacheGrowthMb);
    if (options.denoDirFrom !== undefined) {
      // A copy that fails leaves an empty cache: slower, never wrong.
      await copyDir(options.denoDirFrom, cache.disk.dir)
        .catch(() => Deno.remove(cache.disk.dir, { recursive: true }).catch(() => {}));
    }
    const end = await spawnLimited(options.denoPath, [
      "check",
      "--quiet",
      ...offlineFlags(options, importMap),
      ...parts.flatMap((p) => p.files.map((f) => join(own(p), f))),
    ], {
      memoryMb: options.memoryMb,
      reservedMb: 1536,
      deadline: Date.now() + options.timeoutMs,
      keepBytes: options.outputBytes ?? OUTPUT_BYTES,
      cwd: dir,
      ...cache,
      signal: options.signal,
    });
    if (end.code === 0 && !end.killedFor) return { ok: true };
    // The count guards other submissions' diagnostics: one submission alone hides nothing of
    // another's, and its forged header must not cost a run per file (twenty-third review).
    const diagnostics = parseDiagnostics(
      `${end.stderr}\n${end.stdout}`,
      !end.cut && parts.length > 1,
    );
    // Output past what is kept may hold another submission's diagnostics: a program that
    // prints that much is split like one that crashed.
    if (end.killedFor || diagnostics.length === 0 || end.cut) {
      return {
        timedOut: end.killedFor === "deadline",
        crashed: end.killedFor === "deadline"
          ? `the type check did not finish within ${Math.round(options.timeoutMs / 1000)} s`
          : end.cut && !end.killedFor && diagnostics.length > 0
          ? `the type check printed more than ${
            Math.round((options.outputBytes ?? OUTPUT_BYTES) / 1024)
          } KiB of errors; the first:\n${diagnostics[0].text}`
          : `the type checker failed: ${
            end.stderr.trim().split("\n").filter((l) => l.trim()).slice(0, 3).join(" ") ||
            endReason(end, options.memoryMb, options.cacheGrowthMb ?? 64)
          }`,
      };
    }
    return { ok: false, diagnostics };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The files of `target` each diagnostic belongs to, or `undefined` when one names no module of
 * the target (it cannot be attributed).
 */
function attribute(
  target: TypecheckTarget,
  diagnostics: Diagnostic[],
): TypecheckVerdict | undefined {
  const prefix = dirUrl(own(target));
  const verdict: TypecheckVerdict = {};
  for (const d of diagnostics) {
    if (d.location === undefined || !d.location.startsWith(prefix)) return undefined;
    const module = decodeURIComponent(d.location.slice(prefix.length));
    const owners = Object.entries(target.files).filter(([, modules]) => modules.includes(module));
    if (owners.length === 0) return undefined;
    for (const [file] of owners) {
      // An error in a module the file imports is that module's: say so before its text.
      const where = module === file ? "" : `in ${module}, which ${file} imports:\n`;
      const text = where + clean(d.text, target);
      verdict[file] = verdict[file] ? `${verdict[file]}\n\n${text}` : text;
    }
  }
  return verdict;
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

/** Checks one submission: all its files, then file by file when that cannot be attributed. */
async function checkAlone(
  target: TypecheckTarget,
  options: TypecheckOptions,
  // One submission's checks together take at most about twice the limit of one: file by file
  // only while time is left (twenty-third review: 13 files of 4 s each, for each attacker).
  deadline = Date.now() + options.timeoutMs,
): Promise<TypecheckVerdict> {
  const files = Object.keys(target.files);
  const run = await denoCheck([{ root: target.root, dir: target.dir, files }], options);
  if ("ok" in run && run.ok) return {};
  const attributed = "diagnostics" in run ? attribute(target, run.diagnostics) : undefined;
  if (attributed !== undefined) return attributed;
  // A check that ran out of time is not repeated file by file: that could cost the limit
  // once per file. Every file of the submission gets the reason.
  if (files.length === 1 || ("crashed" in run && run.timedOut)) {
    const why = "crashed" in run
      ? clean(run.crashed, target)
      : run.diagnostics.map((d) => clean(d.text, target)).join("\n\n");
    return Object.fromEntries(files.map((file) => [file, why]));
  }
  const verdict: TypecheckVerdict = {};
  for (const file of files) {
    if (Date.now() > deadline) {
      verdict[file] = `the type check of this submission did not finish within ${
        Math.round(options.timeoutMs / 1000)
      } s in all`;
      continue;
    }
    Object.assign(
      verdict,
      await checkAlone({ ...target, files: { [file]: target.files[file] } }, options, deadline),
    );
  }
  return verdict;
}

/**
 * Checks `chunk` (indices of `targets`) as one program. Diagnostics that name the chunk's
 * files give each target its verdict; a program that crashes or runs out of time is split in
 * two halves, checked the same way, so that one pathological submission costs a few halvings,
 * not a check of every other submission alone.
 */
async function checkShared(
  chunk: number[],
  targets: TypecheckTarget[],
  verdicts: (TypecheckVerdict | undefined)[],
  options: TypecheckOptions,
): Promise<void> {
  if (chunk.length === 1) {
    verdicts[chunk[0]] = await checkAlone(targets[chunk[0]], options);
    return;
  }
  const run = await denoCheck(
    chunk.map((i) => ({
      root: targets[i].root,
      dir: targets[i].dir,
      files: Object.keys(targets[i].files),
    })),
    options,
  );
  if ("ok" in run && run.ok) {
    for (const i of chunk) verdicts[i] = {};
    return;
  }
  if ("crashed" in run) {
    const half = Math.ceil(chunk.length / 2);
    await checkShared(chunk.slice(0, half), targets, verdicts, options);
    await checkShared(chunk.slice(half), targets, verdicts, options);
    return;
  }
  const mine = (i: number) => (d: Diagnostic) => d.location?.startsWith(dirUrl(own(targets[i])));
  const located = run.diagnostics.every((d) => chunk.some((i) => mine(i)(d)));
  for (const i of chunk) {
    const verdict = located ? attribute(targets[i], run.diagnostics.filter(mine(i))) : undefined;
    verdicts[i] = verdict ?? await checkAlone(targets[i], options);
  }
}

/**
 * Type-checks every target and returns a verdict per target (same order): the graded files
 * that do not type-check, with the compiler's messages.
 *
 * @example Nothing to check is fine
 * ```ts
 * import { typecheckAll } from "./typecheck.ts";
 * const [verdict] = await typecheckAll([{ root: "/x", files: {}, shareable: true }], {
 *   denoPath: Deno.execPath(), configFile: "", lockFile: "", workDir: "/tmp",
 *   importMapFor: () => Promise.resolve(""), memoryMb: 1024, timeoutMs: 1000, signal: undefined,
 * });
 * if (Object.keys(verdict).length !== 0) throw new Error("unexpected: Object.keys(verdict).length !== 0");
 * ```
 */
export async function typecheckAll(
  targets: TypecheckTarget[],
  options: TypecheckOptions,
): Promise<TypecheckVerdict[]> {
  const verdicts: (TypecheckVerdict | undefined)[] = targets.map((t) =>
    Object.keys(t.files).length === 0 ? {} : undefined
  );
  const pending = targets.map((_, i) => i).filter((i) => verdicts[i] === undefined);
  const shared = pending.filter((i) => targets[i].shareable);
  const single = pending.filter((i) => !targets[i].shareable);
  const chunkSize = options.chunkSize ?? 50;
  const tasks: (() => Promise<void>)[] = single.map((i) => async () => {
    verdicts[i] = await checkAlone(targets[i], options);
  });
  for (let start = 0; start < shared.length; start += chunkSize) {
    const chunk = shared.slice(start, start + chunkSize);
    tasks.push(() => checkShared(chunk, targets, verdicts, options));
  }
  await pool(tasks, options.jobs ?? 1);
  return verdicts.map((v) => v ?? {});
}

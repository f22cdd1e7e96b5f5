/**
 * `deno task check`: the learner's command. Runs every exercise's cases against the files in
 * `exercises/`, in the kit's order, and shows where you are.
 *
 * ```sh
 * deno task check                  # all exercises: progress list, first failure, summary
 * deno task check softmax          # one exercise (or several ids)
 * deno task check --watch          # re-check whenever a file in exercises/ is saved
 * deno task check --dir solutions  # check another directory laid out like exercises/
 * deno task check --backend cpu    # compute on the cpu backend (default wasm)
 * ```
 *
 * Each exercise is **done** (every case passes), **failing** (a case fails or throws) or
 * **not started** (every case reaches a `todo(...)` stub). For the first exercise that is not
 * done, it prints the failing case's message and its hint; an exercise that is not started
 * says so in one line, without a stack trace. Cases that need the full Fashion-MNIST are
 * skipped, and say so, on a machine without it. The exit code is 0 only when every selected
 * exercise is done (1 otherwise, 2 for a usage error such as an unknown id).
 *
 * The cases run in this process: they are your own code. A case that takes longer than its
 * time limit (`timeoutMs`, 10 s by default) fails with "did not finish"; one whose code never
 * gives control back (an endless loop) cannot be interrupted from this thread, so a watchdog
 * thread ({@linkcode ./check_watchdog.ts}) stops the check 2 s after the limit, naming the
 * case (exit status 143).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isTodo } from "../lib/todo.ts";
import { initBackend } from "../lib/backend.ts";
import { type Case, DEFAULT_TIMEOUT_MS, type Exercise } from "../tests/cases/case.ts";
import { chdirToCaller } from "../lib/caller_cwd.ts";
import { prepareFiles } from "../grader/mod.ts";
import { Watchdog } from "./check_watchdog.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** One case's outcome. */
export interface CaseResult {
  /** The case's name. */
  name: string;
  /** Its points. */
  points: number;
  /** `pass`, `fail` (a check failed or the code threw), `todo` (not written), `skip`. */
  status: "pass" | "fail" | "todo" | "skip";
  /** For `fail`: what went wrong; for `skip`: why. */
  message?: string;
  /** For `fail`: the case's hint. */
  hint?: string;
}

/** One exercise's outcome. */
export interface ExerciseResult {
  /** The exercise's id. */
  id: string;
  /** Its title. */
  title: string;
  /** The file checked. */
  file: string;
  /** `done`, `failing` or `not-started`. */
  status: "done" | "failing" | "not-started";
  /** Every case's outcome, in order. */
  cases: CaseResult[];
}

/** Options for {@linkcode runCheck}. */
export interface CheckOptions {
  /** The directory whose files are checked. Default: the kit's `exercises/`. */
  dir?: string;
  /** Exercise ids to check (all when empty). Hyphens and underscores are interchangeable. */
  ids?: string[];
  /** Called with each exercise's result as soon as it is known. */
  onResult?: (result: ExerciseResult) => void;
  /** Called as each case starts, with `"exercise id › case name"` and its time limit. */
  onCaseStart?: (label: string, timeoutMs: number) => void;
  /** Called as each case ends (passed, failed or skipped). */
  onCaseEnd?: () => void;
  /**
   * Type-check the files first, as the grader does (a file with type errors scores 0 there).
   * Default `true`. The module graph and the import policy are always checked.
   */
  typeCheck?: boolean;
}

/** Thrown for an id that is not an exercise: the message lists the ids. */
export class UnknownExerciseError extends RangeError {
  constructor(id: string, ids: string[]) {
    super(`Unknown exercise ${JSON.stringify(id)}. The exercises are: ${ids.join(", ")}`);
    this.name = "UnknownExerciseError";
  }
}

function normaliseId(id: string): string {
  return id.trim().toLowerCase().replaceAll("-", "_").replace(/\.ts$/, "");
}

/**
 * Picks the exercises named by `ids` (all of them, in the kit's order, when `ids` is empty).
 *
 * @example
 * ```ts
 * import { selectExercises } from "./check.ts";
 * const all = [{ id: "a" }, { id: "b_c" }] as never[];
 * if (selectExercises(all, ["b-c"]).length !== 1) throw new Error("unexpected: selectExercises(all, [\"b-c\"]).length !== 1");
 * ```
 * @throws {UnknownExerciseError} naming the unknown id and listing the known ones.
 */
export function selectExercises<T extends { id: string }>(all: T[], ids: string[]): T[] {
  if (ids.length === 0) return all;
  const wanted = ids.map(normaliseId);
  for (const id of wanted) {
    if (!all.some((e) => e.id === id)) throw new UnknownExerciseError(id, all.map((e) => e.id));
  }
  return all.filter((e) => wanted.includes(e.id));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "AssertionError") return error.message;
  // The learner's own error: its message and where it came from in their file, if known.
  const where = (error.stack ?? "").split("\n").find((line) =>
    line.includes("/exercises/") || line.includes("/solutions/")
  );
  return `${error.name}: ${error.message}${where ? `\n${where.trim()}` : ""}`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not finish within ${ms / 1000} s`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function fullDataPresent(): Promise<boolean> {
  const { readFashionMnistRaw } = await import("../data/fashion_mnist.ts");
  try {
    await readFashionMnistRaw({ download: false });
    return true;
  } catch {
    return false;
  }
}

async function runCase(
  exercise: Exercise,
  c: Case,
  impl: unknown,
  hasFullData: () => Promise<boolean>,
): Promise<CaseResult> {
  const base = { name: c.name, points: c.points };
  if (c.needs?.includes("fashion-mnist") && !(await hasFullData())) {
    return {
      ...base,
      status: "skip",
      message: "needs the full Fashion-MNIST (apt-get install dataset-fashion-mnist)",
    };
  }
  const timeout = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const output = await withTimeout(
      Promise.resolve().then(() => exercise.runs[c.run](impl)),
      timeout,
      "the case",
    );
    // What the grader's sandbox would send back: a structured copy of plain data.
    await c.check(structuredClone(output));
    return { ...base, status: "pass" };
  } catch (error) {
    if (isTodo(error)) return { ...base, status: "todo", message: (error as Error).message };
    return { ...base, status: "fail", message: messageOf(error), hint: c.hint };
  }
}

/**
 * Runs the selected exercises' cases against the files in `options.dir`.
 *
 * @example Checking the reference solutions of one exercise
 * ```ts
 * import { runCheck } from "./check.ts";
 * const [result] = await runCheck({ dir: "solutions", ids: ["sum_keepdim"] });
 * if (result.status !== "done") throw new Error(JSON.stringify(result));
 * ```
 * @throws {UnknownExerciseError} for an unknown id.
 */
export async function runCheck(options: CheckOptions = {}): Promise<ExerciseResult[]> {
  const { exercises } = await import("../tests/cases/mod.ts");
  const dir = resolve(options.dir ?? join(ROOT, "exercises"));
  const selected = selectExercises(exercises as Exercise[], options.ids ?? []);
  let fullData: Promise<boolean> | undefined;
  const hasFullData = () => (fullData ??= fullDataPresent());
  const results: ExerciseResult[] = [];
  // What the grader would refuse before running anything, file by file.
  const problems = await prepareFiles({
    dir,
    exercises: selected,
    skipTypecheck: options.typeCheck === false,
  });
  for (const exercise of selected) {
    const path = join(dir, exercise.file);
    const shown = relative(Deno.cwd(), path) || path;
    let cases: CaseResult[];
    let impl: Record<string, unknown> | undefined;
    let loadError: string | undefined;
    const url = pathToFileURL(path).href;
    try {
      impl = await import(url);
      const missing = exercise.exports.filter((name) => impl![name] === undefined);
      if (missing.length > 0) loadError = `${shown} does not export ${missing.join(", ")}`;
    } catch (error) {
      // "Module not found" names the module: the exercise file itself, or one it imports.
      loadError = error instanceof Deno.errors.NotFound ||
          (error instanceof Error && error.message.startsWith(`Module not found "${url}"`))
        ? `${shown} is missing`
        : `${shown} could not be loaded: ${error instanceof Error ? error.message : error}`;
    }
    const problem = problems[exercise.file];
    let hint = problem?.kind === "load"
      ? "Fix the syntax error or the missing module named above."
      : "Keep the file's exports (names and signatures) as shipped.";
    if (problem !== undefined && (loadError === undefined || problem.kind !== "load")) {
      const why = {
        load: "does not load",
        blocked: "imports what this exercise may not (the grader would not run it)",
        type: "does not type-check",
      }[problem.kind];
      loadError = `${shown} ${why}; the grader would score this exercise 0:\n${problem.message}`;
      hint = problem.kind === "type"
        ? `Fix the type error: deno check ${shown} lists them all.`
        : problem.kind === "blocked"
        ? 'Import only lib/, data/ and the lessons before this exercise\'s own (README, "For graders").'
        : "Fix the syntax error or the missing module named above.";
    }
    if (loadError !== undefined) {
      cases = exercise.cases.map((c) => ({
        name: c.name,
        points: c.points,
        status: "fail",
        message: loadError,
        hint,
      }));
    } else {
      cases = [];
      for (const c of exercise.cases) {
        options.onCaseStart?.(`${exercise.id} › ${c.name}`, c.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        try {
          cases.push(await runCase(exercise, c, impl, hasFullData));
        } finally {
          options.onCaseEnd?.();
        }
      }
    }
    const counted = cases.filter((c) => c.status !== "skip");
    const status: ExerciseResult["status"] = counted.every((c) => c.status === "pass")
      ? "done"
      : counted.every((c) => c.status === "todo")
      ? "not-started"
      : "failing";
    const result = { id: exercise.id, title: exercise.title, file: shown, status, cases };
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

/** Terminal styles, or none when not on a terminal (or `NO_COLOR` is set). */
function styles(color: boolean) {
  const wrap = (code: string) => (s: string) => color ? `\x1b[${code}m${s}\x1b[0m` : s;
  return { green: wrap("32"), red: wrap("31"), dim: wrap("2"), bold: wrap("1") };
}

function caseCount(result: ExerciseResult): string {
  const counted = result.cases.filter((c) => c.status !== "skip");
  const passed = counted.filter((c) => c.status === "pass").length;
  const skipped = result.cases.length - counted.length;
  return `${passed}/${counted.length} cases${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}

/**
 * One progress line for an exercise.
 *
 * @example
 * ```ts
 * import { formatProgressLine } from "./check.ts";
 * const line = formatProgressLine({
 *   id: "softmax", title: "Lesson 2: the softmax", file: "exercises/softmax.ts",
 *   status: "not-started", cases: [],
 * });
 * if (!line.includes("not started") || !line.includes("softmax")) throw new Error(line);
 * ```
 */
export function formatProgressLine(result: ExerciseResult, color = false): string {
  const s = styles(color);
  const id = result.id.padEnd(18);
  const title = result.title.length > 58 ? `${result.title.slice(0, 57)}…` : result.title;
  switch (result.status) {
    case "done":
      return `  ${s.green("✓ done       ")} ${id} ${title} ${s.dim(`(${caseCount(result)})`)}`;
    case "failing":
      return `  ${s.red("✗ failing    ")} ${id} ${title} ${s.dim(`(${caseCount(result)})`)}`;
    default:
      return `  ${s.dim("· not started")} ${id} ${title}`;
  }
}

/**
 * The part after the progress list: the first exercise that is not done, with its first
 * failing case's message and hint (or a one-line "not started" note), and the summary line.
 *
 * @example
 * ```ts
 * import { formatSummary } from "./check.ts";
 * const text = formatSummary([{
 *   id: "softmax", title: "t", file: "exercises/softmax.ts", status: "failing",
 *   cases: [{ name: "softmax() x", points: 1, status: "fail", message: "boom", hint: "try y" }],
 * }]);
 * if (!text.includes("boom") || !text.includes("try y") || !text.includes("0 of 1")) {
 *   throw new Error(text);
 * }
 * ```
 */
export function formatSummary(results: ExerciseResult[], color = false): string {
  const s = styles(color);
  const lines: string[] = [];
  const next = results.find((r) => r.status !== "done");
  if (next?.status === "failing") {
    const failed = next.cases.find((c) => c.status === "fail") ??
      next.cases.find((c) => c.status === "todo")!;
    lines.push("", s.bold(`Next: ${next.id} (${next.file})`));
    lines.push(`  ${s.red("✗")} ${failed.name}`);
    const message = (failed.message ?? "").split("\n").slice(0, 15);
    for (const line of message) lines.push(`    ${line}`);
    if (failed.hint) lines.push(`  ${s.bold("Hint:")} ${failed.hint}`);
  } else if (next?.status === "not-started") {
    lines.push(
      "",
      s.bold(`Next: ${next.id}`) +
        ` is not started: open ${next.file} and replace the TODOs with your code.`,
    );
  }
  const done = results.filter((r) => r.status === "done").length;
  const failing = results.filter((r) => r.status === "failing").length;
  const notStarted = results.filter((r) => r.status === "not-started").length;
  const cases = results.flatMap((r) => r.cases);
  const earned = cases.filter((c) => c.status === "pass").reduce((sum, c) => sum + c.points, 0);
  const possible = cases.filter((c) => c.status !== "skip").reduce((sum, c) => sum + c.points, 0);
  const skipped = cases.filter((c) => c.status === "skip").length;
  lines.push(
    "",
    `${done} of ${results.length} exercises done, ${failing} failing, ${notStarted} not started ` +
      `(${earned}/${possible} points, what the grader would give${
        skipped > 0 ? `; ${skipped} cases skipped` : ""
      })`,
  );
  if (done === results.length) lines.push(s.green("All done."));
  return lines.join("\n");
}

/** Re-runs the check in a fresh process whenever a file in `dir` changes. Never returns. */
async function watch(dir: string, args: string[]): Promise<never> {
  const tty = Deno.stdout.isTerminal();
  const config = join(ROOT, "deno.json");
  const script = fileURLToPath(import.meta.url);
  const runOnce = async () => {
    if (tty) await Deno.stdout.write(new TextEncoder().encode("\x1b[2J\x1b[H"));
    // A fresh process each time, so that edited modules are loaded anew.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `--config=${config}`, script, ...args],
      stdout: "inherit",
      stderr: "inherit",
    });
    await child.output();
    console.log(
      `\nWatching ${
        relative(Deno.cwd(), dir) || dir
      }/ — save a file to check again (Ctrl-C stops).`,
    );
  };
  // Watch before the first run, so that a save during it is not missed.
  const watcher = Deno.watchFs(dir);
  await runOnce();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  for await (const event of watcher) {
    if (!event.paths.some((p) => p.endsWith(".ts"))) continue;
    clearTimeout(timer);
    // Editors write a file in several steps: wait for a quiet 200 ms, then run once.
    timer = setTimeout(() => {
      running = running.then(runOnce);
    }, 200);
  }
  throw new Error("the file watcher stopped");
}

const USAGE = "Usage: deno task check [id ...] [--dir DIR] [--watch] [--backend wasm|cpu]";

/**
 * The command: parses `args`, runs the check (or watches), prints, and returns the exit code.
 *
 * @example An unknown id is a usage error (exit code 2)
 * ```ts
 * import { main } from "./check.ts";
 * const errors: string[] = [];
 * const code = await main(["no_such_exercise"], { error: (m) => errors.push(m) });
 * if (code !== 2 || !errors[0].includes("sum_keepdim")) throw new Error(errors.join());
 * ```
 */
export async function main(
  args: string[],
  io: { log?: (line: string) => void; error?: (line: string) => void } = {},
): Promise<number> {
  const log = io.log ?? ((line: string) => console.log(line));
  const error = io.error ?? ((line: string) => console.error(line));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        watch: { type: "boolean", default: false },
        backend: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    error(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    log(USAGE);
    return 0;
  }
  const dir = resolve(values.dir ?? join(ROOT, "exercises"));
  try {
    const { exercises } = await import("../tests/cases/mod.ts");
    selectExercises(exercises, positionals);
    if (!(await Deno.stat(dir).catch(() => null))?.isDirectory) {
      throw new RangeError(`--dir ${values.dir}: ${dir} is not a directory`);
    }
  } catch (e) {
    error(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  if (values.watch) {
    const rest = args.filter((a) => a !== "--watch");
    return await watch(dir, rest);
  }
  let backend;
  try {
    backend = await initBackend({ backend: values.backend });
  } catch (e) {
    error(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 2;
  }
  const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  log(
    `Checking ${relative(Deno.cwd(), dir) || dir}/ against the kit's cases ` +
      `(backend ${backend.name})\n`,
  );
  const watchdog = new Watchdog();
  let results;
  try {
    results = await runCheck({
      dir,
      ids: positionals,
      onResult: (result) => log(formatProgressLine(result, color)),
      onCaseStart: (label, timeoutMs) => watchdog.start(label, timeoutMs),
      onCaseEnd: () => watchdog.end(),
    });
  } finally {
    watchdog.stop();
  }
  log(formatSummary(results, color));
  return results.every((r) => r.status === "done") ? 0 : 1;
}

if (import.meta.main) {
  chdirToCaller();
  Deno.exit(await main(Deno.args));
}

/**
 * `deno task check --watch`: checks once, then re-checks on every save, the saved exercise
 * first, and answers keys, as rustlings' watch mode does.
 *
 * - At the start: the progress list, the first exercise that is not done (its failing case's
 *   message and hint), and the summary line, as `deno task check` prints them.
 * - On a save of an exercise's file: that exercise's result first (the message and the hint
 *   when a case fails), then, once the other exercises are checked again (a file may import
 *   another), the summary line. A save of any other `.ts` file in the directory re-checks
 *   everything as at the start. Saves during a check are checked next, together.
 * - Keys ({@linkcode handleKey}): `h` the hint of the exercise shown, `l` the progress list,
 *   `n` the next unfinished exercise, `q` (or Ctrl-C, Ctrl-D) quit. On a terminal stdin is
 *   put in raw mode so that a key acts at once, and restored on the way out; without a
 *   terminal, keys are read from stdin as they arrive (a pipe), and watching goes on when
 *   stdin ends.
 *
 * Each check runs in a fresh process ({@linkcode ./check_runner.ts}), so an edited file is
 * loaded anew, and a case stuck in an endless loop is stopped at its time limit.
 *
 * @example Keys act on the results shown
 * ```ts
 * import { handleKey } from "./check_watch.ts";
 * const results = [{
 *   id: "softmax", title: "t", file: "exercises/softmax.ts", status: "failing" as const,
 *   cases: [{
 *     name: "softmax() x", points: 1, status: "fail" as const, message: "rows sum to 2",
 *     hint: "exp, then divide",
 *   }],
 * }];
 * const hint = handleKey("h", { results, shown: "softmax" });
 * if (!hint.text?.includes("exp, then divide")) throw new Error(`no hint in ${hint.text}`);
 * if (!hint.text.includes("rows sum to 2")) throw new Error(`no message in ${hint.text}`);
 * if (handleKey("q", { results }).quit !== true) throw new Error("q should quit");
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CheckOptions,
  type ExerciseResult,
  formatExercise,
  formatProgressLine,
  formatSummary,
  formatTotals,
  runCheck,
  selectExercises,
} from "./check.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** What the keys act on: the latest results, and the exercise shown. */
export interface WatchState {
  /** The latest result of every exercise watched, in the kit's order. */
  results: ExerciseResult[];
  /** The id of the exercise shown (the one saved last, or reached with `n`). */
  shown?: string;
}

/** What a key does: text to print, the exercise now shown, or quitting. */
export interface KeyAction {
  /** What to print, if anything. */
  text?: string;
  /** The exercise shown from now on, when the key changes it. */
  shown?: string;
  /** `true` for the keys that quit. */
  quit?: boolean;
}

/** The keys, as shown under every check. */
const KEYS_HELP = "Keys: h hint · l list · n next unfinished · q quit";

/**
 * What one key does in watch mode (see the module doc); unknown keys print the keys' help.
 *
 * @example `n` shows the next unfinished exercise after the one shown, wrapping around
 * ```ts
 * import { handleKey } from "./check_watch.ts";
 * const r = (id: string, status: "done" | "not-started") =>
 *   ({ id, title: id, file: `exercises/${id}.ts`, status, cases: [] });
 * const results = [r("a", "not-started"), r("b", "done"), r("c", "done")];
 * const next = handleKey("n", { results, shown: "b" });
 * if (next.shown !== "a" || !next.text?.includes("a is not started")) {
 *   throw new Error(`expected to move to a, got ${JSON.stringify(next)}`);
 * }
 * ```
 */
export function handleKey(key: string, state: WatchState, color = false): KeyAction {
  const { results } = state;
  const shown = results.find((r) => r.id === state.shown);
  switch (key) {
    case "q":
    case "\x03": // Ctrl-C, which raw mode delivers as a key
    case "\x04": // Ctrl-D
      return { quit: true };
    case "h": {
      if (shown === undefined) return { text: "No exercise is shown yet: press n." };
      if (shown.status === "done") return { text: `${shown.id} is done: no hint needed.` };
      const c = shown.cases.find((c) => c.status === "fail") ??
        shown.cases.find((c) => c.status === "todo");
      if (!c?.hint) return { text: `${shown.id} has no hint to give.` };
      // With the case's message: a hint may point at it ("the missing module named above").
      return {
        text: [
          `Hint for ${shown.id} (${c.name}): ${c.hint}`,
          ...(c.message ? [`  (${c.message.split("\n")[0]})`] : []),
        ].join("\n"),
      };
    }
    case "l":
      return {
        text: [...results.map((r) => formatProgressLine(r, color)), "", formatTotals(results)]
          .join("\n"),
      };
    case "n": {
      const from = results.findIndex((r) => r.id === state.shown);
      const next = [...results.slice(from + 1), ...results.slice(0, from + 1)].find((r) =>
        r.status !== "done"
      );
      if (next === undefined) return { text: "All done: every exercise watched passes." };
      return { text: formatExercise(next, color), shown: next.id };
    }
    case "\r":
    case "\n":
      return {};
    default:
      return { text: KEYS_HELP };
  }
}

/** Options for {@linkcode watchCheck}. */
export interface WatchOptions
  extends
    Pick<CheckOptions, "dir" | "ids" | "typeCheck" | "defaultTimeoutMs" | "backend" | "onOutput"> {
  /** Prints a line. Default: `console.log`. */
  log?: (line: string) => void;
  /** Use terminal colours. Default: `false`. */
  color?: boolean;
  /**
   * Where keys come from. Default: stdin, in raw mode when it is a terminal (restored when
   * the watch ends).
   */
  keys?: ReadableStream<Uint8Array>;
  /** A line printed at the start of each check (after clearing the screen). */
  title?: string;
  /** Clear the screen before each check. Default: when stdout is a terminal. */
  clear?: boolean;
  /** How long the directory must be quiet after a save before checking. Default 200 ms. */
  quietMs?: number;
}

/**
 * Watches `options.dir` until `q`: see the module doc. Returns the latest results.
 *
 * @example Quit once the first check is shown (keys from a stream, as a test or a pipe gives them)
 * ```ts
 * import { watchCheck } from "./check_watch.ts";
 * let press = (_key: string) => {};
 * const keys = new ReadableStream<Uint8Array>({
 *   start(controller) {
 *     press = (key) => controller.enqueue(new TextEncoder().encode(key));
 *   },
 * });
 * const lines: string[] = [];
 * const log = (line: string) => {
 *   lines.push(line);
 *   if (line.includes("Watching")) press("q");
 * };
 * const results = await watchCheck({
 *   dir: "solutions", ids: ["sum_keepdim"], keys, typeCheck: false, log,
 * });
 * if (results.length !== 1 || results[0].status !== "done") {
 *   throw new Error(`expected sum_keepdim done:\n${lines.join("\n")}`);
 * }
 * ```
 */
export async function watchCheck(options: WatchOptions = {}): Promise<ExerciseResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const color = options.color ?? false;
  const dir = resolve(options.dir ?? join(ROOT, "exercises"));
  const shownDir = relative(Deno.cwd(), dir) || dir;
  const { exercises } = await import("../tests/cases/mod.ts");
  const watched = selectExercises(exercises, options.ids ?? []);
  const state: WatchState = { results: [] };
  const raw = options.keys === undefined && Deno.stdin.isTerminal();
  const keys = options.keys ?? Deno.stdin.readable;
  const quit = Promise.withResolvers<void>();
  let quitting = false;
  let active: AbortController | undefined;

  const check = async (saved: string[]) => {
    const first = watched.filter((e) =>
      saved.some((path) => dirname(path) === dir && basename(path) === e.file)
    ).map((e) => e.id);
    if (options.clear ?? Deno.stdout.isTerminal()) log("\x1b[2J\x1b[H");
    if (options.title !== undefined) log(options.title);
    if (first.length > 0) {
      log(`Saved ${first.join(", ")}: checking ${first.length === 1 ? "it" : "them"} first.\n`);
    }
    active = new AbortController();
    try {
      state.results = await runCheck({
        ...options,
        dir,
        first,
        signal: active.signal,
        onResult: (result) => {
          if (first.length === 0) log(formatProgressLine(result, color));
          else if (first.includes(result.id)) {
            log(formatExercise(result, color));
            state.shown = result.id;
          }
        },
      });
      if (first.length === 0) {
        log(formatSummary(state.results, color, exercises.length));
        state.shown = state.results.find((r) => r.status !== "done")?.id;
      } else log(`\n${formatTotals(state.results)}`);
    } catch (error) {
      if (quitting) return;
      log(`The check failed: ${error instanceof Error ? error.message : error}`);
    }
    log(`\nWatching ${shownDir}/: save a file to check it again. ${KEYS_HELP}`);
  };

  // Watch before the first check, so that a save during it is not missed.
  const watcher = Deno.watchFs(dir);
  const saved = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let checking = check([]);
  const watching = (async () => {
    for await (const event of watcher) {
      const paths = event.paths.filter((p) => p.endsWith(".ts"));
      if (paths.length === 0) continue;
      for (const path of paths) saved.add(resolve(path));
      clearTimeout(timer);
      // Editors write a file in several steps: wait for a quiet moment, then check once.
      timer = setTimeout(() => {
        checking = checking.then(() => {
          const paths = [...saved];
          saved.clear();
          return quitting || paths.length === 0 ? undefined : check(paths);
        });
      }, options.quietMs ?? 200);
    }
  })();

  // In raw mode Ctrl-C is a key; a SIGTERM from elsewhere also quits, restoring the terminal.
  const onSignal = () => quit.resolve();
  if (raw) {
    Deno.stdin.setRaw(true);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSignal);
  }
  const reader = keys.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    while (!quitting) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return; // stdin ended: keep watching without keys
      for (const key of decoder.decode(value, { stream: true })) {
        const action = handleKey(key, state, color);
        if (action.shown !== undefined) state.shown = action.shown;
        if (action.text !== undefined) log(action.text);
        if (action.quit) return quit.resolve();
      }
    }
  })();
  try {
    await quit.promise;
  } finally {
    quitting = true;
    if (raw) {
      Deno.stdin.setRaw(false);
      if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", onSignal);
    }
    clearTimeout(timer);
    watcher.close();
    active?.abort();
    await checking;
    await watching;
    await reader.cancel().catch(() => {});
    await reading;
  }
  return state.results;
}

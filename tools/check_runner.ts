/**
 * The process that runs the learner's code for `deno task check`, and the
 * {@linkcode CaseRunner} that drives it from the check.
 *
 * The check keeps the learner's code out of its own process so that it can always stop it: a
 * case that has not answered within its time limit is stopped by killing this process (an
 * endless loop included), reported as "did not finish within N s", and the check goes on with
 * a fresh process for the next exercise. One process serves every exercise of a check until a
 * case gets stuck or ends it, so the TensorFlow.js backend starts once per check, not once per
 * exercise. (A Worker would be cheaper to start, but Deno's `Worker.terminate()` does not stop
 * a synchronous loop: the thread spins on until the process exits.) The process may read
 * files and the kit's own environment variables, and nothing more: the grader's sandbox
 * (`grader/sandbox/`) gives the learner's code no writes, network, subprocesses, FFI or system
 * information either, so that code which needs them fails here as it will there. (The sandbox
 * is stricter still: it reads only the kit files each exercise loads, the data and the
 * submission; here, only what the grader is not handed is unreadable, and the full data set's
 * test split, which the grader gives only its judges, except to a case's own check.)
 * Like the sandbox, it refuses TensorFlow.js's own versions of what an exercise asks for
 * (`grader/sandbox/shortcuts.ts`), so that the check's total is the grader's.
 *
 * The protocol is one JSON object per line. Requests go to the process's stdin:
 * `{ type: "import", id }` (load the exercise's file from the directory given at start) and
 * `{ type: "run", id, index }` (run that case of the exercise and judge its output). Replies go
 * to its stdout, each line starting with a mark (an ASCII record separator and a name) so that
 * whatever the learner's code prints there is told apart and passed on:
 * `{ type: "ready", backend }` once the backend is up,
 * `{ type: "imported", ok, missing?, notFound?, message? }` and `{ type: "result", result,
 * uncaught? }` (a {@linkcode CaseResult}). A case's result, and a file's load, waits one turn of
 * the event loop, so that a Promise its code left rejected with no handler, or a timer that
 * threw, fails that case or load ("uncaught error: …", as in the grader), never the next one,
 * and never ends the process.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig } from "../grader/config.ts";
import { checkImportMap, dirUrl, fileUrl, readKitImports } from "../grader/prepare/import_map.ts";
import { lockedPackages } from "../grader/prepare/policy.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Starts every reply line on the runner's stdout (an ASCII record separator and a name). */
const REPLY_MARK = "\x1ed2l-check ";

/** The clock's backstop of a CPU-time limit: `WALL_FACTOR ×` it `+ 5 s`, as in the grader. */
const WALL_FACTOR = defaultConfig().wallFactor;

/** One case's outcome. */
export interface CaseResult {
  /** The case's name. */
  name: string;
  /** Its points. */
  points: number;
  /**
   * `pass`, `fail` (a check failed, the code threw or did not finish in time), `todo` (not
   * written), `skip` (needs what this machine lacks), `not-run` (an earlier case of the
   * exercise was stopped, so the rest of it was not run).
   */
  status: "pass" | "fail" | "todo" | "skip" | "not-run";
  /** For `fail`: what went wrong; for `skip` and `not-run`: why. */
  message?: string;
  /** For `fail` and `todo`: the case's hint. */
  hint?: string;
}

/** A request to the runner process. */
export type RunnerRequest =
  | { type: "import"; id: string }
  | { type: "run"; id: string; index: number };

/** A reply from the runner process, or what the {@linkcode CaseRunner} saw instead. */
export type RunnerReply =
  | {
    type: "imported";
    ok: boolean;
    missing?: string[];
    /** Whether the module has a default export (named in the message when one is missing). */
    default?: boolean;
    notFound?: boolean;
    message?: string;
  }
  /**
   * `uncaught`: the case left an uncaught error behind (a Promise rejected with no handler, a
   * timer that threw), which failed it; the grader replaces its Worker then, so the check
   * starts a fresh process, and the exercise's file again, for the next case.
   */
  | { type: "result"; result: CaseResult; uncaught?: boolean }
  /**
   * No reply within the limit: the process was killed. `cpu`: the limit was `ms` of the
   * process's CPU time, as in the grader; else `ms` on the clock (the backstop of a CPU limit,
   * for code that waits, or the limit itself where CPU time cannot be read).
   */
  | { type: "timeout"; ms: number; cpu: boolean }
  /** The process ended before replying (the learner's code exited, or it crashed). */
  | { type: "ended"; code: number | null; signal: string | null };

/** Options for {@linkcode CaseRunner}. */
export interface CaseRunnerOptions {
  /** The directory holding the exercise files. */
  dir: string;
  /** The backend to compute on (`wasm` or `cpu`); default: `D2L_BACKEND`, then `wasm`. */
  backend?: string;
  /** Receives what the learner's code prints on stdout. Default: the check's stdout. */
  onOutput?: (text: string) => void;
  /**
   * Paths the learner's code may not read (what the grader is not handed: see
   * `prepareFiles`'s `onStaged`), awaited before the process starts. Default: none.
   */
  unreadable?: Promise<readonly string[]>;
}

type Ready = { type: "ready"; backend: string };

/**
 * Starts the runner process on demand, sends it requests, and kills it when a case is stuck.
 *
 * @example Run one case of the reference solution of `sum_keepdim`
 * ```ts
 * import { CaseRunner } from "./check_runner.ts";
 * const runner = new CaseRunner({ dir: "solutions" });
 * try {
 *   const imported = await runner.request({ type: "import", id: "sum_keepdim" }, 30_000);
 *   if (imported.type !== "imported" || !imported.ok) throw new Error(JSON.stringify(imported));
 *   const reply = await runner.request({ type: "run", id: "sum_keepdim", index: 0 }, 30_000);
 *   if (reply.type !== "result" || reply.result.status !== "pass") {
 *     throw new Error(`expected a passing case, got ${JSON.stringify(reply)}`);
 *   }
 * } finally {
 *   await runner.close();
 * }
 * ```
 */
export class CaseRunner {
  readonly #options: CaseRunnerOptions;
  #child: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #ready: Promise<Ready | RunnerReply> | undefined;
  #waiting: ((reply: Ready | RunnerReply) => void) | undefined;
  #reading: Promise<void> | undefined;
  #map: Promise<string> | undefined;
  /** The process's CPU time, ms, as its last report gave it (`{ type: "cpu" }` lines). */
  #cpuMs: number | undefined;

  /** @param options where the exercise files are, the backend, where printed text goes. */
  constructor(options: CaseRunnerOptions) {
    this.#options = options;
  }

  /** The backend the current process computes on, once it is up (starting one if needed). */
  async backend(): Promise<string> {
    const ready = await this.#start(await this.#options.unreadable ?? [], await this.#importMap());
    if (ready.type !== "ready") {
      throw new Error(
        `The check's runner process did not start (${JSON.stringify(ready)}); ` +
          "run deno task check again, and see the messages above it.",
      );
    }
    return ready.backend;
  }

  /**
   * Sends `request` and waits up to `limitMs` for its reply (the process's start-up is not
   * counted). Past the limit the process is killed and the reply is `{ type: "timeout" }`; the
   * next request starts a fresh process.
   */
  async request(request: RunnerRequest, limitMs: number): Promise<RunnerReply> {
    const ready = await this.#start(await this.#options.unreadable ?? [], await this.#importMap());
    if (ready.type !== "ready") {
      await this.close();
      return ready as RunnerReply;
    }
    const reply = new Promise<Ready | RunnerReply>((resolve) => this.#waiting = resolve);
    // A process that has ended cannot be written to; its reader then answers "ended".
    await this.#writer!.write(new TextEncoder().encode(JSON.stringify(request) + "\n"))
      .catch(() => {});
    // CPU time, as the grader limits it (tools/cpu_meter.ts reports it): a loaded machine
    // does not fail a case here that the grader passes (helper-52). Until a report, the clock.
    const cpuStart = this.#cpuMs;
    const clockMs = cpuStart === undefined ? limitMs : WALL_FACTOR * limitMs + 5000;
    const clockEnd = Date.now() + clockMs;
    let timer: ReturnType<typeof setInterval> | undefined;
    const timeout = new Promise<RunnerReply>((resolve) => {
      timer = setInterval(() => {
        const cpu = this.#cpuMs;
        if (cpuStart !== undefined && cpu !== undefined && cpu - cpuStart > limitMs) {
          resolve({ type: "timeout", ms: limitMs, cpu: true });
        } else if (Date.now() > clockEnd) resolve({ type: "timeout", ms: clockMs, cpu: false });
      }, 20);
    });
    const first = await Promise.race([reply, timeout]);
    clearInterval(timer);
    if (first.type === "timeout" || first.type === "ended") await this.close();
    return first as RunnerReply;
  }

  /** Stops the process, if one runs. */
  async close(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    this.#ready = undefined;
    this.#cpuMs = undefined;
    try {
      child.kill("SIGKILL");
    } catch {
      // It has already ended.
    }
    await this.#writer?.close().catch(() => {});
    this.#writer = undefined;
    await child.status;
    await this.#reading;
  }

  /**
   * The process's import map, as JSON ({@linkcode checkImportMap}): what the grader's sandbox
   * blocks is blocked for the learner's files alike, by a computed `import()` too.
   */
  #importMap(): Promise<string> {
    this.#map ??= (async () => {
      const config = defaultConfig();
      const map = checkImportMap({
        kitImports: await readKitImports(config.configFile),
        kitRoot: config.kitRoot,
        kitDirs: [config.lessonsDir, ...config.libraryDirs],
        learnerDir: resolve(this.#options.dir),
        allowedNodeModules: config.allowedNodeModules,
        allowedPackages: config.allowedPackages,
        lockedPackages: await lockedPackages(config.lockFile),
      });
      return JSON.stringify(map);
    })();
    return this.#map;
  }

  #start(unreadable: readonly string[], importMap: string): Promise<Ready | RunnerReply> {
    if (this.#ready !== undefined) return this.#ready;
    // --frozen: an import the kit's lockfile does not pin (`npm:@tensorflow/tfjs` with no
    // version, a package the kit lacks) fails here, as the grader refuses it, instead of
    // downloading it or writing it into the kit's deno.lock.
    // Reading and the environment only: the grader's sandbox gives the learner's code no more
    // (no writes, network, subprocesses, FFI or system information), so a file that writes a
    // debug log fails here as it fails there (seventeenth review: 10/10 here, 2/10 there).
    // Nor what the grader is not handed (a labels.txt beside the exercise): there it is not
    // found (left open by the seventeenth review: 10/10 here, 0/10 there). The process runs in
    // the learner's folder and is given the paths relative to it: a comma, which the flag
    // cannot hold, is then in a name (the stage refuses those) and not in the folder's path.
    const deny = denyList(resolve(this.#options.dir), unreadable);
    // A file, not a `data:` URL: the map spells the kit's path over a hundred times, and a
    // long path made one command-line argument too long to start the process (helper-50).
    const mapFile = Deno.makeTempFileSync({ prefix: "d2l-check-import-map-", suffix: ".json" });
    Deno.writeTextFileSync(mapFile, importMap);
    const args = [
      "run",
      "--quiet",
      "--allow-read",
      ...(deny.length > 0 ? [`--deny-read=${deny.join(",")}`] : []),
      "--allow-env",
      "--frozen",
      `--config=${join(ROOT, "deno.json")}`,
      // Seventh fairness review's leftover: `import("node:" + "fs")` passed here, failed there.
      `--import-map=${mapFile}`,
    ];
    args.push(fileURLToPath(import.meta.url), "--dir", resolve(this.#options.dir));
    if (this.#options.backend !== undefined) args.push("--backend", this.#options.backend);
    const child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: resolve(this.#options.dir),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#ready = new Promise((resolve) => this.#waiting = resolve);
    this.#reading = this.#read(child).finally(() => Deno.remove(mapFile).catch(() => {}));
    return this.#ready;
  }

  async #read(child: Deno.ChildProcess): Promise<void> {
    const output = this.#options.onOutput ??
      ((text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text)));
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const at = line.indexOf(REPLY_MARK);
        if (at < 0) {
          output(`${line}\n`);
          continue;
        }
        let reply: Ready | RunnerReply;
        try {
          reply = JSON.parse(line.slice(at + REPLY_MARK.length));
        } catch {
          output(`${line}\n`); // printed by the learner's code, not a reply
          continue;
        }
        if (at > 0) output(`${line.slice(0, at)}\n`);
        if ((reply as { type: string }).type === "cpu") {
          const ms = (reply as unknown as { ms: unknown }).ms;
          if (typeof ms === "number") this.#cpuMs = ms;
          continue;
        }
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting?.(reply);
      }
    }
    if (buffer !== "") output(buffer);
    const status = await child.status;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({
      type: "ended",
      code: status.signal === null ? status.code : null,
      signal: status.signal,
    });
  }
}

/** The most characters given to `--deny-read`: one command-line argument holds 128 KiB. */
const DENY_CHARS = 64 * 1024;

/**
 * `--deny-read`'s paths for `unreadable` (absolute), relative to `dir` (the process's working
 * directory) where they are in it, as given otherwise (a linked folder's own path); without
 * those a comma is in (the flag splits on commas), and at most {@linkcode DENY_CHARS} in all.
 */
function denyList(dir: string, unreadable: readonly string[]): string[] {
  const deny: string[] = [];
  let chars = 0;
  for (const path of unreadable) {
    const rel = relative(dir, path);
    const entry = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
    if (entry.includes(",") || chars + entry.length + 1 > DENY_CHARS) continue;
    deny.push(entry);
    chars += entry.length + 1;
  }
  return deny;
}

/** Terminal colours, which Deno puts in the location of a module that failed to load. */
// deno-lint-ignore no-control-regex -- the escape character is what is matched
const COLOURS = /\u001b\[[0-9;]*m/g;

/**
 * The learner's error as a message: its text and where it came from in their file (under
 * `learnerUrl`), if known. For an error tfjs raises, that line is the learner's call into tfjs.
 */
function messageOf(error: unknown, learnerUrl: string): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "AssertionError") return error.message;
  // Deno reports a file that does not parse as a TypeError whose message is the SyntaxError
  // with its code frame: shown as the SyntaxError, as the grader shows it.
  const parse = error.name === "TypeError" && error.message.startsWith("SyntaxError: ");
  const message = (parse ? error.message : `${error.name}: ${error.message}`).replace(COLOURS, "");
  const where = (error.stack ?? "").replace(COLOURS, "").split("\n")
    .find((line) => line.includes(learnerUrl) && !message.includes(line.trim()));
  return `${message}${where ? `\n${where.trim()}` : ""}`;
}

/**
 * Makes `Deno`'s reads of the full data set's test split files (outside the kit's committed
 * subset) fail as the grader's sandbox fails them, with Deno's refusal, until `allow` is set.
 */
function refuseTestSplit(
  data: Pick<typeof import("../data/fashion_mnist.ts"), "SPLIT_FILES" | "FASHION_MNIST_FILES">,
  subsetDir: string,
): { allow: boolean } {
  const state = { allow: false };
  const names = data.SPLIT_FILES.test.map((key) => data.FASHION_MNIST_FILES[key].file);
  const refused = (path: string | URL) => {
    const full = resolve(path instanceof URL ? fileURLToPath(path) : String(path));
    const name = full.slice(full.lastIndexOf("/") + 1);
    return !state.allow && !full.startsWith(`${subsetDir}/`) &&
      names.some((test) => name === test || name.startsWith(`${test}.`));
  };
  const refusal = (path: string | URL) =>
    new Deno.errors.NotCapable(
      `Requires read access to "${path}", run again with the --allow-read flag`,
    );
  // fetch reads file: URLs too (twenty-fifth review).
  const fetchFile = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith("file:") && refused(new URL(url))) {
      return Promise.reject(refusal(fileURLToPath(url)));
    }
    return fetchFile(input, init);
  };
  const deno = Deno as unknown as Record<
    string,
    (path: string | URL, ...rest: unknown[]) => unknown
  >;
  for (
    const name of ["open", "readFile", "readTextFile", "stat", "lstat", "realPath"].flatMap((n) => [
      n,
      `${n}Sync`,
    ])
  ) {
    const original = deno[name];
    deno[name] = function (path, ...rest) {
      if (refused(path)) {
        const error = refusal(path);
        if (name.endsWith("Sync")) throw error;
        return Promise.reject(error);
      }
      return original.call(Deno, path, ...rest);
    };
  }
  return state;
}

/** The runner process: see the module doc. */
async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { dir: { type: "string" }, backend: { type: "string" } },
  });
  // tfjs's own frames (op, engine, kernel, assert) fill V8's default 10 before the learner's
  // call: keep enough of the stack to reach their line.
  Error.stackTraceLimit = 100;
  const learnerUrl = dirUrl(values.dir!);
  const { BACKEND_ENV, initBackend } = await import("../lib/backend.ts");
  const { ENV_DIR } = await import("../data/fashion_mnist.ts");
  const { isTodo } = await import("../lib/todo.ts");
  const { exercises } = await import("../tests/cases/mod.ts");
  const { failureHint } = await import("../tests/cases/case.ts");
  const info = await initBackend({ backend: values.backend });
  // What the grader refuses, refused alike (grader/sandbox/shortcuts.ts): around the learner's
  // code only, never around a case's check.
  const { installShortcutGuard, isBetweenRefusal } = await import(
    "../grader/sandbox/shortcuts.ts"
  );
  const { syncExports } = await import("../grader/sandbox/sync_exports.ts");
  const clone = structuredClone; // before the learner's code, which may replace it
  const allShortcuts = [...new Set(exercises.flatMap((e) => e.shortcuts ?? []))];
  const tf = await import("../lib/tf.ts");
  const refuse = allShortcuts.length > 0 ? installShortcutGuard(allShortcuts, tf) : () => undefined;
  // No WebAssembly compilation from here on, as in the grader's Workers.
  const { refuseWasmCompilation } = await import("../grader/sandbox/no_wasm.ts");
  refuseWasmCompilation();
  // The environment, readable and not writable, and only the kit's own variables (the backend,
  // the data set's folder), as in the grader's Workers: code that reads HOME or its own
  // variable finds it unset in both (fifth fairness review: 8/8 here, 1/9 there).
  const {
    keepDispatchEvent,
    readOnlyEnv,
    refuse: refuseGlobal,
    refuseBlockingWaits,
    refuseSubtleCrypto,
  } = await import(
    "../grader/sandbox/refuse.ts"
  );
  readOnlyEnv(
    Object.fromEntries(
      [BACKEND_ENV, ENV_DIR].flatMap((name) => {
        const value = Deno.env.get(name);
        return value === undefined ? [] : [[name, value]];
      }),
    ),
  );
  refuseBlockingWaits(); // and no waiting without CPU time (Atomics.wait, file locks)
  keepDispatchEvent(); // through which the listeners below hear of uncaught errors
  // Nor threads of its own, refused in the grader's Workers (grader/sandbox/worker.ts).
  // Started before Worker is refused: it reports this process's CPU time (cpu_meter.ts).
  const meter = new Worker(new URL("./cpu_meter.ts", import.meta.url).href, { type: "module" });
  await new Promise((resolve) => {
    meter.onmessage = resolve;
    meter.postMessage({ mark: REPLY_MARK });
  });
  refuseGlobal(globalThis, "Worker", "Starting a Worker");
  refuseGlobal(globalThis, "BroadcastChannel", "BroadcastChannel");
  refuseSubtleCrypto(); // as there: its native threads outlive a case
  // Nor the full data set's test split, which the grader gives only its judges, never the
  // learner's code (seventh fairness review: a smoke test at the bottom of a file that loaded
  // the data passed here, 7/7, and failed to load there, 0/7). Only a case's own check reads it.
  const testSplit = refuseTestSplit(
    await import("../data/fashion_mnist.ts"),
    join(ROOT, "data", "subset"),
  );
  // Every case and file load starts with the check's tfjs backend, flags and tape off, as in
  // the grader: a file that changes them must not change another exercise's cases.
  const { keepTfjsState } = await import("../grader/sandbox/tfjs_state.ts");
  const restoreTfjs = keepTfjsState(tf);
  // While a file loads, every exercise's: a module loads once, for whichever file imports it
  // first, so that is the only rule that does not depend on the order (the grader's too).
  // A refusal fails the step even when the learner's code caught it (the grader's too).
  // After it, every exercise's, as in the grader: code the learner left to run later (a timer)
  // meets them (and such a refusal fails no case); only a case's own check, the kit's code,
  // runs with none refused.
  const between = () => refuse(allShortcuts, "between");
  const asLearner = async <T>(shortcuts: string[] | "loading", step: () => Promise<T>) => {
    if (shortcuts === "loading") refuse(allShortcuts, "loading");
    else refuse(shortcuts);
    let result: T;
    try {
      restoreTfjs();
      result = await step();
    } catch (error) {
      throw between() ?? error;
    }
    const refused = between();
    if (refused !== undefined) throw refused;
    return result;
  };
  const send = (reply: Ready | RunnerReply) =>
    Deno.stdout.writeSync(new TextEncoder().encode(REPLY_MARK + JSON.stringify(reply) + "\n"));
  // An uncaught error of the learner's code (the grader's Worker reports it the same way):
  // it fails the case running, or the next one, and does not end the process. A refusal thrown
  // between cases is no case's, and dropped (the grader's too).
  // While a case runs, its exercise's; else one made by another exercise's file (the outermost
  // call on its stack in the learner's files) fails no case of this one: that file's cases are
  // done, or its code ran only as another file's import (the grader holds it for that file).
  // Capturing listeners, with the events' own getters: they run first, and see the error,
  // whatever listeners the learner's code adds.
  let uncaught: string | undefined;
  let currentFile = "";
  let caseRunning = false;
  const files = new Set(exercises.map((e) => e.file));
  const earlier = (error: unknown) => {
    const frame = error instanceof Error
      ? (error.stack ?? "").split("\n").findLast((line) => line.includes(learnerUrl))
      : undefined;
    const file = frame?.slice(frame.indexOf(learnerUrl) + learnerUrl.length).split(":")[0];
    return !caseRunning && file !== undefined && file !== currentFile && files.has(file);
  };
  const reasonOf = Object.getOwnPropertyDescriptor(PromiseRejectionEvent.prototype, "reason")!.get!;
  const errorOf = Object.getOwnPropertyDescriptor(ErrorEvent.prototype, "error")!.get!;
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    const reason = reasonOf.call(event);
    if (isBetweenRefusal(reason) || earlier(reason)) return;
    uncaught ??= `uncaught error: Uncaught (in promise) ${messageOf(reason, learnerUrl)}`;
  }, { capture: true });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    const error = errorOf.call(event);
    if (isBetweenRefusal(error) || earlier(error)) return;
    uncaught ??= `uncaught error: Uncaught ${messageOf(error, learnerUrl)}`;
  }, { capture: true });
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0)); // see the module doc
  send({ type: "ready", backend: info.name });
  const modules = new Map<string, Record<string, unknown>>();
  let buffer = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const request = JSON.parse(buffer.slice(0, newline)) as RunnerRequest;
      buffer = buffer.slice(newline + 1);
      const exercise = exercises.find((e) => e.id === request.id)!;
      currentFile = exercise.file;
      if (request.type === "import") {
        const url = fileUrl(join(values.dir!, exercise.file));
        try {
          const module = await asLearner("loading", () => import(url));
          await turn();
          if (uncaught !== undefined) throw new Error("uncaught");
          modules.set(exercise.id, module);
          const missing = exercise.exports.filter((name) => module[name] === undefined);
          send({
            type: "imported",
            ok: missing.length === 0,
            missing,
            default: "default" in module,
          });
        } catch (error) {
          // "Module not found" names the module: the exercise file itself, or one it imports.
          // (Not a NotFound its code threw: "Cannot find the Fashion-MNIST data" is no missing
          // file of the learner's.)
          const notFound = error instanceof Error &&
            error.message.startsWith(`Module not found "${url}"`);
          if (uncaught === undefined) await turn();
          const message = uncaught ?? messageOf(error, learnerUrl);
          uncaught = undefined;
          send({ type: "imported", ok: false, notFound, message });
        }
        continue;
      }
      const c = exercise.cases[request.index];
      const base = { name: c.name, points: c.points };
      let result: CaseResult;
      try {
        // What the grader's sandbox would send back: a structured copy of plain data, made
        // while the case's refusals hold (a getter in the output runs under them).
        caseRunning = true;
        const output = await asLearner(
          exercise.shortcuts ?? [],
          async () =>
            clone(
              await exercise.runs[c.run](syncExports(modules.get(exercise.id)!, exercise.exports)),
            ),
        );
        await turn();
        caseRunning = false;
        if (uncaught !== undefined) throw new Error("uncaught");
        refuse([]);
        testSplit.allow = true;
        try {
          await c.check(output);
        } finally {
          testSplit.allow = false;
          between();
        }
        result = { ...base, status: "pass" };
      } catch (error) {
        if (uncaught === undefined && caseRunning) await turn();
        caseRunning = false;
        result = uncaught !== undefined
          ? { ...base, status: "fail", message: uncaught, hint: c.hint }
          : isTodo(error)
          ? { ...base, status: "todo", message: (error as Error).message, hint: c.hint }
          : {
            ...base,
            status: "fail",
            message: messageOf(error, learnerUrl),
            hint: failureHint(error) ?? c.hint,
          };
      }
      send({ type: "result", result, uncaught: uncaught !== undefined });
      uncaught = undefined;
    }
  }
  meter.terminate();
}

if (import.meta.main) await serve(Deno.args);

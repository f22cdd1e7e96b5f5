/**
 * Running a submission's cases in the sandbox process, from the grader's side.
 *
 * {@linkcode runInSandbox} starts `grader/sandbox_main.ts` in a separate `deno` process:
 *
 * - with the kit's `deno.json` and `deno.lock` (`--config`, `--lock --frozen`), the grader's
 *   import map (`--import-map`), `--cached-only` and `--no-remote`: never the submission's
 *   configuration, and nothing downloaded;
 * - with a cleared environment (only the backend and data-set variables) and its own
 *   `DENO_DIR`: a private copy of a cache the session warmed up with trusted code only, thrown
 *   away afterwards. Whatever the submission manages to store there (Deno's Cache API works
 *   without permissions) can reach neither the grader's cache nor another submission;
 * - with permissions: read the stage, the kit's `node_modules` and `data/`, the data set and
 *   the run directory; write the results file only; nothing else (no network, subprocesses,
 *   FFI or system information). The submission itself runs in a Worker with less;
 * - under a memory cap: the resident set is watched every 100 ms and the process is killed
 *   above `memoryMb`; V8's heap is limited (`--max-old-space-size`); and as a hard backstop
 *   the data segment is limited (`ulimit -d`, `memoryMb + reservedMb`: it bounds WebAssembly
 *   memory and array buffers, which live outside V8's heap, so an allocation burst fails
 *   instead of outrunning the watch);
 * - under a deadline: each start gets the sum of its cases' time limits plus start-up time,
 *   and the whole submission a budget (`GraderConfig.budgetMs`).
 *
 * The runner writes results to a file the submission cannot write; stdout and stderr are
 * drained and thrown away (the last few KiB of stderr are kept for the grader's own
 * diagnostics, never parsed for results). When the process dies (out of memory, killed), the
 * case that was running is recorded as crashed, a file that was loading is recorded as
 * failed, and a new process runs the remaining cases. Every case ends with a result: what
 * the sandbox did not answer for is `crashed` or `not-run`, never passed.
 *
 * @example
 * ```ts
 * import { parseResultLines } from "./sandbox.ts";
 * const lines = parseResultLines('{"t":"start","key":"k"}\n{"t":"result","key":"k","status":"ok","output":"1","ms":3}\n{"t":"do');
 * if (lines.length !== 2 || lines[1].status !== "ok") throw new Error();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { GraderConfig } from "./config.ts";
import type { SandboxJob } from "./sandbox_main.ts";

/** A case to run, as the sandbox needs it. */
export interface SandboxCase {
  /** Manifest key. */
  key: string;
  /** Case name. */
  name: string;
  /** The submitted file passed as `impl`. */
  file: string;
  /** Names the file must export. */
  exports: string[];
  /** Time limit, ms. */
  timeoutMs: number;
}

/** What the sandbox said about one case. */
export interface SandboxResult {
  /**
   * `ok` (output present), `not-attempted`, `error`, `timeout`, `invalid` (output not plain
   * data), `crashed` (the process died), `not-run` (budget used up).
   */
  status: "ok" | "not-attempted" | "error" | "timeout" | "invalid" | "crashed" | "not-run";
  /** The encoded output, for `ok`. */
  output?: string;
  /** What happened, for the other statuses. */
  message?: string;
  /** Milliseconds in `run`. */
  ms?: number;
}

/** What one sandbox session produced. */
export interface SandboxOutcome {
  /** Per case key; every requested case has an entry. */
  results: Map<string, SandboxResult>;
  /** Processes started. */
  processes: number;
  /** Set when the sandbox could not work at all (the grader's problem, not the submission's). */
  fatal?: string;
  /** The tail of the sandbox's stderr, for the grader's diagnostics only. */
  stderrTail: string;
}

/** What {@linkcode runInSandbox} needs. */
export interface SandboxRequest {
  /** Grader configuration (paths, limits). */
  config: GraderConfig;
  /** A private directory for the job and results files. */
  runDir: string;
  /** The stage root (`<stageRoot>/exercises` holds the submission). */
  stageRoot: string;
  /** URL of the generated Worker entry module. */
  entryUrl: string;
  /** The import map file. */
  importMapFile: string;
  /** Paths the sandbox process may read besides the stage and run directory. */
  readable: string[];
  /** The sandbox's own `DENO_DIR` (a throw-away copy; see the module documentation). */
  denoDir: string;
  /** Start the sandbox once even with no cases (to warm up a cache). Default false. */
  warmUp?: boolean;
  /**
   * Called as each case's result arrives from the sandbox (while it runs), so the grader can
   * check it straight away. Crashed and not-run cases are only in the returned outcome.
   */
  onResult?: (key: string, result: SandboxResult) => void;
  /** Submitted files to load: relative to `<stageRoot>/exercises`. */
  files: string[];
  /** Cases to run, in order. */
  cases: SandboxCase[];
}

/** One line of the results file. */
export interface ResultLine {
  /** Line type. */
  t: string;
  /** Case key (start, result). */
  key?: string;
  /** File (importing, import). */
  file?: string;
  /** Result status. */
  status?: string;
  /** Encoded output. */
  output?: string;
  /** Message. */
  message?: string;
  /** Whether an import worked. */
  ok?: boolean;
  /** An import that failed for good (hung or crashed): not retried by later processes. */
  permanent?: boolean;
  /** Milliseconds. */
  ms?: number;
}

/**
 * Parses the results file; a last line cut short by a killed process is dropped.
 *
 * @example
 * ```ts
 * import { parseResultLines } from "./sandbox.ts";
 * if (parseResultLines("").length !== 0) throw new Error();
 * ```
 */
export function parseResultLines(text: string): ResultLine[] {
  const lines: ResultLine[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null && typeof parsed.t === "string") {
        lines.push(parsed);
      }
    } catch {
      // A partial last line from a killed process.
    }
  }
  return lines;
}

/** Reads the resident set size of process `pid` in bytes, or 0 when it is gone. */
function residentBytes(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function passEnv(config: GraderConfig, denoDir: string): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", DENO_DIR: denoDir };
  for (const name of ["FASHION_MNIST_DIR"]) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    } catch {
      // No env permission: the child uses its defaults.
    }
  }
  if (config.backend) env.D2L_BACKEND = config.backend;
  return env;
}

/** Drains a stream, keeping only its last `keep` bytes. */
async function drainTail(stream: ReadableStream<Uint8Array>, keep: number): Promise<string> {
  let tail = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = new Uint8Array(Math.min(keep, tail.length + chunk.length));
    const all = new Uint8Array(tail.length + chunk.length);
    all.set(tail);
    all.set(chunk, tail.length);
    joined.set(all.subarray(all.length - joined.length));
    tail = joined;
  }
  return new TextDecoder().decode(tail);
}

/** How one process ended. */
interface ProcessEnd {
  killedFor?: "memory" | "deadline";
  code: number;
  signal: string | null;
  stderrTail: string;
}

/** Reads a growing file's complete new lines on each `pump()`. */
class LineReader {
  #file: Deno.FsFile;
  #pending = "";
  #decoder = new TextDecoder();
  #buffer = new Uint8Array(1 << 16);
  #busy: Promise<void> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Reads what was appended since the last call and hands over each complete line. */
  pump(onLine: (line: string) => void): Promise<void> {
    this.#busy = this.#busy.then(async () => {
      while (true) {
        const n = await this.#file.read(this.#buffer);
        if (n === null || n === 0) break;
        this.#pending += this.#decoder.decode(this.#buffer.subarray(0, n), { stream: true });
        const lines = this.#pending.split("\n");
        this.#pending = lines.pop()!;
        for (const line of lines) onLine(line);
      }
    });
    return this.#busy;
  }

  close(): void {
    this.#file.close();
  }
}

async function runProcess(
  request: SandboxRequest,
  job: SandboxJob,
  deadlineMs: number,
  onLine: (line: ResultLine) => void,
): Promise<ProcessEnd> {
  const { config, runDir } = request;
  const jobFile = join(runDir, "job.json");
  await Deno.writeTextFile(job.results, "");
  await Deno.writeTextFile(jobFile, JSON.stringify(job));
  // Module loading inside the Worker is checked against these, not the Worker's permissions.
  const processRead = [
    ...new Set([
      join(runDir, "job.json"),
      join(request.stageRoot, "exercises"),
      ...request.readable,
      ...job.read,
    ]),
  ];
  const denoArgs = [
    "run",
    "--no-prompt",
    "--cached-only",
    "--no-remote",
    "--config",
    config.configFile,
    "--import-map",
    request.importMapFile,
    "--lock",
    config.lockFile,
    "--frozen",
    "--unstable-worker-options",
    `--v8-flags=--max-old-space-size=${config.heapMb}`,
    `--allow-read=${processRead.join(",")}`,
    `--allow-write=${job.results}`,
    `--allow-env=${job.env.join(",")}`,
    pathToFileURL(join(config.kitRoot, "grader", "sandbox_main.ts")).href,
    jobFile,
  ];
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'ulimit -d "$1" && shift && exec "$@"',
      "sh",
      String((config.memoryMb + config.reservedMb) * 1024),
      config.denoPath,
      ...denoArgs,
    ],
    cwd: runDir,
    clearEnv: true,
    env: passEnv(config, request.denoDir),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdoutDone = drainTail(child.stdout, 0);
  const stderrDone = drainTail(child.stderr, 4096);
  const reader = new LineReader(await Deno.open(job.results, { read: true }));
  const deliver = (text: string) => {
    for (const line of parseResultLines(text)) onLine(line);
  };
  let killedFor: ProcessEnd["killedFor"];
  const capBytes = config.memoryMb * 1024 * 1024;
  const watch = setInterval(() => {
    void reader.pump(deliver);
    if (Date.now() > deadlineMs) {
      killedFor ??= "deadline";
    } else if (residentBytes(child.pid) > capBytes) {
      killedFor ??= "memory";
    } else {
      return;
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 50);
  const status = await child.status;
  clearInterval(watch);
  await reader.pump(deliver);
  reader.close();
  await stdoutDone;
  const stderrTail = await stderrDone;
  return { killedFor, code: status.code, signal: status.signal, stderrTail };
}

function deathReason(end: ProcessEnd, config: GraderConfig): string {
  if (end.killedFor === "memory") {
    return `the sandbox used more than ${config.memoryMb} MiB of memory and was stopped`;
  }
  if (end.killedFor === "deadline") return "the sandbox stopped responding and was stopped";
  if (
    end.signal === "SIGTRAP" || end.signal === "SIGABRT" || end.code === 133 || end.code === 134
  ) {
    return `the sandbox ran out of memory (limits: ${config.heapMb} MiB JavaScript heap, ${config.memoryMb} MiB in all)`;
  }
  if (end.signal === "SIGKILL") return "the sandbox was killed (SIGKILL), probably for memory";
  return `the sandbox process ended unexpectedly (exit code ${end.code}${
    end.signal ? `, ${end.signal}` : ""
  })`;
}

/**
 * Runs `request.cases` in the sandbox, restarting it after crashes, and returns a result for
 * every case.
 *
 * @example An empty request starts nothing
 * ```ts
 * import { runInSandbox } from "./sandbox.ts";
 * import { defaultConfig } from "./config.ts";
 * const outcome = await runInSandbox({
 *   config: defaultConfig(), runDir: "/nonexistent", stageRoot: "/nonexistent", readable: [], denoDir: "",
 *   entryUrl: "file:///nonexistent.ts", importMapFile: "/nonexistent.json", files: [], cases: [],
 * });
 * if (outcome.processes !== 0 || outcome.results.size !== 0) throw new Error();
 * ```
 */
export async function runInSandbox(request: SandboxRequest): Promise<SandboxOutcome> {
  const { config } = request;
  const results = new Map<string, SandboxResult>();
  const failed: Record<string, string> = {};
  let remaining = [...request.cases];
  let processes = 0;
  let fruitless = 0;
  let stderrTail = "";
  const budgetEnd = Date.now() + config.budgetMs;
  const exercisesDir = join(request.stageRoot, "exercises");
  // What the Worker may read. Its own files and the kit's public parts: the harness imports a
  // submitted file with a computed specifier, and the whole new module graph that brings in is
  // checked against these. Then the wasm binary and the data.
  const read = [
    exercisesDir,
    ...config.publicPaths.map((p) => join(config.kitRoot, p)),
    join(config.kitRoot, "node_modules"),
    join(config.kitRoot, "data"),
    ...config.datasetDirs,
  ];
  const env = ["D2L_BACKEND", "FASHION_MNIST_DIR"];
  let warmUp = request.warmUp === true;
  while (remaining.length > 0 || warmUp) {
    warmUp = false;
    if (Date.now() >= budgetEnd) break;
    const files = request.files.filter((f) => failed[f] === undefined);
    const job: SandboxJob = {
      entry: request.entryUrl,
      results: join(request.runDir, "results.jsonl"),
      read,
      env,
      files: files.map((file) => ({ file, url: pathToFileURL(join(exercisesDir, file)).href })),
      cases: remaining.map(({ key, name, file, exports, timeoutMs }) => ({
        key,
        name,
        file,
        exports,
        timeoutMs,
      })),
      startTimeoutMs: config.startTimeoutMs,
      importTimeoutMs: config.importTimeoutMs,
      failed,
    };
    // Enough for a start, every load and every case (plus restarts after timeouts).
    const allowance = config.startTimeoutMs * 2 + files.length * config.importTimeoutMs +
      remaining.reduce((sum, c) => sum + c.timeoutMs + 2000, 0);
    let progress = false;
    let lastStarted: string | undefined;
    let importing: string | undefined;
    let done = false;
    let fatal: string | undefined;
    const handle = (line: ResultLine) => {
      if (line.t === "start" && line.key) lastStarted = line.key;
      if (line.t === "importing" && line.file) importing = line.file;
      if (line.t === "import" && line.file) {
        importing = undefined;
        if (line.permanent === true && line.message && !failed[line.file]) {
          failed[line.file] = line.message;
        }
      }
      if (line.t === "result" && line.key && !results.has(line.key)) {
        if (!remaining.some((c) => c.key === line.key)) return;
        const status = line.status as SandboxResult["status"];
        const result: SandboxResult = {
          status: ["ok", "not-attempted", "error", "timeout", "invalid"].includes(String(status))
            ? status
            : "error",
          output: line.output,
          message: line.message,
          ms: line.ms,
        };
        results.set(line.key, result);
        request.onResult?.(line.key, result);
        if (lastStarted === line.key) lastStarted = undefined;
        progress = true;
      }
      if (line.t === "done") done = true;
      if (line.t === "fatal") fatal ??= line.message ?? "the sandbox failed";
    };
    const end = await runProcess(
      request,
      job,
      Math.min(budgetEnd, Date.now() + allowance),
      handle,
    );
    processes++;
    stderrTail = end.stderrTail;
    if (fatal !== undefined) {
      return {
        results: fillMissing(request.cases, results, "the sandbox failed"),
        processes,
        fatal,
        stderrTail,
      };
    }
    remaining = remaining.filter((c) => !results.has(c.key));
    if (done) break;
    const reason = deathReason(end, config);
    if (lastStarted !== undefined && !results.has(lastStarted)) {
      results.set(lastStarted, {
        status: end.killedFor === "deadline" ? "timeout" : "crashed",
        message: reason,
      });
      progress = true;
    } else if (importing !== undefined) {
      failed[importing] = `loading exercises/${importing} crashed: ${reason}`;
      progress = true;
    }
    remaining = remaining.filter((c) => !results.has(c.key));
    fruitless = progress ? 0 : fruitless + 1;
    if (fruitless >= 2) {
      return {
        results: fillMissing(request.cases, results, `the sandbox could not start: ${reason}`),
        processes,
        fatal: `the sandbox could not start: ${reason}`,
        stderrTail,
      };
    }
  }
  return {
    results: fillMissing(
      request.cases,
      results,
      `not run: the grading budget of ${Math.round(config.budgetMs / 1000)} s was used up`,
    ),
    processes,
    stderrTail,
  };
}

function fillMissing(
  cases: SandboxCase[],
  results: Map<string, SandboxResult>,
  message: string,
): Map<string, SandboxResult> {
  for (const c of cases) {
    if (!results.has(c.key)) results.set(c.key, { status: "not-run", message });
  }
  return results;
}

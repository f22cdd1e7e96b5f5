/**
 * Running a submission's cases in the sandbox process, from the grader's side.
 *
 * {@linkcode runInSandbox} starts {@linkcode ./main.ts} in a separate `deno` process:
 *
 * - with the kit's `deno.json` and `deno.lock` (`--config`, `--lock --frozen`), the sandbox
 *   import map (`--import-map`), `--cached-only` and `--no-remote`: never the submission's
 *   configuration, and nothing downloaded;
 * - with a cleared environment and its own `DENO_DIR`, a fresh copy for each process of a
 *   cache the session warmed with trusted code only (the backend and the data set's directory
 *   reach the Workers as a read-only `Deno.env`, see `worker.ts`); Deno writes every module it
 *   compiles there, outside any permission, so its growth is capped (`cacheGrowthMb`);
 * - with permissions: read what its Workers need, write the results file, nothing else (no
 *   network, subprocesses, FFI or system information); each Worker gets less;
 * - under the limits of {@linkcode ../process.ts spawnLimited}: a memory cap, and a deadline
 *   that covers every limit of the job.
 *
 * The runner writes results to a file the submission cannot write; stdout and stderr are
 * drained and thrown away (the last few KiB of stderr are kept for the teacher's diagnostics,
 * never parsed). When the process dies (out of memory, killed), the case that was running is
 * `crashed` (`timeout` when the deadline killed it), a file that was loading fails its
 * exercise, and a new process runs the rest. Every case ends with a result: what the sandbox
 * did not answer for is `crashed` or `not-run`, never passed.
 *
 * @example
 * ```ts
 * import { parseResultLines } from "./run.ts";
 * const lines = parseResultLines('{"t":"start","key":"k"}\n{"t":"result","key":"k","status":"ok","output":"1","ms":3}\n{"t":"do');
 * if (lines.length !== 2 || lines[1].status !== "ok") throw new Error("unexpected: lines.length !== 2 || lines[1].status !== \"ok\"");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GraderConfig } from "../config.ts";
import { endReason, Lines, offlineFlags, spawnLimited } from "../process.ts";
import { copyDir } from "./copy_dir.ts";
import { type JobCase, type JobUnit, MEMORY_EXIT, outOfTime, type SandboxJob } from "./main.ts";

/** What the sandbox said about one case. */
export interface SandboxResult {
  /**
   * `ok` (output present), `not-attempted`, `error`, `timeout`, `invalid` (output not plain
   * data), `crashed` (the process died), `not-run` (the sandbox could not run it).
   */
  status: "ok" | "not-attempted" | "error" | "timeout" | "invalid" | "crashed" | "not-run";
  /** The encoded output, for `ok`. */
  output?: string;
  /** What happened, for the other statuses. */
  message?: string;
  /** Milliseconds of CPU time in the run. */
  ms?: number;
  /** Set when the case did not run because its file failed to load. */
  load?: boolean;
}

/** What one sandbox session produced. */
export interface SandboxOutcome {
  /** Per case key; every requested case has an entry. */
  results: Map<string, SandboxResult>;
  /** Processes started. */
  processes: number;
  /** Set when the sandbox could not work at all (the grader's problem, not the submission's). */
  fatal?: string;
  /** The tail of the sandbox's stderr, for the teacher's diagnostics only. */
  stderrTail: string;
}

/** What {@linkcode runInSandbox} needs. */
export interface SandboxRequest {
  /** Grader configuration (paths, limits). */
  config: GraderConfig;
  /** A private directory for the job and results files. */
  runDir: string;
  /**
   * The submitted code's working directory: the folder of its exercise files, where the
   * learner's check runs it too (a path relative to it reads a file handed in beside them).
   * Default `runDir`.
   */
  cwd?: string;
  /** The import map file. */
  importMapFile: string;
  /** The sandbox's `DENO_DIR`. */
  denoDir: string;
  /**
   * A warmed `DENO_DIR` copied to `denoDir` before each sandbox process starts, and removed at
   * the end, so that nothing one process caches is seen by another (and a process killed for
   * filling it restarts from a clean copy). Without it `denoDir` is used as it is (the
   * session's warm-up, which makes the template).
   */
  denoDirTemplate?: string;
  /** What the Workers see as their environment (the backend and the data set's directory). */
  env: Record<string, string>;
  /** The units to run, in order. */
  units: JobUnit[];
  /** Start the sandbox once even for units without cases (to warm up a cache). */
  warmUp?: boolean;
  /** Called as each case's result arrives, so the grader can judge it straight away. */
  onResult?: (key: string, result: SandboxResult) => void;
  /**
   * When (`Date.now()`) the submission's time is up on the clock: the process is stopped
   * then, and the cases without a result are not run.
   */
  deadline?: number;
  /**
   * The submission's time in CPU time of its code (its files' loading and its cases), ms
   * (`submissionTimeoutMs`), over every process: once used up, the case running is stopped
   * and the rest are not run.
   */
  budgetMs?: number;
  /** How long `deadline` gave the submission on the clock, ms: for the message. */
  clockMs?: number;
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
  /** Whether a failed import was an unwritten stub. */
  todo?: boolean;
  /** Milliseconds. */
  ms?: number;
  /** A fatal line: whether a fresh process may take over (a Worker did not start). */
  retry?: boolean;
  /** A result line: the case did not run because its file failed to load. */
  load?: boolean;
}

/**
 * Parses the results file; a last line cut short by a killed process is dropped.
 *
 * @example
 * ```ts
 * import { parseResultLines } from "./run.ts";
 * if (parseResultLines("").length !== 0) throw new Error("unexpected: parseResultLines(\"\").length !== 0");
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

/** Reads a growing file's complete new lines on each `pump()`. */
class LineReader {
  #file: Deno.FsFile;
  #lines = new Lines();
  #decoder = new TextDecoder();
  #buffer = new Uint8Array(1 << 16);
  #busy: Promise<void> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  pump(onLine: (line: string) => void): Promise<void> {
    this.#busy = this.#busy.then(async () => {
      while (true) {
        const n = await this.#file.read(this.#buffer);
        if (n === null || n === 0) break;
        const text = this.#decoder.decode(this.#buffer.subarray(0, n), { stream: true });
        for (const line of this.#lines.push(text)) onLine(line);
      }
    });
    return this.#busy;
  }

  close(): void {
    this.#file.close();
  }
}

const RESULT_STATUSES = new Set(["ok", "not-attempted", "error", "timeout", "invalid"]);

/** The wall-clock time a job may take, at most (every limit at its backstop, plus start-up). */
function allowance(job: Omit<SandboxJob, "units">, units: JobUnit[]): number {
  const backstop = (ms: number) => job.wallFactor * ms + 5000;
  return 15_000 + units.reduce(
    (sum, u) =>
      sum + backstop(job.startMs) * (1 + u.cases.length) + u.files.length * backstop(job.importMs) +
      u.cases.reduce((s, c) => s + backstop(c.timeoutMs), 0),
    0,
  );
}

/**
 * Runs `request.units` in the sandbox, restarting it after crashes, and returns a result for
 * every case.
 *
 * @example An empty request starts nothing
 * ```ts
 * import { runInSandbox } from "./run.ts";
 * import { defaultConfig } from "../config.ts";
 * const outcome = await runInSandbox({
 *   config: defaultConfig(), runDir: "/nonexistent", importMapFile: "", denoDir: "", env: {},
 *   units: [],
 * });
 * if (outcome.processes !== 0 || outcome.results.size !== 0) throw new Error("unexpected: outcome.processes !== 0 || outcome.results.size !== 0");
 * ```
 */
export async function runInSandbox(request: SandboxRequest): Promise<SandboxOutcome> {
  try {
    return await runProcesses(request);
  } finally {
    if (request.denoDirTemplate !== undefined) {
      await Deno.remove(request.denoDir, { recursive: true }).catch(() => {});
    }
  }
}

async function runProcesses(request: SandboxRequest): Promise<SandboxOutcome> {
  const { config } = request;
  const results = new Map<string, SandboxResult>();
  const all = request.units.flatMap((u) => u.cases);
  const broken = new Map<string, string>(); // file → why its loading crashed the process
  let processes = 0;
  let fruitless = 0;
  let outOfTimeSaid = false;
  let importsMs = 0; // CPU time of the submission's files as they loaded, in every process
  let stderrTail = "";
  const settle = (c: JobCase, result: SandboxResult) => {
    if (results.has(c.key)) return;
    results.set(c.key, result);
    request.onResult?.(c.key, result);
  };
  while (true) {
    for (const c of all) {
      const why = broken.get(c.file);
      if (why !== undefined) settle(c, { status: "error", message: why });
    }
    const units = request.units.map((u) => ({
      ...u,
      files: u.files.filter((f) => !broken.has(f.file)),
      cases: u.cases.filter((c) => !results.has(c.key)),
    })).filter((u) => u.cases.length > 0 || (request.warmUp && processes === 0));
    if (units.length === 0) break;
    // The submission's CPU time, over the processes so far: its files' loading and its cases.
    const spent = [...results.values()].reduce((sum, r) => sum + (r.ms ?? 0), importsMs);
    if (request.budgetMs !== undefined && spent >= request.budgetMs) {
      const why = `not run: ${outOfTime(request.budgetMs)}`;
      return { results: fillMissing(all, results, why), processes, stderrTail };
    }
    const job: SandboxJob = {
      harness: new URL("./worker.ts", import.meta.url).href,
      results: join(request.runDir, "results.jsonl"),
      env: request.env,
      units,
      startMs: config.startTimeoutMs,
      importMs: config.importTimeoutMs,
      wallFactor: config.wallFactor,
      maxOutputBytes: config.maxOutputBytes,
      maxMessageChars: config.maxMessageChars,
      memoryMb: config.memoryMb,
      maxResultsBytes: 4 * config.maxOutputBytes + 16 * 1024 * 1024,
      ...(request.budgetMs === undefined
        ? {}
        : { budget: { leftMs: request.budgetMs - spent, totalMs: request.budgetMs } }),
    };
    if (request.denoDirTemplate !== undefined) {
      await Deno.remove(request.denoDir, { recursive: true }).catch(() => {});
      await copyDir(request.denoDirTemplate, request.denoDir);
    }
    const jobFile = join(request.runDir, "job.json");
    await Deno.writeTextFile(job.results, "");
    await Deno.writeTextFile(jobFile, JSON.stringify(job));
    const read = [
      jobFile,
      fileURLToPath(new URL("./", import.meta.url)),
      ...new Set(units.flatMap((u) => u.read)),
    ];
    const byKey = new Map(all.map((c) => [c.key, c]));
    let running: string | undefined;
    let importing: string | undefined;
    let done = false;
    let fatal: string | undefined;
    let retry = false;
    let progress = false;
    const handle = (line: ResultLine) => {
      if (line.t === "start" && line.key) running = line.key;
      if (line.t === "importing" && line.file) importing = line.file;
      if (line.t === "import") {
        importing = undefined;
        if (typeof line.ms === "number" && line.ms > 0) importsMs += line.ms;
      }
      if (line.t === "result" && line.key) {
        const c = byKey.get(line.key);
        if (c === undefined || results.has(c.key)) return;
        const status = RESULT_STATUSES.has(String(line.status))
          ? line.status as SandboxResult["status"]
          : "error";
        settle(c, {
          status,
          output: status === "ok" ? line.output : undefined,
          message: typeof line.message === "string" ? line.message : undefined,
          ms: typeof line.ms === "number" ? line.ms : undefined,
          ...(line.load === true ? { load: true } : {}),
        });
        if (running === line.key) running = undefined;
        progress = true;
      }
      if (line.t === "done") done = true;
      if (line.t === "out-of-time") outOfTimeSaid = true;
      if (line.t === "fatal") {
        fatal ??= String(line.message ?? "the sandbox failed");
        retry = line.retry === true;
      }
    };
    const reader = new LineReader(await Deno.open(job.results, { read: true }));
    const deliver = (text: string) => {
      for (const line of parseResultLines(text)) handle(line);
    };
    const ended = await spawnLimited(config.denoPath, [
      "run",
      "--no-prompt",
      ...offlineFlags(config, request.importMapFile),
      "--unstable-worker-options",
      `--v8-flags=--max-old-space-size=${config.heapMb}`,
      `--allow-read=${read.join(",")}`,
      `--allow-write=${job.results}`,
      new URL("./main.ts", import.meta.url).href,
      jobFile,
    ], {
      memoryMb: config.memoryMb,
      reservedMb: config.reservedMb,
      deadline: Math.min(Date.now() + allowance(job, units), request.deadline ?? Infinity),
      keepBytes: 4096,
      cwd: request.cwd ?? request.runDir,
      env: { DENO_DIR: request.denoDir },
      disk: { dir: request.denoDir, growthMb: config.cacheGrowthMb },
      onTick: () => void reader.pump(deliver),
      signal: config.signal,
    });
    // The runner's own watch ended it for memory: the same end as the grader's kill.
    const end = ended.code === MEMORY_EXIT && ended.killedFor === undefined
      ? { ...ended, killedFor: "memory" as const }
      : ended;
    await reader.pump(deliver);
    reader.close();
    processes++;
    stderrTail = end.stderr;
    // The grader never sends SIGINT: one that ended the sandbox is the user's Ctrl-C, sent to
    // the whole process group. No new sandbox starts after it (one would outlive the command
    // and write into the directories it removes).
    if (end.signal === "SIGINT" && end.killedFor === undefined) {
      const message = "grading was interrupted (Ctrl-C)";
      return { results: fillMissing(all, results, message), processes, fatal: message, stderrTail };
    }
    // A Worker that did not start after others had run in the same process may have been
    // starved by what they left running (native threads go on after their Worker ends): the
    // rest goes to a fresh process. One that cannot start in a fresh process is the grader's.
    if (fatal !== undefined && retry && progress) continue;
    if (fatal !== undefined) {
      return {
        results: fillMissing(all, results, "the sandbox failed"),
        processes,
        fatal,
        stderrTail,
      };
    }
    if (done) break;
    if (request.deadline !== undefined && Date.now() >= request.deadline) {
      // On the clock: the limit itself for a submission graded alone, its backstop in a batch.
      const seconds = Math.round(config.submissionTimeoutMs / 1000);
      const clock = Math.round((request.clockMs ?? config.submissionTimeoutMs) / 1000);
      const message = clock === seconds
        ? `not run: this submission's code ran for its whole time of ${seconds} s ` +
          "(the grader's --time-limit)"
        : `not run: this submission's grading reached its time on the clock, ${clock} s, ` +
          `the backstop of its --time-limit of ${seconds} s of CPU time (code that waits uses ` +
          "no CPU time)";
      if (running !== undefined) {
        settle(byKey.get(running)!, { status: "timeout", message: `stopped: ${message.slice(9)}` });
      }
      return { results: fillMissing(all, results, message), processes, stderrTail };
    }
    const reason = `the sandbox process stopped: ${
      endReason(end, config.memoryMb, config.cacheGrowthMb)
    }`;
    if (request.warmUp && processes === 1) {
      return { results: fillMissing(all, results, reason), processes, fatal: reason, stderrTail };
    }
    if (running !== undefined && !results.has(running)) {
      settle(byKey.get(running)!, {
        status: end.killedFor === "deadline" ? "timeout" : "crashed",
        message: reason,
      });
      progress = true;
    } else if (importing !== undefined) {
      broken.set(importing, `loading exercises/${importing} crashed: ${reason}`);
      progress = true;
    }
    fruitless = progress ? 0 : fruitless + 1;
    if (fruitless >= 2) {
      const message = `the sandbox could not start: ${reason}`;
      return { results: fillMissing(all, results, message), processes, fatal: message, stderrTail };
    }
  }
  // A process that ran out of the submission's time says so, then `done`, with cases left.
  const why = outOfTimeSaid && request.budgetMs !== undefined
    ? `not run: ${outOfTime(request.budgetMs)}`
    : "the sandbox returned no result";
  return { results: fillMissing(all, results, why), processes, stderrTail };
}

function fillMissing(
  cases: JobCase[],
  results: Map<string, SandboxResult>,
  message: string,
): Map<string, SandboxResult> {
  for (const c of cases) {
    if (!results.has(c.key)) results.set(c.key, { status: "not-run", message });
  }
  return results;
}

/**
 * The sandbox runner: the main thread of the untrusted `deno` process. No submitted code runs
 * on this thread, and it is the only writer of the results file.
 *
 * The grader starts this script in a separate process (see {@linkcode ./run.ts}) with the kit's
 * config and lockfile, the sandbox import map, `--cached-only`, no network, subprocesses, FFI or
 * system information, reads limited to what its Workers need, and one writable file: the results
 * file. It runs the job's **units** one after another; a unit is a group of exercises whose
 * loaded modules are all within each member's import policy (see `grader/grade.ts`). Per unit
 * it starts a Worker ({@linkcode ./worker.ts}) whose read permission is exactly the unit's files
 * (its submission's files, the kit files they and the run halves load, `node_modules` and the
 * data), has it load the run halves and the unit's submitted files, and runs each case.
 *
 * Limits, per case, in **CPU time** of this process (so that a busy machine does not fail a
 * correct answer), with a wall-clock backstop (`wallFactor × limit + 5 s`) for code that waits:
 *
 * - A case that does not answer in time ends its Worker; the case is `timeout`, and so is every
 *   remaining case of the same exercise, at once, with the same reason. The other exercises go
 *   on in a fresh process (this one ends without `done`, and the grader starts another for the
 *   cases without a result): Deno's `Worker.terminate()` does not stop a synchronous loop, whose
 *   thread would go on and charge its CPU time to every later case of this process (nineteenth
 *   review: 2 to 2.5 times their own). A file that does not load in time does the same.
 * - An uncaught error in the Worker (a Promise left rejected with no handler, a timer that
 *   throws) fails the case running when it comes; one that comes between requests fails the
 *   next request of the file it belongs to (worker.ts, ownerOf); the Worker is replaced. The harness reports it in its reply (`replace`), on the port, so that the order
 *   of the two does not depend on the machine's load, and answers one turn of the event loop
 *   after the call, so that what the call left behind fails that case, not the next. An error
 *   that still reaches the Worker's own channel (`onerror`) fails the case waiting, or
 *   replaces the Worker before the next.
 * - A file that does not load in time, or kills its Worker while loading, fails its exercise.
 * - Memory: this thread watches the process's resident set while the Worker works and exits
 *   with {@linkcode MEMORY_EXIT} above `memoryMb`, which the grader reports as the memory cap,
 *   like its own watch from outside. Both are needed: the outside watch cannot be late when the
 *   grader is busy, this one cannot be late when the submission allocates fast (V8, refused
 *   memory by the data-segment limit, retries its collections for seconds of CPU before it
 *   gives up, which would end the case as a timeout instead).
 *
 * Everything the Worker sends is checked here, in an isolate no submitted code shares: outputs
 * must be plain data ({@linkcode ./plain.ts}) of at most `maxOutputBytes` encoded, messages are
 * cut to `maxMessageChars`, and outputs that would take the results file past `maxResultsBytes`
 * fail their case instead of being written. The process's stdout and stderr, which the
 * submission shares, are never read by the grader.
 *
 * Usage (by the grader only): `deno run … grader/sandbox/main.ts JOB.json`.
 *
 * Results file: one JSON object per line:
 * `{"t":"unit","id"}`, `{"t":"importing","file"}`,
 * `{"t":"import","file","ok","todo"?,"message"?,"ms"}`,
 * `{"t":"start","key"}`,
 * `{"t":"result","key","status","output"?,"message"?,"ms"}` (output encoded by
 * {@linkcode ./plain.ts encodePlain}), `{"t":"fatal","message","retry"}` (`retry` when a Worker
 * did not start: a fresh process may take over), `{"t":"out-of-time"}` (the submission's time,
 * `budget`, is used up: the cases left are not run), `{"t":"done"}`.
 *
 * @example The job format
 * ```ts
 * import type { SandboxJob } from "./main.ts";
 * const job: SandboxJob = {
 *   harness: "file:///kit/grader/sandbox/worker.ts", results: "/tmp/run/results.jsonl",
 *   env: {}, units: [], startMs: 30000, importMs: 10000, wallFactor: 3,
 *   maxOutputBytes: 1 << 24, maxMessageChars: 2000, maxResultsBytes: 1 << 26, memoryMb: 2048,
 * };
 * if (job.units.length !== 0) throw new Error("expected no units");
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodePlain, validatePlain } from "./plain.ts";

/** One case to run. */
export interface JobCase {
  /** Manifest key. */
  key: string;
  /** The submitted file passed as `impl`. */
  file: string;
  /** The names that file must export. */
  exports: string[];
  /** URL of the run half holding the case's run. */
  module: string;
  /** The run's id in that run half. */
  run: string;
  /** CPU-time limit, ms. */
  timeoutMs: number;
}

/** One Worker's worth of work. */
export interface JobUnit {
  /** A name for messages. */
  id: string;
  /** URLs of the run halves the Worker loads first. */
  runModules: string[];
  /** Paths the Worker may read (and so import). */
  read: string[];
  /**
   * Submitted files to load: relative name, URL, and the TensorFlow.js functions refused while
   * its cases run (its exercise's `shortcuts`).
   */
  files: { file: string; url: string; shortcuts: string[] }[];
  /**
   * The TensorFlow.js functions refused while any submitted file loads: every exercise's
   * `shortcuts`, so that what a file may do while loading does not depend on which file
   * imports it first, or on which Worker it loads in.
   */
  loading: string[];
  /** Cases, in order. */
  cases: JobCase[];
}

/** What the grader asks the runner to do. */
export interface SandboxJob {
  /** URL of the harness ({@linkcode ./worker.ts}). */
  harness: string;
  /** Path of the results file (the only writable path). */
  results: string;
  /** The environment the Workers see (read-only): the backend, the data set's directory. */
  env: Record<string, string>;
  /** The units, in order. */
  units: JobUnit[];
  /** CPU time to start a Worker and load its run half, ms. */
  startMs: number;
  /** CPU time to load one submitted file, ms. */
  importMs: number;
  /** Wall-clock backstop factor (see the module doc). */
  wallFactor: number;
  /** Largest encoded output accepted per case, bytes. */
  maxOutputBytes: number;
  /** Longest message kept, characters. */
  maxMessageChars: number;
  /** Largest results file, bytes. */
  maxResultsBytes: number;
  /** Largest resident set of the process, MiB (see the module doc). */
  memoryMb: number;
  /**
   * The submission's time ({@linkcode ../config.ts GraderConfig.submissionTimeoutMs}), in CPU
   * time of its code (its files' loading and its cases): `totalMs` in all, `leftMs` left for
   * this process.
   */
  budget?: { leftMs: number; totalMs: number };
}

/**
 * Why the cases after the submission's time ran out are not run.
 *
 * @example
 * ```ts
 * import { outOfTime } from "./main.ts";
 * const why = outOfTime(480_000);
 * if (why !== "this submission's code ran for its whole time of 480 s of CPU time (the grader's --time-limit)") throw new Error(why);
 * ```
 */
export function outOfTime(totalMs: number): string {
  return `this submission's code ran for its whole time of ${
    Math.round(totalMs / 1000)
  } s of CPU time (the grader's --time-limit)`;
}

/**
 * The exit code of a sandbox process that went over its memory cap: the grader reports it as
 * it reports its own kill for memory.
 *
 * @example
 * ```ts
 * import { MEMORY_EXIT } from "./main.ts";
 * if (MEMORY_EXIT < 64 || MEMORY_EXIT > 113) throw new Error(`not a free exit code: ${MEMORY_EXIT}`);
 * ```
 */
export const MEMORY_EXIT = 86;

type Reply = Record<string, unknown>;

/** A Worker that did not start (its run halves did not load in time, or it died). */
class StartError extends Error {}

/** Room for one request (a case's ids and names). */
const REQUEST_BYTES = 64 * 1024;

/**
 * The end of the results file kept for short lines (a case's status with a cut message is
 * a few hundred bytes), once outputs and messages have taken the rest.
 */
const RESERVE_BYTES = 1 << 20;
/** `clock`: stopped by the wall-clock backstop, not by the CPU limit (code that waits). */
type Outcome = { kind: "reply"; data: Reply } | { kind: "timeout"; clock: boolean } | {
  kind: "crash";
  message: string;
};

/** CPU time of this whole process (its Workers included), in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

class Runner {
  #job: SandboxJob;
  #out: Deno.FsFile;
  #written = 0;
  #encoder = new TextEncoder();
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  /** Where requests go (see `worker.ts`): a sequence number and a length, then the JSON. */
  #requests: { header: Int32Array; body: Uint8Array } | undefined;
  #waiting: { id: number; settle: (outcome: Outcome) => void } | undefined;
  #nextId = 1;
  /** An uncaught error in the Worker between requests. */
  #died: string | undefined;
  /** file → why it failed to load (for good: not loaded again). */
  #failed = new Map<string, { message: string; todo: boolean }>();
  /** file → why its remaining cases are not run (an earlier case timed out). */
  #stopped = new Map<string, string>();
  #loaded = new Set<string>();
  /** Cases with a result written. */
  #settled = new Set<string>();
  /** Set once a Worker was stopped mid-work: its thread may still run, so no more work here. */
  #spoilt = false;
  /** CPU time the submission's code may still use, ms. */
  #budgetLeft: number;

  constructor(job: SandboxJob, out: Deno.FsFile) {
    this.#job = job;
    this.#out = out;
    this.#budgetLeft = job.budget?.leftMs ?? Infinity;
  }

  #cut(text: unknown): string {
    const s = typeof text === "string" ? text : String(text ?? "");
    const limit = this.#job.maxMessageChars;
    return s.length > limit ? `${s.slice(0, limit)}…` : s;
  }

  /** A results line as UTF-8: what it costs of the results file's budget. */
  #encode(line: Record<string, unknown>): Uint8Array {
    return this.#encoder.encode(
      JSON.stringify({ ...line, at: Math.round(performance.now()) }) + "\n",
    );
  }

  /** Bytes outputs and messages may still take: the last {@linkcode RESERVE_BYTES} are kept. */
  #room(): number {
    return this.#job.maxResultsBytes - RESERVE_BYTES - this.#written;
  }

  #append(bytes: Uint8Array): void {
    if (this.#written + bytes.length > this.#job.maxResultsBytes) {
      throw new Error(`the results passed ${this.#job.maxResultsBytes} bytes`);
    }
    let done = 0;
    while (done < bytes.length) done += this.#out.writeSync(bytes.subarray(done));
    this.#written += bytes.length;
  }

  /**
   * Writes a line. A line whose message no longer fits in the budget keeps the start of its
   * message, so that a submission's messages can fill the file without costing its results.
   */
  write(line: Record<string, unknown>): void {
    let bytes = this.#encode(line);
    if (bytes.length > this.#room() && typeof line.message === "string") {
      const message = `${line.message.slice(0, 200)}… (cut: the messages filled the results file)`;
      bytes = this.#encode({ ...line, message });
    }
    this.#append(bytes);
  }

  /**
   * Waits for the reply to request `id`, sent by `send`, within `limitMs` of CPU time (and
   * its wall-clock backstop).
   */
  #await(id: number, limitMs: number, send: () => void, wallOfMs = limitMs): Promise<Outcome> {
    return new Promise((resolve) => {
      const startCpu = cpuMs();
      const wallEnd = Date.now() + this.#job.wallFactor * wallOfMs + 5000;
      const cap = this.#job.memoryMb * 1024 * 1024;
      const timer = setInterval(() => {
        if (Deno.memoryUsage().rss > cap) Deno.exit(MEMORY_EXIT);
        if (cpuMs() - startCpu > limitMs) settle({ kind: "timeout", clock: false });
        else if (Date.now() > wallEnd) settle({ kind: "timeout", clock: true });
      }, 20);
      const settle = (outcome: Outcome) => {
        clearInterval(timer);
        if (this.#waiting?.id === id) this.#waiting = undefined;
        resolve(outcome);
      };
      this.#waiting = { id, settle };
      if (this.#died !== undefined) settle({ kind: "crash", message: this.#died });
      else send();
    });
  }

  /** Sends a request to the harness and waits for its reply, within `limitMs` of CPU time. */
  #ask(request: Reply, limitMs: number, wallOfMs = limitMs): Promise<Outcome> {
    const id = this.#nextId++;
    return this.#await(id, limitMs, () => {
      const { header, body } = this.#requests!;
      const bytes = this.#encoder.encode(JSON.stringify({ ...request, id }));
      if (bytes.length > body.length) throw new RangeError("a request too long for the buffer");
      body.set(bytes);
      Atomics.store(header, 1, bytes.length);
      Atomics.add(header, 0, 1);
      Atomics.notify(header, 0);
    }, wallOfMs);
  }

  async #start(unit: JobUnit): Promise<void> {
    this.#stop();
    if (this.#spoilt) throw new Restart();
    this.#died = undefined;
    this.#loaded.clear();
    const worker = new Worker(this.#job.harness, {
      type: "module",
      name: `unit ${unit.id}`,
      deno: {
        permissions: {
          read: unit.read,
          env: false,
          write: false,
          net: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
    const channel = new MessageChannel();
    const requests = new SharedArrayBuffer(8 + REQUEST_BYTES);
    this.#worker = worker;
    this.#port = channel.port1;
    this.#requests = { header: new Int32Array(requests, 0, 2), body: new Uint8Array(requests, 8) };
    // Anything on the Worker's own channel comes from submitted code: ignored.
    worker.onmessage = () => {};
    worker.onmessageerror = () => {};
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const message = `uncaught error: ${this.#cut(event.message)}`;
      if (this.#waiting) this.#waiting.settle({ kind: "crash", message });
      else this.#died = message;
    };
    channel.port1.onmessage = (event: MessageEvent) => {
      const data = event.data as Reply;
      if (typeof data !== "object" || data === null) return;
      if (this.#waiting && (data.type === "ready" || data.id === this.#waiting.id)) {
        this.#waiting.settle({ kind: "reply", data });
      }
    };
    channel.port1.onmessageerror = () => {
      this.#waiting?.settle({ kind: "crash", message: "sent a message that cannot be read" });
    };
    const ready = await this.#await(
      this.#nextId++,
      this.#job.startMs,
      () =>
        worker.postMessage({
          runModules: unit.runModules,
          requests,
          env: this.#job.env,
          shortcuts: Object.fromEntries(unit.files.map((f) => [f.file, f.shortcuts])),
          loading: unit.loading,
          // tfjs's wasm binaries: read while tfjs loads, and no longer once it has.
          unreadable: unit.read.filter((path) => path.endsWith(".wasm")),
        }, [channel.port2]),
    );
    if (ready.kind !== "reply" || ready.data.failed !== undefined) {
      throw new StartError(
        ready.kind === "timeout"
          ? `the sandbox did not start within ${this.#job.startMs} ms of CPU time`
          : ready.kind === "crash"
          ? `the sandbox failed to start: ${ready.message}`
          : `the sandbox failed to start: ${this.#cut(ready.data.failed)}`,
      );
    }
    for (const { file, url } of unit.files) {
      if (this.#failed.has(file) || this.#stopped.has(file)) continue;
      if (!unit.cases.some((c) => c.file === file)) continue;
      this.write({ t: "importing", file });
      const startCpu = cpuMs();
      const outcome = await this.#ask({ type: "import", file, url }, this.#job.importMs);
      // Code that runs as a file loads is the submission's too: its time counts.
      const ms = Math.round(cpuMs() - startCpu);
      this.#budgetLeft -= ms;
      if (outcome.kind === "reply" && outcome.data.ok === true) {
        this.#loaded.add(file);
        this.write({ t: "import", file, ok: true, ms });
        continue;
      }
      const failure = outcome.kind === "reply"
        ? {
          message: `exercises/${file} failed to load: ${this.#cut(outcome.data.message)}`,
          todo: outcome.data.todo === true,
        }
        : {
          message: outcome.kind === "timeout"
            ? `loading exercises/${file} took longer than ${
              outcome.clock
                ? this.#clock(this.#job.importMs)
                : `${this.#job.importMs} ms of CPU time`
            }`
            : `loading exercises/${file} failed: the code ${outcome.message}`,
          todo: false,
        };
      this.#failed.set(file, failure);
      this.write({ t: "import", file, ok: false, ...failure, ms });
      if (outcome.kind === "timeout") this.#spoilt = true;
      if (outcome.kind !== "reply" || outcome.data.replace === true) return await this.#start(unit);
    }
  }

  /** The clock's backstop for a limit of `limitMs` of CPU time, in words. */
  #clock(limitMs: number): string {
    const seconds = (this.#job.wallFactor * limitMs + 5000) / 1000;
    return `${seconds} s on the clock, the backstop of its ${limitMs} ms of CPU time (code ` +
      "that waits uses no CPU time)";
  }

  #stop(): void {
    this.#port?.close();
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#port = undefined;
    this.#requests = undefined;
    this.#loaded.clear();
  }

  /** `load`: the case did not run because its file failed to load. */
  #result(c: JobCase, status: string, message: string, ms = 0, load = false): void {
    const line = { t: "result", key: c.key, status, message: this.#cut(message), ms };
    this.write(load ? { ...line, load } : line);
    this.#settled.add(c.key);
  }

  /**
   * Before this process ends for a {@linkcode Restart}: the results already known of the cases
   * left (those of a file that failed to load, or whose earlier case timed out), so that the
   * next process runs only the others.
   */
  settleKnown(): void {
    for (const c of this.#job.units.flatMap((u) => u.cases)) {
      if (this.#settled.has(c.key)) continue;
      const failed = this.#failed.get(c.file);
      const stopped = this.#stopped.get(c.file);
      if (failed !== undefined) {
        this.#result(c, failed.todo ? "not-attempted" : "error", failed.message, 0, true);
      } else if (stopped !== undefined) this.#result(c, "timeout", stopped);
    }
  }

  async runUnit(unit: JobUnit): Promise<void> {
    this.write({ t: "unit", id: unit.id });
    await this.#start(unit);
    for (const c of unit.cases) {
      const failed = this.#failed.get(c.file);
      const stopped = this.#stopped.get(c.file);
      if (failed !== undefined) {
        this.#result(c, failed.todo ? "not-attempted" : "error", failed.message, 0, true);
        continue;
      }
      if (stopped !== undefined) {
        this.#result(c, "timeout", stopped);
        continue;
      }
      if (this.#died !== undefined || this.#worker === undefined) await this.#start(unit);
      if (!this.#loaded.has(c.file)) {
        const again = this.#failed.get(c.file);
        this.#result(
          c,
          again?.todo ? "not-attempted" : "error",
          again?.message ?? "not loaded",
          0,
          true,
        );
        continue;
      }
      if (this.#budgetLeft <= 0) {
        this.write({ t: "out-of-time" });
        throw new OutOfTime();
      }
      this.write({ t: "start", key: c.key });
      const startCpu = cpuMs();
      // The case's own limit, or what is left of the submission's time if that is less (its
      // backstop on the clock stays the case's own).
      const limit = Math.min(c.timeoutMs, this.#budgetLeft);
      const outcome = await this.#ask(
        { type: "run", module: c.module, run: c.run, file: c.file, exports: c.exports },
        limit,
        c.timeoutMs,
      );
      const ms = Math.round(cpuMs() - startCpu);
      this.#budgetLeft -= ms;
      if (outcome.kind === "timeout" && this.#budgetLeft <= 0) {
        this.#result(c, "timeout", `stopped: ${outOfTime(this.#job.budget!.totalMs)}`, ms);
        this.write({ t: "out-of-time" });
        throw new OutOfTime();
      }
      if (outcome.kind === "timeout") {
        const reason = outcome.clock
          ? `no result within ${this.#clock(c.timeoutMs)} (the case was stopped)`
          : `no result within the time limit of ${c.timeoutMs} ms of CPU time ` +
            "(the case was stopped)";
        this.#result(c, "timeout", reason, ms);
        this.#stopped.set(
          c.file,
          `not run: an earlier case of exercises/${c.file} timed out (${reason})`,
        );
        this.#stop();
        this.#spoilt = true;
        continue;
      }
      if (outcome.kind === "crash") {
        this.#result(c, "error", `the code failed: ${outcome.message}`, ms);
        this.#stop();
        continue;
      }
      this.#report(c, outcome.data, ms);
      if (outcome.data.replace === true) this.#stop();
    }
    this.#stop();
  }

  #report(c: JobCase, data: Reply, ms: number): void {
    if (data.status !== "ok") {
      const status = data.status === "not-attempted" ? "not-attempted" : "error";
      this.#result(c, status, String(data.message ?? ""), ms);
      return;
    }
    let line: Uint8Array;
    try {
      const output = encodePlain(validatePlain(data.output));
      // Budgets count UTF-8 bytes of the line as written: a character may take three.
      line = this.#encode({ t: "result", key: c.key, status: "ok", output, ms });
      if (line.length > this.#job.maxOutputBytes) {
        throw new RangeError(
          `The output is too large: ${line.length} bytes encoded, at most ` +
            `${this.#job.maxOutputBytes}`,
        );
      }
      if (line.length > this.#room()) {
        throw new RangeError(
          `The outputs are too large in all: this submission's outputs passed ` +
            `${this.#job.maxResultsBytes - RESERVE_BYTES} bytes`,
        );
      }
    } catch (error) {
      this.#result(c, "invalid", (error as Error).message, ms);
      return;
    }
    this.#append(line);
    this.#settled.add(c.key);
  }
}

/** Thrown once this process may do no more work: the grader goes on in a fresh one. */
class Restart extends Error {}

/** Thrown once the submission's time is used up: no case of it runs any more. */
class OutOfTime extends Error {}

async function main(): Promise<void> {
  const job = JSON.parse(await Deno.readTextFile(Deno.args[0])) as SandboxJob;
  const out = await Deno.open(job.results, { write: true, append: true });
  const runner = new Runner(job, out);
  try {
    for (const unit of job.units) await runner.runUnit(unit);
    runner.write({ t: "done" });
  } catch (error) {
    if (error instanceof Restart) {
      runner.settleKnown();
      return; // no `done`: the grader runs the cases left in a fresh process
    }
    if (error instanceof OutOfTime) {
      // The grader says why the cases left are not run (it has counted the time too).
      runner.write({ t: "done" });
      return;
    }
    try {
      runner.write({
        t: "fatal",
        message: error instanceof Error ? error.message : String(error),
        retry: error instanceof StartError,
      });
    } catch {
      // The results file is full: the grader reports the cases without a result.
    }
  } finally {
    out.close();
  }
}

if (import.meta.main) {
  await main();
  // A Worker may have left timers or handles behind; the job is done.
  Deno.exit(0);
}

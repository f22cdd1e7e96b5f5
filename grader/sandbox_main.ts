/**
 * The sandbox runner: the main thread of the untrusted `deno` process.
 *
 * The grader starts this script in a separate process (see {@linkcode ./sandbox.ts}) with the
 * kit's config and lockfile, `--cached-only`, no network, no subprocesses, no FFI, no system
 * information, reads limited to the stage, the kit's `node_modules`, its `data/` and the data
 * set, and one writable file: the results file. No submitted code runs on this thread. It
 * starts a Worker with fewer permissions still (reads only; no writes at all, no environment
 * beyond the backend and data-set variables) from the generated entry module, asks it to load
 * each submitted file and to run each case, and writes what comes back to the results file,
 * which the Worker cannot write. The process's stdout and stderr, which the submission shares,
 * are never read by the grader.
 *
 * Per case it enforces the time limit: when a case does not answer in time, or the Worker
 * dies with an uncaught error, it terminates the Worker, records the case and starts a fresh
 * Worker (loading the files again) for the remaining cases. A file that fails to load, or
 * hangs while loading, fails the cases that need it.
 *
 * Usage (by the grader only): `deno run … grader/sandbox_main.ts JOB.json`.
 *
 * Results file: one JSON object per line, each written whole by this thread:
 * `{"t":"ready"}`, `{"t":"importing","file"}`, `{"t":"import","file","ok","todo","permanent","message"}`, `{"t":"start","key"}`,
 * `{"t":"result","key","status","output"?,"message"?,"ms"}` (output encoded by
 * {@linkcode ./plain.ts encodePlain}), `{"t":"restart","reason"}`, `{"t":"fatal","message"}`,
 * `{"t":"done"}`.
 *
 * @example The job format
 * ```ts
 * import type { SandboxJob } from "./sandbox_main.ts";
 * const job: SandboxJob = {
 *   entry: "file:///tmp/session/entry.ts", results: "/tmp/run/results.jsonl",
 *   read: ["/tmp/run/s/exercises"], env: [], files: [], cases: [],
 *   startTimeoutMs: 30000, importTimeoutMs: 10000,
 * };
 * if (job.cases.length !== 0) throw new Error();
 * ```
 *
 * @module
 */
import { encodePlain, validatePlain } from "./plain.ts";

/** What the grader asks the runner to do. */
export interface SandboxJob {
  /** URL of the generated Worker entry module. */
  entry: string;
  /** Path of the results file (the only writable path). */
  results: string;
  /** Paths the Worker may read. */
  read: string[];
  /** Environment variables the Worker may read. */
  env: string[];
  /** Submitted modules to load, in order. */
  files: { file: string; url: string }[];
  /** Cases to run, in order. */
  cases: { key: string; name: string; file: string; exports: string[]; timeoutMs: number }[];
  /** Time to start a Worker (load the kit), in ms. */
  startTimeoutMs: number;
  /** Time to load one submitted file, in ms. */
  importTimeoutMs: number;
  /** Files that already failed for good in an earlier process: file → message. */
  failed?: Record<string, string>;
  /** Largest encoded output accepted per case, in bytes. Default 16 MiB. */
  maxOutputBytes?: number;
}

type Reply = Record<string, unknown>;

/** Waits for the Worker's reply to request `id`, an uncaught error, or the time limit. */
type Outcome =
  | { kind: "reply"; data: Reply }
  | { kind: "timeout" }
  | { kind: "crash"; message: string };

class Runner {
  #job: SandboxJob;
  #out: Deno.FsFile;
  #worker: Worker | undefined;
  #waiting: ((outcome: Outcome) => void) | undefined;
  #expect: { type: string; id: number } | undefined;
  #nextId = 1;
  #encoder = new TextEncoder();
  /** file → load outcome in the current Worker. */
  #loaded = new Map<string, { ok: boolean; todo?: boolean; message?: string }>();
  /** Files that failed for good (hung or crashed while loading): not loaded again. */
  #failed = new Map<string, string>();

  /** Set when the Worker died between requests (an uncaught error in a timer). */
  #dead = false;
  #deathMessage = "";

  constructor(job: SandboxJob, out: Deno.FsFile) {
    this.#job = job;
    this.#out = out;
    for (const [file, message] of Object.entries(job.failed ?? {})) this.#failed.set(file, message);
  }

  write(line: Record<string, unknown>): void {
    const bytes = this.#encoder.encode(JSON.stringify(line) + "\n");
    let written = 0;
    while (written < bytes.length) written += this.#out.writeSync(bytes.subarray(written));
  }

  #settle(outcome: Outcome): void {
    const resolve = this.#waiting;
    this.#waiting = undefined;
    this.#expect = undefined;
    resolve?.(outcome);
  }

  #wait(type: string, id: number, ms: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle({ kind: "timeout" }), ms);
      this.#expect = { type, id };
      this.#waiting = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
    });
  }

  async start(): Promise<void> {
    const job = this.#job;
    const worker = new Worker(job.entry, {
      type: "module",
      name: "submission",
      deno: {
        permissions: {
          read: job.read,
          env: job.env,
          write: false,
          net: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
    this.#worker = worker;
    this.#dead = false;
    worker.onmessage = (event: MessageEvent) => {
      const data = event.data as Reply;
      if (typeof data !== "object" || data === null) return;
      const expect = this.#expect;
      if (expect && data.type === expect.type && (expect.id === 0 || data.id === expect.id)) {
        this.#settle({ kind: "reply", data });
      }
    };
    worker.onmessageerror = () => {
      if (this.#expect) {
        this.#settle({ kind: "crash", message: "sent a message that cannot be read" });
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      if (this.#waiting === undefined) {
        this.#dead = true;
        this.#deathMessage = `uncaught error: ${event.message}`;
      }
      this.#settle({ kind: "crash", message: `uncaught error: ${event.message}` });
    };
    const ready = await this.#wait("ready", 0, job.startTimeoutMs);
    if (ready.kind !== "reply") {
      throw new Error(
        ready.kind === "timeout"
          ? `the sandbox did not start within ${job.startTimeoutMs} ms`
          : `the sandbox failed to start: ${ready.message}`,
      );
    }
    this.#loaded.clear();
    for (const { file, url } of job.files) {
      if (this.#failed.has(file)) continue;
      const id = this.#nextId++;
      this.write({ t: "importing", file });
      worker.postMessage({ type: "import", id, file, url });
      const outcome = await this.#wait("imported", id, job.importTimeoutMs);
      if (outcome.kind === "reply") {
        const ok = outcome.data.ok === true;
        const entry = {
          ok,
          todo: outcome.data.todo === true,
          message: ok ? undefined : String(outcome.data.message ?? "failed to load"),
        };
        this.#loaded.set(file, entry);
        this.write({ t: "import", file, ...entry });
        continue;
      }
      const message = outcome.kind === "timeout"
        ? `loading exercises/${file} took longer than ${job.importTimeoutMs} ms`
        : `loading exercises/${file} failed: ${outcome.message}`;
      this.#failed.set(file, message);
      this.write({ t: "import", file, ok: false, permanent: true, message });
      this.write({ t: "restart", reason: message });
      this.stop();
      return await this.start();
    }
  }

  stop(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  async runCase(c: SandboxJob["cases"][number], retried = false): Promise<void> {
    const failed = this.#failed.get(c.file);
    const loaded = this.#loaded.get(c.file);
    if (failed !== undefined || loaded === undefined || !loaded.ok) {
      const todo = loaded?.todo === true;
      this.write({
        t: "result",
        key: c.key,
        status: todo ? "not-attempted" : "error",
        message: failed ??
          (loaded?.message !== undefined
            ? `exercises/${c.file} failed to load: ${loaded.message}`
            : `exercises/${c.file} was not loaded`),
        ms: 0,
      });
      return;
    }
    if (this.#dead) {
      const reason = `the code failed outside any case (${this.#deathMessage})`;
      if (retried) {
        this.write({ t: "result", key: c.key, status: "error", message: reason, ms: 0 });
        return;
      }
      this.write({ t: "restart", reason });
      this.stop();
      await this.start();
      return await this.runCase(c, true);
    }
    const id = this.#nextId++;
    this.write({ t: "start", key: c.key });
    const started = performance.now();
    this.#worker!.postMessage({ type: "run", id, key: c.key, file: c.file, exports: c.exports });
    const outcome = await this.#wait("result", id, c.timeoutMs);
    const ms = Math.round(performance.now() - started);
    if (outcome.kind === "reply") {
      const status = outcome.data.status;
      if (status === "ok") {
        let output: string;
        const limit = this.#job.maxOutputBytes ?? 16 * 1024 * 1024;
        try {
          output = encodePlain(validatePlain(outcome.data.output));
          if (output.length > limit) {
            throw new RangeError(
              `The output is too large: ${output.length} characters encoded, at most ${limit}`,
            );
          }
        } catch (error) {
          this.write({
            t: "result",
            key: c.key,
            status: "invalid",
            message: (error as Error).message,
            ms,
          });
          return;
        }
        this.write({ t: "result", key: c.key, status: "ok", output, ms });
        return;
      }
      const known = status === "not-attempted" ? "not-attempted" : "error";
      this.write({
        t: "result",
        key: c.key,
        status: known,
        message: String(outcome.data.message ?? ""),
        ms,
      });
      return;
    }
    const message = outcome.kind === "timeout"
      ? `no result within the time limit of ${c.timeoutMs} ms (the case was stopped)`
      : `the code ${outcome.message}`;
    this.write({
      t: "result",
      key: c.key,
      status: outcome.kind === "timeout" ? "timeout" : "error",
      message,
      ms,
    });
    this.write({ t: "restart", reason: message });
    this.stop();
    await this.start();
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(await Deno.readTextFile(Deno.args[0])) as SandboxJob;
  const out = await Deno.open(job.results, { write: true, append: true, create: true });
  const runner = new Runner(job, out);
  try {
    await runner.start();
    runner.write({ t: "ready" });
    for (const c of job.cases) await runner.runCase(c);
    runner.write({ t: "done" });
  } catch (error) {
    runner.write({ t: "fatal", message: error instanceof Error ? error.message : String(error) });
  } finally {
    runner.stop();
    out.close();
  }
}

if (import.meta.main) {
  await main();
  // The Worker may have left timers or handles behind; the job is done.
  Deno.exit(0);
}

/**
 * Judging, from the grader's side: a pool of judge processes ({@linkcode ./judge_main.ts}) that
 * run the cases' `check`s, one submission per judge at a time.
 *
 * No submission can change another's verdicts through a judge: a judge is replaced as soon as
 * anything could have left it unsound, and every case is judged by a judge that was sound when
 * its submission began.
 *
 * - A judge that dies (out of memory, tfjs's wasm aborting), runs past `checkTimeoutMs` on one
 *   output, or reports that a check itself broke (an error other than an assertion) is killed;
 *   the case is judged again by a fresh judge, and when that one fails the same way the case
 *   fails with the reason. Only the submission that sent such an output can lose by it.
 * - After each submission the judge must still compute `1 + 2` without leaking a tensor (the
 *   canary), or it is replaced before the next one.
 * - Judges run with the sandbox's kind of limits (a memory cap; reads of the kit, the hidden
 *   tables and the data set only; no writes, network or subprocesses).
 *
 * @example A pool with no judges started does nothing
 * ```ts
 * import { JudgePool } from "./judge.ts";
 * import { defaultConfig } from "../config.ts";
 * const pool = new JudgePool(defaultConfig(), { tables: "", hidden: [] }, { read: [], env: {} });
 * await pool.close();
 * ```
 *
 * @module
 */
import type { GraderConfig } from "../config.ts";
import { endReason, type LimitedProcess, Lines, offlineFlags, startLimited } from "../process.ts";
import type { JudgeSetup } from "./judge_main.ts";

/** A verdict on one output. */
export interface Verdict {
  /** Whether the check accepted it. */
  ok: boolean;
  /** Why not. */
  message?: string;
  /** The check's measurement, when it returned one (a finite number). */
  value?: number;
  /** The hint the failed check gave instead of its case's own (`failureHint`). */
  hint?: string;
}

/** Where a judge may read and what environment it gets. */
export interface JudgeAccess {
  /** Paths the judge may read: the kit, the hidden tables, the data set. */
  read: string[];
  /** Environment (the backend and the data set's directory). */
  env: Record<string, string>;
}

type Reply = {
  id?: number;
  ok?: boolean;
  message?: string;
  value?: number;
  hint?: string;
  broken?: boolean;
  ready?: boolean;
};

/** One judge process. */
class Judge {
  #process: LimitedProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiting = new Map<number, (reply: Reply | undefined) => void>();
  #nextId = 1;
  #ready: Promise<boolean>;
  #dead = false;
  /** Set when the judge may no longer be sound. */
  tainted = false;

  constructor(config: GraderConfig, setup: JudgeSetup, access: JudgeAccess) {
    this.#process = startLimited(config.denoPath, [
      "run",
      "--no-prompt",
      ...offlineFlags(config),
      `--v8-flags=--max-old-space-size=${Math.floor(config.judgeMemoryMb / 2)}`,
      `--allow-read=${access.read.join(",")}`,
      ...(Object.keys(access.env).length > 0
        ? [`--allow-env=${Object.keys(access.env).join(",")}`]
        : []),
      new URL("./judge_main.ts", import.meta.url).href,
      JSON.stringify(setup),
    ], {
      memoryMb: config.judgeMemoryMb,
      reservedMb: config.reservedMb,
      env: access.env,
      cwd: config.kitRoot,
      keepBytes: 8192,
      signal: config.signal,
    });
    this.#writer = this.#process.child.stdin.getWriter();
    let readyResolve: (ok: boolean) => void = () => {};
    this.#ready = new Promise((resolve) => (readyResolve = resolve));
    this.#read(readyResolve);
    this.#process.setDeadline(Date.now() + config.startTimeoutMs * config.wallFactor + 60_000);
  }

  async #read(ready: (ok: boolean) => void): Promise<void> {
    const lines = new Lines();
    try {
      for await (
        const chunk of this.#process.child.stdout.pipeThrough(new TextDecoderStream())
      ) {
        for (const line of lines.push(chunk)) {
          if (!line.startsWith("\u0001")) continue;
          let reply: Reply;
          try {
            reply = JSON.parse(line.slice(1));
          } catch {
            continue;
          }
          if (reply.ready) ready(true);
          else if (typeof reply.id === "number") this.#waiting.get(reply.id)?.(reply);
        }
      }
    } finally {
      this.#dead = true;
      ready(false);
      for (const resolve of this.#waiting.values()) resolve(undefined);
      this.#waiting.clear();
    }
  }

  /** Why the judge ended, for messages. */
  async why(config: GraderConfig): Promise<string> {
    await this.#process.stop();
    const status = await this.#process.child.status;
    const stderr = (await this.#process.stderr).trim().split("\n").slice(-3).join(" ");
    const end = {
      code: status.code,
      signal: status.signal,
      killedFor: this.#process.killedFor(),
      stdout: "",
      stderr,
      cut: false,
    };
    return end.killedFor === "deadline"
      ? `it did not finish within ${config.checkTimeoutMs / 1000} s`
      : `${endReason(end, config.judgeMemoryMb)}${stderr ? ` (${stderr.slice(0, 300)})` : ""}`;
  }

  async #ask(request: Record<string, unknown>, deadline: number): Promise<Reply | undefined> {
    if (!(await this.#ready) || this.#dead) return undefined;
    const id = this.#nextId++;
    const reply = new Promise<Reply | undefined>((resolve) => this.#waiting.set(id, resolve));
    this.#process.setDeadline(deadline);
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify({ ...request, id }) + "\n"));
    } catch {
      this.#waiting.delete(id);
      return undefined;
    }
    const answer = await reply;
    this.#waiting.delete(id);
    this.#process.setDeadline(Infinity);
    return answer;
  }

  /** Judges `output` for case `key`; `undefined` when the judge died or broke doing it. */
  async check(key: string, output: string, timeoutMs: number): Promise<Reply | undefined> {
    const reply = await this.#ask({ key, output }, Date.now() + timeoutMs);
    if (reply === undefined || reply.broken) this.tainted = true;
    return reply;
  }

  /** Whether the judge is still sound (see the module doc). */
  async healthy(): Promise<boolean> {
    if (this.tainted || this.#dead) return false;
    const reply = await this.#ask({ canary: true }, Date.now() + 30_000);
    return reply?.ok === true;
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#process.stop();
  }
}

/** The judges of a grading session. */
export class JudgePool {
  #config: GraderConfig;
  #setup: JudgeSetup;
  #access: JudgeAccess;
  #idle: Judge[] = [];
  #all = new Set<Judge>();

  /**
   * @param config limits and paths
   * @param setup what each judge loads
   * @param access what each judge may read, and its environment
   */
  constructor(config: GraderConfig, setup: JudgeSetup, access: JudgeAccess) {
    this.#config = config;
    this.#setup = setup;
    this.#access = access;
  }

  #start(): Judge {
    const judge = new Judge(this.#config, this.#setup, this.#access);
    this.#all.add(judge);
    return judge;
  }

  async #retire(judge: Judge): Promise<void> {
    this.#all.delete(judge);
    await judge.close();
  }

  /**
   * Starts judges until `count` are idle, without waiting for them: a judge takes a second or
   * two to load the tables, which then overlaps whatever comes before the first check.
   */
  warm(count: number): void {
    while (this.#idle.length < count) this.#idle.push(this.#start());
  }

  /**
   * A judge for one submission: `judge(key, output)` gives the verdict; `release()` when the
   * submission is done.
   */
  session(): {
    judge(key: string, output: string): Promise<Verdict>;
    release(): Promise<void>;
  } {
    let current: Judge | undefined;
    let queue: Promise<unknown> = Promise.resolve();
    const config = this.#config;
    // A retry gets a judge started for it, never an idle one another submission has used.
    const take = (
      fresh: boolean,
    ) => (current ??= (fresh ? undefined : this.#idle.pop()) ?? this.#start());
    const once = async (key: string, output: string, fresh = false): Promise<Verdict | string> => {
      const judge = take(fresh);
      const reply = await judge.check(key, output, config.checkTimeoutMs);
      if (reply !== undefined && !reply.broken) {
        const value = reply.ok === true && typeof reply.value === "number" &&
            Number.isFinite(reply.value)
          ? { value: reply.value }
          : {};
        const hint = reply.ok !== true && typeof reply.hint === "string"
          ? { hint: reply.hint }
          : {};
        return { ok: reply.ok === true, message: reply.message, ...value, ...hint };
      }
      const why = reply?.broken
        ? `the check failed on it: ${reply.message}`
        : await judge.why(config);
      current = undefined;
      await this.#retire(judge);
      return why;
    };
    const judgeOne = async (key: string, output: string): Promise<Verdict> => {
      const first = await once(key, output);
      if (typeof first !== "string") return first;
      const second = await once(key, output, true);
      if (typeof second !== "string") return second;
      return { ok: false, message: `the grader could not check this output: ${second}` };
    };
    return {
      judge: (key, output) => {
        const next = queue.then(() => judgeOne(key, output));
        queue = next.catch(() => {});
        return next;
      },
      release: async () => {
        await queue;
        const judge = current;
        current = undefined;
        if (judge === undefined) return;
        if (await judge.healthy()) this.#idle.push(judge);
        else await this.#retire(judge);
      },
    };
  }

  /** Stops every judge. */
  async close(): Promise<void> {
    await Promise.all([...this.#all].map((judge) => judge.close()));
    this.#all.clear();
    this.#idle = [];
  }
}

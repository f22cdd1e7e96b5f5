/**
 * Child processes under limits: every step of the grader that reads a submission (`deno info`,
 * `deno check`, the sandbox) and the judge run through {@linkcode spawnLimited}.
 *
 * - **Memory**: the data segment is capped (`ulimit -d`, which bounds V8's heap, WebAssembly
 *   memory and array buffers alike; V8 reserves address space up front, which
 *   `reservedMb` allows for), and the resident set is watched every 50 ms: above `memoryMb`
 *   the process is killed.
 * - **Time**: past `deadline` (a wall-clock time in ms since the epoch) the process is killed.
 * - **Disk**: a directory the process writes outside its permissions (Deno's cache) can be
 *   watched every 500 ms: once it has grown by more than `disk.growthMb`, the process is killed.
 * - **Output**: stdout and stderr are drained as they come, keeping at most `keepBytes` of
 *   each (the head of stdout, which carries machine output; the tail of stderr, which carries
 *   the last error), so no child can fill the grader's memory by printing.
 * - **Environment**: cleared, except what the caller passes.
 * - **Interrupt**: once `signal` has aborted (Ctrl-C), no process starts and those running are
 *   killed; the call rejects with the signal's reason, so that no retry or replacement can
 *   start one that would outlive the command.
 *
 * @example A child that prints is drained and capped
 * ```ts
 * import { spawnLimited } from "./process.ts";
 * const end = await spawnLimited(Deno.execPath(), ["eval", "console.log('x'.repeat(100000))"], {
 *   memoryMb: 512, reservedMb: 1536, deadline: Date.now() + 60_000, keepBytes: 10, signal: undefined,
 * });
 * if (end.code !== 0 || end.stdout !== "xxxxxxxxxx") throw new Error(JSON.stringify(end));
 * ```
 *
 * @module
 */

/** Limits and environment for {@linkcode spawnLimited}. */
export interface LimitOptions {
  /** Resident-set cap in MiB (watched). */
  memoryMb: number;
  /** Address space the runtime reserves up front, added to the data-segment limit, in MiB. */
  reservedMb: number;
  /** Kill the process at this wall-clock time (ms since the epoch). */
  deadline: number;
  /** Bytes of stdout (head) and stderr (tail) kept. Default 64 KiB. */
  keepBytes?: number;
  /** Working directory. */
  cwd?: string;
  /** Environment variables (everything else is cleared). */
  env?: Record<string, string>;
  /** Text written to the child's stdin, then closed. Default: no stdin. */
  stdin?: string;
  /** Called every 50 ms while the process runs (e.g. to read a growing results file). */
  onTick?: () => void;
  /** A directory whose growth is capped (files under it, in MiB). */
  disk?: { dir: string; growthMb: number };
  /**
   * Once aborted, nothing starts and a running process is killed (see the module's doc).
   * Required, so that no call can forget the grading's own: `undefined` for none.
   */
  signal: AbortSignal | undefined;
}

/** How a limited process ended. */
export interface LimitedEnd {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** The signal that ended it, if any. */
  signal: string | null;
  /** Set when this module killed it: for memory, for time, or for disk. */
  killedFor?: "memory" | "deadline" | "disk";
  /** The first `keepBytes` of stdout. */
  stdout: string;
  /** The last `keepBytes` of stderr. */
  stderr: string;
  /** Whether stdout or stderr held more than `keepBytes`: what was kept is not all of it. */
  cut: boolean;
}

/** A long-lived limited process: see {@linkcode startLimited}. */
export interface LimitedProcess {
  /** The child, with piped stdin and stdout. */
  child: Deno.ChildProcess;
  /** Set when this module killed it. */
  killedFor(): LimitedEnd["killedFor"];
  /** Kills it at `deadline` (ms since the epoch), or never (`Infinity`). */
  setDeadline(deadline: number): void;
  /** The last `keepBytes` of stderr, once it has ended. */
  stderr: Promise<string>;
  /** Kills it (if still running) and waits for it to end. */
  stop(): Promise<void>;
}

/**
 * Starts `command args…` under a memory cap, with piped stdin and stdout, for a process that
 * serves requests (the judge). Its deadline is set per request with `setDeadline`.
 *
 * @example
 * ```ts
 * import { startLimited } from "./process.ts";
 * const p = startLimited("cat", [], { memoryMb: 64, reservedMb: 0, signal: undefined });
 * const writer = p.child.stdin.getWriter();
 * await writer.write(new TextEncoder().encode("hi\n"));
 * await writer.close();
 * const out = await new Response(p.child.stdout).text();
 * await p.stop();
 * if (out !== "hi\n") throw new Error(JSON.stringify(out));
 * ```
 */
export function startLimited(
  command: string,
  args: string[],
  options: Omit<LimitOptions, "deadline" | "stdin" | "onTick">,
): LimitedProcess {
  options.signal?.throwIfAborted();
  const child = limitedCommand(command, args, options, true).spawn();
  const stderr = drain(child.stderr, options.keepBytes ?? 64 * 1024, false).then((d) => d.text);
  let deadline = Infinity;
  let killedFor: LimitedEnd["killedFor"];
  const cap = options.memoryMb * 1024 * 1024;
  const kill = () => killQuietly(child);
  const watch = setInterval(() => {
    if (Date.now() > deadline) killedFor ??= "deadline";
    else if (residentBytes(child.pid) > cap) killedFor ??= "memory";
    else return;
    kill();
  }, 50);
  options.signal?.addEventListener("abort", kill, { once: true });
  child.status.finally(() => {
    clearInterval(watch);
    options.signal?.removeEventListener("abort", kill);
  });
  return {
    child,
    killedFor: () => killedFor,
    setDeadline: (at) => (deadline = at),
    stderr,
    async stop() {
      kill();
      await child.status;
      clearInterval(watch);
    },
  };
}

/** Sends SIGKILL to `child` unless it has ended already. */
function killQuietly(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

/** `command args…` run by `sh` under the data-segment limit, with a cleared environment. */
function limitedCommand(
  command: string,
  args: string[],
  options: Pick<LimitOptions, "memoryMb" | "reservedMb" | "cwd" | "env">,
  stdin: boolean,
): Deno.Command {
  return new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'ulimit -d "$1" && shift && exec "$@"',
      "sh",
      String((options.memoryMb + options.reservedMb) * 1024),
      command,
      ...args,
    ],
    cwd: options.cwd,
    clearEnv: true,
    env: { NO_COLOR: "1", ...options.env },
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Reads the resident set size of process `pid` in bytes, or 0 when it is gone. */
export function residentBytes(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Reads a stream to its end, keeping its first or last `keep` bytes; `cut` when it had more. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  keep: number,
  head: boolean,
): Promise<{ text: string; cut: boolean }> {
  let kept = new Uint8Array(0);
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (head) {
      if (kept.length >= keep) continue;
      const room = keep - kept.length;
      const next = new Uint8Array(kept.length + Math.min(room, chunk.length));
      next.set(kept);
      next.set(chunk.subarray(0, room), kept.length);
      kept = next;
    } else {
      const all = new Uint8Array(kept.length + chunk.length);
      all.set(kept);
      all.set(chunk, kept.length);
      kept = all.slice(Math.max(0, all.length - keep));
    }
  }
  return { text: new TextDecoder().decode(kept), cut: total > keep };
}

/**
 * Runs `command args…` under the limits of `options` and waits for it to end.
 *
 * @example A process past its deadline is killed
 * ```ts
 * import { spawnLimited } from "./process.ts";
 * const end = await spawnLimited("sleep", ["30"], {
 *   memoryMb: 64, reservedMb: 0, deadline: Date.now() + 200, signal: undefined,
 * });
 * if (end.killedFor !== "deadline") throw new Error(JSON.stringify(end));
 * ```
 *
 * @example Ctrl-C: a running process is killed, and none starts afterwards
 * ```ts
 * import { spawnLimited } from "./process.ts";
 * const stop = new AbortController();
 * const limits = { memoryMb: 64, reservedMb: 0, deadline: Date.now() + 60_000, signal: stop.signal };
 * setTimeout(() => stop.abort(new Error("interrupted")), 200);
 * const outcome = (run: Promise<unknown>) => run.then(() => "ended", (e: Error) => e.message);
 * const running = await outcome(spawnLimited("sleep", ["30"], limits));
 * if (running !== "interrupted") throw new Error(`the running process: ${running}`);
 * const later = await outcome(spawnLimited("true", [], limits));
 * if (later !== "interrupted") throw new Error(`a process after the abort: ${later}`);
 * ```
 */
export async function spawnLimited(
  command: string,
  args: string[],
  options: LimitOptions,
): Promise<LimitedEnd> {
  const keep = options.keepBytes ?? 64 * 1024;
  options.signal?.throwIfAborted();
  const child = limitedCommand(command, args, options, options.stdin !== undefined).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close()).catch(
      () => {},
    );
  }
  const stdout = drain(child.stdout, keep, true);
  const stderr = drain(child.stderr, keep, false);
  let killedFor: LimitedEnd["killedFor"];
  const cap = options.memoryMb * 1024 * 1024;
  const disk = options.disk;
  const diskCap = disk ? treeBytes(disk.dir) + disk.growthMb * 1024 * 1024 : Infinity;
  let ticks = 0;
  const watch = setInterval(() => {
    options.onTick?.();
    if (Date.now() > options.deadline) killedFor ??= "deadline";
    else if (residentBytes(child.pid) > cap) killedFor ??= "memory";
    else if (disk && ++ticks % 10 === 0 && treeBytes(disk.dir) > diskCap) killedFor ??= "disk";
    else return;
    killQuietly(child);
  }, 50);
  const interrupt = () => killQuietly(child);
  options.signal?.addEventListener("abort", interrupt, { once: true });
  try {
    const status = await child.status;
    const [out, err] = [await stdout, await stderr];
    options.signal?.throwIfAborted();
    return {
      code: status.code,
      signal: status.signal,
      killedFor,
      stdout: out.text,
      stderr: err.text,
      cut: out.cut || err.cut,
    };
  } finally {
    clearInterval(watch);
    options.signal?.removeEventListener("abort", interrupt);
  }
}

/**
 * Says in words why a limited process ended without success, for reports.
 *
 * @example
 * ```ts
 * import { endReason } from "./process.ts";
 * const text = endReason({ code: 137, signal: "SIGKILL", killedFor: "memory", stdout: "", stderr: "", cut: false }, 512);
 * if (!text.includes("512 MiB")) throw new Error(text);
 * ```
 */
export function endReason(end: LimitedEnd, memoryMb: number, diskMb?: number): string {
  if (end.killedFor === "memory") return `it used more than ${memoryMb} MiB of memory`;
  if (end.killedFor === "disk") {
    return `it wrote more than ${diskMb} MiB to Deno's cache (every module compiled at run ` +
      "time is cached, data: URLs included)";
  }
  if (end.killedFor === "deadline") return "it did not finish in time";
  if (
    end.signal === "SIGTRAP" || end.signal === "SIGABRT" || end.code === 133 || end.code === 134
  ) {
    return `it ran out of memory (limit ${memoryMb} MiB) or crashed`;
  }
  if (end.signal === "SIGKILL") return "it was killed (SIGKILL), probably for memory";
  if (end.signal === "SIGSEGV") return "it crashed (SIGSEGV)";
  return `it ended with exit code ${end.code}${end.signal ? ` (${end.signal})` : ""}`;
}

/**
 * Splits text that arrives in pieces into lines, in time proportional to its length however
 * long a line is (a line of many megabytes arrives in many pieces: the pieces are kept, and
 * joined once its end arrives).
 *
 * @example
 * ```ts
 * import { Lines } from "./process.ts";
 * const lines = new Lines();
 * const got = [...lines.push("ab"), ...lines.push("c\nd"), ...lines.push("\n")];
 * if (got.join("|") !== "abc|d") throw new Error(got.join("|"));
 * ```
 */
export class Lines {
  #pieces: string[] = [];

  /** Adds `text`; returns the lines it completes. */
  push(text: string): string[] {
    const parts = text.split("\n");
    if (parts.length === 1) {
      this.#pieces.push(text);
      return [];
    }
    const lines = [this.#pieces.join("") + parts[0], ...parts.slice(1, -1)];
    this.#pieces = [parts.at(-1)!];
    return lines;
  }
}

/**
 * Bytes in the regular files under `dir` (links are not followed; a file that vanishes while
 * it is counted counts 0).
 *
 * @example
 * ```ts
 * import { treeBytes } from "./process.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a`);
 * await Deno.writeTextFile(`${dir}/a/b`, "12345");
 * if (treeBytes(dir) !== 5) throw new Error(`expected 5 bytes, got ${treeBytes(dir)}`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function treeBytes(dir: string): number {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return 0; // Gone while counted.
  }
  let total = 0;
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) total += treeBytes(path);
    else if (entry.isFile) {
      try {
        total += Deno.lstatSync(path).size;
      } catch {
        // Gone while counted.
      }
    }
  }
  return total;
}

/**
 * Limits for a Deno tool (`deno info`, `deno check`) that reads a submission: its own `DENO_DIR`
 * inside `workDir` (removed with it), whose growth is capped. Deno caches what it learns of
 * every module it reads there; with the machine's own cache, every grading would add to a
 * directory nothing cleans.
 *
 * @example
 * ```ts
 * import { toolCache } from "./process.ts";
 * const limits = toolCache("/tmp/work", 64);
 * if (limits.env.DENO_DIR !== "/tmp/work/deno_dir" || limits.disk.growthMb !== 64) {
 *   throw new Error(JSON.stringify(limits));
 * }
 * ```
 */
export function toolCache(
  workDir: string,
  growthMb = 64,
): { env: Record<string, string>; disk: { dir: string; growthMb: number } } {
  const dir = `${workDir}/deno_dir`;
  return { env: { DENO_DIR: dir }, disk: { dir, growthMb } };
}

/**
 * The flags of every `deno` child that loads the kit's code (the sandbox, the judge, the type
 * check): nothing fetched (`--cached-only`, `--no-remote`), the kit's `deno.json` and its
 * `deno.lock`, which is never written (`--frozen`); with `importMap`, that map in place of the
 * configuration's `imports`.
 *
 * @example
 * ```ts
 * import { offlineFlags } from "./process.ts";
 * const flags = offlineFlags({ configFile: "/kit/deno.json", lockFile: "/kit/deno.lock" }, "/m.json");
 * if (!flags.includes("--frozen") || flags[flags.indexOf("--import-map") + 1] !== "/m.json") {
 *   throw new Error(flags.join(" "));
 * }
 * ```
 */
export function offlineFlags(
  kit: { configFile: string; lockFile: string },
  importMap?: string,
): string[] {
  return [
    "--cached-only",
    "--no-remote",
    "--config",
    kit.configFile,
    ...(importMap === undefined ? [] : ["--import-map", importMap]),
    "--lock",
    kit.lockFile,
    "--frozen",
  ];
}

/**
 * Peak resident memory of this process's descendants, by kind: a sampler for benchmarks that
 * start child processes (the grader's type check, sandboxes and judges). Linux only: it reads
 * `/proc`.
 *
 * Each sample walks the process tree below this one and keeps, per kind, the largest `VmHWM`
 * (the kernel's high-water mark of a process's resident set) seen. A process is sampled while
 * it lives, so what it reaches in its last interval before it ends can be missed: the figures
 * are lower bounds, as close to the peak as the interval.
 *
 * @example Under `deno run -A` it samples; without it, Deno guards `/proc` and it says so
 * ```ts
 * import { watchPeakMemory } from "./process_memory.ts";
 * const classify = (cmdline: string) => cmdline.includes("sleep") ? "sleep" : undefined;
 * let watch;
 * try {
 *   watch = watchPeakMemory(classify, 20);
 * } catch (error) {
 *   if (!String(error).includes("--allow-all")) throw new Error(`unclear error: ${error}`);
 * }
 * if (watch !== undefined) {
 *   await new Deno.Command("sleep", { args: ["0.2"] }).spawn().status;
 *   const sleep = watch.stop().get("sleep");
 *   if (sleep === undefined || !(sleep.mib > 0) || sleep.processes !== 1) {
 *     throw new Error(`sleep's peak memory was not sampled: ${JSON.stringify(sleep)}`);
 *   }
 * }
 * ```
 *
 * @module
 */

/** What {@linkcode watchPeakMemory} found for one kind of process. */
export interface PeakMemory {
  /** The largest resident set one process of this kind reached, in MiB. */
  mib: number;
  /** How many processes of this kind were seen. */
  processes: number;
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined; // ended meanwhile
  }
}

/** Every live process's children, from `/proc/PID/stat` (the parent follows the command's `)`). */
function parents(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries;
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch (error) {
    throw new Error(
      `cannot list /proc to sample child processes' memory (${error}): run with --allow-all, ` +
        "which Deno requires for /proc, on Linux",
      { cause: error },
    );
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readText(`/proc/${entry.name}/stat`);
    if (stat === undefined) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry.name));
    children.set(ppid, list);
  }
  return children;
}

/**
 * Samples every `intervalMs` until `stop()`, which returns the peaks by kind. `classify` gets a
 * descendant's command line (arguments joined by spaces) and names its kind, or `undefined` to
 * leave it out.
 *
 * @throws {Error} naming `--allow-all` when `/proc` cannot be listed (Deno guards it).
 */
export function watchPeakMemory(
  classify: (cmdline: string) => string | undefined,
  intervalMs = 100,
): { stop(): Map<string, PeakMemory> } {
  const peaks = new Map<string, PeakMemory>();
  const seen = new Set<string>();
  const sample = () => {
    const children = parents();
    const queue = [...children.get(Deno.pid) ?? []];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      queue.push(...children.get(pid) ?? []);
      const cmdline = readText(`/proc/${pid}/cmdline`)?.split("\0").join(" ").trim();
      const kind = cmdline === undefined ? undefined : classify(cmdline);
      if (kind === undefined) continue;
      const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(readText(`/proc/${pid}/status`) ?? "");
      if (hwm === null) continue;
      const peak = peaks.get(kind) ?? { mib: 0, processes: 0 };
      peak.mib = Math.max(peak.mib, Number(hwm[1]) / 1024);
      // A pid counts once per kind (`sh -c … exec deno …` keeps its pid but changes its kind).
      const key = `${pid} ${kind}`;
      if (!seen.has(key)) {
        seen.add(key);
        peak.processes++;
      }
      peaks.set(kind, peak);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

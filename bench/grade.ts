/**
 * Grading speed: one submission, and a batch of N, with the kit's exercises.
 *
 * ```text
 * deno run -A bench/grade.ts [--n 20] [--jobs 2]
 * ```
 *
 * The submissions are copies of the kit's `solutions/` (full marks, so every case runs to
 * the end, the training case included), each with a distinct comment so no cache can treat
 * two as one. The one-submission row is a cold `gradeSubmission` after the session is open;
 * its stage columns show where the time goes (the type check runs alongside the sandbox).
 * The batch row grades N in one `gradeBatch` with `--jobs` sandboxes at once; the 100-row
 * extrapolates linearly from its per-submission time (the fixed set-up is counted once), and
 * says so; pass `--n 100` to measure it instead. A last run grades one submission again with
 * its child processes' peak resident memory sampled (`process_memory.ts`: lower bounds, within
 * the sampling interval), one row per kind of process.
 *
 * @example
 * ```ts ignore
 * import { benchGrade } from "./grade.ts";
 * console.log(await benchGrade({ n: 4 }));
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  gradeBatch,
  type GraderConfig,
  gradeSubmission,
  KIT_ROOT,
  openSession,
  type SubmissionReport,
} from "../grader/mod.ts";
import { watchPeakMemory } from "./process_memory.ts";

/** Options for {@linkcode benchGrade}. */
export interface BenchGradeOptions {
  /** Submissions in the batch row. Default 20. */
  n?: number;
  /** Sandboxes at once. Default: the number of cores. */
  jobs?: number;
}

async function copySolutions(from: string, to: string, tag: number): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(join(from, entry.name));
    await Deno.writeTextFile(join(to, entry.name), `${text}\n// bench copy ${tag}\n`);
  }
}

/** The grader's kinds of child process, each with its memory cap in `config`. */
function processKinds(config: GraderConfig) {
  return [
    { kind: "import graph (`deno info`)", pattern: / info --json/, cap: config.toolMemoryMb },
    {
      kind: "type check (`deno check`)",
      pattern: / check .*--import-map/,
      cap: config.toolMemoryMb,
    },
    {
      kind: "sandbox (its Workers included)",
      pattern: /grader\/sandbox\/main\.ts/,
      cap: config.memoryMb,
    },
    { kind: "judge", pattern: /grader\/score\/judge_main\.ts/, cap: config.judgeMemoryMb },
  ];
}

/**
 * CPU seconds used so far by this process and its finished children (Linux `/proc/self/stat`:
 * utime, stime, cutime, cstime, in clock ticks of 1/100 s). Less sensitive than wall time to
 * other work on a shared machine; `undefined` where `/proc` is missing.
 */
function cpuSeconds(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state is field 3, utime is field 14 (index 11 here).
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

function s(x: number): string {
  return x.toFixed(2);
}

/**
 * Runs the benchmark and returns a markdown table.
 *
 * @example
 * ```ts ignore
 * import { benchGrade } from "./grade.ts";
 * const table = await benchGrade({ n: 10, jobs: 2 });
 * ```
 */
export async function benchGrade(options: BenchGradeOptions = {}): Promise<string> {
  const n = options.n ?? 20;
  const jobs = options.jobs ?? navigator.hardwareConcurrency ?? 1;
  const solutions = join(KIT_ROOT, "solutions");
  const work = await Deno.makeTempDir({ prefix: "bench-grade-" });
  const lines: string[] = [];
  try {
    // One submission, in a session of its own: what a single `deno task grade DIR` costs
    // after set-up (the judge process starts with it).
    const sessionStarted = performance.now();
    let session = await openSession();
    const sessionSeconds = (performance.now() - sessionStarted) / 1000;
    const warmCache = session.warmCache;
    const typecheckCache = session.typecheckCache.state;
    await copySolutions(solutions, join(work, "one"), 0);
    const loadBefore = loadAverage();
    const started = performance.now();
    const cpuStarted = cpuSeconds();
    const one = await gradeSubmission(session, join(work, "one"));
    const oneSeconds = (performance.now() - started) / 1000;
    await session.close(); // the judge's CPU counts once it has ended
    const oneCpu = cpuSeconds()! - cpuStarted!;
    const batchDir = join(work, "batch");
    for (let i = 0; i < n; i++) {
      await copySolutions(solutions, join(batchDir, `student${String(i).padStart(3, "0")}`), i + 1);
    }
    const entries = [...Deno.readDirSync(batchDir)].map((e) => ({
      name: e.name,
      dir: join(batchDir, e.name),
    })).sort((a, b) => a.name < b.name ? -1 : 1);
    session = await openSession();
    const batchStarted = performance.now();
    const batchCpuStarted = cpuSeconds();
    const reports: SubmissionReport[] = await gradeBatch(session, entries, { jobs });
    const batchSeconds = (performance.now() - batchStarted) / 1000;
    await session.close();
    const batchCpu = (cpuSeconds()! - batchCpuStarted!) / n;
    const loadAfter = loadAverage();
    const full = reports.filter((r) => r.score === r.maxScore).length;
    const perSubmission = batchSeconds / n;
    const cases = session.manifest.cases.length;
    const training = session.manifest.cases.filter((c) => c.needs.includes("fashion-mnist")).length;
    lines.push(
      `Grading speed (the kit's exercises: ${session.manifest.exercises.length} exercises, ${cases} cases${
        training ? `, ${training} on the full Fashion-MNIST` : ""
      }; ${navigator.hardwareConcurrency} cores; session set-up ${
        s(sessionSeconds)
      } s, once, its sandbox \`DENO_DIR\` ${
        { reused: "a copy of the one kept", warmed: "warmed from nothing", off: "not kept" }[
          warmCache
        ]
      }, the type check's ${
        { reused: "a copy of the one kept", warmed: "warmed on the solutions", off: "empty" }[
          typecheckCache
        ]
      }; CPU of every process, the judges' included)`,
      "",
      row([
        "run",
        "submissions",
        "jobs",
        "wall s",
        "s / submission",
        "CPU s / submission",
        "score",
        "notes",
      ]),
      row(["---", "---:", "---:", "---:", "---:", "---:", "---", "---"]),
      row([
        "one submission",
        1,
        1,
        s(oneSeconds),
        s(oneSeconds),
        s(oneCpu),
        `${one.score}/${one.maxScore}`,
        `stage ${s(one.timings!.stage)}, graph ${s(one.timings!.graph)}, type check ${
          s(one.timings!.typecheck)
        } alongside sandbox ${s(one.timings!.sandbox)}, checks after it ${s(one.timings!.checks)}`,
      ]),
      row([
        "batch",
        n,
        jobs,
        s(batchSeconds),
        s(perSubmission),
        s(batchCpu),
        `${full}/${n} full marks`,
        "shared type check, then sandboxes in parallel",
      ]),
    );
    if (n !== 100) {
      lines.push(row([
        "100 (extrapolated)",
        100,
        jobs,
        s(perSubmission * 100),
        s(perSubmission),
        s(batchCpu),
        "",
        `linear from the batch of ${n}, not measured; on ${jobs} idle cores the CPU time ` +
        `alone needs ${s((batchCpu * 100) / jobs)} s`,
      ]));
    }
    // Memory: one more submission, its child processes sampled every 50 ms.
    await copySolutions(solutions, join(work, "memory"), n + 1);
    session = await openSession();
    const kinds = processKinds(session.config);
    const watch = watchPeakMemory((cmd) => kinds.find((k) => k.pattern.test(cmd))?.kind, 50);
    try {
      await gradeSubmission(session, join(work, "memory"));
      await session.close();
    } finally {
      const peaks = watch.stop();
      lines.push(
        "",
        "Peak resident memory of one submission's processes (sampled every 50 ms: lower bounds) " +
          "and the caps they run under (`grader/config.ts`):",
        "",
        row(["process", "processes", "peak MiB", "cap MiB"]),
        row(["---", "---:", "---:", "---:"]),
        ...kinds.map(({ kind, cap }) => {
          const peak = peaks.get(kind);
          return row([kind, peak?.processes ?? 0, peak ? peak.mib.toFixed(0) : "not seen", cap]);
        }),
      );
    }
    lines.push(
      "",
      `Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter} (the machine is ` +
        "shared: wall times grow with other work, CPU times much less).",
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string" },
      jobs: { type: "string" },
    },
  });
  console.log(
    await benchGrade({
      n: values.n ? Number(values.n) : undefined,
      jobs: values.jobs ? Number(values.jobs) : undefined,
    }),
  );
}

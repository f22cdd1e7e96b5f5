/**
 * Where the test suite's time goes: runs `deno task test` (or the paths given) once, times each
 * module by the moments its lines arrive, and measures what `deno test` costs per module before
 * any test runs (a batch of empty test modules).
 *
 * ```text
 * deno run -A bench/suite.ts [--top 12] [PATH…]
 * ```
 *
 * It runs the whole suite (minutes): `deno task bench suite` runs it, plain `deno task bench`
 * does not.
 *
 * @example
 * ```ts ignore
 * import { benchSuite } from "./suite.ts";
 * console.log(await benchSuite({ paths: ["tests/lib_test.ts"] }));
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { positiveInteger } from "../lib/flags.ts";

/** Options for {@linkcode benchSuite}. */
export interface BenchSuiteOptions {
  /** What to test (default: everything, as `deno task test` does). */
  paths?: string[];
  /** Modules listed by name, the slowest first. Default 12. */
  top?: number;
  /** Empty modules timed for the per-module cost. Default 20. */
  emptyModules?: number;
}

/** One module's share of a run. */
export interface ModuleTime {
  /** As `deno test` names it (`./tests/x_test.ts`, or `./lib/x.ts#10-20.ts` for an example). */
  module: string;
  /** Seconds from the previous module's last line to its own: its start-up and its tests. */
  seconds: number;
}

const RUNNING = /^running \d+ tests? from (\S+)/;

/**
 * Splits a timed `deno test` log into modules. `deno test` prints "running … from MODULE" once
 * the module has loaded, so a module's time runs from the previous module's last line (its
 * start-up) to its own last line; the first module's starts at its "running" line (what comes
 * before is the type check and its start-up). Lines of other kinds are ignored.
 *
 * @example
 * ```ts
 * import { moduleTimes } from "./suite.ts";
 * const times = moduleTimes([
 *   { at: 0, line: "running 2 tests from ./tests/a_test.ts" },
 *   { at: 1.5, line: "a ... ok (1s)" },
 *   { at: 2, line: "running 1 test from ./lib/b.ts#3-9.ts" },
 *   { at: 2.25, line: "ok | 3 passed | 0 failed (2s)" },
 * ]);
 * if (JSON.stringify(times) !== JSON.stringify([
 *   { module: "./tests/a_test.ts", seconds: 1.5 },
 *   { module: "./lib/b.ts#3-9.ts", seconds: 0.75 },
 * ])) throw new Error(`unexpected split: ${JSON.stringify(times)}`);
 * ```
 */
export function moduleTimes(log: { at: number; line: string }[]): ModuleTime[] {
  const times: ModuleTime[] = [];
  const starts: number[] = [];
  let previousAt: number | undefined;
  for (const { at, line } of log) {
    const m = RUNNING.exec(line);
    if (m !== null) {
      const start = times.length === 0 ? at : previousAt ?? at;
      if (times.length > 0) times.at(-1)!.seconds = start - starts.at(-1)!;
      times.push({ module: m[1], seconds: 0 });
      starts.push(start);
    }
    previousAt = at;
  }
  if (times.length > 0) times.at(-1)!.seconds = (previousAt ?? 0) - starts.at(-1)!;
  return times;
}

/** Runs `deno test` with `args`, timing each line as it arrives; the lines and the exit code. */
async function timedTest(
  args: string[],
  cwd: string,
): Promise<{ log: { at: number; line: string }[]; code: number; seconds: number }> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const log: { at: number; line: string }[] = [];
  let rest = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const at = (performance.now() - started) / 1000;
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) log.push({ at, line });
  }
  const { code } = await child.status;
  const seconds = (performance.now() - started) / 1000;
  if (rest !== "") log.push({ at: seconds, line: rest });
  return { log, code, seconds };
}

/** What `deno test` costs per module here: `count` empty test modules, run after a warm-up. */
async function emptyModuleSeconds(count: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "bench-suite-" });
  try {
    await Deno.writeTextFile(join(dir, "deno.json"), "{}");
    for (let i = 0; i < count; i++) {
      await Deno.writeTextFile(join(dir, `m${i}_test.ts`), `Deno.test("m${i}", () => {});\n`);
    }
    await timedTest([dir], dir); // type-check once, so the timed run only starts modules
    // Each module after the first: its start-up and its one empty test.
    const times = moduleTimes((await timedTest([dir], dir)).log).slice(1);
    return times.reduce((total, t) => total + t.seconds, 0) / times.length;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function s(x: number): string {
  return x.toFixed(1);
}

/**
 * Runs the suite once and returns markdown: the total, test modules against documentation
 * examples, the slowest modules, and the per-module cost of `deno test` on this machine.
 *
 * @example
 * ```ts ignore
 * import { benchSuite } from "./suite.ts";
 * const table = await benchSuite({ top: 5 });
 * ```
 */
export async function benchSuite(options: BenchSuiteOptions = {}): Promise<string> {
  const kit = fileURLToPath(new URL("..", import.meta.url));
  const run = await timedTest(["-P", "--doc", ...(options.paths ?? [])], kit);
  const times = moduleTimes(run.log);
  const summary = run.log.findLast(({ line }) => /^(ok|FAILED) \| \d+ passed/.test(line));
  const examples = times.filter((t) => t.module.includes("#"));
  const tests = times.filter((t) => !t.module.includes("#"));
  const sum = (ts: ModuleTime[]) => ts.reduce((total, t) => total + t.seconds, 0);
  const perEmpty = await emptyModuleSeconds(Math.max(2, options.emptyModules ?? 20));
  // The first "running" line comes after the type check and the first module's start.
  const firstAt = run.log.find(({ line }) => RUNNING.test(line))?.at ?? 0;
  const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  const lines = [
    `\`deno test -P --doc\`: ${s(run.seconds)} s wall, ${summary?.line ?? `exit ${run.code}`}; ` +
    `${navigator.hardwareConcurrency} cores`,
    "",
    row(["modules", "count", "seconds", "share"]),
    row(["---", "---:", "---:", "---:"]),
    row([
      "test modules",
      tests.length,
      s(sum(tests)),
      `${(100 * sum(tests) / run.seconds).toFixed(0)} %`,
    ]),
    row([
      "documentation examples",
      examples.length,
      s(sum(examples)),
      `${(100 * sum(examples) / run.seconds).toFixed(0)} %`,
    ]),
    row(["type check and start, before the first module", "", s(firstAt), ""]),
    "",
    row(["slowest modules", "seconds"]),
    row(["---", "---:"]),
    ...[...times].sort((a, b) => b.seconds - a.seconds).slice(0, options.top ?? 12)
      .map((t) => row([`\`${t.module}\``, s(t.seconds)])),
    "",
    `An empty test module costs ${perEmpty.toFixed(2)} s in \`deno test\` here (a Worker and ` +
    `its isolate per module): the suite's ${times.length} modules need ` +
    `${s(perEmpty * times.length)} s before any of their tests run.`,
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { top: { type: "string" } },
    allowPositionals: true,
  });
  console.log(
    await benchSuite({
      paths: positionals.length > 0 ? positionals : undefined,
      top: values.top === undefined ? undefined : positiveInteger("--top", values.top),
    }),
  );
}

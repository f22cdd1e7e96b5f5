/**
 * What loading TensorFlow.js costs a fresh process: the whole `@tensorflow/tfjs` package,
 * the package without the four it bundles that the kit never calls (`lib/tfjs_unused.ts`),
 * and the kit's `lib/tf.ts` (that, plus the backend started and the kit's kernels installed).
 * Every documentation example, grader sandbox Worker, judge and command pays one of these.
 *
 * ```text
 * deno run -A bench/tfjs_load.ts [--rounds 8]
 * ```
 *
 * Each round starts one process per variant, in turn (so a slower moment of the machine falls
 * on all of them); a process reports the milliseconds from its start to the end of its
 * imports. Medians of the rounds.
 *
 * @example
 * ```ts ignore
 * import { benchTfjsLoad } from "./tfjs_load.ts";
 * console.log(await benchTfjsLoad({ rounds: 2 }));
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { positiveInteger } from "../lib/flags.ts";

/** Options for {@linkcode benchTfjsLoad}. */
export interface BenchTfjsLoadOptions {
  /** Processes per variant. Default 8. */
  rounds?: number;
}

const KIT = new URL("..", import.meta.url);

/** The variants: a name and the module a process runs. */
const VARIANTS: [string, string][] = [
  ["`@tensorflow/tfjs`, whole", `import "@tensorflow/tfjs";`],
  [
    "`@tensorflow/tfjs` without layers, converter, data, webgl",
    `import "${new URL("lib/tfjs_unused.ts", KIT).href}";\nimport "@tensorflow/tfjs";`,
  ],
  ["`lib/tf.ts` (the kit's import: wasm started)", `import "${new URL("lib/tf.ts", KIT).href}";`],
];

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the benchmark and returns a markdown table.
 *
 * @example
 * ```ts ignore
 * import { benchTfjsLoad } from "./tfjs_load.ts";
 * const table = await benchTfjsLoad();
 * ```
 */
export async function benchTfjsLoad(options: BenchTfjsLoadOptions = {}): Promise<string> {
  const rounds = options.rounds ?? 8;
  const dir = await Deno.makeTempDir({ prefix: "bench-tfjs-load-" });
  try {
    const scripts = await Promise.all(VARIANTS.map(async ([, code], i) => {
      const path = join(dir, `variant${i}.ts`);
      await Deno.writeTextFile(path, `${code}\nconsole.log(performance.now());\n`);
      return path;
    }));
    const times: number[][] = VARIANTS.map(() => []);
    for (let round = 0; round <= rounds; round++) {
      for (const [i, script] of scripts.entries()) {
        const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--quiet",
            "--config",
            fileURLToPath(new URL("deno.json", KIT)),
            script,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(stdout).trim().split("\n").at(-1)!;
        if (code !== 0 || !Number.isFinite(Number(text))) {
          throw new Error(
            `${VARIANTS[i][0]} failed (exit ${code}): ${new TextDecoder().decode(stderr)}`,
          );
        }
        if (round > 0) times[i].push(Number(text)); // round 0 warms Deno's caches
      }
    }
    return [
      `Loading TensorFlow.js in a fresh \`deno run\` (ms from the process's start to the end of ` +
      `its imports; median of ${rounds} rounds, ${navigator.hardwareConcurrency} cores)`,
      "",
      "| what is imported | ms (median) | min – max |",
      "| --- | ---: | ---: |",
      ...VARIANTS.map(([name], i) =>
        `| ${name} | ${median(times[i]).toFixed(0)} | ${Math.min(...times[i]).toFixed(0)} – ${
          Math.max(...times[i]).toFixed(0)
        } |`
      ),
    ].join("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
  console.log(
    await benchTfjsLoad({
      rounds: values.rounds === undefined ? undefined : positiveInteger("--rounds", values.rounds),
    }),
  );
}

/**
 * `deno task bench`: every benchmark of the kit, printed as markdown tables (the README's).
 *
 * ```sh
 * deno task bench                 # all but the suite: tfjs, data, train, grade, vocab
 * deno task bench train grade     # only these
 * deno task bench suite           # where the test suite's time goes (runs it all: minutes)
 * ```
 *
 * Each part lives in `bench/` and can also run alone (`deno run -A bench/train.ts`, …). The
 * machine is shared and timings are noisy: compare numbers measured in one run.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { benchData } from "../bench/data.ts";
import { benchTrain } from "../bench/train.ts";
import { benchGrade } from "../bench/grade.ts";
import { benchSuite } from "../bench/suite.ts";
import { benchTfjsLoad } from "../bench/tfjs_load.ts";

/** Runs a bench script that only prints (exercise 5's) in its own process; its stdout. */
async function runScript(path: string, args: string[] = []): Promise<string> {
  const script = new URL(path, import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", fileURLToPath(script), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) throw new Error(`${path} failed (exit ${code}):\n${decoder.decode(stderr)}`);
  return decoder.decode(stdout).trimEnd();
}

/** The benchmarks, in the order they run. */
const PARTS: Record<string, () => Promise<string>> = {
  tfjs: () => benchTfjsLoad(),
  data: benchData,
  train: () => benchTrain({ log: (line) => console.error(line) }),
  grade: () => benchGrade(),
  vocab: () => runScript("../bench/vocab.ts", ["--dir", "solutions"]),
  suite: () => benchSuite(),
};

/** Parts run only when named: the suite takes as long as `deno task test`. */
const ON_REQUEST = ["suite"];

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      `Usage: deno task bench [${Object.keys(PARTS).join("] [")}]\n` +
        `Runs the chosen benchmarks (all but ${ON_REQUEST.join(", ")} without arguments) and ` +
        "prints markdown tables.",
    );
    return 0;
  }
  const unknown = args.filter((a) => !(a in PARTS));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark ${unknown.join(", ")}: expected some of ${Object.keys(PARTS).join(", ")}`,
    );
    return 2;
  }
  const chosen = args.length > 0 ? args : Object.keys(PARTS).filter((p) => !ON_REQUEST.includes(p));
  console.log(
    `# Benchmarks (${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores)\n`,
  );
  for (const name of chosen) {
    console.log(`## ${name}\n`);
    console.log(await PARTS[name]());
    console.log();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

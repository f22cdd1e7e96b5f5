/**
 * `deno task package`: build what a grading platform is given.
 *
 * ```text
 * deno task package gradescope [--hidden DIR] [--rubric FILE] --out autograder.zip
 * ```
 *
 * See {@linkcode ../deploy/gradescope.ts} for what the zip holds and does.
 *
 * @example Parsing flags
 * ```ts
 * import { parsePackageArgs } from "./package.ts";
 * const args = parsePackageArgs(["gradescope", "--out", "ag.zip", "--hidden", "h"]);
 * if (args.out !== "ag.zip" || args.hidden !== "h") throw new Error(JSON.stringify(args));
 * ```
 *
 * @module
 */
import { resolve } from "node:path";
import { gradescopePackage } from "../deploy/gradescope.ts";
import { writeFileAtomic } from "../lib/write_atomic.ts";
import { chdirToCaller } from "../lib/caller_cwd.ts";
import { parseFlags, positiveNumber } from "../lib/flags.ts";

/** The help text. */
export const usage = `Build a grading platform's package.

Usage:
  deno task package gradescope [--hidden DIR] [--rubric FILE] --out autograder.zip

  gradescope      A Gradescope autograder zip: setup.sh (installs Deno, the npm packages
                  from deno.lock and the data set, then checks that the reference
                  solutions get full marks), run_autograder, the kit, the hidden cases and
                  the rubric. Upload it as the assignment's autograder ("Zip file upload").
  --hidden DIR    The hidden cases to grade with (as for deno task grade).
  --rubric FILE   The rubric to grade with (as for deno task grade).
  --time-limit S  Seconds a submission's code may run in all (as for deno task grade;
                  default 480): about 60 s under the assignment's autograder timeout
                  (Gradescope's default is 600 s), so the results are written in time.
  --out FILE      Where to write the zip (required).
  -h, --help      Show this help.`;

/** Parsed command line. */
export interface PackageArgs {
  /** The platform: `gradescope`. */
  platform: string;
  /** The zip to write. */
  out: string;
  /** Hidden cases directory. */
  hidden?: string;
  /** Rubric file. */
  rubric?: string;
  /** The grader's `--time-limit`, in seconds. */
  timeLimit?: number;
  /** Show help. */
  help: boolean;
}

/**
 * Parses the command line.
 *
 * @example A missing --out is named
 * ```ts
 * import { parsePackageArgs } from "./package.ts";
 * let message = "";
 * try { parsePackageArgs(["gradescope"]); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("--out")) throw new Error(message);
 * ```
 * @throws {UsageError} for an unknown flag or one missing its value; {@linkcode TypeError} for
 *   a missing or unknown platform or a bad value.
 */
export function parsePackageArgs(argv: string[]): PackageArgs {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      hidden: { type: "string" },
      rubric: { type: "string" },
      "time-limit": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const help = values.help === true;
  if (!help && (positionals.length !== 1 || positionals[0] !== "gradescope")) {
    throw new TypeError(
      `name the platform: deno task package gradescope …, got ${
        positionals.length === 0 ? "none" : JSON.stringify(positionals.join(" "))
      } (container images: see the README)`,
    );
  }
  if (!help && values.out === undefined) {
    throw new TypeError("--out FILE is required: where to write the zip (autograder.zip)");
  }
  return {
    platform: positionals[0] ?? "",
    out: values.out ?? "",
    hidden: values.hidden,
    rubric: values.rubric,
    ...(values["time-limit"] === undefined
      ? {}
      : { timeLimit: positiveNumber("--time-limit", values["time-limit"]) }),
    help,
  };
}

/**
 * Runs the command; returns the exit code (0, or 1 with a message).
 *
 * @example Help
 * ```ts
 * import { main } from "./package.ts";
 * const lines: string[] = [];
 * if (await main(["--help"], (l) => lines.push(l)) !== 0 || !lines[0].startsWith("Build")) {
 *   throw new Error(`expected the help text, got ${lines[0]}`);
 * }
 * ```
 */
export async function main(
  argv: string[],
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): Promise<number> {
  let args: PackageArgs;
  try {
    args = parsePackageArgs(argv);
  } catch (error) {
    printError(`Error: ${(error as Error).message}\n\nRun with --help for usage.`);
    return 1;
  }
  if (args.help) {
    print(usage);
    return 0;
  }
  try {
    const bytes = await gradescopePackage({
      hiddenDir: args.hidden,
      rubricFile: args.rubric,
      timeLimit: args.timeLimit,
    });
    await writeFileAtomic(resolve(args.out), bytes);
    print(
      `Wrote ${args.out} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB): upload it as the ` +
        "Gradescope assignment's autograder.",
    );
    return 0;
  } catch (error) {
    printError(`Error: cannot build the package: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) {
  chdirToCaller();
  Deno.exit(await main(Deno.args));
}

/**
 * `deno task grade`: grade untrusted submissions against the kit's exercises.
 *
 * ```text
 * deno task grade SUBMISSION_DIR [--out FILE] [--format F]
 * deno task grade --batch DIR --out OUT_DIR [--jobs N] [--format F] [--shard K/N]
 * deno task grade merge OUT_DIR... --out DIR
 * ```
 *
 * See {@linkcode usage} for every flag. The exit code says whether *grading* worked: 0 when
 * every submission got a result (graded, or not gradable), 1 for a usage or set-up error, 2
 * when grading failed for at least one submission, or its report could not be written (the
 * others are graded and written all the same); with a gate (`--min-score`, `--require`),
 * 3 when grading worked but a student fell short.
 *
 * @example Parsing flags
 * ```ts
 * import { parseGradeArgs } from "./grade.ts";
 * const args = parseGradeArgs(["--batch", "subs", "--out", "grades", "--jobs", "2"]);
 * if (args.batch !== "subs" || args.jobs !== 2 || args.format !== "gradescope") throw new Error("unexpected: args.batch !== \"subs\" || args.jobs !== 2 || args.format !== \"gradescope\"");
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import {
  checkGate,
  defaultConfig,
  escapeLine,
  formatExercism,
  formatGradescope,
  formatJunit,
  formatTerminal,
  type Gate,
  GATE_EXIT,
  gateShortfalls,
  gradeBatch,
  gradebookCsv,
  type GraderConfig,
  type GradescopeOptions,
  gradeSubmission,
  gradingDigests,
  listBatch,
  mergeShards,
  openSession,
  parseMinScore,
  parseShard,
  safeFileName,
  type Shard,
  SHARD_FILE,
  shardOf,
  type ShardRecord,
  type SubmissionReport,
  summaryLine,
  type View,
  writeFileAtomic,
} from "../grader/mod.ts";
import { chdirToCaller } from "../lib/caller_cwd.ts";
import { parseFlags, positiveInteger, positiveNumber } from "../lib/flags.ts";

/** Output formats. */
export type Format = "terminal" | "gradescope" | "exercism" | "junit";

/** Parsed command line. */
export interface GradeArgs {
  /** The submission directory (single mode). */
  submission?: string;
  /** The directory of submissions (batch mode). */
  batch?: string;
  /** Output file (single) or directory (batch, merge). */
  out?: string;
  /** Batch mode: grade only this shard of the students. */
  shard?: Shard;
  /** Merge mode: the shards' output directories. */
  merge?: string[];
  /** What each student must reach for exit code 0. */
  gate: Gate;
  /** Output format. */
  format: Format;
  /** Parallel sandboxes in batch mode. */
  jobs: number;
  /** Hidden cases directory. */
  hidden?: string;
  /** Rubric file. */
  rubric?: string;
  /** Grade only these exercises (ids or slugs); default all. */
  exercises?: string[];
  /** Configuration overrides. */
  config: Partial<GraderConfig>;
  /** Keep temporary directories. */
  keep: boolean;
  /** Show the teacher's view on the terminal: hidden cases' messages, times, diagnostics. */
  verbose: boolean;
  /** Show help. */
  help: boolean;
}

/**
 * The help text.
 *
 * @example
 * ```ts
 * import { usage } from "./grade.ts";
 * if (!usage.includes("--batch DIR") || !usage.includes("Exit code")) throw new Error("unexpected: !usage.includes(\"--batch DIR\") || !usage.includes(\"Exit code\")");
 * ```
 */
export const usage = `Grade submissions against the kit's exercises, safely.

Usage:
  deno task grade SUBMISSION_DIR [options]
  deno task grade --batch DIR --out OUT_DIR [--shard K/N] [options]
  deno task grade merge OUT_DIR... --out DIR

A submission is a directory with some or all of the exercise files (softmax.ts, ...), or a
whole kit with an exercises/ directory. Its code runs in a locked-down sandbox process.

Options:
  --out PATH         Single: write the results file there (format default: gradescope, the
                     file Gradescope is given: it shows students their part) and print the
                     table. Batch: the output directory (required): gradebook.csv,
                     one results file per student (what students may see) and the same in
                     instructor/ (every case with its message, for the teacher).
  --format F         terminal | gradescope | exercism | junit. Without --out, the single
                     mode prints this format (default terminal).
  --batch DIR        Grade every sub-directory of DIR (one per student).
  --jobs N           Sandboxes at once in batch mode (default: number of cores).
  --shard K/N        Batch: grade only shard K of N (from 1), chosen by student name, so
                     that N machines split a class without talking to each other; writes
                     shard+record.json beside the gradebook for \`merge\`.
  merge DIR... --out DIR
                     Combine the --out directories of the N shards into one (a new
                     directory): the results files and one gradebook.csv, as one batch
                     would write them. Refuses overlaps, missing shards or students, and
                     shards graded with another kit, set-up or format.
  --min-score N      A gate: exit code 3 when a student scores less than N points, or N%
                     of the maximum with a % sign (80%).
  --require ID[,ID]  A gate: exit code 3 unless these exercises (ids or slugs) score full
                     marks; with --exercise, only exercises it chose.
  --exercise ID[,ID] Grade only these exercises (ids such as softmax, or slugs such as
                     sum-keepdim): the others are left out of the report and the totals.
  --hidden DIR       Add the hidden cases in DIR (*.ts modules exporting case tables).
  --rubric FILE      JSON rubric: points and visibility per case (see grader/rubric.ts).
  --backend B        tfjs backend in the sandbox and the judges: wasm (default) or cpu.
  --memory-mb N      Memory cap of each sandbox process (default 2048).
  --time-limit S     Seconds of CPU time one submission's code may run in all (default 480,
                     under Gradescope's 600), and of wall-clock time from its staging when
                     graded alone (in a batch, the clock's backstop is a case's: longer, as
                     other sandboxes share the machine): cases not reached score 0.
  --keep             Keep the temporary directories (for debugging the grader).
  --verbose          The teacher's view: hidden cases with their messages, times, diagnostics.
  -h, --help         Show this help.

Exit code: 0 when every submission got a result, 1 for usage or set-up errors, 2 when
grading failed for some submission (see the status column of the gradebook), 3 when
grading worked but a student fell short of --min-score or --require.`;

const FORMATS: Format[] = ["terminal", "gradescope", "exercism", "junit"];

/**
 * Parses the command line.
 *
 * @example Bad values name the flag
 * ```ts
 * import { parseGradeArgs } from "./grade.ts";
 * let message = "";
 * try { parseGradeArgs(["sub", "--format", "xml"]); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("--format")) throw new Error(message);
 * ```
 * @throws {RangeError} or {@linkcode TypeError} for unknown flags, bad values, or a missing
 * submission.
 */
export function parseGradeArgs(argv: string[]): GradeArgs {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string" },
      format: { type: "string" },
      batch: { type: "string" },
      jobs: { type: "string" },
      hidden: { type: "string" },
      rubric: { type: "string" },
      shard: { type: "string" },
      "min-score": { type: "string" },
      require: { type: "string", multiple: true },
      exercise: { type: "string", multiple: true },
      backend: { type: "string" },
      "memory-mb": { type: "string" },
      "time-limit": { type: "string" },
      keep: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const help = values.help === true;
  const gate: Gate = {
    minScore: values["min-score"] === undefined ? undefined : parseMinScore(values["min-score"]),
    // Exercism's slugs write `-` for `_`, as `--exercise` accepts them.
    require: (values.require ?? []).flatMap((r) => r.split(","))
      .map((r) => r.trim().replaceAll("-", "_")).filter((r) => r !== ""),
  };
  if (positionals[0] === "merge" && !help) {
    const dirs = positionals.slice(1);
    const other = [
      "batch",
      "shard",
      "hidden",
      "rubric",
      "min-score",
      "require",
      "format",
      "exercise",
    ]
      .find((flag) => values[flag as keyof typeof values] !== undefined);
    if (other !== undefined) {
      throw new TypeError(`merge combines finished shards: remove --${other}`);
    }
    if (dirs.length === 0) {
      throw new TypeError(
        "merge: name the shards' output directories: merge OUT1 OUT2 … --out DIR",
      );
    }
    if (values.out === undefined) {
      throw new TypeError("merge writes a new directory: pass --out DIR");
    }
    return {
      merge: dirs,
      out: values.out,
      format: "gradescope",
      jobs: 1,
      gate,
      config: {},
      keep: false,
      verbose: false,
      help,
    };
  }
  if (values.shard !== undefined && values.batch === undefined) {
    throw new TypeError("--shard splits a batch: use it with --batch DIR");
  }
  if (!help && values.batch === undefined && positionals.length !== 1) {
    throw new TypeError(
      positionals.length === 0
        ? "Missing the submission directory: deno task grade SUBMISSION_DIR (or --batch DIR)"
        : `Expected one submission directory, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  if (values.batch !== undefined && positionals.length > 0) {
    throw new TypeError(`--batch grades a whole directory; remove ${positionals.join(" ")}`);
  }
  if (values.batch !== undefined && values.out === undefined && !help) {
    throw new TypeError("--batch writes a gradebook and result files: pass --out OUT_DIR");
  }
  const format =
    (values.format ?? (values.out !== undefined ? "gradescope" : "terminal")) as Format;
  if (!FORMATS.includes(format)) {
    throw new RangeError(`--format must be one of ${FORMATS.join(", ")}, got "${values.format}"`);
  }
  if (values.batch !== undefined && format === "terminal") {
    throw new RangeError("--batch writes files: choose --format gradescope, exercism or junit");
  }
  if (values.backend !== undefined && values.backend !== "wasm" && values.backend !== "cpu") {
    throw new RangeError(`--backend must be wasm or cpu, got "${values.backend}"`);
  }
  const jobs = values.jobs === undefined
    ? navigator.hardwareConcurrency ?? 1
    : positiveInteger("--jobs", values.jobs);
  const config: Partial<GraderConfig> = {};
  if (values.backend !== undefined) config.backend = values.backend as "wasm" | "cpu";
  const memoryMb = values["memory-mb"] === undefined
    ? undefined
    : positiveNumber("--memory-mb", values["memory-mb"]);
  if (memoryMb !== undefined) {
    config.memoryMb = memoryMb;
    config.heapMb = Math.min(1024, Math.floor(memoryMb / 2));
  }
  if (values["time-limit"] !== undefined) {
    config.submissionTimeoutMs = 1000 * positiveNumber("--time-limit", values["time-limit"]);
  }
  return {
    submission: positionals[0],
    batch: values.batch,
    out: values.out,
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    gate,
    format,
    jobs,
    hidden: values.hidden,
    rubric: values.rubric,
    ...(values.exercise === undefined ? {} : {
      exercises: values.exercise.flatMap((e) => e.split(",")).map((e) => e.trim())
        .filter((e) => e !== ""),
    }),
    config,
    keep: values.keep === true,
    verbose: values.verbose === true,
    help,
  };
}

/**
 * Renders a report in a format, for students (default) or for the teacher.
 *
 * @example
 * ```ts
 * import { render } from "./grade.ts";
 * import { sampleReport } from "../tests/helpers/sample_report.ts";
 * if (JSON.parse(render(sampleReport(), "exercism")).version !== 3) throw new Error("unexpected: JSON.parse(render(sampleReport(), \"exercism\")).version !== 3");
 * if (render(sampleReport(), "junit").includes("secret")) throw new Error("hidden message shown");
 * ```
 */
export function render(
  report: SubmissionReport,
  format: Format,
  view: View = "student",
  gradescope?: GradescopeOptions,
): string {
  switch (format) {
    case "terminal":
      return formatTerminal(report, view) + "\n";
    case "gradescope":
      return JSON.stringify(formatGradescope(report, view, gradescope), null, 2) + "\n";
    case "exercism":
      return JSON.stringify(formatExercism(report, view), null, 2) + "\n";
    case "junit":
      return formatJunit(report, view);
  }
}

function extension(format: Format): string {
  return format === "junit" ? "xml" : format === "terminal" ? "txt" : "json";
}

/**
 * Runs the command; returns the exit code.
 *
 * @example Help
 * ```ts
 * import { main } from "./grade.ts";
 * const lines: string[] = [];
 * if (await main(["--help"], (l) => lines.push(l)) !== 0 || !lines[0].startsWith("Grade")) {
 *   throw new Error(`expected the help text and exit code 0, got ${lines[0]}`);
 * }
 * ```
 */
export async function main(
  argv: string[],
  print: (line: string) => void = (line) => console.log(line),
  printError: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  let args: GradeArgs;
  try {
    args = parseGradeArgs(argv);
  } catch (error) {
    printError(`Error: ${(error as Error).message}\n\nRun with --help for usage.`);
    return 1;
  }
  if (args.help) {
    print(usage);
    return 0;
  }
  if (args.merge !== undefined) {
    try {
      const students = await mergeShards(args.merge, args.out!);
      print(
        `Merged ${students} student(s) from ${args.merge.length} shard(s); gradebook: ${
          join(args.out!, "gradebook.csv")
        }`,
      );
      return 0;
    } catch (error) {
      printError(`Error: ${(error as Error).message}`);
      return 1;
    }
  }
  // Ctrl-C, at any point: remove the session's temporary files, then exit with 130. A terminal
  // sends it to the sandboxes too, which then die mid-case: whatever the grading code makes of
  // that, the command's exit code stays 130.
  let interrupted = false;
  let opening: ReturnType<typeof openSession> | undefined; // closed once open, on Ctrl-C
  // A process the signal is stopping may still write into it: try again a few times.
  const removeTemp = async () => {
    for (let attempt = 0; attempt < 5 && !args.keep; attempt++) {
      try {
        await Deno.remove(tempDir, { recursive: true });
        return;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  let cleanedUp: Promise<unknown> | undefined;
  // Stops a session still being set up, which then removes its own directory.
  const abort = new AbortController();
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    abort.abort(new Error("interrupted"));
    printError("Interrupted: removing temporary files");
    // The session first (its directory is inside the temporary one), then the rest.
    cleanedUp = (async () => {
      await opening?.then((s) => s.close(), () => {});
      await removeTemp();
    })();
    // The grading in flight notices, stops and cleans up again (it may still have been
    // writing into the run directory). If it is waiting on something the signal did not
    // stop, leave after 5 s anyway.
    setTimeout(() => removeTemp().finally(() => Deno.exit(130)), 5_000);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  // The submissions' run directories go in here, so that Ctrl-C can remove them too. Made
  // synchronously, right after the listener, so that no Ctrl-C can come between making it
  // and knowing its name.
  const tempDir = Deno.makeTempDirSync({ prefix: "grade-cli-" });
  try {
    const code = await gradeWith();
    if (!interrupted) return code;
    await cleanedUp;
    return 130;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await removeTemp();
  }

  async function gradeWith(): Promise<number> {
    let session;
    try {
      opening = openSession({
        config: defaultConfig(args.config),
        hiddenDir: args.hidden,
        rubricFile: args.rubric,
        exercises: args.exercises,
        signal: abort.signal,
        // Inside the directory Ctrl-C removes: when a set-up step outlasts the 5 s the
        // interrupt waits, the session's directory still goes with it.
        tempDir,
      });
      session = await opening;
    } catch (error) {
      if (interrupted) return 130;
      printError(`Error: cannot set up grading: ${(error as Error).message}`);
      return 1;
    }
    if (interrupted) return 130;
    try {
      for (const note of session.notes) printError(`Note: ${note}`);
      const exerciseIds = session.manifest.exercises.map((e) => e.id);
      checkGate(args.gate, exerciseIds, session.allExerciseIds);
      /** Prints who fell short of the gate; the exit code for the run. */
      const gated = (reports: SubmissionReport[], code: number): number => {
        let short = 0;
        for (const report of reports) {
          const reasons = gateShortfalls(report, args.gate);
          if (reasons.length === 0) continue;
          short++;
          print(`Below the gate: ${escapeLine(report.submission)}: ${reasons.join("; ")}`);
        }
        return code !== 0 ? code : short > 0 ? GATE_EXIT : 0;
      };
      if (args.batch !== undefined) {
        const out = resolve(args.out!);
        // `--out` may be a sub-directory of the batch (`--batch subs --out subs/grades`): it
        // holds the grader's output, not a student's submission, so a re-run must skip it.
        const entries = (await listBatch(args.batch).catch((error) => {
          throw new Error(`--batch ${args.batch}: ${(error as Error).message}`);
        })).filter((entry) => resolve(entry.dir) !== out);
        const shard = args.shard;
        const mine = shard === undefined
          ? entries
          : entries.filter((entry) => shardOf(entry.name, shard.count) === shard.index);
        const written = new Map<string, string[]>();
        const unwritten: string[] = [];
        const started = performance.now();
        const reports = await gradeBatch(session, mine, {
          jobs: args.jobs,
          keep: args.keep,
          tempDir,
          onReport: async (report) => {
            if (interrupted) return; // a sandbox killed by the same Ctrl-C: not a grade
            const file = `${safeFileName(report.submission)}.${extension(args.format)}`;
            try {
              await writeFileAtomic(
                join(out, file),
                render(report, args.format, "student", session.rubric.gradescope),
              );
              await writeFileAtomic(
                join(out, "instructor", file),
                render(report, args.format, "instructor", session.rubric.gradescope),
              );
              written.set(report.submission, [file, join("instructor", file)]);
            } catch (error) {
              // One student's files not written must not stop the others' grading: said
              // here, in the summary, and by the exit code.
              unwritten.push(report.submission);
              printError(
                `Error: could not write the report of ${escapeLine(report.submission)} as ` +
                  `${join(out, file)}: ${(error as Error).message}`,
              );
            }
            print(summaryLine(report));
            if (args.verbose && report.diagnostics) {
              printError(report.diagnostics.split("\n").map(escapeLine).join("\n"));
            }
          },
        });
        if (interrupted) return 130;
        const gradebook = gradebookCsv(reports, exerciseIds);
        await writeFileAtomic(join(out, "gradebook.csv"), gradebook);
        if (shard !== undefined) {
          const header = gradebook.slice(0, gradebook.indexOf("\n"));
          const record: ShardRecord = {
            kind: "d2l-grade-shard",
            version: 1,
            shard,
            ...await gradingDigests({
              kitRoot: session.config.kitRoot,
              manifest: session.manifest,
              backend: session.config.backend ?? "default",
              hiddenDir: args.hidden,
              rubricFile: args.rubric,
              config: session.config,
            }),
            format: args.format,
            batch: entries.map((entry) => entry.name),
            header,
            students: reports.map((report) => ({
              name: report.submission,
              row: gradebookCsv([report], exerciseIds).slice(header.length + 1, -1),
              files: written.get(report.submission) ?? [],
            })),
          };
          await writeFileAtomic(join(out, SHARD_FILE), JSON.stringify(record, null, 1) + "\n");
        }
        const failed = reports.filter((r) => r.status === "error");
        print(
          `Graded ${reports.length} submission(s)${
            shard === undefined ? "" : ` (shard ${shard.index}/${shard.count} of ${entries.length})`
          } in ${
            ((performance.now() - started) / 1000).toFixed(1)
          } s with ${args.jobs} job(s); gradebook: ${join(out, "gradebook.csv")}` +
            (failed.length > 0
              ? `; grading FAILED for ${failed.map((r) => escapeLine(r.submission)).join(", ")}`
              : "") +
            (unwritten.length > 0
              ? `; reports NOT WRITTEN for ${unwritten.map(escapeLine).join(", ")} (see above)`
              : ""),
        );
        return gated(reports, failed.length > 0 || unwritten.length > 0 ? 2 : 0);
      }
      const info = await Deno.lstat(args.submission!).catch(() => undefined);
      if (info === undefined) {
        printError(`Error: ${args.submission}: no such file or directory`);
        return 1;
      }
      const report = await gradeSubmission(session, args.submission!, {
        keep: args.keep,
        tempDir,
      });
      if (interrupted) return 130;
      const view: View = args.verbose ? "instructor" : "student";
      // Gradescope is handed both views in one file and shows students their part only.
      const written = args.format === "gradescope" ? "instructor" : "student";
      if (args.out !== undefined) {
        await writeFileAtomic(
          resolve(args.out),
          render(report, args.format, written, session.rubric.gradescope),
        );
        print(formatTerminal(report, view));
      } else {
        const shown = args.format === "terminal" ? view : written;
        const chosen = args.verbose ? "instructor" : shown;
        print(render(report, args.format, chosen, session.rubric.gradescope).trimEnd());
      }
      return gated([report], report.status === "error" ? 2 : 0);
    } catch (error) {
      if (interrupted) return 130;
      printError(`Error: ${(error as Error).message}`);
      return 1;
    } finally {
      await session.close();
    }
  }
}

if (import.meta.main) {
  chdirToCaller();
  Deno.exit(await main(Deno.args));
}

/**
 * Grading: one submission, or a batch of them, from directory to {@linkcode SubmissionReport}.
 *
 * For each submission:
 * 1. **Stage** it: copy into a fresh directory, refusing symbolic links and ignoring its own
 *    configuration ({@linkcode ./stage.ts}).
 * 2. **Module graph** ({@linkcode ./module_graph.ts}): files that import something outside
 *    the submission and the kit's public parts are blocked (their cases fail with the reason);
 *    a file that does not parse, or imports a missing module of its own, makes the submission
 *    not gradable.
 * 3. **Type check** ({@linkcode ./typecheck.ts}) with the kit's configuration, *alongside*
 *    step 4 (the two take about as long, and the machine has cores to spare); a type error
 *    makes the submission not gradable: score 0, with the compiler's messages.
 * 4. **Sandbox** ({@linkcode ./sandbox.ts}): every case's `run` in a separate, locked-down
 *    process; per-case time limits, a memory cap, restarts after crashes.
 * 5. **Checks**, here in the trusted process: each case's `check` judges the plain output
 *    the sandbox returned. One check runs at a time (tfjs tracks tensors globally), inside a
 *    tfjs scope so that nothing leaks between submissions.
 *
 * Scores come from the manifest: a case counts only when its own `check` passed. Cases of a
 * missing file or export, or that throw `TodoError`, are "not attempted".
 *
 * A batch stages every submission, runs one `deno info` over all of them, type-checks them in
 * shared programs where that is exact (see {@linkcode ./typecheck.ts}), then runs up to `jobs`
 * sandboxes at a time.
 *
 * @example
 * ```ts ignore
 * import { openSession } from "./session.ts";
 * import { gradeSubmission } from "./grade.ts";
 * const session = await openSession();
 * const report = await gradeSubmission(session, "submissions/alice");
 * console.log(report.score, report.maxScore);
 * await session.close();
 * ```
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "../lib/tf.ts";
import { copyDir } from "./copy_dir.ts";
import { dirUrl, sandboxImportMap } from "./import_map.ts";
import type { ManifestCase } from "./manifest.ts";
import { checkModuleGraphs, type GraphVerdict } from "./module_graph.ts";
import { decodePlain, validatePlain } from "./plain.ts";
import { runInSandbox, type SandboxOutcome, type SandboxResult } from "./sandbox.ts";
import type { GraderSession } from "./session.ts";
import { type StagedSubmission, stageSubmission } from "./stage.ts";
import { shareableStage, typecheckAll, type TypecheckVerdict } from "./typecheck.ts";
import type {
  CaseReport,
  CaseStatus,
  ExerciseReport,
  SubmissionReport,
  SubmissionStatus,
  Timings,
} from "./types.ts";

/** Options for {@linkcode gradeSubmission}. */
export interface GradeOptions {
  /** The name in the report. Default: the directory's name. */
  name?: string;
  /** Keep the temporary run directory (for debugging). Default false. */
  keep?: boolean;
  /** Where the temporary run directory goes. Default: the system's temporary directory. */
  tempDir?: string;
}

/** A submission after staging and the module-graph check. */
interface Prepared {
  name: string;
  runDir: string;
  staged: StagedSubmission;
  /** Graded files present in the submission. */
  present: string[];
  graph: GraphVerdict;
  /** Files to type-check and run: present, not refused, not blocked. */
  runnable: string[];
  timings: Timings;
  started: number;
}

const MESSAGE_LIMIT = 2000;

/**
 * Cuts `text` to `limit` characters and removes control characters other than tab and line
 * breaks: messages carry text the submission chose, and a terminal would obey escape
 * sequences in it (clearing the screen, drawing a fake summary).
 */
function truncate(text: string, limit = MESSAGE_LIMIT): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "");
  return clean.length > limit ? `${clean.slice(0, limit)}…` : clean;
}

function emptyTimings(): Timings {
  return { stage: 0, graph: 0, typecheck: 0, sandbox: 0, checks: 0 };
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

async function stage(
  session: GraderSession,
  name: string,
  dir: string,
  runDir: string,
): Promise<Omit<Prepared, "graph" | "runnable">> {
  const started = performance.now();
  const timings = emptyTimings();
  const files = session.manifest.exercises.map((e) => e.file);
  const staged = await stageSubmission(dir, join(runDir, "s"), {
    exerciseFiles: files,
    maxBytes: session.config.maxSubmissionBytes,
    maxFiles: session.config.maxSubmissionFiles,
  });
  const present = [...new Set(files)].filter((f) => staged.files.includes(f));
  timings.stage = seconds(started);
  return { name, runDir, staged, present, timings, started };
}

async function writeImportMap(
  session: GraderSession,
  path: string,
  roots: string[],
  runtime = false,
) {
  const map = sandboxImportMap(session.kitImports, session.config, roots, session.solutionsTarget);
  const { config, sandboxKitModule } = session;
  if (runtime && sandboxKitModule !== undefined && sandboxKitModule !== config.kitModule) {
    // Inside the sandbox a submission's `../mod.ts` is the kit the cases get: the real one
    // loads native add-ons, which cannot load there. Type checks keep the real module.
    const kitModule = relative(config.kitRoot, config.kitModule);
    for (const root of roots) {
      map.imports[new URL(kitModule, dirUrl(root)).href] = pathToFileURL(sandboxKitModule).href;
    }
  }
  await Deno.writeTextFile(path, JSON.stringify(map));
  return path;
}

async function graphAll(
  session: GraderSession,
  items: Omit<Prepared, "graph" | "runnable">[],
  importMapFile: string,
  workDir: string,
): Promise<Prepared[]> {
  const started = performance.now();
  const { config } = session;
  const targets = items.map((p) => ({
    root: p.staged.root,
    files: p.staged.fatal ? [] : p.present,
  }));
  const verdicts = await checkModuleGraphs(targets, {
    denoPath: config.denoPath,
    configFile: config.configFile,
    importMapFile,
    workDir,
    rules: {
      publicPrefixes: config.publicPaths.map((p) => new URL(p, dirUrl(config.kitRoot)).href),
      allowedPackages: config.allowedPackages,
      lockedPackages: session.lockedPackages,
      allowedNodeModules: config.allowedNodeModules,
    },
  });
  const took = seconds(started) / Math.max(1, items.length);
  return items.map((p, i) => {
    p.timings.graph = Math.round(took * 100) / 100;
    const graph = verdicts[i];
    const runnable = p.present.filter((f) => graph.blocked[f] === undefined);
    return { ...p, graph, runnable };
  });
}

/** Why a submission cannot be graded before anything runs, or undefined. */
function preflightProblem(p: Prepared): string | undefined {
  if (p.staged.fatal) return p.staged.fatal;
  const errors = Object.values(p.graph.loadErrors);
  if (errors.length > 0) {
    return `The submission does not load:\n${[...new Set(errors)].join("\n")}`;
  }
  return undefined;
}

function caseReport(c: ManifestCase, status: CaseStatus, message: string): CaseReport {
  const passed = status === "passed";
  const hidden = c.hidden;
  return {
    key: c.key,
    exerciseId: c.exerciseId,
    name: c.name,
    maxScore: c.points,
    score: passed ? c.points : 0,
    status,
    message: hidden ? "" : truncate(message),
    hint: hidden || passed ? "" : c.hint,
    hidden,
    visibility: c.visibility,
  };
}

function assemble(
  session: GraderSession,
  p: Prepared,
  cases: CaseReport[],
  status: SubmissionStatus,
  message: string,
): SubmissionReport {
  const { manifest } = session;
  const byKey = new Map(cases.map((c) => [c.key, c]));
  const exercises: ExerciseReport[] = manifest.exercises.map((e) => {
    const own = manifest.cases.filter((c) => c.exerciseId === e.id);
    const ordered = [...own.filter((c) => !c.hidden), ...own.filter((c) => c.hidden)]
      .map((c) => byKey.get(c.key)!);
    return {
      id: e.id,
      title: e.title,
      file: e.file,
      score: ordered.reduce((sum, c) => sum + c.score, 0),
      maxScore: ordered.reduce((sum, c) => sum + c.maxScore, 0),
      cases: ordered,
    };
  }).filter((e) => e.cases.length > 0);
  const notes = [...p.staged.notes];
  for (const [file, why] of Object.entries(p.staged.refused)) {
    notes.push(`Refused ${file}: ${why}.`);
  }
  const fullMessage = truncate([message, ...notes].filter((m) => m !== "").join("\n"), 8000);
  return {
    submission: p.name,
    status,
    gradable: status !== "not-gradable",
    message: fullMessage,
    score: status === "graded" ? exercises.reduce((sum, e) => sum + e.score, 0) : 0,
    maxScore: manifest.maxScore,
    exercises,
    seconds: seconds(p.started),
    timings: p.timings,
  };
}

function notRunReport(
  session: GraderSession,
  p: Prepared,
  status: SubmissionStatus,
  message: string,
  caseMessage: string,
): SubmissionReport {
  const cases = session.manifest.cases.map((c) => caseReport(c, "not-run", caseMessage));
  return assemble(session, p, cases, status, message);
}

async function judge(
  session: GraderSession,
  c: ManifestCase,
  result: SandboxResult,
): Promise<{ status: CaseStatus; message: string }> {
  switch (result.status) {
    case "ok":
      break;
    case "invalid":
      return { status: "failed", message: result.message ?? "the output is not plain data" };
    case "not-attempted":
      return { status: "not-attempted", message: result.message ?? "not attempted" };
    case "timeout":
      return { status: "timeout", message: result.message ?? "timed out" };
    case "crashed":
      return { status: "crashed", message: result.message ?? "crashed" };
    case "not-run":
      return { status: "not-run", message: result.message ?? "not run" };
    default:
      return { status: "error", message: result.message ?? "error" };
  }
  let output;
  try {
    output = validatePlain(decodePlain(result.output ?? ""));
  } catch (error) {
    return { status: "failed", message: (error as Error).message };
  }
  return await session.serial(async () => {
    tf.engine().startScope();
    try {
      await c.check(output, session.kit);
      return { status: "passed" as const, message: "" };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return { status: "failed" as const, message: text };
    } finally {
      tf.engine().endScope();
    }
  });
}

async function runPrepared(
  session: GraderSession,
  p: Prepared,
  importMapFile: string,
  typecheck: Promise<TypecheckVerdict>,
): Promise<SubmissionReport> {
  const { manifest, config } = session;
  const problem = preflightProblem(p);
  if (problem !== undefined) {
    return notRunReport(
      session,
      p,
      "not-gradable",
      problem,
      "not graded: the submission does not load",
    );
  }
  const started = performance.now();
  const toRun = manifest.cases.filter((c) => p.runnable.includes(c.file));
  const early = new Map<string, Promise<{ status: CaseStatus; message: string }>>();
  const denoDir = join(p.runDir, "deno_dir");
  await copyDir(session.sandboxDenoDir, denoDir);
  const sandboxPromise: Promise<SandboxOutcome> = runInSandbox({
    config,
    runDir: p.runDir,
    stageRoot: p.staged.root,
    entryUrl: session.entryUrl,
    importMapFile,
    readable: session.sandboxReadable,
    denoDir,
    files: p.runnable,
    cases: toRun.map(({ key, name, file, exports, timeoutMs }) => ({
      key,
      name,
      file,
      exports,
      timeoutMs,
    })),
    // Check each result as soon as it arrives, while the sandbox goes on with the next case.
    onResult: (key, result) => {
      const c = manifest.cases.find((m) => m.key === key);
      if (c !== undefined && !early.has(key)) early.set(key, judge(session, c, result));
    },
  });
  const [sandbox, checked] = await Promise.all([
    sandboxPromise.then(async (outcome) => {
      p.timings.sandbox = seconds(started);
      await Deno.remove(denoDir, { recursive: true }).catch(() => {});
      return outcome;
    }),
    typecheck,
  ]);
  if (!checked.ok) {
    return notRunReport(
      session,
      p,
      "not-gradable",
      `The submission does not type-check:\n${checked.message}`,
      "not graded: the submission does not type-check",
    );
  }
  if (sandbox.fatal !== undefined) {
    const report = notRunReport(
      session,
      p,
      "error",
      `Grading failed: ${sandbox.fatal}`,
      "not graded: the grader failed",
    );
    report.diagnostics = sandbox.stderrTail;
    return report;
  }
  const checksStarted = performance.now();
  const cases: CaseReport[] = [];
  for (const c of manifest.cases) {
    const refused = p.staged.refused[c.file];
    const blocked = p.graph.blocked[c.file];
    let verdict: { status: CaseStatus; message: string };
    if (refused !== undefined) {
      verdict = { status: "blocked", message: `exercises/${c.file} is ${refused}` };
    } else if (blocked !== undefined) {
      verdict = { status: "blocked", message: `not run: ${blocked}` };
    } else if (!p.present.includes(c.file)) {
      verdict = { status: "not-attempted", message: `exercises/${c.file} is missing` };
    } else {
      const result = sandbox.results.get(c.key) ??
        { status: "not-run" as const, message: "the sandbox returned no result" };
      verdict = await (early.get(c.key) ?? judge(session, c, result));
    }
    const report = caseReport(c, verdict.status, verdict.message);
    const ms = sandbox.results.get(c.key)?.ms;
    if (ms !== undefined) report.ms = ms;
    cases.push(report);
  }
  p.timings.checks = seconds(checksStarted);
  return assemble(session, p, cases, "graded", "");
}

function typecheckOptions(session: GraderSession, workDir: string, jobs: number) {
  const { config } = session;
  let n = 0;
  return {
    denoPath: config.denoPath,
    configFile: config.configFile,
    lockFile: config.lockFile,
    jobs,
    importMapFor: (roots: string[]) =>
      writeImportMap(session, join(workDir, `check_map_${n++}.json`), roots),
  };
}

/**
 * Grades one submission directory.
 *
 * @example The fixture kit's partial submission: two of four exercises done
 * ```ts
 * import { openSession } from "./session.ts";
 * import { gradeSubmission } from "./grade.ts";
 * import { fixtureConfig } from "../tests/fixtures/grader/helpers.ts";
 * const session = await openSession({ config: fixtureConfig() });
 * try {
 *   const report = await gradeSubmission(session, "tests/fixtures/submissions/partial");
 *   if (report.score !== 4 || report.maxScore !== 12) throw new Error(report.message);
 *   if (report.exercises[3].cases[0].status !== "not-attempted") throw new Error();
 * } finally {
 *   await session.close();
 * }
 * ```
 * @throws {Error} when the grader itself cannot work (missing `deno`, unreadable directory);
 * never for what the submission contains.
 */
export async function gradeSubmission(
  session: GraderSession,
  dir: string,
  options: GradeOptions = {},
): Promise<SubmissionReport> {
  const name = options.name ?? basename(resolve(dir));
  const runDir = await Deno.makeTempDir({ dir: options.tempDir, prefix: "grade-run-" });
  try {
    const staged = await stage(session, name, dir, runDir);
    const importMapFile = await writeImportMap(session, join(runDir, "import_map.json"), [
      staged.staged.root,
    ]);
    const [p] = await graphAll(session, [staged], importMapFile, runDir);
    const runtimeMapFile = await writeImportMap(
      session,
      join(runDir, "runtime_import_map.json"),
      [staged.staged.root],
      true,
    );
    const checkStarted = performance.now();
    const typecheck = preflightProblem(p) !== undefined
      ? Promise.resolve({ ok: true, message: "" })
      : typecheckAll(
        [{ root: p.staged.root, files: p.runnable, shareable: false }],
        typecheckOptions(session, runDir, 1),
      ).then(([verdict]) => {
        p.timings.typecheck = seconds(checkStarted);
        return verdict;
      });
    return await runPrepared(session, p, runtimeMapFile, typecheck);
  } finally {
    if (!options.keep) await Deno.remove(runDir, { recursive: true }).catch(() => {});
  }
}

/** One submission of a batch. */
export interface BatchEntry {
  /** The student's name (the directory name). */
  name: string;
  /** The submission directory. */
  dir: string;
}

/** Options for {@linkcode gradeBatch}. */
export interface BatchOptions {
  /** Sandboxes (and type-check processes) at once. Default: the number of cores. */
  jobs?: number;
  /** Called as each report is ready (in completion order). */
  onReport?: (report: SubmissionReport) => void | Promise<void>;
  /** Keep the temporary directories. */
  keep?: boolean;
  /** Where the temporary directories go. Default: the system's temporary directory. */
  tempDir?: string;
  /** Most submissions per shared type-check program. Default 50. */
  chunkSize?: number;
}

/**
 * Lists the sub-directories of `dir` as batch entries (sorted; dot directories skipped;
 * symbolic links included, so that grading refuses them with a message).
 *
 * @example
 * ```ts
 * import { listBatch } from "./grade.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/bob`);
 * await Deno.mkdir(`${dir}/alice`);
 * await Deno.writeTextFile(`${dir}/notes.txt`, "");
 * const names = (await listBatch(dir)).map((e) => e.name);
 * if (names.join() !== "alice,bob") throw new Error(names.join());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listBatch(dir: string): Promise<BatchEntry[]> {
  const entries: BatchEntry[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory || entry.isSymlink) {
      entries.push({ name: entry.name, dir: join(dir, entry.name) });
    }
  }
  return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Grades many submissions, sharing the type-check and the module-graph analysis, with up to
 * `jobs` sandboxes at once. Returns the reports in the order of `entries`.
 *
 * @example
 * ```ts ignore
 * const reports = await gradeBatch(session, await listBatch("submissions/"), { jobs: 2 });
 * ```
 */
export async function gradeBatch(
  session: GraderSession,
  entries: BatchEntry[],
  options: BatchOptions = {},
): Promise<SubmissionReport[]> {
  const jobs = Math.max(1, options.jobs ?? navigator.hardwareConcurrency ?? 1);
  const batchDir = await Deno.makeTempDir({ dir: options.tempDir, prefix: "grade-batch-" });
  try {
    const staged = [];
    for (const [i, entry] of entries.entries()) {
      const runDir = join(batchDir, String(i));
      await Deno.mkdir(runDir);
      try {
        staged.push(await stage(session, entry.name, entry.dir, runDir));
      } catch (error) {
        staged.push({
          name: entry.name,
          runDir,
          staged: {
            source: entry.dir,
            root: join(runDir, "s"),
            exercisesDir: join(runDir, "s", "exercises"),
            files: [],
            refused: {},
            notes: [],
            fatal: `The submission cannot be read: ${(error as Error).message}`,
          },
          present: [],
          timings: emptyTimings(),
          started: performance.now(),
        });
      }
    }
    const importMapFile = await writeImportMap(
      session,
      join(batchDir, "import_map.json"),
      staged.map((s) => s.staged.root),
    );
    const prepared = await graphAll(session, staged, importMapFile, batchDir);
    const runtimeMapFile = await writeImportMap(
      session,
      join(batchDir, "runtime_import_map.json"),
      staged.map((s) => s.staged.root),
      true,
    );
    const checkStarted = performance.now();
    const targets = await Promise.all(prepared.map(async (p) => ({
      root: p.staged.root,
      files: preflightProblem(p) === undefined ? p.runnable : [],
      shareable: await shareableStage(p.staged.root, p.staged.files),
    })));
    const verdicts = await typecheckAll(targets, {
      ...typecheckOptions(session, batchDir, jobs),
      chunkSize: options.chunkSize,
    });
    const checkSeconds = seconds(checkStarted) / Math.max(1, prepared.length);
    const reports: SubmissionReport[] = new Array(prepared.length);
    let next = 0;
    const worker = async () => {
      while (next < prepared.length) {
        const i = next++;
        const p = prepared[i];
        p.timings.typecheck = Math.round(checkSeconds * 100) / 100;
        p.started = performance.now() - (p.timings.stage + p.timings.graph + checkSeconds) * 1000;
        reports[i] = await runPrepared(session, p, runtimeMapFile, Promise.resolve(verdicts[i]));
        await options.onReport?.(reports[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, prepared.length) }, worker));
    return reports;
  } finally {
    if (!options.keep) await Deno.remove(batchDir, { recursive: true }).catch(() => {});
  }
}

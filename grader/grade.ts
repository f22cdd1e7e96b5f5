/**
 * Grading: one submission, or a batch of them, from directory to
 * {@linkcode ./report/types.ts SubmissionReport}.
 *
 * For each submission (see `grader/mod.ts` for what each step guarantees):
 * 1. **Prepare.** Stage it ({@linkcode ./prepare/stage.ts}); check each exercise file's module
 *    graph against its exercise's import policy ({@linkcode ./prepare/graph.ts}); type-check
 *    it, file by file ({@linkcode ./prepare/typecheck.ts}), alongside step 2. A file that does
 *    not load, is blocked or does not type-check fails its own exercise only.
 * 2. **Sandbox.** Plan the Workers ({@linkcode planUnits}) and run every case's run in the
 *    sandbox process ({@linkcode ./sandbox/run.ts}).
 * 3. **Score.** Each output, as it arrives, goes to a judge ({@linkcode ./score/judge.ts});
 *    a case counts only when its own check passed.
 * 4. **Report.** The teacher's whole report; formats for students go through
 *    {@linkcode ./report/view.ts studentView}.
 *
 * A batch stages every submission, reads the module graphs and type-checks them in shared
 * programs where that is exact (each falls back to one submission at a time on any failure),
 * then runs up to `jobs` sandboxes at a time. Whatever goes wrong with one submission ends in
 * that submission's report, never in the batch.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ManifestCase } from "./manifest.ts";
import { explainRunError, loadFailureHint, problemHint } from "./prepare/files.ts";
import { checkGraphs, type FileGraph } from "./prepare/graph.ts";
import { BLOCKED_MODULE, dirUrl, fileUrl, prepareImportMap } from "./prepare/import_map.ts";
import { isUnder } from "./prepare/policy.ts";
import {
  explainLeftOut,
  type StagedSubmission,
  stageSubmission,
  unopenable,
  whyNotStaged,
} from "./prepare/stage.ts";
import { shareableStage, typecheckAll, type TypecheckVerdict } from "./prepare/typecheck.ts";
import type {
  CaseReport,
  CaseStatus,
  ExerciseReport,
  SubmissionReport,
  SubmissionStatus,
  Timings,
} from "./report/types.ts";
import { escapeLine, truncate } from "./report/escape.ts";
import type { JobUnit } from "./sandbox/main.ts";
import { runInSandbox, type SandboxResult } from "./sandbox/run.ts";
import { shareWorkers } from "./sandbox/share_workers.ts";
import { isMissingExportsMessage, MISSING_EXPORTS_HINT } from "./sandbox/sync_exports.ts";
import { type GraderSession, kitPath } from "./session.ts";

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
  /** Exercise files present in the stage. */
  present: string[];
  /** The module graph of each present exercise file. */
  graph: Record<string, FileGraph>;
  timings: Timings;
  started: number;
}

/** A case's verdict; `hint`, when set, replaces the case's own (which is about code that ran). */
type Verdict = { status: CaseStatus; message: string; value?: number; hint?: string };

function emptyTimings(): Timings {
  return { stage: 0, graph: 0, typecheck: 0, sandbox: 0, checks: 0, sandboxProcesses: 0 };
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

function exerciseFiles(session: GraderSession): string[] {
  return [...new Set(session.manifest.exercises.map((e) => e.file))];
}

async function stage(
  session: GraderSession,
  name: string,
  dir: string,
  runDir: string,
): Promise<Prepared> {
  const started = performance.now();
  const timings = emptyTimings();
  const { config } = session;
  const staged = await stageSubmission(dir, join(runDir, "s"), {
    exerciseFiles: exerciseFiles(session),
    maxBytes: config.maxSubmissionBytes,
    maxFiles: config.maxSubmissionFiles,
    maxDepth: config.maxDepth,
  });
  const present = exerciseFiles(session).filter((f) => staged.files.includes(f));
  timings.stage = seconds(started);
  return { name, runDir, staged, present, graph: {}, timings, started };
}

function allowedFor(session: GraderSession, file: string): string[] {
  const exercise = session.manifest.exercises.find((e) => e.file === file)!;
  return session.policy.get(exercise.id)!;
}

async function writeMap(path: string, map: unknown): Promise<string> {
  await Deno.writeTextFile(path, JSON.stringify(map));
  return path;
}

function prepareMapFor(session: GraderSession) {
  const { config } = session;
  return (roots: string[], workDir: string) =>
    writeMap(
      join(workDir, "import_map.json"),
      prepareImportMap({
        kitImports: session.kitImports,
        kitRoot: config.kitRoot,
        dirs: [config.lessonsDir, ...config.libraryDirs],
        stageRoots: roots,
        workDir,
      }),
    );
}

async function graphAll(session: GraderSession, items: Prepared[], workDir: string) {
  const started = performance.now();
  const { config } = session;
  const verdicts = await checkGraphs(
    items.map((p) => ({
      root: p.staged.root,
      files: p.staged.fatal
        ? []
        : p.present.map((file) => ({ file, allowed: allowedFor(session, file) })),
    })),
    {
      denoPath: config.denoPath,
      configFile: config.configFile,
      kitRoot: config.kitRoot,
      importMapFor: prepareMapFor(session),
      workDir,
      rules: {
        allowedPackages: config.allowedPackages,
        lockedPackages: session.lockedPackages,
        allowedNodeModules: config.allowedNodeModules,
      },
      memoryMb: config.toolMemoryMb,
      cacheGrowthMb: config.cacheGrowthMb,
      timeoutMs: config.graphTimeoutMs,
      signal: config.signal,
    },
  );
  const each = seconds(started) / Math.max(1, items.length);
  items.forEach((p, i) => {
    p.graph = verdicts[i];
    p.timings.graph = Math.round(each * 100) / 100;
  });
}

/** The files of `p` that load and are allowed: what is type-checked and run. */
function runnable(p: Prepared): string[] {
  return p.present.filter((f) =>
    p.staged.refused[f] === undefined && p.graph[f] !== undefined &&
    p.graph[f].loadError === undefined && p.graph[f].blocked === undefined
  );
}

function typecheckOptions(session: GraderSession, workDir: string, jobs: number) {
  const { config } = session;
  return {
    denoPath: config.denoPath,
    configFile: config.configFile,
    lockFile: config.lockFile,
    importMapFor: prepareMapFor(session),
    workDir,
    jobs,
    memoryMb: config.toolMemoryMb,
    cacheGrowthMb: config.cacheGrowthMb,
    denoDirFrom: session.typecheckCache.dir,
    timeoutMs: config.typecheckTimeoutMs,
    signal: config.signal,
  };
}

async function typecheckTarget(p: Prepared) {
  const files = runnable(p);
  return {
    root: p.staged.root,
    files: Object.fromEntries(files.map((f) => [f, p.graph[f].modules])),
    // An import attribute changes how a module loads for the whole program, as in the graph.
    shareable: await shareableStage(p.staged.root, p.staged.files) &&
      !Object.values(p.graph).some((g) => g.importAttributes),
  };
}

/**
 * Plans a submission's sandbox Workers: which exercises share one is
 * {@linkcode ./sandbox/share_workers.ts}'s rule (import policy; hidden cases apart, and only
 * with exercises that refuse the same shortcuts); this adds what each Worker reads and runs.
 */
function planUnits(session: GraderSession, p: Prepared, files: string[]): JobUnit[] {
  const { config, manifest } = session;
  const exercisesDir = join(p.staged.root, "exercises");
  const base = [
    exercisesDir,
    fileURLToPath(BLOCKED_MODULE),
    ...session.dataDirs,
    ...session.backendFiles,
  ];
  const members = manifest.exercises.filter((e) => files.includes(e.file)).flatMap((exercise) =>
    [false, true].map((hidden) => {
      const cases = manifest.cases.filter((c) =>
        c.exerciseId === exercise.id && c.hidden === hidden
      );
      const modules = [...new Set(cases.map((c) => c.runModule))];
      const loaded = [
        ...p.graph[exercise.file].kitFiles,
        ...modules.flatMap((m) => session.runFiles.get(m) ?? []),
      ];
      const kit = loaded.map((f) => kitPath(config, f)).filter((k) => k !== undefined);
      return {
        id: exercise.id,
        hidden,
        refuses: exercise.shortcuts ?? [],
        kit,
        exercise,
        cases,
        modules,
        loaded,
      };
    }).filter((m) => m.cases.length > 0)
  );
  const groups = shareWorkers(members, (id, path) => isUnder(path, session.policy.get(id)!));
  let visible = 0;
  let hidden = 0;
  return groups.map((group): JobUnit => ({
    id: group[0].hidden ? `hidden ${++hidden}` : `visible ${++visible}`,
    runModules: [...new Set(group.flatMap((m) => m.modules))],
    read: [...new Set([...base, ...group.flatMap((m) => m.loaded)])],
    files: [...new Map(group.map((m) => [m.exercise.file, m.exercise])).values()].map((e) => ({
      file: e.file,
      url: fileUrl(join(exercisesDir, e.file)),
      shortcuts: e.shortcuts ?? [],
    })),
    loading: session.loadingShortcuts,
    cases: group.flatMap((m) =>
      m.cases.map((c) => ({
        key: c.key,
        file: c.file,
        exports: c.exports,
        module: c.runModule,
        run: c.run,
        timeoutMs: c.timeoutMs,
      }))
    ),
  }));
}

function caseReport(session: GraderSession, c: ManifestCase, v: Verdict, ms?: number): CaseReport {
  const passed = v.status === "passed";
  const limit = session.config.maxMessageChars * 4;
  const report: CaseReport = {
    key: c.key,
    exerciseId: c.exerciseId,
    name: c.name,
    maxScore: c.points,
    score: passed ? c.points : 0,
    status: v.status,
    message: truncate(v.message, limit),
    hint: passed ? "" : v.hint ?? c.hint,
    hidden: c.hidden,
    visibility: c.visibility,
  };
  if (!c.hidden && c.code !== "") report.code = c.code;
  if (passed && v.value !== undefined) report.value = v.value;
  if (ms !== undefined) report.ms = ms;
  return report;
}

function assemble(
  session: GraderSession,
  p: Prepared,
  verdicts: Map<string, Verdict & { ms?: number }>,
  status: SubmissionStatus,
  message: string,
): SubmissionReport {
  const { manifest } = session;
  // A read of what the stage left out (a labels.txt beside the exercise) is told as that, as
  // the learner's check tells it, not as a missing file under a temporary directory.
  // And every other mention of the stage's folder is `exercises/`: its path says where the
  // grader's temporary files are and where the submission is in the batch (twenty-third review).
  const exercisesDir = join(p.staged.root, "exercises");
  const explain = (text: string) =>
    explainLeftOut(text, p.staged, exercisesDir, (path) => relative(p.staged.root, path))
      .replaceAll(dirUrl(exercisesDir), "exercises/").replaceAll(`${exercisesDir}/`, "exercises/");
  const exercises: ExerciseReport[] = manifest.exercises.map((e) => {
    const own = manifest.cases.filter((c) => c.exerciseId === e.id);
    const cases = [...own.filter((c) => !c.hidden), ...own.filter((c) => c.hidden)].map((c) => {
      const v = verdicts.get(c.key) ?? { status: "not-run" as const, message: "not graded" };
      const explained = explain(v.message);
      // A refused write or network call, or a disposed tensor: with what to do (explainRunError).
      const runError = explainRunError(explained, session.env.FASHION_MNIST_DIR);
      const message = runError?.message ?? explained;
      // A load that failed on such a read: the load hint for what it now says.
      const hint = runError?.hint ??
        (v.hint !== undefined && explained !== v.message ? loadFailureHint(explained) : v.hint);
      return caseReport(session, c, { ...v, message, hint }, v.ms);
    });
    return {
      id: e.id,
      title: e.title,
      file: e.file,
      score: cases.reduce((sum, c) => sum + c.score, 0),
      maxScore: cases.reduce((sum, c) => sum + c.maxScore, 0),
      cases,
    };
  }).filter((e) => e.cases.length > 0);
  const notes = [...p.staged.notes];
  for (const [file, why] of Object.entries(p.staged.refused)) {
    notes.push(`Refused ${file}: ${why}.`);
  }
  return {
    submission: p.name,
    status,
    gradable: status !== "not-gradable",
    message,
    notes: notes.slice(0, 50),
    score: status === "graded" ? exercises.reduce((sum, e) => sum + e.score, 0) : 0,
    maxScore: manifest.maxScore,
    exercises,
    seconds: seconds(p.started),
    timings: p.timings,
  };
}

function allCases(session: GraderSession, status: CaseStatus, message: string) {
  return new Map(session.manifest.cases.map((c) => [c.key, { status, message }]));
}

/** The verdict of a case decided before anything runs, or undefined. */
function preVerdict(p: Prepared, c: ManifestCase): Verdict | undefined {
  const refused = p.staged.refused[c.file];
  if (refused !== undefined) {
    return { status: "blocked", message: `exercises/${c.file} is ${refused}` };
  }
  if (!p.present.includes(c.file)) {
    return { status: "not-attempted", message: `exercises/${c.file} is missing` };
  }
  const graph = p.graph[c.file];
  if (graph?.loadError !== undefined) {
    // A module the stage left out (a helper in a .helpers/ folder) is said so, as the check says.
    const missing = graph.loadError.match(/Module not found "([^"]+)"/)?.[1];
    const why = missing === undefined ? undefined : whyNotStaged(missing, p.staged);
    return {
      status: "error",
      message:
        `exercises/${c.file} does not load (this exercise scores 0; the others are graded): ${graph.loadError}` +
        (why === undefined ? "" : ` (${missing} is not handed to the grader: ${why})`),
      hint: problemHint("load", `exercises/${c.file}`),
    };
  }
  if (graph?.blocked !== undefined) {
    return {
      status: "blocked",
      message: `not run: ${graph.blocked}`,
      hint: problemHint("blocked", `exercises/${c.file}`),
    };
  }
  return undefined;
}

function fromSandbox(result: SandboxResult): Verdict | undefined {
  switch (result.status) {
    case "ok":
      return undefined;
    case "invalid":
      return { status: "failed", message: result.message ?? "the output is not plain data" };
    case "error":
      if (result.load) {
        // Every case of a file that failed to load: one hint about that (the learner's check
        // gives the same), not each case's own about code that never ran.
        const message = result.message ?? result.status;
        return { status: result.status, message, hint: loadFailureHint(message) };
      }
      // A file that lacks an export its exercise asks for: the hint about exports.
      return isMissingExportsMessage(result.message ?? "")
        ? { status: result.status, message: result.message!, hint: MISSING_EXPORTS_HINT }
        : { status: result.status, message: result.message ?? result.status };
    case "not-attempted":
    case "timeout":
    case "crashed":
    case "not-run":
      return { status: result.status, message: result.message ?? result.status };
  }
}

async function runPrepared(
  session: GraderSession,
  p: Prepared,
  typecheck: Promise<TypecheckVerdict>,
  /** Whether other submissions' sandboxes may share the machine (a batch). */
  shared = false,
): Promise<SubmissionReport> {
  const { config, manifest } = session;
  if (p.staged.fatal) {
    return assemble(
      session,
      p,
      allCases(session, "not-run", "not graded: the submission is not gradable"),
      "not-gradable",
      p.staged.fatal,
    );
  }
  const started = performance.now();
  const files = runnable(p);
  const verdicts = new Map<string, Verdict & { ms?: number }>();
  const pending = new Map<string, Promise<Verdict>>();
  const judging = session.judges.session();
  let sandboxFatal: string | undefined;
  let diagnostics: string | undefined;
  const sandbox = (async () => {
    const units = planUnits(session, p, files);
    if (units.length === 0) return;
    const clockMs = shared
      ? config.wallFactor * config.submissionTimeoutMs + 5000
      : config.submissionTimeoutMs;
    const mapFile = await writeMap(
      join(p.runDir, "import_map.json"),
      session.sandboxImportMap([p.staged.root]),
    );
    const outcome = await runInSandbox({
      config,
      runDir: p.runDir,
      // Helper-52: a file handed in beside the exercises, read by a relative path, was read
      // by the learner's check and refused here.
      cwd: join(p.staged.root, "exercises"),
      importMapFile: mapFile,
      denoDir: join(p.runDir, "deno_dir"),
      denoDirTemplate: session.sandboxDenoDir,
      env: session.env,
      units,
      // The submission's time is CPU time of its code, which nothing running beside it can
      // spend (twenty-sixth review: on the clock, a neighbour in a batch took a reference
      // submission from 149 to 114 points near the limit). Its backstop on the clock counts
      // from its staging: the limit itself for a submission graded alone, whose platform's
      // limit is on the clock; in a batch, as for a case, wallFactor × the limit + 5 s.
      budgetMs: config.submissionTimeoutMs,
      clockMs,
      deadline: Date.now() + clockMs - (performance.now() - p.started),
      onResult: (key, result) => {
        const early = fromSandbox(result);
        verdicts.set(key, { ...(early ?? { status: "failed", message: "" }), ms: result.ms });
        if (early === undefined) {
          pending.set(
            key,
            judging.judge(key, result.output ?? "").then((v) =>
              v.ok
                ? {
                  status: "passed",
                  message: "",
                  ...(v.value === undefined ? {} : { value: v.value }),
                }
                : { status: "failed", message: v.message ?? "", hint: v.hint }
            ),
          );
        }
      },
    });
    p.timings.sandbox = seconds(started);
    p.timings.sandboxProcesses = outcome.processes;
    sandboxFatal = outcome.fatal;
    diagnostics = outcome.stderrTail;
    for (const [key, result] of outcome.results) {
      if (!verdicts.has(key)) {
        verdicts.set(key, {
          ...(fromSandbox(result) ?? { status: "not-run", message: "" }),
          ms: result.ms,
        });
      }
    }
  })();
  try {
    const [typeErrors] = await Promise.all([typecheck, sandbox]);
    const checksStarted = performance.now();
    for (const [key, verdict] of pending) {
      verdicts.set(key, { ...(await verdict), ms: verdicts.get(key)?.ms });
    }
    p.timings.checks = seconds(checksStarted);
    if (sandboxFatal !== undefined) {
      const report = assemble(
        session,
        p,
        allCases(session, "not-run", "not graded: the grader failed"),
        "error",
        `Grading failed: ${sandboxFatal}`,
      );
      report.diagnostics = diagnostics;
      return report;
    }
    for (const c of manifest.cases) {
      const before = preVerdict(p, c);
      if (before !== undefined) verdicts.set(c.key, before);
      else if (typeErrors[c.file] !== undefined) {
        verdicts.set(c.key, {
          status: "error",
          message: `exercises/${c.file} does not type-check (this exercise scores 0; the others ` +
            `are graded):\n${typeErrors[c.file]}`,
          hint: problemHint("type", `exercises/${c.file}`),
        });
      }
    }
    return assemble(session, p, verdicts, "graded", "");
  } finally {
    await judging.release();
  }
}

/** A report for a submission the grader itself failed on. */
function failed(session: GraderSession, name: string, error: unknown): SubmissionReport {
  const p: Prepared = {
    name,
    runDir: "",
    staged: { root: "", files: [], refused: {}, leftOut: {}, from: "", lookAlikes: {}, notes: [] },
    present: [],
    graph: {},
    timings: emptyTimings(),
    started: performance.now(),
  };
  return assemble(
    session,
    p,
    allCases(session, "not-run", "not graded: the grader failed"),
    "error",
    `Grading failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/**
 * Grades one submission directory. Never throws for what the submission holds: a grader
 * failure is a report with status `error`.
 *
 * @example
 * ```ts ignore
 * import { gradeSubmission, openSession } from "./mod.ts";
 * const session = await openSession();
 * const report = await gradeSubmission(session, "submissions/alice");
 * console.log(report.score, report.maxScore);
 * await session.close();
 * ```
 */
export async function gradeSubmission(
  session: GraderSession,
  dir: string,
  options: GradeOptions = {},
): Promise<SubmissionReport> {
  const name = options.name ?? basename(resolve(dir));
  let runDir: string | undefined;
  try {
    runDir = await Deno.makeTempDir({ prefix: "grade-", dir: options.tempDir });
    const p = await stage(session, name, dir, runDir);
    await graphAll(session, [p], runDir);
    const typecheckStarted = performance.now();
    const typecheck = typecheckAll(
      [await typecheckTarget(p)],
      typecheckOptions(session, runDir, 1),
    ).then(([verdict]) => {
      p.timings.typecheck = seconds(typecheckStarted);
      return verdict;
    });
    return await runPrepared(session, p, typecheck);
  } catch (error) {
    return failed(session, name, error);
  } finally {
    if (runDir !== undefined && !options.keep) {
      await Deno.remove(runDir, { recursive: true }).catch(() => {});
    }
  }
}

/** One submission of a batch. */
export interface BatchEntry {
  /** The report's name: the directory's name. */
  name: string;
  /** The submission's directory. */
  dir: string;
}

/** Options for {@linkcode gradeBatch}. */
export interface BatchOptions extends Omit<GradeOptions, "name"> {
  /** Sandboxes at once. Default 1. */
  jobs?: number;
  /** Submissions per shared type-check program. Default 50. */
  chunkSize?: number;
  /** Called with each report as soon as it is ready (e.g. to write its file). */
  onReport?: (report: SubmissionReport) => void | Promise<void>;
}

/**
 * The sub-directories of `dir`, one submission each, sorted by name. Names are the
 * students' own text (escaped when printed). A symbolic link is listed too: staging refuses
 * it, so it shows in the gradebook as not gradable instead of vanishing.
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
 * @throws {Error} when `dir` is not a readable directory, or holds a folder whose name is not
 * UTF-8 (an archive unpacked from another encoding): Deno reads such a name with `\uFFFD` in
 * place of the bytes it cannot decode, so the folder could not be opened by that name, and two
 * such names could read the same (found by the seventh review: both scored 0, into one file).
 */
export async function listBatch(dir: string): Promise<BatchEntry[]> {
  const entries: BatchEntry[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if ((entry.isDirectory || entry.isSymlink) && !entry.name.startsWith(".")) {
      entries.push({ name: entry.name, dir: join(dir, entry.name) });
    }
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    // Two entries read alike: at least one name is not UTF-8, and the other may be a real
    // U+FFFD chosen to match it, whose folder would be graded for both (the eighth review).
    const twin = seen.has(entry.name);
    seen.add(entry.name);
    if (twin || await unopenable(dir, entry.name)) {
      throw new Error(
        `the folder shown as "${escapeLine(entry.name)}" has a name that is not UTF-8 (an ` +
          `archive unpacked from another encoding?), so it cannot be opened by name: rename it ` +
          `(for example \`convmv -f latin1 -t utf8 -r --notest ${dir}\`) and grade again`,
      );
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Grades a batch (see the module doc): reports in the order of `entries`.
 *
 * @example
 * ```ts ignore
 * import { gradeBatch, listBatch, openSession } from "./mod.ts";
 * const session = await openSession();
 * const reports = await gradeBatch(session, await listBatch("submissions"), { jobs: 2 });
 * await session.close();
 * ```
 */
export async function gradeBatch(
  session: GraderSession,
  entries: BatchEntry[],
  options: BatchOptions = {},
): Promise<SubmissionReport[]> {
  const jobs = Math.max(1, options.jobs ?? 1);
  session.judges.warm(Math.min(jobs, entries.length));
  const batchDir = await Deno.makeTempDir({ prefix: "grade-batch-", dir: options.tempDir });
  try {
    const reports: (SubmissionReport | undefined)[] = new Array(entries.length);
    const prepared: (Prepared | undefined)[] = await Promise.all(entries.map(async (entry, i) => {
      try {
        const runDir = join(batchDir, String(i));
        await Deno.mkdir(runDir);
        return await stage(session, entry.name, entry.dir, runDir);
      } catch (error) {
        reports[i] = failed(session, entry.name, error);
        return undefined;
      }
    }));
    const ready = prepared.filter((p): p is Prepared => p !== undefined);
    await graphAll(session, ready, batchDir);
    const started = performance.now();
    const checked = await typecheckAll(
      await Promise.all(ready.map(typecheckTarget)),
      { ...typecheckOptions(session, batchDir, jobs), chunkSize: options.chunkSize },
    );
    const each = seconds(started) / Math.max(1, ready.length);
    const typeErrors = new Map(ready.map((p, i) => [p, checked[i]]));
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const i = next++;
        const p = prepared[i];
        if (p !== undefined) {
          p.timings.typecheck = Math.round(each * 100) / 100;
          // Its time limit counts its own staging and sandbox runs. The module graph and the
          // type check are the batch's, each under its own limit: one submission's slow check
          // must not spend another's time (twenty-first review: 144 → 101 points).
          p.started = performance.now() - p.timings.stage * 1000;
          try {
            reports[i] = await runPrepared(
              session,
              p,
              Promise.resolve(typeErrors.get(p)!),
              jobs > 1,
            );
          } catch (error) {
            reports[i] = failed(session, p.name, error);
          }
          if (!options.keep) await Deno.remove(p.runDir, { recursive: true }).catch(() => {});
        }
        await options.onReport?.(reports[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, entries.length) }, worker));
    return reports as SubmissionReport[];
  } finally {
    if (!options.keep) await Deno.remove(batchDir, { recursive: true }).catch(() => {});
  }
}

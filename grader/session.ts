/**
 * A grading session: everything loaded and checked once, on the trusted side, and shared by
 * every submission graded with it.
 *
 * {@linkcode openSession}:
 * - imports the kit's case tables and the hidden tables (`--hidden DIR`: every `*.ts` directly
 *   in `DIR`, sorted, skipping names that start with `_` or `.`; their run halves can live in a
 *   sub-directory), validates them, applies the rubric and builds the
 *   {@linkcode ./manifest.ts Manifest};
 * - works out each exercise's import policy ({@linkcode ./prepare/policy.ts}) from its lesson;
 * - reads the module graph of every run half (`deno info`) and checks that it loads nothing
 *   the exercise itself may not load and no package that cannot load in the sandbox: the run
 *   half is loaded next to the submission's code, which can read every module loaded there.
 *   The files it loads are what the sandbox reads for it;
 * - finds the Fashion-MNIST on this machine when a case needs it, with the kit's own loader
 *   (the same search, verification and error message), and gives that directory to the sandbox
 *   and the judges: a machine without the data is a set-up error, never a student's failure;
 * - starts the sandbox once with the run halves alone, which proves it works before any student
 *   is graded and warms a private `DENO_DIR` that each sandbox then gets a copy of (from a copy
 *   of one an earlier session warmed, when there is one: {@linkcode ./sandbox/warm_cache.ts});
 * - opens the pool of judges ({@linkcode ./score/judge.ts}).
 *
 * @example
 * ```ts ignore
 * import { openSession } from "./session.ts";
 * const session = await openSession({ hiddenDir: "hidden/", rubricFile: "rubric.json" });
 * console.log(session.manifest.maxScore);
 * await session.close();
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Exercise } from "../tests/cases/case.ts";
import { defaultConfig, type GraderConfig } from "./config.ts";
import {
  asExercises,
  buildManifest,
  type HiddenTable,
  hiddenTableFrom,
  type Manifest,
} from "./manifest.ts";
import { checkGraphs } from "./prepare/graph.ts";
import {
  BLOCKED_MODULE,
  dirUrl,
  fileUrl,
  type ImportMap,
  prepareImportMap,
  readKitImports,
  runtimeImportMap,
} from "./prepare/import_map.ts";
import { isUnder, loadPolicy, lockedPackages } from "./prepare/policy.ts";
import { type TypecheckCache, typecheckCache } from "./prepare/typecheck_cache.ts";
import { EMPTY_RUBRIC, loadRubric, type Rubric } from "./rubric.ts";
import { runInSandbox } from "./sandbox/run.ts";
import { keepWarmCache, takeWarmCache, warmCacheKey } from "./sandbox/warm_cache.ts";
import { JudgePool } from "./score/judge.ts";

/** Options for {@linkcode openSession}. */
export interface SessionOptions {
  /** Grader configuration; default {@linkcode defaultConfig}`()`. */
  config?: GraderConfig;
  /** A directory of hidden-case modules. */
  hiddenDir?: string;
  /** A rubric file (JSON). */
  rubricFile?: string;
  /** A parsed rubric (instead of `rubricFile`). */
  rubric?: Rubric;
  /**
   * Grade only these exercises (ids, or `-` for `_`: Exercism's slugs); the others are left
   * out of the manifest, the reports and the totals. Default: every exercise.
   */
  exercises?: string[];
  /**
   * Stops the set-up between its steps (Ctrl-C): `openSession` then rejects with the signal's
   * reason, its directory removed. Also the session's `config.signal`: after it, no grading
   * step starts a process.
   */
  signal?: AbortSignal;
  /**
   * Where the session's own directory is made (default: the system's temporary directory). A
   * command that removes one directory on Ctrl-C without waiting for the set-up to stop passes
   * that directory, so nothing of the session outlives it.
   */
  tempDir?: string;
}

/** The loaded, shared state of a grading session. */
export interface GraderSession {
  /** The configuration in force. */
  config: GraderConfig;
  /** Every expected case. */
  manifest: Manifest;
  /** The ids of every exercise in the tables, the ones `exercises` left out included. */
  allExerciseIds: string[];
  /**
   * Every exercise's shortcuts, the ones `exercises` left out included: refused while any file
   * loads, so that a file's score does not depend on which exercises a run grades.
   */
  loadingShortcuts: string[];
  /** The rubric in force (its `gradescope` options shape Gradescope's results). */
  rubric: Rubric;
  /** Exercise id → kit paths its code may load (relative; directories end with `/`). */
  policy: Map<string, string[]>;
  /** Run half URL → the local files it loads (absolute): what the sandbox reads for it. */
  runFiles: Map<string, string[]>;
  /** The kit's `imports` (made absolute). */
  kitImports: Record<string, string>;
  /** `npm:<name>@<version>` requests pinned by the kit's lockfile. */
  lockedPackages: Set<string>;
  /** Environment of the sandboxes: the backend, the training split's directory. */
  env: Record<string, string>;
  /**
   * Data directories the sandbox may read: the committed subset, and the full data set's
   * training split only, in a directory of its own. The test split, which the judges score
   * trained models with, is only in the judges' directory, which no sandbox may read.
   */
  dataDirs: string[];
  /**
   * The tfjs wasm backend's binaries, which it reads as files (not modules): every sandbox
   * Worker may read them, or tfjs falls back to its cpu backend, several times slower.
   */
  backendFiles: string[];
  /** A private directory for this session's files; removed by `close`. */
  dir: string;
  /** A `DENO_DIR` warmed by the sandbox with trusted code only; each sandbox gets a copy. */
  sandboxDenoDir: string;
  /**
   * Where {@linkcode sandboxDenoDir} started from: `reused` (a copy of one an earlier session
   * warmed, {@linkcode ./sandbox/warm_cache.ts}), `warmed` (from nothing, then kept for the
   * next session when the cache could be written and no hidden tables were loaded) or `off`
   * (the config keeps none).
   */
  warmCache: "reused" | "warmed" | "off";
  /** The type check's warm `DENO_DIR` ({@linkcode typecheckCache}). */
  typecheckCache: TypecheckCache;
  /** The sandbox's import map for these stage roots ({@linkcode runtimeImportMap}). */
  sandboxImportMap(stageRoots: string[]): ImportMap;
  /** The judges. */
  judges: JudgePool;
  /** Notes for the teacher about the set-up. */
  notes: string[];
  /** Stops the judges and removes the session directory. */
  close(): Promise<void>;
}

/**
 * The exercise ids named by `names` (ids or Exercism slugs, which write `-` for `_`), checked
 * against the tables' exercises.
 *
 * @example
 * ```ts
 * import { selectExercises } from "./session.ts";
 * const tables = [{ id: "sum_keepdim" }, { id: "softmax" }];
 * const ids = selectExercises(["sum-keepdim"], tables);
 * if (!ids.has("sum_keepdim") || ids.size !== 1) throw new Error(`unexpected: ${[...ids]}`);
 * let message = "";
 * try { selectExercises(["softmx"], tables); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("sum_keepdim, softmax")) throw new Error(`no list of ids in: ${message}`);
 * ```
 */
export function selectExercises(names: string[], exercises: { id: string }[]): Set<string> {
  const ids = [...new Set(exercises.map((e) => e.id))];
  const chosen = new Set<string>();
  for (const name of names) {
    const id = name.trim().replaceAll("-", "_");
    if (!ids.includes(id)) {
      throw new RangeError(
        `No exercise "${name}": choose among ${ids.join(", ")} (or their slugs, with - for _)`,
      );
    }
    chosen.add(id);
  }
  if (chosen.size === 0) throw new RangeError(`No exercise named: choose among ${ids.join(", ")}`);
  return chosen;
}

/** Each run half's text and its path for reports (relative to the kit when inside it). */
async function runTexts(
  kitRoot: string,
  exercises: Exercise[],
): Promise<Record<string, { text: string; where: string }>> {
  const texts: Record<string, { text: string; where: string }> = {};
  for (const url of new Set(exercises.map((e) => e.runModule))) {
    if (!url.startsWith("file:")) continue;
    const path = fileURLToPath(url);
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (text === undefined) continue;
    const inKit = !relative(kitRoot, path).startsWith("..");
    texts[url] = { text, where: inKit ? relative(kitRoot, path) : basename(path) };
  }
  return texts;
}

/** The hidden-case modules in `dir`: absolute paths of its top-level `*.ts` files, sorted. */
async function listHiddenModules(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const info = await Deno.stat(root).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new Error(`--hidden ${dir}: not a directory; pass a directory of case-table modules`);
  }
  const paths: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    paths.push(join(root, entry.name));
  }
  return paths.sort();
}

/** Checks that each exercise's run halves are its own and import only what it may load. */
async function checkRunHalves(
  config: GraderConfig,
  exercises: { exercise: Exercise; source: string }[],
  policy: Map<string, string[]>,
  kitImports: Record<string, string>,
  lockedPackages: Set<string>,
  dir: string,
): Promise<Map<string, string[]>> {
  const modules = [...new Set(exercises.map((e) => e.exercise.runModule))];
  for (const { exercise, source } of exercises) {
    const module = await import(exercise.runModule).catch((error) => {
      throw new Error(`${source}: exercise "${exercise.id}": cannot load its run half: ${error}`);
    });
    if (module.runs !== exercise.runs) {
      throw new Error(
        `${source}: exercise "${exercise.id}": runs is not what ${exercise.runModule} exports ` +
          "as runs (import it from there)",
      );
    }
  }
  const runFiles = new Map<string, string[]>();
  const kitUrl = dirUrl(config.kitRoot);
  for (const url of modules) {
    const users = exercises.filter((e) => e.exercise.runModule === url);
    // The run half's own directory plays the part of a submission's exercises/.
    const runDir = fileURLToPath(new URL(".", url));
    const file = fileURLToPath(url).slice(runDir.length);
    // A run half may also load the kit's run-side helpers (`tests/cases/runs/`).
    const kitRuns = `${relative(config.kitRoot, dirname(config.tablesModule))}/runs/`;
    const allowed = [...new Set([...users.flatMap((u) => policy.get(u.exercise.id)!), kitRuns])];
    const [verdict] = await checkGraphs(
      [{ root: runDir, dir: runDir, files: [{ file, allowed }] }],
      {
        denoPath: config.denoPath,
        configFile: config.configFile,
        kitRoot: config.kitRoot,
        workDir: dir,
        memoryMb: config.toolMemoryMb,
        cacheGrowthMb: config.cacheGrowthMb,
        timeoutMs: config.graphTimeoutMs,
        signal: config.signal,
        importMapFor: async (_roots, workDir) => {
          const map = prepareImportMap({
            kitImports,
            kitRoot: config.kitRoot,
            dirs: [],
            stageRoots: [],
            workDir,
          });
          map.imports[dirUrl(runDir)] = dirUrl(runDir);
          const path = join(workDir, "import_map.json");
          await Deno.writeTextFile(path, JSON.stringify(map));
          return path;
        },
        rules: {
          allowedPackages: config.allowedPackages,
          lockedPackages,
          allowedNodeModules: [],
          typesAnywhere: true,
        },
      },
    );
    const graph = verdict[file];
    const problem = graph.loadError ?? graph.blocked;
    if (problem !== undefined) {
      throw new Error(
        `The run half ${url.replace(kitUrl, "")} (exercise ${
          users.map((u) => `"${u.exercise.id}"`).join(", ")
        }) cannot be loaded in the sandbox: ${problem}. A run half loads what its exercise may ` +
          "load and its own helpers; keep expected values and references in the table.",
      );
    }
    runFiles.set(url, [...graph.kitFiles, ...graph.modules.map((m) => join(runDir, m))]);
  }
  return runFiles;
}

/**
 * Opens a grading session (see the module documentation).
 *
 * @throws {TypeError} for malformed tables or rubric; {@linkcode Error} when a run half breaks
 * the policy, a case needs data this machine lacks, or the sandbox does not start.
 */
export async function openSession(options: SessionOptions = {}): Promise<GraderSession> {
  const config = { ...options.config ?? defaultConfig(), signal: options.signal };
  const tablesUrl = fileUrl(config.tablesModule);
  const kit = asExercises((await import(tablesUrl)).exercises, config.tablesModule);
  const hiddenPaths = options.hiddenDir ? await listHiddenModules(options.hiddenDir) : [];
  const hidden: HiddenTable[] = [];
  for (const path of hiddenPaths) {
    hidden.push(hiddenTableFrom(await import(fileUrl(path)), path, kit));
  }
  const rubric = options.rubric ??
    (options.rubricFile ? await loadRubric(options.rubricFile) : EMPTY_RUBRIC);
  const every = [...kit, ...hidden.flatMap((t) => t.exercises)];
  const only = options.exercises === undefined
    ? undefined
    : selectExercises(options.exercises, every);
  // Checks every rubric key, those of exercises left out by `exercises` included: a typo in
  // one must not wait for the run that grades that exercise.
  buildManifest(kit, hidden, rubric);
  const chosen = (list: Exercise[]) => list.filter((e) => only?.has(e.id) ?? true);
  const tables = hidden.map((t) => ({ ...t, exercises: chosen(t.exercises) }));
  // A course's rubric names cases of every exercise: only the chosen ones' apply.
  const mine = (key: string) => only?.has(key.split("/")[0]) ?? true;
  const cases = Object.entries(rubric.cases).filter(([key]) => mine(key));
  const gradescope = rubric.gradescope && {
    ...rubric.gradescope,
    leaderboard: rubric.gradescope.leaderboard?.filter((column) => mine(column.case)),
  };
  const effective: Rubric = {
    ...rubric,
    cases: Object.fromEntries(cases),
    ...(gradescope ? { gradescope } : {}),
  };
  const manifest = buildManifest(
    chosen(kit),
    tables,
    effective,
    await runTexts(config.kitRoot, every.filter((e) => only?.has(e.id) ?? true)),
  );
  const policy = await loadPolicy(config, manifest.exercises);
  const kitImports = await readKitImports(config.configFile);
  const locked = await lockedPackages(config.lockFile);
  const notes: string[] = [];

  const env: Record<string, string> = config.backend ? { D2L_BACKEND: config.backend } : {};
  const dataDirs = [join(config.kitRoot, "data", "subset")];
  const judgeEnv: Record<string, string> = { ...env };
  const judgeDataDirs = [join(config.kitRoot, "data", "subset")];
  const needing = manifest.cases.filter((c) => c.needs.includes("fashion-mnist"));
  // Imported only when needed: it loads tfjs.
  const data = needing.length > 0 ? await import("../data/fashion_mnist.ts") : undefined;
  const backendFiles = await wasmBinaries(config.kitRoot);
  const stopIfAborted = () => options.signal?.throwIfAborted();
  stopIfAborted();

  const dir = await Deno.makeTempDir({ prefix: "grader-session-", dir: options.tempDir });
  // Whatever fails (or is interrupted) from here on, the directory goes with it.
  let judges: JudgePool | undefined;
  // The data set is read, verified and written while the run halves are checked and the
  // sandbox warms up, which need only its directories' names.
  let dataReady: Promise<void> | undefined;
  let dataMissing = false;
  let typecheckWarming: Promise<TypecheckCache> | undefined;
  try {
    if (data !== undefined) {
      // Decoded once for every sandbox and judge of the session: each reads (and verifies)
      // the same bytes without gunzipping them again.
      // Sandboxes read a directory holding the training split only; judges one holding both
      // (the test split scores trained models; the training split makes their reference),
      // whose training files are hard links to the sandboxes' (no second copy).
      const train = join(dir, "fashion-mnist", "train");
      const judge = join(dir, "fashion-mnist", "judge");
      dataReady = (async () => {
        const found = await data.readFashionMnistRaw({ download: false }).catch((error) => {
          throw new Error(
            `${needing.length} case(s) need the full Fashion-MNIST (e.g. "${
              needing[0].exerciseId
            }/${needing[0].name}"), and this machine does not have it, so they cannot be ` +
              `graded here:\n${(error as Error).message}`,
          );
        });
        await data.writeFashionMnistFiles({ train: found.train }, train);
        await data.writeFashionMnistFiles({ test: found.test }, judge);
        for (const key of data.SPLIT_FILES.train) {
          const file = data.FASHION_MNIST_FILES[key].file;
          await Deno.link(join(train, file), join(judge, file));
        }
      })();
      // Awaited below; until then a failure must not count as unhandled.
      dataReady.catch(() => dataMissing = true);
      env.FASHION_MNIST_DIR = train;
      dataDirs.push(train);
      judgeEnv.FASHION_MNIST_DIR = judge;
      judgeDataDirs.push(judge);
    }
    const sources = [
      ...chosen(kit).map((exercise) => ({ exercise, source: config.tablesModule })),
      ...tables.flatMap((t) => t.exercises.map((exercise) => ({ exercise, source: t.source }))),
    ];
    const runFiles = await checkRunHalves(
      config,
      sources,
      policy,
      kitImports,
      locked,
      dir,
    );
    // Data that is not there is found out in milliseconds: say so before the warm-up.
    if (dataMissing) await dataReady;
    const sandboxDenoDir = join(dir, "deno_dir");
    const warmKey = config.warmCacheDir === undefined ? undefined : await warmCacheKey(config);
    const warmCache = warmKey === undefined
      ? "off"
      : await takeWarmCache(config.warmCacheDir!, warmKey, sandboxDenoDir)
      ? "reused"
      : "warmed";
    // Made beside the sandbox's warm-up when there is none to reuse (typecheck_cache.ts).
    typecheckWarming = typecheckCache(config, warmKey, dir);
    const warm = join(dir, "warm");
    stopIfAborted();
    await Deno.mkdir(warm, { recursive: true });
    const warmMap = join(warm, "import_map.json");
    const trustedDirs = [
      ...new Set([...runFiles.values()].flat().map((file) => dirname(file))),
    ];
    const sandboxImportMap = (stageRoots: string[]) =>
      runtimeImportMap({
        kitImports,
        kitRoot: config.kitRoot,
        dirs: [config.lessonsDir, ...config.libraryDirs],
        stageRoots,
        allowedNodeModules: config.allowedNodeModules,
        allowedPackages: config.allowedPackages,
        lockedPackages: locked,
        trustedDirs,
      });
    await Deno.writeTextFile(warmMap, JSON.stringify(sandboxImportMap([])));
    const runModules = [...runFiles.keys()];
    const warmed = await runInSandbox({
      config,
      runDir: warm,
      importMapFile: warmMap,
      denoDir: sandboxDenoDir,
      env,
      warmUp: true,
      units: [{
        id: "warm-up",
        runModules,
        read: [
          ...new Set([...runFiles.values()].flat()),
          fileURLToPath(BLOCKED_MODULE),
          ...dataDirs,
          ...backendFiles,
        ],
        files: [],
        loading: [],
        cases: [],
      }],
    });
    await Deno.remove(warm, { recursive: true }).catch(() => {});
    stopIfAborted();
    if (warmed.fatal !== undefined) {
      throw new Error(
        `the sandbox does not start with the kit's run halves alone: ${warmed.fatal}` +
          (warmed.stderrTail ? `\n${warmed.stderrTail.trim()}` : ""),
      );
    }
    // The kit falls back to the cpu backend with a warning: in the sandbox that would only make
    // grading several times slower, silently.
    const fallback = warmed.stderrTail.match(/Warning: the wasm backend could not start[^\n]*/);
    if (fallback !== null) {
      throw new Error(
        `the sandbox cannot start tfjs's wasm backend (first error: ${
          warmed.stderrTail.trim().split("\n")[0]
        }); set the grader's backend to "cpu" (--backend cpu) to grade on the cpu backend ` +
          "knowingly",
      );
    }
    await dataReady;
    stopIfAborted();
    // Kept only from a session without hidden tables: their compiled run halves would outlive
    // the session on disk (twenty-seventh review). Such a session starts from the kept copy
    // and compiles its hidden run halves into its own, which goes with it.
    if (warmCache === "warmed" && hiddenPaths.length === 0) {
      await keepWarmCache(config.warmCacheDir!, warmKey!, sandboxDenoDir);
    }
    judges = new JudgePool(
      config,
      {
        tables: tablesUrl,
        hidden: hiddenPaths.map((p) => fileUrl(p)),
        ...(only ? { exercises: [...only] } : {}),
      },
      {
        read: [
          config.kitRoot,
          ...(options.hiddenDir ? [resolve(options.hiddenDir)] : []),
          ...judgeDataDirs,
        ],
        env: judgeEnv,
      },
    );
    const typecheck = await typecheckWarming;
    const pool = judges;
    pool.warm(1);
    return {
      config,
      manifest,
      allExerciseIds: [...new Set(every.map((e) => e.id))],
      loadingShortcuts: [...new Set(every.flatMap((e) => e.shortcuts ?? []))],
      policy,
      runFiles,
      sandboxImportMap,
      kitImports,
      lockedPackages: locked,
      env,
      dataDirs,
      backendFiles,
      dir,
      sandboxDenoDir,
      warmCache,
      typecheckCache: typecheck,
      rubric: effective,
      judges: pool,
      notes,
      async close() {
        await pool.close();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await judges?.close();
    await dataReady?.catch(() => {});
    await typecheckWarming; // never rejects
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Whether `path` (absolute) is a kit file a policy governs, and its kit path. */
export function kitPath(config: GraderConfig, path: string): string | undefined {
  const prefix = config.kitRoot.endsWith("/") ? config.kitRoot : `${config.kitRoot}/`;
  if (!path.startsWith(prefix)) return undefined;
  const rel = path.slice(prefix.length);
  return isUnder(rel, [config.lessonsDir, ...config.libraryDirs, "mod.ts"]) ? rel : undefined;
}

/** The `.wasm` files of the kit's tfjs-backend-wasm (real paths: permissions see those). */
async function wasmBinaries(kitRoot: string): Promise<string[]> {
  const root = await Deno.realPath(
    join(kitRoot, "node_modules", "@tensorflow", "tfjs-backend-wasm"),
  ).catch(() => undefined);
  const files: string[] = [];
  for (const dir of root === undefined ? [] : [join(root, "dist"), join(root, "wasm-out")]) {
    const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
    for (const entry of entries) {
      if (entry.isFile && entry.name.endsWith(".wasm")) files.push(join(dir, entry.name));
    }
  }
  return files.sort();
}

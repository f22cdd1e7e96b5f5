/**
 * A grading session: everything loaded once and shared by every submission graded with it.
 *
 * {@linkcode openSession} does the trusted set-up:
 * - imports the kit's case tables and the hidden tables, validates them, applies the rubric
 *   and builds the {@linkcode ./manifest.ts Manifest};
 * - imports the kit module (handed to every `check` as `kit`);
 * - writes the sandbox's Worker entry module, which statically imports the harness, the kit,
 *   the tables and the hidden tables (static imports load without read permission, so the
 *   Worker itself needs none for them);
 * - finds out (with `deno info`) whether anything the sandbox loads imports the kit's
 *   `solutions/`, and if so writes stubs for those modules: the sandbox's import map sends
 *   `solutions/` to the stubs, whose exports throw when called. The real reference answers are
 *   never part of the sandbox's module graph;
 * - checks that the data a case `needs` is on this machine;
 * - starts the sandbox once with no submission, which proves it works before any student is
 *   graded and warms up a private `DENO_DIR` that each sandbox then gets a copy of.
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
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultConfig, type GraderConfig } from "./config.ts";
import { listHiddenModules, loadHiddenTables } from "./hidden.ts";
import { dirUrl, readKitImports, sandboxImportMap } from "./import_map.ts";
import { asExercises, buildManifest, type Manifest } from "./manifest.ts";
import { EMPTY_RUBRIC, loadRubric, type Rubric } from "./rubric.ts";
import { runInSandbox } from "./sandbox.ts";
import { reachedPackages, sandboxKit } from "./sandbox_kit.ts";
import { denoInfoModules, isAllowedPackage, npmPackageName } from "./module_graph.ts";

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
}

/** The loaded, shared state of a grading session. */
export interface GraderSession {
  /** The configuration in force. */
  config: GraderConfig;
  /** Every expected case. */
  manifest: Manifest;
  /** The kit module's namespace (trusted side). */
  kit: unknown;
  /** A private directory for this session's files; removed by `close`. */
  dir: string;
  /** URL of the Worker entry module. */
  entryUrl: string;
  /** Where the import map sends the kit's `solutions/`. */
  solutionsTarget: string;
  /**
   * The module the sandbox loads as the kit (`mod.ts`, or its stand-in without native
   * add-ons: see `sandbox_kit.ts`); a submission's own `../mod.ts` loads it too.
   */
  sandboxKitModule?: string;
  /**
   * What the sandbox *process* may read (module loading inside its Worker is checked against
   * these, not the Worker's own permissions): this session's directory, the kit's public
   * parts, `grader/`, exactly the files the Worker entry loads statically, `node_modules` and
   * the data set. Never the kit's `solutions/`, `tests/` as a whole, or a hidden directory's
   * other files.
   */
  sandboxReadable: string[];
  /** The kit's `imports` (made absolute). */
  kitImports: Record<string, string>;
  /** `npm:<name>@<version>` requests pinned by the kit's lockfile. */
  lockedPackages: Set<string>;
  /** Notes for the teacher about the set-up. */
  notes: string[];
  /**
   * A `DENO_DIR` warmed up by starting the sandbox once with trusted code only (no
   * submission). Each sandbox gets a copy of it, thrown away afterwards.
   */
  sandboxDenoDir: string;
  /** Serialises trusted `check` calls (tfjs tracks tensors globally). */
  serial<T>(task: () => Promise<T>): Promise<T>;
  /** Removes the session directory. */
  close(): Promise<void>;
}

const FOUR_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

async function hasDataset(dirs: string[]): Promise<boolean> {
  for (const dir of dirs) {
    let found = 0;
    for (const name of FOUR_FILES) {
      for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
        if ((await Deno.stat(candidate).catch(() => undefined))?.isFile) {
          found++;
          break;
        }
      }
    }
    if (found === FOUR_FILES.length) return true;
  }
  return false;
}

async function lockedPackagesOf(lockFile: string): Promise<Set<string>> {
  try {
    const lock = JSON.parse(await Deno.readTextFile(lockFile));
    return new Set(Object.keys(lock.specifiers ?? {}).filter((s) => s.startsWith("npm:")));
  } catch {
    return new Set();
  }
}

/**
 * Analyses the sandbox entry's static module graph: writes stubs for the kit's solution
 * modules it would load, and returns the local files it loads (the sandbox process may read
 * exactly those, besides the public parts of the kit).
 */
async function analyseEntry(
  config: GraderConfig,
  entryFile: string,
  importMapFile: string,
  stubsDir: string,
): Promise<{ stubbed: string[]; files: string[] }> {
  const byId = await denoInfoModules(entryFile, {
    denoPath: config.denoPath,
    configFile: config.configFile,
    importMapFile,
    what: "the sandbox entry",
  });
  const disallowed = reachedPackages(pathToFileURL(entryFile).href, byId).filter((spec) =>
    !isAllowedPackage(npmPackageName(spec), config.allowedPackages)
  );
  if (disallowed.length > 0) {
    throw new Error(
      `The case tables (or hidden cases) load ${disallowed.join(", ")}, which cannot load inside ` +
        "the sandbox (only " + config.allowedPackages.join(", ") + " can); import the kit's " +
        "pieces from their own modules, or take them from `kit` in run().",
    );
  }
  const stubsUrl = dirUrl(stubsDir);
  const specifiers = [...byId.keys()];
  const needed = specifiers.filter((s) => s.startsWith(stubsUrl));
  const files = specifiers
    .filter((s) => s.startsWith("file:") && !s.startsWith(stubsUrl))
    .map((s) => fileURLToPath(s));
  const solutionsRoot = join(config.kitRoot, config.solutionsDir);
  const written: string[] = [];
  for (const specifier of needed) {
    const rel = relative(stubsDir, fileURLToPath(specifier));
    const real = join(solutionsRoot, rel);
    const namespace = await import(pathToFileURL(real).href) as Record<string, unknown>;
    const label = `${config.solutionsDir}${rel}`;
    const lines = [
      `// Stub of ${label} for the grader's sandbox: the reference answers never load there.`,
      "const blocked = (name: string) =>",
      "  function (): never {",
      `    throw new Error(${
        JSON.stringify(label)
      } + " is not available inside the grader's sandbox (" + name + ")");`,
      "  };",
    ];
    for (const name of Object.keys(namespace)) {
      if (name === "default") lines.push(`export default blocked("default");`);
      else if (/^[A-Za-z_$][\w$]*$/.test(name)) {
        lines.push(`export const ${name} = blocked(${JSON.stringify(name)});`);
      }
    }
    const target = join(stubsDir, rel);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeTextFile(target, lines.join("\n") + "\n");
    written.push(label);
  }
  return { stubbed: written, files };
}

/**
 * Opens a grading session (see the module documentation).
 *
 * @example The fixture kit, with its hidden case
 * ```ts
 * import { openSession } from "./session.ts";
 * import { fixtureConfig } from "../tests/fixtures/grader/helpers.ts";
 * const session = await openSession({
 *   config: fixtureConfig(),
 *   hiddenDir: "tests/fixtures/grader/hidden",
 * });
 * try {
 *   if (session.manifest.maxScore !== 14 || session.manifest.cases.length !== 9) throw new Error();
 *   if (!session.notes[0].includes("stubs")) throw new Error(session.notes.join());
 * } finally {
 *   await session.close();
 * }
 * ```
 * @throws {TypeError} for malformed tables or rubric; {@linkcode Error} when a case needs data
 * this machine lacks, or the sandbox entry cannot be analysed.
 */
export async function openSession(options: SessionOptions = {}): Promise<GraderSession> {
  const config = options.config ?? defaultConfig();
  const tablesUrl = pathToFileURL(config.tablesModule).href;
  const tablesNs = await import(tablesUrl) as Record<string, unknown>;
  const kitExercises = asExercises(tablesNs.exercises, config.tablesModule);
  const hiddenPaths = options.hiddenDir ? await listHiddenModules(options.hiddenDir) : [];
  const hidden = options.hiddenDir ? await loadHiddenTables(options.hiddenDir, kitExercises) : [];
  const rubric = options.rubric ??
    (options.rubricFile ? await loadRubric(options.rubricFile) : EMPTY_RUBRIC);
  const manifest = buildManifest(kitExercises, hidden, rubric);
  const kit = await import(pathToFileURL(config.kitModule).href);

  const needing = manifest.cases.filter((c) => c.needs.includes("fashion-mnist"));
  if (needing.length > 0 && !(await hasDataset(config.datasetDirs))) {
    throw new Error(
      `${needing.length} case(s) need the Fashion-MNIST data (e.g. "${needing[0].exerciseId}/${
        needing[0].name
      }"), which is not in ${config.datasetDirs.join(" or ")}. Install the Debian package ` +
        "dataset-fashion-mnist or set FASHION_MNIST_DIR.",
    );
  }

  const dir = await Deno.makeTempDir({ prefix: "grader-session-" });
  // Whatever fails (or is interrupted) from here on, the directory goes with it.
  try {
    const notes: string[] = [];
    const kitView = await sandboxKit(config, kit, dir);
    if (kitView.unavailable.length > 0) {
      notes.push(
        `Inside the sandbox, kit.${kitView.unavailable.join(", kit.")} throw: ${
          kitView.excluded.map((e) =>
            `${relative(config.kitRoot, fileURLToPath(e.module))} ${e.reason}`
          )
            .join("; ")
        } (native add-ons cannot load there).`,
      );
    }
    const stubsDir = join(dir, "solution_stubs");
    const entryFile = join(dir, "entry.ts");
    const harness = pathToFileURL(join(config.kitRoot, "grader", "sandbox_worker.ts")).href;
    const lines = [
      "// Generated by the grader: the sandbox Worker's entry module.",
      `import { serve } from ${JSON.stringify(harness)};`,
      `import * as kit from ${JSON.stringify(pathToFileURL(kitView.path).href)};`,
      `import * as tables from ${JSON.stringify(tablesUrl)};`,
      ...hiddenPaths.map((p, i) =>
        `import * as hidden${i} from ${JSON.stringify(pathToFileURL(p).href)};`
      ),
      `serve({ kit, tables, hidden: [${hiddenPaths.map((_, i) => `hidden${i}`).join(", ")}] });`,
    ];
    await Deno.writeTextFile(entryFile, lines.join("\n") + "\n");
    const kitImports = await readKitImports(config.configFile);
    const importMapFile = join(dir, "session_import_map.json");
    await Deno.writeTextFile(
      importMapFile,
      JSON.stringify(sandboxImportMap(kitImports, config, [], stubsDir)),
    );
    const analysed = await analyseEntry(config, entryFile, importMapFile, stubsDir);
    const entryFiles = analysed.files;
    if (analysed.stubbed.length > 0) {
      notes.push(
        `The case tables import ${analysed.stubbed.join(", ")}; the sandbox gets stubs instead.`,
      );
    }
    const sandboxReadable = [
      dir,
      ...config.publicPaths.map((p) => join(config.kitRoot, p)),
      ...entryFiles,
      join(config.kitRoot, "grader"),
      join(config.kitRoot, "node_modules"),
      ...config.datasetDirs,
    ];
    const sandboxDenoDir = join(dir, "deno_dir");
    const warm = join(dir, "warm");
    await Deno.mkdir(join(warm, "s", "exercises"), { recursive: true });
    const warmMap = join(warm, "import_map.json");
    await Deno.writeTextFile(
      warmMap,
      JSON.stringify(sandboxImportMap(kitImports, config, [join(warm, "s")], stubsDir)),
    );
    const warmed = await runInSandbox({
      config,
      runDir: warm,
      stageRoot: join(warm, "s"),
      entryUrl: pathToFileURL(entryFile).href,
      importMapFile: warmMap,
      readable: sandboxReadable,
      denoDir: sandboxDenoDir,
      files: [],
      cases: [],
      warmUp: true,
    });
    await Deno.remove(warm, { recursive: true }).catch(() => {});
    if (warmed.fatal !== undefined) {
      throw new Error(
        `the sandbox does not start with the kit's code alone: ${warmed.fatal}` +
          (warmed.stderrTail ? `\n${warmed.stderrTail.trim()}` : ""),
      );
    }
    let queue: Promise<unknown> = Promise.resolve();
    return {
      config,
      manifest,
      kit,
      dir,
      entryUrl: pathToFileURL(entryFile).href,
      solutionsTarget: stubsDir,
      sandboxKitModule: kitView.path,
      sandboxReadable,
      sandboxDenoDir,
      kitImports,
      lockedPackages: await lockedPackagesOf(config.lockFile),
      notes,
      serial<T>(task: () => Promise<T>): Promise<T> {
        const next = queue.then(task, task);
        queue = next.catch(() => {});
        return next;
      },
      async close() {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

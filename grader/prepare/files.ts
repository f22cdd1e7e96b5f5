/**
 * The grader's preparation steps on a directory of exercise files, for the learner's check:
 * the same module-graph check, import policy and per-file type check as `deno task grade`,
 * so that `deno task check` says what the grader would say about each file.
 *
 * @example
 * ```ts ignore
 * import { prepareFiles } from "./files.ts";
 * const problems = await prepareFiles({ dir: "exercises", exercises });
 * console.log(problems["softmax.ts"]); // undefined, or why the grader would score it 0
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import { defaultConfig, type GraderConfig } from "../config.ts";
import { checkGraphs } from "./graph.ts";
import { dirUrl, prepareImportMap, readKitImports } from "./import_map.ts";
import { loadPolicy, lockedPackages, type PolicyExercise } from "./policy.ts";
import { SAFE_NAME, UNSAFE_NAME } from "./stage.ts";
import { typecheckAll } from "./typecheck.ts";

/** Why the grader would not run a file: it does not load, is blocked, or does not type-check. */
export interface FileProblem {
  /** Which step refuses it. */
  kind: "load" | "blocked" | "type";
  /** The reason, with the compiler's or the graph's message. */
  message: string;
}

/** Options for {@linkcode prepareFiles}. */
export interface PrepareFilesOptions {
  /** The directory of exercise files. */
  dir: string;
  /** The exercises whose files to prepare (those present in `dir`). */
  exercises: (PolicyExercise & { file: string })[];
  /** Grader configuration; default {@linkcode defaultConfig}`()`. */
  config?: GraderConfig;
  /** Skip the type check (it costs a few seconds). Default false. */
  skipTypecheck?: boolean;
}

/**
 * Runs the grader's preparation on the exercise files present in `dir`: per file, why the
 * grader would score its exercise 0 before running anything, if it would.
 */
export async function prepareFiles(
  options: PrepareFilesOptions,
): Promise<Record<string, FileProblem>> {
  const config = options.config ?? defaultConfig();
  const dir = resolve(options.dir);
  const present = [];
  for (const exercise of options.exercises) {
    if ((await Deno.stat(join(dir, exercise.file)).catch(() => undefined))?.isFile) {
      present.push(exercise);
    }
  }
  const problems: Record<string, FileProblem> = {};
  if (present.length === 0) return problems;
  const policy = await loadPolicy(config, present);
  const kitImports = await readKitImports(config.configFile);
  const workDir = await Deno.makeTempDir({ prefix: "d2l-check-" });
  const importMapFor = async (_roots: string[], where: string) => {
    const map = prepareImportMap({ kitImports, kitRoot: config.kitRoot, dirs: [], stageRoots: [] });
    map.imports[dirUrl(dir)] = dirUrl(dir);
    map.imports[dirUrl(where)] = dirUrl(where);
    const path = join(where, "import_map.json");
    await Deno.writeTextFile(path, JSON.stringify(map));
    return path;
  };
  try {
    const [graph] = await checkGraphs([{
      root: dir,
      dir,
      files: present.map((e) => ({ file: e.file, allowed: policy.get(e.id)! })),
    }], {
      denoPath: config.denoPath,
      configFile: config.configFile,
      kitRoot: config.kitRoot,
      workDir,
      importMapFor,
      memoryMb: config.toolMemoryMb,
      cacheGrowthMb: config.cacheGrowthMb,
      timeoutMs: config.graphTimeoutMs,
      signal: config.signal,
      rules: {
        allowedPackages: config.allowedPackages,
        lockedPackages: await lockedPackages(config.lockFile),
        allowedNodeModules: config.allowedNodeModules,
      },
    });
    const runnable: Record<string, string[]> = {};
    for (const { file } of present) {
      const g = graph[file];
      const uncopied = g.modules.find((m) =>
        m.split("/").some((part) => part.startsWith(".") || !SAFE_NAME.test(part))
      );
      if (uncopied !== undefined) {
        problems[file] = {
          kind: "load",
          message: `${JSON.stringify(uncopied)} is not handed to the grader: ${
            uncopied.split("/").some((part) => part.startsWith("."))
              ? "files in folders whose name starts with a dot are left out"
              : `it has ${UNSAFE_NAME}`
          }; rename it`,
        };
      } else if (g.loadError !== undefined) problems[file] = { kind: "load", message: g.loadError };
      else if (g.blocked !== undefined) problems[file] = { kind: "blocked", message: g.blocked };
      else runnable[file] = g.modules;
    }
    if (!options.skipTypecheck && Object.keys(runnable).length > 0) {
      const [types] = await typecheckAll([{ root: dir, dir, files: runnable, shareable: false }], {
        denoPath: config.denoPath,
        configFile: config.configFile,
        lockFile: config.lockFile,
        importMapFor,
        workDir,
        memoryMb: config.toolMemoryMb,
        cacheGrowthMb: config.cacheGrowthMb,
        timeoutMs: config.typecheckTimeoutMs,
        signal: config.signal,
      });
      for (const [file, message] of Object.entries(types)) {
        problems[file] = { kind: "type", message };
      }
    }
    return problems;
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

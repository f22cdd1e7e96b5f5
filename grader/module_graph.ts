/**
 * The module-graph check: what a submission imports, before any of it runs.
 *
 * One `deno info --json` over all graded files (with `--no-remote --no-npm`, so nothing is
 * downloaded on a submission's behalf) gives every module's dependencies as written and as
 * resolved. Starting from each graded file, the check follows the submission's own modules
 * and classifies every import:
 *
 * - a module of the submission (under `<stage>/exercises/`): followed;
 * - a public part of the kit (`lib/`, `lessons/`, `data/`, `mod.ts`): allowed, not followed;
 * - an npm package on the allow-list (`@tensorflow/*`) *at the version the kit's lockfile
 *   pins*: allowed (import it as the kit does, e.g. `"@tensorflow/tfjs"`);
 * - a `node:` built-in on the allow-list: allowed;
 * - anything else (`../solutions/…`, another path outside the submission, a remote URL,
 *   `jsr:`, `data:`, an unknown package): a **violation**. The graded files that reach it are
 *   blocked: their cases fail with a message naming the import.
 *
 * A submitted module that does not parse, or imports a submitted module that does not exist,
 * is a **load error**: the submission is not gradable (like a type error), with the message.
 *
 * Imports written with a computed specifier (`import(name)`) do not appear in the graph; at run
 * time the sandbox's permissions and import map stop them (nothing outside the stage is
 * readable, and no real solution is in the sandbox's module graph).
 *
 * @example
 * ```ts
 * import { classifySpecifier } from "./module_graph.ts";
 * const rules = {
 *   studentPrefix: "file:///s/exercises/",
 *   publicPrefixes: ["file:///kit/lib/"],
 *   allowedPackages: ["@tensorflow/"],
 *   lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]),
 *   allowedNodeModules: ["util"],
 * };
 * if (classifySpecifier("file:///kit/lib/tf.ts", rules).kind !== "public") throw new Error();
 * if (classifySpecifier("npm:@tensorflow/tfjs@4.22.0", rules).kind !== "package") throw new Error();
 * if (classifySpecifier("file:///s/solutions/x.ts", rules).kind !== "violation") throw new Error();
 * ```
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirUrl } from "./import_map.ts";

/** What may be imported, as URL prefixes and package names. */
export interface ImportRules {
  /** URL prefix of the submission's own files: `file:///<stage>/exercises/`. */
  studentPrefix: string;
  /** URLs (prefixes ending in `/`, or exact files) of the kit's public parts. */
  publicPrefixes: string[];
  /** npm package names or scopes (ending in `/`) allowed. */
  allowedPackages: string[];
  /** `npm:<name>@<version>` requests the kit's lockfile pins. */
  lockedPackages: Set<string>;
  /** `node:` built-ins allowed, without the prefix. */
  allowedNodeModules: string[];
}

/** How one resolved import is classified. */
export interface Classified {
  /** `student` (followed), `public`/`package`/`node` (allowed), `violation`. */
  kind: "student" | "public" | "package" | "node" | "violation";
  /** For violations: why. */
  reason?: string;
}

function npmRequest(specifier: string): { name: string; request: string } | undefined {
  const rest = specifier.slice("npm:".length).replace(/^\//, "");
  const parts = rest.split("/");
  const nameAndVersion = rest.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : parts[0];
  const at = nameAndVersion.lastIndexOf("@");
  if (at <= 0) return { name: nameAndVersion, request: `npm:${nameAndVersion}` };
  return { name: nameAndVersion.slice(0, at), request: `npm:${nameAndVersion}` };
}

/**
 * The package name of an `npm:` specifier, without version or path.
 *
 * @example
 * ```ts
 * import { npmPackageName } from "./module_graph.ts";
 * const name = npmPackageName("npm:/@tensorflow/tfjs@4.22.0/dist/x.js");
 * if (name !== "@tensorflow/tfjs") throw new Error(name);
 * ```
 */
export function npmPackageName(specifier: string): string {
  return npmRequest(specifier)!.name;
}

/**
 * Whether `name` is on the allow-list (an entry ending in `/` allows a whole scope).
 *
 * @example
 * ```ts
 * import { isAllowedPackage } from "./module_graph.ts";
 * if (!isAllowedPackage("@tensorflow/tfjs", ["@tensorflow/"])) throw new Error();
 * if (isAllowedPackage("left-pad", ["@tensorflow/"])) throw new Error();
 * ```
 */
export function isAllowedPackage(name: string, allowed: readonly string[]): boolean {
  return allowed.some((p) => p.endsWith("/") ? name.startsWith(p) : name === p);
}

/**
 * Classifies one resolved specifier against the rules.
 *
 * @example An unpinned or unlisted package is a violation
 * ```ts
 * import { classifySpecifier } from "./module_graph.ts";
 * const rules = {
 *   studentPrefix: "file:///s/exercises/", publicPrefixes: [], allowedPackages: ["@tensorflow/"],
 *   lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]), allowedNodeModules: [],
 * };
 * if (classifySpecifier("npm:@tensorflow/tfjs@4.21.0", rules).kind !== "violation") throw new Error();
 * if (classifySpecifier("npm:left-pad@1", rules).kind !== "violation") throw new Error();
 * if (classifySpecifier("node:fs", rules).kind !== "violation") throw new Error();
 * ```
 */
export function classifySpecifier(specifier: string, rules: ImportRules): Classified {
  if (specifier.startsWith(rules.studentPrefix)) return { kind: "student" };
  for (const prefix of rules.publicPrefixes) {
    if (prefix.endsWith("/") ? specifier.startsWith(prefix) : specifier === prefix) {
      return { kind: "public" };
    }
  }
  if (specifier.startsWith("npm:")) {
    const npm = npmRequest(specifier)!;
    if (!isAllowedPackage(npm.name, rules.allowedPackages)) {
      return {
        kind: "violation",
        reason: `the package ${npm.name} is not allowed (allowed: ${
          rules.allowedPackages.map((p) => p.endsWith("/") ? `${p}*` : p).join(", ")
        })`,
      };
    }
    if (!rules.lockedPackages.has(npm.request)) {
      return {
        kind: "violation",
        reason: `${npm.request} is not the version the kit pins; import the package by its bare ` +
          `name as the kit does (e.g. "${npm.name}")`,
      };
    }
    return { kind: "package" };
  }
  if (specifier.startsWith("node:")) {
    const name = specifier.slice("node:".length);
    if (rules.allowedNodeModules.includes(name)) return { kind: "node" };
    return { kind: "violation", reason: `the built-in ${specifier} is not allowed while grading` };
  }
  if (specifier.startsWith("file:")) {
    return {
      kind: "violation",
      reason: "it is outside your submission and the kit's public files",
    };
  }
  return { kind: "violation", reason: "only local files and the kit's packages can be imported" };
}

/** One stage to check. */
export interface GraphStage {
  /** The stage root (`<root>/exercises/` holds the files). */
  root: string;
  /** Graded files present in the submission, relative to `<root>/exercises/`. */
  files: string[];
}

/** The verdict for one stage. */
export interface GraphVerdict {
  /** Graded file → why it is blocked (a violation it reaches). */
  blocked: Record<string, string>;
  /** Graded file → load error (parse error, missing submitted module): not gradable. */
  loadErrors: Record<string, string>;
}

interface InfoDependency {
  specifier: string;
  code?: { specifier?: string; error?: string };
  type?: { specifier?: string; error?: string };
}

/** One module of `deno info --json`. */
export interface InfoModule {
  /** Resolved specifier. */
  specifier: string;
  /** Why it could not be loaded, if it could not. */
  error?: string;
  /** Its dependencies. */
  dependencies?: InfoDependency[];
}

/** Options for {@linkcode denoInfoModules}. */
export interface DenoInfoOptions {
  /** The `deno` executable. */
  denoPath: string;
  /** The kit's `deno.json`. */
  configFile: string;
  /** An import map to resolve with, if any. */
  importMapFile?: string;
  /** Working directory of the `deno info` process. */
  cwd?: string;
  /** What is analysed, for the error message (e.g. "the kit module"). */
  what: string;
}

/**
 * The module graph of `entry` from `deno info --json`, by resolved specifier. Never fetches:
 * `--no-remote --no-npm` (on student code, `deno info` would otherwise download packages).
 *
 * @throws {Error} naming `what` and deno's message when `deno info` fails.
 */
export async function denoInfoModules(
  entry: string,
  options: DenoInfoOptions,
): Promise<Map<string, InfoModule>> {
  const output = await new Deno.Command(options.denoPath, {
    args: [
      "info",
      "--json",
      "--no-remote",
      "--no-npm",
      "--no-lock",
      "--config",
      options.configFile,
      ...(options.importMapFile ? ["--import-map", options.importMapFile] : []),
      entry,
    ],
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno info on ${options.what} failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  return new Map(info.modules.map((m) => [m.specifier, m]));
}

/** Options for {@linkcode checkModuleGraphs}. */
export interface GraphOptions {
  /** The `deno` executable. */
  denoPath: string;
  /** The kit's `deno.json`. */
  configFile: string;
  /** The import map file (see {@linkcode ./import_map.ts}). */
  importMapFile: string;
  /** A scratch directory for the roots module. */
  workDir: string;
  /** Rules, minus the per-stage `studentPrefix`. */
  rules: Omit<ImportRules, "studentPrefix">;
}

function shorten(text: string, stageRoot: string): string {
  return text.replaceAll(dirUrl(stageRoot), "").replaceAll(`${stageRoot}/`, "");
}

/**
 * Runs `deno info --json` once over the graded files of every stage and returns a verdict per
 * stage (same order).
 *
 * @example
 * ```ts
 * import { checkModuleGraphs } from "./module_graph.ts";
 * const work = await Deno.makeTempDir();
 * await Deno.mkdir(`${work}/s/exercises`, { recursive: true });
 * await Deno.writeTextFile(`${work}/s/exercises/a.ts`, 'import "../solutions/a.ts"; export {};');
 * await Deno.writeTextFile(`${work}/map.json`, '{"imports": {}}');
 * const [verdict] = await checkModuleGraphs([{ root: `${work}/s`, files: ["a.ts"] }], {
 *   denoPath: Deno.execPath(), configFile: `${work}/map.json`, importMapFile: `${work}/map.json`,
 *   workDir: work,
 *   rules: { publicPrefixes: [], allowedPackages: [], lockedPackages: new Set(), allowedNodeModules: [] },
 * });
 * if (!verdict.blocked["a.ts"]?.includes("solutions/a.ts")) throw new Error(JSON.stringify(verdict));
 * await Deno.remove(work, { recursive: true });
 * ```
 * @throws {Error} when `deno info` itself fails (not for problems in the submissions).
 */
export async function checkModuleGraphs(
  stages: GraphStage[],
  options: GraphOptions,
): Promise<GraphVerdict[]> {
  const verdicts: GraphVerdict[] = stages.map(() => ({ blocked: {}, loadErrors: {} }));
  const roots = stages.flatMap((stage) =>
    stage.files.map((file) => pathToFileURL(`${stage.root}/exercises/${file}`).href)
  );
  if (roots.length === 0) return verdicts;
  const rootsFile = `${options.workDir}/graph_roots_${crypto.randomUUID()}.ts`;
  await Deno.writeTextFile(rootsFile, roots.map((r) => `import ${JSON.stringify(r)};\n`).join(""));
  let modules: Map<string, InfoModule>;
  try {
    modules = await denoInfoModules(rootsFile, {
      denoPath: options.denoPath,
      configFile: options.configFile,
      importMapFile: options.importMapFile,
      cwd: options.workDir,
      what: "the submitted modules",
    });
  } finally {
    await Deno.remove(rootsFile).catch(() => {});
  }
  stages.forEach((stage, s) => {
    const rules: ImportRules = {
      ...options.rules,
      studentPrefix: dirUrl(`${stage.root}/exercises`),
    };
    const label = (spec: string) =>
      spec.startsWith("file:")
        ? relative(`${stage.root}/exercises`, fileURLToPath(spec)).replaceAll("\\", "/")
        : spec;
    for (const file of stage.files) {
      const start = pathToFileURL(`${stage.root}/exercises/${file}`).href;
      const seen = new Set<string>();
      const queue = [start];
      while (queue.length > 0) {
        const spec = queue.shift()!;
        if (seen.has(spec)) continue;
        seen.add(spec);
        const module = modules.get(spec);
        const where = label(spec);
        if (module === undefined || module.error !== undefined) {
          const why = module?.error ?? "not found";
          verdicts[s].loadErrors[file] ??= `${where}: ${shorten(why, stage.root)}`;
          continue;
        }
        for (const dep of module.dependencies ?? []) {
          for (const resolved of [dep.code, dep.type]) {
            if (resolved === undefined) continue;
            if (resolved.specifier === undefined) {
              verdicts[s].blocked[file] ??= `${where} imports ${JSON.stringify(dep.specifier)}: ${
                shorten(resolved.error ?? "it cannot be resolved", stage.root)
              }`;
              continue;
            }
            const verdict = classifySpecifier(resolved.specifier, rules);
            if (verdict.kind === "student") queue.push(resolved.specifier);
            if (verdict.kind === "violation") {
              verdicts[s].blocked[file] ??= `${where} imports ${
                JSON.stringify(dep.specifier)
              }: ${verdict.reason}`;
            }
          }
        }
      }
    }
  });
  return verdicts;
}

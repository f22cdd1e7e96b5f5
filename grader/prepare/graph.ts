/**
 * The module-graph check: what each exercise file of a submission loads, before any of it runs.
 *
 * `deno info --json` (no downloads: `--no-remote --no-npm`; the prepare import map, so nothing
 * outside the stage and the kit is ever opened; under a memory cap and a time limit) gives every
 * module's dependencies as resolved. From each graded file the check follows the code it loads,
 * through the submission's own modules and through the kit's, and applies the import policy of
 * that file's exercise ({@linkcode ./policy.ts}):
 *
 * - a module of the submission (under `<stage>/exercises/`): followed;
 * - a kit file the exercise may load: recorded (the sandbox may read exactly these) and followed;
 * - an npm package on the allow-list *at the version the kit's lockfile pins*: allowed (import it
 *   as the kit does, e.g. `"@tensorflow/tfjs"`);
 * - a `node:` built-in: allowed when the allow-list has it, or when a kit module imports it;
 * - a type-only import of the submission's modules or of the kit's `lib/`, `data/`, `lessons/`
 *   or `mod.ts`: allowed (it loads nothing);
 * - anything else (the exercise's own lesson or a later one, `mod.ts`, `solutions/`, `tests/`,
 *   an absolute path, a remote URL, `jsr:`, `data:`, an unknown package): the file is
 *   **blocked**, with a message naming the import and what the exercise may import.
 *
 * A submitted module that does not parse, or imports a submitted module that does not exist, is
 * a **load error** of each graded file that reaches it: that exercise scores 0, the others are
 * graded. Many submissions share one run, which keeps one entry per module: the first import
 * that reaches a module decides how it loads for all. So a submission whose modules import with
 * an attribute (`with { type: "json" }`) or from another submission's folder is checked alone,
 * and the others again without it; a run in which a kit module fails to load (an import at
 * source phase, which deno info does not always report) or that fails outright is split in
 * halves until the submission that broke it is alone. Within a submission, such files are checked
 * alone too, so that each costs only its own exercise: when `deno info` fails on a submission,
 * each of its files is checked alone, and a file on which it fails by itself is a load error with
 * the reason (when it was stopped at its time or memory limit, every file of the run is, at
 * once). So no submission's content can take another's verdict with it.
 *
 * Imports written with a computed specifier do not appear in the graph; at run time each sandbox
 * Worker may read only the files recorded here (and its submission's own), so they fail there.
 *
 * @example
 * ```ts
 * import { classify } from "./graph.ts";
 * const rules = {
 *   kitUrl: "file:///kit/", studentPrefix: "file:///s/exercises/", allowed: ["lib/"],
 *   allowedPackages: ["@tensorflow/"], lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]),
 *   allowedNodeModules: ["util"],
 * };
 * if (classify("file:///kit/lib/tf.ts", "code", true, rules).kind !== "kit") throw new Error("unexpected: classify(\"file:///kit/lib/tf.ts\", \"code\", true, rules).kind !== \"kit\"");
 * if (classify("file:///kit/lessons/02_softmax.ts", "code", true, rules).kind !== "violation") {
 *   throw new Error("lesson 2 must not load");
 * }
 * if (classify("file:///kit/mod.ts", "type", true, rules).kind !== "ignore") throw new Error("unexpected: classify(\"file:///kit/mod.ts\", \"type\", true, rules).kind !== \"ignore\"");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { endReason, spawnLimited, toolCache } from "../process.ts";
import { dirUrl, fileUrl } from "./import_map.ts";
import { isAllowedPackage, isUnder, npmRequest } from "./policy.ts";
import { typeOnlyImports } from "./type_imports.ts";

/** What may be loaded by one exercise's file. */
export interface ImportRules {
  /** The kit's root, as a directory URL. */
  kitUrl: string;
  /** URL prefix of the submission's own files: `file:///<stage>/exercises/`. */
  studentPrefix: string;
  /** Kit paths (relative; directories end with `/`) the exercise's code may load. */
  allowed: readonly string[];
  /** npm package names or scopes (ending in `/`) allowed. */
  allowedPackages: readonly string[];
  /** `npm:<name>@<version>` requests the kit's lockfile pins. */
  lockedPackages: ReadonlySet<string>;
  /** `node:` built-ins a submission may import, without the prefix. */
  allowedNodeModules: readonly string[];
  /** Let type-only imports name any file (for the kit's run halves). Default false. */
  typesAnywhere?: boolean;
}

/** How one resolved import is classified. */
export interface Classified {
  /** `student`/`kit` (followed), `ignore` (allowed, nothing to follow), `violation`. */
  kind: "student" | "kit" | "ignore" | "violation";
  /** For violations: why. */
  reason?: string;
}

/** Kit paths a type-only import may name. */
const TYPE_PATHS = ["lib/", "data/", "lessons/", "mod.ts"];

function what(allowed: readonly string[]): string {
  // "!lib/fused_": every path that starts so (audit 26: "lib/fused_…" read as a cut message).
  const excluded = allowed.filter((a) => a.startsWith("!")).map((a) => `${a.slice(1)}*`);
  return `your submission's files, ${allowed.filter((a) => !a.startsWith("!")).join(", ")}${
    excluded.length > 0 ? `, but not ${excluded.join(", ")}` : ""
  }`;
}

/**
 * Classifies one resolved dependency (`code` or `type`-only) of a module, whose referrer is a
 * submitted module (`fromStudent`) or a kit module.
 *
 * @example An unpinned or unlisted package, and a node built-in, are violations
 * ```ts
 * import { classify } from "./graph.ts";
 * const rules = {
 *   kitUrl: "file:///kit/", studentPrefix: "file:///s/exercises/", allowed: [],
 *   allowedPackages: ["@tensorflow/"], lockedPackages: new Set(["npm:@tensorflow/tfjs@4.22.0"]),
 *   allowedNodeModules: [],
 * };
 * for (const spec of ["npm:@tensorflow/tfjs@4.21.0", "npm:left-pad@1", "node:fs"]) {
 *   if (classify(spec, "code", true, rules).kind !== "violation") throw new Error(spec);
 * }
 * const unpinned = classify("npm:@tensorflow/tfjs", "code", true, rules).reason ?? "";
 * if (!unpinned.startsWith("npm:@tensorflow/tfjs names no version; import the package by")) {
 *   throw new Error(`the versionless import's reason: ${unpinned}`);
 * }
 * if (classify("node:fs", "code", false, rules).kind !== "ignore") throw new Error("kit's own");
 * // Of an allowed kit directory, code only: not data loaded as a text module.
 * const data = { ...rules, allowed: ["data/"] };
 * if (classify("file:///kit/data/fashion_mnist.ts", "code", true, data).kind !== "kit") {
 *   throw new Error("data/'s code is allowed");
 * }
 * if (classify("file:///kit/data/cache/t10k-labels-idx1-ubyte", "code", true, data).kind !== "violation") {
 *   throw new Error("data/'s data files are not");
 * }
 * ```
 */
export function classify(
  specifier: string,
  kind: "code" | "type",
  fromStudent: boolean,
  rules: ImportRules,
): Classified {
  if (specifier.startsWith(rules.studentPrefix)) return { kind: "student" };
  if (kind === "type" && rules.typesAnywhere) return { kind: "ignore" };
  if (specifier.startsWith(rules.kitUrl)) {
    const path = decodeURIComponent(specifier.slice(rules.kitUrl.length));
    if (isUnder(path, rules.allowed)) {
      // Code only: `data/` also holds data (the cache may hold the test split, uncompressed),
      // which `with { type: "text" }` would load as a module.
      if (/\.(ts|js|mjs)$/.test(path)) return { kind: "kit" };
      return {
        kind: "violation",
        reason: `this exercise may load the kit's code (.ts modules) only, not the file ${path}`,
      };
    }
    if (kind === "type" && isUnder(path, TYPE_PATHS)) return { kind: "ignore" };
    const hint = isUnder(path, TYPE_PATHS)
      ? "; to use only its types, write `import type { … }`, which loads nothing"
      : "";
    return {
      kind: "violation",
      reason: `this exercise may not load the kit's ${path} (it may load ${
        what(rules.allowed)
      })${hint}`,
    };
  }
  if (specifier.startsWith("npm:")) {
    const npm = npmRequest(specifier);
    if (!isAllowedPackage(npm.name, rules.allowedPackages)) {
      return {
        kind: "violation",
        reason: `the package ${npm.name} cannot be loaded while grading (allowed: ${
          rules.allowedPackages.map((p) => p.endsWith("/") ? `${p}*` : p).join(", ")
        })`,
      };
    }
    if (!rules.lockedPackages.has(npm.request)) {
      const which = npm.request === `npm:${npm.name}`
        ? "names no version"
        : "is not the version the kit pins";
      return {
        kind: "violation",
        reason: `${npm.request} ${which}; import the package by its bare name as the kit does ` +
          `(e.g. "${npm.name}")`,
      };
    }
    return { kind: "ignore" };
  }
  if (specifier.startsWith("node:")) {
    const name = specifier.slice("node:".length);
    if (!fromStudent || kind === "type" || rules.allowedNodeModules.includes(name)) {
      return { kind: "ignore" };
    }
    return { kind: "violation", reason: `the built-in ${specifier} is not allowed while grading` };
  }
  return {
    kind: "violation",
    reason: `it is outside your submission; this exercise may load ${what(rules.allowed)}`,
  };
}

/** One submission to check. */
export interface GraphTarget {
  /** The stage root (`<root>/exercises/` holds the files). */
  root: string;
  /** The directory of the target's own modules, if not `<root>/exercises/`. */
  dir?: string;
  /** Graded files present, relative to `<root>/exercises/`, with their exercise's rules. */
  files: { file: string; allowed: readonly string[] }[];
}

/** The verdict for one graded file. */
export interface FileGraph {
  /** Set when the file (or a submitted module it imports) does not parse or does not exist. */
  loadError?: string;
  /** Set when it loads something its exercise may not: the first such import. */
  blocked?: string;
  /** Kit files its code loads (absolute paths): what its sandbox Worker may read. */
  kitFiles: string[];
  /** The submission's modules it loads, relative to `<root>/exercises/` (itself included). */
  modules: string[];
  /**
   * Set when one of those imports something with an import attribute (`with { type: "json" }`):
   * its submission may share no run with others (see {@linkcode checkGraphs}).
   */
  importAttributes?: true;
}

/** One module of `deno info --json`. */
export interface InfoModule {
  /** Resolved specifier. */
  specifier: string;
  /** Why it could not be loaded, if it could not. */
  error?: string;
  /** Its dependencies. */
  dependencies?: {
    specifier: string;
    code?: { specifier?: string; error?: string; span?: Span };
    type?: { specifier?: string; error?: string; span?: Span };
    /** An `import()` call rather than an `import` declaration. */
    isDynamic?: boolean;
    /** The import attribute's `type` (`json`, `text`, `bytes`), if it has one. */
    assertionType?: string;
  }[];
}

/** Where a specifier is in its module (0-based line and character). */
interface Span {
  start: { line: number; character: number };
}

/** Options for {@linkcode checkGraphs}. */
export interface GraphOptions {
  /** The `deno` executable. */
  denoPath: string;
  /** The kit's `deno.json`. */
  configFile: string;
  /** The kit's root directory. */
  kitRoot: string;
  /** Writes a prepare import map covering the given stage roots; returns its path. */
  importMapFor(roots: string[], workDir: string): Promise<string>;
  /** A scratch directory. */
  workDir: string;
  /** Rules shared by every file, minus the per-file `studentPrefix` and `allowed`. */
  rules: Omit<ImportRules, "studentPrefix" | "allowed" | "kitUrl">;
  /** Memory cap of `deno info`, MiB. */
  memoryMb: number;
  /** Time limit of one `deno info`, ms. */
  timeoutMs: number;
  /** How much one `deno info` may write to its own, throw-away `DENO_DIR`, MiB. Default 64. */
  cacheGrowthMb?: number;
  /** Once aborted, no `deno info` starts and a running one is killed (`undefined`: never). */
  signal: AbortSignal | undefined;
}

/** Why a `deno info` run gave no graph; `limited` when it was stopped at a time or memory limit. */
interface InfoFailure {
  reason: string;
  limited: boolean;
}

/** Runs `deno info --json` on `entries`; the modules by specifier, or why it failed. */
async function denoInfo(
  entries: string[],
  options: GraphOptions,
  roots: string[],
): Promise<Map<string, InfoModule> | InfoFailure> {
  const dir = await Deno.makeTempDir({ dir: options.workDir, prefix: "graph-" });
  try {
    const rootsFile = join(dir, "roots.ts");
    await Deno.writeTextFile(
      rootsFile,
      entries.map((e) => `import ${JSON.stringify(e)};\n`).join(""),
    );
    const importMap = await options.importMapFor(roots, dir);
    const end = await spawnLimited(options.denoPath, [
      "info",
      "--json",
      "--no-remote",
      "--no-npm",
      "--no-lock",
      "--config",
      options.configFile,
      "--import-map",
      importMap,
      rootsFile,
    ], {
      memoryMb: options.memoryMb,
      reservedMb: 1536,
      deadline: Date.now() + options.timeoutMs,
      keepBytes: 256 * 1024 * 1024,
      cwd: dir,
      ...toolCache(dir, options.cacheGrowthMb),
      signal: options.signal,
    });
    if (end.code !== 0 || end.killedFor) {
      const reason = endReason(end, options.memoryMb, options.cacheGrowthMb ?? 64);
      const why = end.killedFor ? reason : end.stderr.trim().split("\n")
        .filter((l) => l.trim() !== "").slice(0, 3).join(" ");
      return { reason: `deno info failed: ${why || reason}`, limited: end.killedFor !== undefined };
    }
    try {
      const info = JSON.parse(end.stdout) as { modules: InfoModule[] };
      return new Map(info.modules.map((m) => [m.specifier, m]));
    } catch {
      return { reason: "deno info printed something that is not its JSON", limited: false };
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function shorten(text: string, stageRoot: string): string {
  return text.replaceAll(dirUrl(`${stageRoot}/exercises`), "").replaceAll(
    `${stageRoot}/exercises/`,
    "",
  ).replaceAll(dirUrl(stageRoot), "").replaceAll("file:///nonexistent-outside-the-submission", "");
}

/** Follows one graded file's code through `modules`. */
function walk(
  target: GraphTarget,
  entry: GraphTarget["files"][number],
  modules: Map<string, InfoModule>,
  options: GraphOptions,
  /** Per submitted module, its type-only imports (shared by the walks of one target). */
  typeOnlyCache: Map<string, Set<string>>,
): FileGraph {
  const kitUrl = dirUrl(options.kitRoot);
  const own = target.dir ?? join(target.root, "exercises");
  const rules: ImportRules = {
    ...options.rules,
    kitUrl,
    studentPrefix: dirUrl(own),
    allowed: entry.allowed,
  };
  const label = (spec: string) =>
    spec.startsWith(rules.studentPrefix)
      ? decodeURIComponent(spec.slice(rules.studentPrefix.length))
      : spec.startsWith(kitUrl)
      ? decodeURIComponent(spec.slice(kitUrl.length))
      : spec;
  const result: FileGraph = { kitFiles: [], modules: [] };
  const typeOnly = (spec: string) => {
    let only = typeOnlyCache.get(spec);
    if (only === undefined) {
      let text = "";
      try {
        text = Deno.readTextFileSync(fileURLToPath(spec));
      } catch {
        // Unreadable: no import in it counts as type-only.
      }
      only = typeOnlyImports(text);
      typeOnlyCache.set(spec, only);
    }
    return only;
  };
  const start = fileUrl(join(own, entry.file));
  // How a module reached only through a computed `import(`./${name}.ts`)` got into the walk:
  // Deno resolves such a call to every file it could name, so a file the learner never meant
  // to load can be what is blocked, and the message must say how it came in.
  const computedFrom = new Map<string, string>();
  const seen = new Set<string>();
  // A module is queued once however many specifiers name it: the walk is linear in the
  // graph's size (`./a/../b.ts` and `./b.ts` are one module).
  const queue: { spec: string; student: boolean }[] = [{ spec: start, student: true }];
  seen.add(start);
  for (let next = 0; next < queue.length; next++) {
    const { spec, student } = queue[next];
    const module = modules.get(spec);
    if (student) result.modules.push(label(spec));
    else if (spec.startsWith("file:")) result.kitFiles.push(fileURLToPath(spec));
    if (module === undefined || module.error !== undefined) {
      const why = shorten(module?.error ?? "not found", target.root);
      if (student) result.loadError ??= `${label(spec)}: ${why}`;
      else result.blocked ??= `the kit's ${label(spec)} cannot be loaded: ${why}`;
      continue;
    }
    const deps = module.dependencies ?? [];
    // A computed import is one call site that Deno expanded into several dependencies.
    const at = (span?: Span) => span && `${span.start.line}:${span.start.character}`;
    const sites = new Map<string, number>();
    for (const dep of deps) {
      const site = dep.isDynamic ? at(dep.code?.span) : undefined;
      if (site !== undefined) sites.set(site, (sites.get(site) ?? 0) + 1);
    }
    for (const dep of deps) {
      if (student && dep.assertionType !== undefined) result.importAttributes = true;
      for (const [kind, resolved] of [["code", dep.code], ["type", dep.type]] as const) {
        if (resolved === undefined) continue;
        if (!student && kind === "type") continue;
        const where = `${computedFrom.get(spec) ?? ""}${label(spec)} imports ${
          JSON.stringify(dep.specifier)
        }`;
        if (resolved.specifier === undefined) {
          result.blocked ??= `${where}: ${
            shorten(resolved.error ?? "it cannot be resolved", target.root)
          }`;
          continue;
        }
        // `import { type A } from "…"` is reported as code, but compiles to nothing.
        const as = kind === "code" && student && typeOnly(spec).has(dep.specifier) ? "type" : kind;
        const verdict = classify(resolved.specifier, as, student, rules);
        if (verdict.kind === "violation") result.blocked ??= `${where}: ${verdict.reason}`;
        const follow =
          (kind === "code" && (verdict.kind === "student" || verdict.kind === "kit")) ||
          (kind === "type" && verdict.kind === "student");
        if (follow && !seen.has(resolved.specifier)) {
          seen.add(resolved.specifier);
          const site = dep.isDynamic ? at(resolved.span) : undefined;
          if (site !== undefined && (sites.get(site) ?? 0) > 1) {
            computedFrom.set(
              resolved.specifier,
              `${label(spec)}:${resolved.span!.start.line + 1} has a computed import(), which ` +
                `Deno resolves to every file it could name, ${
                  label(resolved.specifier)
                } among them (import a file by its own name to load only that one); `,
            );
          } else if (computedFrom.has(spec)) {
            computedFrom.set(resolved.specifier, computedFrom.get(spec)!);
          }
          queue.push({ spec: resolved.specifier, student: verdict.kind === "student" });
        }
      }
    }
  }
  result.kitFiles.sort();
  return result;
}

/**
 * Checks the graded files of every target: one `deno info` for all of them, and, when that
 * fails, halves of them down to one target, then one per file (see the module doc). Returns,
 * per target (same order), a verdict per graded file.
 *
 * @example A submission that reaches for the reference solution is blocked
 * ```ts
 * import { checkGraphs } from "./graph.ts";
 * import { prepareImportMap } from "./import_map.ts";
 * const work = await Deno.makeTempDir();
 * await Deno.mkdir(`${work}/s/exercises`, { recursive: true });
 * await Deno.writeTextFile(`${work}/s/exercises/a.ts`, 'import "../../solutions/a.ts"; export {};');
 * await Deno.writeTextFile(`${work}/deno.json`, "{}");
 * const [verdict] = await checkGraphs([{ root: `${work}/s`, files: [{ file: "a.ts", allowed: [] }] }], {
 *   denoPath: Deno.execPath(), configFile: `${work}/deno.json`, kitRoot: `${work}/kit`,
 *   workDir: work, memoryMb: 1024, timeoutMs: 60_000, signal: undefined,
 *   importMapFor: async (roots, dir) => {
 *     const map = prepareImportMap({ kitImports: {}, kitRoot: `${work}/kit`, dirs: [], stageRoots: roots, workDir: dir });
 *     await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify(map));
 *     return `${dir}/map.json`;
 *   },
 *   rules: { allowedPackages: [], lockedPackages: new Set(), allowedNodeModules: [] },
 * });
 * if (!verdict["a.ts"].blocked?.includes("solutions/a.ts")) throw new Error(JSON.stringify(verdict));
 * await Deno.remove(work, { recursive: true });
 * ```
 */
export async function checkGraphs(
  targets: GraphTarget[],
  options: GraphOptions,
): Promise<Record<string, FileGraph>[]> {
  const urls = (t: GraphTarget, files = t.files) =>
    files.map((f) => fileUrl(join(t.dir ?? join(t.root, "exercises"), f.file)));
  const verdicts: Record<string, FileGraph>[] = targets.map(() => ({}));
  const fill = (i: number, modules: Map<string, InfoModule>, files = targets[i].files) => {
    const typeOnly = new Map<string, Set<string>>();
    for (const entry of files) {
      verdicts[i][entry.file] = walk(targets[i], entry, modules, options, typeOnly);
    }
  };
  const withFiles = targets.map((_, i) => i).filter((i) => targets[i].files.length > 0);
  const rootUrls = targets.map((t) => dirUrl(t.root));
  const ownerOf = (spec: string) => rootUrls.findIndex((url) => spec.startsWith(url));
  // A shared run keeps one entry per module, and the first import that reaches a module decides
  // how it loads for all: a kit module imported as JSON, or at source phase (`import source`),
  // became unloadable for every submission of the run, and so did a helper of another
  // submission imported by its path (twenty-first and twenty-second reviews: the reference
  // solutions scored 0/144 beside such a file). So a run is kept only when no submission's
  // module imports with an attribute or from another submission's folder (those are checked
  // alone, the others again without them), and no module outside the submissions (the kit's)
  // failed to load. A run that fails or breaks a kit module is split in halves until the
  // submission that broke it is alone: one such submission costs about 2·log₂ N more runs, not
  // one run per submission. But a run stopped at its time or memory limit sends each submission
  // to a run of its own: halves would each run up to the limit again (2·log₂ N limits).
  const suspects = (group: number[], shared: Map<string, InfoModule>) => {
    const found = new Set<number>();
    for (const module of shared.values()) {
      const owner = ownerOf(module.specifier);
      if (owner < 0) continue;
      for (const dep of module.dependencies ?? []) {
        const into = [dep.code?.specifier, dep.type?.specifier].map((s) => s && ownerOf(s));
        const foreign = into.some((to) => typeof to === "number" && to >= 0 && to !== owner);
        if (dep.assertionType !== undefined || foreign) found.add(owner);
      }
    }
    return group.filter((i) => found.has(i));
  };
  const kitBroken = (shared: Map<string, InfoModule>) =>
    [...shared.values()].some((m) =>
      m.error !== undefined && m.specifier.startsWith("file:") && ownerOf(m.specifier) < 0
    );
  const apart: number[] = [];
  const share = async (group: number[]): Promise<void> => {
    if (group.length < 2) {
      apart.push(...group);
      return;
    }
    const shared = await denoInfo(
      group.flatMap((i) => urls(targets[i])),
      options,
      group.map((i) => targets[i].root),
    );
    if (!(shared instanceof Map) && shared.limited) {
      apart.push(...group);
      return;
    }
    const suspected = shared instanceof Map ? suspects(group, shared) : [];
    if (suspected.length > 0) {
      apart.push(...suspected);
      return await share(group.filter((i) => !suspected.includes(i)));
    }
    if (!(shared instanceof Map) || kitBroken(shared)) {
      const half = Math.ceil(group.length / 2);
      await share(group.slice(0, half));
      return await share(group.slice(half));
    }
    for (const i of group) fill(i, shared);
  };
  await share(withFiles);
  // A submission alone: one run for its files, and when one file's imports carry an attribute,
  // that file alone and the others again without it (its attribute would change how a module
  // they share loads for them too); when a run fails or a kit module fails to load in it (an
  // import at source phase), each file alone, but not when it was stopped at a limit: then
  // every file of the run fails with the reason.
  const checkFiles = async (i: number, files: GraphTarget["files"]): Promise<void> => {
    const target = targets[i];
    const run = await denoInfo(urls(target, files), options, [target.root]);
    // A run stopped at its time or memory limit is not repeated file by file: each file could
    // reach the same slow module and run into the limit again (twenty-fourth review: 16 files
    // importing one module of 200,000 imports took 16 limits, 855 s, before anything ran).
    if (files.length > 1 && (run instanceof Map ? kitBroken(run) : !run.limited)) {
      for (const entry of files) await checkFiles(i, [entry]);
      return;
    }
    if (!(run instanceof Map)) {
      const together = files.length > 1
        ? `, read with ${files.map((f) => f.file).join(", ")}: one of them, or a module it ` +
          "imports, is too large or slow to read"
        : "";
      for (const { file } of files) {
        verdicts[i][file] = {
          loadError: `${file}: the module graph cannot be read (${run.reason})${together}`,
          kitFiles: [],
          modules: [file],
        };
      }
      return;
    }
    fill(i, run, files);
    const attributed = files.filter((f) => verdicts[i][f.file].importAttributes);
    if (attributed.length === 0 || files.length === 1) return;
    for (const entry of attributed) await checkFiles(i, [entry]);
    const rest = files.filter((f) => !attributed.includes(f));
    if (rest.length > 0) await checkFiles(i, rest);
  };
  for (const i of apart) await checkFiles(i, targets[i].files);
  return verdicts;
}

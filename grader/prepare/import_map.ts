/**
 * The import maps of the grader's `deno` child processes (`--import-map`): never a
 * submission's own.
 *
 * Both start from the kit's `imports` (the pinned npm packages) and map each stage's
 * `lib/`, `lessons/` and `data/` to the kit's own, so a learner's `../lib/tf.ts` loads the
 * kit's file with no copy of the kit per submission. Then:
 *
 * - {@linkcode prepareImportMap} (for `deno info` and `deno check`, which read files but run
 *   nothing) also maps `<stage>/mod.ts` (type-only imports of it are allowed), and sends every
 *   other `file:` URL to a directory that does not exist: an import of `/dev/zero`, a FIFO or
 *   anything outside the stage and the kit is a module that is not found, never a file these
 *   tools open.
 * - {@linkcode runtimeImportMap} (for the sandbox) sends every `node:` built-in and every npm
 *   package a submission may not import to {@linkcode BLOCKED_MODULE}, which throws naming it,
 *   for imports written by the submission: computed `import("node:" + name)` included; every
 *   file URL outside the stages' exercises, the kit's `lib/`, `lessons/`, `data/`, the run
 *   halves' directories and the runner leads nowhere. The kit's own `lib/`, `lessons/`
 *   and `data/`, and the runner (`grader/sandbox/`, which no Worker may read), keep every
 *   built-in (an import map scope for each). `mod.ts` is not mapped: it cannot load in the
 *   sandbox at all.
 *
 * @example
 * ```ts
 * import { runtimeImportMap } from "./import_map.ts";
 * const map = runtimeImportMap({
 *   kitImports: { "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.22.0", "vega": "npm:vega@6.4.0" },
 *   kitRoot: "/kit", dirs: ["lib/", "lessons/", "data/"], stageRoots: ["/tmp/s1"],
 *   allowedNodeModules: ["util"], allowedPackages: ["@tensorflow/"],
 *   lockedPackages: ["npm:@tensorflow/tfjs@4.22.0", "npm:vega@6.4.0"],
 * });
 * if (map.imports["vega"] !== undefined) throw new Error("vega mapped for submissions");
 * if (!map.imports["npm:vega@6.4.0"].includes("blocked.ts")) throw new Error("npm:vega loads");
 * if (map.imports["file:///tmp/s1/lib/"] !== "file:///kit/lib/") throw new Error("lib/ unmapped");
 * if (!map.imports["node:v8"].includes("blocked.ts?node:v8")) throw new Error("node:v8 allowed");
 * if (map.imports["node:util"] !== undefined) throw new Error("node:util blocked");
 * if (map.scopes["file:///kit/lib/"]["node:v8"] !== "node:v8") throw new Error("the kit lost node:v8");
 * if (!map.imports["file:///"].startsWith("file:///nonexistent")) throw new Error("file URLs load");
 * if (map.imports["file:///tmp/s1/exercises/"] !== "file:///tmp/s1/exercises/") {
 *   throw new Error("the submission's own files must load");
 * }
 * ```
 *
 * @module
 */
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import { isAllowedPackage, npmRequest } from "./policy.ts";

/** An import map: specifier (or URL prefix) → target, with optional scopes. */
export interface ImportMap {
  /** Top-level mappings. */
  imports: Record<string, string>;
  /** Mappings that apply only to modules under a URL prefix. */
  scopes: Record<string, Record<string, string>>;
}

/** What the maps need to know about the kit and the stages. */
export interface MapOptions {
  /** The kit's `imports`, made absolute ({@linkcode readKitImports}). */
  kitImports: Record<string, string>;
  /** The kit's root directory. */
  kitRoot: string;
  /** The kit directories a stage sees as its siblings: `lib/`, `lessons/`, `data/`. */
  dirs: string[];
  /** Stage roots (`<root>/exercises/` holds a submission). */
  stageRoots: string[];
}

/** The module every blocked `node:` built-in is sent to (it throws, naming the built-in). */
export const BLOCKED_MODULE: string = new URL("../sandbox/blocked.ts", import.meta.url).href;

/** The sandbox runner's directory: trusted code in the sandbox process, which keeps built-ins. */
const RUNNER_DIR: string = new URL("../sandbox/", import.meta.url).href;

/** A `file:` URL that no file lives under: the prepare map's destination for everything else. */
const NOWHERE = "file:///nonexistent-outside-the-submission/";

/**
 * The file URL of a directory, with a trailing slash, spelled as Deno spells
 * its modules' URLs: import maps compare their keys with those as text. Node's
 * `pathToFileURL` also escapes `[`, `]`, `^` and `|`, which Deno leaves as they are, so a map
 * made with it matched nothing under such a folder (helper-50: the learner's check then
 * crashed Deno).
 *
 * @example
 * ```ts
 * import { dirUrl } from "./import_map.ts";
 * if (dirUrl("/a/b") !== "file:///a/b/") throw new Error(dirUrl("/a/b"));
 * const odd = dirUrl("/DL [2026]/a b#c%d");
 * if (odd !== "file:///DL%20[2026]/a%20b%23c%25d/") throw new Error(`spelled ${odd}`);
 * ```
 */
export function dirUrl(path: string): string {
  const href = fileUrl(path);
  return href.endsWith("/") ? href : `${href}/`;
}

/**
 * The file URL of a path, spelled as Deno spells its modules' URLs ({@linkcode dirUrl}): what
 * the grader and the check import, so that the modules they load match their import maps.
 *
 * @example
 * ```ts
 * import { fileUrl } from "./import_map.ts";
 * if (fileUrl("/DL [1]/a.ts") !== "file:///DL%20[1]/a.ts") throw new Error(fileUrl("/DL [1]/a.ts"));
 * ```
 */
export function fileUrl(path: string): string {
  // The URL parser escapes what Deno escapes, but reads `%`, `#` and `?` as URL syntax.
  return new URL(`file://${resolve(path).replace(/[%#?]/g, encodeURIComponent)}`).href;
}

/**
 * Reads the `imports` of a `deno.json`, with relative targets made absolute.
 *
 * @example
 * ```ts
 * import { readKitImports } from "./import_map.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno.json`, '{"imports": {"a": "npm:a@1", "b/": "./b/"}}');
 * const imports = await readKitImports(`${dir}/deno.json`);
 * if (imports.a !== "npm:a@1" || !imports["b/"].endsWith("/b/")) throw new Error("unexpected: imports.a !== \"npm:a@1\" || !imports[\"b/\"].endsWith(\"/b/\")");
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {Error} when the file is missing or not JSON with an `imports` object.
 */
export async function readKitImports(configFile: string): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(configFile));
  const imports = config?.imports ?? {};
  if (typeof imports !== "object" || imports === null || Array.isArray(imports)) {
    throw new Error(`${configFile}: "imports" must be an object`);
  }
  const base = dirUrl(dirname(configFile));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(imports)) {
    if (typeof value !== "string") throw new Error(`${configFile}: import "${key}" is not text`);
    out[key] = value.startsWith("./") || value.startsWith("../")
      ? new URL(value, base).href
      : value;
  }
  return out;
}

function stageMappings(options: MapOptions, extra: string[]): Record<string, string> {
  const imports: Record<string, string> = {};
  const kitUrl = dirUrl(options.kitRoot);
  for (const root of options.stageRoots) {
    const stageUrl = dirUrl(root);
    for (const path of [...options.dirs, ...extra]) {
      imports[new URL(path, stageUrl).href] = new URL(path, kitUrl).href;
    }
  }
  return imports;
}

/**
 * The map for `deno info` and `deno check`: stages see the kit's directories and `mod.ts`;
 * every other file outside the stages and the kit is nowhere.
 *
 * @example An absolute path outside the submission goes nowhere
 * ```ts
 * import { prepareImportMap } from "./import_map.ts";
 * const map = prepareImportMap({
 *   kitImports: {}, kitRoot: "/kit", dirs: ["lib/"], stageRoots: ["/tmp/s1"],
 * });
 * if (!map.imports["file:///"].startsWith("file:///nonexistent")) throw new Error("unexpected: !map.imports[\"file:///\"].startsWith(\"file:///nonexistent\")");
 * if (map.imports["file:///tmp/s1/exercises/"] !== "file:///tmp/s1/exercises/") throw new Error("unexpected: map.imports[\"file:///tmp/s1/exercises/\"] !== \"file:///tmp/s1/exercises/\"");
 * ```
 */
export function prepareImportMap(options: MapOptions & { workDir?: string }): ImportMap {
  const imports: Record<string, string> = {
    ...options.kitImports,
    ...stageMappings(options, ["mod.ts"]),
    "file:///": NOWHERE,
  };
  const kitUrl = dirUrl(options.kitRoot);
  imports[kitUrl] = kitUrl;
  for (const root of options.stageRoots) {
    const exercises = dirUrl(`${root}/exercises`);
    imports[exercises] = exercises;
  }
  if (options.workDir) imports[dirUrl(options.workDir)] = dirUrl(options.workDir);
  return { imports, scopes: {} };
}

/** What a submission may import, as the grader's configuration says. */
export interface ImportAllowance {
  /** The `node:` built-ins a submission may import (bare names). */
  allowedNodeModules: readonly string[];
  /** npm packages a submission may import (names, or scopes ending with `/`). */
  allowedPackages: readonly string[];
  /** The `npm:<name>@<version>` requests the kit's lockfile pins. */
  lockedPackages: Iterable<string>;
}

/**
 * The kit's `imports` a submission may use: all but the npm packages it may not import.
 */
function allowedKitImports(
  kitImports: Record<string, string>,
  allowance: ImportAllowance,
): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const [key, target] of Object.entries(kitImports)) {
    const allowed = !target.startsWith("npm:") ||
      isAllowedPackage(npmRequest(target).name, allowance.allowedPackages);
    if (allowed) imports[key] = target;
  }
  return imports;
}

/**
 * Every specifier a submission may not import, each mapped to {@linkcode BLOCKED_MODULE} (which
 * throws, naming it): the `node:` built-ins not allowed, and the kit's pinned npm packages not
 * allowed. The kit's other packages (plotting, the wasm text compiler) are installed and
 * pinned, so a computed `import("npm:vega@6.4.0")` would load them: refused, as the graph check
 * does. Only the pinned requests resolve (the sandbox runs `--frozen --cached-only`). Their
 * subpaths (`npm:vega@6.4.0/x.js`) cannot be mapped: import maps match prefixes of special URLs
 * only. A subpath the package exports loads under the Worker's permissions and the harness's
 * refusals, like any code the submission could have written itself.
 */
function blockedSpecifiers(allowance: ImportAllowance): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const request of allowance.lockedPackages) {
    if (isAllowedPackage(npmRequest(request).name, allowance.allowedPackages)) continue;
    const blocked = `${BLOCKED_MODULE}?${encodeURIComponent(request)}`;
    imports[request] = blocked;
    imports[`npm:/${request.slice("npm:".length)}`] = blocked;
  }
  for (const name of builtinModules) {
    const bare = name.replace(/^node:/, "");
    if (allowance.allowedNodeModules.includes(bare)) continue;
    imports[`node:${bare}`] = `${BLOCKED_MODULE}?node:${bare}`;
  }
  return imports;
}

/**
 * The map of the learner's check (`tools/check_runner.ts`): what the sandbox blocks
 * ({@linkcode runtimeImportMap}: `node:` built-ins and npm packages a submission may not import,
 * by a computed `import()` too) is blocked alike for the files of `learnerDir`, so that code
 * the check passes is not refused by the grader; the kit's own code keeps everything.
 *
 * @example A computed `import("node:" + "fs")` fails in the check as it fails in the grader
 * ```ts
 * import { checkImportMap } from "./import_map.ts";
 * const map = checkImportMap({
 *   kitImports: { "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.22.0", "vega": "npm:vega@6.4.0" },
 *   kitRoot: "/kit", kitDirs: ["lib/"], learnerDir: "/kit/exercises",
 *   allowedNodeModules: ["util"], allowedPackages: ["@tensorflow/"],
 *   lockedPackages: ["npm:@tensorflow/tfjs@4.22.0", "npm:vega@6.4.0"],
 * });
 * const learner = map.scopes["file:///kit/exercises/"];
 * if (!learner["node:fs"].includes("blocked.ts?node:fs")) throw new Error("node:fs loads");
 * if (learner["node:util"] !== undefined) throw new Error("node:util was blocked");
 * if (map.imports["vega"] !== undefined) throw new Error("the learner may import vega");
 * if (!learner["vega"].includes("blocked.ts")) throw new Error("the kit's name vega loads");
 * if (map.scopes["file:///kit/"]["node:fs"] !== "node:fs") throw new Error("the kit lost node:fs");
 * if (map.scopes["file:///kit/"]["vega"] !== "npm:vega@6.4.0") throw new Error("the kit lost vega");
 * if (!learner["file:///kit/"].startsWith("file:///nonexistent")) throw new Error("solutions/ load");
 * if (learner["file:///kit/lib/"] !== "file:///kit/lib/") throw new Error("lib/ does not load");
 * ```
 */
export function checkImportMap(
  options: ImportAllowance & {
    kitImports: Record<string, string>;
    kitRoot: string;
    /** The kit's directories the learner's files may load (`lib/`, `lessons/`, `data/`). */
    kitDirs: readonly string[];
    /** The learner's exercise files' directory. */
    learnerDir: string;
  },
): ImportMap {
  const blocked = blockedSpecifiers(options);
  const kitUrl = dirUrl(options.kitRoot);
  const learnerUrl = dirUrl(options.learnerDir);
  const kept = Object.fromEntries(Object.keys(blocked).map((key) => [key, key]));
  const scopes: Record<string, Record<string, string>> = {
    [kitUrl]: { ...options.kitImports, ...kept },
  };
  // The learner's files reach the kit's library directories and their own folder; any other
  // file of the kit (solutions/, tests/, mod.ts) is nowhere, as in the sandbox, by a computed
  // `import()` too. Which lessons an exercise may load is the graph check's alone. The kit's
  // folder itself as the learner's: nothing to tell apart, nothing blocked.
  if (learnerUrl !== kitUrl) {
    const reached = [...options.kitDirs.map((dir) => new URL(dir, kitUrl).href), learnerUrl];
    // The kit's own names of the packages it may not import (`import("marked")`): the kit's
    // scope would resolve them (helper-50); the sandbox's map has no such name at all.
    const allowed = allowedKitImports(options.kitImports, options);
    const names = Object.keys(options.kitImports).filter((key) => !(key in allowed));
    scopes[learnerUrl] = {
      ...Object.fromEntries(
        names.map((key) => [key, `${BLOCKED_MODULE}?${encodeURIComponent(key)}`]),
      ),
      ...blocked,
      [kitUrl]: `${NOWHERE}kit/`,
      ...Object.fromEntries(reached.map((url) => [url, url])),
    };
  }
  return { imports: { ...allowedKitImports(options.kitImports, options), ...blocked }, scopes };
}

/**
 * The sandbox's map: stages see the kit's directories; the `node:` built-ins a submission may
 * not import are blocked outside the kit.
 */
export function runtimeImportMap(
  options: MapOptions & ImportAllowance & {
    /** Directories of the trusted modules the sandbox loads (the run halves and theirs). */
    trustedDirs?: readonly string[];
  },
): ImportMap {
  const blocked = blockedSpecifiers(options);
  const imports: Record<string, string> = {
    ...allowedKitImports(options.kitImports, options),
    ...blocked,
  };
  // Every file URL leads nowhere but the stages' exercises, the kit's directories a stage
  // sees, the runner and the run halves' directories (the Worker's read permission then picks
  // the files). Deno loads the files of installed npm packages without a read permission: a
  // file URL that reached node_modules/, spelled any way (`//node_modules`, `node_modules%2f`,
  // `/proc/self/root/…`), would load any package the kit has, a CLI's argument parser that
  // exposes Node's createRequire say. The allowed packages load through their npm: specifiers.
  Object.assign(imports, stageMappings(options, []), { "file:///": `${NOWHERE}file/` });
  const kitUrl = dirUrl(options.kitRoot);
  const trusted = [
    RUNNER_DIR,
    ...options.dirs.map((dir) => new URL(dir, kitUrl).href),
    ...(options.trustedDirs ?? []).map(dirUrl),
    ...options.stageRoots.map((root) => dirUrl(`${root}/exercises`)),
  ];
  for (const url of trusted) imports[url] ??= url;
  const kitScope: Record<string, string> = {};
  for (const key of Object.keys(blocked)) if (key.startsWith("node:")) kitScope[key] = key;
  // The kit's own code (lib/, lessons/, data/) keeps every built-in; nothing else of the kit
  // directory does (node_modules/ included: an npm package's own imports bypass the map anyway,
  // which is why a Worker may read only the packages it needs).
  const scopes: Record<string, Record<string, string>> = { [RUNNER_DIR]: kitScope };
  for (const dir of options.dirs) scopes[new URL(dir, dirUrl(options.kitRoot)).href] = kitScope;
  return { imports, scopes };
}

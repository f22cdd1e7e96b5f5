/**
 * Where the grader finds the kit, and the limits it grades under.
 *
 * The grader grades against a *kit*: this project's checkout (by default the directory above
 * `grader/`). From the kit it takes the case tables (`tests/cases/mod.ts`, exporting
 * `exercises`), the reference library handed to cases as `kit` (`mod.ts`), the config and
 * lockfile every `deno` child process uses (`deno.json`, `deno.lock`: never a submission's),
 * and the list of *public* paths a submission may import (`lib/`, `lessons/`, `data/`,
 * `mod.ts`). Everything else in the kit (`solutions/`, `tests/`, `grader/`, `tools/`) is out
 * of a submission's reach.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * const config = defaultConfig({ memoryMb: 1024 });
 * if (!config.tablesModule.endsWith("tests/cases/mod.ts")) throw new Error(config.tablesModule);
 * if (config.memoryMb !== 1024 || !config.publicPaths.includes("lib/")) throw new Error();
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Everything the grader needs to know about the kit and its limits. */
export interface GraderConfig {
  /** The kit's root directory (absolute). */
  kitRoot: string;
  /** The kit's `deno.json`: import map, compiler options, `nodeModulesDir`. */
  configFile: string;
  /** The kit's `deno.lock`, used frozen. */
  lockFile: string;
  /** The module exporting `exercises` (the case tables). */
  tablesModule: string;
  /** The module handed to cases as `kit` (the reference library). */
  kitModule: string;
  /** Paths under `kitRoot` a submission may import: directories end with `/`. */
  publicPaths: string[];
  /** The reference answers, relative to `kitRoot`: never loaded inside the sandbox. */
  solutionsDir: string;
  /** npm packages a submission may import: exact names, or scopes ending with `/`. */
  allowedPackages: string[];
  /** `node:` built-ins a submission may import. */
  allowedNodeModules: string[];
  /** Extra directories the sandbox may read (the Fashion-MNIST files). */
  datasetDirs: string[];
  /** Memory cap of the sandbox process (data segment and resident set), in MiB. */
  memoryMb: number;
  /** V8 heap cap of the sandbox (`--max-old-space-size`), in MiB. */
  heapMb: number;
  /**
   * Address space V8 and Deno reserve up front in the sandbox (code ranges, heap cages: about
   * 1.2 GiB with the runner's two isolates) that the data-segment limit also counts, in MiB.
   * The data limit is `memoryMb + reservedMb`; the resident-set watch enforces `memoryMb`.
   */
  reservedMb: number;
  /** Wall-clock budget for running one submission's cases, restarts included, in ms. */
  budgetMs: number;
  /** Time to start the sandbox and load the kit, in ms. */
  startTimeoutMs: number;
  /** Time to load one submitted module, in ms. */
  importTimeoutMs: number;
  /** Largest submission accepted: total bytes of its files. */
  maxSubmissionBytes: number;
  /** Most files accepted in one submission. */
  maxSubmissionFiles: number;
  /** The tfjs backend inside the sandbox; `undefined` keeps the kit's default. */
  backend?: "wasm" | "cpu";
  /** The `deno` executable. Default: the one running the grader. */
  denoPath: string;
}

/**
 * The kit this grader ships in: the directory above `grader/`.
 *
 * @example
 * ```ts
 * import { KIT_ROOT } from "./config.ts";
 * if (!Deno.statSync(`${KIT_ROOT}/grader/config.ts`).isFile) throw new Error(KIT_ROOT);
 * ```
 */
export const KIT_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const DEBIAN_DATASET_DIR = "/usr/share/datasets/fashion-mnist";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The configuration for a kit at `overrides.kitRoot` (default {@linkcode KIT_ROOT}), with
 * any field overridden. Relative paths in `overrides` are taken relative to the kit root.
 *
 * @example A kit elsewhere
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * const config = defaultConfig({ kitRoot: "/srv/kit" });
 * if (config.configFile !== "/srv/kit/deno.json") throw new Error(config.configFile);
 * ```
 */
export function defaultConfig(overrides: Partial<GraderConfig> = {}): GraderConfig {
  const kitRoot = resolve(overrides.kitRoot ?? KIT_ROOT);
  const inKit = (path: string) => resolve(kitRoot, path);
  const datasetDirs = [DEBIAN_DATASET_DIR];
  const envDir = readEnv("FASHION_MNIST_DIR");
  if (envDir) datasetDirs.unshift(resolve(envDir));
  const config: GraderConfig = {
    kitRoot,
    configFile: join(kitRoot, "deno.json"),
    lockFile: join(kitRoot, "deno.lock"),
    tablesModule: join(kitRoot, "tests", "cases", "mod.ts"),
    kitModule: join(kitRoot, "mod.ts"),
    publicPaths: ["lib/", "lessons/", "data/", "mod.ts"],
    solutionsDir: "solutions/",
    allowedPackages: ["@tensorflow/"],
    allowedNodeModules: ["assert", "assert/strict", "util", "buffer", "events", "string_decoder"],
    datasetDirs,
    memoryMb: 2048,
    heapMb: 1024,
    reservedMb: 1536,
    budgetMs: 120_000,
    startTimeoutMs: 60_000,
    importTimeoutMs: 10_000,
    maxSubmissionBytes: 5 * 1024 * 1024,
    maxSubmissionFiles: 200,
    backend: undefined,
    denoPath: Deno.execPath(),
    ...overrides,
  };
  config.kitRoot = kitRoot;
  for (const key of ["configFile", "lockFile", "tablesModule", "kitModule"] as const) {
    config[key] = inKit(config[key]);
  }
  if (!(config.memoryMb > 0) || !(config.heapMb > 0) || config.heapMb > config.memoryMb) {
    throw new RangeError(
      `Memory limits must be positive with heapMb <= memoryMb, got memoryMb ${config.memoryMb} ` +
        `and heapMb ${config.heapMb}`,
    );
  }
  return config;
}

/**
 * Where the grader finds the kit, the import policy it enforces, and the limits it grades
 * under.
 *
 * The grader grades against a *kit*: this project's checkout (by default the directory above
 * `grader/`). From it the grader takes the case tables (`tests/cases/mod.ts`, exporting
 * `exercises`), and the configuration and lockfile that every `deno` child process uses
 * (`deno.json`, `deno.lock`: never a submission's).
 *
 * **What an exercise may import** (the policy, enforced on the trusted side: by the module-graph
 * check before anything runs, and by each sandbox Worker's read permissions while it runs):
 * the submission's own files; the kit's `lib/` and `data/`, less
 * {@linkcode GraderConfig.libraryExcluded}; the lessons before the exercise's own lesson
 * (`Exercise.lesson`; all of them for the book's exercises); the npm packages of
 * {@linkcode GraderConfig.allowedPackages} at the kit's pinned versions; the `node:` built-ins of
 * {@linkcode GraderConfig.allowedNodeModules}. Type-only imports (`import type`) may also name
 * any lesson or `mod.ts` (they load nothing). Nothing else: not the exercise's own lesson or a
 * later one, not `mod.ts` (it re-exports every lesson), not `solutions/`, `tests/`, `grader/` or
 * `tools/`.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * const config = defaultConfig({ memoryMb: 1024 });
 * if (!config.tablesModule.endsWith("tests/cases/mod.ts")) throw new Error(config.tablesModule);
 * if (config.memoryMb !== 1024 || !config.libraryDirs.includes("lib/")) {
 *   throw new Error("expected lib/ among the library directories");
 * }
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Everything the grader needs to know about the kit, its policy and its limits. */
export interface GraderConfig {
  /** The kit's root directory (absolute). */
  kitRoot: string;
  /** The kit's `deno.json`: import map, compiler options, `nodeModulesDir`. */
  configFile: string;
  /** The kit's `deno.lock`, used frozen. */
  lockFile: string;
  /** The module exporting `exercises` (the case tables, trusted halves). */
  tablesModule: string;
  /** The lessons directory under the kit root, ending in `/`. */
  lessonsDir: string;
  /** Directories under the kit root every exercise may import, ending in `/`. */
  libraryDirs: string[];
  /**
   * Path prefixes under those no exercise may import: the fused training engine, whose
   * WebAssembly bytes a submission could load as a `data:` module (Deno compiles those
   * itself, past the sandbox's refusal of WebAssembly compilation) and use for the softmax,
   * its gradient and the SGD step (found by the fourteenth review).
   */
  libraryExcluded: string[];
  /** npm packages a submission may import: exact names, or scopes ending with `/`. */
  allowedPackages: string[];
  /** `node:` built-ins a submission may import. */
  allowedNodeModules: string[];
  /** Memory cap of a sandbox process (resident set and data segment), in MiB. */
  memoryMb: number;
  /** V8 heap cap of a sandbox process (`--max-old-space-size`), in MiB. */
  heapMb: number;
  /**
   * Address space V8 and Deno reserve up front (code ranges, heap cages) that the
   * data-segment limit also counts, in MiB: the data limit is the cap plus this.
   */
  reservedMb: number;
  /**
   * Where warmed sandbox `DENO_DIR`s are kept between sessions
   * ({@linkcode ./sandbox/warm_cache.ts}); `undefined`: not kept, each session warms its own.
   * Default `data/cache/grader-warm/` in the kit (git-ignored).
   */
  warmCacheDir: string | undefined;
  /** Memory cap of a judge process, in MiB. */
  judgeMemoryMb: number;
  /** Memory cap of one `deno info` or `deno check` run, in MiB. */
  toolMemoryMb: number;
  /** Wall-clock limit of one `deno info` run, in ms. */
  graphTimeoutMs: number;
  /** Wall-clock limit of one `deno check` run, in ms. */
  typecheckTimeoutMs: number;
  /** Wall-clock limit of one `check` in the judge, in ms. */
  checkTimeoutMs: number;
  /** CPU time to start a sandbox Worker and load its run half, in ms. */
  startTimeoutMs: number;
  /** CPU time to load one submitted file, in ms. */
  importTimeoutMs: number;
  /**
   * Time one submission's cases may take in all, in ms. Each limit above holds, but a
   * submission can use each one to its end: without a bound for the whole, one that does so in
   * every case holds its grading for an hour, past a platform's own limit (Gradescope's is 600
   * s by default), which then kills the run and writes no results. Cases not finished by then
   * are not run (0 points), and the report is written. It is CPU time of the cases, like the
   * limits above, so that other submissions graded beside it cannot use it up (twenty-sixth
   * review), with a backstop on the clock counted from the submission's staging: this limit
   * for a submission graded alone (a platform's limit is on the clock), `wallFactor ×` it
   * `+ 5 s` in a batch, which does not count the module graph and type check the batch shares
   * (each has its own limit above).
   */
  submissionTimeoutMs: number;
  /**
   * The wall-clock backstop of a CPU-time limit: a case may take `wallFactor × limit + 5 s` of
   * wall time (a case that waits, using no CPU, ends there). Limits are in CPU time so that a
   * busy machine does not fail correct answers.
   */
  wallFactor: number;
  /** Largest submission accepted: total bytes of its source files. */
  maxSubmissionBytes: number;
  /** Most source files accepted in one submission. */
  maxSubmissionFiles: number;
  /** Deepest directory nesting accepted in a submission. */
  maxDepth: number;
  /** Longest failure message kept per case, in characters. */
  maxMessageChars: number;
  /** Largest encoded output accepted per case, in bytes. */
  maxOutputBytes: number;
  /**
   * How much a sandbox process may add to its `DENO_DIR`, in MiB: Deno caches every module it
   * compiles there, `data:` URLs a submission makes up included, outside any permission.
   */
  cacheGrowthMb: number;
  /** The tfjs backend in the sandbox and the judge; `undefined` keeps the kit's default. */
  backend?: "wasm" | "cpu";
  /** The `deno` executable. Default: the one running the grader. */
  denoPath: string;
  /**
   * Stops the grading (Ctrl-C): once it has aborted, no process starts and those running are
   * killed (`grader/process.ts`). `openSession` sets it from its `signal`.
   */
  signal?: AbortSignal;
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
 *
 * @example Limits must make sense
 * ```ts
 * import { defaultConfig } from "./config.ts";
 * let message = "";
 * try { defaultConfig({ memoryMb: 512, heapMb: 1024 }); } catch (e) { message = (e as Error).message; }
 * if (!message.includes("heapMb")) throw new Error(`expected a message naming heapMb, got ${message}`);
 * ```
 * @throws {RangeError} when the memory limits are not positive or the heap exceeds the cap.
 */
export function defaultConfig(overrides: Partial<GraderConfig> = {}): GraderConfig {
  const kitRoot = resolve(overrides.kitRoot ?? KIT_ROOT);
  const config: GraderConfig = {
    kitRoot,
    configFile: join(kitRoot, "deno.json"),
    lockFile: join(kitRoot, "deno.lock"),
    tablesModule: join(kitRoot, "tests", "cases", "mod.ts"),
    lessonsDir: "lessons/",
    libraryDirs: ["lib/", "data/"],
    libraryExcluded: ["lib/fused_"],
    allowedPackages: ["@tensorflow/"],
    allowedNodeModules: ["assert", "assert/strict", "util", "buffer", "events", "string_decoder"],
    memoryMb: 2048,
    heapMb: 1024,
    reservedMb: 1536,
    judgeMemoryMb: 2048,
    toolMemoryMb: 3072,
    graphTimeoutMs: 60_000,
    typecheckTimeoutMs: 90_000,
    checkTimeoutMs: 60_000,
    startTimeoutMs: 30_000,
    importTimeoutMs: 10_000,
    submissionTimeoutMs: 480_000,
    wallFactor: 3,
    maxSubmissionBytes: 5 * 1024 * 1024,
    maxSubmissionFiles: 200,
    maxDepth: 16,
    maxMessageChars: 2000,
    maxOutputBytes: 16 * 1024 * 1024,
    cacheGrowthMb: 64,
    backend: undefined,
    denoPath: Deno.execPath(),
    warmCacheDir: join(kitRoot, "data", "cache", "grader-warm"),
    ...overrides,
  };
  config.kitRoot = kitRoot;
  for (const key of ["configFile", "lockFile", "tablesModule"] as const) {
    config[key] = resolve(kitRoot, config[key]);
  }
  if (!(config.memoryMb > 0) || !(config.heapMb > 0) || config.heapMb > config.memoryMb) {
    throw new RangeError(
      `Memory limits must be positive with heapMb <= memoryMb, got memoryMb ${config.memoryMb} ` +
        `and heapMb ${config.heapMb}`,
    );
  }
  return config;
}

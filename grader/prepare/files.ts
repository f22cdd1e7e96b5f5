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
import { dirname, join, relative, resolve } from "node:path";
import { defaultConfig, type GraderConfig } from "../config.ts";
import { checkGraphs } from "./graph.ts";
import { dirUrl, prepareImportMap, readKitImports } from "./import_map.ts";
import { loadPolicy, lockedPackages, type PolicyExercise } from "./policy.ts";
import { type StagedSubmission, stageSubmission, whyNotStaged } from "./stage.ts";
import { typecheckAll } from "./typecheck.ts";
import { DISPOSED_INPUT_HINT } from "../../lib/disposed_inputs.ts";

/**
 * Why the grader would not run a file: the folder as a whole would not be graded, or the file
 * does not load (or loads a file the grader is not handed), is blocked, or does not type-check.
 */
export interface FileProblem {
  /** Which step refuses it. */
  kind: "folder" | "load" | "blocked" | "type";
  /** The reason, with the compiler's or the graph's message. */
  message: string;
}

/** Options for {@linkcode prepareFiles}. */
export interface PrepareFilesOptions {
  /** The directory of exercise files. */
  dir: string;
  /** The exercises whose files to prepare (those present in `dir`). */
  exercises: (PolicyExercise & { file: string })[];
  /**
   * Every exercise file of the kit, for the stage's notes on look-alike names (`softmax_2.ts`
   * is softmax's, `softmax_overflow.ts` its own exercise's). Default: those of `exercises`.
   */
  allFiles?: string[];
  /** Grader configuration; default {@linkcode defaultConfig}`()`. */
  config?: GraderConfig;
  /** Skip the type check (it costs a few seconds). Default false. */
  skipTypecheck?: boolean;
  /**
   * Called once the folder is staged, with the stage's record (what it left out or refused,
   * and why; its notes) and the folders here that its relative paths are under: the one given,
   * and where it points when it is a link.
   */
  onStaged?: (staged: StagedSubmission, folders: string[]) => void;
}

/**
 * What to do about a file problem of `kind` in `file` (its path as the learner sees it): the
 * hint the learner's check and the grader's report both give, in place of the cases' own hints,
 * which are about code that never ran.
 *
 * @example
 * ```ts
 * import { problemHint } from "./files.ts";
 * const hint = problemHint("type", "exercises/softmax.ts");
 * if (hint !== "Fix the type error: deno check exercises/softmax.ts lists them all.") {
 *   throw new Error(`unexpected hint: ${hint}`);
 * }
 * ```
 */
export function problemHint(kind: FileProblem["kind"], file: string): string {
  switch (kind) {
    case "type":
      return `Fix the type error: deno check ${file} lists them all.`;
    case "blocked":
      return "Import only lib/, data/, the lessons before this exercise's own and the kit's " +
        'packages by their bare names, with / in paths (README, "For graders").';
    case "folder":
      return `Keep in ${
        dirname(file) || "."
      } only what your exercises need (README, "For graders").`;
    case "load":
      return "Fix what the message names: a syntax error, a missing module, or a file the grader " +
        "is not handed.";
  }
}

/**
 * What to do about a file that failed to load when it ran, from the error (`message`, which may
 * start with the file's name): the same hint in the learner's check and in every case of the
 * grader's report, in place of the cases' own, which are about code that never ran.
 *
 * @example
 * ```ts
 * import { loadFailureHint } from "./files.ts";
 * const hint = loadFailureHint("exercises/softmax.ts failed to load: SyntaxError: Unexpected token");
 * if (!hint.startsWith("Loading a file runs its top-level code, and that threw")) {
 *   throw new Error(`unexpected hint: ${hint}`);
 * }
 * // Deno's own, for a file that does not parse: the SyntaxError and its code frame.
 * const parse = loadFailureHint("a.ts could not be loaded: SyntaxError: Expected ','\n   |\n");
 * if (!parse.startsWith("Fix the syntax error")) throw new Error(`unexpected hint: ${parse}`);
 * ```
 */
export function loadFailureHint(message: string): string {
  const error = message.replace(/^.*? (failed to load|could not be loaded): /, "");
  if (
    /^loading .* (took longer than|failed: the code)|^.* (did not finish|ended the check's process while) loading/
      .test(message)
  ) {
    // It did not end (or ended the process) while loading: no error to name.
    return "Loading a file runs its top-level code: keep it to imports and definitions.";
  }
  if (/is not handed to the grader/.test(error)) return problemHint("load", "");
  if (
    // Deno's for a module that does not parse (its SyntaxError has a code frame, "   |", on
    // the next line) or resolve; a SyntaxError of its own (a bad JSON.parse at the top) is code
    // that threw.
    /^(TypeError: )?SyntaxError: .*\n *\||^(TypeError: )?(Module not found|\[ERR_)|Relative import path|Cannot find module/
      .test(error)
  ) {
    return "Fix the syntax error or the missing module named above.";
  }
  return "Loading a file runs its top-level code, and that threw: keep it to imports and " +
    "definitions, and move trials into a function or a test of your own.";
}

/** What Deno's refusal of each permission stops, in words (see {@linkcode explainRunError}). */
const ACCESS: Record<string, [string, string]> = {
  read: ["reading", "the read (of anything but the files handed in and the data set)"],
  write: ["writing", "the write"],
  net: ["network access to", "the network call"],
  env: ["the environment variable", "the variable's use"],
  run: ["running", "the subprocess"],
  ffi: ["loading the native library", "the native library"],
  sys: ["system information", "the call"],
  import: ["importing", "the import"],
};

/** What a refused read of the data set is told as ({@linkcode explainRunError}). */
const DATA_REFUSED = "Cannot read the full Fashion-MNIST data set here: checked and graded code " +
  "gets no more of it than the cases hand it (the grader keeps the test split to score trained " +
  "models, and gives a sandbox the training split only when a case trains)";

/**
 * The part of `message` that says the data set's files were refused, or `undefined`: the
 * loader's account of where it looked when a read there was refused (its advice, to install the
 * package, is for a machine without the data); in the grader, the loader's account of its
 * sandbox's folder (`sandboxDataDir`), which holds the training split only; or Deno's refusal
 * of a test split file itself (the learner's check, with FASHION_MNIST_DIR set).
 */
function dataRefusal(message: string, sandboxDataDir?: string): string | undefined {
  const refused = /Cannot find the Fashion-MNIST data\. Looked in:[\s\S]*?(?=\n\s*at |$)/.exec(
    message,
  );
  if (refused !== null && /is not allowed|Requires read access/.test(refused[0])) {
    return refused[0];
  }
  if (sandboxDataDir !== undefined) {
    const partial = new RegExp(
      `The directory in FASHION_MNIST_DIR, ${RegExp.escape(sandboxDataDir)} has only some` +
        String.raw`[\s\S]*?(?=\n\s*at |$)`,
    ).exec(message);
    if (partial !== null) return partial[0];
  }
  return /Requires read access to "[^"\n]*\/t10k-[^"\n]*", run again with the --allow-read flag/
    .exec(message)?.[0];
}

/**
 * What tfjs's "could not be broadcast together with shapes 4,6 and 4" means, for the message:
 * which axes met. Not a hint: a value per row that lost its reduced axis is one cause, a
 * matrix used where a vector was meant another (twenty-seventh review: accuracy without its
 * argmax was told to keep the reduced axis), so the case's own hint stays.
 */
function broadcastNote(first: string, second: string): string {
  const [a, b] = [first, second].map((s) => s === "" ? [] : s.split(",").map(Number));
  const [matrix, vector] = a.length === 2 && b.length === 1 ? [a, b] : [b, a];
  if (matrix.length === 2 && vector.length === 1 && vector[0] === matrix[0]) {
    return `tfjs lines shapes up from the last axis: a [${vector[0]}] vector meets the ` +
      `${matrix[1]} columns of a [${matrix.join(", ")}] tensor, not its rows (a value per row ` +
      `has shape [${matrix[0]}, 1])`;
  }
  return "tfjs lines shapes up from the last axis: each pair of sizes must be equal, or one of " +
    "them 1";
}

/**
 * An error of the learner's code that the case's own hint is not about, with a hint about what
 * it is, as the learner's check and the grader both give it:
 *
 * - Deno's refusal of a permission, `NotCapable: Requires write access to "/tmp/log", run again
 *   with the --allow-write flag`, which advises a flag neither takes: the message says what was
 *   refused and why, the hint what to do;
 * - a tensor used after it was disposed (`DisposedInputError`, `lib/disposed_inputs.ts`): the
 *   message says so already; the hint says not to dispose what a function is given (a leak
 *   case's own, "wrap the work in tf.tidy", is the opposite advice);
 * - the data loader stopped by a refused read: the full data set's test split is the grader's
 *   (a smoke test at the bottom of an exercise file that loads the data);
 * - shapes that do not broadcast: the message says which axes met ({@linkcode broadcastNote}),
 *   and the hint is left to the case (no `hint`).
 *
 * `undefined` for other messages.
 *
 * @example
 * ```ts
 * import { explainRunError } from "./files.ts";
 * const said = explainRunError(
 *   'NotCapable: Requires write access to "/tmp/log", run again with the --allow-write flag\n    at exercises/a.ts:3:5',
 * );
 * if (said?.message !== 'NotCapable: writing "/tmp/log" is not allowed: checked and graded code has no write permission\n    at exercises/a.ts:3:5') {
 *   throw new Error(`unexpected: ${JSON.stringify(said)}`);
 * }
 * if (!said.hint?.includes("take out the write")) throw new Error(`unexpected hint: ${said.hint}`);
 * const disposed = explainRunError("DisposedInputError: an operation (tfjs kernel Sum) was given a tensor that was already disposed");
 * if (!disposed?.hint?.includes("never its arguments")) throw new Error(`unexpected: ${JSON.stringify(disposed)}`);
 * const data = explainRunError(
 *   "NotFound: Cannot find the Fashion-MNIST data. Looked in:\n  1. /d: reading \"/d/t10k-images-idx3-ubyte\" is not allowed\nFix it: install it\n    at file:///s/a.ts:9:1",
 * );
 * if (!data?.message.endsWith("only when a case trains)\n    at file:///s/a.ts:9:1")) {
 *   throw new Error(`unexpected: ${JSON.stringify(data)}`);
 * }
 * // The grader's sandbox folder, which holds the training split only:
 * const sandbox = explainRunError(
 *   "NotFound: The directory in FASHION_MNIST_DIR, /s/train has only some of the files: missing t10k…\n    at file:///s/a.ts:9:1",
 *   "/s/train",
 * );
 * if (sandbox?.message !== data.message) throw new Error(`unexpected: ${JSON.stringify(sandbox)}`);
 * // Deno's own refusal of a test split file (the check, with FASHION_MNIST_DIR set):
 * const raw = explainRunError('NotCapable: Requires read access to "/d/t10k-labels-idx1-ubyte", run again with the --allow-read flag');
 * if (!raw?.message.startsWith("NotCapable: Cannot read the full Fashion-MNIST data set here")) {
 *   throw new Error(`unexpected: ${JSON.stringify(raw)}`);
 * }
 * const shapes = explainRunError("Error: Operands could not be broadcast together with shapes 4,6 and 4.");
 * if (!shapes?.message.includes("has shape [4, 1]") || "hint" in shapes) throw new Error(`unexpected: ${JSON.stringify(shapes)}`);
 * if (explainRunError("TypeError: x is not a function") !== undefined) throw new Error("not a run error");
 * ```
 */
export function explainRunError(
  message: string,
  /** The grader's: the folder its sandboxes' data loader is pointed at (training split only). */
  sandboxDataDir?: string,
): { message: string; hint?: string } | undefined {
  if (/(^|\n)DisposedInputError: /.test(message)) {
    return { message, hint: DISPOSED_INPUT_HINT };
  }
  const shapes = /Operands could not be broadcast together with shapes ([\d,]*) and ([\d,]*)\./
    .exec(message);
  if (shapes !== null) {
    return {
      message: message.replace(shapes[0], `${shapes[0]} (${broadcastNote(shapes[1], shapes[2])})`),
    };
  }
  const data = dataRefusal(message, sandboxDataDir);
  if (data !== undefined) {
    return {
      message: message.replace(data, DATA_REFUSED),
      hint: "Load the data where no case runs: in a script of your own, or under " +
        "`if (import.meta.main) { … }`, which runs only when you run this file itself; or load " +
        "the kit's small subset ({ subset: true }).",
    };
  }
  const refusal = /Requires (\w+) access to (.*?), run again with the --allow-\w+ flag/.exec(
    message,
  );
  const words = refusal && Object.hasOwn(ACCESS, refusal[1]) ? ACCESS[refusal[1]] : undefined;
  if (refusal === null || words === undefined) return undefined;
  const [doing, it] = words;
  return {
    message: message.replace(
      refusal[0],
      `${doing} ${refusal[2]} is not allowed: checked and graded code has no ${
        refusal[1] === "read" ? "read permission there" : `${refusal[1]} permission`
      }`,
    ),
    hint: "Checked and graded code may compute and read the files handed in with it, nothing " +
      `more: take out ${it} (print what you want to see with console.log).`,
  };
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
  const workDir = await Deno.makeTempDir({ prefix: "d2l-check-" });
  // The grader's own copy of the folder: what it would refuse, or not be handed.
  // The folder itself may be a link on the learner's machine (the grader refuses a linked
  // submission, but what is handed in is the folder): staged from where it points.
  const real = await Deno.realPath(dir).catch(() => dir);
  const staged = await stageSubmission(real, join(workDir, "stage"), {
    exerciseFiles: options.allFiles ?? options.exercises.map((e) => e.file),
    maxBytes: config.maxSubmissionBytes,
    maxFiles: config.maxSubmissionFiles,
    maxDepth: config.maxDepth,
  }).catch(async (error) => {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    throw error;
  });
  options.onStaged?.(staged, [...new Set([join(dir, relative(real, staged.from)), staged.from])]);
  if (present.length === 0) {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    return problems;
  }
  if (staged.fatal !== undefined) {
    // Found by the seventeenth review: a 6 MB data file nothing imported made the submission
    // not gradable (0/149) while the check said "All done".
    for (const { file } of present) problems[file] = { kind: "folder", message: staged.fatal };
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    return problems;
  }
  const policy = await loadPolicy(config, present);
  const kitImports = await readKitImports(config.configFile);
  const stageRoot = join(workDir, "stage");
  const importMapFor = async (_roots: string[], where: string) => {
    const map = prepareImportMap({
      kitImports,
      kitRoot: config.kitRoot,
      dirs: [config.lessonsDir, ...config.libraryDirs],
      stageRoots: [stageRoot],
    });
    map.imports[dirUrl(dir)] = dirUrl(dir);
    map.imports[dirUrl(where)] = dirUrl(where);
    const path = join(where, "import_map.json");
    await Deno.writeTextFile(path, JSON.stringify(map));
    return path;
  };
  try {
    // The graph of the grader's own copy, as the grader reads it: the copy's inline type imports
    // are `import type` (asImportType), which loads nothing whatever else the file says
    // (seventh fairness review: beside a commented-out import of the same lesson, the file's
    // own text made the check refuse what the grader ran, 0/13 against 13/13).
    const [graph] = await checkGraphs([{
      root: stageRoot,
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
      const uncopied = g.modules.find((m) => !staged.files.includes(m));
      if (uncopied !== undefined) {
        problems[file] = {
          kind: "load",
          message: `${JSON.stringify(uncopied)} is not handed to the grader: ${
            whyNotStaged(uncopied, staged) ??
              "the grader leaves it out (see the notes of deno task grade on this folder)"
          }`,
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

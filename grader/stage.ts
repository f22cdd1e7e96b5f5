/**
 * Staging: copying a submission into a fresh directory the sandbox may read.
 *
 * The grader never runs a submission where it was handed in. It copies the submission's
 * source files into `<stageRoot>/exercises/`, so that the kit-relative imports a learner
 * writes (`../lib/tf.ts`, `../lessons/02_softmax.ts`, `../mod.ts`) resolve as in the kit: the
 * sandbox's import map points `<stageRoot>/lib/`, `lessons/`, `data/` and `mod.ts` at the
 * kit's own files (see {@linkcode ./import_map.ts}). Nothing else of the kit is reachable:
 * `../solutions/…` resolves to a path that does not exist.
 *
 * Copy rules:
 * - A submission is a directory of exercise files (`softmax.ts`, …), possibly with helper
 *   modules in sub-directories. If it holds an `exercises/` directory and no exercise file at
 *   its top, that directory is the submission (a whole kit handed in).
 * - Symbolic links are refused, wherever they point: the file is not copied and its cases fail
 *   with a message. So are FIFOs, sockets and devices.
 * - The submission's own `deno.json`, `deno.jsonc`, `package.json`, lockfiles and import maps
 *   are ignored (the grader uses the kit's), as are `node_modules/`, `.git/` and dot files.
 * - Only source files are copied (`.ts`, `.mts`, `.js`, `.mjs`, `.json`); other files are
 *   skipped silently.
 * - Too many files or bytes (see `GraderConfig`) make the submission not gradable.
 *
 * @example
 * ```ts
 * import { stageSubmission } from "./stage.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/softmax.ts`, "export const softmax = 1;");
 * await Deno.writeTextFile(`${dir}/deno.json`, "{}");
 * const stageRoot = await Deno.makeTempDir();
 * const staged = await stageSubmission(dir, stageRoot, { exerciseFiles: ["softmax.ts"] });
 * if (staged.files.join() !== "softmax.ts") throw new Error(staged.files.join());
 * if (!staged.notes[0].includes("deno.json")) throw new Error(staged.notes.join());
 * await Deno.remove(dir, { recursive: true });
 * await Deno.remove(stageRoot, { recursive: true });
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";

/** Options for {@linkcode stageSubmission}. */
export interface StageOptions {
  /** The exercise file names (to recognise a whole kit handed in). */
  exerciseFiles: string[];
  /** Most bytes accepted. Default 5 MiB. */
  maxBytes?: number;
  /** Most files accepted. Default 200. */
  maxFiles?: number;
}

/** A submission copied into a stage. */
export interface StagedSubmission {
  /** The directory handed in. */
  source: string;
  /** The stage root: submitted files are under `<root>/exercises/`. */
  root: string;
  /** `<root>/exercises`. */
  exercisesDir: string;
  /** Copied files, relative to `exercisesDir`, with `/` separators, sorted. */
  files: string[];
  /** Refused entries (symbolic links, special files), relative path → reason. */
  refused: Record<string, string>;
  /** What was ignored and why, for the report. */
  notes: string[];
  /** Set when the submission cannot be graded at all (too large, unreadable). */
  fatal?: string;
}

const SOURCE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs", ".json"];
const CONFIG_FILES = new Set([
  "deno.json",
  "deno.jsonc",
  "package.json",
  "deno.lock",
  "package-lock.json",
  "import_map.json",
  "tsconfig.json",
  "jsconfig.json",
]);
const SKIPPED_DIRS = new Set(["node_modules", ".git"]);
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$/;

/**
 * Copies the submission at `source` into `<stageRoot>/exercises/` following the copy rules
 * above. Never follows a symbolic link and never throws for the submission's content: what
 * cannot be copied is reported in `refused`, `notes` or `fatal`.
 *
 * @example A symbolic link is refused
 * ```ts
 * import { stageSubmission } from "./stage.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/etc/hostname", `${dir}/softmax.ts`);
 * const stageRoot = await Deno.makeTempDir();
 * const staged = await stageSubmission(dir, stageRoot, { exerciseFiles: ["softmax.ts"] });
 * if (staged.files.length !== 0 || !staged.refused["softmax.ts"]) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * await Deno.remove(stageRoot, { recursive: true });
 * ```
 * @throws {Error} only when `source` is not a readable directory, or the stage cannot be written.
 */
export async function stageSubmission(
  source: string,
  stageRoot: string,
  options: StageOptions,
): Promise<StagedSubmission> {
  const { maxBytes = 5 * 1024 * 1024, maxFiles = 200 } = options;
  const top = await Deno.lstat(source);
  if (top.isSymlink) {
    return {
      source,
      root: stageRoot,
      exercisesDir: join(stageRoot, "exercises"),
      files: [],
      refused: { ".": "the submission directory is a symbolic link" },
      notes: [],
      fatal: "The submission directory is a symbolic link; hand in the directory itself.",
    };
  }
  if (!top.isDirectory) throw new Error(`${source} is not a directory`);
  let base = source;
  const topNames = new Set<string>();
  for await (const entry of Deno.readDir(source)) topNames.add(entry.name);
  if (
    topNames.has("exercises") && !options.exerciseFiles.some((f) => topNames.has(f)) &&
    (await Deno.lstat(join(source, "exercises"))).isDirectory
  ) {
    base = join(source, "exercises");
  }
  const exercisesDir = join(stageRoot, "exercises");
  await Deno.mkdir(exercisesDir, { recursive: true });
  const staged: StagedSubmission = {
    source,
    root: stageRoot,
    exercisesDir,
    files: [],
    refused: {},
    notes: base === source ? [] : ["Graded the exercises/ directory of the submission."],
  };
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === "" ? base : join(base, rel);
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (staged.fatal) return;
      if (entry.name.startsWith(".")) continue;
      if (entry.isSymlink) {
        staged.refused[relPath] = "a symbolic link (refused: hand in the file itself)";
        continue;
      }
      if (!SAFE_SEGMENT.test(entry.name)) {
        staged.refused[relPath] = "a name with unusual characters (use letters, digits, _ . -)";
        continue;
      }
      if (entry.isDirectory) {
        if (SKIPPED_DIRS.has(entry.name)) {
          staged.notes.push(`Ignored ${relPath}/.`);
          continue;
        }
        await walk(relPath);
        continue;
      }
      if (!entry.isFile) {
        staged.refused[relPath] = "not a regular file";
        continue;
      }
      if (CONFIG_FILES.has(entry.name)) {
        staged.notes.push(
          `Ignored ${relPath}: submissions are graded with the kit's own configuration.`,
        );
        continue;
      }
      if (!SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) continue;
      // lstat again right before reading: a file swapped for a link is still refused.
      const info = await Deno.lstat(join(base, relPath));
      if (!info.isFile) {
        staged.refused[relPath] = "not a regular file";
        continue;
      }
      bytes += info.size;
      if (staged.files.length + 1 > maxFiles || bytes > maxBytes) {
        staged.fatal = `The submission is too large: at most ${maxFiles} files and ${
          Math.round(maxBytes / 1024)
        } KiB of source are graded.`;
        return;
      }
      const target = join(exercisesDir, relPath);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.writeFile(target, await Deno.readFile(join(base, relPath)));
      staged.files.push(relPath);
    }
  };
  await walk("");
  staged.files.sort();
  return staged;
}

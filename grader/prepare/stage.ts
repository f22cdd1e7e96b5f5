/**
 * Staging: copying a submission into a fresh directory, the only copy the grader ever reads or
 * runs.
 *
 * The submission's source files go to `<stageRoot>/exercises/`, so that the kit-relative
 * imports a learner writes (`../lib/tf.ts`, `../lessons/02_softmax.ts`) resolve as in the kit:
 * the grader's import maps point `<stageRoot>/lib/`, `lessons/` and `data/` at the kit's own
 * files (see {@linkcode ./import_map.ts}).
 *
 * Where the exercise files are: the submission's top level; else its `exercises/` directory (a
 * whole kit handed in); else, when the top level holds nothing but one directory (a zipped
 * folder, a repository's subfolder), the same search one level down, twice at most, with a note
 * saying where the files were found. A submission with no exercise file anywhere is not
 * gradable, and the reason lists the `.ts` files it does hold.
 *
 * Copy rules:
 * - Symbolic links are refused wherever they point, and so are FIFOs, sockets and devices, and
 *   names other than letters and digits (of any script), `_ . -` and spaces
 *   ({@linkcode SAFE_NAME}): the entry is not copied, and a file of an exercise fails that
 *   exercise with the reason. The learner's check refuses the same names. Names in reasons and
 *   notes are quoted as JSON strings, so a line break in one cannot start a line of a report.
 * - The submission's own `deno.json`, `package.json`, lockfiles and import maps are ignored
 *   (the grader uses the kit's), as are `node_modules/`, `.git/` and dot files.
 * - Only source files are copied (`.ts`, `.mts`, `.js`, `.mjs`, `.json`). In TypeScript, an
 *   inline type-only import (`import { type Net } from …`) is staged as `import type`, which
 *   means the same and which Deno does not load (see {@linkcode ./type_imports.ts}).
 * - Too many files or bytes, more than `maxFolders` folders (left out or not), or directories
 *   nested deeper than `maxDepth`, make the submission not gradable, with the limit in the
 *   reason. Staging takes time linear in the entries it lists.
 *
 * Staging never throws for what a submission holds: whatever cannot be read or copied ends up
 * in `refused`, `notes` or `fatal`. Names in those are the submission's own text (escaped when
 * reports print them).
 *
 * @example
 * ```ts
 * import { stageSubmission } from "./stage.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/homework`);
 * await Deno.writeTextFile(`${dir}/homework/softmax.ts`, "export const softmax = 1;");
 * const stageRoot = await Deno.makeTempDir();
 * const staged = await stageSubmission(dir, stageRoot, { exerciseFiles: ["softmax.ts"] });
 * if (staged.files.join() !== "softmax.ts") throw new Error(staged.files.join());
 * if (!staged.notes[0].includes("homework/")) throw new Error(staged.notes.join());
 * await Deno.remove(dir, { recursive: true });
 * await Deno.remove(stageRoot, { recursive: true });
 * ```
 *
 * @module
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { asImportType } from "./type_imports.ts";

/** Options for {@linkcode stageSubmission}. */
export interface StageOptions {
  /** The exercise file names, to find where the submission keeps them. */
  exerciseFiles: string[];
  /** Most bytes accepted. Default 5 MiB. */
  maxBytes?: number;
  /** Most files accepted. Default 200. */
  maxFiles?: number;
  /** Deepest directory nesting accepted below the exercise directory. Default 16. */
  maxDepth?: number;
  /**
   * Most folders listed, left out or not (a folder of 60,000 images is fine). Default 20,000.
   */
  maxFolders?: number;
}

/** A submission copied into a stage. */
export interface StagedSubmission {
  /** The stage root: submitted files are under `<root>/exercises/`. */
  root: string;
  /** Copied files, relative to `<root>/exercises`, with `/` separators, sorted. */
  files: string[];
  /** Refused entries (symbolic links, special files, odd names): relative path → why and what to do. */
  refused: Record<string, string>;
  /**
   * Entries left out without a refusal (other kinds of file, configuration files, names that
   * start with a dot, `node_modules/`): relative path → why, for a learner whose code reads
   * one (a folder stands for all it holds).
   */
  leftOut: Record<string, string>;
  /** The folder the files were copied from: the submission, or the folder in it that holds them. */
  from: string;
  /**
   * Per exercise file missing while a file looks like it (`Softmax.ts`), the note saying so
   * (also in `notes`, or in `fatal` when no exercise file is found at all).
   */
  lookAlikes: Record<string, string>;
  /** What was ignored or found where, for the report. */
  notes: string[];
  /** Set when the submission cannot be graded at all, with the reason. */
  fatal?: string;
}

/** The files the stage copies, by extension; others are left out. */
export const SOURCE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".js", ".mjs", ".json"];
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
const SKIPPED_DIRS = new Set(["node_modules", ".git", "__MACOSX"]);

/** Why a name that is not {@linkcode SAFE_NAME} is refused. */
export const UNSAFE_NAME =
  "a name with unusual characters; rename it with letters, digits, spaces and _ . - only";
/**
 * A name the stage copies: letters and digits of any script, `_ . -` and spaces, no leading dot
 * or dash. No control, format (bidirectional overrides) or separator characters: those are
 * refused, with the reason, by both the grader and the learner's check.
 */
export const SAFE_NAME: RegExp = /^[\p{L}\p{N}_][\p{L}\p{M}\p{N}_.\- ]{0,127}$/u;

/** The names in `dir`, or `undefined` when it cannot be read. */
async function list(dir: string): Promise<Deno.DirEntry[] | undefined> {
  try {
    return await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return undefined;
  }
}

/**
 * Where the exercise files are, relative to `source` (`""` for the top), or `undefined`.
 * Looks at the top, at `exercises/`, and down a single directory, twice at most.
 */
async function findBase(source: string, exerciseFiles: string[]): Promise<string | undefined> {
  let rel = "";
  for (let level = 0; level <= 2; level++) {
    const entries = await list(join(source, rel));
    if (entries === undefined) return undefined;
    const names = new Set(entries.filter((e) => e.isFile).map((e) => e.name));
    if (exerciseFiles.some((f) => names.has(f))) return rel;
    const sub = join(source, rel, "exercises");
    const inner = entries.some((e) => e.isDirectory && e.name === "exercises")
      ? await list(sub)
      : undefined;
    if (inner?.some((e) => e.isFile && exerciseFiles.includes(e.name))) {
      return rel === "" ? "exercises" : `${rel}/exercises`;
    }
    const dirs = entries.filter((e) =>
      e.isDirectory && !e.name.startsWith(".") && !SKIPPED_DIRS.has(e.name)
    );
    const files = entries.filter((e) => !e.isDirectory && !e.name.startsWith("."));
    if (dirs.length !== 1 || files.some((e) => SOURCE_EXTENSIONS.some((x) => e.name.endsWith(x)))) {
      return undefined;
    }
    rel = rel === "" ? dirs[0].name : `${rel}/${dirs[0].name}`;
  }
  return undefined;
}

/**
 * Whether the entry Deno lists as `name` in `dir` cannot be opened by that name: a name that is
 * not UTF-8 (an archive unpacked from another encoding) is read with U+FFFD in place of the
 * bytes it cannot decode, and no file has the name so read (unless another one chose it).
 *
 * @example
 * ```ts
 * import { unopenable } from "./stage.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/ok\uFFFD`);
 * if (await unopenable(dir, "ok\uFFFD") || !(await unopenable(dir, "gone\uFFFD"))) {
 *   throw new Error("a real U+FFFD name opens; a lossy one does not");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function unopenable(dir: string, name: string): Promise<boolean> {
  if (!name.includes("\uFFFD")) return false;
  return await Deno.lstat(join(dir, name)).then(() => false, () => true);
}

/** Up to `limit` `.ts` file paths under `dir` (for the "no exercise file" reason). */
async function someTsFiles(dir: string, limit: number, depth = 0): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await list(dir)) ?? []) {
    if (found.length >= limit || depth > 3) break;
    if (entry.isFile && entry.name.endsWith(".ts")) found.push(entry.name);
    if (entry.isDirectory && !entry.name.startsWith(".") && !SKIPPED_DIRS.has(entry.name)) {
      const inner = await someTsFiles(join(dir, entry.name), limit - found.length, depth + 1);
      found.push(...inner.map((f) => `${entry.name}/${f}`));
    }
  }
  return found;
}

/**
 * Copies the submission at `source` into `<stageRoot>/exercises/` following the copy rules
 * above. Never follows a symbolic link and never throws for the submission's content.
 *
 * @example A symbolic link is refused, a file nested too deep makes it not gradable
 * ```ts
 * import { stageSubmission } from "./stage.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/etc/hostname", `${dir}/softmax.ts`);
 * await Deno.writeTextFile(`${dir}/accuracy.ts`, "export {};");
 * await Deno.mkdir(`${dir}/a/b/c`, { recursive: true });
 * const stageRoot = await Deno.makeTempDir();
 * const files = ["softmax.ts", "accuracy.ts"];
 * const staged = await stageSubmission(dir, stageRoot, { exerciseFiles: files });
 * if (staged.files.join() !== "accuracy.ts" || !staged.refused["softmax.ts"]) throw new Error("unexpected: staged.files.join() !== \"accuracy.ts\" || !staged.refused[\"softmax.ts\"]");
 * const deep = await stageSubmission(dir, stageRoot, { exerciseFiles: files, maxDepth: 2 });
 * if (!deep.fatal?.includes("deeper than 2")) throw new Error(deep.fatal);
 * await Deno.remove(dir, { recursive: true });
 * await Deno.remove(stageRoot, { recursive: true });
 * ```
 */
export async function stageSubmission(
  source: string,
  stageRoot: string,
  options: StageOptions,
): Promise<StagedSubmission> {
  const { maxBytes = 5 * 1024 * 1024, maxFiles = 200, maxDepth = 16, maxFolders = 20_000 } =
    options;
  const exercisesDir = join(stageRoot, "exercises");
  const staged: StagedSubmission = {
    root: stageRoot,
    files: [],
    // No prototype: a file named "__proto__" or "constructor" is a key like any other.
    refused: Object.create(null),
    leftOut: Object.create(null),
    from: source,
    lookAlikes: {},
    notes: [],
  };
  const top = await Deno.lstat(source).catch(() => undefined);
  if (top === undefined || top.isSymlink || !top.isDirectory) {
    staged.fatal = top === undefined
      ? "The submission cannot be read."
      : top.isSymlink
      ? "The submission directory is a symbolic link; hand in the directory itself."
      : "The submission is not a directory.";
    return staged;
  }
  const baseRel = await findBase(source, options.exerciseFiles);
  if (baseRel === undefined) {
    const seen = await someTsFiles(source, 8);
    staged.lookAlikes = misnamed(seen, options.exerciseFiles);
    staged.fatal =
      `No exercise file found: expected one or more of ${
        options.exerciseFiles.join(", ")
      } at the top of the submission, in exercises/, or in its one folder. ` +
      (seen.length > 0
        ? `It holds ${seen.map((name) => JSON.stringify(name)).join(", ")}.`
        : "It holds no .ts file.") +
      Object.values(staged.lookAlikes).map((note) => ` ${note}`).join("");
    // A folder unpacked from another encoding: Deno reads its name with U+FFFD for the bytes
    // that are not UTF-8, and cannot open it by that name.
    for (const entry of (await list(source)) ?? []) {
      if (await unopenable(source, entry.name)) {
        staged.fatal += ` Its ${entry.isDirectory ? "folder" : "file"} shown as ` +
          `${JSON.stringify(entry.name)} has a name that is not UTF-8 and cannot be opened: ` +
          "rename it (or unpack the archive with UTF-8 names) and hand it in again.";
        break;
      }
    }
    return staged;
  }
  if (baseRel !== "") staged.notes.push(`Graded the files in ${JSON.stringify(`${baseRel}/`)}.`);
  const base = join(source, baseRel);
  staged.from = base;
  await Deno.mkdir(exercisesDir, { recursive: true });
  let bytes = 0;
  let folders = 0;
  // What was left out, in the order it was: a folder nothing was copied from drops its own
  // entries from the end (scanning every key instead took time quadratic in the folders:
  // 60,000 empty folders staged in 392 s, twenty-fourth review).
  const leftOutOrder: string[] = [];
  const leaveOut = (relPath: string, why: string) => {
    staged.leftOut[relPath] = why;
    leftOutOrder.push(relPath);
  };
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (staged.fatal) return;
    if (depth > maxDepth) {
      staged.fatal = `The submission's directories nest deeper than ${maxDepth} levels ` +
        `(${rel.split("/").slice(0, 3).join("/")}/…); keep its files at most ${maxDepth} ` +
        "folders deep.";
      return;
    }
    const entries = await list(join(base, rel));
    if (entries === undefined) {
      staged.refused[rel || "."] = "a folder that cannot be read; make it readable (chmod -R u+rX)";
      return;
    }
    folders += entries.filter((entry) => entry.isDirectory).length;
    if (folders > maxFolders) {
      staged.fatal = `The submission holds more than ${maxFolders} folders; hand in the ` +
        "exercise files and their helpers only.";
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (staged.fatal) return;
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.name.startsWith(".")) {
        leaveOut(relPath, "names that start with a dot are left out; rename it");
        continue;
      }
      if (entry.isSymlink) {
        staged.refused[relPath] = "a symbolic link; hand in the file itself";
        continue;
      }
      if (!SAFE_NAME.test(entry.name)) {
        staged.refused[relPath] = UNSAFE_NAME;
        continue;
      }
      if (entry.isDirectory) {
        if (SKIPPED_DIRS.has(entry.name)) {
          staged.notes.push(`Ignored ${relPath}/.`);
          leaveOut(relPath, `${entry.name}/ folders are left out`);
          continue;
        }
        const copied = staged.files.length;
        const before = leftOutOrder.length;
        await walk(relPath, depth + 1);
        if (!staged.fatal && staged.files.length === copied) {
          // Nothing in it was copied: the folder is left out (the grader's copy has no such
          // folder to list), named once rather than file by file (a folder of 6000 images made
          // the check's list of what its runner may not read too long to start it).
          for (const key of leftOutOrder.splice(before)) delete staged.leftOut[key];
          leaveOut(
            relPath,
            `none of its files is handed in (only ${
              SOURCE_EXTENSIONS.join(", ")
            } files are, outside folders whose name starts with a dot)`,
          );
        }
        continue;
      }
      if (!entry.isFile) {
        staged.refused[relPath] = "not a regular file; hand in the file itself";
        continue;
      }
      if (CONFIG_FILES.has(entry.name)) {
        staged.notes.push(
          `Ignored ${relPath}: submissions are graded with the kit's own configuration.`,
        );
        leaveOut(relPath, "configuration files are left out (the kit's own are used)");
        continue;
      }
      if (!SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
        leaveOut(
          relPath,
          `only ${SOURCE_EXTENSIONS.join(", ")} files are handed in; ` +
            "rename it, or keep its contents in one of those",
        );
        continue;
      }
      // lstat again right before reading: a file swapped for a link is still refused.
      const info = await Deno.lstat(join(base, relPath)).catch(() => undefined);
      if (!info?.isFile) {
        staged.refused[relPath] = "not a regular file; hand in the file itself";
        continue;
      }
      bytes += info.size;
      if (staged.files.length + 1 > maxFiles || bytes > maxBytes) {
        staged.fatal = `The submission is too large: at most ${maxFiles} files and ${
          Math.round(maxBytes / 1024)
        } KiB of source are graded.`;
        return;
      }
      const data = await Deno.readFile(join(base, relPath)).catch(() => undefined);
      if (data === undefined || data.length !== info.size) {
        staged.refused[relPath] = "a file that cannot be read; make it readable (chmod u+r)";
        continue;
      }
      const target = join(exercisesDir, relPath);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.writeFile(target, /\.m?ts$/.test(relPath) ? typeImportsStaged(data) : data);
      staged.files.push(relPath);
    }
  };
  await walk("", 0);
  staged.files.sort();
  if (!staged.fatal) {
    staged.lookAlikes = misnamed(staged.files, options.exerciseFiles);
    staged.notes.push(...Object.values(staged.lookAlikes));
  }
  return staged;
}

/**
 * Notes for exercise files that are missing while a top-level file looks like one under another
 * name: the same name in other letter case (`Softmax.ts`: names are case-sensitive here, while
 * a laptop's disk may not be), or the name with something added (`softmax_v2.ts`). Without
 * them such a file is silently not graded (found by the seventh review). A name that begins
 * with a longer exercise name (`softmax_overflow_2.ts`) is that exercise's look-alike only.
 */
function misnamed(files: string[], exerciseFiles: string[]): Record<string, string> {
  const stem = (name: string) => name.replace(/\.[^.]*$/, "").toLowerCase();
  const others = files.filter((f) => !f.includes("/") && !exerciseFiles.includes(f));
  const notes: Record<string, string> = {};
  for (const wanted of exerciseFiles) {
    if (files.includes(wanted)) continue;
    const like = others.filter((f) =>
      stem(f) === stem(wanted) ||
      (stem(f).startsWith(stem(wanted)) && !exerciseFiles.some((e) =>
        stem(f).startsWith(stem(e)) && stem(e).length > stem(wanted).length
      ))
    );
    if (like.length === 0) continue;
    const found = like.map((f) => JSON.stringify(f)).join(", ");
    const caseOnly = like.some((f) => stem(f) === stem(wanted));
    notes[wanted] = `${wanted} is missing, but the submission holds ${found}${
      caseOnly ? " (file names are case-sensitive)" : ""
    }: rename it to ${wanted} to have it graded; an exercise is graded from its own file name.`;
  }
  return notes;
}

/** A TypeScript file's bytes with its inline type-only imports as `import type` (see above). */
function typeImportsStaged(data: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    // Not UTF-8 (UTF-16 with a byte-order mark, which Deno reads too, or bytes that do not
    // parse): staged as it is; such a file is also type-checked on its own (typecheck.ts).
    return data;
  }
  const staged = asImportType(text);
  return staged === text ? data : new TextEncoder().encode(staged);
}

/** Deno's errors for a read of a file it may not read, or that is not there: the path. */
const UNREAD = [
  /(?:NotCapable|TypeError): Requires read access to "([^"]+)", run again with the --allow-read flag/g,
  /NotFound: No such file or directory \(os error 2\): [a-z]+ '([^']+)'/g,
];

/**
 * Why the stage did not copy `path` (relative to the exercise files, `/`-separated), and what
 * to do; `undefined` when the stage did not see it (it is not in the submission).
 *
 * @example
 * ```ts
 * import { whyNotStaged } from "./stage.ts";
 * const staged = { refused: {}, leftOut: { ".helpers": "names that start with a dot are left out" } };
 * if (whyNotStaged(".helpers/utils.ts", staged) !== "names that start with a dot are left out") {
 *   throw new Error("the dot folder's reason was not found");
 * }
 * if (whyNotStaged("utils.ts", staged) !== undefined) throw new Error("utils.ts was not left out");
 * ```
 */
export function whyNotStaged(
  path: string,
  staged: Pick<StagedSubmission, "refused" | "leftOut">,
): string | undefined {
  const parts = path.split("/");
  for (let i = parts.length; i > 0; i--) {
    const at = parts.slice(0, i).join("/");
    if (Object.hasOwn(staged.refused, at)) {
      return staged.refused[at];
    }
    if (Object.hasOwn(staged.leftOut, at)) return staged.leftOut[at];
  }
  return undefined;
}

/**
 * `message` with every failed read of something the stage left out told as what it is: the
 * path (in `folder`, which holds the submission's files: its own folder, or the stage's copy)
 * as `show` names it, and why it is not handed in ({@linkcode whyNotStaged}); the check and the
 * grader say the same. Other messages are kept.
 *
 * @example A labels.txt beside the exercise, read at run time
 * ```ts
 * import { explainLeftOut } from "./stage.ts";
 * const said = explainLeftOut(
 *   "NotFound: No such file or directory (os error 2): readfile '/s/exercises/labels.txt'",
 *   { refused: {}, leftOut: { "labels.txt": "only .ts files are handed in" } },
 *   "/s/exercises",
 *   (path) => path.slice("/s/".length),
 * );
 * if (said !== "exercises/labels.txt is not handed to the grader: only .ts files are handed in") {
 *   throw new Error(`unexpected: ${said}`);
 * }
 * ```
 */
export function explainLeftOut(
  message: string,
  staged: Pick<StagedSubmission, "refused" | "leftOut">,
  folder: string,
  show: (path: string) => string,
): string {
  return UNREAD.reduce(
    (text, pattern) =>
      text.replace(pattern, (whole, path: string) => {
        const rel = relative(folder, path);
        const reason = rel === "" || rel.startsWith("..") || isAbsolute(rel)
          ? undefined
          : whyNotStaged(rel, staged);
        return reason === undefined
          ? whole
          : `${show(path)} is not handed to the grader: ${reason}`;
      }),
    message,
  );
}

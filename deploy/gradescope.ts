/**
 * The Gradescope autograder package: one zip a teacher uploads as the assignment's autograder.
 *
 * ```text
 * deno task package gradescope [--hidden DIR] [--rubric FILE] --out autograder.zip
 * ```
 *
 * Gradescope unpacks the zip into `/autograder/source`, runs `setup.sh` there once when it
 * builds the image (as root, with network), then `run_autograder` for each submission (which
 * fetches nothing). The zip holds, at its top: `setup.sh` and `run_autograder` from
 * `deploy/gradescope/` (with the pinned Deno version and the grading flags filled in); the kit
 * (its own files, {@linkcode ../grader/kit_files.ts kitFiles}: not `node_modules/`, which
 * setup rebuilds from the lockfile, nor `.git/`, `out/` or `data/cache/`), the hidden cases
 * among them (they must live inside the kit, whose files they import by relative paths) and
 * the rubric as `rubric.json`.
 *
 * `setup.sh` installs Node.js and npm, Deno at the kit's pinned version, the npm packages from
 * `deno.lock`, every module grading loads and the full data set (Debian's package, or the
 * kit's verified download), then grades the reference solutions and fails the build unless
 * they get full marks. `run_autograder` grades `/autograder/submission` (the files at its top,
 * in `exercises/`, or one or two folders down, as a zip with a top-level folder unpacks) into
 * `/autograder/results/results.json`.
 *
 * @example
 * ```ts ignore
 * import { gradescopePackage } from "./gradescope.ts";
 * await Deno.writeFile("autograder.zip", await gradescopePackage({ hiddenDir: "hidden" }));
 * ```
 *
 * @module
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { defaultConfig, KIT_ROOT, openSession } from "../grader/mod.ts";
import { kitFiles } from "../grader/kit_files.ts";
import { zip, type ZipEntry } from "./zip.ts";

/** Options for {@linkcode gradescopePackage}. */
export interface GradescopePackageOptions {
  /** The kit to pack. Default: this kit. */
  kitRoot?: string;
  /** The teacher's hidden cases (`--hidden`): a directory inside the kit. */
  hiddenDir?: string;
  /** The rubric (`--rubric`), packed as `rubric.json`. */
  rubricFile?: string;
  /** Seconds a submission's code may run in all (the grader's `--time-limit`). */
  timeLimit?: number;
  /** The Deno version `setup.sh` installs. Default: the one running this. */
  denoVersion?: string;
}

/**
 * A shell word for `text`, quoted when it needs to be.
 *
 * @example
 * ```ts
 * import { shellWord } from "./gradescope.ts";
 * if (shellWord("hidden") !== "hidden" || shellWord("it's") !== `'it'"'"'s'`) {
 *   throw new Error(shellWord("it's"));
 * }
 * ```
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./%:=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Builds the package's zip. The hidden cases and the rubric are loaded first, by the grader
 * itself: a mistake in them fails here, naming it, not on Gradescope.
 *
 * @throws {Error} when the hidden cases, the rubric or the kit do not load.
 */
export async function gradescopePackage(
  options: GradescopePackageOptions = {},
): Promise<Uint8Array> {
  const kitRoot = options.kitRoot ?? KIT_ROOT;
  const flags: string[] = [];
  const entries: ZipEntry[] = [];
  if (options.hiddenDir !== undefined) {
    // Hidden cases import the kit by relative paths (`../lib/…`): they keep their place in it.
    const rel = relative(kitRoot, resolve(options.hiddenDir));
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new Error(
        `--hidden ${options.hiddenDir} is outside the kit (${kitRoot}): hidden cases import the ` +
          "kit by relative paths, which must resolve in the package as they do here; move " +
          "them into the kit (for example hidden/ at its root, importing ../tests/cases/case.ts)",
      );
    }
    flags.push("--hidden", rel);
  }
  const session = await openSession({
    config: defaultConfig({ kitRoot }),
    hiddenDir: options.hiddenDir,
    rubricFile: options.rubricFile,
  });
  await session.close();
  if (options.timeLimit !== undefined) flags.push("--time-limit", String(options.timeLimit));
  if (options.rubricFile !== undefined) {
    flags.push("--rubric", "rubric.json");
    entries.push({ path: "rubric.json", data: await Deno.readFile(options.rubricFile) });
  }
  const fill = async (name: string) =>
    (await Deno.readTextFile(join(kitRoot, "deploy", "gradescope", name)))
      .replaceAll("@DENO_VERSION@", options.denoVersion ?? Deno.version.deno)
      .replaceAll("@GRADE_FLAGS@", flags.map(shellWord).join(" "));
  const top = [
    { path: "setup.sh", data: await fill("setup.sh"), mode: 0o755 },
    { path: "run_autograder", data: await fill("run_autograder"), mode: 0o755 },
  ];
  const taken = new Set([...top, ...entries].map((e) => e.path.split("/")[0]));
  for (const file of await kitFiles(kitRoot)) {
    if (taken.has(file.split("/")[0])) {
      throw new Error(`the kit has its own ${file}, where the package puts its own: rename it`);
    }
    const info = await Deno.stat(join(kitRoot, file));
    entries.push({
      path: file,
      data: await Deno.readFile(join(kitRoot, file)),
      mode: (info.mode ?? 0o644) & 0o777,
    });
  }
  return await zip([...top, ...entries]);
}

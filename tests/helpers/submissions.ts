/**
 * Builds fixture submissions for the grader's tests: the kit's reference solutions, with a
 * fixture's files on top (`tests/fixtures/submissions/<name>/`), and a copy of every solution in
 * `honest/`, so that a hostile file can attack one thing and answer the rest honestly
 * (`export { softmax } from "./honest/softmax.ts"`).
 *
 * @example
 * ```ts
 * import { composeSubmission } from "./submissions.ts";
 * const dir = `${await Deno.makeTempDir()}/s`;
 * await composeSubmission(dir, "escapes");
 * const honest = await Deno.readTextFile(`${dir}/honest/softmax.ts`);
 * if (!honest.includes('"../../lib/tf.ts"')) throw new Error("honest/ imports one level up");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exercises } from "../cases/mod.ts";

/** The kit's root. */
export const KIT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The fixture submissions. */
export const FIXTURES: string = join(KIT, "tests", "fixtures", "submissions");

/**
 * Copies a tree, each file through `edit` when given, else byte for byte: a fixture's bytes
 * are its attack (a UTF-16 file must reach the grader as UTF-16).
 */
async function copyTree(from: string, to: string, edit?: (text: string) => string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory) await copyTree(source, target, edit);
    else if (entry.isFile && edit === undefined) await Deno.copyFile(source, target);
    else if (entry.isFile) await Deno.writeTextFile(target, edit!(await Deno.readTextFile(source)));
  }
}

/**
 * Writes a submission at `target`: the kit's solutions and `honest/` (unless `whole`), then the
 * fixture `name`'s files on top (when given).
 */
export async function composeSubmission(
  target: string,
  name?: string,
  options: { whole?: boolean } = {},
): Promise<void> {
  if (!options.whole) {
    await copyTree(join(KIT, "solutions"), target);
    await copyTree(
      join(KIT, "solutions"),
      join(target, "honest"),
      (text) => text.replaceAll('from "../', 'from "../../'),
    );
  }
  if (name !== undefined) await copyTree(join(FIXTURES, name), target);
}

/** The exercises a `partial` submission ({@linkcode writeSubmission}) solved. */
export const PARTIAL: string[] = ["sum_keepdim", "softmax", "cross_entropy"];

/**
 * Writes a plain submission at `dir`, one file per exercise: `solutions` (the kit's reference
 * solutions), `stubs` (the shipped exercise files) or `partial` (solutions for
 * {@linkcode PARTIAL}, stubs for the rest).
 */
export async function writeSubmission(
  dir: string,
  kind: "solutions" | "stubs" | "partial",
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const e of exercises) {
    const from = kind === "solutions" || (kind === "partial" && PARTIAL.includes(e.id))
      ? "solutions"
      : "exercises";
    await Deno.copyFile(join(KIT, from, e.file), join(dir, e.file));
  }
}

/** The grading set-up of the fixtures: their hidden cases and rubric, as command-line flags. */
export const FIXTURE_SETUP: string[] = [
  "--hidden",
  join(KIT, "tests", "fixtures", "hidden"),
  "--rubric",
  join(KIT, "tests", "fixtures", "rubric.json"),
];

/** Runs one of the kit's tools (`tools/<file>`) as a separate process, without colours. */
async function runTool(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", join(KIT, "tools", file), ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Runs `deno task grade` (tools/grade.ts) as a separate process. */
export function runGrade(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runTool("grade.ts", args);
}

/** Runs `deno task package` (tools/package.ts) as a separate process. */
export function runPackage(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runTool("package.ts", args);
}

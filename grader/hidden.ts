/**
 * Hidden cases: a teacher's directory of case tables, loaded on the trusted side.
 *
 * `--hidden DIR` loads every `*.ts` module directly in `DIR` (sorted by name; files starting
 * with `_` or `.` are skipped, so helpers can live next to them). Each module exports its
 * cases in the kit's table form (see {@linkcode ./manifest.ts hiddenTableFrom}):
 *
 * ```ts ignore
 * // hidden/softmax_more.ts
 * import type { Exercise } from "../tests/cases/case.ts";
 * export const exercises: Exercise<typeof import("../exercises/softmax.ts")>[] = [{
 *   id: "softmax", // the kit exercise these cases extend: file and exports come from it
 *   title: "Softmax", file: "softmax.ts", exports: ["softmax"],
 *   cases: [{ name: "softmax() on a 3×4 batch", points: 2, hint: "",
 *     run: (impl, kit) => …, check: (output, kit) => { … } }],
 * }];
 * ```
 *
 * Hidden cases count in the score, but reports show their name and pass/fail only (or nothing,
 * with the rubric's `"visibility": "none"`): never their code, inputs, expected values, hints
 * or failure messages. Inside the sandbox the module is loaded to call `run`; right after the
 * `run` functions are taken, the sandbox empties the module's exported tables, so a submission
 * that imports the module gets no `check` code. Keep expected values inside `check` (or
 * compute them there from `kit`), not in other exports or helper modules the table imports.
 *
 * @example
 * ```ts
 * import { listHiddenModules } from "./hidden.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/b.ts`, "export const exercises = [];");
 * await Deno.writeTextFile(`${dir}/a.ts`, "export const exercises = [];");
 * await Deno.writeTextFile(`${dir}/_helper.ts`, "export {};");
 * const names = (await listHiddenModules(dir)).map((p) => p.split("/").pop());
 * if (names.join() !== "a.ts,b.ts") throw new Error(names.join());
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type GraderExercise } from "./types.ts";
import { type HiddenTable, hiddenTableFrom } from "./manifest.ts";

/**
 * The hidden-case modules in `dir`: absolute paths of its `*.ts` files, sorted.
 *
 * @example
 * ```ts
 * import { listHiddenModules } from "./hidden.ts";
 * const dir = await Deno.makeTempDir();
 * if ((await listHiddenModules(dir)).length !== 0) throw new Error();
 * await Deno.remove(dir);
 * ```
 * @throws {Error} when `dir` is not a directory.
 */
export async function listHiddenModules(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const info = await Deno.stat(root).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new Error(`--hidden ${dir}: not a directory; pass a directory of case-table modules`);
  }
  const paths: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    paths.push(join(root, entry.name));
  }
  return paths.sort();
}

/**
 * Imports every hidden-case module in `dir` and validates its tables against the kit's.
 *
 * @example
 * ```ts
 * import { loadHiddenTables } from "./hidden.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/extra.ts`,
 *   'export const exercise = { id: "a", cases: [{ name: "n", points: 1, run() { return 1; }, check() {} }] };',
 * );
 * const kit = [{ id: "a", title: "A", file: "a.ts", exports: ["a"], cases: [] }];
 * const [table] = await loadHiddenTables(dir, kit);
 * if (table.exercises[0].cases[0].name !== "n") throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {TypeError} for a malformed table; the import's error for a module that fails to load.
 */
export async function loadHiddenTables(
  dir: string,
  kitExercises: GraderExercise[],
): Promise<HiddenTable[]> {
  const tables: HiddenTable[] = [];
  for (const path of await listHiddenModules(dir)) {
    const namespace = await import(pathToFileURL(path).href);
    tables.push(hiddenTableFrom(namespace, path, kitExercises));
  }
  return tables;
}

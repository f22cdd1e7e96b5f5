/**
 * The manifest: every case the grader expects a result for, with its points and visibility.
 *
 * The grader builds it on the trusted side from the kit's case tables, the hidden tables
 * (`--hidden DIR`) and the rubric, before any submitted code runs. Scores are computed from
 * the manifest, never from what the sandbox reports: a case the sandbox does not answer for is
 * failed, and an answer for a case that is not in the manifest is ignored.
 *
 * Each case gets a stable key, `<source>:<exercise id>:<index in its table>`, where `source`
 * is `kit` for the kit's tables and `hidden<n>` for the n-th hidden module (in sorted file
 * order). The sandbox computes the same keys from the same modules to find each `run`.
 *
 * Run order: all visible cases first, in the kit's order, then the hidden ones. Nothing the
 * submission learns while running a hidden case can then flow into a visible case's output,
 * whose failure messages the student sees.
 *
 * @example
 * ```ts
 * import { buildManifest } from "./manifest.ts";
 * import { EMPTY_RUBRIC } from "./rubric.ts";
 * const exercise = {
 *   id: "double", title: "Double", file: "double.ts", exports: ["double"],
 *   cases: [{ name: "doubles 2", points: 2, hint: "", run: () => 4, check() {} }],
 * };
 * const manifest = buildManifest([exercise], [], EMPTY_RUBRIC);
 * if (manifest.maxScore !== 2 || manifest.cases[0].key !== "kit:double:0") throw new Error();
 * ```
 *
 * @module
 */
import type { Rubric } from "./rubric.ts";
import {
  DEFAULT_TIMEOUT_MS,
  type GraderCase,
  type GraderExercise,
  type Plain,
  type Visibility,
} from "./types.ts";

/** An exercise as listed in the manifest (hidden-only exercises included). */
export interface ManifestExercise {
  /** Exercise id. */
  id: string;
  /** Title. */
  title: string;
  /** File inside a submission. */
  file: string;
  /** Names the file must export. */
  exports: string[];
}

/** One expected case. */
export interface ManifestCase {
  /** `<source>:<exercise id>:<index>`. */
  key: string;
  /** `kit` or `hidden<n>`. */
  source: string;
  /** Index in its table. */
  index: number;
  /** Exercise id. */
  exerciseId: string;
  /** The file whose module is passed to `run` as `impl`. */
  file: string;
  /** The names that module must export. */
  exports: string[];
  /** Case name. */
  name: string;
  /** Points (after the rubric). */
  points: number;
  /** Hidden from the student (after the rubric). */
  hidden: boolean;
  /** What the student sees. */
  visibility: Visibility;
  /** Time limit for `run`, in ms. */
  timeoutMs: number;
  /** Resources needed. */
  needs: string[];
  /** Hint for the student (not shown for hidden cases). */
  hint: string;
  /** The trusted check. */
  check: (output: Plain, kit: unknown) => void | Promise<void>;
}

/** Everything the grader expects. */
export interface Manifest {
  /** Exercises in the kit's order, then hidden-only ones. */
  exercises: ManifestExercise[];
  /** Cases in run order: visible first, then hidden. */
  cases: ManifestCase[];
  /** Sum of all points. */
  maxScore: number;
}

/** A hidden-cases module: where it came from and what it exports. */
export interface HiddenTable {
  /** The module's path, for messages. */
  source: string;
  /** Its exercises. */
  exercises: GraderExercise[];
}

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(ts|mts|js|mjs)$/;

function bad(source: string, what: string): never {
  throw new TypeError(`Invalid case table in ${source}: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function checkCase(value: unknown, where: string, source: string): GraderCase {
  if (!isObject(value)) bad(source, `${where} is not a case object`);
  const c = value as Record<string, unknown>;
  if (typeof c.name !== "string" || c.name === "") bad(source, `${where} needs a non-empty name`);
  const at = `${where} ("${c.name}")`;
  if (typeof c.points !== "number" || !Number.isFinite(c.points) || c.points < 0) {
    bad(source, `${at}: points must be a number >= 0, found ${String(c.points)}`);
  }
  if (typeof c.run !== "function") bad(source, `${at}: run must be a function`);
  if (typeof c.check !== "function") bad(source, `${at}: check must be a function`);
  if (c.hint !== undefined && typeof c.hint !== "string") bad(source, `${at}: hint must be text`);
  if (c.hidden !== undefined && typeof c.hidden !== "boolean") {
    bad(source, `${at}: hidden must be a boolean`);
  }
  if (
    c.timeoutMs !== undefined &&
    (typeof c.timeoutMs !== "number" || !Number.isFinite(c.timeoutMs) || c.timeoutMs <= 0)
  ) {
    bad(source, `${at}: timeoutMs must be a positive number, found ${String(c.timeoutMs)}`);
  }
  if (
    c.needs !== undefined &&
    (!Array.isArray(c.needs) || c.needs.some((n) => typeof n !== "string"))
  ) {
    bad(source, `${at}: needs must be a list of names`);
  }
  return value as unknown as GraderCase;
}

/**
 * Validates a case table (what `tests/cases/mod.ts` exports as `exercises`) at run time.
 *
 * @example
 * ```ts
 * import { asExercises } from "./manifest.ts";
 * let message = "";
 * try { asExercises([{ id: "x", title: "X", file: "../x.ts", exports: [], cases: [] }], "t.ts"); }
 * catch (error) { message = (error as Error).message; }
 * if (!message.includes("file")) throw new Error(message);
 * ```
 * @throws {TypeError} naming the module, the exercise or case, and what is wrong.
 */
export function asExercises(value: unknown, source: string): GraderExercise[] {
  if (!Array.isArray(value)) bad(source, "expected an array of exercises");
  const ids = new Set<string>();
  return value.map((item, i) => {
    if (!isObject(item)) bad(source, `exercise ${i} is not an object`);
    const e = item as Record<string, unknown>;
    if (typeof e.id !== "string" || !/^[A-Za-z0-9_-]+$/.test(e.id)) {
      bad(source, `exercise ${i}: id must be letters, digits, _ or -, found ${String(e.id)}`);
    }
    if (ids.has(e.id)) bad(source, `exercise id "${e.id}" appears twice`);
    ids.add(e.id);
    if (typeof e.title !== "string") bad(source, `exercise "${e.id}": title must be text`);
    if (typeof e.file !== "string" || !FILE_NAME.test(e.file)) {
      bad(
        source,
        `exercise "${e.id}": file must be a plain file name like "softmax.ts", found ${
          JSON.stringify(e.file)
        }`,
      );
    }
    if (!Array.isArray(e.exports) || e.exports.some((x) => typeof x !== "string")) {
      bad(source, `exercise "${e.id}": exports must be a list of names`);
    }
    if (!Array.isArray(e.cases)) bad(source, `exercise "${e.id}": cases must be an array`);
    const names = new Set<string>();
    const cases = e.cases.map((c, j) => {
      const checked = checkCase(c, `exercise "${e.id}" case ${j}`, source);
      if (names.has(checked.name)) {
        bad(source, `exercise "${e.id}": case name "${checked.name}" appears twice`);
      }
      names.add(checked.name);
      return checked;
    });
    return { ...(e as unknown as GraderExercise), cases };
  });
}

/**
 * Reads the tables out of a hidden-cases module's namespace: `exercises` (an array),
 * `exercise` (one) or a default export of either. Entries whose id matches a kit exercise
 * may leave out `title`, `file` and `exports` (taken from the kit's exercise).
 *
 * @example
 * ```ts
 * import { hiddenTableFrom } from "./manifest.ts";
 * const kit = [{ id: "a", title: "A", file: "a.ts", exports: ["a"], cases: [] }];
 * const ns = { exercise: { id: "a", cases: [{ name: "n", points: 1, run() {}, check() {} }] } };
 * const table = hiddenTableFrom(ns, "h.ts", kit);
 * if (table.exercises[0].file !== "a.ts") throw new Error();
 * ```
 * @throws {TypeError} when the module exports no table or a malformed one.
 */
export function hiddenTableFrom(
  namespace: Record<string, unknown>,
  source: string,
  kitExercises: GraderExercise[],
): HiddenTable {
  let raw: unknown = namespace.exercises ?? namespace.exercise ?? namespace.default;
  if (raw === undefined) {
    bad(source, 'a hidden-cases module must export "exercises" (an array) or "exercise"');
  }
  if (!Array.isArray(raw)) raw = [raw];
  const filled = (raw as unknown[]).map((item) => {
    if (!isObject(item)) return item;
    const kit = kitExercises.find((k) => k.id === item.id);
    if (kit === undefined) return item;
    for (const field of ["file", "exports"] as const) {
      if (item[field] !== undefined && JSON.stringify(item[field]) !== JSON.stringify(kit[field])) {
        bad(
          source,
          `hidden exercise "${kit.id}" has ${field} ${
            JSON.stringify(item[field])
          }, but the kit's is ${JSON.stringify(kit[field])}`,
        );
      }
    }
    return { title: kit.title, file: kit.file, exports: kit.exports, ...item };
  });
  return { source, exercises: asExercises(filled, source) };
}

/**
 * The key of case `index` of exercise `exerciseId` from table source `source`.
 *
 * @example
 * ```ts
 * import { caseKey } from "./manifest.ts";
 * if (caseKey("hidden0", "softmax", 2) !== "hidden0:softmax:2") throw new Error();
 * ```
 */
export function caseKey(source: string, exerciseId: string, index: number): string {
  return `${source}:${exerciseId}:${index}`;
}

/**
 * Combines the kit's tables, hidden tables and the rubric into the manifest.
 *
 * @example Hidden cases run last and a rubric changes points
 * ```ts
 * import { buildManifest } from "./manifest.ts";
 * const c = (name: string) => ({ name, points: 1, hint: "h", run: () => 1, check() {} });
 * const kit = [{ id: "a", title: "A", file: "a.ts", exports: ["a"], cases: [c("one"), c("two")] }];
 * const hidden = [{ source: "h.ts", exercises: [{ ...kit[0], cases: [c("secret")] }] }];
 * const m = buildManifest(kit, hidden, {
 *   hiddenVisibility: "name",
 *   cases: { "a/one": { hidden: true }, "a/two": { points: 4 } },
 * });
 * if (m.cases.map((x) => x.name).join() !== "two,one,secret") throw new Error();
 * if (m.maxScore !== 6 || m.cases[2].key !== "hidden0:a:0") throw new Error();
 * ```
 * @throws {TypeError} when the rubric names a case that does not exist, or a hidden module
 * repeats a case name of its exercise.
 */
export function buildManifest(
  kitExercises: GraderExercise[],
  hidden: HiddenTable[],
  rubric: Rubric,
): Manifest {
  const exercises: ManifestExercise[] = kitExercises.map(({ id, title, file, exports }) => ({
    id,
    title,
    file,
    exports: [...exports],
  }));
  const all: ManifestCase[] = [];
  const used = new Set<string>();
  const namesByExercise = new Map<string, Set<string>>();
  const add = (source: string, exercise: GraderExercise, forceHidden: boolean) => {
    if (!exercises.some((e) => e.id === exercise.id)) {
      exercises.push({
        id: exercise.id,
        title: exercise.title,
        file: exercise.file,
        exports: [...exercise.exports],
      });
    }
    const listed = exercises.find((e) => e.id === exercise.id)!;
    const names = namesByExercise.get(exercise.id) ?? new Set<string>();
    namesByExercise.set(exercise.id, names);
    exercise.cases.forEach((c, index) => {
      if (names.has(c.name)) {
        throw new TypeError(
          `Case "${exercise.id}/${c.name}" from ${source} repeats a case name of that exercise; ` +
            "rename it so rubric keys and reports stay unambiguous",
        );
      }
      names.add(c.name);
      const rubricKey = `${exercise.id}/${c.name}`;
      const override = rubric.cases[rubricKey] ?? {};
      if (rubric.cases[rubricKey]) used.add(rubricKey);
      let isHidden = forceHidden || c.hidden === true;
      if (override.hidden === true || (override.visibility ?? "visible") !== "visible") {
        isHidden = true;
      } else if (override.hidden === false || override.visibility === "visible") {
        isHidden = false;
      }
      const visibility: Visibility = !isHidden
        ? "visible"
        : override.visibility && override.visibility !== "visible"
        ? override.visibility
        : rubric.hiddenVisibility;
      all.push({
        key: caseKey(source, exercise.id, index),
        source,
        index,
        exerciseId: exercise.id,
        file: listed.file,
        exports: listed.exports,
        name: c.name,
        points: override.points ?? c.points,
        hidden: isHidden,
        visibility,
        timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        needs: [...(c.needs ?? [])],
        hint: c.hint ?? "",
        check: (output, kit) => c.check(output, kit),
      });
    });
  };
  for (const exercise of kitExercises) add("kit", exercise, false);
  hidden.forEach((table, n) => {
    for (const exercise of table.exercises) add(`hidden${n}`, exercise, true);
  });
  const unknown = Object.keys(rubric.cases).filter((key) => !used.has(key));
  if (unknown.length > 0) {
    const [id] = unknown[0].split("/");
    const known = all.filter((c) => c.exerciseId === id).map((c) => `"${id}/${c.name}"`);
    throw new TypeError(
      `The rubric names case "${unknown[0]}", which no table has. ` +
        (known.length > 0
          ? `Cases of "${id}": ${known.join(", ")}`
          : `Exercise ids: ${exercises.map((e) => e.id).join(", ")}`),
    );
  }
  const cases = [...all.filter((c) => !c.hidden), ...all.filter((c) => c.hidden)];
  return { exercises, cases, maxScore: cases.reduce((sum, c) => sum + c.points, 0) };
}

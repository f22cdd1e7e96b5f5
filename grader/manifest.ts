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
 * order). The judge computes the same keys from the same modules ({@linkcode tableEntries}) to
 * find each `check`.
 *
 * Run order: all visible cases first, in the kit's order, then the hidden ones, in Workers of
 * their own: nothing of a hidden case is loaded where a visible case's code runs, whose failure
 * messages the student sees.
 *
 * @example
 * ```ts
 * import { buildManifest } from "./manifest.ts";
 * import { EMPTY_RUBRIC } from "./rubric.ts";
 * const runs = { two: () => 4 };
 * const exercise = {
 *   id: "double", title: "Double", file: "double.ts", exports: ["double"],
 *   runModule: "file:///kit/runs/double.ts", runs,
 *   cases: [{ run: "two", name: "doubles 2", points: 2, hint: "", check() {} }],
 * };
 * const manifest = buildManifest([exercise], [], EMPTY_RUBRIC);
 * if (manifest.maxScore !== 2 || manifest.cases[0].key !== "kit:double:0") {
 *   throw new Error(JSON.stringify(manifest.cases[0]));
 * }
 * ```
 *
 * @module
 */
import { type Case, DEFAULT_TIMEOUT_MS, type Exercise } from "../tests/cases/case.ts";
import type { Visibility } from "./report/types.ts";
import type { Rubric } from "./rubric.ts";

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
  /** The lesson it re-implements (see `Exercise.lesson`). */
  lesson?: string;
  /** TensorFlow.js functions its code may not call (see `Exercise.shortcuts`). */
  shortcuts?: string[];
}

/** One expected case. */
export interface ManifestCase {
  /** `<source>:<exercise id>:<index>`. */
  key: string;
  /** `kit` or `hidden<n>`. */
  source: string;
  /** Exercise id. */
  exerciseId: string;
  /** The file whose module is passed to the run as `impl`. */
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
  /** CPU-time limit for the run, in ms. */
  timeoutMs: number;
  /** Resources needed. */
  needs: string[];
  /** Hint for the student. */
  hint: string;
  /** The run's id in its run half. */
  run: string;
  /** URL of its run half. */
  runModule: string;
  /**
   * How the case calls the submission: the run's text in its run half, after a comment naming
   * where it is (see {@linkcode runSource}); `""` when the text was not given.
   */
  code: string;
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
  exercises: Exercise[];
}

/** One case of a table with its key: what {@linkcode tableEntries} lists. */
export interface TableEntry {
  /** The manifest key. */
  key: string;
  /** `kit` or `hidden<n>`. */
  source: string;
  /** The exercise it belongs to. */
  exercise: Exercise;
  /** The case. */
  case: Case;
}

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(ts|mts|js|mjs)$/;

/** A `tf.` name as `Exercise.shortcuts` lists it: `softmax`, `losses.softmaxCrossEntropy`. */
const TF_NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)?$/;

function bad(source: string, what: string): never {
  throw new TypeError(`Invalid case table in ${source}: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function checkCase(value: unknown, where: string, source: string, runs: object): Case {
  if (!isObject(value)) bad(source, `${where} is not a case object`);
  const c = value as Record<string, unknown>;
  if (typeof c.name !== "string" || c.name === "") bad(source, `${where} needs a non-empty name`);
  const at = `${where} ("${c.name}")`;
  if (typeof c.points !== "number" || !Number.isFinite(c.points) || c.points < 0) {
    bad(source, `${at}: points must be a number >= 0, found ${String(c.points)}`);
  }
  if (typeof c.run !== "string" || typeof (runs as Record<string, unknown>)[c.run] !== "function") {
    bad(source, `${at}: run must name a function of the exercise's runs, found ${String(c.run)}`);
  }
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
  return value as unknown as Case;
}

/**
 * Validates a case table (what `tests/cases/mod.ts` exports as `exercises`) at run time.
 *
 * @example A file name must be a plain name
 * ```ts
 * import { asExercises } from "./manifest.ts";
 * let message = "";
 * try {
 *   asExercises([{ id: "x", title: "X", file: "../x.ts", exports: [], runModule: "", runs: {}, cases: [] }], "t.ts");
 * } catch (error) { message = (error as Error).message; }
 * if (!message.includes("file")) throw new Error(message);
 * ```
 * @throws {TypeError} naming the module, the exercise or case, and what is wrong.
 */
export function asExercises(value: unknown, source: string): Exercise[] {
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
    if (e.lesson !== undefined && typeof e.lesson !== "string") {
      bad(source, `exercise "${e.id}": lesson must be a kit path like "lessons/02_softmax.ts"`);
    }
    if (
      e.shortcuts !== undefined &&
      (!Array.isArray(e.shortcuts) ||
        e.shortcuts.some((x) => typeof x !== "string" || !TF_NAME.test(x) || x.startsWith("tf.")))
    ) {
      bad(
        source,
        `exercise "${e.id}": shortcuts must be a list of tf names without "tf.", like ` +
          `"softmax" or "losses.softmaxCrossEntropy" (or "grad" for autodiff), found ${
            JSON.stringify(e.shortcuts)
          }`,
      );
    }
    if (typeof e.runModule !== "string" || !/^file:\/\//.test(e.runModule)) {
      bad(
        source,
        `exercise "${e.id}": runModule must be the file URL of its run half ` +
          `(import.meta.resolve("./runs/${e.id}.ts")), found ${JSON.stringify(e.runModule)}`,
      );
    }
    if (!isObject(e.runs)) bad(source, `exercise "${e.id}": runs must be the run half's runs`);
    if (!Array.isArray(e.cases)) bad(source, `exercise "${e.id}": cases must be an array`);
    const names = new Set<string>();
    const cases = e.cases.map((c, j) => {
      const checked = checkCase(c, `exercise "${e.id}" case ${j}`, source, e.runs as object);
      if (names.has(checked.name)) {
        bad(source, `exercise "${e.id}": case name "${checked.name}" appears twice`);
      }
      names.add(checked.name);
      return checked;
    });
    return { ...(e as unknown as Exercise), cases };
  });
}

/**
 * Reads the tables out of a hidden-cases module's namespace: `exercises` (an array),
 * `exercise` (one) or a default export of either. Entries whose id matches a kit exercise
 * may leave out `title`, `file`, `exports` and `lesson` (taken from the kit's exercise).
 *
 * @example
 * ```ts
 * import { hiddenTableFrom } from "./manifest.ts";
 * const kit = [{ id: "a", title: "A", file: "a.ts", exports: ["a"], runModule: "file:///k/a.ts", runs: {}, cases: [] }];
 * const ns = { exercise: { id: "a", runModule: "file:///h/a_run.ts", runs: { n: () => 1 },
 *   cases: [{ run: "n", name: "n", points: 1, hint: "", check() {} }] } };
 * const table = hiddenTableFrom(ns, "h.ts", kit);
 * if (table.exercises[0].file !== "a.ts") throw new Error("unexpected: table.exercises[0].file !== \"a.ts\"");
 * ```
 * @throws {TypeError} when the module exports no table or a malformed one.
 */
export function hiddenTableFrom(
  namespace: Record<string, unknown>,
  source: string,
  kitExercises: Exercise[],
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
    for (const field of ["file", "exports", "lesson", "shortcuts"] as const) {
      if (item[field] !== undefined && JSON.stringify(item[field]) !== JSON.stringify(kit[field])) {
        bad(
          source,
          `hidden exercise "${kit.id}" has ${field} ${
            JSON.stringify(item[field])
          }, but the kit's is ${JSON.stringify(kit[field])}`,
        );
      }
    }
    return {
      title: kit.title,
      file: kit.file,
      exports: kit.exports,
      lesson: kit.lesson,
      shortcuts: kit.shortcuts,
      ...item,
    };
  });
  return { source, exercises: asExercises(filled, source) };
}

/**
 * The key of case `index` of exercise `exerciseId` from table source `source`.
 *
 * @example
 * ```ts
 * import { caseKey } from "./manifest.ts";
 * if (caseKey("hidden0", "softmax", 2) !== "hidden0:softmax:2") throw new Error("unexpected: caseKey(\"hidden0\", \"softmax\", 2) !== \"hidden0:softmax:2\"");
 * ```
 */
export function caseKey(source: string, exerciseId: string, index: number): string {
  return `${source}:${exerciseId}:${index}`;
}

/**
 * Every case of the kit's tables and the hidden tables, with its key: the one place keys are
 * made, for the manifest and for the judge.
 *
 * @example
 * ```ts
 * import { tableEntries } from "./manifest.ts";
 * const c = { run: "r", name: "n", points: 1, hint: "", check() {} };
 * const e = { id: "a", title: "A", file: "a.ts", exports: [], runModule: "", runs: {}, cases: [c] };
 * const keys = tableEntries([e], [{ source: "h.ts", exercises: [e] }]).map((x) => x.key);
 * if (keys.join() !== "kit:a:0,hidden0:a:0") throw new Error(keys.join());
 * ```
 */
export function tableEntries(kit: Exercise[], hidden: HiddenTable[]): TableEntry[] {
  const entries: TableEntry[] = [];
  const add = (source: string, exercise: Exercise) =>
    exercise.cases.forEach((c, index) =>
      entries.push({ key: caseKey(source, exercise.id, index), source, exercise, case: c })
    );
  for (const exercise of kit) add("kit", exercise);
  hidden.forEach((table, n) => {
    for (const exercise of table.exercises) add(`hidden${n}`, exercise);
  });
  return entries;
}

/**
 * The text of run `id` in a run half's source (`text`, the module named `where`), as reports
 * show how a case calls the submission: the property's value in `export const runs = { … }`,
 * laid out as `deno fmt` writes it, after a comment naming the module and the run. `""` when
 * the run is not found in that layout.
 *
 * @example
 * ```ts
 * import { runSource } from "./manifest.ts";
 * const text = [
 *   "export const runs: Runs<Impl> = {",
 *   "  book: (impl) => impl.f(2),",
 *   "  grad: (impl) =>",
 *   "    tidy(() => {",
 *   "      return impl.f(3);",
 *   "    }),",
 *   "};",
 * ].join("\n");
 * const book = runSource(text, "book", "runs/f.ts");
 * if (book !== "// runs/f.ts, runs.book\n(impl) => impl.f(2)") throw new Error(JSON.stringify(book));
 * const grad = runSource(text, "grad", "runs/f.ts");
 * if (!grad.endsWith("(impl) =>\n  tidy(() => {\n    return impl.f(3);\n  })")) {
 *   throw new Error(JSON.stringify(grad));
 * }
 * if (runSource(text, "missing", "runs/f.ts") !== "") throw new Error("a missing run has no text");
 * ```
 */
export function runSource(text: string, id: string, where: string): string {
  const lines = text.split("\n");
  const open = lines.findIndex((l) => /^export const runs\b.*\{$/.test(l));
  if (open < 0) return "";
  // The run ends where a line starts at its property's depth or less: the next property (named,
  // quoted or computed), a comment, or the object's end.
  const at = (line: string) => /^ {0,2}\S/.test(line);
  const start = lines.findIndex((l, i) => i > open && l.startsWith(`  ${id}: `));
  if (start < 0) return "";
  let end = start + 1;
  while (end < lines.length && !at(lines[end])) end++;
  const body = [
    lines[start].slice(id.length + 4),
    ...lines.slice(start + 1, end).map((l) => l.replace(/^ {2}/, "")),
  ].join("\n").replace(/,\s*$/, "");
  return `// ${where}, runs.${id}\n${body}`;
}

/**
 * Combines the kit's tables, hidden tables and the rubric into the manifest.
 *
 * @example Hidden cases run last and a rubric changes points
 * ```ts
 * import { buildManifest } from "./manifest.ts";
 * const c = (name: string) => ({ run: "r", name, points: 1, hint: "h", check() {} });
 * const runs = { r: () => 1 };
 * const kit = [{ id: "a", title: "A", file: "a.ts", exports: ["a"], runModule: "file:///k/a.ts",
 *   runs, cases: [c("one"), c("two")] }];
 * const hidden = [{ source: "h.ts", exercises: [{ ...kit[0], cases: [c("secret")] }] }];
 * const m = buildManifest(kit, hidden, {
 *   hiddenVisibility: "name",
 *   cases: { "a/one": { hidden: true }, "a/two": { points: 4 } },
 * });
 * if (m.cases.map((x) => x.name).join() !== "two,one,secret") throw new Error("unexpected: m.cases.map((x) => x.name).join() !== \"two,one,secret\"");
 * if (m.maxScore !== 6 || m.cases[2].key !== "hidden0:a:0") throw new Error("unexpected: m.maxScore !== 6 || m.cases[2].key !== \"hidden0:a:0\"");
 * ```
 * @throws {TypeError} when the rubric names a case that does not exist, or a hidden module
 * repeats a case name of its exercise.
 */
export function buildManifest(
  kitExercises: Exercise[],
  hidden: HiddenTable[],
  rubric: Rubric,
  runTexts: Record<string, { text: string; where: string }> = {},
): Manifest {
  const exercises: ManifestExercise[] = [];
  const all: ManifestCase[] = [];
  const used = new Set<string>();
  const namesByExercise = new Map<string, Set<string>>();
  for (const { key, source, exercise, case: c } of tableEntries(kitExercises, hidden)) {
    if (!exercises.some((e) => e.id === exercise.id)) {
      const { id, title, file, exports, lesson, shortcuts } = exercise;
      exercises.push({
        id,
        title,
        file,
        exports: [...exports],
        ...(lesson ? { lesson } : {}),
        ...(shortcuts?.length ? { shortcuts: [...shortcuts] } : {}),
      });
    }
    const listed = exercises.find((e) => e.id === exercise.id)!;
    const names = namesByExercise.get(exercise.id) ?? new Set<string>();
    namesByExercise.set(exercise.id, names);
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
    let isHidden = source !== "kit" || c.hidden === true;
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
      key,
      source,
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
      run: c.run,
      runModule: exercise.runModule,
      code: runTexts[exercise.runModule] === undefined
        ? ""
        : runSource(runTexts[exercise.runModule].text, c.run, runTexts[exercise.runModule].where),
    });
  }
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
  for (const column of rubric.gradescope?.leaderboard ?? []) {
    const named = all.find((c) => `${c.exerciseId}/${c.name}` === column.case);
    if (named === undefined) {
      throw new TypeError(
        `The rubric's leaderboard column "${column.name}" names case "${column.case}", which no ` +
          'table has; name a case as the rubric\'s cases do ("<exercise id>/<case name>")',
      );
    }
    // Gradescope shows a leaderboard to the whole class, at once.
    if (named.hidden) {
      throw new TypeError(
        `The rubric's leaderboard column "${column.name}" names the hidden case "${column.case}": ` +
          "a leaderboard is public from the start, so it would show how students did on it; " +
          "choose a visible case",
      );
    }
  }
  const cases = [...all.filter((c) => !c.hidden), ...all.filter((c) => c.hidden)];
  return { exercises, cases, maxScore: cases.reduce((sum, c) => sum + c.points, 0) };
}

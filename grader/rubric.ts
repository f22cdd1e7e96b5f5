/**
 * The rubric file: a teacher's overrides of points and visibility, as JSON.
 *
 * ```json
 * {
 *   "hiddenVisibility": "name",
 *   "cases": {
 *     "softmax/softmax() keeps rows summing to 1": { "points": 3 },
 *     "softmax/softmax() handles logits of 100": { "hidden": true },
 *     "train_epoch_ch3/trainEpochCh3() reaches 70%": { "points": 5, "visibility": "none" },
 *     "softmax/softmax() of an empty batch": { "visibility": "after_due_date" }
 *   },
 *   "gradescope": { "visibility": "after_published", "stdout_visibility": "hidden" }
 * }
 * ```
 *
 * - `cases` is keyed by `"<exercise id>/<case name>"`, for the kit's cases and for hidden
 *   cases from `--hidden` alike. Each entry may set `points` (a number ≥ 0), `hidden`
 *   (`true`: the student sees the name and pass/fail only) and `visibility` (`"visible"`,
 *   `"name"`, `"none"`: the case counts in the score but is not listed at all, or Gradescope's
 *   `"after_due_date"` and `"after_published"`: on Gradescope the whole case, message and hint
 *   included, once the assignment is due or its grades are published; until then, and in every
 *   other format, like `"none"`). Any `visibility` but `"visible"` implies `hidden`.
 * - `hiddenVisibility` is what hidden cases show by default: `"name"` (default) or `"none"`.
 * - `gradescope` sets the top level of Gradescope's `results.json`: `visibility` (when students
 *   see their results: `"visible"`, the default, `"hidden"`, `"after_due_date"` or
 *   `"after_published"`) and `stdout_visibility` (the autograder's own output, same values;
 *   default `"hidden"`), and a `leaderboard`: columns `{"name": "Test accuracy", "case":
 *   "<exercise id>/<case name>", "order": "desc"}` (a visible case: Gradescope shows the leaderboard
 *   to the whole class at once), each the measurement that case's check
 *   returns when it passes (the kit's full-data training case returns its test accuracy;
 *   `order` is `"desc"`, higher first, by default, or `"asc"`). A submission whose case did not
 *   pass has no value in that column.
 *
 * Unknown keys are errors, so a typo in a case name cannot silently leave a case as it was.
 *
 * @example
 * ```ts
 * import { parseRubric } from "./rubric.ts";
 * const rubric = parseRubric('{"cases": {"softmax/rows sum to 1": {"points": 3}}}', "rubric.json");
 * if (rubric.cases["softmax/rows sum to 1"].points !== 3) throw new Error("unexpected: rubric.cases[\"softmax/rows sum to 1\"].points !== 3");
 * if (rubric.hiddenVisibility !== "name") throw new Error("unexpected: rubric.hiddenVisibility !== \"name\"");
 * ```
 *
 * @module
 */
import { VISIBILITIES, type Visibility } from "./report/types.ts";

/** One case's overrides. */
export interface RubricCase {
  /** Points instead of the table's. */
  points?: number;
  /** Hide the case (name and pass/fail only, or nothing: see `visibility`). */
  hidden?: boolean;
  /** What the student sees of the case. */
  visibility?: Visibility;
}

/** Gradescope's visibilities for the whole result and for the autograder's output. */
export type GradescopeVisibility = "visible" | "hidden" | "after_due_date" | "after_published";

/** One leaderboard column: the measurement of a case. */
export interface LeaderboardColumn {
  /** The column's title. */
  name: string;
  /** The case whose check returns the value: `"<exercise id>/<case name>"`. */
  case: string;
  /** `desc` (higher is better, the default) or `asc`. */
  order?: "asc" | "desc";
}

/** The top level of Gradescope's `results.json` that a course chooses. */
export interface GradescopeOptions {
  /** When students see the results. Default `"visible"`. */
  visibility: GradescopeVisibility;
  /** When students see the autograder's output. Default `"hidden"`. */
  stdout_visibility: GradescopeVisibility;
  /** Leaderboard columns (none by default). */
  leaderboard?: LeaderboardColumn[];
}

/** A parsed rubric. */
export interface Rubric {
  /** What hidden cases show by default. */
  hiddenVisibility: "name" | "none";
  /** Overrides keyed by `"<exercise id>/<case name>"`. */
  cases: Record<string, RubricCase>;
  /** Gradescope's top-level options; absent: the defaults. */
  gradescope?: GradescopeOptions;
}

/**
 * The rubric that changes nothing.
 *
 * @example
 * ```ts
 * import { EMPTY_RUBRIC } from "./rubric.ts";
 * if (Object.keys(EMPTY_RUBRIC.cases).length !== 0) throw new Error("unexpected: Object.keys(EMPTY_RUBRIC.cases).length !== 0");
 * ```
 */
export const EMPTY_RUBRIC: Rubric = Object.freeze({ hiddenVisibility: "name", cases: {} });

const GRADESCOPE_VISIBILITIES = ["visible", "hidden", "after_due_date", "after_published"];

/**
 * Gradescope's defaults: results shown, the autograder's output hidden.
 *
 * @example
 * ```ts
 * import { GRADESCOPE_DEFAULTS, parseRubric } from "./rubric.ts";
 * const rubric = parseRubric('{"gradescope": {"visibility": "after_published"}}', "r.json");
 * if (rubric.gradescope?.stdout_visibility !== GRADESCOPE_DEFAULTS.stdout_visibility) {
 *   throw new Error("an option left out keeps Gradescope's default");
 * }
 * ```
 */
export const GRADESCOPE_DEFAULTS: GradescopeOptions = Object.freeze({
  visibility: "visible",
  stdout_visibility: "hidden",
});

function parseLeaderboard(raw: unknown, source: string): LeaderboardColumn[] {
  const example = `like [{"name": "Test accuracy", "case": "<exercise id>/<case name>"}]`;
  if (!Array.isArray(raw)) fail(source, `"gradescope": leaderboard must be a list ${example}`);
  return raw.map((entry, i) => {
    const where = `"gradescope": leaderboard[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      fail(source, `${where} must be an object ${example}`);
    }
    const { name, case: key, order, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) {
      fail(source, `${where}: unknown field "${extra}" (expected name, case, order)`);
    }
    if (typeof name !== "string" || name.trim() === "") {
      fail(source, `${where}: name must be a non-empty string, found ${JSON.stringify(name)}`);
    }
    if (typeof key !== "string" || !key.includes("/")) {
      fail(
        source,
        `${where}: case must be "<exercise id>/<case name>", found ${JSON.stringify(key)}`,
      );
    }
    if (order !== undefined && order !== "asc" && order !== "desc") {
      fail(source, `${where}: order must be "asc" or "desc", found ${JSON.stringify(order)}`);
    }
    return { name, case: key, ...(order === undefined ? {} : { order }) } as LeaderboardColumn;
  });
}

function parseGradescope(raw: unknown, source: string): GradescopeOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(source, `"gradescope" must be an object like {"visibility": "after_published"}`);
  }
  const out: GradescopeOptions = { ...GRADESCOPE_DEFAULTS };
  for (const [field, value] of Object.entries(raw as Record<string, unknown>)) {
    if (field === "leaderboard") {
      out.leaderboard = parseLeaderboard(value, source);
      continue;
    }
    if (field !== "visibility" && field !== "stdout_visibility") {
      fail(
        source,
        `"gradescope": unknown field "${field}" (expected visibility, stdout_visibility, leaderboard)`,
      );
    }
    if (typeof value !== "string" || !GRADESCOPE_VISIBILITIES.includes(value)) {
      fail(
        source,
        `"gradescope": ${field} must be one of ${
          GRADESCOPE_VISIBILITIES.map((v) => `"${v}"`).join(", ")
        }, found ${JSON.stringify(value)}`,
      );
    }
    out[field] = value as GradescopeVisibility;
  }
  return out;
}

function fail(source: string, what: string): never {
  throw new TypeError(`Invalid rubric ${source}: ${what}`);
}

/**
 * Parses and validates rubric JSON; `source` names the file in error messages.
 *
 * @example A bad value is named with its key
 * ```ts
 * import { parseRubric } from "./rubric.ts";
 * let message = "";
 * try { parseRubric('{"cases": {"a/b": {"points": -1}}}', "r.json"); }
 * catch (error) { message = (error as Error).message; }
 * if (!message.includes('"a/b"') || !message.includes("points")) throw new Error(message);
 * ```
 * @throws {TypeError} naming the file, the key, what was expected and what was found.
 */
export function parseRubric(text: string, source: string): Rubric {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(source, `not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(source, `expected a JSON object with "cases", found ${JSON.stringify(raw)}`);
  }
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!["cases", "hiddenVisibility", "gradescope", "$schema"].includes(key)) {
      fail(
        source,
        `unknown top-level key "${key}" (expected "cases", "hiddenVisibility" or "gradescope")`,
      );
    }
  }
  const hiddenVisibility = top.hiddenVisibility ?? "name";
  if (hiddenVisibility !== "name" && hiddenVisibility !== "none") {
    fail(
      source,
      `"hiddenVisibility" must be "name" or "none", found ${JSON.stringify(hiddenVisibility)}`,
    );
  }
  const cases: Record<string, RubricCase> = {};
  const rawCases = top.cases ?? {};
  if (typeof rawCases !== "object" || rawCases === null || Array.isArray(rawCases)) {
    fail(source, `"cases" must be an object keyed by "<exercise id>/<case name>"`);
  }
  for (const [key, entry] of Object.entries(rawCases as Record<string, unknown>)) {
    if (!key.includes("/")) {
      fail(source, `case key "${key}" must be "<exercise id>/<case name>"`);
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      fail(
        source,
        `case "${key}" must be an object like {"points": 2}, found ${JSON.stringify(entry)}`,
      );
    }
    const out: RubricCase = {};
    for (const [field, value] of Object.entries(entry as Record<string, unknown>)) {
      if (field === "points") {
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
          fail(
            source,
            `case "${key}": points must be a number >= 0, found ${JSON.stringify(value)}`,
          );
        }
        out.points = value;
      } else if (field === "hidden") {
        if (typeof value !== "boolean") {
          fail(
            source,
            `case "${key}": hidden must be true or false, found ${JSON.stringify(value)}`,
          );
        }
        out.hidden = value;
      } else if (field === "visibility") {
        if (typeof value !== "string" || !(VISIBILITIES as readonly string[]).includes(value)) {
          fail(
            source,
            `case "${key}": visibility must be one of ${
              VISIBILITIES.map((v) => `"${v}"`).join(", ")
            }, found ${JSON.stringify(value)}`,
          );
        }
        out.visibility = value as Visibility;
      } else {
        fail(
          source,
          `case "${key}": unknown field "${field}" (expected points, hidden, visibility)`,
        );
      }
    }
    if (out.hidden === false && out.visibility !== undefined && out.visibility !== "visible") {
      fail(source, `case "${key}": hidden is false but visibility is "${out.visibility}"`);
    }
    cases[key] = out;
  }
  return {
    hiddenVisibility: hiddenVisibility as Rubric["hiddenVisibility"],
    cases,
    ...(top.gradescope === undefined
      ? {}
      : { gradescope: parseGradescope(top.gradescope, source) }),
  };
}

/**
 * Reads and parses a rubric file.
 *
 * @example
 * ```ts
 * import { loadRubric } from "./rubric.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, '{"hiddenVisibility": "none"}');
 * if ((await loadRubric(path)).hiddenVisibility !== "none") throw new Error("unexpected: (await loadRubric(path)).hiddenVisibility !== \"none\"");
 * await Deno.remove(path);
 * ```
 * @throws {TypeError} for invalid contents; `Deno.errors.NotFound` for a missing file.
 */
export async function loadRubric(path: string): Promise<Rubric> {
  return parseRubric(await Deno.readTextFile(path), path);
}

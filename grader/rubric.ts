/**
 * The rubric file: a teacher's overrides of points and visibility, as JSON.
 *
 * ```json
 * {
 *   "hiddenVisibility": "name",
 *   "cases": {
 *     "softmax/softmax() keeps rows summing to 1": { "points": 3 },
 *     "softmax/softmax() handles logits of 100": { "hidden": true },
 *     "train_epoch_ch3/trainEpochCh3() reaches 70%": { "points": 5, "visibility": "none" }
 *   }
 * }
 * ```
 *
 * - `cases` is keyed by `"<exercise id>/<case name>"`, for the kit's cases and for hidden
 *   cases from `--hidden` alike. Each entry may set `points` (a number ≥ 0), `hidden`
 *   (`true`: the student sees the name and pass/fail only) and `visibility` (`"visible"`,
 *   `"name"`, or `"none"`: the case counts in the score but is not listed at all). Setting
 *   `visibility` to `"name"` or `"none"` implies `hidden`.
 * - `hiddenVisibility` is what hidden cases show by default: `"name"` (default) or `"none"`.
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
import type { Visibility } from "./report/types.ts";

/** One case's overrides. */
export interface RubricCase {
  /** Points instead of the table's. */
  points?: number;
  /** Hide the case (name and pass/fail only, or nothing: see `visibility`). */
  hidden?: boolean;
  /** What the student sees of the case. */
  visibility?: Visibility;
}

/** A parsed rubric. */
export interface Rubric {
  /** What hidden cases show by default. */
  hiddenVisibility: "name" | "none";
  /** Overrides keyed by `"<exercise id>/<case name>"`. */
  cases: Record<string, RubricCase>;
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

const VISIBILITIES = ["visible", "name", "none"];

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
    if (key !== "cases" && key !== "hiddenVisibility" && key !== "$schema") {
      fail(source, `unknown top-level key "${key}" (expected "cases" or "hiddenVisibility")`);
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
        if (typeof value !== "string" || !VISIBILITIES.includes(value)) {
          fail(
            source,
            `case "${key}": visibility must be "visible", "name" or "none", found ${
              JSON.stringify(value)
            }`,
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
  return { hiddenVisibility: hiddenVisibility as Rubric["hiddenVisibility"], cases };
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

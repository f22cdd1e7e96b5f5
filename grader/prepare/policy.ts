/**
 * What each exercise may import: the policy of the README's grader section, as data.
 *
 * An exercise's code may load the kit's library directories (`lib/`, `data/`) and the lessons
 * *before* the one it re-implements (`Exercise.lesson`; every lesson for the book's exercises,
 * which have none). Its own lesson, later lessons (they import earlier ones), `mod.ts` (it
 * re-exports every lesson) and the rest of the kit are out of reach. Type-only imports load
 * nothing, so they may also name any lesson and `mod.ts`.
 *
 * @example Lesson 2's exercise may load lesson 1, not lesson 2
 * ```ts
 * import { allowedKitPaths, isUnder } from "./policy.ts";
 * const lessons = ["lessons/01_sum_keepdim.ts", "lessons/02_softmax.ts", "lessons/03_x.ts"];
 * const allowed = allowedKitPaths("lessons/02_softmax.ts", ["lib/", "data/"], lessons);
 * if (!isUnder("lessons/01_sum_keepdim.ts", allowed) || isUnder("lessons/02_softmax.ts", allowed)) {
 *   throw new Error(allowed.join());
 * }
 * if (!isUnder("lib/tf.ts", allowed) || isUnder("mod.ts", allowed)) throw new Error(allowed.join());
 * ```
 *
 * @module
 */
import { join } from "node:path";
import type { GraderConfig } from "../config.ts";

/**
 * Whether the kit path `path` (relative, `/` separators) is one of `allowed` or under one of
 * its directories (entries ending in `/`), and starts with none of its exclusions (entries
 * starting with `!`).
 *
 * @example
 * ```ts
 * import { isUnder } from "./policy.ts";
 * if (!isUnder("lib/tf.ts", ["lib/"]) || isUnder("lib2/x.ts", ["lib/"])) throw new Error("unexpected: !isUnder(\"lib/tf.ts\", [\"lib/\"]) || isUnder(\"lib2/x.ts\", [\"lib/\"])");
 * if (isUnder("lib/fused_engine.ts", ["lib/", "!lib/fused_"])) throw new Error("an exclusion was ignored");
 * ```
 */
export function isUnder(path: string, allowed: readonly string[]): boolean {
  const excluded = (a: string) => a.startsWith("!") && path.startsWith(a.slice(1));
  const included = (a: string) =>
    !a.startsWith("!") && (a.endsWith("/") ? path.startsWith(a) : path === a);
  return allowed.some(included) && !allowed.some(excluded);
}

/**
 * The kit paths an exercise's code may load: the library directories, and the lessons before
 * `lesson` (all of `lessons`, when `lesson` is undefined); less the `excluded` prefixes (as
 * `!` entries, see {@linkcode isUnder}).
 *
 * @throws {RangeError} when `lesson` is not one of `lessons`.
 */
export function allowedKitPaths(
  lesson: string | undefined,
  libraryDirs: readonly string[],
  lessons: readonly string[],
  excluded: readonly string[] = [],
): string[] {
  if (lesson !== undefined && !lessons.includes(lesson)) {
    throw new RangeError(
      `The exercise's lesson "${lesson}" is not a lesson of the kit (${lessons.join(", ")})`,
    );
  }
  return [
    ...libraryDirs,
    ...lessons.filter((l) => lesson === undefined || l < lesson),
    ...excluded.map((prefix) => `!${prefix}`),
  ];
}

/** An exercise as the policy sees it. */
export interface PolicyExercise {
  /** Exercise id. */
  id: string;
  /** The lesson it re-implements, if any. */
  lesson?: string;
}

/**
 * The kit's lessons (kit paths, sorted) and each exercise's allowed kit paths.
 *
 * @example
 * ```ts
 * import { loadPolicy } from "./policy.ts";
 * import { defaultConfig } from "../config.ts";
 * const policy = await loadPolicy(defaultConfig(), [{ id: "softmax", lesson: "lessons/02_softmax.ts" }]);
 * if (policy.get("softmax")!.includes("lessons/02_softmax.ts")) throw new Error("own lesson allowed");
 * ```
 * @throws {RangeError} when an exercise names a lesson the kit does not have.
 */
export async function loadPolicy(
  config: GraderConfig,
  exercises: readonly PolicyExercise[],
): Promise<Map<string, string[]>> {
  const dir = join(config.kitRoot, config.lessonsDir);
  const lessons = (await Array.fromAsync(Deno.readDir(dir)))
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => `${config.lessonsDir}${e.name}`)
    .sort();
  const { libraryDirs, libraryExcluded } = config;
  return new Map(
    exercises.map((e) => [e.id, allowedKitPaths(e.lesson, libraryDirs, lessons, libraryExcluded)]),
  );
}

/**
 * The `npm:<name>@<version>` requests the kit's lockfile pins.
 *
 * @example
 * ```ts
 * import { lockedPackages } from "./policy.ts";
 * import { defaultConfig } from "../config.ts";
 * if (!(await lockedPackages(defaultConfig().lockFile)).has("npm:@tensorflow/tfjs@4.22.0")) {
 *   throw new Error("tfjs is pinned in deno.lock");
 * }
 * ```
 */
export async function lockedPackages(lockFile: string): Promise<Set<string>> {
  try {
    const lock = JSON.parse(await Deno.readTextFile(lockFile));
    return new Set(Object.keys(lock.specifiers ?? {}).filter((s) => s.startsWith("npm:")));
  } catch {
    return new Set();
  }
}

/**
 * The package name and the `npm:<name>@<version>` request of an `npm:` specifier.
 *
 * @example
 * ```ts
 * import { npmRequest } from "./policy.ts";
 * const { name, request } = npmRequest("npm:/@tensorflow/tfjs@4.22.0/dist/x.js");
 * if (name !== "@tensorflow/tfjs" || request !== "npm:@tensorflow/tfjs@4.22.0") {
 *   throw new Error(`unexpected: ${name} ${request}`);
 * }
 * ```
 */
export function npmRequest(specifier: string): { name: string; request: string } {
  const rest = specifier.slice("npm:".length).replace(/^\//, "");
  const parts = rest.split("/");
  const nameAndVersion = rest.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : parts[0];
  const at = nameAndVersion.lastIndexOf("@");
  if (at <= 0) return { name: nameAndVersion, request: `npm:${nameAndVersion}` };
  return { name: nameAndVersion.slice(0, at), request: `npm:${nameAndVersion}` };
}

/**
 * Whether `name` is on the allow-list (an entry ending in `/` allows a whole scope).
 *
 * @example
 * ```ts
 * import { isAllowedPackage } from "./policy.ts";
 * if (!isAllowedPackage("@tensorflow/tfjs", ["@tensorflow/"])) throw new Error("unexpected: !isAllowedPackage(\"@tensorflow/tfjs\", [\"@tensorflow/\"])");
 * if (isAllowedPackage("left-pad", ["@tensorflow/"])) throw new Error("unexpected: isAllowedPackage(\"left-pad\", [\"@tensorflow/\"])");
 * ```
 */
export function isAllowedPackage(name: string, allowed: readonly string[]): boolean {
  return allowed.some((p) => p.endsWith("/") ? name.startsWith(p) : name === p);
}

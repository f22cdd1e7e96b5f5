/**
 * Imports that name only types, written inline: `import { type A, type B } from "…"`.
 *
 * TypeScript compiles them to nothing, like `import type { A, B } from "…"`, but Deno's module
 * graph lists them as code, and loads (reads) their target before running anything: in a
 * sandbox Worker that may not read the target, an honest file would fail to load. So the graph
 * check lets them through ({@linkcode typeOnlyImports}) and the grader stages them as
 * `import type` ({@linkcode asImportType}), which is what they mean.
 *
 * @module
 */

/**
 * Space between tokens: white space and comments, each comment at most 500 characters (a longer
 * one leaves the import a value import, as before), so that a comment never left open costs
 * more than that much scanning.
 */
const GAP = String.raw`(?:\s|/\*(?:[^*]|\*(?!/)){0,500}\*/|//[^\n]{0,500}\n)`;

/**
 * `{ type A, type B as C }`, comments allowed between the tokens. Every repetition starts with a
 * comma and no two optional runs of spaces touch, so matching takes linear time whatever a
 * submission holds (it is trusted code reading untrusted text: a pattern that backtracks would
 * let one file stall the batch).
 */
const INLINE = String.raw`\{${GAP}*type${GAP}+[\w$]+(?:${GAP}+as${GAP}+[\w$]+)?` +
  String.raw`(?:${GAP}*,${GAP}*type${GAP}+[\w$]+(?:${GAP}+as${GAP}+[\w$]+)?)*${GAP}*` +
  String.raw`(?:,${GAP}*)?\}`;

/** An import or re-export whose every name is a type: `import type …`, `{ type A, type B }`. */
const TYPE_ONLY_STATEMENT = new RegExp(
  String.raw`\b(?:import|export)\s+(?:type\s+(?:\{[^{}]*\}|\*\s+as\s+[\w$]+|[\w$]+)|${INLINE})` +
    String.raw`\s*from\s*(["'])([^"'\n]*)\1`,
  "g",
);

/** A quoted string on one line: what an import's specifier looks like. */
const QUOTED = /"([^"\n]*)"|'([^'\n]*)'/g;

/**
 * The specifiers in `source` whose every mention (as a quoted string) is in a type-only import
 * or re-export, which compile to nothing. Any other mention (a value import, a dynamic
 * `import()`, a comment) leaves a specifier out: the sandbox's permissions decide the rest. One
 * pass over the source whatever the number of imports.
 *
 * @example
 * ```ts
 * import { typeOnlyImports } from "./type_imports.ts";
 * const lesson = "../lessons/02_softmax.ts";
 * const only = (source: string) => typeOnlyImports(source).has(lesson);
 * if (!only(`import { type Net, type Params } from "${lesson}";`)) {
 *   throw new Error("inline type imports load nothing");
 * }
 * const comment = "/" + "* the model *" + "/"; // (its close would end this doc comment)
 * if (!only(`import { ${comment} type Net } from "${lesson}";`)) {
 *   throw new Error("a comment in the braces changes nothing");
 * }
 * if (only(`import { type Net, softmax } from "${lesson}";`)) throw new Error("softmax is a value");
 * if (only(`import type { Net } from "${lesson}"; await import("${lesson}");`)) {
 *   throw new Error("the dynamic import loads it");
 * }
 * ```
 */
export function typeOnlyImports(source: string): Set<string> {
  const mentions = new Map<string, number>();
  for (const match of source.matchAll(QUOTED)) {
    const text = match[1] ?? match[2];
    mentions.set(text, (mentions.get(text) ?? 0) + 1);
  }
  const typeOnly = new Map<string, number>();
  for (const match of source.matchAll(TYPE_ONLY_STATEMENT)) {
    typeOnly.set(match[2], (typeOnly.get(match[2]) ?? 0) + 1);
  }
  const only = new Set<string>();
  for (const [specifier, count] of typeOnly) {
    if (mentions.get(specifier) === count) only.add(specifier);
  }
  return only;
}

/** `type` before a name in braces, with the space or comments after it. */
const TYPE_MODIFIER = new RegExp(String.raw`\btype(?=${GAP})${GAP}+`, "g");

/** The inline form alone: `import {type A, type B as C} from "…"` (and `export`). */
const INLINE_TYPE_STATEMENT = new RegExp(
  String.raw`\b(import|export)(\s*)(${INLINE})(\s*from\s*(["'])[^"'\n]*\5)`,
  "g",
);

/**
 * `source` with each inline type-only import or re-export written as `import type` (and
 * `export type`); lines stay where they were.
 *
 * @example
 * ```ts
 * import { asImportType } from "./type_imports.ts";
 * const out = asImportType('import { type Net, type P as Q } from "./l.ts";\nexport { type Net };');
 * if (out !== 'import type { Net, P as Q } from "./l.ts";\nexport { type Net };') throw new Error(out);
 * ```
 */
export function asImportType(source: string): string {
  return source.replace(
    INLINE_TYPE_STATEMENT,
    (_all, keyword: string, space: string, names: string, rest: string) =>
      `${keyword} type${space || " "}${
        names.replace(TYPE_MODIFIER, (gap) => gap.replace(/[^\n]/g, ""))
      }${rest}`,
  );
}

/**
 * Imports that name only types, written inline: `import { type A, type B } from "…"`.
 *
 * TypeScript compiles them to nothing, like `import type { A, B } from "…"`, but Deno's module
 * graph lists them as code, and loads (reads) their target before running anything: in a
 * sandbox Worker that may not read the target, an honest file would fail to load. So the graph
 * check lets them through ({@linkcode onlyTypeImports}) and the grader stages them as
 * `import type` ({@linkcode asImportType}), which is what they mean.
 *
 * @module
 */

/**
 * `{ type A, type B as C }`. Every repetition starts with a comma and no two optional runs of
 * spaces touch, so matching takes linear time whatever a submission holds (it is trusted code
 * reading untrusted text: a pattern that backtracks would let one file stall the batch).
 */
const INLINE = String.raw`\{\s*type\s+[\w$]+(?:\s+as\s+[\w$]+)?` +
  String.raw`(?:\s*,\s*type\s+[\w$]+(?:\s+as\s+[\w$]+)?)*\s*(?:,\s*)?\}`;

/** An import or re-export whose every name is a type: `import type …`, `{ type A, type B }`. */
const TYPE_ONLY_STATEMENT = new RegExp(
  String.raw`\b(?:import|export)\s+(?:type\s+(?:\{[^{}]*\}|\*\s+as\s+[\w$]+|[\w$]+)|${INLINE})` +
    String.raw`\s*from\s*(["'])([^"'\n]*)\1`,
  "g",
);

/**
 * Whether every mention of `specifier` in `source` (as a quoted string) is in a type-only import
 * or re-export, which compile to nothing. Any other mention (a value import, a dynamic
 * `import()`, a comment) makes it false: the sandbox's permissions decide the rest.
 *
 * @example
 * ```ts
 * import { onlyTypeImports } from "./type_imports.ts";
 * const lesson = "../lessons/02_softmax.ts";
 * if (!onlyTypeImports(`import { type Net, type Params } from "${lesson}";`, lesson)) {
 *   throw new Error("inline type imports load nothing");
 * }
 * if (onlyTypeImports(`import { type Net, softmax } from "${lesson}";`, lesson)) {
 *   throw new Error("softmax is a value");
 * }
 * if (onlyTypeImports(`import type { Net } from "${lesson}"; await import("${lesson}");`, lesson)) {
 *   throw new Error("the dynamic import loads it");
 * }
 * ```
 */
export function onlyTypeImports(source: string, specifier: string): boolean {
  const mentions = source.split(`"${specifier}"`).length - 1 +
    source.split(`'${specifier}'`).length - 1;
  let typeOnly = 0;
  for (const match of source.matchAll(TYPE_ONLY_STATEMENT)) {
    if (match[2] === specifier) typeOnly++;
  }
  return mentions > 0 && typeOnly === mentions;
}

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
      `${keyword} type${space || " "}${names.replace(/\btype\s+/g, "")}${rest}`,
  );
}

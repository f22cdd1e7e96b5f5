/**
 * The import map every `deno` child process of the grader uses (`--import-map`).
 *
 * It is the kit's own `imports` (the pinned npm packages) plus two kinds of URL-prefix
 * entries, which an import map applies after relative specifiers are resolved:
 *
 * - For each stage root, its public paths point at the kit: `<stage>/lib/` → `<kit>/lib/`,
 *   and likewise `lessons/`, `data/` and `mod.ts`. A learner's `../lib/tf.ts` thus loads the
 *   kit's file, with no copy of the kit per submission.
 * - The kit's `solutions/` points at a directory of stubs (or a directory that does not
 *   exist), so no module loaded inside the sandbox, whoever imports it, is a real solution.
 *   Deno does not re-check read permission when a module that is already loaded is imported
 *   again, so this keeps the reference answers out of the sandbox's module graph altogether.
 *
 * A submission's own `deno.json` never takes part: the grader passes `--config` (the kit's)
 * and `--import-map` (this one) explicitly.
 *
 * @example
 * ```ts
 * import { sandboxImportMap } from "./import_map.ts";
 * const map = sandboxImportMap(
 *   { "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.22.0" },
 *   { kitRoot: "/kit", publicPaths: ["lib/", "mod.ts"], solutionsDir: "solutions/" },
 *   ["/tmp/s1"],
 *   "/tmp/stubs",
 * );
 * if (map.imports["file:///tmp/s1/lib/"] !== "file:///kit/lib/") throw new Error();
 * if (map.imports["file:///tmp/s1/mod.ts"] !== "file:///kit/mod.ts") throw new Error();
 * if (map.imports["file:///kit/solutions/"] !== "file:///tmp/stubs/") throw new Error();
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

/** An import map: specifier (or URL prefix) → target. */
export interface ImportMap {
  /** Top-level mappings. */
  imports: Record<string, string>;
}

/** The kit paths the import map needs. */
export interface KitPaths {
  /** The kit's root directory. */
  kitRoot: string;
  /** Public paths under the kit root (directories end with `/`). */
  publicPaths: string[];
  /** The solutions directory under the kit root. */
  solutionsDir: string;
}

/**
 * The file URL of a directory, with a trailing slash.
 *
 * @example
 * ```ts
 * import { dirUrl } from "./import_map.ts";
 * if (dirUrl("/a/b") !== "file:///a/b/") throw new Error(dirUrl("/a/b"));
 * ```
 */
export function dirUrl(path: string): string {
  const href = pathToFileURL(path).href;
  return href.endsWith("/") ? href : `${href}/`;
}

/**
 * Reads the `imports` of a `deno.json`, with relative targets made absolute.
 *
 * @example
 * ```ts
 * import { readKitImports } from "./import_map.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/deno.json`, '{"imports": {"a": "npm:a@1", "b/": "./b/"}}');
 * const imports = await readKitImports(`${dir}/deno.json`);
 * if (imports.a !== "npm:a@1" || !imports["b/"].endsWith("/b/")) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {Error} when the file is missing or not JSON with an `imports` object.
 */
export async function readKitImports(configFile: string): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(configFile));
  const imports = config?.imports ?? {};
  if (typeof imports !== "object" || imports === null || Array.isArray(imports)) {
    throw new Error(`${configFile}: "imports" must be an object`);
  }
  const base = dirUrl(dirname(configFile));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(imports)) {
    if (typeof value !== "string") throw new Error(`${configFile}: import "${key}" is not text`);
    out[key] = value.startsWith("./") || value.startsWith("../")
      ? new URL(value, base).href
      : value;
  }
  return out;
}

/**
 * Builds the sandbox import map for the given stage roots.
 *
 * @example Several stages in one map (a batch type-check)
 * ```ts
 * import { sandboxImportMap } from "./import_map.ts";
 * const kit = { kitRoot: "/kit", publicPaths: ["lib/"], solutionsDir: "solutions/" };
 * const map = sandboxImportMap({}, kit, ["/t/a", "/t/b"], "/t/none");
 * if (Object.keys(map.imports).length !== 3) throw new Error();
 * ```
 */
export function sandboxImportMap(
  kitImports: Record<string, string>,
  kit: KitPaths,
  stageRoots: string[],
  solutionsTarget: string,
): ImportMap {
  const imports: Record<string, string> = { ...kitImports };
  const kitUrl = dirUrl(kit.kitRoot);
  for (const root of stageRoots) {
    const stageUrl = dirUrl(root);
    for (const path of kit.publicPaths) {
      imports[new URL(path, stageUrl).href] = new URL(path, kitUrl).href;
    }
  }
  imports[new URL(kit.solutionsDir, kitUrl).href] = dirUrl(solutionsTarget);
  return { imports };
}

/**
 * The kit as the sandbox sees it: the kit module minus the parts that load native add-ons.
 *
 * Cases receive the kit module (`mod.ts`) as `kit`, in the sandbox too. But a module that
 * loads a native add-on (the kit's image and plot helpers use `@napi-rs/canvas` and
 * `@resvg/resvg-js`) cannot load in a Worker without FFI and environment permissions, and
 * must not get them: native code ignores Deno's permissions altogether (it can read any file).
 *
 * So the grader looks at the kit module's direct dependencies (`deno info`). When each one's
 * module graph only reaches npm packages on the sandbox's allow-list, the kit module is used
 * as it is. Otherwise it writes a stand-in module that re-exports every export of the kit
 * module taken from the allowed dependencies (matched by identity, so each name is exactly
 * the kit's value), and exports a function that throws, naming the reason, for the rest. The
 * trusted side (`check`) always gets the real kit module.
 *
 * @example
 * ```ts
 * import { reachedPackages } from "./sandbox_kit.ts";
 * const modules = new Map([
 *   ["file:///k/a.ts", {
 *     specifier: "file:///k/a.ts",
 *     dependencies: [{ specifier: "npm:x@1", code: { specifier: "npm:x@1" } }],
 *   }],
 *   ["npm:x@1", { specifier: "npm:x@1" }],
 * ]);
 * if (reachedPackages("file:///k/a.ts", modules).join() !== "npm:x@1") throw new Error();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { GraderConfig } from "./config.ts";
import {
  denoInfoModules,
  type InfoModule,
  isAllowedPackage,
  npmPackageName,
} from "./module_graph.ts";

/** What {@linkcode sandboxKit} decided. */
export interface SandboxKit {
  /** The module the sandbox imports as `kit`. */
  path: string;
  /** Dependencies of the kit module left out, with the package that excludes each. */
  excluded: { module: string; reason: string }[];
  /** Kit exports replaced by throwing stand-ins. */
  unavailable: string[];
}

/**
 * The npm specifiers reachable from `start` through code dependencies.
 *
 * @example
 * ```ts
 * import { reachedPackages } from "./sandbox_kit.ts";
 * if (reachedPackages("file:///nowhere.ts", new Map()).length !== 0) throw new Error();
 * ```
 */
export function reachedPackages(start: string, modules: Map<string, InfoModule>): string[] {
  const seen = new Set<string>();
  const found = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const spec = queue.pop()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    if (spec.startsWith("npm:")) {
      found.add(spec);
      continue;
    }
    for (const dep of modules.get(spec)?.dependencies ?? []) {
      const next = dep.code?.specifier;
      if (next !== undefined) queue.push(next);
    }
  }
  return [...found].sort();
}

/**
 * Decides what the sandbox imports as `kit`, writing a stand-in module into `dir` when part
 * of the kit module cannot load there.
 *
 * @example The fixture kit loads as it is
 * ```ts
 * import { sandboxKit } from "./sandbox_kit.ts";
 * import { fixtureConfig } from "../tests/fixtures/grader/helpers.ts";
 * const config = fixtureConfig();
 * const kit = await import(config.kitModule);
 * const dir = await Deno.makeTempDir();
 * const result = await sandboxKit(config, kit, dir);
 * if (result.path !== config.kitModule || result.excluded.length !== 0) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example The real kit: its image helpers are left out, and their stand-ins say why
 * ```ts
 * import { sandboxKit } from "./sandbox_kit.ts";
 * import { defaultConfig } from "./config.ts";
 * const config = defaultConfig();
 * const dir = await Deno.makeTempDir();
 * const result = await sandboxKit(config, await import(config.kitModule), dir);
 * const reasons = result.excluded.map((e) => e.reason);
 * if (!reasons.includes("loads @napi-rs/canvas")) throw new Error(reasons.join("; "));
 * const standIn = await import(result.path);
 * let message = "";
 * try { standIn.showImages(); } catch (error) { message = (error as Error).message; }
 * if (!message.includes("sandbox: lib/show_images.ts loads @napi-rs/canvas;")) throw new Error(message);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @throws {Error} when `deno info` fails on the kit module.
 */
export async function sandboxKit(
  config: GraderConfig,
  kitNamespace: Record<string, unknown>,
  dir: string,
): Promise<SandboxKit> {
  const modules = await denoInfoModules(config.kitModule, {
    denoPath: config.denoPath,
    configFile: config.configFile,
    what: "the kit module",
  });
  const root = pathToFileURL(config.kitModule).href;
  const direct = [
    ...new Set(
      (modules.get(root)?.dependencies ?? [])
        .map((d) => d.code?.specifier)
        .filter((s): s is string => s !== undefined),
    ),
  ];
  const included: string[] = [];
  const excluded: SandboxKit["excluded"] = [];
  for (const dep of direct) {
    const bad = reachedPackages(dep, modules).map(npmPackageName).filter((name) =>
      !isAllowedPackage(name, config.allowedPackages)
    );
    if (bad.length === 0) included.push(dep);
    else excluded.push({ module: dep, reason: `loads ${[...new Set(bad)].join(", ")}` });
  }
  if (excluded.length === 0) return { path: config.kitModule, excluded, unavailable: [] };

  const namespaces = await Promise.all(
    included.map(async (spec) => await import(spec) as Record<string, unknown>),
  );
  const lines = [
    "// Generated by the grader: the kit module as the sandbox sees it (see grader/sandbox_kit.ts).",
    ...included.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
    "const unavailable = (name: string, why: string) =>",
    "  function (): never {",
    "    throw new Error(`kit.${name} is not available inside the grader's sandbox: ${why}`);",
    "  };",
  ];
  const unavailable: string[] = [];
  const why = excluded.map((e) =>
    `${e.module.replace(pathToFileURL(config.kitRoot).href + "/", "")} ${e.reason}`
  )
    .join("; ");
  for (const name of Object.keys(kitNamespace)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || name === "default") continue;
    const source = namespaces.findIndex((ns) => name in ns && ns[name] === kitNamespace[name]);
    if (source >= 0) {
      lines.push(`export const ${name} = m${source}.${name};`);
    } else {
      unavailable.push(name);
      lines.push(
        `export const ${name} = unavailable(${JSON.stringify(name)}, ${JSON.stringify(why)});`,
      );
    }
  }
  const path = join(dir, "sandbox_kit.ts");
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return { path, excluded, unavailable };
}

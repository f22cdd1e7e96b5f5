/**
 * The harness inside the sandbox's Worker: loads submitted modules and calls each case's `run`.
 *
 * This module runs in a Worker with no permissions except reading the staged submission, the
 * kit's `node_modules` and the data set (see {@linkcode ./sandbox_main.ts}). A generated entry
 * module statically imports it together with the kit, the case tables and the hidden tables,
 * then calls {@linkcode serve}. Everything here shares its isolate with the submission, so
 * nothing it reports is trusted: the runner's main thread and the grader validate every
 * message, and only the grader's own `check` decides a case.
 *
 * Before any submitted code loads, {@linkcode serve}:
 * - takes the `run` function of every case, keyed like the grader's manifest
 *   (`<source>:<exercise id>:<index>`);
 * - empties the hidden tables it was given (each case object loses its `check`, `hint` and
 *   everything else, and the exported arrays are cleared), so a submission that imports a hidden
 *   module gets nothing of it;
 * - replaces `Deno.exit`, `process.exit`, `process.reallyExit`, `process.abort` and `close()`
 *   with functions that throw, so a submission that tries to end the process fails the case it
 *   is in (or its own loading) with a clear message instead of ending silently. (Other ways to
 *   end the Worker are caught by the runner's time limit.);
 * - removes the Cache API and the runtime's internals object (persistent storage and raw
 *   operations that need no permission).
 *
 * Messages (runner → harness → runner):
 * - `{ type: "import", id, file, url }` → `{ type: "imported", id, ok, todo?, message? }`
 * - `{ type: "run", id, key, file, exports }` →
 *   `{ type: "result", id, status: "ok" | "not-attempted" | "error", output?, message? }`
 *
 * @example The harness keys runs like the manifest
 * ```ts
 * import { collectRuns } from "./sandbox_worker.ts";
 * const tables = { exercises: [{ id: "a", cases: [{ name: "n", run: () => 1 }] }] };
 * const runs = collectRuns(tables, []);
 * if (!runs.has("kit:a:0") || runs.get("kit:a:0")!.name !== "n") throw new Error();
 * ```
 *
 * @module
 */

/** What the generated entry hands to {@linkcode serve}. */
export interface HarnessSetup {
  /** The kit module's namespace (passed to `run` as `kit`). */
  kit: unknown;
  /** The case tables module's namespace (exports `exercises`). */
  tables: Record<string, unknown>;
  /** Each hidden-cases module's namespace, in the grader's order. */
  hidden: Record<string, unknown>[];
}

/** A case's `run`, with the name the grader expects for its key. */
export interface RunEntry {
  /** Case name. */
  name: string;
  /** The untrusted half of the case. */
  run: (impl: unknown, kit: unknown) => unknown;
}

/** The Worker global scope, typed here so the module type-checks with Deno's window lib. */
interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** Thrown inside the sandbox when code tries to end the process. */
class ExitAttempt extends Error {
  constructor(what: string) {
    super(`${what} was called: ending the process is not allowed while grading`);
    this.name = "ExitAttempt";
  }
}

function tablesOf(namespace: Record<string, unknown>, kitStyle: boolean): unknown[] {
  const raw = kitStyle
    ? namespace.exercises
    : namespace.exercises ?? namespace.exercise ?? namespace.default;
  if (raw === undefined || raw === null) return [];
  return Array.isArray(raw) ? raw : [raw];
}

/**
 * Collects every case's `run` from the kit's tables and the hidden tables.
 *
 * @example Hidden modules are numbered in order
 * ```ts
 * import { collectRuns } from "./sandbox_worker.ts";
 * const hidden = [{ exercise: { id: "a", cases: [{ name: "h", run: () => 2 }] } }];
 * if (!collectRuns({ exercises: [] }, hidden).has("hidden0:a:0")) throw new Error();
 * ```
 */
export function collectRuns(
  tables: Record<string, unknown>,
  hidden: Record<string, unknown>[],
): Map<string, RunEntry> {
  const runs = new Map<string, RunEntry>();
  const take = (source: string, exercises: unknown[]) => {
    for (const exercise of exercises) {
      const e = exercise as { id?: unknown; cases?: unknown };
      if (typeof e?.id !== "string" || !Array.isArray(e.cases)) continue;
      e.cases.forEach((c: { name?: unknown; run?: unknown }, index: number) => {
        if (typeof c?.run === "function" && typeof c.name === "string") {
          runs.set(`${source}:${e.id}:${index}`, {
            name: c.name,
            run: c.run as RunEntry["run"],
          });
        }
      });
    }
  };
  take("kit", tablesOf(tables, true));
  hidden.forEach((namespace, n) => take(`hidden${n}`, tablesOf(namespace, false)));
  return runs;
}

/**
 * Empties hidden tables in place: every property of every exercise and case object is
 * deleted, and the exported arrays are cleared. Frozen parts are left as they are.
 *
 * @example
 * ```ts
 * import { emptyTables } from "./sandbox_worker.ts";
 * const c = { name: "n", run() {}, check() {} };
 * const namespace = { exercises: [{ id: "a", cases: [c] }] };
 * emptyTables(namespace);
 * if ("check" in c || namespace.exercises.length !== 0) throw new Error();
 * ```
 */
export function emptyTables(namespace: Record<string, unknown>): void {
  for (const table of tablesOf(namespace, false)) {
    const cases = (table as { cases?: unknown })?.cases;
    if (Array.isArray(cases)) {
      for (const c of cases) {
        if (typeof c !== "object" || c === null) continue;
        for (const key of Reflect.ownKeys(c)) {
          try {
            delete (c as Record<PropertyKey, unknown>)[key];
          } catch { /* frozen */ }
        }
      }
      try {
        cases.length = 0;
      } catch { /* frozen */ }
    }
    if (typeof table === "object" && table !== null) {
      for (const key of Reflect.ownKeys(table)) {
        try {
          delete (table as Record<PropertyKey, unknown>)[key];
        } catch { /* frozen */ }
      }
    }
  }
  for (const value of Object.values(namespace)) {
    if (Array.isArray(value)) {
      try {
        value.length = 0;
      } catch { /* frozen */ }
    }
  }
}

function lockDown(target: object, key: string, what: string): void {
  try {
    Object.defineProperty(target, key, {
      value: () => {
        throw new ExitAttempt(what);
      },
      writable: false,
      configurable: false,
    });
  } catch {
    // Not configurable on this runtime: the runner's time limit still catches an exit.
  }
}

/**
 * Removes what would let a submission keep state on disk without any permission: Deno's Cache
 * API (`caches`), and the runtime's internals object, which exposes raw operations. (The
 * sandbox's `DENO_DIR` is a throw-away copy anyway.)
 */
function blockStorage(): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const name of ["caches", "CacheStorage", "Cache"]) {
    try {
      delete scope[name];
    } catch {
      // Not configurable: the throw-away DENO_DIR still contains it.
    }
  }
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  if (internal !== undefined) {
    try {
      delete (Deno as unknown as Record<symbol, unknown>)[internal];
    } catch {
      // Not configurable on this runtime.
    }
  }
}

/** Replaces the ways to end the process or the Worker with functions that throw. */
function blockExits(): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  lockDown(Deno, "exit", "Deno.exit()");
  const process = scope.process as object | undefined;
  if (process) {
    lockDown(process, "exit", "process.exit()");
    lockDown(process, "reallyExit", "process.reallyExit()");
    lockDown(process, "abort", "process.abort()");
  }
  lockDown(globalThis, "close", "close()");
}

function describeError(error: unknown): string {
  try {
    if (error instanceof Error) {
      const text = `${String(error.name)}: ${String(error.message)}`;
      return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
    }
    const text = `thrown value: ${String(error)}`;
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return "an error that cannot be described";
  }
}

function isTodo(error: unknown): boolean {
  try {
    return error instanceof Error && error.name === "TodoError";
  } catch {
    return false;
  }
}

/**
 * Starts serving the runner's requests. Called once by the generated entry module.
 *
 * @example Not called outside a Worker
 * ```ts
 * import { serve } from "./sandbox_worker.ts";
 * if (typeof serve !== "function") throw new Error();
 * ```
 */
export function serve(setup: HarnessSetup): void {
  const runs = collectRuns(setup.tables, setup.hidden);
  for (const namespace of setup.hidden) emptyTables(namespace);
  blockExits();
  blockStorage();
  const modules = new Map<string, Record<string, unknown>>();
  const scope = globalThis as unknown as WorkerScope;
  const post = (message: Record<string, unknown>) => {
    try {
      scope.postMessage(message);
    } catch (error) {
      scope.postMessage({
        type: message.type,
        id: message.id,
        status: "error",
        ok: false,
        message: `the result cannot be copied out of the sandbox: ${describeError(error)}`,
      });
    }
  };
  scope.onmessage = async (event: MessageEvent) => {
    const request = event.data as Record<string, unknown>;
    const id = request.id;
    if (request.type === "import") {
      try {
        modules.set(String(request.file), await import(String(request.url)));
        post({ type: "imported", id, ok: true });
      } catch (error) {
        post({
          type: "imported",
          id,
          ok: false,
          todo: isTodo(error),
          message: describeError(error),
        });
      }
      return;
    }
    if (request.type === "run") {
      const entry = runs.get(String(request.key));
      const impl = modules.get(String(request.file));
      if (entry === undefined) {
        post({ type: "result", id, status: "error", message: "the grader's case is missing" });
        return;
      }
      if (impl === undefined) {
        post({ type: "result", id, status: "error", message: "the module was not loaded" });
        return;
      }
      const missing = (request.exports as string[]).filter((name) => !(name in impl));
      if (missing.length > 0) {
        post({
          type: "result",
          id,
          status: "not-attempted",
          message: `exercises/${request.file} does not export ${missing.join(", ")}`,
        });
        return;
      }
      // A re-implementation exercise answered by re-exporting the kit's own function (from
      // lessons/ or mod.ts) has not implemented anything: same function object, no points.
      const kit = setup.kit as unknown as Record<string, unknown>;
      const borrowed = (request.exports as string[]).filter((name) =>
        typeof impl[name] === "function" && impl[name] === kit[name]
      );
      if (borrowed.length > 0) {
        post({
          type: "result",
          id,
          status: "error",
          message: `exercises/${request.file} re-exports the kit's own ${
            borrowed.join(", ")
          } (from lessons/ or mod.ts) instead of implementing it`,
        });
        return;
      }
      try {
        const output = await entry.run(impl, setup.kit);
        post({ type: "result", id, status: "ok", output });
      } catch (error) {
        post({
          type: "result",
          id,
          status: isTodo(error) ? "not-attempted" : "error",
          message: describeError(error),
        });
      }
    }
  };
  scope.postMessage({ type: "ready", cases: runs.size });
}

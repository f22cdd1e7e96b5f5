/**
 * The harness inside a sandbox Worker: loads one unit's run half and submitted files, and calls
 * each case's run. It imports nothing, and it is the only code of the grader that shares an
 * isolate with a submission.
 *
 * The Worker has no permissions but reading its unit's files (see {@linkcode ./main.ts}).
 * Its life:
 *
 * 1. The runner posts `{ runModules }` with a `MessagePort`. From then on the harness talks to
 *    the runner only through that port, which lives in this module's closure: submitted code
 *    cannot reach it, so it can neither read the runner's requests nor answer one. What it
 *    posts on the Worker's own channel is ignored.
 * 2. The harness imports the run halves (before any submitted code), keeps their `runs`, and locks
 *    the Worker down: the ways to end it (`Deno.exit`, `process.exit`, `close`, …), to start
 *    another Worker (`Worker`, `BroadcastChannel`), to reach Node built-ins without the import
 *    map (`process.getBuiltinModule`, `process.binding`), to store data without a permission
 *    (the Cache API) and the runtime's internals are replaced by functions that throw or
 *    removed. The functions the harness itself calls later are captured first, so that
 *    submitted code that patches built-ins cannot intercept what the harness sends.
 * 3. It answers `import` requests (one submitted file) and `run` requests (one case's run with
 *    that file's module), posting what the run returned; the runner validates it (the harness's
 *    isolate is the submission's, so nothing here is trusted).
 *
 * Messages on the port (runner → harness → runner):
 * - `{ type: "import", id, file, url }` → `{ type: "imported", id, ok, todo?, message? }`
 * - `{ type: "run", id, module, run, file, exports }` →
 *   `{ type: "result", id, status: "ok" | "not-attempted" | "error", output?, message? }`
 *
 * @module
 */

// Captured before any submitted code runs: later patches of these globals do not reach here.
const portPost = MessagePort.prototype.postMessage;
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const ownKeys = Reflect.ownKeys;
const StringOf = String;
const ErrorClass = Error;
const slice = String.prototype.slice;
const hasOwn = Object.hasOwn;

/** The Worker global scope, typed here so the module type-checks with Deno's window lib. */
interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
}

type Reply = Record<string, unknown>;

function describeError(error: unknown): string {
  try {
    const text = error instanceof ErrorClass
      ? `${StringOf(error.name)}: ${StringOf(error.message)}`
      : `thrown value: ${StringOf(error)}`;
    return text.length > 2000 ? `${apply(slice, text, [0, 2000])}…` : text;
  } catch {
    return "an error that cannot be described";
  }
}

function isTodo(error: unknown): boolean {
  try {
    return error instanceof ErrorClass && error.name === "TodoError";
  } catch {
    return false;
  }
}

/** Replaces `target[key]` with a function that throws `what is not allowed while grading`. */
function refuse(target: object | undefined, key: string, what: string): void {
  if (target === undefined || target === null) return;
  const blocked = function () {
    throw new ErrorClass(`${what} is not allowed while grading`);
  };
  try {
    defineProperty(target, key, { value: blocked, writable: false, configurable: false });
  } catch {
    // Not configurable here: the runner's limits still hold.
  }
}

function remove(target: object | undefined, key: PropertyKey): void {
  if (target === undefined || target === null) return;
  try {
    delete (target as Record<PropertyKey, unknown>)[key];
  } catch {
    // Not configurable here.
  }
}

/** Step 2 of the module doc. */
function lockDown(): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  const process = scope.process as object | undefined;
  refuse(Deno, "exit", "Deno.exit()");
  for (const key of ["exit", "reallyExit", "abort", "kill"]) {
    refuse(process, key, `process.${key}()`);
  }
  for (const key of ["getBuiltinModule", "binding", "_linkedBinding", "dlopen"]) {
    refuse(process, key, `process.${key}()`);
  }
  refuse(globalThis, "close", "close()");
  refuse(globalThis, "Worker", "Starting a Worker");
  refuse(globalThis, "BroadcastChannel", "BroadcastChannel");
  for (const key of ["caches", "CacheStorage", "Cache"]) remove(globalThis, key);
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  if (internal !== undefined) remove(Deno, internal);
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event: MessageEvent) => {
  scope.onmessage = null;
  const port = event.ports[0];
  const runModules = (event.data as { runModules?: unknown })?.runModules;
  const send = (message: Reply) => {
    try {
      apply(portPost, port, [message]);
    } catch (error) {
      apply(portPost, port, [{
        type: message.type,
        id: message.id,
        status: "error",
        ok: false,
        message: `the result cannot be copied out of the sandbox: ${describeError(error)}`,
      }]);
    }
  };
  const modules = new Map<string, Record<string, unknown>>();
  const runs = new Map<string, Record<string, unknown>>();
  port.onmessage = async (message: MessageEvent) => {
    const request = message.data as Reply;
    const id = request.id;
    if (request.type === "import") {
      try {
        modules.set(StringOf(request.file), await import(StringOf(request.url)));
        send({ type: "imported", id, ok: true });
      } catch (error) {
        send({
          type: "imported",
          id,
          ok: false,
          todo: isTodo(error),
          message: describeError(error),
        });
      }
      return;
    }
    if (request.type !== "run") return;
    const table = runs.get(StringOf(request.module)) ?? {};
    const run = hasOwn(table, StringOf(request.run)) ? table[StringOf(request.run)] : undefined;
    const impl = modules.get(StringOf(request.file));
    if (typeof run !== "function" || impl === undefined) {
      send({
        type: "result",
        id,
        status: "error",
        message: "the grader's case or file is missing",
      });
      return;
    }
    const names = request.exports as string[];
    const missing = names.filter((name) => !(name in impl) || impl[name] === undefined);
    if (missing.length > 0) {
      send({
        type: "result",
        id,
        status: "not-attempted",
        message: `exercises/${request.file} does not export ${missing.join(", ")}`,
      });
      return;
    }
    try {
      const output = await run(impl);
      send({ type: "result", id, status: "ok", output });
    } catch (error) {
      send({
        type: "result",
        id,
        status: isTodo(error) ? "not-attempted" : "error",
        message: describeError(error),
      });
    }
  };
  const urls = Array.isArray(runModules) ? runModules.map(StringOf) : [];
  Promise.all(urls.map((url) => import(url))).then(
    (loaded: Record<string, unknown>[]) => {
      loaded.forEach((module, i) => {
        const table = module.runs;
        if (typeof table !== "object" || table === null) {
          throw new ErrorClass(`${urls[i]} does not export runs`);
        }
        const copy: Record<string, unknown> = {};
        for (const key of ownKeys(table)) {
          if (typeof key === "string") copy[key] = (table as Record<string, unknown>)[key];
        }
        runs.set(urls[i], copy);
      });
      lockDown();
      send({ type: "ready" });
    },
  ).catch((error) => send({ type: "ready", failed: describeError(error) }));
};

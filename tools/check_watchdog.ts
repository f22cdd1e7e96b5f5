/**
 * The watchdog of `deno task check`: stops the check when a case's code never gives control
 * back (an endless loop), with a message saying which case and why, instead of hanging
 * silently.
 *
 * The check runs the learner's code in its own thread, so a synchronous endless loop there
 * blocks everything, timers included. This module's {@linkcode Watchdog} runs a small worker
 * (this same file, run as a worker) that gets a message when a case starts and when it ends.
 * When a case has not ended `graceMs` after its own time limit (asynchronous cases are timed
 * out by the check itself before that), the worker prints the message and ends the process
 * with SIGTERM (exit status 143). `deno task check --watch` runs each check in a fresh process,
 * so it keeps watching.
 *
 * @example Cases that end in time are left alone
 * ```ts
 * import { Watchdog } from "./check_watchdog.ts";
 * const dog = new Watchdog();
 * dog.start("sum_keepdim › the book's example", 1_000);
 * dog.end();
 * dog.stop();
 * ```
 *
 * @module
 */

/** From the check to the worker. */
type WatchdogMessage =
  | { type: "start"; label: string; timeoutMs: number; graceMs: number }
  | { type: "end" };

/** The message printed when a case never returns. */
export function stuckMessage(label: string, seconds: number): string {
  return `\ncheck: ${label} has not returned after ${seconds} s: its code never gives control ` +
    `back, most likely an endless loop (a while or for loop whose condition never turns ` +
    `false, or a recursion without end). Fix it and run deno task check again.\n`;
}

/** Watches the cases of one check; see the module doc. */
export class Watchdog {
  readonly #worker: Worker;
  readonly #graceMs: number;

  /** @param graceMs how long past a case's time limit to wait before stopping. */
  constructor(graceMs = 2_000) {
    this.#graceMs = graceMs;
    this.#worker = new Worker(import.meta.url, { type: "module", name: "check-watchdog" });
  }

  /** A case labelled `label`, with a time limit of `timeoutMs`, starts now. */
  start(label: string, timeoutMs: number): void {
    const message: WatchdogMessage = {
      type: "start",
      label,
      timeoutMs,
      graceMs: this.#graceMs,
    };
    this.#worker.postMessage(message);
  }

  /** The case started last has ended. */
  end(): void {
    this.#worker.postMessage({ type: "end" } satisfies WatchdogMessage);
  }

  /** Ends the worker (the check is over). */
  stop(): void {
    this.#worker.terminate();
  }
}

/** The worker's side: one timer for the case running. */
function runAsWorker(scope: {
  onmessage: ((event: MessageEvent<WatchdogMessage>) => void) | null;
}): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  scope.onmessage = ({ data }) => {
    clearTimeout(timer);
    if (data.type !== "start") return;
    const limit = data.timeoutMs + data.graceMs;
    timer = setTimeout(() => {
      const text = stuckMessage(data.label, Math.round(limit / 1000));
      Deno.stderr.writeSync(new TextEncoder().encode(text));
      try {
        Deno.kill(Deno.pid, "SIGTERM");
      } catch {
        Deno.kill(Deno.pid, "SIGKILL"); // where SIGTERM cannot be sent to oneself
      }
    }, limit);
  };
}

// Loaded by `new Worker(import.meta.url)`: become the worker.
const scope = globalThis as unknown as {
  WorkerGlobalScope?: unknown;
  name?: string;
  onmessage: ((event: MessageEvent<WatchdogMessage>) => void) | null;
};
if (scope.WorkerGlobalScope !== undefined && scope.name === "check-watchdog") runAsWorker(scope);

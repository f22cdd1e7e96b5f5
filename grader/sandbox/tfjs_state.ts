/**
 * TensorFlow.js's global state, put back before every case and file load: the backend, the
 * environment's flags and the engine's gradient tape. A file may change them while it loads or
 * runs (honestly: `tf.enableDebugMode()` to chase a NaN, `tf.setBackend("cpu")` to work around
 * a kernel; or not), and exercises graded in the same Worker would then run under its
 * settings, so that a score would depend on which exercises are graded together. In debug
 * mode, creating a tensor that holds NaN fails other exercises' cases; a tape left on records
 * every later kernel and keeps its inputs, failing their leak counts (found by the second
 * fairness review and the twelfth review). The grader's sandbox and `deno task check` both use
 * it.
 *
 * It runs where the caller runs it: in the grader, inside a case's refusals, so that a hook the
 * submitted code left on tfjs's objects (a getter on the engine's `backendName`, say) runs
 * under them too.
 *
 * @example Debug mode, another backend and a tape left on are undone
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { keepTfjsState } from "./tfjs_state.ts";
 * const backend = tf.getBackend();
 * const restore = keepTfjsState(tf);
 * tf.enableDebugMode();
 * await tf.setBackend(backend === "cpu" ? "wasm" : "cpu");
 * const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: unknown };
 * state.gradientDepth = 1;
 * state.activeTape = [];
 * restore();
 * if (tf.getBackend() !== backend) throw new Error(`the backend is ${tf.getBackend()}`);
 * if (tf.env().getBool("DEBUG")) throw new Error("debug mode is still on");
 * if (state.gradientDepth !== 0 || state.activeTape !== null) throw new Error("the tape is on");
 * tf.tensor1d([NaN]).dispose(); // debug mode would throw here
 * ```
 *
 * @module
 */
// Captured when this module loads, before any submitted code.
const apply = Reflect.apply;
const ownKeys = Object.keys;
const hasOwn = Object.hasOwn;
const then = Promise.prototype.then;
const ignore = () => {};

/** The parts of the kit's `lib/tf.ts` namespace this module uses. */
export interface TfjsGlobals {
  getBackend(): string;
  setBackend(name: string): Promise<boolean>;
  env(): unknown;
  engine(): unknown;
}

/** The environment's flags, by name (tfjs's `Environment.flags`, private in its types). */
function flagsOf(tf: TfjsGlobals): Record<string, unknown> {
  return (tf.env() as { flags: Record<string, unknown> }).flags;
}

/**
 * Records tfjs's backend and flags now, and returns the function that puts them back and
 * switches the gradient tape off. A registered backend is switched back at once (its
 * `setBackend` does not wait).
 */
export function keepTfjsState(tf: TfjsGlobals): () => void {
  const backend = tf.getBackend();
  const flags: Record<string, unknown> = { ...flagsOf(tf) };
  const kept = ownKeys(flags);
  return () => {
    if (tf.getBackend() !== backend) apply(then, tf.setBackend(backend), [undefined, ignore]);
    // Flags evaluated since are dropped (tfjs evaluates them again, to their defaults).
    // Indexed loops: submitted code may have replaced the array iterator.
    const current = flagsOf(tf);
    const added = ownKeys(current);
    for (let i = 0; i < added.length; i++) if (!hasOwn(flags, added[i])) delete current[added[i]];
    for (let i = 0; i < kept.length; i++) {
      if (current[kept[i]] !== flags[kept[i]]) current[kept[i]] = flags[kept[i]];
    }
    const state = (tf.engine() as { state: { gradientDepth: number; activeTape: unknown } }).state;
    state.gradientDepth = 0;
    state.activeTape = null;
  };
}

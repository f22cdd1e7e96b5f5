/**
 * TensorFlow.js's global state, put back before every case and file load: the backend, the
 * environment's flags, the engine's gradient tape and its register of variable names. A file may
 * change them while it loads or
 * runs (honestly: `tf.enableDebugMode()` to chase a NaN, `tf.setBackend("cpu")` to work around
 * a kernel; or not), and exercises graded in the same Worker would then run under its
 * settings, so that a score would depend on which exercises are graded together. In debug
 * mode, creating a tensor that holds NaN fails other exercises' cases; a tape left on records
 * every later kernel and keeps its inputs, failing their leak counts (found by the second
 * fairness review and the twelfth review). Variable names are the engine's, one of each: two
 * files that each make `tf.variable(…, true, "W")` at the top collided, so that the second
 * failed to load in the check and, in the grader, only when its Worker held the first
 * (seventeenth review); now each load and each case starts with the names registered before any
 * file (the variables themselves stay usable). The grader's sandbox and `deno task check` both
 * use it.
 *
 * It runs where the caller runs it: in the grader, inside a case's refusals, so that a hook the
 * submitted code left on tfjs's objects (a getter on the engine's `backendName`, say) runs
 * under them too.
 *
 * @example Debug mode, another backend, a tape left on and a variable's name are undone
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
 * const w = tf.variable(tf.zeros([2]), true, "W");
 * restore();
 * tf.variable(tf.ones([2]), true, "W").dispose(); // "already registered" without the restore
 * w.dispose();
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

/** The engine's state that this module puts back (private in tfjs's types). */
interface EngineState {
  gradientDepth: number;
  activeTape: unknown;
  registeredVariables: Record<string, unknown>;
}

function engineState(tf: TfjsGlobals): EngineState {
  return (tf.engine() as { state: EngineState }).state;
}

/** The environment's flags, by name (tfjs's `Environment.flags`, private in its types). */
function flagsOf(tf: TfjsGlobals): Record<string, unknown> {
  return (tf.env() as { flags: Record<string, unknown> }).flags;
}

/**
 * Records tfjs's backend, flags and registered variable names now, and returns the function that
 * puts them back and switches the gradient tape off. A registered backend is switched back at
 * once (its `setBackend` does not wait).
 */
export function keepTfjsState(tf: TfjsGlobals): () => void {
  const backend = tf.getBackend();
  const flags: Record<string, unknown> = { ...flagsOf(tf) };
  const kept = ownKeys(flags);
  const variables: Record<string, unknown> = { ...engineState(tf).registeredVariables };
  const variableNames = ownKeys(variables);
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
    const state = engineState(tf);
    state.gradientDepth = 0;
    state.activeTape = null;
    // A fresh register, not the one submitted code may have wrapped: the names of before.
    const registered: Record<string, unknown> = {};
    for (let i = 0; i < variableNames.length; i++) {
      registered[variableNames[i]] = variables[variableNames[i]];
    }
    state.registeredVariables = registered;
  };
}

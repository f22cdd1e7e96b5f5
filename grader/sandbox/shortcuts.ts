/**
 * Refuses TensorFlow.js's own versions of what an exercise asks the learner to build (its
 * `shortcuts`, `tests/cases/case.ts`): `tf.softmax` in the softmax exercise, autodiff in the
 * gradient by hand. Installed in the process or Worker that runs the learner's code, after
 * tfjs has loaded and before that code loads; both the grader's sandbox and `deno task check`
 * use it, so that the check reports what the grader gives.
 *
 * It works below the names a learner can reach, on tfjs's one engine (`globalThis._tfengine`)
 * and kernel registry (`globalThis._tfGlobals`), so that every route to a refused function
 * meets it: the namespace (`tf.softmax`), a tensor's method (`X.softmax()`), a copy taken
 * earlier, `tf.engine().runKernel("Softmax", …)` and the registered kernel's own function.
 * - A name `n` refuses tfjs's op `n` (every op announces itself to the engine by name) and the
 *   kernel of the same name, capitalised (`softmax` → `Softmax`), when there is one, and the
 *   kernels that compute it inside them (`Multinomial` for `softmax`). A dotted name
 *   (`losses.softmaxCrossEntropy`) refuses its last part.
 * - `grad` refuses autodiff: `tf.grad`, `tf.grads`, `tf.valueAndGrad(s)`, `tf.variableGrads`
 *   and the optimizers' `minimize` all go through the engine's `gradients`; and the tape,
 *   however it is switched on (`startTape`, or the engine's state written by hand), records
 *   no node, and no customGrad op's own gradient runs.
 * - `train` refuses the update of every `tf.train` optimizer (`applyGradients`, which
 *   `minimize` calls too). Each of them takes the plain SGD step with some settings (momentum
 *   0; RMSProp with decay 1 and ε 1; Adadelta with decay 1; Adam, Adamax or Adagrad with a huge
 *   ε and the learning rate scaled to match, found by the eighth review), and each can serve
 *   as a calculator for `a·x + b·y` through its own state (found by the ninth review), so an
 *   exercise that asks for the SGD step refuses them all. An update is no named operation: it
 *   is hooked at its entry, before any arithmetic, on the seven optimizer classes of the kit's
 *   tfjs (given as `tf`). A second copy of tfjs-core (an npm subpath such as
 *   `dist/tf-core.fesm.js`) would bring classes of its own, so no second copy loads at all:
 *   every copy asks the one table of globals for its kernel and gradient registries as it
 *   loads, which the kit's copy did once, before the guard, and that is refused.
 *
 * The hooks are properties that cannot be written, deleted or redefined, on the engine's class
 * as well as the engine (the originals are reachable from neither); the kernel registry wraps
 * the kernels registered later too (a second copy of a backend registers its own); and
 * `globalThis._tfengine` and `_tfGlobals`, and the places tfjs looks for them (`window`,
 * `global`), are fixed, so that a second copy of tfjs finds the one engine and registry instead
 * of making its own; autodiff is refused at the tape (`startTape`) and in every registered
 * gradient too, so that a tape recorded and replayed by hand is refused as well. The names in
 * force live in the closure of the installer's caller, and the hooks use only built-ins captured when this module
 * loaded, so the code being graded can neither remove the hooks nor change what they refuse.
 * The wasm backend's exported C function of a guarded kernel (`Module._Softmax`, `cwrap`,
 * `Module.asm.Softmax`) is refused with the kernel, and the module's function table (the
 * binary's every C function, by index) is out of reach. What stays open: a private copy of tfjs
 * made from its source text (imported as text from the package, or shipped) and evaluated in a
 * scope of its own, with an engine of its own, which nothing at run time tells from the
 * learner's own code.
 *
 * @example The softmax exercise's rule, by every route
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { installShortcutGuard } from "./shortcuts.ts";
 * const refuse = installShortcutGuard(["softmax", "grad"]);
 * const X = tf.tensor2d([[1, 2]]);
 * const refused = (f: () => unknown) => {
 *   try { f(); return false; } catch (e) { return /not allowed in this exercise/.test(String(e)); }
 * };
 * refuse(["softmax"]);
 * for (const route of [() => tf.softmax(X), () => X.softmax(), () => tf.engine().runKernel("Softmax", { logits: X }, { dim: -1 })]) {
 *   if (!refused(route)) throw new Error(`a route to tf.softmax was not refused: ${route}`);
 * }
 * if (refused(() => tf.exp(X))) throw new Error("tf.exp was refused");
 * if (refused(() => tf.grad((x) => tf.sum(x))(X))) throw new Error("autodiff refused without grad");
 * refuse(["grad"]);
 * if (!refused(() => tf.grad((x) => tf.sum(x))(X))) throw new Error("tf.grad was not refused");
 * refuse([]);
 * tf.softmax(X).dispose();
 * // No second copy of tfjs-core loads: each asks for the registries as it loads.
 * const tfGlobals = (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals;
 * try {
 *   tfGlobals.get("kernelRegistry");
 *   throw new Error("a second copy of tfjs-core could get the kernel registry");
 * } catch (e) {
 *   if (!String(e).includes("a second copy of TensorFlow.js's core is loading")) throw e;
 * }
 * ```
 *
 * @example The SGD exercise's rule: every optimizer's update, however it is reached
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { installShortcutGuard, ShortcutError } from "./shortcuts.ts";
 * // (in a process of its own: the hooks stay for the process's life)
 * const refuse = installShortcutGuard(["train"], tf);
 * const W = tf.variable(tf.tensor1d([1, 2]));
 * const step = (optimizer: tf.Optimizer) => {
 *   try {
 *     optimizer.applyGradients({ [W.name]: tf.tensor1d([1, 1]) });
 *     return "applied";
 *   } catch (e) {
 *     return e instanceof ShortcutError ? "refused" : `threw ${e}`;
 *   } finally {
 *     optimizer.dispose();
 *   }
 * };
 * refuse(["train"]);
 * const plainSgd = [ // each takes exactly the step p − 0.1 · g
 *   () => tf.train.sgd(0.1),
 *   () => tf.train.momentum(0.1, 0),
 *   () => tf.train.rmsprop(0.1, 1, 0, 1),
 *   () => tf.train.adam(0.1 * 2 ** 60, 0, 0, 2 ** 60),
 *   () => tf.train.adamax(0.1 * 2 ** 60, 0, 0, 2 ** 60),
 *   () => tf.train.adagrad(0.1 * 2 ** 50, 2 ** 100),
 *   () => tf.train.adadelta(0.1, 1, 1),
 * ];
 * for (const make of plainSgd) {
 *   if (step(make()) !== "refused") throw new Error(`${make} was not refused`);
 * }
 * // The learner's own step, with autodiff over every variable, still works.
 * const { grads } = tf.variableGrads(() => tf.sum(W));
 * W.assign(tf.sub(W, grads[W.name]));
 * if (W.arraySync().join() !== "0,1") throw new Error(`W is ${W.arraySync()}, not [0, 1]`);
 * // The setter hands back the first refusal since it last ran, even one the code caught.
 * if (!(refuse(["train"]) instanceof ShortcutError)) throw new Error("the refusals were lost");
 * if (refuse([]) !== undefined) throw new Error("no refusal was thrown since the last call");
 * if (step(tf.train.sgd(0.1)) !== "applied") throw new Error("tf.train.sgd refused with no rule");
 * ```
 *
 * @module
 */
// Captured when this module loads, before any learner's code: the hooks and the setter run
// after that code, which may have patched the built-ins.
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const hasOwn = Object.hasOwn;
const keysOf = Object.keys;
const createRecord = Object.create;
const freeze = Object.freeze;
const getPrototypeOf = Object.getPrototypeOf;
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const mapSet = Map.prototype.set;
const mapForEach = Map.prototype.forEach;
const weakSetAdd = WeakSet.prototype.add;
const weakSetHas = WeakSet.prototype.has;
const WasmTable = WebAssembly.Table;

/** The refusals thrown between cases (see {@linkcode isBetweenRefusal}). */
const betweenRefusals = new WeakSet<object>();

/**
 * Whether `error` is a refusal the guard threw between cases: in code a submission left to run
 * later (a timer logging `tf.softmax` of a batch, say) once its call had returned. The refusal
 * kept the function from running, and that code is no case's: the grader's sandbox and the
 * learner's check drop such an uncaught error instead of failing whichever case is running when
 * it surfaces, which depends on timing (found by the fifteenth review: an honest logging timer
 * failed six of its exercise's cases, or another exercise's).
 *
 * @example
 * ```ts
 * import * as tf from "../../lib/tf.ts";
 * import { installShortcutGuard, isBetweenRefusal, ShortcutError } from "./shortcuts.ts";
 * const refuse = installShortcutGuard(["softmax"]);
 * const thrown = (when: "running" | "between") => {
 *   refuse(["softmax"], when);
 *   try {
 *     tf.softmax(tf.tensor2d([[1, 2]]));
 *   } catch (error) {
 *     return error;
 *   } finally {
 *     refuse([]);
 *   }
 *   throw new Error("tf.softmax was not refused");
 * };
 * if (!isBetweenRefusal(thrown("between"))) throw new Error("a refusal between cases was missed");
 * if (isBetweenRefusal(thrown("running"))) throw new Error("a case's refusal counted as between");
 * if (isBetweenRefusal(new ShortcutError("tf.softmax"))) throw new Error("not the guard's own");
 * ```
 */
export function isBetweenRefusal(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    apply(weakSetHas, betweenRefusals, [error]);
}

/** What a refused call throws: the function's name and the exercise's rule. */
export class ShortcutError extends Error {
  override name = "ShortcutError";
}

/** The last part of a dotted name: `losses.softmaxCrossEntropy` → `softmaxCrossEntropy`. */
function opName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** `softmax` → `Softmax`: tfjs's kernels are the ops' names, capitalised. */
function kernelName(name: string): string {
  const op = opName(name);
  return op.charAt(0).toUpperCase() + op.slice(1);
}

/** A kernel that computes a refused function inside it, when its attributes say so. */
interface Within {
  /** Whether a call with these attributes computes it. */
  computes(attrs: Record<string, unknown>): boolean;
  /** The call, as the refusal names it. */
  what: string;
}

/**
 * Other kernels that compute a refused function inside them, calling its implementation
 * directly rather than through the engine: refused with it, when they would compute it. The
 * cpu backend's Multinomial takes the softmax of its logits, and its kernel function hands
 * them to a patched backend (found by the thirteenth review); given probabilities
 * (`normalized: true`) it computes no softmax, and a file may sample from them (found by the
 * fourteenth).
 */
const WITHIN: Readonly<Record<string, Readonly<Record<string, Within>>>> = {
  softmax: {
    Multinomial: {
      computes: (attrs) => attrs.normalized !== true,
      what: "tf.multinomial of logits (normalized: false), which takes their softmax with " +
        "TensorFlow.js's own,",
    },
  },
};
/** Each kernel of {@linkcode WITHIN}, by name. */
const CONDITIONAL: Readonly<Record<string, Within>> = Object.assign(
  Object.create(null),
  ...Object.values(WITHIN),
);

/** The optimizer classes whose update `train` refuses (each has an update of its own). */
const OPTIMIZERS = [
  "SGDOptimizer",
  "MomentumOptimizer",
  "AdagradOptimizer",
  "AdadeltaOptimizer",
  "AdamOptimizer",
  "AdamaxOptimizer",
  "RMSPropOptimizer",
] as const;

/**
 * The optimizer classes of the tfjs the learner's code uses (the kit's `lib/tf.ts`
 * namespace), for {@linkcode installShortcutGuard}.
 */
export type OptimizerClasses = Record<(typeof OPTIMIZERS)[number], { prototype: object }>;

/**
 * When the refusal applies: while a case runs, while exercise files load, or between them
 * (code the submission left to run later: a timer, a getter the harness reads).
 */
export type RefusedWhile = "running" | "loading" | "between";

function refusal(name: string, now: RefusedWhile, call?: string): ShortcutError {
  const what = call !== undefined
    ? call
    : name === "grad"
    ? "TensorFlow.js's autodiff (tf.grad, tf.variableGrads, an optimizer's minimize)"
    : name === "train"
    ? "A tf.train optimizer's update (applyGradients, which minimize calls), TensorFlow.js's " +
      "own version of it,"
    : `tf.${name}, TensorFlow.js's own version of it,`;
  return new ShortcutError(
    now === "running"
      ? `${what} is not allowed in this exercise: it asks you to build this yourself from ` +
        "simpler operations (see the exercise's instructions)"
      : now === "loading"
      ? `${what} is not allowed while an exercise file loads (an exercise asks you to build ` +
        "it yourself, and a file may load for any exercise): call it inside your functions"
      : `${what} is not allowed outside the calls of your functions while grading (code left ` +
        "to run later, such as a timer, runs between cases): call it inside your functions",
  );
}

interface Engine {
  startScope(name?: string): void;
  startTape(): void;
  addTapeNode(...args: unknown[]): void;
  customGrad(f: unknown): unknown;
  runKernelFunc(params: { kernelName?: string }): unknown;
  gradients(...args: unknown[]): unknown;
}

interface KernelConfig {
  kernelName: string;
  kernelFunc: (...args: unknown[]) => unknown;
}

interface GradConfig {
  kernelName: string;
  gradFunc: (...args: unknown[]) => unknown;
}

/** Names by key, with no prototype: a patched `Object.prototype` adds nothing. */
type Names = Record<string, string>;

/**
 * Installs the hooks for every name in `names` (the union of the exercises' `shortcuts`) and
 * returns the function that sets which of them are refused from now on (`[]`: none), and
 * whether a case is running or files are loading (which only changes the message). That
 * function returns the first refusal thrown since it last ran, if any: the caller fails the
 * case with it even when the code caught it (an optimizer's own state, say, updated before
 * the refusal, and read back after it; found by the ninth review). Throws when tfjs has not
 * loaded yet, when `names` holds `train` without `tf` (the optimizers' classes), or when the
 * hooks are installed already (a second installer could not see the first one's names).
 */
export function installShortcutGuard(
  names: readonly string[],
  tf?: OptimizerClasses,
): (refused: readonly string[], refusedWhile?: RefusedWhile) => ShortcutError | undefined {
  const global = globalThis as unknown as {
    _tfengine?: Engine;
    _tfGlobals?: Map<string, unknown>;
  };
  const engine = global._tfengine;
  const globals = global._tfGlobals;
  let registry: Map<string, KernelConfig> | undefined;
  let gradRegistry: Map<string, GradConfig> | undefined;
  try {
    registry = globals === undefined ? undefined : apply(mapGet, globals, ["kernelRegistry"]);
    gradRegistry = globals === undefined ? undefined : apply(mapGet, globals, ["gradRegistry"]);
  } catch {
    // `_tfGlobals` is no longer a Map: this function replaced it.
    throw new Error("installShortcutGuard: the guard is installed already in this process");
  }
  if (
    engine === undefined || globals === undefined || registry === undefined ||
    gradRegistry === undefined
  ) {
    throw new Error("installShortcutGuard: TensorFlow.js has not loaded yet; import it first");
  }
  // tfjs keeps its engine on the first of `window`, `global`, `process`, `self` that exists;
  // here that is `global`, which is `globalThis` (Deno has no `window`).
  const scope = globalThis as unknown as Record<string, unknown>;
  if (scope.window !== undefined || scope.global !== globalThis) {
    throw new Error(
      "installShortcutGuard: TensorFlow.js's global namespace is not globalThis in this runtime",
    );
  }
  // Each installed name's op scope and kernel, worked out now, so that the setter needs no
  // built-in method later.
  const known: Record<string, { op: string; kernels: string[] }> = createRecord(null);
  for (const name of names) {
    known[name] = {
      op: `${opName(name)}__op`,
      kernels: [kernelName(name), ...(hasOwn(WITHIN, name) ? keysOf(WITHIN[name]) : [])],
    };
  }
  let ops: Names = createRecord(null);
  let kernels: Names = createRecord(null);
  let updates = false;
  let gradients = true;
  let now: RefusedWhile = "running";
  // The first refusal since the setter last ran: it fails the case even if the code caught it.
  let first: ShortcutError | undefined;
  const refused = (name: string, when: RefusedWhile, call?: string) => {
    const error = refusal(name, when, call);
    if (when === "between") apply(weakSetAdd, betweenRefusals, [error]);
    first ??= error;
    return error;
  };
  const define = (target: object, key: string, value: unknown) =>
    defineProperty(target, key, { value, writable: false, configurable: false });

  // The engine's methods, hooked on its class (any engine made from it, `engine.constructor`
  // included) and on the engine itself (so that no own property can shadow the hooks).
  const proto = getPrototypeOf(engine) as Engine;
  const startScope = proto.startScope;
  const runKernelFunc = proto.runKernelFunc;
  const gradientsOf = proto.gradients;
  const startTape = proto.startTape;
  const addTapeNode = proto.addTapeNode;
  const customGrad = proto.customGrad;
  const hooks: [keyof Engine, unknown][] = [
    ["startScope", function (this: Engine, scope?: string) {
      if (typeof scope === "string" && hasOwn(ops, scope)) throw refused(ops[scope], now);
      return apply(startScope, this, [scope]);
    }],
    ["runKernelFunc", function (this: Engine, params: { kernelName?: string }) {
      const kernel = params?.kernelName;
      // A conditional kernel is judged by its registered function, on its attributes.
      if (typeof kernel === "string" && hasOwn(kernels, kernel) && !hasOwn(CONDITIONAL, kernel)) {
        throw refused(kernels[kernel], now);
      }
      return apply(runKernelFunc, this, [params]);
    }],
    ["gradients", function (this: Engine, ...args: unknown[]) {
      if (!gradients) throw refused("grad", now);
      return apply(gradientsOf, this, args);
    }],
    // The tape, on which a replay of the recorded gradients is autodiff by another name.
    ["startTape", function (this: Engine) {
      if (!gradients) throw refused("grad", now);
      return apply(startTape, this, []);
    }],
    // And every node the tape records, however it was switched on: the engine's state can be
    // written by hand (`gradientDepth`, `activeTape`), and a customGrad op (tf.fused.matMul,
    // tf.losses.softmaxCrossEntropy) keeps its gradient on its node, not in the registry
    // (found by the twelfth review). tfjs records a node only while the tape is on.
    ["addTapeNode", function (this: Engine, ...args: unknown[]) {
      if (!gradients) throw refused("grad", now);
      return apply(addTapeNode, this, args);
    }],
    // And a customGrad op's gradient itself, however it is reached: the op's backwards
    // function can be had without any tape (through a getter the hooks above read on its
    // parameters; found by the thirteenth review).
    ["customGrad", function (this: Engine, f: unknown) {
      if (typeof f !== "function") return apply(customGrad, this, [f]);
      return apply(customGrad, this, [function (this: unknown, ...args: unknown[]) {
        const result = apply(f, this, args) as { value?: unknown; gradFunc?: unknown } | null;
        if (typeof result !== "object" || result === null) return result;
        const gradFunc = result.gradFunc;
        if (typeof gradFunc !== "function") return result;
        return {
          value: result.value,
          gradFunc: function (this: unknown, ...dys: unknown[]) {
            if (!gradients) throw refused("grad", now);
            return apply(gradFunc, this, dys);
          },
        };
      }]);
    }],
  ];
  try {
    for (const [key, hook] of hooks) {
      define(proto, key, hook);
      define(engine, key, hook);
    }
  } catch {
    throw new Error("installShortcutGuard: the guard is installed already in this process");
  }
  // The optimizers' updates, at their entry, on their classes (every instance, and a subclass
  // calling `super`).
  if (hasOwn(known, "train")) {
    if (tf === undefined) {
      throw new Error("installShortcutGuard: refusing train needs tfjs's optimizer classes (tf)");
    }
    for (const name of OPTIMIZERS) {
      const proto = tf[name].prototype as { applyGradients: (...args: unknown[]) => unknown };
      const applyGradients = proto.applyGradients;
      define(proto, "applyGradients", function (this: unknown, ...args: unknown[]) {
        if (updates) throw refused("train", now);
        return apply(applyGradients, this, args);
      });
    }
  }
  // The one engine and the one table of globals, for good: a second copy of tfjs-core loaded
  // later (a bundle inside the package) finds them and makes no engine or registry of its own.
  // Every copy of tfjs-core asks this table for its kernel and gradient registries as it loads,
  // and the kit's copy never again: a second copy (an npm subpath or a bundle of it, whose
  // optimizer classes are not the ones hooked above) fails to load.
  const loadsOnce = (key: string) => {
    if (key !== "kernelRegistry" && key !== "gradRegistry") return key;
    const error = new ShortcutError(
      "a second copy of TensorFlow.js's core is loading (an npm subpath or a bundle of it, " +
        "such as @tensorflow/tfjs-core/dist/tf-core.fesm.js): import TensorFlow.js as the kit " +
        'does, import * as tf from "../lib/tf.ts"',
    );
    first ??= error;
    throw error;
  };
  const globalsView = freeze({
    has: (key: string) => apply(mapHas, globals, [loadsOnce(key)]),
    get: (key: string) => apply(mapGet, globals, [loadsOnce(key)]),
    set(key: string, value: unknown) {
      if (!apply(mapHas, globals, [key])) apply(mapSet, globals, [key, value]);
      return globalsView;
    },
  });
  define(globalThis, "_tfengine", engine);
  define(globalThis, "_tfGlobals", globalsView);
  // And the namespace itself: a later copy given a `window` or a `global` of its own would
  // find nothing there and make a whole second tfjs.
  define(globalThis, "window", undefined);
  define(globalThis, "global", globalThis);
  // A registered kernel's own function, called directly: wrapped where it is registered, now
  // and whenever a kernel is registered later (a second copy of a backend registers its own).
  const guarded: Names = createRecord(null);
  for (const name of names) for (const kernel of known[name].kernels) guarded[kernel] = name;
  const guard = (config: KernelConfig): KernelConfig => {
    if (typeof config !== "object" || config === null) return config;
    const kernel = config.kernelName;
    if (typeof kernel !== "string" || !hasOwn(guarded, kernel)) return config;
    const kernelFunc = config.kernelFunc;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      if (!hasOwn(kernels, kernel)) return apply(kernelFunc, this, args);
      if (!hasOwn(CONDITIONAL, kernel)) throw refused(kernels[kernel], now);
      // The attributes are read once: the kernel gets the copy that was checked.
      const given = args[0] as { attrs?: Record<string, unknown> } | undefined;
      const attrs = { ...given?.attrs };
      if (CONDITIONAL[kernel].computes(attrs)) {
        throw refused(kernels[kernel], now, CONDITIONAL[kernel].what);
      }
      return apply(kernelFunc, this, [{ ...given, attrs }]);
    };
    try {
      define(config, "kernelFunc", wrapped);
      return config;
    } catch {
      return freeze({ ...config, kernelFunc: wrapped }); // frozen: registered as a copy
    }
  };
  apply(mapForEach, registry, [(config: KernelConfig, key: string) => {
    const safe = guard(config);
    if (safe !== config) apply(mapSet, registry, [key, safe]);
  }]);
  define(
    registry,
    "set",
    function (this: Map<string, KernelConfig>, key: string, config: KernelConfig) {
      return apply(mapSet, this, [key, guard(config)]);
    },
  );
  // The wasm backend's own C function of each guarded kernel (Softmax), which its Emscripten
  // module hands out by name below the engine and the registry: `Module._Softmax`,
  // `Module.cwrap("Softmax", …)` (which reads `_Softmax`) and `Module.asm.Softmax` (found by
  // the twelfth review). Each is now the same function, refused as the kernel is; the
  // backend's own kernel reaches it through `asm` at every call and meets the same rule. (A
  // fresh instance of the backend's binary is the sandbox's to refuse: it refuses WebAssembly
  // compilation to the code it grades.) The module's function table is left out of `asm`: it
  // hands out every C function of the binary, XNNPACK's softmax micro-kernels among them, each
  // callable on a context built by hand in the module's memory below every export (found by the
  // sixteenth review); the glue read it once, at start-up, and calls through it no more.
  const backends = (engine as unknown as { registry?: Record<string, unknown> }).registry ?? {};
  const backendNames = keysOf(backends);
  for (let i = 0; i < backendNames.length; i++) {
    const module = (backends[backendNames[i]] as { wasm?: unknown } | undefined)?.wasm as
      | { asm?: Record<string, unknown> }
      | undefined;
    const asm = module?.asm;
    if (typeof asm !== "object" || asm === null) continue;
    const copy: Record<string, unknown> = {};
    const exported = keysOf(asm);
    for (let j = 0; j < exported.length; j++) {
      const value = asm[exported[j]];
      if (!(value instanceof WasmTable)) copy[exported[j]] = value;
    }
    const kernelNames = keysOf(guarded);
    for (let j = 0; j < kernelNames.length; j++) {
      const kernel = kernelNames[j];
      const raw = copy[kernel];
      // A conditional kernel's export does not compute the refused function itself (wasm's
      // Multinomial samples; its softmax is the guarded Softmax).
      if (typeof raw !== "function" || hasOwn(CONDITIONAL, kernel)) continue;
      const wrapped = function (...args: unknown[]) {
        if (hasOwn(kernels, kernel)) throw refused(kernels[kernel], now);
        return apply(raw, undefined, args);
      };
      copy[kernel] = wrapped;
      defineProperty(module, `_${kernel}`, {
        get: () => wrapped,
        set: () => {}, // the Emscripten glue caches the export there at its first call
        configurable: false,
      });
    }
    define(module!, "asm", freeze(copy));
  }
  // Each kernel's registered gradient, which autodiff chains (and which a tape, recorded by
  // hand, holds): refused with autodiff, now and when registered later.
  if (hasOwn(known, "grad")) {
    const guardGrad = (config: GradConfig): GradConfig => {
      if (typeof config !== "object" || config === null) return config;
      const gradFunc = config.gradFunc;
      if (typeof gradFunc !== "function") return config;
      const wrapped = function (this: unknown, ...args: unknown[]) {
        if (!gradients) throw refused("grad", now);
        return apply(gradFunc, this, args);
      };
      try {
        define(config, "gradFunc", wrapped);
        return config;
      } catch {
        return freeze({ ...config, gradFunc: wrapped });
      }
    };
    const grads = gradRegistry;
    apply(mapForEach, grads, [(config: GradConfig, key: string) => {
      const safe = guardGrad(config);
      if (safe !== config) apply(mapSet, grads, [key, safe]);
    }]);
    define(grads, "set", function (this: Map<string, GradConfig>, key: string, config: GradConfig) {
      return apply(mapSet, this, [key, guardGrad(config)]);
    });
  }
  return (names, refusedWhile = "running") => {
    const nextOps: Names = createRecord(null);
    const nextKernels: Names = createRecord(null);
    let nextGradients = true;
    let nextUpdates = false;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (!hasOwn(known, name)) throw new Error(`installShortcutGuard: ${name} is not installed`);
      if (name === "grad") {
        nextGradients = false;
        continue;
      }
      if (name === "train") {
        nextUpdates = true;
        continue;
      }
      nextOps[known[name].op] = name;
      const within = known[name].kernels;
      for (let j = 0; j < within.length; j++) nextKernels[within[j]] = name;
    }
    now = refusedWhile;
    ops = nextOps;
    kernels = nextKernels;
    updates = nextUpdates;
    gradients = nextGradients;
    const since = first;
    first = undefined;
    return since;
  };
}

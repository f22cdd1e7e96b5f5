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
 *   kernel of the same name, capitalised (`softmax` → `Softmax`), when there is one. A dotted
 *   name (`losses.softmaxCrossEntropy`) refuses its last part.
 * - `grad` refuses autodiff: `tf.grad`, `tf.grads`, `tf.valueAndGrad(s)`, `tf.variableGrads`
 *   and the optimizers' `minimize` all go through the engine's `gradients`.
 *
 * The hooks are own properties that cannot be written, deleted or redefined, and the names in
 * force live in the closure of the installer's caller, so the code being graded can neither
 * remove the hooks nor change what they refuse. What stays open is the wasm module's exported
 * C functions, called by hand with tensor memory offsets.
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
 * ```
 *
 * @module
 */

// Captured when this module loads, before any learner's code: the hooks and the setter run
// after that code, which may have patched the built-ins.
const apply = Reflect.apply;
const defineProperty = Object.defineProperty;
const hasOwn = Object.hasOwn;
const createRecord = Object.create;

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

function refusal(name: string): ShortcutError {
  const what = name === "grad"
    ? "TensorFlow.js's autodiff (tf.grad, tf.variableGrads, an optimizer's minimize)"
    : `tf.${name}, TensorFlow.js's own version of it,`;
  return new ShortcutError(
    `${what} is not allowed in this exercise: it asks you to build this yourself from simpler ` +
      "operations (see the exercise's instructions)",
  );
}

interface Engine {
  startScope(name?: string): void;
  runKernelFunc(params: { kernelName?: string }): unknown;
  gradients(...args: unknown[]): unknown;
}

interface KernelConfig {
  kernelName: string;
  kernelFunc: (...args: unknown[]) => unknown;
}

/** Names by key, with no prototype: a patched `Object.prototype` adds nothing. */
type Names = Record<string, string>;

/**
 * Installs the hooks for every name in `names` (the union of the exercises' `shortcuts`) and
 * returns the function that sets which of them are refused from now on (`[]`: none). Throws
 * when tfjs has not loaded yet, or when the hooks are installed already (a second installer
 * could not see the first one's names).
 */
export function installShortcutGuard(
  names: readonly string[],
): (refused: readonly string[]) => void {
  const global = globalThis as unknown as {
    _tfengine?: Engine;
    _tfGlobals?: Map<string, unknown>;
  };
  const engine = global._tfengine;
  const registry = global._tfGlobals?.get("kernelRegistry") as
    | Map<string, KernelConfig>
    | undefined;
  if (engine === undefined || registry === undefined) {
    throw new Error("installShortcutGuard: TensorFlow.js has not loaded yet; import it first");
  }
  // Each installed name's op scope and kernel, worked out now, so that the setter needs no
  // built-in method later.
  const known: Record<string, { op: string; kernel: string }> = createRecord(null);
  for (const name of names) known[name] = { op: `${opName(name)}__op`, kernel: kernelName(name) };
  let ops: Names = createRecord(null);
  let kernels: Names = createRecord(null);
  let gradients = true;
  const define = (target: object, key: string, value: unknown) =>
    defineProperty(target, key, { value, writable: false, configurable: false });

  const startScope = engine.startScope;
  const runKernelFunc = engine.runKernelFunc;
  const gradientsOf = engine.gradients;
  try {
    define(engine, "startScope", function (this: Engine, scope?: string) {
      if (typeof scope === "string" && hasOwn(ops, scope)) throw refusal(ops[scope]);
      return apply(startScope, this, [scope]);
    });
  } catch {
    throw new Error("installShortcutGuard: the guard is installed already in this process");
  }
  define(engine, "runKernelFunc", function (this: Engine, params: { kernelName?: string }) {
    const kernel = params?.kernelName;
    if (typeof kernel === "string" && hasOwn(kernels, kernel)) throw refusal(kernels[kernel]);
    return apply(runKernelFunc, this, [params]);
  });
  define(engine, "gradients", function (this: Engine, ...args: unknown[]) {
    if (!gradients) throw refusal("grad");
    return apply(gradientsOf, this, args);
  });
  // A registered kernel's own function, called directly: wrapped where it is registered.
  const guarded = new Set(names.map(kernelName));
  for (const config of registry.values()) {
    if (!guarded.has(config.kernelName)) continue;
    const kernelFunc = config.kernelFunc;
    const kernel = config.kernelName;
    define(config, "kernelFunc", function (this: unknown, ...args: unknown[]) {
      if (hasOwn(kernels, kernel)) throw refusal(kernels[kernel]);
      return apply(kernelFunc, this, args);
    });
  }
  return (refused) => {
    const nextOps: Names = createRecord(null);
    const nextKernels: Names = createRecord(null);
    let nextGradients = true;
    for (let i = 0; i < refused.length; i++) {
      const name = refused[i];
      if (!hasOwn(known, name)) throw new Error(`installShortcutGuard: ${name} is not installed`);
      if (name === "grad") {
        nextGradients = false;
        continue;
      }
      nextOps[known[name].op] = name;
      nextKernels[known[name].kernel] = name;
    }
    ops = nextOps;
    kernels = nextKernels;
    gradients = nextGradients;
  };
}

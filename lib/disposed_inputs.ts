/**
 * A clear error for an operation given a tensor that was already disposed.
 *
 * tfjs 4.22 checks a tensor's own methods (`X.sum()` throws "Tensor is disposed.") but not the
 * tensors passed to an operation: `tf.sum(X)` of a disposed `X` fails inside the engine with
 * "Cannot read properties of undefined (reading 'backend')", which names neither the tensor
 * nor the cause. The usual cause is a function that disposes a tensor it was given (its caller
 * still owns it, and uses it again), or a tensor used after the `tf.tidy` that made it.
 * {@linkcode explainDisposedInputs} wraps the engine's `runKernel`, which every operation
 * calls: when a kernel throws and one of its inputs is disposed, the error says which input,
 * its shape and dtype, and that cause. A kernel that succeeds costs one `try`. Installed by
 * {@linkcode ./tf.ts} on import, for lessons, solutions, learners' checks and the grader alike.
 *
 * @example
 * ```ts
 * import * as tf from "./tf.ts";
 * import { DisposedInputError } from "./disposed_inputs.ts";
 * const X = tf.tensor2d([[1, 2]]);
 * X.dispose();
 * try {
 *   tf.exp(X);
 *   throw new Error("tf.exp of a disposed tensor did not throw");
 * } catch (error) {
 *   if (!(error instanceof DisposedInputError) || !error.message.includes("shape [1, 2]")) {
 *     throw new Error(`unexpected error: ${error}`);
 *   }
 * }
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Thrown when an operation's input was disposed before the call. */
export class DisposedInputError extends Error {
  override name = "DisposedInputError";
}

/**
 * What to do about a function that disposed a tensor it was given: the hint the learner's
 * check and the grader give, whether the next use of it threw ({@linkcode DisposedInputError})
 * or a leak count fell.
 *
 * @example
 * ```ts
 * import { DISPOSED_INPUT_HINT } from "./disposed_inputs.ts";
 * if (!DISPOSED_INPUT_HINT.includes("never its arguments")) throw new Error(DISPOSED_INPUT_HINT);
 * ```
 */
export const DISPOSED_INPUT_HINT = "The caller owns the tensors it passes in and may use them " +
  "again: dispose only the tensors your function creates, never its arguments.";

/** Marks the engine's class as wrapped. */
const WRAPPED = Symbol("explainDisposedInputs");

/** The engine's method every operation calls. */
interface Engine {
  runKernel(kernelName: string, inputs: Record<string, unknown>, attrs?: unknown): unknown;
}

/** The first input (or element of an input list) that is a disposed tensor, with its name. */
function disposedInput(inputs: Record<string, unknown>): [string, tf.Tensor] | undefined {
  for (const [name, value] of Object.entries(inputs ?? {})) {
    for (const t of Array.isArray(value) ? value : [value]) {
      if (t instanceof tf.Tensor && t.isDisposed) return [name, t];
    }
  }
  return undefined;
}

/**
 * Wraps the engine's `runKernel` so that a kernel failing on a disposed input throws a
 * {@linkcode DisposedInputError} naming it. Idempotent.
 *
 * @example A failure with live inputs is tfjs's own
 * ```ts
 * import * as tf from "./tf.ts";
 * import { explainDisposedInputs } from "./disposed_inputs.ts";
 * explainDisposedInputs(); // again: changes nothing
 * try {
 *   tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]));
 *   throw new Error("a product of mismatched shapes did not throw");
 * } catch (error) {
 *   if (error instanceof Error && error.name === "DisposedInputError") throw error;
 * }
 * ```
 */
export function explainDisposedInputs(): void {
  const proto = Object.getPrototypeOf(tf.engine()) as Engine & { [WRAPPED]?: true };
  if (proto[WRAPPED]) return;
  const runKernel = proto.runKernel;
  proto.runKernel = function (this: Engine, kernelName, inputs, attrs) {
    try {
      return runKernel.call(this, kernelName, inputs, attrs);
    } catch (error) {
      const disposed = disposedInput(inputs);
      if (disposed === undefined) throw error;
      const [name, t] = disposed;
      throw new DisposedInputError(
        `an operation (tfjs kernel ${kernelName}) was given a tensor that was already disposed: ` +
          `its input ${name}, shape [${t.shape.join(", ")}], ${t.dtype}. Something disposed ` +
          "it before this call: a function must not dispose the tensors it is given (its " +
          "caller still owns them), and a tensor made inside tf.tidy outlives it only if it is " +
          "returned from it or kept with tf.keep",
      );
    }
  };
  Object.defineProperty(proto, WRAPPED, { value: true });
}

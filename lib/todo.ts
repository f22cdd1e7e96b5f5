/**
 * `TodoError`: what an exercise throws until the learner writes it.
 *
 * Every stub in `exercises/` throws a `TodoError` where the learner works, so the learner's
 * check, the tests and the grader can say "not started" in one line instead of printing a
 * stack trace.
 *
 * @example
 * ```ts
 * import { isTodo, todo } from "./todo.ts";
 * try {
 *   todo("softmax");
 * } catch (error) {
 *   if (!isTodo(error)) throw error;
 * }
 * ```
 *
 * @module
 */

/**
 * Thrown by an exercise that has not been written yet.
 *
 * @example
 * ```ts
 * import { TodoError } from "./todo.ts";
 * const error = new TodoError("softmax");
 * if (error.exercise !== "softmax" || !error.message.startsWith("softmax is not written yet")) {
 *   throw new Error(error.message);
 * }
 * ```
 */
export class TodoError extends Error {
  /** The exercise, e.g. `"softmax"`. */
  readonly exercise: string;
  /**
   * The error of an unwritten exercise.
   *
   * @param exercise the exercise's name, shown to the learner.
   */
  constructor(exercise: string) {
    super(`${exercise} is not written yet: replace the TODO in exercises/ with your code`);
    this.name = "TodoError";
    this.exercise = exercise;
  }
}

/**
 * Throws a {@linkcode TodoError} for `exercise`. Stubs call it where the learner works.
 *
 * @example
 * ```ts
 * import { todo } from "./todo.ts";
 * let threw = false;
 * try { todo("sumKeepdim"); } catch { threw = true; }
 * if (!threw) throw new Error("unexpected: !threw");
 * ```
 */
export function todo(exercise: string): never {
  throw new TodoError(exercise);
}

/**
 * Whether `error` is a {@linkcode TodoError}, also one from another copy of this module (a
 * grader's sandbox loads its own).
 *
 * @example
 * ```ts
 * import { isTodo, TodoError } from "./todo.ts";
 * if (!isTodo(new TodoError("x")) || isTodo(new Error("x"))) throw new Error("unexpected: !isTodo(new TodoError(\"x\")) || isTodo(new Error(\"x\"))");
 * ```
 */
export function isTodo(error: unknown): boolean {
  return error instanceof TodoError ||
    (error instanceof Error && error.name === "TodoError");
}

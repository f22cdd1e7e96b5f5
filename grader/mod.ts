/**
 * The grader: safe, exact auto-scoring of untrusted submissions against the kit's case tables.
 *
 * ```text
 * deno task grade SUBMISSION_DIR                # a table on the terminal
 * deno task grade SUBMISSION_DIR --out results.json            # Gradescope's format
 * deno task grade --batch submissions/ --out grades/ --jobs 2  # gradebook.csv + one file each
 * ```
 *
 * A submission's code never runs in the grader's process: it runs in a separate `deno`
 * process, inside a Worker without permissions, with the kit's own configuration, time limits
 * and a memory cap ({@linkcode ./sandbox.ts}). Only plain data comes back ({@linkcode
 * ./plain.ts}), and each case's `check` judges it here. The grader holds the manifest of
 * expected cases ({@linkcode ./manifest.ts}); a case without a result is failed, never passed.
 *
 * @example Grade one submission programmatically (here against the grader's fixture kit)
 * ```ts
 * import { formatTerminal, gradeSubmission, openSession } from "./mod.ts";
 * import { fixtureConfig } from "../tests/fixtures/grader/helpers.ts";
 * const session = await openSession({ config: fixtureConfig() });
 * try {
 *   const report = await gradeSubmission(session, "tests/fixtures/submissions/stubs");
 *   if (!formatTerminal(report).includes("stubs: 0/12 points (graded)")) throw new Error();
 * } finally {
 *   await session.close();
 * }
 * ```
 *
 * @module
 */
export { defaultConfig, type GraderConfig, KIT_ROOT } from "./config.ts";
export { type GraderSession, openSession, type SessionOptions } from "./session.ts";
export {
  type BatchEntry,
  type BatchOptions,
  gradeBatch,
  type GradeOptions,
  gradeSubmission,
  listBatch,
} from "./grade.ts";
export { formatTerminal, summaryLine } from "./format_terminal.ts";
export { formatGradescope, type GradescopeResults } from "./format_gradescope.ts";
export { type ExercismResults, formatExercism } from "./format_exercism.ts";
export { formatJunit } from "./format_junit.ts";
export { gradebookCsv } from "./gradebook.ts";
export { loadRubric, parseRubric, type Rubric } from "./rubric.ts";
export { writeFileAtomic } from "../lib/write_atomic.ts";
export type * from "./types.ts";

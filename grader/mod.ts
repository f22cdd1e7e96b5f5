/**
 * The grader: exact auto-scoring of untrusted submissions against the kit's case tables.
 *
 * ```text
 * deno task grade SUBMISSION_DIR                                # a table on the terminal
 * deno task grade SUBMISSION_DIR --out results.json            # Gradescope's format
 * deno task grade --batch submissions/ --out grades/ --jobs 2  # gradebook.csv + one file each
 * ```
 *
 * The pipeline, one folder per step: `prepare/` (stage a copy, check each file's module graph
 * against its exercise's import policy, type-check file by file), `sandbox/` (run each case's
 * run half next to the submission's code, in a separate process), `score/` (judge each output
 * with the case's check, in a judge process), `report/` (the teacher's report, and what each
 * format shows students). {@linkcode openSession} loads and checks everything once;
 * {@linkcode gradeSubmission} and {@linkcode gradeBatch} grade.
 *
 * ## What holds, whatever a submission does
 *
 * Each property has a hostile fixture in `tests/fixtures/submissions/` that fails if it breaks.
 *
 * 1. **No submission can change another's score.** Submitted code runs only in a sandbox
 *    process of its own (no network, subprocesses, FFI or writes but its results file; a
 *    memory cap; CPU-time limits with a wall-clock backstop), which is restarted after a crash.
 *    Its outputs are judged in a judge process, by checks that validate shapes and sizes
 *    before computing anything; a judge that breaks is replaced and the case judged again by
 *    a fresh one, and a judge is reused only after it proves sound.
 * 2. **Nothing of a hidden case, and nothing that judges, can be read by submitted code.** The
 *    sandbox loads the tables' run halves (inputs and calls) and nothing else of the grader's
 *    side: no check, expected value, reference, hint or hidden case name. Hidden cases' run
 *    halves load only in Workers of their own, after the visible ones, whose messages students
 *    never see. Node built-ins the import policy refuses fail at run time too (import map), and
 *    `process.getBuiltinModule` is gone.
 * 3. **A score reflects only the submission's code.** An exercise's code can load only what its
 *    exercise may import (`config.ts`): not the lesson that implements it, nor `mod.ts`,
 *    `solutions/` or `tests/`; statically (checked before anything runs) or by a computed
 *    import (each Worker may read only its exercises' files). Exercises share a Worker only
 *    when each may load everything loaded in it; a run hands an implementation nothing that
 *    implements its own concept. A result reaches the grader only through a port that only the
 *    harness holds, in answer to a request for that case.
 * 4. **One submission cannot stop, starve or flood the batch.** Module graph, type check,
 *    sandbox and judge each run per submission (a shared step that fails is redone one
 *    submission at a time) under a time limit and a memory cap; whatever fails there fails that
 *    submission's files, with a reason. Every channel is capped: outputs, messages, the results
 *    file, the processes' stdout and stderr. Workers cannot start Workers. Deep trees, odd names
 *    and special files have a reason, and a result is always written.
 * 5. **Reports cannot be forged.** Every name and message is escaped for its format (terminal,
 *    CSV, JSON, JUnit XML); formats for students carry no time of a hidden case.
 * 6. **Honest mistakes cost only what they break.** A file that does not load or type-check
 *    scores 0 for its own exercise; a timeout fails the rest of its exercise at once, and time
 *    is CPU time; a case needing data this machine lacks is a set-up error; a submission one
 *    folder down is found.
 *
 * @example Grade the reference solutions
 * ```ts ignore
 * import { formatTerminal, gradeSubmission, openSession } from "./mod.ts";
 * const session = await openSession();
 * try {
 *   const report = await gradeSubmission(session, "solutions");
 *   console.log(formatTerminal(report));
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
  explainRunError,
  type FileProblem,
  loadFailureHint,
  prepareFiles,
  type PrepareFilesOptions,
  problemHint,
} from "./prepare/files.ts";
export { explainLeftOut, type StagedSubmission } from "./prepare/stage.ts";
export {
  type BatchEntry,
  type BatchOptions,
  gradeBatch,
  type GradeOptions,
  gradeSubmission,
  listBatch,
} from "./grade.ts";
export { formatTerminal, summaryLine } from "./report/terminal.ts";
export { formatGradescope, type GradescopeResults } from "./report/gradescope.ts";
export { type ExercismResults, formatExercism } from "./report/exercism.ts";
export { formatJunit } from "./report/junit.ts";
export { gradebookCsv } from "./report/gradebook.ts";
export { escapeLine, safeFileName } from "./report/escape.ts";
export { studentView, type View } from "./report/view.ts";
export {
  GRADESCOPE_DEFAULTS,
  type GradescopeOptions,
  type GradescopeVisibility,
  type LeaderboardColumn,
  loadRubric,
  parseRubric,
  type Rubric,
} from "./rubric.ts";
export {
  checkGate,
  type Gate,
  GATE_EXIT,
  gateShortfalls,
  type MinScore,
  parseMinScore,
} from "./gate.ts";
export {
  gradingDigests,
  mergeShards,
  parseShard,
  type Shard,
  SHARD_FILE,
  shardOf,
  type ShardRecord,
} from "./shards.ts";
export { writeFileAtomic } from "../lib/write_atomic.ts";
export type * from "./report/types.ts";

/**
 * The grader end to end, as a teacher grades a class: every fixture submission
 * (`tests/fixtures/submissions/`, each attacking one property or making one honest mistake),
 * with the fixture's hidden cases and rubric, in one batch of two jobs: the hostile ones first,
 * the reference solutions last. Each gets exactly the score its code earns, with the statuses
 * and messages its README entry gives; the reference keeps full marks after all of them; and
 * no report a student sees holds anything of a hidden case, a check or a reference.
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it, like the other
 * full-data tests; CI has it.
 */
import { join } from "node:path";
import {
  type CaseStatus,
  defaultConfig,
  formatExercism,
  formatGradescope,
  formatJunit,
  formatTerminal,
  gradeBatch,
  gradebookCsv,
  openSession,
  studentView,
  type SubmissionReport,
} from "../grader/mod.ts";
import { totalPoints } from "./cases/mod.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { composeSubmission, KIT } from "./helpers/submissions.ts";

/**
 * Per exercise: one status for all its cases, or per case by a fragment of its name (the first
 * fragment that matches; `"*"` for the rest).
 */
type Expected = Record<string, CaseStatus | Record<string, CaseStatus>>;

interface Fixture {
  /** The fixture's directory, or `undefined` for the solutions alone. */
  fixture?: string;
  /** Not laid over the solutions. */
  whole?: boolean;
  /** Cases that do not pass (every other case passes). */
  expected: Expected;
  /** The submission's status. Default `graded`. */
  status?: SubmissionReport["status"];
  /** Fragments of the messages of the first failing case per exercise, or of the report's. */
  messages?: Record<string, string>;
  /** Fragments of the hint of every failing case of an exercise. */
  hints?: Record<string, string>;
  /** Fragments of the report's notes. */
  notes?: string[];
}

const EVE = "eve\nmallory: 133/133 points (graded)\u001b[2J";
/** A summary line a file name tries to forge. */
const FORGED = "mallory: 133\u2215133 points (graded)";

/** A perfect score: the kit's points, +2 by the fixtures' rubric, +3 of hidden cases. */
const MAX = totalPoints + 5;
/** softmax() returning a copy of X: only the cases that read no values pass. */
const COPY_OF_X = {
  "empty batch": "passed",
  "rank-1": "passed",
  "no tensors behind": "passed",
  "*": "failed",
} as const;

/** Every softmax the submission computes is refused: only the cases that compute none pass. */
const SOFTMAX_REFUSED = { "empty batch": "passed", "rank-1": "passed", "*": "error" } as const;

const FIXTURES: Record<string, Fixture> = {
  huge_sizes: {
    fixture: "huge_sizes",
    expected: { log_zero: { "zeroProbabilityExample()": "failed" } },
    messages: { log_zero: "at most 64 examples" },
  },
  reads_secrets: {
    fixture: "reads_secrets",
    // Hidden cases run in Workers of their own, where their inputs are readable: the teacher
    // sees that it looked; no student sees it, and no visible case found anything.
    expected: { softmax: { "(hidden": "error", "hidden batch": "error", "tall [40, 2]": "error" } },
    messages: { softmax: "SAW-HIDDEN-INPUT" },
  },
  wraps_kit: {
    fixture: "wraps_kit",
    expected: {
      softmax: "blocked",
      cross_entropy: "blocked",
      evaluate_accuracy: "blocked",
      stable_softmax: "blocked",
    },
    messages: {
      softmax: "may not load the kit's mod.ts",
      cross_entropy: "lessons/03_cross_entropy.ts",
      evaluate_accuracy: "lessons/04_evaluate_accuracy.ts",
      stable_softmax: "solutions/stable_softmax.ts",
    },
  },
  reads_test_split: {
    fixture: "reads_test_split",
    expected: { predict_ch3: "blocked" },
    messages: { predict_ch3: "code (.ts modules) only, not the file data/subset/t10k-labels" },
  },
  computed_imports: {
    fixture: "computed_imports",
    expected: { softmax: { "rank-1": "failed", "*": "error" } },
    messages: { softmax: "could not reach the kit's softmax" },
  },
  uses_tfjs_shortcuts: {
    fixture: "uses_tfjs_shortcuts",
    expected: {
      softmax: "error", // the rank-1 case too: a refusal caught (by the case's capture) counts
      cross_entropy: {
        "pickTrueClass() picks": "passed",
        "never reads the other classes": "passed",
        "*": "error",
      },
      gradient_by_hand: { "gradByHand()": "error" },
      stable_softmax: { "logSumExp()": "error", "leave no tensors": "error" },
      train_epoch_ch3: { "sgd()": "error", "*": "passed" },
    },
    messages: {
      // The first route's refusal: the others were tried after it was caught.
      softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed in this exercise",
      train_epoch_ch3: "A tf.train optimizer's update (applyGradients, which minimize calls)",
      cross_entropy: "tf.losses.softmaxCrossEntropy, TensorFlow.js's own version of it, is not",
      gradient_by_hand: "TensorFlow.js's autodiff (tf.grad, tf.variableGrads",
      stable_softmax: "tf.logSumExp, TensorFlow.js's own version of it, is not allowed",
    },
  },
  bypasses_guard: {
    fixture: "bypasses_guard",
    expected: {
      softmax: { "rank-1": "passed", "empty batch": "passed", "*": "error" },
      gradient_by_hand: { "gradByHand() reject": "passed", "gradByHand()": "error" },
      stable_softmax: "error",
    },
    messages: {
      softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed in this exercise",
      gradient_by_hand: "TensorFlow.js's autodiff (tf.grad, tf.variableGrads",
      stable_softmax: "Cannot assign to read only property '_tfengine'",
    },
  },
  second_tfjs: {
    fixture: "second_tfjs",
    expected: {
      softmax: "error",
      cross_entropy: "error",
      gradient_by_hand: "error",
      stable_softmax: "error",
      train_epoch_ch3: "error",
    },
    messages: {
      train_epoch_ch3: "a second copy of TensorFlow.js's core is loading",
      softmax: "read only property 'window'",
      cross_entropy: "read only property 'window'",
      gradient_by_hand: "read only property 'window'",
      stable_softmax: "read only property 'window'",
    },
  },
  replays_tape: {
    fixture: "replays_tape",
    expected: { gradient_by_hand: { "gradByHand() reject": "passed", "gradByHand()": "error" } },
    messages: { gradient_by_hand: "TensorFlow.js's autodiff (tf.grad, tf.variableGrads" },
  },
  loads_shortcut: {
    fixture: "loads_shortcut",
    expected: { sum_keepdim: "error", softmax: "error" },
    messages: {
      sum_keepdim: "tf.softmax, TensorFlow.js's own version of it, is not allowed while an",
      softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed while an",
    },
  },
  async_exports: {
    fixture: "async_exports",
    expected: { accuracy: "error" },
    messages: { accuracy: "accuracy() returned a Promise" },
  },
  optimizer_state: {
    fixture: "optimizer_state",
    expected: { train_epoch_ch3: { "sgd()": "error", "*": "passed" } },
    messages: { train_epoch_ch3: "A tf.train optimizer's update (applyGradients" },
  },
  late_getters: {
    fixture: "late_getters",
    expected: {
      softmax: {
        "empty batch": "passed",
        "rank-1": "passed",
        "no tensors behind": "passed",
        "differentiable": "failed",
        "*": "error",
      },
    },
    messages: { softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed" },
  },
  hijacks_await: {
    fixture: "hijacks_await",
    expected: { softmax: COPY_OF_X },
  },
  then_getter: {
    fixture: "then_getter",
    expected: { softmax: COPY_OF_X },
  },
  reads_requests: {
    fixture: "reads_requests",
    expected: { softmax: COPY_OF_X },
  },
  calls_wasm_kernel: {
    fixture: "calls_wasm_kernel",
    expected: { softmax: SOFTMAX_REFUSED, stable_softmax: { "stableSoftmax()": "error" } },
    messages: { softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed" },
  },
  calls_function_table: {
    fixture: "calls_function_table",
    expected: { softmax: SOFTMAX_REFUSED, stable_softmax: { "stableSoftmax()": "error" } },
    messages: { softmax: "Cannot read properties of undefined (reading 'get')" },
  },
  fresh_wasm_instance: {
    fixture: "fresh_wasm_instance",
    expected: { softmax: SOFTMAX_REFUSED },
    messages: { softmax: "is not allowed: checked and graded code has no read permission there" },
  },
  imports_wasm_module: {
    fixture: "imports_wasm_module",
    expected: { softmax: SOFTMAX_REFUSED },
    messages: { softmax: "is not allowed: checked and graded code has no read permission there" },
  },
  samples_softmax: {
    fixture: "samples_softmax",
    expected: { softmax: SOFTMAX_REFUSED },
    messages: { softmax: "tf.multinomial of logits (normalized: false)" },
  },
  grabs_custom_grad: {
    fixture: "grabs_custom_grad",
    expected: { gradient_by_hand: { "gradByHand() reject": "passed", "gradByHand()": "error" } },
    messages: { gradient_by_hand: "TensorFlow.js's autodiff" },
  },
  fused_kernel: {
    fixture: "fused_kernel",
    expected: { softmax: "blocked", stable_softmax: "blocked" },
    messages: { softmax: "may not load the kit's lib/fused_step_bytes.ts" },
  },
  samples_at_load: { fixture: "samples_at_load", expected: {} },
  timer_after_case: {
    fixture: "timer_after_case",
    expected: { accuracy: { "no tensors behind": "failed" } },
    messages: { accuracy: "left 1 tensor(s) behind" },
  },
  timer_after_case_late: {
    fixture: "timer_after_case_late",
    expected: { accuracy: { "no tensors behind": "failed" } },
    messages: { accuracy: "left 1 tensor(s) behind" },
  },
  own_wasm_module: {
    fixture: "own_wasm_module",
    expected: { sum_keepdim: "error" },
    messages: { sum_keepdim: "WebAssembly.Module() is not allowed while grading" },
  },
  multinomial_logits_at_load: {
    fixture: "multinomial_logits_at_load",
    expected: { huge_vocabulary: "error" },
    messages: { huge_vocabulary: "tf.multinomial of logits (normalized: false)" },
  },
  grads_cross_entropy: {
    fixture: "grads_cross_entropy",
    expected: { softmax: { "rank-1": "passed", "*": "error" } },
    messages: { softmax: "tf.losses.softmaxCrossEntropy, TensorFlow.js's own version of it" },
  },
  taps_custom_grad: {
    fixture: "taps_custom_grad",
    expected: { gradient_by_hand: { "gradByHand() reject": "passed", "gradByHand()": "error" } },
    messages: { gradient_by_hand: "TensorFlow.js's autodiff" },
  },
  precomputes_between_cases: {
    fixture: "precomputes_between_cases",
    expected: { softmax: { "(hidden": "error", "hidden batch": "error", "tall [40, 2]": "error" } },
    messages: { softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed" },
  },
  enables_debug: { fixture: "enables_debug", expected: {} },
  names_variables: { fixture: "names_variables", expected: {} },
  reads_unhanded_file: {
    fixture: "reads_unhanded_file",
    expected: { accuracy: "error" },
    messages: { accuracy: "exercises/labels.txt is not handed to the grader: only .ts" },
    hints: { accuracy: "a file the grader is not handed" },
  },
  leaves_tape_on: { fixture: "leaves_tape_on", expected: {} },
  imports_kit_as_json: {
    fixture: "imports_kit_as_json",
    expected: { accuracy: "blocked" },
    messages: { accuracy: "the kit's lib/tfjs_unused.ts cannot be loaded" },
  },
  imports_kit_at_source_phase: {
    fixture: "imports_kit_at_source_phase",
    expected: { accuracy: "blocked" },
    messages: { accuracy: "at source phase" },
  },
  disposes_its_input: {
    fixture: "disposes_its_input",
    expected: { softmax: { "no tensors behind": "failed" } },
    messages: { softmax: "disposed 1 tensor(s) made before the call" },
    hints: { softmax: "dispose only the tensors your function creates, never its arguments" },
  },
  loads_data_when_imported: {
    fixture: "loads_data_when_imported",
    expected: { evaluate_accuracy: "error" },
    messages: { evaluate_accuracy: "Cannot read the full Fashion-MNIST data set here" },
    hints: { evaluate_accuracy: "if (import.meta.main)" },
  },
  dot_folder_helper: {
    fixture: "dot_folder_helper",
    expected: { softmax: "error" },
    messages: { softmax: "is not handed to the grader: names that start with a dot" },
  },
  default_export: {
    fixture: "default_export",
    expected: { accuracy: "error" },
    messages: { accuracy: "it has a default export; export accuracy by name" },
    hints: { accuracy: "Keep the file's exports" },
  },
  waits_without_cpu: {
    fixture: "waits_without_cpu",
    expected: { softmax: { "row with a NaN": "error", "hidden batch": "error" } },
    messages: { softmax: "Atomics.wait() is not allowed while grading" },
  },
  late_error: {
    fixture: "late_error",
    expected: { softmax: { "rank-1": "passed", "*": "error" } },
    messages: { softmax: "tf.softmax, TensorFlow.js's own version of it, is not allowed" },
  },
  sets_backend: { fixture: "sets_backend", expected: {} },
  reads_relative: { fixture: "reads_relative", expected: {} },
  stray_rejection: {
    fixture: "stray_rejection",
    expected: { sum_keepdim: { "sumKeepdim() rejects": "error", "*": "passed" } },
    messages: {
      sum_keepdim: "uncaught error: Uncaught (in promise) TypeError: Cannot compute sumKeepdim",
    },
  },
  silenced_rejection: {
    fixture: "silenced_rejection",
    expected: { sum_keepdim: { "sumKeepdim() rejects": "error", "*": "passed" } },
    messages: {
      sum_keepdim: "uncaught error: Uncaught (in promise) TypeError: Cannot compute sumKeepdim",
    },
  },
  rejects_on_load: {
    fixture: "rejects_on_load",
    expected: { sum_keepdim: "error" },
    messages: {
      sum_keepdim: "exercises/sum_keepdim.ts failed to load: uncaught error: Uncaught (in " +
        "promise) Error: the warm-up failed",
    },
  },
  rejects_after_load: {
    fixture: "rejects_after_load",
    expected: { sum_keepdim: "error" },
    messages: { sum_keepdim: "uncaught error: Uncaught (in promise) Error: the warm-up failed" },
  },
  async_helper_elsewhere: {
    fixture: "async_helper_elsewhere",
    expected: { sum_keepdim: { "rejects a rank-1": "error", "*": "passed" } },
    messages: {
      sum_keepdim: "uncaught error: Uncaught (in promise) TypeError: Cannot compute sumKeepdim",
    },
  },
  silences_dispatch: {
    fixture: "silences_dispatch",
    expected: { sum_keepdim: "error" },
    messages: { sum_keepdim: "Cannot assign to read only property 'dispatchEvent'" },
  },
  captures: {
    fixture: "captures",
    expected: {
      cross_entropy: {
        "crossEntropy() rejects": "failed",
        "crossEntropy()": "error",
        "leaves no tensors": "error",
      },
      train_epoch_ch3: { "trainEpochCh3()": "not-attempted" },
    },
    messages: { cross_entropy: "nothing captured" },
  },
  forges_results: {
    fixture: "forges_results",
    expected: { sum_keepdim: { "leaves no tensors": "failed" } },
    messages: { sum_keepdim: "tensor(s) behind" },
  },
  escapes: { fixture: "escapes", expected: {} },
  loops_forever: {
    fixture: "loops_forever",
    expected: { sum_keepdim: "timeout" },
    messages: { sum_keepdim: "ms of CPU time" },
  },
  allocates_unbounded: {
    fixture: "allocates_unbounded",
    expected: { softmax: { "N(0, 1) [2, 5]": "crashed" } },
    messages: { softmax: "memory" },
  },
  floods: {
    fixture: "floods",
    expected: { softmax: { "rank-1": "failed", "*": "error" } },
    messages: { softmax: "AAAA" },
  },
  huge_outputs: {
    fixture: "huge_outputs",
    expected: {
      softmax: {
        "rank-1": "passed",
        "leaves no tensors": "passed",
        "differentiable": "error",
        "*": "failed",
      },
    },
  },
  multibyte_outputs: {
    fixture: "multibyte_outputs",
    expected: {
      log_zero: {
        "leaves no tensors": "passed",
        "oneSgdStep()": "failed",
        "zeroProbabilityExample()": "failed",
      },
    },
    messages: { log_zero: "bytes encoded" },
  },
  fills_cache: {
    fixture: "fills_cache",
    expected: { sum_keepdim: "error" },
    messages: { sum_keepdim: "Deno's cache" },
  },
  env_channel: {
    fixture: "env_channel",
    expected: { softmax: "not-attempted" },
    messages: { softmax: "softmax is not written yet" },
  },
  inline_type_import: { fixture: "inline_type_import", expected: {} },
  augments_types: {
    fixture: "augments_types",
    expected: { huge_vocabulary: "error" },
    messages: { huge_vocabulary: "does not type-check" },
  },
  augments_types_utf16: {
    fixture: "augments_types_utf16",
    expected: { huge_vocabulary: "error" },
    messages: { huge_vocabulary: "does not type-check" },
  },
  bad_imports: {
    fixture: "bad_imports",
    expected: { softmax: "blocked", accuracy: "error" },
    messages: { softmax: '"/dev/zero"', accuracy: "does not load" },
  },
  type_error: {
    fixture: "type_error",
    expected: { accuracy: "error" },
    messages: { accuracy: "does not type-check" },
  },
  syntax_error: {
    fixture: "syntax_error",
    expected: { accuracy: "error" },
    messages: { accuracy: "does not load" },
  },
  throws_at_import: {
    fixture: "throws_at_import",
    expected: { softmax: "error" },
    messages: { softmax: "failed to load" },
    // One hint, about loading, as the check gives: not each case's own about code that never ran.
    hints: { softmax: "Loading a file runs its top-level code, and that threw" },
  },
  own_deno_json: { fixture: "own_deno_json", expected: {}, notes: ["Ignored deno.json"] },
  uses_network: { fixture: "uses_network", expected: {} },
  writes_files: { fixture: "writes_files", expected: {} },
  nested_folder: { fixture: "nested_folder", whole: true, expected: {}, notes: ["homework/"] },
  no_exercise_files: {
    fixture: "no_exercise_files",
    whole: true,
    status: "not-gradable",
    expected: {},
    messages: { submission: "No exercise file found" },
  },
  deep_tree: {
    whole: true,
    status: "not-gradable",
    expected: {},
    messages: { submission: "deeper than 16 levels" },
  },
  stubs: { whole: true, expected: { "*": "not-attempted" } },
  [EVE]: { expected: {} },
  reference: { expected: {} },
};

/** Builds the submission of fixture `name` in `dir`. */
async function build(name: string, fixture: Fixture, dir: string): Promise<void> {
  if (name === "stubs") {
    await Deno.mkdir(dir, { recursive: true });
    for await (const e of Deno.readDir(join(KIT, "exercises"))) {
      await Deno.copyFile(join(KIT, "exercises", e.name), join(dir, e.name));
    }
    return;
  }
  if (name === "deep_tree") {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(join(KIT, "solutions", "softmax.ts"), join(dir, "softmax.ts"));
    const chain = Array.from({ length: 1100 }, () => "d").join("/");
    await new Deno.Command("mkdir", { args: ["-p", chain], cwd: dir }).output();
    return;
  }
  await composeSubmission(dir, fixture.fixture, { whole: fixture.whole });
  if (name === "nested_folder") {
    for await (const e of Deno.readDir(join(KIT, "solutions"))) {
      await Deno.copyFile(join(KIT, "solutions", e.name), join(dir, "homework", e.name));
    }
  }
  if (name === EVE) await Deno.writeTextFile(join(dir, "x\u001b[2J\n.ts"), "export {};");
  if (name === "no_exercise_files") {
    // The reason lists the .ts files it holds: a name with a line break must not forge a line
    // (found by the second review).
    await Deno.writeTextFile(join(dir, `x\n${FORGED}\n.ts`), "export {};");
  }
}

/** What `report` should be, from the fixture's expectations. */
function expectedStatus(fixture: Fixture, exercise: string, caseName: string): CaseStatus {
  const spec = fixture.expected[exercise] ?? fixture.expected["*"];
  if (spec === undefined) return "passed";
  if (typeof spec === "string") return spec;
  const hit = Object.entries(spec).find(([fragment]) =>
    fragment !== "*" && caseName.includes(fragment)
  );
  return hit?.[1] ?? spec["*"] ?? "passed";
}

/** What a student may never see: a hidden case's text, or what a submission saw of one. */
const HIDDEN = ["HIDDEN-INPUT-7f3a", "HIDDEN-CHECK-2c9e", "SAW-HIDDEN-INPUT"];
/** What no report, not even the teacher's, may hold: a fixture that got out says so. */
const ESCAPES = ["LEAKED", "ESCAPED", "WROTE", "NETWORK"];

Deno.test({
  name:
    "a class graded in one batch: hostile submissions first, then the reference, every score exact",
  ignore: ignoreWithoutFullData,
  sanitizeResources: false,
  async fn(t) {
    const work = await Deno.makeTempDir({ prefix: "grader-batch-" });
    const names = Object.keys(FIXTURES);
    for (const name of names) {
      await build(name, FIXTURES[name], join(work, `${names.indexOf(name)}`));
    }
    const session = await openSession({
      // Half the default memory cap: the hostile allocator must reach it within its case's
      // 10 s of CPU, and on a VM where every fresh page is slow to fault in, touching the
      // default 2048 MiB takes longer (then it times out, and its file's later cases are not
      // run). The reference and every other fixture grade the same under either cap.
      config: defaultConfig({ memoryMb: 1024 }),
      hiddenDir: join(KIT, "tests", "fixtures", "hidden"),
      rubricFile: join(KIT, "tests", "fixtures", "rubric.json"),
    });
    let reports: SubmissionReport[];
    try {
      reports = await gradeBatch(
        session,
        names.map((name, i) => ({ name, dir: join(work, String(i)) })),
        { jobs: 2 },
      );
    } finally {
      await session.close();
      await new Deno.Command("rm", { args: ["-rf", work] }).output();
    }
    const { manifest } = session;
    assertEquals(manifest.maxScore, MAX, "the kit's points, +2 by the rubric, +3 hidden");
    for (const [i, name] of names.entries()) {
      const fixture = FIXTURES[name];
      const report = reports[i];
      await t.step(JSON.stringify(name), () => {
        const why = formatTerminal(report, "instructor");
        assertEquals(report.status, fixture.status ?? "graded", why);
        // A timed-out case's thread may run on (Worker.terminate() does not stop a loop): the
        // cases after it run in a fresh process, not charged its CPU time (nineteenth review).
        if (name === "loops_forever" || name === "reference") {
          const processes = report.timings?.sandboxProcesses ?? 0;
          assertEquals(name === "reference" ? processes === 1 : processes >= 2, true, why);
        }
        if (report.status !== "graded") {
          assertIncludes(report.message, [fixture.messages!.submission]);
          assertEquals(report.score, 0);
          return;
        }
        let expectedScore = 0;
        for (const exercise of report.exercises) {
          for (const c of exercise.cases) {
            const want = expectedStatus(fixture, exercise.id, c.name);
            assertEquals(
              `${exercise.id}: ${c.name}: ${c.status}`,
              `${exercise.id}: ${c.name}: ${want}`,
              why,
            );
            if (want === "passed") expectedScore += c.maxScore;
          }
          const fragment = fixture.messages?.[exercise.id];
          if (fragment !== undefined) {
            const first = exercise.cases.find((c) => c.status !== "passed")!;
            assertIncludes(first.message, [fragment]);
            assertEquals(first.message.length <= session.config.maxMessageChars * 4 + 1, true);
          }
          const hint = fixture.hints?.[exercise.id];
          for (const c of exercise.cases.filter((c) => hint && c.status !== "passed")) {
            assertIncludes(c.hint, [hint!]);
          }
        }
        assertEquals(report.score, expectedScore, why);
        for (const note of fixture.notes ?? []) assertIncludes(report.notes.join("\n"), [note]);
      });
    }
    await t.step("the fixtures' README gives each fixture's exact score", async () => {
      const readme = await Deno.readTextFile(
        join(KIT, "tests", "fixtures", "submissions", "README.md"),
      );
      const wrong: string[] = [];
      for (const [i, name] of names.entries()) {
        const fixture = FIXTURES[name].fixture;
        if (fixture === undefined) continue;
        const row = readme.split("\n").find((line) => line.startsWith(`| \`${fixture}/\` |`));
        const stated = reports[i].status === "not-gradable"
          ? row?.includes("**not gradable**")
          : Number(row?.match(new RegExp(`(\\d+)/${MAX} \\|$`))?.[1]) === reports[i].score;
        if (!stated) wrong.push(`${fixture}: ${reports[i].score}/${MAX} (${reports[i].status})`);
      }
      assertEquals(wrong, [], "the README states another result");
    });
    await t.step("the reference keeps full marks after every hostile submission", () => {
      assertEquals(reports.at(-1)!.score, MAX);
    });
    await t.step(
      "no report a student sees holds a hidden case's text; none says a fixture got out",
      () => {
        for (const report of reports) {
          // The report itself too: the table wraps long words, which could split a marker.
          const teacher = `${formatTerminal(report, "instructor")}\n${JSON.stringify(report)}`;
          for (const marker of ESCAPES) {
            assertEquals(teacher.includes(marker), false, `${report.submission}: ${teacher}`);
          }
          // How a hidden case failed is chosen by code that saw its input: students see
          // passed or failed only (blocked and not-run are decided before anything runs).
          for (const e of studentView(report).exercises) {
            for (const c of e.cases.filter((c) => c.hidden)) {
              assertEquals(
                ["passed", "failed", "blocked", "not-run"].includes(c.status),
                true,
                `${report.submission}: hidden ${c.name} shows ${c.status}`,
              );
            }
          }
          const gradescope = formatGradescope(report);
          const visible = gradescope.tests.filter((t) => t.visibility === "visible");
          for (const test of visible) {
            assertEquals(["passed", "failed"].includes(test.status), true, test.name);
          }
          const hiddenNames = new Set(
            report.exercises.flatMap((e) =>
              e.cases.filter((c) => c.hidden).map((c) => `${e.id}: ${c.name}`)
            ),
          );
          for (const test of visible.filter((t) => hiddenNames.has(t.name))) {
            assertEquals(["passed", "failed", "blocked", "not-run"].includes(test.tags[1]), true);
          }
          const texts = [
            formatTerminal(report),
            formatJunit(report),
            JSON.stringify(formatExercism(report)),
            JSON.stringify(visible),
            JSON.stringify(formatGradescope(report, "student")),
            gradescope.output,
          ];
          for (const text of texts) {
            for (const secret of HIDDEN) {
              assertEquals(
                text.includes(secret),
                false,
                `${report.submission}: ${secret} in ${text}`,
              );
            }
          }
        }
      },
    );
    await t.step(
      "a student's name with a line break and an escape sequence stays one escaped line",
      () => {
        const eve = reports[names.indexOf(EVE)];
        assertIncludes(eve.notes.join("\n"), ["Refused x\u001b[2J\n.ts"]);
        for (const text of [formatTerminal(eve), formatJunit(eve), gradebookCsv([eve], [])]) {
          assertEquals(text.includes("\u001b"), false, text);
        }
        assertEquals(gradebookCsv([eve], []).trimEnd().split("\n").length, 2);
        const listed = formatTerminal(reports[names.indexOf("no_exercise_files")]);
        assertEquals(listed.split("\n").some((line) => line.startsWith("mallory")), false, listed);
      },
    );
  },
});

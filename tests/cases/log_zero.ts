/**
 * Cases for exercise 2, `exercises/log_zero.ts`: one SGD step of the lesson's training, on
 * healthy data (compared with a float64 reference) and on data where a true-class
 * probability is exactly 0 (loss `Infinity`, `NaN` gradients, a `NaN` model). The runs are
 * in `runs/log_zero.ts`.
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import { createNet } from "../../lessons/02_softmax.ts";
import type { Case, Exercise } from "./case.ts";
import { expectMatrix, expectNoLeak, expectNumbers, fail, field } from "./helpers.ts";
import { sgdStepReference } from "./reference.ts";
import { HEALTHY, POISONED, runs } from "./runs/log_zero.ts";

type Impl = typeof import("../../exercises/log_zero.ts");

interface Shapes {
  inputs: number;
  classes: number;
}

/** Validates a step report of the given shapes; returns its fields. */
function readReport(output: unknown, { inputs, classes }: Shapes, batch: number) {
  const what = "oneSgdStep()";
  return {
    losses: expectNumbers(field(output, "losses", what), `${what}.losses`, batch),
    gradW: expectMatrix(field(output, "gradW", what), `${what}.gradW`, [inputs, classes]),
    gradB: expectNumbers(field(output, "gradB", what), `${what}.gradB`, classes),
    W: expectMatrix(field(output, "W", what), `${what}.W`, [inputs, classes]),
    b: expectNumbers(field(output, "b", what), `${what}.b`, classes),
  };
}

/**
 * The largest example zeroProbabilityExample() may return: the student chooses its sizes, so
 * the check bounds them before it validates entries or builds the lesson's model from them.
 */
const MAX = { examples: 64, inputs: 64, classes: 64 };

/** Fails when `value` is an array longer than `max` (before anything iterates over it). */
function expectAtMost(value: unknown, max: number, what: string, unit: string): void {
  if (Array.isArray(value) && value.length > max) {
    fail(
      `${what}: at most ${max} ${unit}, please (got ${value.length}); a small example is enough`,
    );
  }
}

function allNaN(values: number[]): boolean {
  return values.every(Number.isNaN);
}

const cases: Case[] = [
  {
    name:
      "oneSgdStep() on a healthy batch matches a float64 SGD step (losses, gradients, new W and b), with options.lr and with the default 0.1",
    points: 2,
    hint: "Gradients of tf.sum(crossEntropy(net(X), y)) with respect to W and b, then " +
      "p ← p − lr · g / batchSize: divide by the number of examples, and pass options.lr " +
      "(0.1, the book's, when it is not given).",
    run: "healthyStep",
    check: (output) => {
      if (field(output, "modelKept", "healthyStep") !== true) {
        fail(
          "oneSgdStep() changed the model it was given: return the new W and b in the report " +
            "and leave the input's arrays as they were",
        );
      }
      const r = readReport(field(output, "given", "healthyStep"), { inputs: 4, classes: 3 }, 5);
      const ref = sgdStepReference(HEALTHY.model, HEALTHY.batch.X, HEALTHY.batch.y, HEALTHY.lr);
      const tol = { rtol: 1e-4, atol: 1e-5 };
      assertClose(r.losses, ref.losses, { ...tol, msg: "losses" });
      assertClose(r.gradW, ref.gradW, { ...tol, msg: "gradW (of the summed loss)" });
      assertClose(r.gradB, ref.gradB, { ...tol, msg: "gradB (of the summed loss)" });
      assertClose(r.W, ref.next.W, { ...tol, msg: "W after the step" });
      assertClose(r.b, ref.next.b, { ...tol, msg: "b after the step" });
      const d = readReport(field(output, "byDefault", "healthyStep"), { inputs: 4, classes: 3 }, 5);
      const byDefault = sgdStepReference(HEALTHY.model, HEALTHY.batch.X, HEALTHY.batch.y, 0.1);
      const what = "after a step without options (the default lr is 0.1)";
      assertClose(d.W, byDefault.next.W, { ...tol, msg: `W ${what}` });
      assertClose(d.b, byDefault.next.b, { ...tol, msg: `b ${what}` });
    },
  },
  {
    name:
      "oneSgdStep() with a true-class probability of exactly 0 reports loss Infinity and NaN gradients",
    points: 2,
    hint: "Use the lesson's naive net and crossEntropy as they are: -log(0) is Infinity, and " +
      "the gradient through it is NaN. Report the values, do not clip them.",
    run: "zeroProbabilityStep",
    check: (output) => {
      const r = readReport(output, { inputs: 1, classes: 2 }, 1);
      if (r.losses[0] !== Infinity) fail(`loss: expected Infinity (-log 0), got ${r.losses[0]}`);
      if (!allNaN([...r.gradW.flat(), ...r.gradB])) {
        fail(
          `gradients: expected NaN everywhere, got gradW ${JSON.stringify(r.gradW)}, gradB ${
            JSON.stringify(r.gradB)
          }`,
        );
      }
    },
  },
  {
    name:
      "oneSgdStep() with one zero-probability example of four turns every weight and bias into NaN",
    points: 2,
    hint: "One NaN row of dLoss/dZ reaches every entry of Xᵀ · dLoss/dZ (0 · NaN is NaN). " +
      "Take the step on all parameters with the batch's gradients, as the lesson does.",
    run: "poisonedStep",
    check: (output) => {
      const r = readReport(output, { inputs: 2, classes: 3 }, 4);
      if (r.losses[0] !== Infinity) fail(`losses[0]: expected Infinity, got ${r.losses[0]}`);
      const ref = sgdStepReference(POISONED.model, POISONED.batch.X, POISONED.batch.y, 0.1);
      assertClose(r.losses.slice(1), ref.losses.slice(1), {
        rtol: 1e-4,
        atol: 1e-5,
        msg: "the three healthy examples' losses",
      });
      if (!allNaN([...r.W.flat(), ...r.b])) {
        fail(
          `after the step: expected every entry of W and b to be NaN, got W ${
            JSON.stringify(r.W)
          }, b ${JSON.stringify(r.b)}`,
        );
      }
    },
  },
  {
    name:
      "zeroProbabilityExample() gives a model and batch whose true-class probability is exactly 0",
    points: 1,
    hint: "A gap of more than about 104 between the true class's logit and another's makes " +
      "exp underflow to 0 (exercise 1).",
    run: "zeroProbabilityExample",
    check: (output) => {
      const what = "zeroProbabilityExample()";
      const model = field(output, "model", what);
      const batch = field(output, "batch", what);
      // The student chooses the sizes: bound them before reading entries or computing (the
      // rows of X and W are then bounded by expectMatrix, which checks lengths first).
      const yRaw = field(batch, "y", `${what}.batch`);
      const bRaw = field(model, "b", `${what}.model`);
      const Xrows = field(batch, "X", `${what}.batch`);
      expectAtMost(yRaw, MAX.examples, `${what}.batch.y`, "examples");
      expectAtMost(bRaw, MAX.classes, `${what}.model.b`, "classes");
      const y = expectNumbers(yRaw, `${what}.batch.y`);
      if (y.length < 1) fail(`${what}: the batch is empty`);
      const b = expectNumbers(bRaw, `${what}.model.b`);
      const firstRow = Array.isArray(Xrows) ? Xrows[0] : undefined;
      expectAtMost(firstRow, MAX.inputs, `${what}.batch.X[0]`, "inputs");
      const inputs = Array.isArray(firstRow) ? firstRow.length : -1;
      const X = expectMatrix(Xrows, `${what}.batch.X`, [y.length, inputs]);
      const W = expectMatrix(field(model, "W", `${what}.model`), `${what}.model.W`, [
        inputs,
        b.length,
      ]);
      if (inputs < 1 || b.length < 2) fail(`${what}: need at least one input and two classes`);
      if ([...X.flat(), ...W.flat(), ...b].some((v) => !Number.isFinite(v))) {
        fail(`${what}: use finite numbers: the point is that ordinary finite logits give p = 0`);
      }
      if (y.some((v) => !Number.isInteger(v) || v < 0 || v >= b.length)) {
        fail(`${what}: labels must be integers in [0, ${b.length})`);
      }
      const p = tf.tidy(() => {
        const params = {
          W: tf.variable(tf.tensor2d(W), false),
          b: tf.variable(tf.tensor1d(b), false),
        };
        const probs = createNet(params)(tf.tensor2d(X)).arraySync() as number[][];
        tf.dispose([params.W, params.b]);
        return y.map((label, i) => probs[i][label]);
      });
      if (!p.some((v) => v === 0)) {
        fail(
          `${what}: the lesson's model gives the true classes probabilities ${
            p.join(", ")
          }; none is exactly 0`,
        );
      }
    },
  },
  {
    name: "oneSgdStep() leaves no tensors behind",
    points: 1,
    hint: "tf.variable(t) keeps a reference to t's data: create the initial tensors inside " +
      "tf.tidy (or dispose them), and dispose the variables when done.",
    run: "leaks",
    check: (output) => expectNoLeak(output, "oneSgdStep()"),
  },
];

/** Exercise 2: what a probability of exactly 0 does to the loss, the gradients and SGD. */
export const logZero: Exercise<Impl> = {
  id: "log_zero",
  title: "Book exercise 2: the log domain of cross-entropy",
  file: "log_zero.ts",
  exports: ["oneSgdStep", "zeroProbabilityExample"],
  runModule: import.meta.resolve("./runs/log_zero.ts"),
  runs,
  cases,
};

/**
 * Cases for exercise 2, `exercises/log_zero.ts`: one SGD step of the lesson's training, on
 * healthy data (compared with a float64 reference) and on data where a true-class
 * probability is exactly 0 (loss `Infinity`, `NaN` gradients, a `NaN` model).
 *
 * @module
 */
import * as tf from "../../lib/tf.ts";
import { assertClose } from "../../lib/assert_close.ts";
import type { Case, Exercise, Plain } from "./case.ts";
import {
  countLeaks,
  expectMatrix,
  expectNoLeak,
  expectNumbers,
  fail,
  field,
  seededLabels,
  seededMatrix,
} from "./helpers.ts";
import { sgdStepReference } from "./reference.ts";

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

// A healthy batch: 5 examples, 4 inputs, 3 classes, moderate weights.
const healthy = {
  model: { W: seededMatrix(4, 3, 21, { std: 0.5 }), b: [0.1, -0.2, 0.05] },
  batch: { X: seededMatrix(5, 4, 22), y: seededLabels(5, 3, 23) },
  lr: 0.5,
};

// Example 0's true class (0) has logit -120 against 0: exp(-120) underflows, p = 0 exactly.
const poisoned = {
  model: { W: [[-120, 0, 1], [0, 2, 3]], b: [0, 0, 0] },
  batch: { X: [[1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75]], y: [0, 1, 2, 1] },
};

function allNaN(values: number[]): boolean {
  return values.every(Number.isNaN);
}

const cases: Case<Impl>[] = [
  {
    name:
      "oneSgdStep() on a healthy batch matches a float64 SGD step (losses, gradients, new W and b)",
    points: 2,
    hint: "Gradients of tf.sum(crossEntropy(net(X), y)) with respect to W and b, then " +
      "p ← p − lr · g / batchSize: divide by the number of examples, and pass options.lr.",
    run: (impl) =>
      impl.oneSgdStep(healthy.model, healthy.batch, { lr: healthy.lr }) as unknown as Plain,
    check: (output) => {
      const r = readReport(output, { inputs: 4, classes: 3 }, 5);
      const ref = sgdStepReference(healthy.model, healthy.batch.X, healthy.batch.y, healthy.lr);
      const tol = { rtol: 1e-4, atol: 1e-5 };
      assertClose(r.losses, ref.losses, { ...tol, msg: "losses" });
      assertClose(r.gradW, ref.gradW, { ...tol, msg: "gradW (of the summed loss)" });
      assertClose(r.gradB, ref.gradB, { ...tol, msg: "gradB (of the summed loss)" });
      assertClose(r.W, ref.next.W, { ...tol, msg: "W after the step" });
      assertClose(r.b, ref.next.b, { ...tol, msg: "b after the step" });
    },
  },
  {
    name:
      "oneSgdStep() with a true-class probability of exactly 0 reports loss Infinity and NaN gradients",
    points: 2,
    hint: "Use the lesson's naive net and crossEntropy as they are: -log(0) is Infinity, and " +
      "the gradient through it is NaN. Report the values, do not clip them.",
    run: (impl) =>
      impl.oneSgdStep({ W: [[-120, 0]], b: [0, 0] }, { X: [[1]], y: [0] }) as unknown as Plain,
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
    run: (impl) => impl.oneSgdStep(poisoned.model, poisoned.batch) as unknown as Plain,
    check: (output) => {
      const r = readReport(output, { inputs: 2, classes: 3 }, 4);
      if (r.losses[0] !== Infinity) fail(`losses[0]: expected Infinity, got ${r.losses[0]}`);
      const ref = sgdStepReference(poisoned.model, poisoned.batch.X, poisoned.batch.y, 0.1);
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
    run: (impl) => impl.zeroProbabilityExample() as unknown as Plain,
    check: (output, kit) => {
      const what = "zeroProbabilityExample()";
      const model = field(output, "model", what);
      const batch = field(output, "batch", what);
      const y = expectNumbers(field(batch, "y", `${what}.batch`), `${what}.batch.y`);
      if (y.length < 1) fail(`${what}: the batch is empty`);
      const b = expectNumbers(field(model, "b", `${what}.model`), `${what}.model.b`);
      const Xrows = field(batch, "X", `${what}.batch`);
      const inputs = Array.isArray(Xrows) && Array.isArray(Xrows[0]) ? Xrows[0].length : -1;
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
        const probs = kit.createNet(params)(tf.tensor2d(X)).arraySync() as number[][];
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
    run: (impl) =>
      countLeaks(() => {
        impl.oneSgdStep(healthy.model, healthy.batch);
        impl.oneSgdStep(poisoned.model, poisoned.batch);
      }),
    check: (output) => expectNoLeak(output, "oneSgdStep()"),
  },
];

/** Exercise 2: what a probability of exactly 0 does to the loss, the gradients and SGD. */
export const logZero: Exercise<Impl> = {
  id: "log_zero",
  title: "Book exercise 2: the log domain of cross-entropy",
  file: "log_zero.ts",
  exports: ["oneSgdStep", "zeroProbabilityExample"],
  cases,
};

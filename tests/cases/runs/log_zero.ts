/**
 * The run half of `log_zero`'s cases (book exercise 2): the inputs and the calls, nothing that
 * judges them (that is `../log_zero.ts`). Loaded in the grader's sandbox.
 *
 * @module
 */
import type { Plain, Runs } from "../case.ts";
import { countLeaks, fresh, seededLabels, seededMatrix } from "./helpers.ts";

type Impl = typeof import("../../../exercises/log_zero.ts");

/** A healthy batch: 5 examples, 4 inputs, 3 classes, moderate weights. */
export const HEALTHY = {
  model: { W: seededMatrix(4, 3, 21, { std: 0.5 }), b: [0.1, -0.2, 0.05] },
  batch: { X: seededMatrix(5, 4, 22), y: seededLabels(5, 3, 23) },
  lr: 0.5,
};

/**
 * Example 0's true class (0) has logit -120 against 0: exp(-120) underflows, p = 0 exactly.
 * Stepped with the default learning rate (0.1).
 */
export const POISONED = {
  model: { W: [[-120, 0, 1], [0, 2, 3]], b: [0, 0, 0] },
  batch: { X: [[1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75]], y: [0, 1, 2, 1] },
};

/** The runs, by id. */
export const runs: Runs<Impl> = {
  healthyStep: (impl) => {
    // Copies: a step that writes into the model it was given is told apart, and spoils no
    // later call.
    const model = fresh(HEALTHY.model);
    const given = impl.oneSgdStep(model, fresh(HEALTHY.batch), {
      lr: HEALTHY.lr,
    }) as unknown as Plain;
    const modelKept = JSON.stringify(model) === JSON.stringify(HEALTHY.model);
    const byDefault = impl.oneSgdStep(fresh(HEALTHY.model), fresh(HEALTHY.batch));
    return { given, byDefault: byDefault as unknown as Plain, modelKept };
  },
  zeroProbabilityStep: (impl) =>
    impl.oneSgdStep({ W: [[-120, 0]], b: [0, 0] }, { X: [[1]], y: [0] }) as unknown as Plain,
  poisonedStep: (impl) =>
    impl.oneSgdStep(fresh(POISONED.model), fresh(POISONED.batch)) as unknown as Plain,
  zeroProbabilityExample: (impl) => impl.zeroProbabilityExample() as unknown as Plain,
  leaks: (impl) =>
    countLeaks(() => {
      impl.oneSgdStep(fresh(HEALTHY.model), fresh(HEALTHY.batch));
      impl.oneSgdStep(fresh(POISONED.model), fresh(POISONED.batch));
    }),
};

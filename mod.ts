/**
 * Softmax regression from scratch: the library of *Dive into Deep Learning* §3.6
 * ("softmax回归的从零开始实现", `sec_softmax_scratch`) on TensorFlow.js — the equivalent of the
 * book's `d2l` package for this section.
 *
 * It re-exports the seven lessons (`lessons/`), the Fashion-MNIST loader (`data/`) and the
 * helpers a learner uses with them (`lib/`). Each lesson file teaches its concept in its
 * module documentation; `deno task site` renders them as a web site.
 *
 * | book (PyTorch)                     | here                                            |
 * | ---------------------------------- | ----------------------------------------------- |
 * | `X.sum(0, keepdim=True)`           | {@linkcode sumKeepdim}                          |
 * | `softmax`, `net`                   | {@linkcode softmax}, {@linkcode createNet}       |
 * | `cross_entropy`                    | {@linkcode crossEntropy}                        |
 * | `accuracy`, `evaluate_accuracy`    | {@linkcode accuracy}, {@linkcode evaluateAccuracy} |
 * | `Accumulator`, `Animator`          | {@linkcode Accumulator}, {@linkcode Animator}    |
 * | `train_epoch_ch3`, `train_ch3`     | {@linkcode trainEpochCh3}, {@linkcode trainCh3}  |
 * | `updater` / `d2l.sgd`              | {@linkcode sgdUpdater}, {@linkcode sgd}          |
 * | `predict_ch3`, `show_images`       | {@linkcode predictCh3}, {@linkcode showImages}   |
 * | the gradient of §3.4.6.2           | {@linkcode logitGradient}, {@linkcode gradByHand} |
 * | `load_data_fashion_mnist`          | {@linkcode loadDataFashionMnist}                |
 * | `get_fashion_mnist_labels`         | {@linkcode getFashionMnistLabels}               |
 *
 * @example One epoch on the committed subset of Fashion-MNIST
 * ```ts
 * import {
 *   createNet,
 *   crossEntropy,
 *   evaluateAccuracy,
 *   initParams,
 *   loadDataFashionMnist,
 *   sgdUpdater,
 *   trainEpochCh3,
 * } from "./mod.ts";
 *
 * const data = await loadDataFashionMnist(256, { subset: true });
 * const params = initParams({ seed: 0 });
 * const net = createNet(params);
 * const before = evaluateAccuracy(net, data.testIter); // random weights: about 0.1
 * const { trainLoss } = trainEpochCh3(
 *   net,
 *   data.trainIter,
 *   crossEntropy,
 *   sgdUpdater([params.W, params.b], 0.1),
 * );
 * const after = evaluateAccuracy(net, data.testIter);
 * if (!(before < 0.3 && after > before && trainLoss < 2.3)) {
 *   throw new Error(`accuracy ${before} -> ${after}, loss ${trainLoss}`);
 * }
 * data.dispose();
 * ```
 *
 * @module
 */
export { sumKeepdim } from "./lessons/01_sum_keepdim.ts";
export {
  createNet,
  type InitOptions,
  initParams,
  type Net,
  type Params,
  softmax,
} from "./lessons/02_softmax.ts";
export { crossEntropy, type Loss, pickTrueClass } from "./lessons/03_cross_entropy.ts";
export { accuracy, countCorrect, countCorrectAndInvalid } from "./lessons/04_accuracy.ts";
export { Accumulator, evaluateAccuracy } from "./lessons/04_evaluate_accuracy.ts";
export {
  bookChecks,
  type EpochMetrics,
  type EpochOptions,
  type EpochRecord,
  sgd,
  sgdUpdater,
  trainCh3,
  trainEpochCh3,
  type TrainOptions,
  type TrainResult,
  type Updater,
} from "./lessons/05_train_ch3.ts";
export { predictCh3, type Prediction } from "./lessons/06_predict_ch3.ts";
export { gradByHand, type Gradients, logitGradient } from "./lessons/07_gradient_by_hand.ts";
export { showImages, type ShowImagesOptions, TITLE_FONT } from "./lib/show_images.ts";
export { Animator, type AnimatorOptions } from "./lib/animator.ts";
export type { JupyterDisplay } from "./lib/jupyter.ts";
export { loadParams, saveParams } from "./lib/params_io.ts";
export {
  type DataSource,
  type FashionMnist,
  getFashionMnistLabels,
  loadDataFashionMnist,
  type LoadOptions,
  readFashionMnist,
  type Split,
  TEXT_LABELS,
} from "./data/fashion_mnist.ts";
export {
  type Batch,
  createDataIter,
  type DataIter,
  type DataIterOptions,
} from "./data/data_iter.ts";
export { progressPrinter, type ProgressPrinterOptions } from "./data/download_progress.ts";
export type { DownloadProgress } from "./data/download.ts";
export type { StepTimings } from "./data/idx.ts";
export {
  assertClose,
  type CloseOptions,
  type Flat,
  type NestedNumbers,
} from "./lib/assert_close.ts";
export {
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  initBackend,
} from "./lib/backend.ts";
export { isTodo, todo, TodoError } from "./lib/todo.ts";

/**
 * The training loop's terminal display: a progress bar within each epoch, then one table row
 * per epoch with the three metrics and the seconds it took.
 *
 * On a terminal the bar is redrawn in place (`\r`, erase line) and replaced by the epoch's
 * row when the epoch ends:
 *
 * ```text
 * epoch  train loss  train acc  test acc  seconds
 *     1      0.7857     0.7470    0.7781     0.85
 *     2      0.5700     0.8133    0.8027     0.80
 * epoch 3/10 [##############                ] 110/235
 * ```
 *
 * When the output is not a terminal (a pipe, a CI log, a file) there is no bar and no
 * control characters: only the header and the rows, one plain line each, so logs stay
 * readable and `grep`-able. The rows are fixed-width columns of plain numbers, so the
 * printed values can be parsed back and compared with `metrics.json`.
 *
 * @example Plain lines when the output is not a terminal
 * ```ts
 * import { TrainingProgress } from "./training_progress.ts";
 * let out = "";
 * const progress = new TrainingProgress({ numEpochs: 2, write: (s) => (out += s), isTerminal: false });
 * progress.batch(1, 235); // no bar outside a terminal
 * progress.epoch({ epoch: 1, trainLoss: 0.78571, trainAcc: 0.747, testAcc: 0.7781, seconds: 0.853 });
 * if (out !== "epoch  train loss  train acc  test acc  seconds\n" +
 *             "    1      0.7857     0.7470    0.7781     0.85\n") throw new Error(JSON.stringify(out));
 * ```
 *
 * @module
 */

/** One epoch's numbers, as the training loop reports them (`EpochRecord` in lesson 5). */
export interface EpochRow {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss. */
  trainLoss: number;
  /** Training accuracy in [0, 1]. */
  trainAcc: number;
  /** Test accuracy in [0, 1]. */
  testAcc: number;
  /** Seconds the epoch took. */
  seconds: number;
}

/** Options for {@linkcode TrainingProgress}. */
export interface ProgressOptions {
  /** Epochs in the run, shown in the bar. */
  numEpochs: number;
  /** Where the text goes. Default: standard output. */
  write?: (text: string) => void;
  /** Whether `write` reaches a terminal (bar, in-place updates). Default: `Deno.stdout.isTerminal()`. */
  isTerminal?: boolean;
  /** Width of the bar in characters. Default `30`. */
  barWidth?: number;
}

/** The header row; {@linkcode formatRow} lines up under it. */
export const HEADER = "epoch  train loss  train acc  test acc  seconds";

/**
 * One epoch as a table row: the epoch, loss and accuracies to 4 decimals, seconds to 2.
 *
 * @example
 * ```ts
 * import { formatRow } from "./training_progress.ts";
 * const row = formatRow({ epoch: 10, trainLoss: 0.44729, trainAcc: 0.84755, testAcc: 0.829, seconds: 1.234 });
 * if (row !== "   10      0.4473     0.8476    0.8290     1.23") throw new Error(JSON.stringify(row));
 * ```
 */
export function formatRow(row: EpochRow): string {
  return [
    String(row.epoch).padStart(5),
    row.trainLoss.toFixed(4).padStart(10),
    row.trainAcc.toFixed(4).padStart(9),
    row.testAcc.toFixed(4).padStart(8),
    row.seconds.toFixed(2).padStart(7),
  ].join("  ");
}

function writeStdout(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/**
 * The live display. Call {@linkcode TrainingProgress.batch} after every batch and
 * {@linkcode TrainingProgress.epoch} after every epoch (the header comes with the first row,
 * or the first bar).
 */
export class TrainingProgress {
  readonly #numEpochs: number;
  readonly #write: (text: string) => void;
  readonly #isTerminal: boolean;
  readonly #barWidth: number;
  #headerDone = false;
  #epoch = 1;
  #lastFilled = -1;
  #barShown = false;

  /** @param options the run's epochs, the output and whether it is a terminal. */
  constructor(options: ProgressOptions) {
    this.#numEpochs = options.numEpochs;
    this.#write = options.write ?? writeStdout;
    this.#isTerminal = options.isTerminal ?? safeIsTerminal();
    this.#barWidth = options.barWidth ?? 30;
  }

  #header(): void {
    if (!this.#headerDone) this.#write(HEADER + "\n");
    this.#headerDone = true;
  }

  /**
   * Shows progress within the current epoch (terminals only). Redraws only when the bar
   * changes, so calling it after each of 235 batches costs about `barWidth` writes.
   *
   * @example
   * ```ts
   * import { TrainingProgress } from "./training_progress.ts";
   * let out = "";
   * const p = new TrainingProgress({ numEpochs: 10, write: (s) => (out += s), isTerminal: true, barWidth: 4 });
   * p.batch(2, 4);
   * if (!out.endsWith("\r\x1b[2Kepoch 1/10 [##  ] 2/4")) throw new Error(JSON.stringify(out));
   * ```
   */
  batch(done: number, total: number): void {
    if (!this.#isTerminal || total <= 0) return;
    this.#header();
    const filled = Math.min(this.#barWidth, Math.floor((done / total) * this.#barWidth));
    if (filled === this.#lastFilled && done !== total) return;
    this.#lastFilled = filled;
    const bar = "#".repeat(filled) + " ".repeat(this.#barWidth - filled);
    this.#write(`\r\x1b[2Kepoch ${this.#epoch}/${this.#numEpochs} [${bar}] ${done}/${total}`);
    this.#barShown = true;
  }

  /** Ends an epoch: replaces the bar (if any) with the epoch's row. */
  epoch(row: EpochRow): void {
    this.#header();
    const clear = this.#barShown ? "\r\x1b[2K" : "";
    this.#write(clear + formatRow(row) + "\n");
    this.#barShown = false;
    this.#lastFilled = -1;
    this.#epoch = row.epoch + 1;
  }
}

function safeIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}

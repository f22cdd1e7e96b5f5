/**
 * A download progress display for commands: `onProgress: progressPrinter()`.
 *
 * The library never prints; a command that wants a progress display passes this callback as
 * the `onProgress` option of `loadDataFashionMnist` / `readFashionMnist`. On a terminal it
 * redraws one line per file (at most every `intervalMs`); otherwise (CI logs, pipes) it
 * writes one line when a file starts and one when it has arrived, so logs stay short.
 *
 * @example Capture what it would print
 * ```ts
 * import { progressPrinter } from "./download_progress.ts";
 * const lines: string[] = [];
 * const onProgress = progressPrinter({ write: (s) => lines.push(s), isTerminal: false });
 * onProgress({ file: "a.gz", received: 0, total: 2_000_000, done: false });
 * onProgress({ file: "a.gz", received: 2_000_000, total: 2_000_000, done: true });
 * if (lines.join("") !== "Downloading a.gz (2.0 MB)…\nDownloaded a.gz: 2.0 MB\n") {
 *   throw new Error(JSON.stringify(lines));
 * }
 * ```
 *
 * @module
 */
import type { DownloadProgress } from "./download.ts";

/** Options for {@linkcode progressPrinter}. */
export interface ProgressPrinterOptions {
  /** Where text goes. Default: standard error. */
  write?: (text: string) => void;
  /** Redraw one line in place. Default: whether standard error is a terminal. */
  isTerminal?: boolean;
  /** Minimum milliseconds between redraws on a terminal. Default 100. */
  intervalMs?: number;
}

/**
 * Formats a byte count in MB with one decimal.
 *
 * @example
 * ```ts
 * import { formatMB } from "./download_progress.ts";
 * if (formatMB(26_421_856) !== "26.4 MB") throw new Error("unexpected: formatMB(26_421_856) !== \"26.4 MB\"");
 * ```
 */
export function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function writeStderr(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/**
 * Creates an `onProgress` callback that shows downloads on standard error.
 *
 * @example On a terminal the line is redrawn with a carriage return
 * ```ts
 * import { progressPrinter } from "./download_progress.ts";
 * let out = "";
 * const show = progressPrinter({ write: (s) => (out += s), isTerminal: true, intervalMs: 0 });
 * show({ file: "b.gz", received: 500_000, total: 1_000_000, done: false });
 * show({ file: "b.gz", received: 1_000_000, total: 1_000_000, done: true });
 * if (!out.includes("\rDownloading b.gz  0.5 MB / 1.0 MB  50%") || !out.endsWith("\n")) {
 *   throw new Error(JSON.stringify(out));
 * }
 * ```
 */
export function progressPrinter(
  options: ProgressPrinterOptions = {},
): (progress: DownloadProgress) => void {
  const write = options.write ?? writeStderr;
  const isTerminal = options.isTerminal ?? safeIsTerminal();
  const intervalMs = options.intervalMs ?? 100;
  let lastDraw = -Infinity;
  let started = "";
  return (p: DownloadProgress) => {
    const size = p.total === undefined ? "" : formatMB(p.total);
    if (!isTerminal) {
      if (p.done) write(`Downloaded ${p.file}: ${formatMB(p.received)}\n`);
      else if (started !== p.file) write(`Downloading ${p.file}${size ? ` (${size})` : ""}…\n`);
      started = p.done ? "" : p.file;
      return;
    }
    const now = performance.now();
    if (!p.done && now - lastDraw < intervalMs) return;
    lastDraw = now;
    const percent = p.total ? `  ${Math.floor((100 * p.received) / p.total)}%` : "";
    const of = size ? ` / ${size}` : "";
    write(`\rDownloading ${p.file}  ${formatMB(p.received)}${of}${percent}\x1b[K`);
    if (p.done) {
      write("\n");
      lastDraw = -Infinity;
    }
  };
}

function safeIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/**
 * The book's `Animator`, outside a notebook: training curves redrawn after every epoch as
 * SVG and PNG files, and inline in a Deno Jupyter kernel.
 *
 * The book's `d2l.Animator` draws with matplotlib and only shows anything inside Jupyter; run
 * as a script it shows nothing. This one builds a Vega-Lite chart, renders it to SVG with
 * Vega (`view.toSVG()`, no browser needed) and to PNG with resvg (fonts: DejaVu Sans), and
 * after every {@linkcode Animator.add}:
 *
 * - rewrites `curves.svg` and `curves.png` (names configurable) in `outDir`, atomically, so an
 *   image viewer that watches the file updates as training goes;
 * - in a Deno Jupyter kernel (`Deno.jupyter` present), shows the chart inline and replaces it
 *   in place on every update (one display, updated by its `display_id`).
 *
 * The chart follows the book's: x from `xlim[0]` to `xlim[1]` (epochs), y from `ylim[0]` to
 * `ylim[1]` with points outside clipped, a grid, a legend, and the book's line formats
 * `("-", "m--", "g-.", "r:")`: the first series solid in matplotlib's default blue, then
 * dashed magenta, dash-dot green, dotted red.
 *
 * The terminal display (progress within an epoch, one row per epoch) is `lib/training_progress.ts`.
 *
 * @example The book's three curves
 * ```ts
 * import { Animator } from "./animator.ts";
 * const animator = new Animator({
 *   xlabel: "epoch", xlim: [1, 10], ylim: [0.3, 0.9],
 *   legend: ["train loss", "train acc", "test acc"],
 * });
 * await animator.add(1, [0.78, 0.75, 0.78]);
 * await animator.add(2, [0.57, 0.81, 0.80]);
 * const svg = await animator.toSVG();
 * if (!svg.startsWith("<svg") || !svg.includes("test acc")) throw new Error("unexpected: !svg.startsWith(\"<svg\") || !svg.includes(\"test acc\")");
 * const png = animator.toPNG(svg);
 * if (png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error("not a PNG");
 * ```
 *
 * @module
 */
import type * as vl from "vega-lite";
import { FONT_FAMILY, specToSVG, svgToPNG } from "./chart_render.ts";
import { writeFileAtomic } from "./write_atomic.ts";
import { type JupyterDisplay, jupyterDisplay } from "./jupyter.ts";

/** matplotlib's single-letter colours; a format without one gets the default cycle. */
const COLORS: Record<string, string> = {
  b: "#0000ff",
  g: "#008000",
  r: "#ff0000",
  c: "#00bfbf",
  m: "#bf00bf",
  y: "#bfbf00",
  k: "#000000",
  w: "#ffffff",
};
/** matplotlib's default colour cycle (tab10), for formats without a colour letter. */
const CYCLE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
/** matplotlib's dash patterns at its default line width of 1.5 (pixels at 72 dpi). */
const DASHES: Record<string, number[]> = {
  "-": [],
  "--": [5.55, 2.4],
  "-.": [9.6, 2.4, 1.5, 2.4],
  ":": [1.5, 2.475],
};

/** A line format such as the book's `"m--"`, as a colour and a dash pattern. */
export interface LineStyle {
  /** CSS colour. */
  color: string;
  /** SVG `stroke-dasharray` values; `[]` is solid. */
  dash: number[];
}

/**
 * Parses a matplotlib-style format string: an optional colour letter (`bgrcmykw`) and an
 * optional line style (`-` solid, `--` dashed, `-.` dash-dot, `:` dotted).
 *
 * @example
 * ```ts
 * import { parseFormat } from "./animator.ts";
 * const s = parseFormat("m--", 1);
 * if (s.color !== "#bf00bf" || s.dash.length !== 2) throw new Error("unexpected: s.color !== \"#bf00bf\" || s.dash.length !== 2");
 * if (parseFormat("-", 0).color !== "#1f77b4") throw new Error("default blue");
 * ```
 * @param fmt the format string.
 * @param index the series' position, which picks the default colour.
 * @throws {RangeError} for a format it does not understand.
 */
export function parseFormat(fmt: string, index: number): LineStyle {
  const match = /^([bgrcmykw])?(--|-\.|-|:)?$/.exec(fmt);
  if (match === null) {
    throw new RangeError(
      `Unknown line format ${JSON.stringify(fmt)}: expected an optional colour letter ` +
        `(bgrcmykw) and an optional style (-, --, -., :), like the book's "m--"`,
    );
  }
  return {
    color: match[1] ? COLORS[match[1]] : CYCLE[index % CYCLE.length],
    dash: DASHES[match[2] ?? "-"],
  };
}

/** Options for {@linkcode Animator}; the defaults are the book's. */
export interface AnimatorOptions {
  /** x-axis title. */
  xlabel?: string;
  /** y-axis title. */
  ylabel?: string;
  /** One name per series, in `add`'s order. Default: `y1`, `y2`, …. */
  legend?: string[];
  /** x-axis range. Default: the data's range. */
  xlim?: [number, number];
  /** y-axis range; points outside are clipped. Default: the data's range. */
  ylim?: [number, number];
  /** x-axis scale. Default `"linear"`. */
  xscale?: "linear" | "log";
  /** y-axis scale. Default `"linear"`. */
  yscale?: "linear" | "log";
  /** Line formats, one per series. Default the book's `["-", "m--", "g-.", "r:"]`. */
  fmts?: string[];
  /** Plot size in inches, as matplotlib's `figsize` (72 pixels per inch). Default `[3.5, 2.5]`. */
  figsize?: [number, number];
  /** Directory to write the chart into after every `add` (created if missing). Default: none. */
  outDir?: string;
  /** File name without extension. Default `"curves"` (`curves.svg`, `curves.png`). */
  name?: string;
  /** PNG pixels per SVG pixel. Default `2`. */
  pngScale?: number;
  /**
   * Where to show the chart inline: default `Deno.jupyter.display` when running in a Deno
   * Jupyter kernel; `null` never displays.
   */
  display?: JupyterDisplay | null;
  /**
   * Redraw at most once per this many milliseconds, counted from the animator's creation and
   * then from each drawing: an `add` sooner only records its points, and
   * {@linkcode Animator.flush} draws what is pending. Default 0: after every `add`, as the
   * book's animator does. For training loops whose epochs take less time than a drawing (a run
   * shorter than this draws once, at the `flush`).
   */
  minRedrawMs?: number;
}

/**
 * Curves that grow one point per series at a time, redrawn after every {@linkcode add} (or at
 * most once per `minRedrawMs`, then {@linkcode flush}).
 *
 * Holds its points and options only; no module state.
 */
export class Animator {
  readonly #options:
    & Required<
      Pick<AnimatorOptions, "xscale" | "yscale" | "fmts" | "figsize" | "name" | "pngScale">
    >
    & AnimatorOptions;
  readonly #display: JupyterDisplay | undefined;
  readonly #displayId = `d2l-animator-${crypto.randomUUID()}`;
  #displayed = false;
  #X: number[][] = [];
  #Y: number[][] = [];
  /**
   * When the chart was last drawn, or the animator made (`performance.now()`), and whether points
   * wait for a drawing.
   */
  #drawnAt = performance.now();
  #pending = false;

  /**
   * An empty chart; nothing is drawn until the first {@linkcode add}.
   *
   * @param options axis labels and ranges, legend, line formats, output directory.
   * @throws {RangeError} for a bad range, size, format or `minRedrawMs`.
   */
  constructor(options: AnimatorOptions = {}) {
    this.#options = {
      xscale: "linear",
      yscale: "linear",
      fmts: ["-", "m--", "g-.", "r:"],
      figsize: [3.5, 2.5],
      name: "curves",
      pngScale: 2,
      ...options,
    };
    for (const key of ["xlim", "ylim"] as const) {
      const lim = options[key];
      if (
        lim !== undefined && !(lim.length === 2 && lim.every(Number.isFinite) && lim[0] < lim[1])
      ) {
        throw new RangeError(`Animator ${key} must be [low, high] with low < high, got [${lim}]`);
      }
    }
    const [w, h] = this.#options.figsize;
    if (!(w > 0 && h > 0) || !(this.#options.pngScale > 0)) {
      throw new RangeError(
        `Animator figsize and pngScale must be positive, got [${w}, ${h}] and ${this.#options.pngScale}`,
      );
    }
    const { minRedrawMs = 0 } = options;
    if (!(minRedrawMs >= 0 && minRedrawMs < Infinity)) {
      throw new RangeError(
        `Animator minRedrawMs must be 0 or more milliseconds, got ${minRedrawMs}`,
      );
    }
    this.#options.fmts.forEach(parseFormat);
    this.#display = options.display === null ? undefined : options.display ?? jupyterDisplay();
  }

  /** The x values of each series so far (copies). */
  get X(): number[][] {
    return this.#X.map((xs) => [...xs]);
  }

  /** The y values of each series so far (copies). */
  get Y(): number[][] {
    return this.#Y.map((ys) => [...ys]);
  }

  /** The files written after every `add`, or `undefined` without `outDir`. */
  get files(): { svg: string; png: string } | undefined {
    const { outDir, name } = this.#options;
    return outDir === undefined
      ? undefined
      : { svg: `${outDir}/${name}.svg`, png: `${outDir}/${name}.png` };
  }

  /**
   * Adds one point to each series (the book's `animator.add(x, y)`), then redraws: rewrites
   * the files in `outDir` and updates the inline display, if any.
   *
   * `NaN` and infinite values are kept but not drawn.
   *
   * @example
   * ```ts
   * import { Animator } from "./animator.ts";
   * const a = new Animator({ legend: ["loss"] });
   * await a.add(1, 0.9);
   * await a.add(2, [0.5]);
   * if (a.Y[0].join() !== "0.9,0.5") throw new Error("unexpected: a.Y[0].join() !== \"0.9,0.5\"");
   * ```
   * @param x the x value, shared by every series, or one per series.
   * @param y one value per series (a number for a single series).
   * @throws {RangeError} when the number of values changes between calls or `x` and `y`
   *   disagree.
   */
  async add(x: number | number[], y: number | number[]): Promise<void> {
    const ys = typeof y === "number" ? [y] : [...y];
    const xs = typeof x === "number" ? ys.map(() => x) : [...x];
    if (xs.length !== ys.length) {
      throw new RangeError(`Animator.add: got ${xs.length} x values for ${ys.length} y values`);
    }
    if (this.#Y.length === 0) {
      this.#X = ys.map(() => []);
      this.#Y = ys.map(() => []);
    } else if (ys.length !== this.#Y.length) {
      throw new RangeError(
        `Animator.add: got ${ys.length} values but earlier calls had ${this.#Y.length} series`,
      );
    }
    ys.forEach((value, i) => {
      this.#X[i].push(xs[i]);
      this.#Y[i].push(value);
    });
    if (performance.now() - this.#drawnAt >= (this.#options.minRedrawMs ?? 0)) {
      await this.render();
    } else {
      this.#pending = true;
    }
  }

  /**
   * Draws the points that `minRedrawMs` held back, if any.
   *
   * @example
   * ```ts
   * import { Animator } from "./animator.ts";
   * const outDir = await Deno.makeTempDir();
   * const a = new Animator({ outDir, minRedrawMs: 60_000 });
   * await a.add(1, 0.9); // held back: less than a minute since the animator was made
   * await a.add(2, 0.5); // held back
   * const before = await Deno.stat(`${outDir}/curves.svg`).catch(() => undefined);
   * if (before !== undefined) throw new Error("add() drew within minRedrawMs of the creation");
   * await a.flush();
   * const svg = await Deno.readTextFile(`${outDir}/curves.svg`);
   * if (!svg.includes("<svg")) throw new Error("flush() did not draw the held-back points");
   * await Deno.remove(outDir, { recursive: true });
   * ```
   */
  async flush(): Promise<void> {
    if (this.#pending) await this.render();
  }

  /**
   * Writes the chart to `outDir` (if set) and updates the Jupyter display (if any). `add`
   * calls this; call it yourself after changing nothing to force a redraw.
   */
  async render(): Promise<void> {
    this.#pending = false;
    this.#drawnAt = performance.now();
    if (this.files === undefined && this.#display === undefined) return;
    const svg = await this.toSVG();
    const png = this.toPNG(svg);
    const files = this.files;
    if (files !== undefined) {
      await Deno.mkdir(this.#options.outDir!, { recursive: true });
      await writeFileAtomic(files.svg, svg);
      await writeFileAtomic(files.png, png);
    }
    if (this.#display !== undefined) {
      // The PNG beside the SVG: exports that drop SVG contents (nbconvert's HTML) keep the chart.
      const bundle = {
        "image/svg+xml": svg,
        "image/png": png.toBase64(),
        "text/plain": `Animator: ${this.#seriesNames().join(", ")} at x = ${
          this.#X[0]?.at(-1) ?? "(none)"
        }`,
      };
      await this.#display(bundle, {
        raw: true,
        display_id: this.#displayId,
        update: this.#displayed,
      });
      this.#displayed = true;
    }
  }

  #seriesNames(): string[] {
    const n = Math.max(this.#Y.length, this.#options.legend?.length ?? 0);
    return Array.from({ length: n }, (_, i) => this.#options.legend?.[i] ?? `y${i + 1}`);
  }

  /**
   * The chart as a Vega-Lite specification (what `toSVG` renders).
   *
   * @example Axis ranges and line styles are in the spec
   * ```ts
   * import { Animator } from "./animator.ts";
   * const a = new Animator({ ylim: [0.3, 0.9], legend: ["a", "b"] });
   * const spec = JSON.stringify(a.toSpec());
   * if (!spec.includes("[0.3,0.9]") || !spec.includes("strokeDash")) throw new Error("unexpected: !spec.includes(\"[0.3,0.9]\") || !spec.includes(\"strokeDash\")");
   * ```
   */
  toSpec(): vl.TopLevelSpec {
    const { xlabel, ylabel, xlim, ylim, xscale, yscale, fmts, figsize } = this.#options;
    const names = this.#seriesNames();
    const styles = names.map((_, i) => parseFormat(fmts[i % fmts.length], i));
    const values = this.#Y.flatMap((ys, i) =>
      ys.map((y, j) => ({ x: this.#X[i][j], y, series: names[i] }))
        .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    );
    const series = {
      field: "series",
      type: "nominal" as const,
      title: null,
      sort: names,
    };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      width: Math.round(figsize[0] * 72),
      height: Math.round(figsize[1] * 72),
      background: "white",
      padding: 8,
      config: {
        font: FONT_FAMILY,
        axis: {
          labelFontSize: 10,
          titleFontSize: 11,
          titleFontWeight: "normal",
          gridColor: "#e0e0e0",
        },
        legend: {
          labelFontSize: 10,
          symbolStrokeWidth: 1.5,
          symbolSize: 200,
          symbolType: "stroke",
        },
        view: { stroke: "#333333" },
      },
      data: { values },
      mark: { type: "line", clip: true, strokeWidth: 1.5, interpolate: "linear" },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          title: xlabel ?? null,
          scale: { type: xscale, nice: false, zero: false, ...(xlim ? { domain: xlim } : {}) },
          // Whole-number limits (epochs): no ticks at 1.2, 1.4, ….
          axis: { grid: true, tickMinStep: xlim?.every(Number.isInteger) ? 1 : undefined },
        },
        y: {
          field: "y",
          type: "quantitative",
          title: ylabel ?? null,
          scale: { type: yscale, nice: false, zero: false, ...(ylim ? { domain: ylim } : {}) },
          axis: { grid: true },
        },
        color: {
          ...series,
          scale: { domain: names, range: styles.map((s) => s.color) },
          legend: { orient: "right" },
        },
        strokeDash: {
          ...series,
          scale: { domain: names, range: styles.map((s) => s.dash) },
        },
        order: { field: "x", type: "quantitative" },
      },
    };
  }

  /** Renders the chart as an SVG document (Vega, headless). */
  async toSVG(): Promise<string> {
    return await specToSVG(this.toSpec());
  }

  /**
   * Renders SVG (by default the chart's) as PNG bytes with resvg, using DejaVu Sans when it
   * is installed and the system's fonts otherwise.
   */
  toPNG(svg: string): Uint8Array {
    return svgToPNG(svg, this.#options.pngScale);
  }
}

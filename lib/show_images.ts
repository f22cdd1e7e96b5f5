/**
 * `showImages`: draws a grid of grey images with titles into a PNG, the book's
 * `d2l.show_images(imgs, num_rows, num_cols, titles=None, scale=1.5)` without matplotlib.
 *
 * The book makes a matplotlib figure of `figsize = (num_cols * scale, num_rows * scale)` inches,
 * one subplot per image, `imshow` without axes, and the title above. This draws the same
 * picture with `@napi-rs/canvas` and returns PNG bytes (write them to a file); in Deno's
 * Jupyter kernel it also shows the grid inline, as the book's notebooks do:
 *
 * - **Size.** At matplotlib's default 100 dpi: every cell is `round(scale * 100)` pixels
 *   square, so the PNG is `numCols × cell` by `numRows × cell` pixels: 900 × 150 for the
 *   book's 1 × 6 grid at the default scale 1.5. The PNG records 100 dpi.
 * - **Titles.** In "DejaVu Sans" (Debian's `fonts-dejavu-core`), at matplotlib's default title
 *   size (12 pt = 17 px at 100 dpi), centred above the image; `"\n"` starts a new line, as in
 *   predictCh3's `"true\npredicted"`. A line too wide for its cell is set smaller to fit. All
 *   cells reserve the same title band (the most lines of any title), so images line up.
 * - **Colours.** Like `imshow` on a 2-D array: each image is scaled from its own minimum to
 *   its maximum and coloured with matplotlib's default colormap, viridis (dark purple → yellow),
 *   which is what the book's figures show; `cmap: "gray"` gives black → white instead. `NaN`
 *   pixels are left white (matplotlib leaves them transparent). Images are enlarged with
 *   nearest-neighbour sampling, so every pixel stays a sharp square.
 * - **Layout.** Images fill the grid row by row; cells without an image stay white.
 *
 * @example Two images with titles
 * ```ts
 * import { showImages } from "./show_images.ts";
 * const images = new Float32Array(2 * 28 * 28).map((_, i) => (i % 28) / 27); // two gradients
 * const png = showImages(images, 1, 2, { titles: ["left", "right"] });
 * if (png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error("not a PNG");
 * ```
 *
 * @module
 */
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import * as tf from "./tf.ts";
import { type JupyterDisplay, jupyterDisplay } from "./jupyter.ts";

/** Options for {@linkcode showImages}. */
export interface ShowImagesOptions {
  /** Inches per cell, as the book's `scale` (at 100 dpi: `scale * 100` pixels). Default `1.5`. */
  scale?: number;
  /** One title per image, drawn above it; `"\n"` breaks lines. Default: no titles. */
  titles?: string[];
  /**
   * `[height, width]` of each image in a `Float32Array`. Default `[28, 28]` (Fashion-MNIST). A
   * tensor's shape says it already.
   */
  imageShape?: readonly [number, number];
  /** `"viridis"` (matplotlib's default, as in the book) or `"gray"`. Default `"viridis"`. */
  cmap?: "viridis" | "gray";
  /**
   * Where to show the grid inline, as the book's notebooks do: default `Deno.jupyter.display`
   * when running in Deno's Jupyter kernel (`deno jupyter`); `null` never displays. The PNG is
   * returned either way.
   */
  display?: JupyterDisplay | null;
}

/**
 * The font family titles are set in; `fonts-dejavu-core` provides it.
 *
 * @example
 * ```ts
 * import { TITLE_FONT } from "./show_images.ts";
 * if (TITLE_FONT !== "DejaVu Sans") throw new Error(TITLE_FONT);
 * ```
 */
export const TITLE_FONT = "DejaVu Sans";

/** Where Debian's `fonts-dejavu-core` puts the regular face. */
const DEJAVU_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** Matplotlib's dots per inch: `scale` inches become `scale * DPI` pixels. */
const DPI = 100;
/** Matplotlib's default title size, 12 pt, in pixels at {@linkcode DPI}. */
const TITLE_PX = Math.round((12 * DPI) / 72);
/** Baseline-to-baseline distance of title lines, as a multiple of the font size. */
const LINE_SPACING = 1.2;
/** The largest PNG side this draws, in pixels (a guard against runaway sizes). */
const MAX_SIDE = 16384;

/**
 * Matplotlib's viridis colormap (CC0, by van der Walt, Smith and Firing) in 8 bits: 256
 * colours of 6 hex digits, from `#440154` (value 0) to `#fde725` (value 1).
 */
const VIRIDIS_HEX = "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164" +
  "47136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576" +
  "482677482878482979472a7a472c7a472d7b472e7c472f7d46307e46327e46337f463480453581453781453882" +
  "443983443a83443b84433d84433e85423f854240864241864142874144874045884046883f47883f48893e4989" +
  "3e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c" +
  "375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e31678e31688e30698e" +
  "306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e2c728e2c738e2b748e2b758e2a768e2a778e" +
  "2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e26828e26828e25838e25848e25858e" +
  "24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c" +
  "1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f881fa0881fa1881fa187" +
  "1fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad8128ae8029af7f" +
  "2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc73" +
  "40bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863" +
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e" +
  "81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36" +
  "a8db34aadc32addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11d" +
  "d0e11cd2e21bd5e21ad8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61e" +
  "f6e620f8e621fbe723fde725";

/** Parses {@linkcode VIRIDIS_HEX} into 256 × RGB bytes. */
function viridisTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < table.length; i++) {
    table[i] = parseInt(VIRIDIS_HEX.slice(2 * i, 2 * i + 2), 16);
  }
  return table;
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `Cannot show images: ${name} must be a positive integer, got ${String(value)}`,
    );
  }
}

/** Pixels `n × h × w` and the shape, from a tensor or a flat array. */
function readImages(
  images: Float32Array | tf.Tensor,
  imageShape: readonly [number, number] | undefined,
): { pixels: ArrayLike<number>; count: number; height: number; width: number } {
  if (images instanceof tf.Tensor) {
    const s = images.shape;
    let dims: [number, number, number];
    if (s.length === 2) dims = [1, s[0], s[1]];
    else if (s.length === 3) dims = [s[0], s[1], s[2]];
    else if (s.length === 4 && s[1] === 1) dims = [s[0], s[2], s[3]];
    else {
      throw new TypeError(
        `Cannot show images: expected a tensor [h, w], [n, h, w] or [n, 1, h, w], got shape ` +
          `[${s.join(", ")}]`,
      );
    }
    if (images.dtype !== "float32" && images.dtype !== "int32") {
      throw new TypeError(`Cannot show images: expected float32 pixels, got ${images.dtype}`);
    }
    return {
      pixels: images.dataSync() as ArrayLike<number>,
      count: dims[0],
      height: dims[1],
      width: dims[2],
    };
  }
  if (!(images instanceof Float32Array)) {
    throw new TypeError(
      `Cannot show images: expected a Float32Array or a tensor, got ${
        images === null ? "null" : typeof images
      }`,
    );
  }
  const [height, width] = imageShape ?? [28, 28];
  positiveInt("imageShape height", height);
  positiveInt("imageShape width", width);
  if (images.length % (height * width) !== 0) {
    throw new RangeError(
      `Cannot show images: ${images.length} pixel values are not a whole number of ` +
        `${height}×${width} images; pass imageShape: [height, width]`,
    );
  }
  return { pixels: images, count: images.length / (height * width), height, width };
}

/** Makes sure the title font is there; Debian puts it where fonts-dejavu-core installs it. */
function ensureTitleFont(): void {
  if (GlobalFonts.has(TITLE_FONT)) return;
  try {
    GlobalFonts.registerFromPath(DEJAVU_PATH, TITLE_FONT);
  } catch {
    // Reported below.
  }
  if (!GlobalFonts.has(TITLE_FONT)) {
    throw new Error(
      `Cannot draw titles: the font "${TITLE_FONT}" is not installed. Install it with ` +
        `"sudo apt-get install fonts-dejavu-core" (or leave out the titles).`,
    );
  }
}

/**
 * Draws `images` in a `numRows × numCols` grid, with optional titles, and returns the PNG.
 *
 * @example The book's call after predictCh3: one row of six titled images
 * ```ts
 * import * as tf from "./tf.ts";
 * import { showImages } from "./show_images.ts";
 * const X = tf.randomUniform([6, 1, 28, 28], 0, 1, "float32", 1);
 * const titles = Array.from({ length: 6 }, () => "shirt\nt-shirt");
 * const png = showImages(X, 1, 6, { titles });
 * // Width and height sit in the IHDR chunk, bytes 16–23: 6 × 150 by 1 × 150 at scale 1.5.
 * const view = new DataView(png.buffer, png.byteOffset);
 * if (view.getUint32(16) !== 900 || view.getUint32(20) !== 150) throw new Error("size");
 * ```
 *
 * @param images `n` images: a `Float32Array` of `n × h × w` pixels (see `imageShape`), or a
 *   tensor `[h, w]`, `[n, h, w]` or `[n, 1, h, w]`. At most `numRows × numCols` of them.
 * @param numRows rows of the grid.
 * @param numCols columns of the grid.
 * @param options `scale`, `titles` (one per image), `imageShape`, `cmap`.
 * @returns the PNG file's bytes.
 * @throws {RangeError} for a grid that is not positive integers, more images than cells, a
 *   title count that is not the image count, a bad `scale` or a PNG side above 16384 pixels.
 * @throws {TypeError} for images that are neither a `Float32Array` nor a tensor of a fitting
 *   shape, or an unknown `cmap`.
 * @throws {Error} when titles are asked for and the "DejaVu Sans" font is not installed.
 */
export function showImages(
  images: Float32Array | tf.Tensor,
  numRows: number,
  numCols: number,
  options: ShowImagesOptions = {},
): Uint8Array {
  const { scale = 1.5, titles, cmap = "viridis" } = options;
  positiveInt("numRows", numRows);
  positiveInt("numCols", numCols);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(
      `Cannot show images: scale (inches per image) must be a number > 0, got ${scale}`,
    );
  }
  if (cmap !== "viridis" && cmap !== "gray") {
    throw new TypeError(
      `Cannot show images: cmap must be "viridis" or "gray", got ${JSON.stringify(cmap)}`,
    );
  }
  const { pixels, count, height, width } = readImages(images, options.imageShape);
  if (count > numRows * numCols) {
    throw new RangeError(
      `Cannot show images: ${count} images do not fit a ${numRows}×${numCols} grid; ` +
        `make the grid bigger or pass fewer images`,
    );
  }
  if (titles !== undefined && (!Array.isArray(titles) || titles.length !== count)) {
    throw new RangeError(
      `Cannot show images: expected one title per image (${count}), got ${
        Array.isArray(titles) ? titles.length : typeof titles
      }; slice the titles like the images`,
    );
  }
  const cell = Math.max(1, Math.round(scale * DPI)); // pixels per grid cell, square
  const figWidth = numCols * cell;
  const figHeight = numRows * cell;
  if (figWidth > MAX_SIDE || figHeight > MAX_SIDE) {
    throw new RangeError(
      `Cannot show images: the PNG would be ${figWidth}×${figHeight} pixels, above the ` +
        `${MAX_SIDE}-pixel limit; use a smaller scale or grid`,
    );
  }

  const lines = (titles ?? []).map((t) => String(t).split("\n"));
  const titleLines = Math.max(0, ...lines.map((l) => l.length));
  const lineHeight = Math.round(TITLE_PX * LINE_SPACING);
  const pad = Math.max(1, Math.round(cell * 0.04)); // margin around each image, pixels
  const band = titleLines > 0 ? titleLines * lineHeight + pad : 0; // titles atop every cell
  // The largest box of the image's aspect ratio that fits below the band.
  const fit = Math.max(
    0,
    Math.min((cell - 2 * pad) / width, (cell - band - 2 * pad) / height),
  );
  const drawW = Math.floor(width * fit);
  const drawH = Math.floor(height * fit);

  const canvas = createCanvas(figWidth, figHeight);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, figWidth, figHeight);

  // Images: per-image min–max scaling, colormap lookup, nearest-neighbour enlargement.
  const table = cmap === "viridis" ? viridisTable() : undefined;
  const frame = ctx.getImageData(0, 0, figWidth, figHeight);
  const rgba = frame.data; // [figHeight, figWidth, 4]
  const size = height * width;
  for (let k = 0; k < count; k++) {
    const left = (k % numCols) * cell + Math.floor((cell - drawW) / 2);
    const top = Math.floor(k / numCols) * cell + band + pad;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k * size; i < (k + 1) * size; i++) {
      const v = pixels[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi - lo;
    for (let y = 0; y < drawH; y++) {
      const row = Math.min(height - 1, Math.floor(y / fit));
      for (let x = 0; x < drawW; x++) {
        const v = pixels[k * size + row * width + Math.min(width - 1, Math.floor(x / fit))];
        if (Number.isNaN(v)) continue; // stays white
        // matplotlib: a constant image maps to the bottom of the colormap.
        const t = range > 0 && Number.isFinite(range) ? (v - lo) / range : 0;
        const index = Math.min(255, Math.max(0, Math.floor(t * 256))); // 0..255
        const o = ((top + y) * figWidth + left + x) * 4;
        if (table) {
          rgba[o] = table[3 * index];
          rgba[o + 1] = table[3 * index + 1];
          rgba[o + 2] = table[3 * index + 2];
        } else {
          rgba[o] = rgba[o + 1] = rgba[o + 2] = index;
        }
        rgba[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(frame, 0, 0);

  if (titleLines > 0) {
    ensureTitleFont();
    ctx.fillStyle = "#000000";
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    lines.forEach((titleLinesOfImage, k) => {
      const centre = (k % numCols) * cell + cell / 2;
      const top = Math.floor(k / numCols) * cell;
      // Bottom-aligned like matplotlib's title: the last line sits just above the image.
      const first = titleLines - titleLinesOfImage.length;
      titleLinesOfImage.forEach((line, j) => {
        let px = TITLE_PX;
        ctx.font = `${px}px "${TITLE_FONT}"`;
        const widthPx = ctx.measureText(line).width;
        if (widthPx > cell - 2) {
          px = Math.max(6, Math.floor((px * (cell - 2)) / widthPx));
          ctx.font = `${px}px "${TITLE_FONT}"`;
        }
        const baseline = top + pad + (first + j + 1) * lineHeight - Math.round(lineHeight * 0.25);
        ctx.fillText(line, centre, baseline);
      });
    });
  }
  const buffer = canvas.toBuffer("image/png", { resolution: DPI });
  const png = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const display = options.display === null ? undefined : options.display ?? jupyterDisplay();
  if (display !== undefined) {
    const bundle = {
      "image/png": png.toBase64(),
      "text/plain": `${count} image${count === 1 ? "" : "s"}` +
        (titles ? `: ${titles.map((t) => t.replaceAll("\n", " / ")).join(", ")}` : ""),
    };
    // The kernel sends the display on its own; a failure must not lose the returned PNG.
    display(bundle, { raw: true }).catch((error) =>
      console.warn(`showImages: could not display the grid inline: ${error}`)
    );
  }
  return png;
}

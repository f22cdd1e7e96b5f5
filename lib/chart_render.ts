/**
 * Rendering a Vega-Lite chart without a browser: to SVG with Vega (`view.toSVG()`), and SVG to
 * PNG with resvg, in the font the kit's plots name (DejaVu Sans, Debian's `fonts-dejavu-core`;
 * the system's fonts when it is missing). The Animator's curves and the sweep's charts use it.
 *
 * @example A one-point chart as SVG and PNG
 * ```ts
 * import { FONT_FAMILY, specToSVG, svgToPNG } from "./chart_render.ts";
 * const svg = await specToSVG({
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 *   config: { font: FONT_FAMILY },
 * });
 * const png = svgToPNG(svg);
 * if (!svg.startsWith("<svg") || png[1] !== 0x50) throw new Error("not an SVG and a PNG");
 * ```
 *
 * @module
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

/** The font the kit's charts use. */
export const FONT_FAMILY = "DejaVu Sans";
/** Where Debian's `fonts-dejavu-core` installs it. */
const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/** Renders a Vega-Lite specification as an SVG document (Vega, headless). */
export async function specToSVG(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders SVG as PNG bytes with resvg on white, `scale` pixels per SVG unit, using DejaVu Sans
 * when it is installed and the system's fonts otherwise.
 */
export function svgToPNG(svg: string, scale = 2): Uint8Array {
  const haveDejaVu = FONT_FILES.every((file) => {
    try {
      return Deno.statSync(file).isFile;
    } catch {
      return false;
    }
  });
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: haveDejaVu
      ? { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY }
      : { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}

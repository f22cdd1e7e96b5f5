/**
 * The kit in a real Deno Jupyter kernel: a notebook that trains with the Animator and draws
 * predictCh3's grid, executed by `jupyter nbconvert` with the `deno` kernel
 * (`deno jupyter --install`). The Animator must show one chart, updated in place after every
 * epoch, and showImages the grid, inline. And the outputs Deno's kernel sends after the end of
 * their cell are kept, under their own cell.
 *
 * Needs Jupyter and the Deno kernel (`tests/helpers/jupyter.ts` says which packages); without
 * them the test is ignored, unless `D2L_REQUIRE_JUPYTER=1` (CI sets it).
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { jupyterProblem as problem } from "./helpers/jupyter.ts";
import { executeNotebook, joinedText, type Output, withoutColours } from "../tools/notebooks.ts";

const ROOT = new URL("..", import.meta.url);

const joined = joinedText;

/** A notebook for the `deno` kernel with these code cells, not yet run. */
function notebookOf(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({
      cell_type: "code",
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

Deno.test({
  name: "executeNotebook keeps every value a cell shows, also those the kernel sends late",
  ignore: problem !== undefined,
  async fn() {
    // Deno's kernel sends some of these after the message that ends their cell; plain
    // `jupyter nbconvert --execute` dropped outputs of most runs' cells.
    const CELLS = 20;
    const cells = Array.from(
      { length: CELLS },
      (_, i) =>
        `Deno.jupyter.display({ "text/plain": "first ${i}" }, { raw: true });
await Deno.jupyter.display({ "text/plain": "second ${i}" }, { raw: true });
"value ${i}";`,
    );
    const dir = await Deno.makeTempDir({ prefix: "d2l_late_" });
    try {
      await Deno.writeTextFile(`${dir}/late.ipynb`, notebookOf(cells));
      const done = JSON.parse(await executeNotebook(`${dir}/late.ipynb`, 120));
      const shown = done.cells.map((c: { outputs: Output[] }) =>
        c.outputs.map((o) => `${o.output_type}: ${withoutColours(joined(o.data?.["text/plain"]))}`)
          .sort()
      );
      const expected = Array.from({ length: CELLS }, (_, i) => [
        `display_data: first ${i}`,
        `display_data: second ${i}`,
        `execute_result: "value ${i}"`,
      ]);
      assert.deepEqual(shown, expected, "every cell shows its own three values, once");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "in Deno's Jupyter kernel the Animator shows one chart updated every epoch, and showImages the grid",
  ignore: problem !== undefined,
  async fn() {
    await Deno.mkdir(new URL("out/", ROOT), { recursive: true });
    // Inside the project, so the kernel finds deno.json and node_modules from its directory.
    const dir = await Deno.makeTempDir({
      dir: fileURLToPath(new URL("out/", ROOT)),
      prefix: "nb_",
    });
    try {
      const mod = new URL("mod.ts", ROOT).href;
      const cells = [
        `import { Animator, createNet, crossEntropy, initParams, loadDataFashionMnist, ` +
        `predictCh3, sgdUpdater, showImages, trainCh3 } from "${mod}";`,
        `const data = await loadDataFashionMnist(256, { subset: true });
const params = initParams({ seed: 0 });
const net = createNet(params);
const animator = new Animator({ xlabel: "epoch", xlim: [1, 3], ylim: [0.3, 0.9],
  legend: ["train loss", "train acc", "test acc"] });
await trainCh3(net, data.trainIter, data.testIter, crossEntropy, 3,
  sgdUpdater([params.W, params.b], 0.1), { animator });
const svg = await animator.toSVG();
Deno.writeTextFileSync("curves.svg", svg);
Deno.writeFileSync("curves.png", animator.toPNG(svg));`,
        `const shown = predictCh3(net, data.testIter, 6);
const png = showImages(shown.images, 1, 6, { titles: shown.titles, imageShape: shown.imageShape });
Deno.writeFileSync("grid.png", png);`,
      ];
      await Deno.writeTextFile(`${dir}/train.ipynb`, notebookOf(cells));
      const done = JSON.parse(await executeNotebook(`${dir}/train.ipynb`, 300));
      const outputs: Output[][] = done.cells.map((c: { outputs: Output[] }) => c.outputs);
      for (const output of outputs.flat()) {
        assert.notEqual(output.output_type, "error", `${output.ename}: ${output.evalue}`);
      }

      // Training: exactly one display, replaced after each epoch; it holds the final chart.
      const charts = outputs[1].filter((o) => o.output_type === "display_data");
      assert.equal(charts.length, 1, "one chart, updated in place (not one per epoch)");
      // (vega numbers the clip paths of every SVG it makes anew: compare without them)
      const unclip = (svg: string) => svg.replace(/clip\d+/g, "clip");
      assert.equal(
        unclip(joined(charts[0].data!["image/svg+xml"])),
        unclip(await Deno.readTextFile(`${dir}/curves.svg`)),
        "the chart shown is the one after the last epoch",
      );
      const chartPng = Uint8Array.fromBase64(
        joined(charts[0].data!["image/png"]).replace(/\s/g, ""),
      );
      assert.deepEqual(chartPng, await Deno.readFile(`${dir}/curves.png`), "and as a PNG");
      assert.equal(
        joined(charts[0].data!["text/plain"]),
        "Animator: train loss, train acc, test acc at x = 3",
      );

      // predictCh3's grid, inline: the same PNG showImages returned.
      const grids = outputs[2].filter((o) => o.output_type === "display_data");
      assert.equal(grids.length, 1);
      const shown = Uint8Array.fromBase64(joined(grids[0].data!["image/png"]).replace(/\s/g, ""));
      assert.deepEqual(shown, await Deno.readFile(`${dir}/grid.png`));
      assert.match(
        joined(grids[0].data!["text/plain"]),
        /^6 images: [^,/]+ \/ [^,/]+(, [^,/]+ \/ [^,/]+){5}$/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

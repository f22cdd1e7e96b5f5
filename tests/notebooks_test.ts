/**
 * The notebooks in `notebooks/` are the lessons, and they run.
 *
 * - Each notebook's cells are what `deno task notebooks` generates from its lesson now (a
 *   lesson edited without regenerating fails here), and there is one notebook per lesson.
 * - Each committed notebook carries its outputs (so it reads well before anyone runs it).
 * - Each runs top to bottom in Deno's Jupyter kernel without an error, and shows what the book
 *   shows: every printed value, the training curves (PNG and SVG) with the book's checks
 *   passed, and the prediction grid. Needs Jupyter (`tests/helpers/jupyter.ts`) and the full
 *   Fashion-MNIST (`tests/helpers/full_data.ts`); CI requires both.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { jupyterProblem } from "./helpers/jupyter.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import {
  cellSources,
  executeNotebook,
  joinedText,
  lessonNames,
  lessonNotebook,
  notebookJson,
  NOTEBOOKS_DIR,
  type Output,
  type SavedCell,
  withoutColours,
} from "../tools/notebooks.ts";

const joined = joinedText;
const pathOf = (name: string) => join(NOTEBOOKS_DIR, `${name}.ipynb`);
const STALE = "is out of date with its lesson: run `deno task notebooks` and commit the result";

Deno.test("there is one notebook per lesson, and nothing else in notebooks/", () => {
  const notebooks = [...Deno.readDirSync(NOTEBOOKS_DIR)].map((e) => e.name).sort();
  assert.deepEqual(notebooks, lessonNames().map((n) => `${n}.ipynb`));
});

for (const name of lessonNames()) {
  Deno.test(`notebooks/${name}.ipynb has the cells its lesson generates, with outputs saved`, async () => {
    const saved = await Deno.readTextFile(pathOf(name));
    const generated = notebookJson(await lessonNotebook(name));
    assert.deepEqual(
      cellSources(saved),
      cellSources(generated),
      `notebooks/${name}.ipynb ${STALE}`,
    );
    const cells: SavedCell[] = JSON.parse(saved).cells;
    const shows = cells.filter((c) => c.cell_type === "code" && /display\(/.test(joined(c.source)));
    for (const cell of shows) {
      assert.ok(
        (cell.outputs ?? []).length > 0,
        `a saved cell lacks its output:\n${joined(cell.source)}`,
      );
    }
  });
}

Deno.test({
  name: "every notebook runs in Deno's Jupyter kernel and shows the book's values and figures",
  ignore: jupyterProblem !== undefined || ignoreWithoutFullData,
  async fn() {
    for (const name of lessonNames()) {
      const cells: SavedCell[] = JSON.parse(await executeNotebook(pathOf(name))).cells;
      const code = cells.filter((c) => c.cell_type === "code");
      for (const output of code.flatMap((c) => c.outputs ?? [])) {
        assert.notEqual(output.output_type, "error", `${name}: ${output.ename}: ${output.evalue}`);
      }
      // Every value the lesson marks as printed is shown.
      for (const cell of code.filter((c) => /display\(/.test(joined(c.source)))) {
        const shown = (cell.outputs ?? []).filter((o) => o.output_type === "display_data");
        assert.ok(shown.length > 0, `${name}: no value shown for\n${joined(cell.source)}`);
      }
      const displays = code.flatMap((c) => c.outputs ?? []).filter((o) =>
        o.output_type === "display_data"
      );
      // (the kernel colours printed values for a terminal)
      const text = (o: Output) => withoutColours(joined(o.data?.["text/plain"]));
      if (name === "01_sum_keepdim") {
        assert.match(text(displays[0]), /\[\[5, 7, 9\]/, "the book's column sums");
      }
      if (name === "05_train_ch3") {
        const chart = displays.find((o) => text(o).startsWith("Animator:"));
        assert.ok(chart?.data?.["image/png"] && chart.data["image/svg+xml"], "the curves");
        assert.equal(text(chart!), "Animator: train loss, train acc, test acc at x = 10");
        const m = displays.map(text).join("\n").match(
          /trainLoss: ([\d.]+), trainAcc: ([\d.]+), testAcc: ([\d.]+)/,
        );
        assert.ok(m, "the final metrics are shown");
        const [loss, trainAcc, testAcc] = m.slice(1).map(Number);
        assert.ok(loss < 0.5 && trainAcc > 0.7 && testAcc > 0.7, m[0]);
      }
      if (name === "06_predict_ch3") {
        const grid = displays.find((o) => o.data?.["image/png"] !== undefined);
        assert.ok(grid, "the prediction grid");
        assert.match(text(grid!), /^6 images: ankle boot \/ ankle boot, pullover \/ pullover/);
      }
    }
  },
});

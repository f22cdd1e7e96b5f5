import assert from "node:assert/strict";
import { loadImage } from "@napi-rs/canvas";
import { Animator, parseFormat } from "../lib/animator.ts";
import type { JupyterDisplay } from "../lib/jupyter.ts";
import { formatRow, HEADER, TrainingProgress } from "../lib/training_progress.ts";

const BOOK = {
  xlabel: "epoch",
  xlim: [1, 10] as [number, number],
  ylim: [0.3, 0.9] as [number, number],
  legend: ["train loss", "train acc", "test acc"],
};

/** Ten epochs of plausible metrics. */
const ROWS = [
  [0.787, 0.748, 0.778],
  [0.571, 0.813, 0.802],
  [0.525, 0.826, 0.817],
  [0.501, 0.832, 0.825],
  [0.486, 0.836, 0.824],
  [0.474, 0.84, 0.828],
  [0.465, 0.844, 0.832],
  [0.458, 0.845, 0.829],
  [0.452, 0.847, 0.825],
  [0.448, 0.848, 0.835],
];

/** Width and height from a PNG's IHDR chunk (bytes 16–23), after checking the signature. */
function pngSize(bytes: Uint8Array): [number, number] {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, "PNG signature");
  assert.equal(new TextDecoder().decode(bytes.subarray(12, 16)), "IHDR");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

function svgSize(svg: string): [number, number] {
  const m = /^<svg[^>]*\swidth="([\d.]+)"\s+height="([\d.]+)"/.exec(svg);
  assert.ok(m, "the SVG has a width and height");
  return [Number(m[1]), Number(m[2])];
}

Deno.test("parseFormat() reads the book's formats: solid default blue, dashed magenta, dash-dot green, dotted red", () => {
  assert.deepEqual(parseFormat("-", 0), { color: "#1f77b4", dash: [] });
  assert.deepEqual(parseFormat("m--", 1), { color: "#bf00bf", dash: [5.55, 2.4] });
  assert.deepEqual(parseFormat("g-.", 2), { color: "#008000", dash: [9.6, 2.4, 1.5, 2.4] });
  assert.deepEqual(parseFormat("r:", 3), { color: "#ff0000", dash: [1.5, 2.475] });
  assert.equal(parseFormat("", 1).color, "#ff7f0e", "no colour letter: matplotlib's cycle");
  for (const bad of ["x", "--m", "m---", "purple"]) {
    assert.throws(
      () => parseFormat(bad, 0),
      (e: Error) => e instanceof RangeError && e.message.includes(JSON.stringify(bad)),
    );
  }
});

Deno.test("Animator.add() keeps one series per value and rejects a changing number of values", async () => {
  const a = new Animator({ ...BOOK, display: null });
  await a.add(1, [0.7, 0.75, 0.78]);
  await a.add(2, [0.5, 0.8, 0.8]);
  assert.deepEqual(a.X, [[1, 2], [1, 2], [1, 2]]);
  assert.deepEqual(a.Y, [[0.7, 0.5], [0.75, 0.8], [0.78, 0.8]]);
  a.Y[0].push(99); // copies: the caller cannot change the animator's data
  assert.equal(a.Y[0].length, 2);
  await assert.rejects(
    () => a.add(3, [0.4, 0.85]),
    (e: Error) =>
      e instanceof RangeError && /got 2 values but earlier calls had 3 series/.test(e.message),
  );
  await assert.rejects(() => a.add([1, 2], [1, 2, 3]), RangeError);
  assert.equal(a.files, undefined);
});

Deno.test("Animator rejects bad ranges, sizes and formats when created", () => {
  assert.throws(() => new Animator({ xlim: [10, 1] }), /xlim must be \[low, high\]/);
  assert.throws(() => new Animator({ ylim: [0.3, NaN] }), /ylim/);
  assert.throws(() => new Animator({ figsize: [0, 2] }), /figsize/);
  assert.throws(() => new Animator({ fmts: ["-", "zz"] }), /Unknown line format/);
  assert.throws(() => new Animator({ minRedrawMs: NaN }), /minRedrawMs must be 0 or more/);
});

Deno.test("Animator.toSVG() draws the book's chart: axes ranges, three styled lines, a legend, DejaVu Sans", async () => {
  const a = new Animator({ ...BOOK, display: null });
  for (const [i, row] of ROWS.entries()) await a.add(i + 1, row);
  const spec = a.toSpec() as unknown as {
    encoding: { x: { scale: { domain: number[] } }; y: { scale: { domain: number[] } } };
  };
  assert.deepEqual(spec.encoding.x.scale.domain, [1, 10]);
  assert.deepEqual(spec.encoding.y.scale.domain, [0.3, 0.9]);
  const svg = await a.toSVG();
  for (const label of [...BOOK.legend, "epoch"]) assert.ok(svg.includes(`>${label}<`), label);
  for (const tick of ["0.3", "0.9", ">1<", ">10<"]) assert.ok(svg.includes(tick), `tick ${tick}`);
  // The three curves and their legend symbols, in the book's colours and dash patterns.
  const strokes = [...svg.matchAll(/stroke="(#[0-9a-f]{6})"[^>]*stroke-dasharray="([^"]*)"/g)]
    .map((m) => `${m[1]} ${m[2]}`);
  for (const style of ["#1f77b4 ", "#bf00bf 5.55,2.4", "#008000 9.6,2.4,1.5,2.4"]) {
    assert.equal(strokes.filter((s) => s === style).length, 2, `line + legend symbol "${style}"`);
  }
  assert.ok(svg.includes('font-family="DejaVu Sans"'));
  assert.ok(!svg.includes("NaN"), "no NaN coordinates");
});

Deno.test("Animator clips values outside ylim and skips NaN instead of breaking the chart", async () => {
  const a = new Animator({ ...BOOK, display: null });
  await a.add(1, [2.3, 0.1, NaN]); // an early loss above the range, an accuracy below it
  await a.add(2, [0.6, 0.5, 0.55]);
  const svg = await a.toSVG();
  assert.ok(!svg.includes("NaN"));
  assert.ok(svg.includes('clip-path="url(#'), "lines are clipped to the plot");
});

Deno.test("Animator.toPNG() renders a PNG that decodes, at pngScale times the SVG's size", async () => {
  const a = new Animator({ ...BOOK, display: null, pngScale: 2 });
  await a.add(1, ROWS[0]);
  const svg = await a.toSVG();
  const png = a.toPNG(svg);
  const [w, h] = svgSize(svg);
  assert.deepEqual(pngSize(png), [Math.round(2 * w), Math.round(2 * h)]);
  const image = await loadImage(png);
  assert.equal(image.width, Math.round(2 * w));
  assert.equal(image.height, Math.round(2 * h));
});

Deno.test("Animator rewrites curves.svg and curves.png in outDir after every add, leaving no temporary files", async () => {
  const root = await Deno.makeTempDir();
  try {
    const outDir = `${root}/nested/out`; // created on the first add
    const a = new Animator({ ...BOOK, outDir, display: null });
    assert.deepEqual(a.files, { svg: `${outDir}/curves.svg`, png: `${outDir}/curves.png` });
    const seen: string[] = [];
    for (const [i, row] of ROWS.slice(0, 3).entries()) {
      await a.add(i + 1, row);
      const svg = await Deno.readTextFile(`${outDir}/curves.svg`);
      // Vega numbers its clip paths globally; the drawing is otherwise the same.
      const plain = (text: string) => text.replace(/clip\d+/g, "clip");
      assert.equal(plain(svg), plain(await a.toSVG()), `curves.svg after epoch ${i + 1}`);
      const png = await Deno.readFile(`${outDir}/curves.png`);
      assert.deepEqual(pngSize(png), svgSize(svg).map((v) => Math.round(2 * v)));
      seen.push(svg);
      assert.deepEqual([...Deno.readDirSync(outDir)].map((e) => e.name).sort(), [
        "curves.png",
        "curves.svg",
      ]);
    }
    assert.equal(new Set(seen).size, 3, "every add changed the file");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Animator shows the chart inline in Jupyter, then updates that same display", async () => {
  const calls: { obj: Record<string, string>; options: Record<string, unknown> }[] = [];
  const display: JupyterDisplay = (obj, options) => {
    calls.push({ obj: obj as Record<string, string>, options: options ?? {} });
    return Promise.resolve();
  };
  const a = new Animator({ ...BOOK, display });
  await a.add(1, ROWS[0]);
  await a.add(2, ROWS[1]);
  assert.equal(calls.length, 2);
  const [first, second] = calls;
  assert.ok(first.obj["image/svg+xml"].startsWith("<svg"));
  // The same chart as a PNG (base64), for exports that drop SVG outputs.
  const png = Uint8Array.fromBase64(first.obj["image/png"]);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.equal(first.options.raw, true);
  assert.equal(first.options.update, false);
  assert.equal(second.options.update, true);
  assert.equal(typeof first.options.display_id, "string");
  assert.equal(second.options.display_id, first.options.display_id);
  assert.notEqual(second.obj["image/svg+xml"], first.obj["image/svg+xml"]);
});

Deno.test("Animator outside Jupyter, without outDir, renders nothing and displays nothing", async () => {
  // Outside `deno jupyter`, reading Deno.jupyter throws; the Animator must cope with that.
  assert.throws(() => (Deno as unknown as { jupyter?: unknown }).jupyter, /deno jupyter/);
  const a = new Animator(BOOK); // default display: Deno.jupyter, absent here
  await a.add(1, ROWS[0]);
  assert.equal(a.files, undefined);
});

Deno.test("TrainingProgress on a terminal: header, a bar redrawn in place, then the epoch's row", () => {
  let out = "";
  const p = new TrainingProgress({
    numEpochs: 2,
    write: (s) => (out += s),
    isTerminal: true,
    barWidth: 10,
  });
  for (let done = 1; done <= 235; done++) p.batch(done, 235);
  const bars = out.split("\r\x1b[2K").slice(1);
  assert.ok(out.startsWith(HEADER + "\n"));
  assert.ok(bars.length >= 10 && bars.length <= 12, `${bars.length} redraws for 235 batches`);
  assert.equal(bars.at(-1), "epoch 1/2 [##########] 235/235");
  p.epoch({ epoch: 1, trainLoss: 0.787, trainAcc: 0.748, testAcc: 0.778, seconds: 1.5 });
  assert.ok(out.endsWith("\r\x1b[2K    1      0.7870     0.7480    0.7780     1.50\n"));
  p.batch(1, 235);
  assert.ok(out.endsWith("epoch 2/2 [          ] 1/235"));
  assert.equal(out.split(HEADER).length, 2, "one header");
});

Deno.test("TrainingProgress outside a terminal: plain lines only, no control characters", () => {
  let out = "";
  const p = new TrainingProgress({ numEpochs: 2, write: (s) => (out += s), isTerminal: false });
  for (const [i, [trainLoss, trainAcc, testAcc]] of ROWS.slice(0, 2).entries()) {
    for (let done = 1; done <= 235; done++) p.batch(done, 235);
    p.epoch({ epoch: i + 1, trainLoss, trainAcc, testAcc, seconds: 0.25 });
  }
  assert.equal(
    out,
    `${HEADER}\n    1      0.7870     0.7480    0.7780     0.25\n` +
      `    2      0.5710     0.8130    0.8020     0.25\n`,
  );
  assert.ok(!out.includes("\r") && !out.includes("\x1b"), "control characters");
});

Deno.test("formatRow() lines each number up under its HEADER column", () => {
  const row = formatRow({
    epoch: 10,
    trainLoss: 0.4479,
    trainAcc: 0.8478,
    testAcc: 0.8348,
    seconds: 12.345,
  });
  const headerEnds = [...HEADER.matchAll(/\S+( \S+)?/g)].map((m) => m.index! + m[0].length);
  const rowEnds = [...row.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
  assert.deepEqual(rowEnds, headerEnds);
});

/**
 * `deno task notebooks`: the lessons as Jupyter notebooks, generated, never written by hand.
 *
 * Each `lessons/NN_name.ts` becomes `notebooks/NN_name.ipynb`: the module's documentation as
 * markdown (its title as the heading), each `ts` block of that prose as a code cell (the
 * book's own steps, such as lesson 5's 10-epoch run, sit there in `ts ignore` blocks, which the
 * documentation tests skip and the notebook runs), then each exported function and class with
 * its documentation and its asserting examples as code cells. The imports of every code cell
 * are gathered into the first one, rewritten for the notebook's folder, together with the
 * lesson's own exports (which the documentation tests import implicitly).
 *
 * The task then runs every notebook in Deno's Jupyter kernel (`jupyter nbconvert` with
 * `tools/jupyter_late_outputs.py`, from `notebooks/`, so the imports resolve) and saves its outputs, so that the notebooks read
 * well before anyone runs them: the printed values, the Animator's chart, the prediction grid.
 * A notebook is replaced only once it has run without an error. `tests/notebooks_test.ts`
 * fails when a notebook's cells differ from what its lesson generates now, and executes each.
 *
 * Usage: `deno task notebooks [NN_name …]` (default: every lesson).
 *
 * @example A lesson's notebook starts with its title and its imports
 * ```ts
 * import { lessonNotebook } from "./notebooks.ts";
 * const notebook = await lessonNotebook("01_sum_keepdim");
 * if (!notebook.cells[0].source.startsWith("# Lesson 1: ")) throw new Error("no title cell");
 * const imports = notebook.cells.find((c) => c.cell_type === "code")!.source;
 * if (!imports.includes('import { sumKeepdim } from "../lessons/01_sum_keepdim.ts";')) {
 *   throw new Error(`the lesson's exports are not imported:\n${imports}`);
 * }
 * ```
 *
 * @module
 */
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../lib/write_atomic.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the lessons are, and where their notebooks go. */
export const LESSONS_DIR = join(ROOT, "lessons");
export const NOTEBOOKS_DIR = join(ROOT, "notebooks");

/** One notebook cell, as nbformat 4.5 stores it (`source` joined into one string here). */
export interface Cell {
  id: string;
  cell_type: "markdown" | "code";
  metadata: Record<string, unknown>;
  source: string;
  execution_count?: number | null;
  outputs?: unknown[];
}

/** One output of an executed code cell, as nbformat stores it. */
export interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

/** A code or markdown cell as read back from an executed notebook file. */
export interface SavedCell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

/**
 * A notebook field stored as one string or as a list of lines, as one string.
 *
 * @example
 * ```ts
 * import { joinedText } from "./notebooks.ts";
 * if (joinedText(["a\n", "b"]) !== "a\nb" || joinedText(undefined) !== "") throw new Error("join");
 * ```
 */
export function joinedText(x: string | string[] | undefined): string {
  return Array.isArray(x) ? x.join("") : x ?? "";
}

/** A notebook in nbformat 4.5, for the Deno kernel. */
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: 4;
  nbformat_minor: 5;
}

/** The names of the lessons (`NN_name`, without `.ts`), in the book's order. */
export function lessonNames(): string[] {
  return [...Deno.readDirSync(LESSONS_DIR)]
    .map((e) => e.name)
    .filter((n) => /^\d\d_\w+\.ts$/.test(n))
    .map((n) => n.slice(0, -3))
    .sort();
}

interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}

interface DocSymbol {
  name: string;
  declarations: { kind: string; jsDoc?: JsDoc; declarationKind?: string }[];
}

/** `deno doc --json` of one lesson: its module documentation and its exported symbols. */
async function docOf(path: string): Promise<{ module: JsDoc; symbols: DocSymbol[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--quiet", "--json", path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno doc could not read ${path}: fix the error it names, then run the task again:\n` +
        new TextDecoder().decode(out.stderr).slice(-2000),
    );
  }
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const node = Object.values(json.nodes as Record<string, unknown>)[0] as {
    module_doc?: JsDoc;
    symbols?: DocSymbol[];
  };
  return { module: node.module_doc ?? {}, symbols: node.symbols ?? [] };
}

/** JSDoc inline links as markdown code: `{@linkcode sgd}` → `` `sgd` ``. */
function inlineLinks(text: string): string {
  // A link followed by code is one piece of code: {@linkcode sgd}`(params, …)` → `sgd(params, …)`.
  text = text.replace(
    /\{@link(?:code|plain)?\s+([^}\s]+)\}`([^`]*)`/g,
    (_, name, rest) => `\`${name}${rest}\``,
  );
  return text.replace(
    /\{@link(?:code|plain)?\s+([^}\s]+)(?:\s+([^}]+))?\}/g,
    (_, target, label) => {
      const name = (label ?? target).trim();
      return name.startsWith("`") ? name : `\`${name}\``;
    },
  );
}

type Piece = { kind: "markdown" | "code"; text: string };

/** Splits documentation prose into markdown and its `ts` blocks (`ts ignore` included). */
function splitProse(doc: string): Piece[] {
  const pieces: Piece[] = [];
  const fence = /^```(ts|typescript)\b[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;
  let at = 0;
  for (const m of doc.matchAll(fence)) {
    pieces.push({ kind: "markdown", text: doc.slice(at, m.index) });
    pieces.push({ kind: "code", text: m[2] });
    at = m.index! + m[0].length;
  }
  pieces.push({ kind: "markdown", text: doc.slice(at) });
  return pieces
    .map((p) => ({ ...p, text: p.kind === "markdown" ? inlineLinks(p.text).trim() : p.text }))
    .filter((p) => p.text.trim() !== "");
}

/** An `@example` tag's title and code, as pieces: a bold title, then the code. */
function examplePieces(doc: string): Piece[] {
  const newline = doc.indexOf("\n");
  const title = doc.slice(0, newline === -1 ? doc.length : newline).trim();
  const body = newline === -1 ? "" : doc.slice(newline + 1);
  const titled = title === "" || title.startsWith("```") ? "Example" : `Example: ${title}`;
  return [
    { kind: "markdown", text: `*${inlineLinks(titled)}*` },
    ...splitProse(body).filter((p) => p.kind === "code"),
  ];
}

/**
 * A line `value; // the value a notebook prints` (or "values") becomes an explicit display of
 * `value`, which shows it wherever the line stands in the cell (a cell's final value is shown
 * only when it is the last statement).
 */
const PRINTED = /^(.+?);?\s*\/\/ the values? a notebook prints$/;

function displayPrinted(code: string): string {
  return code.split("\n").map((line) => {
    const m = line.match(PRINTED);
    return m === null ? line : `await Deno.jupyter.display(${m[1]});`;
  }).join("\n");
}

const IMPORT = /^import\s+(.+?)\s+from\s+"([^"]+)";\s*$/;

/**
 * Moves a code piece's `import` lines out, rewriting relative specifiers (written from
 * `lessons/`) for `notebooks/`: `./02_softmax.ts` → `../lessons/02_softmax.ts`.
 */
function takeImports(code: string, imports: Map<string, Set<string>>): string {
  const kept: string[] = [];
  for (const line of code.split("\n")) {
    const m = line.match(IMPORT);
    if (m === null) {
      kept.push(line);
      continue;
    }
    const specifier = m[2].startsWith("./") ? `../lessons/${m[2].slice(2)}` : m[2];
    const clause = m[1];
    const named = clause.match(/^\{\s*(.*?)\s*\}$/);
    const key = named === null ? `${clause}\u0000${specifier}` : specifier;
    const names = imports.get(key) ?? new Set<string>();
    if (named !== null) {
      for (const n of named[1].split(",").map((s) => s.trim()).filter(Boolean)) names.add(n);
    }
    imports.set(key, names);
  }
  return kept.join("\n").trim();
}

/** The import lines, one per module, namespace imports first. */
function importLines(imports: Map<string, Set<string>>): string[] {
  const lines: string[] = [];
  for (const key of imports.keys()) {
    if (key.includes("\u0000")) {
      const [clause, specifier] = key.split("\u0000");
      lines.push(`import ${clause} from "${specifier}";`);
    }
  }
  for (const [key, names] of imports) {
    if (!key.includes("\u0000")) {
      lines.push(`import { ${[...names].sort().join(", ")} } from "${key}";`);
    }
  }
  return lines;
}

/**
 * The notebook of one lesson, without outputs.
 *
 * @param name the lesson's file name without `.ts` (`"02_softmax"`).
 * @throws {Error} when there is no such lesson (names the lessons there are).
 */
export async function lessonNotebook(name: string): Promise<Notebook> {
  const path = join(LESSONS_DIR, `${name}.ts`);
  if (!lessonNames().includes(name)) {
    throw new Error(`no lesson named "${name}": choose one of ${lessonNames().join(", ")}`);
  }
  const { module, symbols } = await docOf(path);
  const pieces: Piece[] = [];
  // The first line is the title: "Lesson 2: the softmax operation, … ." → "# Lesson 2: …".
  const moduleDoc = (module.doc ?? "").replace(/^\s*([^\n]*?)\.?\n/, "# $1\n");
  pieces.push(...splitProse(moduleDoc));
  for (const tag of module.tags ?? []) {
    if (tag.kind === "example") pieces.push(...examplePieces(tag.doc ?? ""));
  }
  const values: string[] = [];
  for (const symbol of symbols) {
    const declaration = symbol.declarations.find((d) => d.declarationKind === "export");
    if (declaration === undefined) continue;
    if (!["function", "class", "variable"].includes(declaration.kind)) continue;
    values.push(symbol.name);
    const doc = declaration.jsDoc?.doc ?? "";
    pieces.push(...splitProse(`## \`${symbol.name}\`\n\n${doc}`));
    for (const tag of declaration.jsDoc?.tags ?? []) {
      if (tag.kind === "example") pieces.push(...examplePieces(tag.doc ?? ""));
    }
  }

  const imports = new Map<string, Set<string>>();
  const ownImports = new Set(values);
  const codeOf = pieces.map((p) =>
    p.kind === "code" ? displayPrinted(takeImports(p.text, imports)) : p.text
  );
  // The lesson's own exports come through its own module, not through the others.
  for (const [key, names] of imports) {
    if (key === `../lessons/${name}.ts`) { for (const n of names) ownImports.add(n); }
  }
  imports.delete(`../lessons/${name}.ts`);
  const importCell = [
    ...importLines(imports),
    `import { ${[...ownImports].sort().join(", ")} } from "../lessons/${name}.ts";`,
  ].join("\n");

  const cells: Cell[] = [];
  const add = (cell_type: "markdown" | "code", source: string) => {
    const id = `${name}-${String(cells.length).padStart(2, "0")}`;
    cells.push(
      cell_type === "code"
        ? { id, cell_type, metadata: {}, source, execution_count: null, outputs: [] }
        : { id, cell_type, metadata: {}, source },
    );
  };
  // The title and the first paragraphs, then the imports, then the rest in order.
  let importsPlaced = false;
  pieces.forEach((piece, i) => {
    if (piece.kind === "code" && !importsPlaced) {
      add("code", importCell);
      importsPlaced = true;
    }
    if (piece.kind === "code" && codeOf[i] === "") return;
    add(piece.kind, codeOf[i]);
    if (i === 0 && piece.kind === "markdown" && !importsPlaced) {
      add("code", importCell);
      importsPlaced = true;
    }
  });
  return {
    cells,
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts" },
      generated_from: `lessons/${name}.ts`,
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** A notebook as nbformat stores it on disk: each source as a list of lines, one space indent. */
export function notebookJson(notebook: Notebook): string {
  const lines = (s: string) => s.split(/(?<=\n)/);
  const cells = notebook.cells.map((c) => ({ ...c, source: lines(c.source) }));
  return JSON.stringify({ ...notebook, cells }, null, 1) + "\n";
}

/** What stays the same between runs: each cell's type and source. */
export function cellSources(json: string): { cell_type: string; source: string }[] {
  const parsed = JSON.parse(json) as { cells: { cell_type: string; source: string | string[] }[] };
  return parsed.cells.map((c) => ({
    cell_type: c.cell_type,
    source: Array.isArray(c.source) ? c.source.join("") : c.source,
  }));
}

/**
 * The first code cell of an executed notebook that shows fewer values than it should: at least
 * one when it calls `display(`, and as many as the same cell of `saved` (the notebook as it was
 * before the run, when it held outputs: a chart or an image grid displays without that word).
 *
 * @example
 * ```ts
 * import { lostDisplay } from "./notebooks.ts";
 * const cell = (source: string, displays: number) => ({
 *   cell_type: "code",
 *   source: [source],
 *   outputs: Array.from({ length: displays }, () => ({ output_type: "display_data" })),
 * });
 * const nb = (...cells: unknown[]) => JSON.stringify({ cells });
 * const lost = lostDisplay(nb(cell("display(1);", 1), cell("display(2);", 0)));
 * if (lost !== "display(2);") throw new Error(`expected the second cell, got ${lost}`);
 * const grid = lostDisplay(nb(cell("showImages(X);", 1)), nb(cell("showImages(X);", 2)));
 * if (grid !== "showImages(X);") throw new Error(`a saved display was lost unseen: ${grid}`);
 * ```
 */
export function lostDisplay(executed: string, saved?: string): string | undefined {
  const cellsOf = (json: string) => (JSON.parse(json) as { cells: SavedCell[] }).cells;
  const displays = (c: SavedCell | undefined) =>
    (c?.outputs ?? []).filter((o) => o.output_type === "display_data").length;
  const before = saved === undefined ? [] : cellsOf(saved);
  const lost = cellsOf(executed).find((c, i) => {
    if (c.cell_type !== "code") return false;
    const expected = Math.max(/display\(/.test(joinedText(c.source)) ? 1 : 0, displays(before[i]));
    return displays(c) < expected;
  });
  return lost === undefined ? undefined : joinedText(lost.source);
}

/**
 * Runs a notebook file in Deno's Jupyter kernel from its own folder and returns the executed
 * notebook's JSON; the file itself is left as it was.
 *
 * Deno 2.9's kernel does not keep its messages in order: a cell's display sometimes arrives after
 * the message that ends the cell, and `jupyter nbconvert --execute` drops it (more often on a
 * loaded machine). The run uses `tools/jupyter_late_outputs.py`, which files such messages under
 * their cell; a cell that still shows fewer values than it should ({@linkcode lostDisplay},
 * against the file's own saved outputs) is an error.
 *
 * @throws {Error} when Jupyter or the Deno kernel is missing (names the packages), when a
 *   cell fails (with Jupyter's report), or when a cell's display is missing.
 */
export async function executeNotebook(path: string, timeoutSeconds = 900): Promise<string> {
  const saved = await Deno.readTextFile(path);
  const executed = await nbconvertExecute(path, timeoutSeconds);
  const lost = lostDisplay(executed, saved);
  if (lost !== undefined) {
    throw new Error(
      `${
        basename(path)
      }: in Deno's Jupyter kernel, this cell did not show all its values:\n${lost}`,
    );
  }
  return executed;
}

/** The nbconvert configuration that keeps the kernel's late messages (see its own comment). */
const LATE_OUTPUTS_CONFIG = fileURLToPath(new URL("./jupyter_late_outputs.py", import.meta.url));

async function nbconvertExecute(path: string, timeoutSeconds: number): Promise<string> {
  const outDir = await Deno.makeTempDir({ prefix: "d2l_nb_" });
  try {
    let run: Deno.CommandOutput;
    try {
      run = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--config",
          LATE_OUTPUTS_CONFIG,
          "--to",
          "notebook",
          "--ExecutePreprocessor.kernel_name=deno",
          `--ExecutePreprocessor.timeout=${timeoutSeconds}`,
          "--output-dir",
          outDir,
          path,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      throw new Error(
        `cannot run Jupyter (${error}): install it (Debian: apt-get install jupyter-nbconvert ` +
          "python3-nbclient jupyter-client) and Deno's kernel (deno jupyter --install)",
      );
    }
    if (!run.success) {
      const stderr = new TextDecoder().decode(run.stderr);
      throw new Error(`${basename(path)} failed in Deno's Jupyter kernel:\n${stderr.slice(-4000)}`);
    }
    return await Deno.readTextFile(join(outDir, basename(path)));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

/**
 * `text` without the terminal colour codes Deno's kernel puts in printed values.
 *
 * @example
 * ```ts
 * import { withoutColours } from "./notebooks.ts";
 * if (withoutColours("\x1b[33m0.5\x1b[39m") !== "0.5") throw new Error("colour codes left");
 * ```
 */
export function withoutColours(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * Drops what changes on every run and says nothing to a reader (timings, kernel versions) and
 * the terminal colours of printed values.
 */
function tidyExecuted(json: string): string {
  const notebook = JSON.parse(json);
  const plain = withoutColours;
  for (const cell of notebook.cells) {
    delete cell.metadata?.execution;
    for (const output of cell.outputs ?? []) {
      const text = output.data?.["text/plain"];
      if (text !== undefined) {
        output.data["text/plain"] = Array.isArray(text) ? text.map(plain) : plain(text);
      }
      if (output.text !== undefined) {
        output.text = Array.isArray(output.text) ? output.text.map(plain) : plain(output.text);
      }
    }
  }
  delete notebook.metadata?.language_info?.version;
  delete notebook.metadata?.language_info?.codemirror_mode;
  return JSON.stringify(notebook, null, 1) + "\n";
}

async function main(args: string[]): Promise<number> {
  const names = args.length > 0 ? args : lessonNames();
  await Deno.mkdir(NOTEBOOKS_DIR, { recursive: true });
  for (const name of names) {
    const notebook = await lessonNotebook(name);
    // Run from notebooks/ so that its imports resolve; the real file is replaced only after.
    const scratch = join(NOTEBOOKS_DIR, `.${name}.generating.ipynb`);
    await Deno.writeTextFile(scratch, notebookJson(notebook));
    const started = performance.now();
    try {
      const executed = tidyExecuted(await executeNotebook(scratch));
      await writeFileAtomic(join(NOTEBOOKS_DIR, `${name}.ipynb`), executed);
    } finally {
      await Deno.remove(scratch).catch(() => {});
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`notebooks/${name}.ipynb: ${notebook.cells.length} cells, ran in ${seconds} s`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

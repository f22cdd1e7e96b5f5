/**
 * `deno task site`: the section as a static web site, read like the book's chapter.
 *
 * Built from the notebooks (`deno task notebooks`), which carry the lessons' prose, code and
 * saved outputs, into `out/site/` (or `--out DIR`):
 *
 * - `index.html`: the section's table of contents in the book's order, the book's exercises,
 *   and links to the API reference and to every exercise;
 * - `lessons/NN_name.html`: one page per lesson with previous / next, the maths typeset at build
 *   time by KaTeX (its stylesheet and fonts are copied in: the pages load nothing from the
 *   network), every example as code with the values it printed, the figures the code drew
 *   (training curves, prediction grid) as images, and links to the lesson's exercise and
 *   solution;
 * - `exercises/ID.html`, `solutions/ID.html`: each exercise's stub and reference answer;
 * - `api/`: the API reference (`deno doc --html`).
 *
 * The notebooks must be current: a notebook out of date with its lesson stops the build with a
 * message to run `deno task notebooks`. The site appears all at once: it is built beside the
 * target and renamed over it. `tests/site_test.ts` renders every page in headless Chromium.
 *
 * Usage: `deno task site [--out DIR]`.
 *
 * @example Maths is typeset, code is left alone
 * ```ts
 * import { markdownToHtml } from "./site.ts";
 * const html = markdownToHtml("Sum: $\\sum_j X_{ij}$, in code: `$x` and `\\sum`.");
 * if (!html.includes('class="katex"')) throw new Error(`no KaTeX: ${html}`);
 * if (!html.includes("<code>$x</code>") || !html.includes("<code>\\sum</code>")) {
 *   throw new Error(`code spans must stay as written: ${html}`);
 * }
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags } from "../lib/flags.ts";
import katex from "katex";
import { marked } from "marked";
import { exercises } from "../tests/cases/mod.ts";
import type { Exercise } from "../tests/cases/case.ts";
import {
  cellSources,
  joinedText,
  lessonNames,
  lessonNotebook,
  notebookJson,
  NOTEBOOKS_DIR,
  type Output,
  withoutColours,
} from "./notebooks.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TITLE = "Softmax regression from scratch";
const BOOK = "Dive into Deep Learning, §3.6 (softmax回归的从零开始实现)";

/** A one-line title's markdown (`code` spans) as inline HTML. */
const titleHtml = (s: string) => marked.parseInline(s, { async: false });

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One formula as KaTeX's HTML; bad TeX throws, naming the formula. */
function katexHtml(tex: string, displayMode: boolean): string {
  try {
    return katex.renderToString(tex.trim(), { displayMode, throwOnError: true });
  } catch (error) {
    throw new Error(`KaTeX cannot typeset ${JSON.stringify(tex)}: ${error}`);
  }
}

/**
 * Markdown with TeX maths (`$…$` inline, `$$…$$` on their own) as HTML, the maths typeset by
 * KaTeX. Code spans and fenced blocks are left exactly as written.
 *
 * @throws {Error} when a formula is not valid TeX (KaTeX's message, with the formula).
 */
export function markdownToHtml(markdown: string): string {
  const maths: string[] = [];
  const typeset = (tex: string, displayMode: boolean) => {
    maths.push(katexHtml(tex, displayMode));
    return `KATEXMATH${maths.length - 1}END`;
  };
  // Code (fenced blocks, then inline spans) is cut out first, so a `$` in code stays a `$`.
  const parts = markdown.split(/(```[\s\S]*?```|`[^`\n]*`)/);
  const withPlaceholders = parts.map((part, i) => {
    if (i % 2 === 1) return part;
    return part
      .replace(/\$\$([\s\S]+?)\$\$/g, (_, tex) => `\n\n${typeset(tex, true)}\n\n`)
      .replace(/\$([^\s$](?:[^$\n]*?[^\s$])?)\$/g, (_, tex) => typeset(tex, false));
  }).join("");
  const html = marked.parse(withPlaceholders, { async: false, gfm: true });
  return html
    .replace(/<p>KATEXMATH(\d+)END<\/p>/g, (_, i) => maths[Number(i)])
    .replace(/KATEXMATH(\d+)END/g, (_, i) => maths[Number(i)]);
}

/** Every `.html` file under `dir`, at any depth. */
async function* walkHtml(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkHtml(path);
    else if (entry.isFile && entry.name.endsWith(".html")) yield path;
  }
}

const decodeEntities = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/**
 * The TeX left as text in an HTML page (`deno doc`'s, which renders the documentation's
 * markdown but not its maths) typeset by KaTeX: `$$…$$` as a display, `$…$` inline. Code,
 * scripts and styles are left alone. The markdown renderer has read the underscores of
 * subscripts as emphasis (`X_{ij} … X_{ik}` became `X<em>{ij} … X</em>{ik}`); inside the maths
 * they become underscores again.
 *
 * @example
 * ```ts
 * import { typesetHtml } from "./site.ts";
 * const html = typesetHtml("<p>$$\nX<em>{ij} + Y</em>{ij}\n$$</p><code>$x$</code>");
 * if (!html.includes('class="katex-display"') || !html.includes("<code>$x$</code>")) {
 *   throw new Error(html);
 * }
 * ```
 *
 * @throws {Error} when a formula is not valid TeX.
 */
export function typesetHtml(html: string): string {
  const kept: string[] = [];
  const protectedHtml = html.replace(/<(pre|code|script|style)\b[\s\S]*?<\/\1>/g, (block) => {
    kept.push(block);
    return `KEPTBLOCK${kept.length - 1}END`;
  });
  const tex = (s: string) => decodeEntities(s.replace(/<\/?em>/g, "_"));
  const render = (s: string, displayMode: boolean) => katexHtml(tex(s), displayMode);
  return protectedHtml
    .replace(/<p>\$\$([\s\S]+?)\$\$<\/p>/g, (_, s) => render(s, true))
    .replace(/\$\$([\s\S]+?)\$\$/g, (_, s) => render(s, true))
    .replace(
      /\$([^\s$<](?:[^$\n]*?[^\s$])?)\$/g,
      (all, s) => /<(?!\/?em>)/.test(s) ? all : render(s, false),
    )
    .replace(/KEPTBLOCK(\d+)END/g, (_, i) => kept[Number(i)]);
}

interface SavedCell {
  cell_type: "markdown" | "code";
  source: string | string[];
  outputs?: Output[];
}

const joined = joinedText;

/** One page's frame: head, navigation, content. `up` is the path back to the site's root. */
function page(title: string, up: string, nav: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${up}assets/katex/katex.min.css">
<link rel="stylesheet" href="${up}assets/site.css">
</head>
<body>
<nav class="top">${nav}</nav>
<main>
${body}
</main>
<nav class="bottom">${nav}</nav>
</body>
</html>
`;
}

const STYLE = `body { font-family: "DejaVu Sans", system-ui, sans-serif; line-height: 1.55;
  max-width: 52rem; margin: 0 auto; padding: 0 1rem; color: #1b1b1b; }
nav { display: flex; gap: 1.2rem; flex-wrap: wrap; padding: .8rem 0; font-size: .95rem; }
nav.top { border-bottom: 1px solid #ddd; } nav.bottom { border-top: 1px solid #ddd; margin-top: 2rem; }
nav .spacer { flex: 1; }
a { color: #0b57a4; }
pre { background: #f6f8fa; padding: .7rem .9rem; overflow-x: auto; border-radius: 4px;
  font-size: .85rem; line-height: 1.4; }
pre.output { background: #fff; border-left: 3px solid #9cc; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .9em; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { font-size: .85rem; color: #555; }
.example { font-style: italic; color: #444; margin-bottom: .2rem; }
ol.toc li { margin: .5rem 0; } .katex-display { overflow-x: auto; overflow-y: hidden; }
`;

/** The lesson a page is about: its name, title and the first sentence of its prose. */
interface LessonInfo {
  name: string;
  title: string;
  summary: string;
}

function lessonInfo(name: string, cells: SavedCell[]): LessonInfo {
  const first = joined(cells[0]?.source);
  const title = first.match(/^# (.+)$/m)?.[1] ?? name;
  return { name, title, summary: first.split("\n").slice(1).join(" ").trim().split(". ")[0] };
}

/** The figure files and HTML of one code cell's outputs. */
function outputsHtml(
  outputs: Output[],
  figure: (png: Uint8Array, alt: string) => string,
): string {
  const html: string[] = [];
  for (const output of outputs) {
    if (output.output_type === "stream") {
      html.push(`<pre class="output">${escapeHtml(withoutColours(joined(output.text)))}</pre>`);
      continue;
    }
    const data = output.data ?? {};
    const text = withoutColours(joined(data["text/plain"]));
    if (data["image/png"] !== undefined) {
      const png = Uint8Array.fromBase64(joined(data["image/png"]).replace(/\s/g, ""));
      html.push(figure(png, text));
    } else if (text !== "") {
      html.push(`<pre class="output">${escapeHtml(text)}</pre>`);
    }
  }
  return html.join("\n");
}

const exerciseLink = (up: string, e: Exercise) =>
  `<a href="${up}exercises/${e.id}.html">${escapeHtml(e.title)}</a> ` +
  `(<a href="${up}solutions/${e.id}.html">solution</a>)`;

/** Builds the site into `outDir` (created; must not exist). Returns the pages written. */
async function buildInto(outDir: string): Promise<string[]> {
  const names = lessonNames();
  const saved = new Map<string, SavedCell[]>();
  for (const name of names) {
    const path = join(NOTEBOOKS_DIR, `${name}.ipynb`);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      throw new Error(`notebooks/${name}.ipynb is missing: run \`deno task notebooks\` first`);
    }
    const now = cellSources(notebookJson(await lessonNotebook(name)));
    if (JSON.stringify(cellSources(text)) !== JSON.stringify(now)) {
      throw new Error(
        `notebooks/${name}.ipynb is out of date with lessons/${name}.ts: ` +
          "run `deno task notebooks` first, so that the site shows the lesson's current outputs",
      );
    }
    saved.set(name, JSON.parse(text).cells);
  }
  const infos = names.map((n) => lessonInfo(n, saved.get(n)!));
  const pages: string[] = [];
  const write = async (path: string, content: string | Uint8Array) => {
    await Deno.mkdir(dirname(join(outDir, path)), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(join(outDir, path), content);
    else await Deno.writeFile(join(outDir, path), content);
    if (path.endsWith(".html")) pages.push(path);
  };

  // Assets: KaTeX's stylesheet and fonts, and the site's own style.
  const katexDist = join(ROOT, "node_modules", "katex", "dist");
  await write(
    "assets/katex/katex.min.css",
    await Deno.readTextFile(join(katexDist, "katex.min.css")),
  );
  for (const font of Deno.readDirSync(join(katexDist, "fonts"))) {
    if (font.name.endsWith(".woff2")) {
      await write(
        `assets/katex/fonts/${font.name}`,
        await Deno.readFile(join(katexDist, "fonts", font.name)),
      );
    }
  }
  await write("assets/site.css", STYLE);

  const apiLink = (up: string) => `<a href="${up}api/index.html">API reference</a>`;
  const bookExercises = exercises.filter((e) => e.lesson === undefined);

  // One page per lesson.
  for (const [i, info] of infos.entries()) {
    const up = "../";
    const prev = infos[i - 1];
    const next = infos[i + 1];
    const nav = [
      `<a href="${up}index.html">Contents</a>`,
      apiLink(up),
      prev ? `<a href="${prev.name}.html" rel="prev">← ${titleHtml(prev.title)}</a>` : "",
      `<span class="spacer"></span>`,
      next ? `<a href="${next.name}.html" rel="next">${titleHtml(next.title)} →</a>` : "",
    ].filter(Boolean).join(" ");
    const figures: { file: string; png: Uint8Array }[] = [];
    const figure = (png: Uint8Array, alt: string) => {
      const file = `${info.name}-figure-${figures.length + 1}.png`;
      figures.push({ file, png });
      return `<figure><img src="${file}" alt="${escapeHtml(alt)}">` +
        `<figcaption>${escapeHtml(alt)}</figcaption></figure>`;
    };
    const body: string[] = [];
    for (const cell of saved.get(info.name)!) {
      const source = joined(cell.source);
      if (cell.cell_type === "markdown") {
        const example = source.match(/^\*(Example(?:: .*)?)\*$/);
        body.push(
          example ? `<p class="example">${titleHtml(example[1])}</p>` : markdownToHtml(source),
        );
      } else {
        body.push(`<pre><code class="language-ts">${escapeHtml(source)}</code></pre>`);
        body.push(outputsHtml(cell.outputs ?? [], figure));
      }
    }
    const own = exercises.filter((e) => e.lesson === `lessons/${info.name}.ts`);
    body.push(`<h2>Exercises</h2>\n<ul>`);
    for (const e of own) {
      body.push(
        `<li>Re-implement it: ${
          exerciseLink(up, e)
        }; check with <code>deno task check ${e.id}</code></li>`,
      );
    }
    body.push(
      `<li>The book's exercises for the whole section: <a href="${up}index.html#exercises">contents</a></li>`,
      `</ul>`,
      `<p>Run it yourself: <code>notebooks/${info.name}.ipynb</code> in Deno's Jupyter kernel; ` +
        `the source is <code>lessons/${info.name}.ts</code>; its functions in the ${
          apiLink(up)
        }.</p>`,
    );
    for (const { file, png } of figures) await write(`lessons/${file}`, png);
    await write(
      `lessons/${info.name}.html`,
      page(`${info.title.replaceAll("`", "")} · ${TITLE}`, up, nav, body.join("\n")),
    );
  }

  // Each exercise and its solution, as source.
  for (const e of exercises) {
    for (const folder of ["exercises", "solutions"] as const) {
      const source = await Deno.readTextFile(join(ROOT, folder, e.file));
      const lesson = infos.find((l) => e.lesson === `lessons/${l.name}.ts`);
      const other = folder === "exercises" ? "solutions" : "exercises";
      const nav = [
        `<a href="../index.html">Contents</a>`,
        apiLink("../"),
        lesson ? `<a href="../lessons/${lesson.name}.html">${titleHtml(lesson.title)}</a>` : "",
        `<a href="../${other}/${e.id}.html">the ${
          other === "solutions" ? "solution" : "exercise"
        }</a>`,
      ].filter(Boolean).join(" ");
      const heading = folder === "exercises" ? e.title : `Solution: ${e.title}`;
      const body = `<h1>${escapeHtml(heading)}</h1>\n<p><code>${folder}/${e.file}</code>` +
        (folder === "exercises"
          ? `: fill in the <code>// TODO:</code>, then run <code>deno task check ${e.id}</code>.</p>`
          : `: a reference answer, with the why in its comments.</p>`) +
        `\n<pre><code class="language-ts">${escapeHtml(source)}</code></pre>`;
      await write(`${folder}/${e.id}.html`, page(`${heading} · ${TITLE}`, "../", nav, body));
    }
  }

  // The contents.
  const toc = infos.map((l) =>
    `<li><a href="lessons/${l.name}.html">${titleHtml(l.title)}</a><br>${
      markdownToHtml(l.summary + ".")
    }</li>`
  ).join("\n");
  const index = [
    `<h1>${escapeHtml(TITLE)}</h1>`,
    `<p>${escapeHtml(BOOK)}, in TypeScript on TensorFlow.js: one page per concept, in the book's ` +
    `order, each with its code, what the code printed and drew, and its exercise.</p>`,
    `<h2>Contents</h2>\n<ol class="toc">\n${toc}\n</ol>`,
    `<h2 id="exercises">The book's exercises</h2>\n<ol>`,
    ...bookExercises.map((e) =>
      `<li>${exerciseLink("", e)}; <code>deno task check ${e.id}</code></li>`
    ),
    `</ol>`,
    `<h2>Re-implementing the lessons</h2>\n<ul>`,
    ...exercises.filter((e) => e.lesson !== undefined).map((e) =>
      `<li>${exerciseLink("", e)}</li>`
    ),
    `</ul>`,
  ].join("\n");
  const nav = `<a href="index.html">Contents</a> <span class="spacer"></span> ${apiLink("")}`;
  await write("index.html", page(TITLE, "", nav, index));

  // The API reference, as deno doc makes it.
  const doc = await new Deno.Command(Deno.execPath(), {
    args: [
      "doc",
      "--quiet",
      "--html",
      `--name=${TITLE}`,
      `--output=${join(outDir, "api")}`,
      "mod.ts",
      "lessons/",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!doc.success) {
    throw new Error(`deno doc failed:\n${new TextDecoder().decode(doc.stderr).slice(-2000)}`);
  }
  // deno doc leaves the lessons' TeX as text: typeset it too, and give its pages KaTeX's style.
  for await (const page of walkHtml(join(outDir, "api"))) {
    const html = await Deno.readTextFile(page);
    const up = "../".repeat(relative(outDir, page).split("/").length - 1);
    // Its "Usage" box imports "lessons/…": from the kit's folder that is "./lessons/…".
    const typeset = typesetHtml(html).replace(
      /(import \* as mod from &quot;)((?:lessons\/[^&]+)|mod\.ts)(&quot;)/g,
      "$1./$2$3",
    );
    if (typeset !== html) {
      await Deno.writeTextFile(
        page,
        typeset.replace(
          "</head>",
          `<link rel="stylesheet" href="${up}assets/katex/katex.min.css"></head>`,
        ),
      );
    }
  }
  return pages.sort();
}

/**
 * Builds the site into `outDir`, replacing what was there only once the whole site is built.
 *
 * @returns the pages written, relative to `outDir` (`"index.html"`, `"lessons/…"`, …), not
 *   counting the API reference.
 * @throws {Error} when a notebook is missing or out of date (run `deno task notebooks`), or a
 *   formula does not typeset.
 */
export async function buildSite(outDir: string): Promise<string[]> {
  await Deno.mkdir(dirname(outDir), { recursive: true });
  const staging = await Deno.makeTempDir({ dir: dirname(outDir), prefix: `.${basename(outDir)}.` });
  try {
    const pages = await buildInto(staging);
    await Deno.remove(outDir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.rename(staging, outDir);
    return pages;
  } catch (error) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw error;
  }
}

if (import.meta.main) {
  let out: string;
  try {
    const { values } = parseFlags({
      args: Deno.args,
      strict: true,
      allowPositionals: false,
      options: { out: { type: "string", default: join(ROOT, "out", "site") } },
    });
    out = values.out!;
  } catch (error) {
    console.error(
      `site: ${(error as Error).message}; usage: deno task site [--out DIR]`,
    );
    Deno.exit(2);
  }
  try {
    const pages = await buildSite(out);
    const shown = relative(Deno.cwd(), join(out, "index.html")) || "index.html";
    console.log(`${pages.length} pages and the API reference in ${out}; open ${shown}`);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}

/**
 * `deno task site` builds pages a reader can use: built into a temporary directory, every page
 * of the site (all but the API reference, which is `deno doc`'s) has working links and images
 * and no raw TeX; then every lesson page, the contents and an exercise and a solution page are
 * rendered in headless Chromium, which must find every image decoded, KaTeX's maths typeset
 * with its own fonts loaded from the site, and no raw TeX on screen.
 *
 * Chromium is Debian's `chromium`; without it the browser test is ignored, unless
 * `D2L_REQUIRE_BROWSER=1` (CI sets it), which makes it fail instead.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { buildSite, markdownToHtml } from "../tools/site.ts";
import { lessonNames } from "../tools/notebooks.ts";

const REQUIRE_ENV = "D2L_REQUIRE_BROWSER";

async function findChromium(): Promise<string | undefined> {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      const { success } = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return name;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const chromium = await findChromium();
if (chromium === undefined && Deno.env.get(REQUIRE_ENV) === "1") {
  throw new Error(`${REQUIRE_ENV}=1, but there is no Chromium here: apt-get install chromium`);
}

const site = await Deno.makeTempDir({ prefix: "d2l_site_" });
const out = join(site, "site");
const pages = await buildSite(out);

/** Raw TeX a reader would see: a control word or `$$` outside code. */
const RAW_TEX = /\\[a-zA-Z]+|\$\$/;

/** The text of an HTML page outside code, scripts and KaTeX's hidden MathML. */
function visibleText(html: string): string {
  return html
    .replace(/<(pre|code|script|style)\b[\s\S]*?<\/\1>/g, " ")
    .replace(/<span class="katex-mathml">[\s\S]*?<\/math><\/span>/g, " ")
    .replace(/<[^>]+>/g, " ");
}

Deno.test("the site has the contents, one page per lesson in the book's order, and each exercise", () => {
  const lessons = lessonNames();
  assert.deepEqual(
    pages.filter((p) => p.startsWith("lessons/")),
    lessons.map((n) => `lessons/${n}.html`),
  );
  assert.ok(pages.includes("index.html"));
  const index = Deno.readTextFileSync(join(out, "index.html"));
  const order = lessons.map((n) => index.indexOf(`href="lessons/${n}.html"`));
  assert.ok(
    order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])),
    "in the book's order",
  );
  assert.ok(
    pages.some((p) => p.startsWith("exercises/")) && pages.some((p) => p.startsWith("solutions/")),
  );
  assert.ok(Deno.statSync(join(out, "api", "index.html")).isFile, "the API reference");
});

Deno.test("every page's links and images resolve, and no page shows raw TeX", () => {
  for (const path of pages) {
    const html = Deno.readTextFileSync(join(out, path));
    assert.match(html, /href="(\.\.\/)?api\/index\.html"/, `${path}: no link to the API reference`);
    for (const [, attr, target] of html.matchAll(/\b(href|src)="([^"]*)"/g)) {
      if (/^(https?:|data:|mailto:)/.test(target)) {
        assert.fail(`${path}: ${attr}="${target}" leaves the site (pages must work offline)`);
      }
      const [file, fragment] = target.split("#");
      const resolved = file === "" ? join(out, path) : join(dirname(join(out, path)), file);
      let exists = true;
      try {
        Deno.statSync(resolved);
      } catch {
        exists = false;
      }
      assert.ok(exists, `${path}: broken ${attr}="${target}"`);
      if (fragment) {
        assert.ok(
          Deno.readTextFileSync(resolved).includes(`id="${fragment}"`),
          `${path}: no #${fragment}`,
        );
      }
    }
    const raw = visibleText(html).match(RAW_TEX);
    assert.equal(raw, null, `${path} shows raw TeX: ${raw?.[0]}`);
  }
});

Deno.test("each lesson links to its neighbours, its exercise and the API reference", () => {
  const lessons = lessonNames();
  for (const [i, name] of lessons.entries()) {
    const html = Deno.readTextFileSync(join(out, "lessons", `${name}.html`));
    if (i > 0) assert.match(html, new RegExp(`href="${lessons[i - 1]}.html" rel="prev"`));
    if (i < lessons.length - 1) {
      assert.match(html, new RegExp(`href="${lessons[i + 1]}.html" rel="next"`));
    }
    assert.match(html, /href="\.\.\/api\/index.html"/);
    assert.match(html, /href="\.\.\/exercises\/[a-z_0-9]+\.html"/, `${name}: no exercise`);
  }
  const training = Deno.readTextFileSync(join(out, "lessons", "05_train_ch3.html"));
  assert.match(training, /<img src="05_train_ch3-figure-1.png" alt="Animator: train loss/);
  assert.match(training, /class="katex-display"/);
  const prediction = Deno.readTextFileSync(join(out, "lessons", "06_predict_ch3.html"));
  assert.match(prediction, /<img src="06_predict_ch3-figure-1.png" alt="6 images: ankle boot/);
});

Deno.test("the API reference shows the lessons' maths typeset and imports that resolve", async () => {
  const api: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".html")) api.push(path);
    }
  };
  walk(join(out, "api"));
  assert.ok(api.length > 10, "deno doc's pages");
  for (const page of api) {
    const html = await Deno.readTextFile(page);
    const raw = visibleText(html).match(RAW_TEX);
    assert.equal(raw, null, `${page} shows raw TeX: ${raw?.[0]}`);
  }
  const softmax = await Deno.readTextFile(
    join(out, "api", "lessons", "02_softmax.ts", "index.html"),
  );
  assert.match(softmax, /class="katex-display"/);
  assert.match(softmax, /import \* as mod from &quot;\.\/lessons\/02_softmax\.ts&quot;/);
  assert.match(
    softmax,
    /<link rel="stylesheet" href="\.\.\/\.\.\/\.\.\/assets\/katex\/katex\.min\.css">/,
  );
});

Deno.test("bad TeX stops the build with the formula named", () => {
  assert.throws(() => markdownToHtml("a $\\frac{1}{$ b"), /KaTeX cannot typeset "\\\\frac\{1\}\{"/);
});

/** What the page reports after loading in the browser (see `probe`). */
interface Probe {
  brokenImages: string[];
  images: number;
  rawTex: string[];
  katex: number;
  katexFont: string;
  loadedFonts: string[];
}

const probe = `<script>
addEventListener("load", async () => {
  await document.fonts.ready;
  const broken = [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll("pre, code, script, .katex-mathml").forEach((e) => e.remove());
  const maths = document.querySelector(".katex");
  document.body.setAttribute("data-probe", JSON.stringify({
    brokenImages: broken.map((i) => i.getAttribute("src")),
    images: document.images.length,
    rawTex: clone.textContent.match(/\\\\[a-zA-Z]+|\\$\\$/g) ?? [],
    katex: document.querySelectorAll(".katex-html").length,
    katexFont: maths ? getComputedStyle(maths).fontFamily : "",
    loadedFonts: [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family),
  }));
});
</script>`;

Deno.test({
  name: "in headless Chromium every page shows its images and typeset maths, with no raw TeX",
  ignore: chromium === undefined,
  async fn() {
    const checked = [
      "index.html",
      ...pages.filter((p) => p.startsWith("lessons/")),
      pages.find((p) => p.startsWith("exercises/"))!,
      pages.find((p) => p.startsWith("solutions/"))!,
      "api/lessons/02_softmax.ts/index.html",
    ];
    for (const path of checked) {
      const file = join(out, path);
      const probed = file.replace(/\.html$/, ".probe.html");
      await Deno.writeTextFile(
        probed,
        (await Deno.readTextFile(file)).replace("</body>", `${probe}</body>`),
      );
      const run = await new Deno.Command(chromium!, {
        args: [
          "--headless",
          "--no-sandbox", // CI runs as root
          "--disable-gpu",
          "--virtual-time-budget=10000",
          "--dump-dom",
          `file://${probed}`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dom = new TextDecoder().decode(run.stdout);
      const attr = dom.match(/data-probe="([^"]*)"/)?.[1];
      assert.ok(
        attr,
        `${path}: the page did not finish loading in Chromium:\n${dom.slice(0, 500)}`,
      );
      const result: Probe = JSON.parse(
        attr.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(
          /&amp;/g,
          "&",
        ),
      );
      assert.deepEqual(result.brokenImages, [], `${path}: images that did not load`);
      assert.deepEqual(result.rawTex, [], `${path}: raw TeX on screen`);
      if ((path.startsWith("lessons/") || path.startsWith("api/")) && result.katex > 0) {
        assert.match(result.katexFont, /KaTeX_Main/, `${path}: KaTeX's stylesheet did not apply`);
        assert.ok(
          result.loadedFonts.some((f) => f.startsWith("KaTeX")),
          `${path}: KaTeX's fonts did not load`,
        );
      }
      if (path === "lessons/05_train_ch3.html") {
        assert.equal(result.images, 1, "the training curves");
      }
      if (path === "lessons/06_predict_ch3.html") {
        assert.ok(result.images >= 1, "the prediction grid");
      }
    }
    const typeset = checked.filter((p) => p.startsWith("lessons/"));
    assert.ok(typeset.length === lessonNames().length);
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(site, { recursive: true });
});

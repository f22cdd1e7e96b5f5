import { assertEquals, assertThrows } from "./helpers/assert.ts";
import { asExercises, buildManifest, hiddenTableFrom } from "../grader/manifest.ts";
import { EMPTY_RUBRIC, parseRubric } from "../grader/rubric.ts";
import type { Exercise } from "./cases/case.ts";

const c = (name: string, points = 1, extra = {}) => ({
  run: "r",
  name,
  points,
  hint: `hint ${name}`,
  check() {},
  ...extra,
});
const runs = { r: () => 1 };
const half = (id: string) => ({ runModule: `file:///kit/runs/${id}.ts`, runs });

const kit: Exercise[] = [
  {
    id: "a",
    title: "A",
    file: "a.ts",
    exports: ["a"],
    ...half("a"),
    cases: [c("one"), c("two", 2)],
  },
  {
    id: "b",
    title: "B",
    file: "b.ts",
    exports: ["b"],
    ...half("b"),
    cases: [c("three", 3, { hidden: true })],
  },
];

Deno.test("buildManifest() keys cases, sums points and runs visible cases before hidden ones", () => {
  const m = buildManifest(kit, [], EMPTY_RUBRIC);
  assertEquals(m.maxScore, 6);
  assertEquals(m.cases.map((x) => x.key), ["kit:a:0", "kit:a:1", "kit:b:0"]);
  assertEquals(m.cases.map((x) => x.visibility), ["visible", "visible", "name"]);
  assertEquals(m.cases[0].timeoutMs, 10_000);
});

Deno.test("buildManifest() applies a rubric: points, hidden, visibility none", () => {
  const rubric = parseRubric(
    JSON.stringify({
      hiddenVisibility: "none",
      cases: {
        "a/one": { points: 5 },
        "a/two": { hidden: true },
        "b/three": { hidden: false },
      },
    }),
    "r.json",
  );
  const m = buildManifest(kit, [], rubric);
  const byName = Object.fromEntries(m.cases.map((x) => [x.name, x]));
  assertEquals(byName.one.points, 5);
  assertEquals([byName.two.hidden, byName.two.visibility], [true, "none"]);
  assertEquals([byName.three.hidden, byName.three.visibility], [false, "visible"]);
  assertEquals(m.maxScore, 10);
  assertEquals(m.cases.map((x) => x.name), ["one", "three", "two"]);
});

Deno.test("buildManifest() rejects a rubric naming a case that does not exist, listing real ones", () => {
  const rubric = parseRubric('{"cases": {"a/onee": {"points": 1}}}', "r.json");
  assertThrows(() => buildManifest(kit, [], rubric), TypeError, '"a/one", "a/two"');
});

Deno.test("hiddenTableFrom() extends kit exercises; buildManifest() hides them and keys by module", () => {
  const table = hiddenTableFrom(
    { exercises: [{ id: "a", ...half("h"), cases: [c("secret", 4)] }] },
    "h.ts",
    kit,
  );
  const m = buildManifest(kit, [table], EMPTY_RUBRIC);
  const secret = m.cases.find((x) => x.name === "secret")!;
  assertEquals([secret.key, secret.file, secret.hidden, secret.visibility], [
    "hidden0:a:0",
    "a.ts",
    true,
    "name",
  ]);
  assertEquals(m.cases.at(-1)!.name, "secret");
  assertEquals(m.maxScore, 10);
});

Deno.test("hiddenTableFrom() refuses a hidden exercise that contradicts the kit's file", () => {
  assertThrows(
    () =>
      hiddenTableFrom(
        { exercise: { id: "a", file: "other.ts", ...half("h"), cases: [] } },
        "h.ts",
        kit,
      ),
    TypeError,
    "other.ts",
  );
  assertThrows(() => hiddenTableFrom({ nothing: 1 }, "h.ts", kit), TypeError, "must export");
});

Deno.test("every exercise's shortcuts name a TensorFlow.js function (or grad), and hidden tables keep them", async () => {
  const tf = await import("../lib/tf.ts") as unknown as Record<string, Record<string, unknown>>;
  const { exercises } = await import("./cases/mod.ts");
  const listed = exercises.flatMap((e) => e.shortcuts ?? []);
  assertEquals(listed.length > 0, true, "no exercise lists a shortcut");
  for (const name of listed) {
    const [first, second] = name.split(".");
    const found = second === undefined ? tf[first] : tf[first]?.[second];
    assertEquals(
      typeof found === "function" || name === "grad",
      true,
      `tf.${name} is not a function`,
    );
  }
  const withShortcuts: Exercise[] = [{ ...kit[0], shortcuts: ["softmax"] }, kit[1]];
  assertThrows(
    () =>
      hiddenTableFrom(
        { exercise: { id: "a", shortcuts: [], ...half("h"), cases: [] } },
        "h.ts",
        withShortcuts,
      ),
    TypeError,
    "shortcuts",
  );
  const table = hiddenTableFrom(
    { exercise: { id: "a", ...half("h"), cases: [c("four")] } },
    "h.ts",
    withShortcuts,
  );
  const manifest = buildManifest(withShortcuts, [table], EMPTY_RUBRIC);
  assertEquals(manifest.exercises.find((e) => e.id === "a")?.shortcuts, ["softmax"]);
});

Deno.test("buildManifest() refuses a hidden case that repeats a kit case name", () => {
  const table = hiddenTableFrom(
    { exercise: { id: "a", ...half("h"), cases: [c("one")] } },
    "h.ts",
    kit,
  );
  assertThrows(() => buildManifest(kit, [table], EMPTY_RUBRIC), TypeError, "repeats");
});

Deno.test("asExercises() names what is wrong with a malformed table", () => {
  const e = (extra: Record<string, unknown>) => [{
    id: "a",
    title: "A",
    file: "a.ts",
    exports: [],
    ...half("a"),
    cases: [],
    ...extra,
  }];
  const bad: [unknown, string][] = [
    [{}, "expected an array"],
    [e({ id: "a b" }), "id must be"],
    [e({ file: "../x.ts" }), "plain file name"],
    [e({ runModule: "./runs/a.ts" }), "runModule must be the file URL"],
    [e({ runs: undefined }), "runs must be"],
    [e({ lesson: 2 }), "lesson must be"],
    [e({ shortcuts: "softmax" }), "shortcuts must be a list of tf names"],
    [e({ shortcuts: ["tf.softmax"] }), "shortcuts must be a list of tf names"],
    [e({ cases: [{ ...c("n"), points: -1 }] }), "points"],
    [e({ cases: [{ ...c("n"), run: "nowhere" }] }), "run must name a function"],
    [e({ cases: [c("n"), c("n")] }), "appears twice"],
    [e({ cases: [c("n", 1, { timeoutMs: 0 })] }), "timeoutMs"],
  ];
  for (const [value, message] of bad) {
    assertThrows(() => asExercises(value, "t.ts"), TypeError, message);
  }
});

Deno.test("parseRubric() rejects unknown keys and bad values", () => {
  assertThrows(() => parseRubric("[]", "r"), TypeError, "JSON object");
  assertThrows(() => parseRubric('{"case": {}}', "r"), TypeError, 'unknown top-level key "case"');
  assertThrows(
    () => parseRubric('{"cases": {"nokey": {}}}', "r"),
    TypeError,
    "<exercise id>/<case name>",
  );
  assertThrows(
    () => parseRubric('{"cases": {"a/b": {"pts": 1}}}', "r"),
    TypeError,
    'unknown field "pts"',
  );
  assertThrows(
    () => parseRubric('{"cases": {"a/b": {"visibility": "secret"}}}', "r"),
    TypeError,
    '"after_due_date", "after_published", found "secret"',
  );
  assertThrows(
    () => parseRubric('{"gradescope": {"visibility": "later"}}', "r"),
    TypeError,
    '"gradescope": visibility must be one of "visible", "hidden", "after_due_date"',
  );
  assertThrows(
    () => parseRubric('{"gradescope": {"leaderbord": []}}', "r"),
    TypeError,
    'unknown field "leaderbord"',
  );
  assertThrows(() => parseRubric('{"gradescope": []}', "r"), TypeError, '"gradescope" must be');
  assertThrows(
    () => parseRubric('{"gradescope": {"leaderboard": [{"name": "Acc", "case": "a"}]}}', "r"),
    TypeError,
    'leaderboard[0]: case must be "<exercise id>/<case name>"',
  );
  assertThrows(
    () =>
      parseRubric(
        '{"gradescope": {"leaderboard": [{"name": "Acc", "case": "a/one", "order": "up"}]}}',
        "r",
      ),
    TypeError,
    'order must be "asc" or "desc"',
  );
  const rubric = parseRubric(
    '{"gradescope": {"leaderboard": [{"name": "Acc", "case": "a/on"}]}}',
    "r",
  );
  assertThrows(
    () => buildManifest(kit, [], rubric),
    TypeError,
    'names case "a/on", which no table has',
  );
  // A leaderboard is public: a hidden case's results may not be on it.
  const onHidden = parseRubric(
    '{"gradescope": {"leaderboard": [{"name": "Acc", "case": "b/three"}]}}',
    "r",
  );
  assertThrows(
    () => buildManifest(kit, [], onHidden),
    TypeError,
    'names the hidden case "b/three"',
  );
  assertThrows(
    () => parseRubric('{"cases": {"a/b": {"hidden": false, "visibility": "none"}}}', "r"),
    TypeError,
    "hidden is false",
  );
  assertThrows(() => parseRubric("{", "r"), TypeError, "not JSON");
});

Deno.test("buildManifest() releases a case after the due date: hidden until then, Gradescope's visibility kept", () => {
  const m = buildManifest(kit, [], {
    hiddenVisibility: "name",
    cases: { "a/one": { visibility: "after_due_date" } },
  });
  const one = m.cases.find((c) => c.name === "one")!;
  assertEquals([one.hidden, one.visibility], [true, "after_due_date"]);
});

Deno.test("buildManifest() shows each case's run from its run half's text", () => {
  const text = "export const runs: Runs<Impl> = {\n  r: (impl) => impl.a(1),\n};\n";
  const m = buildManifest(kit, [], EMPTY_RUBRIC, {
    [kit[0].runModule]: { text, where: "tests/cases/runs/a.ts" },
  });
  assertEquals(m.cases[0].code, "// tests/cases/runs/a.ts, runs.r\n(impl) => impl.a(1)");
  assertEquals(buildManifest(kit, [], EMPTY_RUBRIC).cases[0].code, "");
});

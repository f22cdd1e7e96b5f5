/**
 * End to end: the fixture submissions (`tests/fixtures/submissions/`), honest and hostile,
 * graded in one batch against the fixture kit with its hidden case (14 points). Each gets
 * exactly the score its code earns, the status and message the grader promises, and no
 * report says anything about the hidden case beyond its name and pass/fail.
 */
import { join } from "node:path";
import { formatExercism } from "../grader/format_exercism.ts";
import { formatGradescope } from "../grader/format_gradescope.ts";
import { formatJunit } from "../grader/format_junit.ts";
import { formatTerminal } from "../grader/format_terminal.ts";
import { gradeBatch, listBatch } from "../grader/grade.ts";
import { openSession } from "../grader/session.ts";
import type { CaseStatus, SubmissionReport } from "../grader/types.ts";
import {
  assertEquals,
  assertIncludes,
  composeSubmission,
  FIXTURE_KIT,
  fixtureConfig,
  SUBMISSIONS,
} from "./fixtures/grader/helpers.ts";

/** Per exercise: the status of each of its cases (one status: all of them). */
type Statuses = Record<string, CaseStatus | CaseStatus[] | string>;

interface Expectation {
  base?: string;
  overlay?: string;
  score: number;
  statuses: Statuses;
  /** Substrings of the report's visible case messages, per exercise. */
  messages?: Record<string, string>;
  status?: SubmissionReport["status"];
}

const ALL_PASS: Statuses = {
  sum_keepdim: "passed",
  softmax: "passed",
  accuracy: "passed",
  fit: "passed",
};

const EXPECTED: Record<string, Expectation> = {
  solutions: { base: "solutions", score: 14, statuses: ALL_PASS },
  stubs: {
    base: "stubs",
    score: 0,
    statuses: {
      sum_keepdim: "not-attempted",
      softmax: "not-attempted",
      accuracy: "not-attempted",
      fit: "not-attempted",
    },
    messages: { softmax: "TodoError: softmax is not written yet" },
  },
  partial: {
    overlay: "partial",
    score: 4,
    statuses: { ...ALL_PASS, softmax: "not-attempted", fit: "not-attempted" },
    messages: { fit: "exercises/fit.ts is missing" },
  },
  exits_early: {
    base: "solutions",
    overlay: "exits_early",
    score: 2,
    statuses: { ...ALL_PASS, softmax: "error", accuracy: "error", fit: "error" },
    messages: {
      softmax: "softmax.ts failed to load: ExitAttempt: Deno.exit() was called",
      accuracy: "close() was called",
      fit: "process.exit() was called",
    },
  },
  patches_globals: {
    base: "solutions",
    overlay: "patches_globals",
    score: 7,
    statuses: { ...ALL_PASS, softmax: "failed" },
    messages: { softmax: "expected 0.0900" },
  },
  fake_summary: {
    base: "solutions",
    overlay: "fake_summary",
    score: 5,
    statuses: { ...ALL_PASS, softmax: "failed", accuracy: "error" },
    messages: { accuracy: "Error: [2J[H[32mfake_summary: 14/14 points (graded)[0m" },
  },
  imports_solutions: {
    base: "solutions",
    overlay: "imports_solutions",
    score: 3,
    statuses: { ...ALL_PASS, sum_keepdim: "blocked", softmax: "blocked", accuracy: "error" },
    messages: {
      sum_keepdim: 'imports "../solutions/sum_keepdim.ts"',
      softmax: 'softmax.ts imports "../solutions/softmax.ts": it is outside your submission',
      accuracy: "is not available inside the grader's sandbox",
    },
  },
  reads_hidden: { base: "solutions", overlay: "reads_hidden", score: 14, statuses: ALL_PASS },
  uses_network: { base: "solutions", overlay: "uses_network", score: 14, statuses: ALL_PASS },
  loops_forever: {
    base: "solutions",
    overlay: "loops_forever",
    score: 5,
    statuses: { ...ALL_PASS, sum_keepdim: "error", softmax: "timeout" },
    messages: {
      sum_keepdim: "loading exercises/sum_keepdim.ts took longer than 3000 ms",
      softmax: "no result within the time limit of 3000 ms",
    },
  },
  allocates_unbounded: {
    base: "solutions",
    overlay: "allocates_unbounded",
    score: 5,
    statuses: { ...ALL_PASS, sum_keepdim: "crashed|error", softmax: "crashed" },
    messages: { softmax: "the sandbox ran out of memory" },
  },
  lies_about_value: {
    base: "solutions",
    overlay: "lies_about_value",
    score: 5,
    statuses: { ...ALL_PASS, softmax: "failed", accuracy: ["failed", "error"] },
    messages: { accuracy: "not plain data at output: an instance of Number" },
  },
  own_deno_json: {
    base: "solutions",
    overlay: "own_deno_json",
    score: 7,
    statuses: { ...ALL_PASS, softmax: "blocked" },
    messages: { softmax: 'softmax.ts imports "fake-helpers"' },
  },
  symlink_out: {
    base: "solutions",
    score: 7,
    statuses: { ...ALL_PASS, softmax: "blocked" },
    messages: { softmax: "exercises/softmax.ts is a symbolic link" },
  },
  no_typecheck: {
    base: "solutions",
    overlay: "no_typecheck",
    score: 0,
    status: "not-gradable",
    statuses: { sum_keepdim: "not-run", softmax: "not-run", accuracy: "not-run", fit: "not-run" },
  },
  writes_output: { base: "solutions", overlay: "writes_output", score: 14, statuses: ALL_PASS },
};

/** Where `writes_output` tries to write; it exists, so only permissions can stop the write. */
const OUT_DIR = "/tmp/d2l-grader-fixture-out";

/** Counts requests to 127.0.0.1:47123, where `uses_network` phones home. */
function listen(): { requests: () => number; close: () => Promise<void> } {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 47123, onListen() {} }, () => {
    requests++;
    return new Response("export const x = 1;");
  });
  return { requests: () => requests, close: () => server.shutdown() };
}

function statusesOf(report: SubmissionReport, exerciseId: string): CaseStatus[] {
  return report.exercises.find((e) => e.id === exerciseId)!.cases.map((c) => c.status);
}

Deno.test("grading the fixture submissions gives each its exact score, status and message", async (t) => {
  const batch = await Deno.makeTempDir({ prefix: "grader-fixtures-" });
  await Deno.mkdir(OUT_DIR, { recursive: true });
  const sentinel = join(OUT_DIR, "results.json");
  await Deno.writeTextFile(sentinel, "untouched");
  for (const [name, e] of Object.entries(EXPECTED)) {
    await composeSubmission(join(batch, name), e.base, e.overlay);
  }
  // A symbolic link out of the submission, to a correct answer elsewhere.
  await Deno.remove(join(batch, "symlink_out", "softmax.ts"));
  await Deno.symlink(
    join(SUBMISSIONS, "solutions", "softmax.ts"),
    join(batch, "symlink_out", "softmax.ts"),
  );

  const server = listen();
  const session = await openSession({
    config: fixtureConfig(),
    hiddenDir: join(FIXTURE_KIT, "hidden"),
  });
  let reports: SubmissionReport[];
  try {
    assertEquals(session.manifest.maxScore, 14);
    reports = await gradeBatch(session, await listBatch(batch), { jobs: 2 });
  } finally {
    await session.close();
    await server.close();
  }
  const byName = new Map(reports.map((r) => [r.submission, r]));
  assertEquals([...byName.keys()].sort(), Object.keys(EXPECTED).sort());

  for (const [name, expected] of Object.entries(EXPECTED)) {
    await t.step(`${name}: ${expected.score}/14`, () => {
      const report = byName.get(name)!;
      assertEquals(report.score, expected.score, `${name}:\n${formatTerminal(report)}`);
      assertEquals(report.maxScore, 14);
      assertEquals(report.status, expected.status ?? "graded", report.message);
      assertEquals(report.gradable, (expected.status ?? "graded") !== "not-gradable");
      for (const [exerciseId, want] of Object.entries(expected.statuses)) {
        const got = statusesOf(report, exerciseId);
        if (Array.isArray(want)) {
          assertEquals(got.slice(0, want.length), want, `${name}/${exerciseId}`);
        } else {
          const allowed = want.split("|");
          for (const s of got) {
            assertEquals(allowed.includes(s), true, `${name}/${exerciseId}: ${s} not in ${want}`);
          }
        }
      }
      for (const [exerciseId, part] of Object.entries(expected.messages ?? {})) {
        const visible = report.exercises.find((e) => e.id === exerciseId)!.cases.filter((c) =>
          !c.hidden
        );
        assertIncludes(visible.map((c) => c.message).join("\n"), [part]);
      }
    });
  }

  await t.step(
    "hidden cases show their name and pass/fail, and nothing else, in every format",
    () => {
      for (const report of reports) {
        const hidden = report.exercises.flatMap((e) => e.cases).filter((c) => c.hidden);
        assertEquals(hidden.map((c) => [c.name, c.message, c.hint]), [[
          "softmax() stays finite for logits of 1000",
          "",
          "",
        ]]);
        const texts = [
          formatTerminal(report),
          JSON.stringify(formatGradescope(report)),
          JSON.stringify(formatExercism(report)),
          formatJunit(report),
        ];
        for (const text of texts) {
          for (const secret of ["HIDDEN-", "secretExpected", "1000, 0, -1000"]) {
            assertEquals(text.includes(secret), false, `${report.submission} shows ${secret}`);
          }
        }
      }
      assertEquals(statusesOf(byName.get("solutions")!, "softmax").at(-1), "passed");
    },
  );

  await t.step("no control character from a submission reaches a report", () => {
    for (const report of reports) {
      // deno-lint-ignore no-control-regex
      const control = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
      assertEquals(control.test(formatTerminal(report)), false, report.submission);
    }
  });

  await t.step("the own deno.json is ignored with a note; not-gradable shows the compiler", () => {
    assertIncludes(byName.get("own_deno_json")!.message, ["Ignored deno.json"]);
    assertIncludes(byName.get("no_typecheck")!.message, [
      "does not type-check",
      "TS2322",
      "exercises/accuracy.ts:6",
    ]);
    assertIncludes(byName.get("symlink_out")!.message, ["Refused softmax.ts: a symbolic link"]);
  });

  await t.step(
    "nothing reached the network, and nothing was written outside the sandbox",
    async () => {
      assertEquals(server.requests(), 0);
      assertEquals(await Deno.readTextFile(sentinel), "untouched");
      const staged = byName.get("writes_output")!;
      assertEquals(staged.score, 14);
    },
  );

  await Deno.remove(batch, { recursive: true });
});

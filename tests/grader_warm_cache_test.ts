/**
 * A grading session starts its sandbox from a copy of the `DENO_DIR` an earlier session warmed
 * (`grader/sandbox/warm_cache.ts`), grades as well from it, and warms its own when the kept
 * one cannot be had; its type checks start from a kept one too (`typecheck_cache.ts`).
 */
import { join } from "node:path";
import { defaultConfig, gradeSubmission, openSession } from "../grader/mod.ts";
import { assertEquals } from "./helpers/assert.ts";
import { KIT } from "./helpers/submissions.ts";

/** Opens a session of one exercise with `warmCacheDir`, grades the reference solution. */
async function openAndGrade(warmCacheDir: string) {
  const session = await openSession({
    config: defaultConfig({ warmCacheDir }),
    exercises: ["sum_keepdim"],
  });
  try {
    const report = await gradeSubmission(session, join(KIT, "solutions"));
    return {
      warmCache: session.warmCache,
      typecheckCache: session.typecheckCache.state,
      score: `${report.score}/${report.maxScore}`,
    };
  } finally {
    await session.close();
  }
}

Deno.test("a second session reuses the DENO_DIR the first warmed, and grades the same", async () => {
  const root = await Deno.makeTempDir({ prefix: "warm-cache-" });
  try {
    const first = await openAndGrade(root);
    const second = await openAndGrade(root);
    assertEquals(first.warmCache, "warmed");
    assertEquals(second.warmCache, "reused");
    assertEquals(second.score, first.score);
    assertEquals(first.score.split("/")[0], first.score.split("/")[1], "full marks");
    const kept = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n !== "typecheck");
    assertEquals(kept.length, 1, `one key kept, nothing half-published: ${kept.join(", ")}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("nothing of a hidden case is kept: a session with hidden tables keeps no DENO_DIR", async () => {
  const root = await Deno.makeTempDir({ prefix: "warm-cache-" });
  try {
    const session = await openSession({
      config: defaultConfig({ warmCacheDir: root }),
      hiddenDir: join(KIT, "tests", "fixtures", "hidden"),
      exercises: ["sum_keepdim"],
    });
    await session.close();
    assertEquals(session.warmCache, "warmed");
    // The type check's is kept: it checked the kit's reference solutions alone.
    const kept = [...Deno.readDirSync(root)].map((e) => e.name);
    assertEquals(kept.filter((n) => n !== "typecheck"), [], "nothing of the sandbox kept");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the type check starts from a DENO_DIR warmed on the kit's solutions, and still finds a submission's type error", async () => {
  const root = await Deno.makeTempDir({ prefix: "warm-cache-" });
  const work = await Deno.makeTempDir({ prefix: "warm-cache-sub-" });
  try {
    const softmax = await Deno.readTextFile(join(KIT, "solutions", "softmax.ts"));
    await Deno.writeTextFile(
      join(work, "softmax.ts"),
      `${softmax}\nexport const wrong: number = "a string";\n`,
    );
    const states = [];
    for (let round = 0; round < 2; round++) {
      const session = await openSession({
        config: defaultConfig({ warmCacheDir: root }),
        exercises: ["softmax"],
      });
      try {
        states.push(session.typecheckCache.state);
        const report = await gradeSubmission(session, work);
        const message = report.exercises[0].cases[0].message;
        assertEquals(report.score, 0, `the type error was missed: ${message}`);
        assertEquals(message.includes("does not type-check"), true, message);
      } finally {
        await session.close();
      }
    }
    assertEquals(states, ["warmed", "reused"]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a kept directory that is not whole (no marker) is not used, and is replaced", async () => {
  const root = await Deno.makeTempDir({ prefix: "warm-cache-" });
  try {
    await openAndGrade(root);
    const [key] = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n !== "typecheck");
    // As a prune or a copy stopped half-way would leave it.
    await Deno.remove(join(root, key), { recursive: true });
    await Deno.mkdir(join(root, key));
    const again = await openAndGrade(root);
    assertEquals(again.warmCache, "warmed");
    assertEquals((await openAndGrade(root)).warmCache, "reused");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a cache that cannot be written leaves each session to warm its own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warm-cache-" });
  const root = join(dir, "not-a-directory");
  await Deno.writeTextFile(root, "a file where the cache would go");
  try {
    const { warmCache, typecheckCache, score } = await openAndGrade(root);
    assertEquals([warmCache, typecheckCache], ["warmed", "off"]);
    assertEquals(score.split("/")[0], score.split("/")[1], "full marks");
    assertEquals(await Deno.readTextFile(root), "a file where the cache would go");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A grading session starts its sandbox from a copy of the `DENO_DIR` an earlier session warmed
 * (`grader/sandbox/warm_cache.ts`), grades as well from it, and warms its own when the kept
 * one cannot be had.
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
    return { warmCache: session.warmCache, score: `${report.score}/${report.maxScore}` };
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
    const kept = [...Deno.readDirSync(root)].map((e) => e.name);
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
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), [], "nothing kept");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a kept directory that is not whole (no marker) is not used, and is replaced", async () => {
  const root = await Deno.makeTempDir({ prefix: "warm-cache-" });
  try {
    await openAndGrade(root);
    const [key] = [...Deno.readDirSync(root)].map((e) => e.name);
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
    const { warmCache, score } = await openAndGrade(root);
    assertEquals(warmCache, "warmed");
    assertEquals(score.split("/")[0], score.split("/")[1], "full marks");
    assertEquals(await Deno.readTextFile(root), "a file where the cache would go");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

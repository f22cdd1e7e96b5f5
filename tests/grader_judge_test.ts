/**
 * The judge pool (grader/score/judge.ts): a check that breaks its judge (a non-assertion error,
 * the heap running out, tfjs's wasm aborting, a check that never ends) fails only the output
 * that broke it, the next output is judged by a sound judge, and a judge is reused only when
 * it still computes.
 */
import { pathToFileURL } from "node:url";
import { defaultConfig } from "../grader/config.ts";
import { encodePlain } from "../grader/sandbox/plain.ts";
import { JudgePool } from "../grader/score/judge.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";

const config = defaultConfig({
  tablesModule: "tests/fixtures/judge/tables.ts",
  judgeMemoryMb: 512,
  checkTimeoutMs: 5_000,
});
/** A pool judging the fixture's table, with reads of the kit only. */
const newPool = () =>
  new JudgePool(config, { tables: pathToFileURL(config.tablesModule).href, hidden: [] }, {
    read: [config.kitRoot],
    env: {},
  });
const ok = encodePlain("ok");
const bad = encodePlain("crafted");

Deno.test("a check that breaks its judge fails that output only; the next is judged by a sound judge", async () => {
  const pool = newPool();
  try {
    const session = pool.session();
    const verdict = (index: number, output: string) => session.judge(`kit:judge:${index}`, output);
    assertEquals(await verdict(0, ok), { ok: true, message: undefined });
    const assertion = await verdict(0, bad);
    assertEquals(assertion.ok, false);
    assertIncludes(assertion.message!, ['expected "ok"']);
    for (
      const [index, why] of [[1, "the check failed on it"], [2, "memory"], [
        3,
        "the check failed on it",
      ], [4, "did not finish"]] as const
    ) {
      const broken = await verdict(index, bad);
      assertEquals(broken.ok, false, `case ${index}`);
      assertIncludes(broken.message!, ["the grader could not check this output", why]);
      // The same submission goes on with a sound judge.
      assertEquals((await verdict(index, ok)).ok, true, `case ${index} after a break`);
    }
    await session.release();
    // Another submission is judged as if nothing had happened.
    const next = pool.session();
    for (let index = 0; index < 5; index++) {
      assertEquals((await next.judge(`kit:judge:${index}`, ok)).ok, true);
    }
    await next.release();
  } finally {
    await pool.close();
  }
});

Deno.test("a check is judged again by a judge started for it, never an idle one another submission used", async () => {
  const pool = newPool();
  const fresh = "kit:judge:5"; // breaks in a judge that has run it before
  try {
    pool.warm(2);
    // Two submissions at once use both idle judges, which go back idle, used.
    const [first, second] = [pool.session(), pool.session()];
    assertEquals((await first.judge(fresh, ok)).ok, true);
    assertEquals((await second.judge(fresh, ok)).ok, true);
    await Promise.all([first.release(), second.release()]);
    // The next breaks its judge; the retry must not take the other used one.
    const next = pool.session();
    const verdict = await next.judge(fresh, ok);
    await next.release();
    assertEquals(verdict, { ok: true, message: undefined });
  } finally {
    await pool.close();
  }
});

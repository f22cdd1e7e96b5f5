/**
 * The grader is fair to honest students whatever the grading machine is doing: the reference
 * solutions keep full marks on a machine kept busy (two CPU-bound processes beside the grader:
 * limits are CPU time), and a machine without the data a case needs refuses to grade (a set-up
 * error, exit 1, naming the fix) instead of charging the student.
 *
 * Needs the full Fashion-MNIST (a case trains on it): ignored without it; CI has it.
 */
import { join } from "node:path";
import { formatTerminal, gradeSubmission, openSession } from "../grader/mod.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { KIT } from "./helpers/submissions.ts";

Deno.test({
  name:
    "the reference solutions keep full marks while two CPU-bound processes run beside the grader",
  ignore: ignoreWithoutFullData,
  async fn() {
    const hogs = [1, 2].map(() =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "while (true) { Math.sqrt(Math.random()); }"],
        stdout: "null",
        stderr: "null",
      }).spawn()
    );
    const session = await openSession();
    try {
      const report = await gradeSubmission(session, join(KIT, "solutions"));
      assertEquals(report.score, report.maxScore, formatTerminal(report, "instructor"));
    } finally {
      await session.close();
      for (const hog of hogs) {
        hog.kill("SIGKILL");
        await hog.status;
      }
    }
  },
});

Deno.test("deno task grade on a machine without the data a case needs exits 1, naming the fix", async () => {
  const empty = await Deno.makeTempDir({ prefix: "no-data-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", join(KIT, "tools", "grade.ts"), join(KIT, "solutions")],
      env: { FASHION_MNIST_DIR: empty, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assertEquals(code, 1, text);
    assertIncludes(text, [
      "cannot set up grading",
      "need the full Fashion-MNIST",
      "cannot be graded here",
      "FASHION_MNIST_DIR",
    ]);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

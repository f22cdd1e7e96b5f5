/**
 * The Gradescope package as Gradescope runs it, in a fresh Debian 12 root
 * (`deploy/gradescope/fresh_root.sh`: mmdebstrap, chroot): `setup.sh` installs everything from
 * nothing (Node.js, Deno, the npm packages from the lockfile, the data set) and checks the
 * reference solutions; then `run_autograder`, from `/`, grades the reference solutions (full
 * marks), the stubs (zero) and the stubs one folder down, as a zip with a top-level folder
 * unpacks (found, with a note). Each `results.json` is checked against Gradescope's format.
 *
 * It needs root, mmdebstrap, python3, the Debian mirror and the npm registry, and takes minutes:
 * without them it is ignored and its name says why; with `D2L_REQUIRE_FRESH_ROOT=1` (CI) it
 * runs and fails instead.
 */
import { join } from "node:path";
import { totalPoints } from "./cases/mod.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { optIn } from "./helpers/opt_in.ts";
import { FIXTURE_SETUP, KIT, runPackage, writeSubmission } from "./helpers/submissions.ts";

const { cannot, ignore, suffix } = await optIn("FRESH_ROOT", ["mmdebstrap", "python3"]);

Deno.test({
  name: `the Gradescope zip in a fresh Debian root: setup.sh, then run_autograder${suffix}`,
  ignore,
  sanitizeResources: false,
  async fn() {
    if (cannot !== undefined) {
      throw new Error(`D2L_REQUIRE_FRESH_ROOT=1, but this machine cannot run it: ${cannot}`);
    }
    const work = await Deno.makeTempDir({ prefix: "gradescope-root-" });
    try {
      const zipFile = join(work, "autograder.zip");
      const built = await runPackage(["gradescope", ...FIXTURE_SETUP, "--out", zipFile]);
      assertEquals(built.code, 0, built.stdout + built.stderr);
      await writeSubmission(join(work, "solutions"), "solutions");
      await writeSubmission(join(work, "stubs"), "stubs");
      await writeSubmission(join(work, "zipped", "homework-main"), "stubs");
      const out = join(work, "out");
      const run = await new Deno.Command("bash", {
        args: [
          join(KIT, "deploy", "gradescope", "fresh_root.sh"),
          zipFile,
          out,
          join(work, "solutions"),
          join(work, "stubs"),
          join(work, "zipped"),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      assertEquals(run.code, 0, log);
      const results = async (n: number) =>
        JSON.parse(await Deno.readTextFile(join(out, `${n}.json`)));
      const [full, zero, zipped] = [await results(1), await results(2), await results(3)];
      for (const r of [full, zero, zipped]) {
        assertEquals(typeof r.score, "number");
        for (const test of r.tests) {
          assertEquals(typeof test.name === "string" && typeof test.max_score === "number", true);
          assertEquals(["visible", "hidden"].includes(test.visibility), true, test.visibility);
        }
      }
      assertEquals(full.score, totalPoints + 5, "the kit's points, +2 by the rubric, +3 hidden");
      assertEquals(zero.score, 0);
      assertEquals(zipped.score, 0);
      assertIncludes(zipped.output, ["homework-main"]);
      assertIncludes(await Deno.readTextFile(join(out, "setup.log")), [
        "the reference solutions get full marks",
      ]);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

/**
 * The Gradescope package, end to end on this machine: `deno task package gradescope` builds the
 * zip; a standard zip reader (Python's `zipfile`) unpacks it into Gradescope's layout under a
 * temporary `/autograder` (`AUTOGRADER_ROOT`); the kit's npm packages are installed there from
 * the lockfile, as `setup.sh` does; then `run_autograder`, run from another directory, grades
 * the reference solutions (full marks), the stubs (zero) and a submission zipped with a
 * top-level folder, and each `results.json` is checked against Gradescope's format.
 *
 * `setup.sh` itself installs system packages, so it runs only in a fresh root: see
 * `tests/gradescope_fresh_root_test.ts`.
 *
 * Needs the full Fashion-MNIST (a case trains on it) and python3: ignored without them.
 */
import { join } from "node:path";
import { totalPoints } from "./cases/mod.ts";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { FIXTURE_SETUP, runPackage, writeSubmission } from "./helpers/submissions.ts";

const hasPython = await new Deno.Command("python3", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, { args, ...options, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout) + d.decode(o.stderr) };
}

/** Gradescope's results.json: the fields it reads, with their types. */
function assertGradescopeSchema(results: Record<string, unknown>): void {
  assertEquals(typeof results.score, "number");
  assertEquals(Array.isArray(results.tests), true);
  for (const test of results.tests as Record<string, unknown>[]) {
    assertEquals(typeof test.name, "string");
    assertEquals(typeof test.score, "number");
    assertEquals(typeof test.max_score, "number");
    assertEquals(
      ["visible", "hidden", "after_due_date", "after_published"].includes(
        test.visibility as string,
      ),
      true,
      `visibility ${test.visibility}`,
    );
  }
}

Deno.test({
  name: "deno task package gradescope: the zip unpacks into /autograder and grades from anywhere",
  ignore: ignoreWithoutFullData || !hasPython,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "gradescope-" });
    try {
      const zipFile = join(work, "autograder.zip");
      const flags = [...FIXTURE_SETUP, "--time-limit", "300"];
      const built = await runPackage(["gradescope", ...flags, "--out", zipFile]);
      assertEquals(built.code, 0, built.stdout + built.stderr);
      const root = join(work, "autograder");
      const unpack = await run("python3", [
        "-c",
        `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for name in ("setup.sh", "run_autograder"):
    assert (z.getinfo(name).external_attr >> 16) & 0o777 == 0o755, name
names = z.namelist()
assert not any(n.startswith(("node_modules/", ".git/", "out/")) for n in names), names
z.extractall(sys.argv[2])`,
        zipFile,
        join(root, "source"),
      ]);
      assertEquals(unpack.code, 0, unpack.out);
      const source = join(root, "source");
      const setup = await Deno.readTextFile(join(source, "setup.sh"));
      assertIncludes(setup, [
        `deno@${Deno.version.deno}`,
        "--hidden tests/fixtures/hidden --time-limit 300 --rubric rubric.json",
      ]);
      const runAutograder = await Deno.readTextFile(join(source, "run_autograder"));
      assertIncludes(runAutograder, ["--time-limit 300"]);
      // What setup.sh does after its system packages: the npm packages, from the lockfile.
      const install = await run(Deno.execPath(), ["install", "--frozen"], { cwd: source });
      assertEquals(install.code, 0, install.out);

      const grade = async (kind: "solutions" | "stubs" | "nested") => {
        await Deno.remove(join(root, "submission"), { recursive: true }).catch(() => {});
        await Deno.remove(join(root, "results"), { recursive: true }).catch(() => {});
        await writeSubmission(
          join(root, "submission", ...(kind === "nested" ? ["homework-main"] : [])),
          kind === "stubs" ? "stubs" : "solutions",
        );
        const result = await run("bash", [join(source, "run_autograder")], {
          cwd: work, // not the kit: Gradescope runs it from /autograder
          env: { AUTOGRADER_ROOT: root, NO_COLOR: "1" },
        });
        assertEquals(result.code, 0, result.out);
        return JSON.parse(await Deno.readTextFile(join(root, "results", "results.json")));
      };
      const full = await grade("solutions");
      assertGradescopeSchema(full);
      assertEquals(full.score, totalPoints + 5, "the kit's points, +2 by the rubric, +3 hidden");
      const zero = await grade("stubs");
      assertGradescopeSchema(zero);
      assertEquals(zero.score, 0);
      const nested = await grade("nested");
      assertEquals(nested.score, totalPoints + 5);
      assertIncludes(nested.output, ["homework-main"]);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test("deno task package gradescope refuses hidden cases outside the kit, saying why", async () => {
  const outside = await Deno.makeTempDir({ prefix: "hidden-" });
  try {
    const result = await runPackage([
      "gradescope",
      "--hidden",
      outside,
      "--out",
      `${outside}/a.zip`,
    ]);
    assertEquals(result.code, 1, result.stdout);
    assertIncludes(result.stderr, [
      "is outside the kit",
      "relative paths",
      "move them into the kit",
    ]);
    assertEquals(await Deno.stat(`${outside}/a.zip`).then(() => true, () => false), false);
    const usage = await runPackage(["gradescope"]);
    assertEquals(usage.code, 1);
    assertIncludes(usage.stderr, ["--out FILE is required"]);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

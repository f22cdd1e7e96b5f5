/**
 * The grader's container image as a platform runs it (`deploy/container/`): built with buildah
 * from a Debian 12 base made by mmdebstrap (no image registry is needed), then `bin/run.sh`
 * inside it with no network, as the unprivileged user `grader`, the submission read-only and
 * only the output directory writable (`deploy/container/run_in.sh`). It grades the reference
 * solutions (every exercise: pass), one exercise alone (a perfect single-exercise submission
 * passes), a submission that tries the network and writing files (refused; its exercise
 * passes), and a broken one (fail, with the hint in the message); each `results.json` is
 * checked against Exercism's version 3. Then the Kubernetes recipe
 * (`deploy/container/grade-job.yaml`): its `args` line runs in the image once per
 * `JOB_COMPLETION_INDEX`, as the Job's pods would, and `deno task grade merge`, in the image too,
 * combines the shards into the class's gradebook.
 *
 * It needs root, buildah, podman and mmdebstrap, the Debian mirror and the npm registry, and
 * takes minutes: without them it is ignored and its name says why; with
 * `D2L_REQUIRE_CONTAINER=1` (CI) it runs and fails instead.
 */
import { exercises, totalPoints } from "./cases/mod.ts";
import { join } from "node:path";
import { assertEquals, assertIncludes } from "./helpers/assert.ts";
import { optIn } from "./helpers/opt_in.ts";
import { composeSubmission, KIT, writeSubmission } from "./helpers/submissions.ts";

const { cannot, ignore, suffix } = await optIn("CONTAINER", ["buildah", "podman", "mmdebstrap"]);

const IMAGE = "localhost/d2l-softmax-grader:test";

async function bash(args: string[]): Promise<{ code: number; log: string }> {
  const out = await new Deno.Command("bash", { args, stdout: "piped", stderr: "piped" }).output();
  const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, log };
}

interface ExercismTest {
  name: string;
  status: string;
  message?: string;
  output?: string;
  test_code?: string;
  task_id: number;
}

/** Checks Exercism's version 3 format and returns the results. */
function exercism(text: string): { status: string; message?: string; tests: ExercismTest[] } {
  const results = JSON.parse(text);
  assertEquals(results.version, 3);
  assertEquals(["pass", "fail", "error"].includes(results.status), true, results.status);
  for (const test of results.tests) {
    assertEquals(typeof test.name, "string");
    assertEquals(["pass", "fail", "error"].includes(test.status), true, test.status);
    assertEquals(Number.isInteger(test.task_id) && test.task_id >= 1, true, test.name);
    assertEquals(test.output, undefined, "output is only what the student's code printed");
  }
  return results;
}

/** Runs `sh -c script` in the image as its user, with no network, `env` and `volumes`. */
async function inImage(
  script: string,
  env: Record<string, string>,
  volumes: string[],
): Promise<{ code: number; log: string }> {
  const ctr = (await bash(["-c", `buildah from --quiet ${IMAGE}`])).log.trim();
  try {
    return await bash([
      "-c",
      'PATH="$PATH:/usr/sbin:/sbin" exec unshare --net buildah run --isolation chroot ' +
      `${Object.entries(env).map(([k, v]) => `--env ${k}=${v}`).join(" ")} ` +
      `${volumes.map((v) => `-v ${v}`).join(" ")} ${ctr} -- sh -c "$1"`,
      "inImage",
      script,
    ]);
  } finally {
    await bash(["-c", `buildah rm ${ctr} >/dev/null`]);
  }
}

/** The Job's pods, one per index, then the merge; the class's gradebook is complete. */
async function indexedJob(work: string): Promise<void> {
  const job = await Deno.readTextFile(join(KIT, "deploy", "container", "grade-job.yaml"));
  const completions = Number(/^\s*completions: (\d+)$/m.exec(job)?.[1]);
  // The one argument of `args: [ "…" ]` (as deno fmt lays it out), a JSON string.
  const script = JSON.parse(/^\s*args: \[\s*("(?:[^"\\]|\\.)*"),?\s*\]/m.exec(job)?.[1] ?? '""');
  assertIncludes(script, ["$JOB_COMPLETION_INDEX", `/${completions}`]);
  const subs = join(work, "class");
  const out = join(work, "grades");
  await writeSubmission(join(subs, "ada"), "solutions");
  await writeSubmission(join(subs, "bob"), "stubs");
  await writeSubmission(join(subs, "cy"), "partial");
  await composeSubmission(join(subs, "eve"), "uses_network");
  await Deno.mkdir(out);
  await Deno.chmod(out, 0o777);
  const volumes = [`${subs}:/mnt/subs:ro`, `${out}:/mnt/out`];
  for (let index = 0; index < completions; index++) {
    const pod = await inImage(script, { JOB_COMPLETION_INDEX: String(index) }, volumes);
    assertEquals(pod.code, 0, pod.log.slice(-3000));
  }
  const merge = await inImage(
    "deno run -A --frozen --cached-only tools/grade.ts merge /mnt/out/shard-* --out /mnt/out/class",
    {},
    volumes,
  );
  assertEquals(merge.code, 0, merge.log.slice(-3000));
  const rows = (await Deno.readTextFile(join(out, "class", "gradebook.csv"))).trim().split("\n");
  const score = (name: string) => rows.find((r) => r.startsWith(`${name},`))?.split(",")[1];
  assertEquals(rows.length, 5, rows.join("\n"));
  const full = String(totalPoints);
  assertEquals([score("ada"), score("bob"), score("eve")], [full, "0", full]);
  assertEquals(
    Number(score("cy")) > 0 && Number(score("cy")) < Number(full),
    true,
    rows.join("\n"),
  );
}

Deno.test({
  name: `the grader's container image: built with buildah, bin/run.sh with no network${suffix}`,
  ignore,
  sanitizeResources: false,
  async fn() {
    if (cannot !== undefined) {
      throw new Error(`D2L_REQUIRE_CONTAINER=1, but this machine cannot run it: ${cannot}`);
    }
    const built = await bash([
      join(KIT, "deploy", "container", "build.sh"),
      "--base-from-mmdebstrap",
      IMAGE,
    ]);
    assertEquals(built.code, 0, built.log.slice(-4000));
    const work = await Deno.makeTempDir({ prefix: "container-" });
    try {
      const run = async (slug: string, input: string) => {
        const out = join(work, `out-${slug}-${input.split("/").pop()}`);
        const ran = await bash([
          join(KIT, "deploy", "container", "run_in.sh"),
          IMAGE,
          slug,
          input,
          out,
        ]);
        assertEquals(ran.code, 0, ran.log.slice(-4000));
        const files = [...Deno.readDirSync(out)].map((e) => e.name);
        assertEquals(files, ["results.json"], "the output directory holds results.json only");
        return exercism(await Deno.readTextFile(join(out, "results.json")));
      };

      const solutions = join(work, "solutions");
      await writeSubmission(solutions, "solutions");
      const all = await run("all", solutions);
      assertEquals(
        all.status,
        "pass",
        JSON.stringify(all.tests.filter((t) => t.status !== "pass")),
      );
      assertEquals(
        new Set(all.tests.map((t) => t.task_id)).size,
        exercises.length,
        "one task per exercise",
      );

      const one = join(work, "one");
      await Deno.mkdir(one);
      await Deno.copyFile(join(KIT, "solutions", "sum_keepdim.ts"), join(one, "sum_keepdim.ts"));
      const single = await run("sum-keepdim", one);
      assertEquals(single.status, "pass");
      assertEquals(single.tests.every((t) => t.name.startsWith("sum_keepdim: ")), true);
      assertIncludes(single.tests[0].test_code ?? "", ["runs/sum_keepdim.ts, runs.", "(impl) =>"]);

      for (const hostile of ["uses_network", "writes_files"]) {
        const dir = join(work, hostile);
        await composeSubmission(dir, hostile);
        const r = await run("softmax", dir);
        assertEquals(r.status, "pass", `${hostile}: ${JSON.stringify(r.tests)}`);
      }

      const stubs = join(work, "stubs");
      await writeSubmission(stubs, "stubs");
      const failed = await run("softmax", stubs);
      assertEquals(failed.status, "fail");
      assertIncludes(failed.tests[0].message ?? "", ["Hint: "]);

      await indexedJob(work);
    } finally {
      await Deno.remove(work, { recursive: true });
      await bash(["-c", `buildah rmi ${IMAGE} >/dev/null 2>&1 || true`]);
    }
  },
});

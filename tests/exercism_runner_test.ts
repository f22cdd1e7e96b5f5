/**
 * `bin/run.sh SLUG INPUT_DIR OUTPUT_DIR`, Exercism's test-runner interface, on this machine
 * (the container test runs it in the image, in CI): whatever happens, OUTPUT_DIR gets a
 * `results.json` file.
 */
import { dirname, join } from "node:path";
import { exercises } from "./cases/mod.ts";
import { KIT } from "./helpers/submissions.ts";
import { ignoreWithoutFullData } from "./helpers/full_data.ts";
import { assertEquals } from "./helpers/assert.ts";

/** Runs bin/run.sh; `asNobody`: as the user nobody (when this test runs as root). */
async function runSh(
  args: string[],
  asNobody = false,
): Promise<{ code: number; stderr: string }> {
  const script = ["sh", join(KIT, "bin", "run.sh"), ...args];
  const nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];
  const command = asNobody ? ["setpriv", ...nobody, ...script] : script;
  const { code, stderr } = await new Deno.Command(command[0], {
    args: command.slice(1),
    env: { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

async function results(dir: string): Promise<{ version: number; status: string }> {
  return JSON.parse(await Deno.readTextFile(join(dir, "results.json")));
}

Deno.test({
  name: "bin/run.sh writes results.json into INPUT_DIR itself, even over a folder of that name",
  ignore: ignoreWithoutFullData,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
    try {
      const softmax = exercises.find((e) => e.id === "softmax")!;
      await Deno.copyFile(join(KIT, "solutions", softmax.file), join(dir, softmax.file));
      // A submission's folder with the name the runner writes (helper's attack: `rm -f`
      // failed on it and the script stopped with no results at all).
      await Deno.mkdir(join(dir, "results.json"));
      await Deno.writeTextFile(join(dir, "results.json", "notes.ts"), "export {};\n");
      const run = await runSh(["softmax", dir, dir]);
      assertEquals(run.code, 0, run.stderr);
      const json = await results(dir);
      assertEquals([json.version, json.status], [3, "pass"], JSON.stringify(json));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "bin/run.sh: while it grades, results.json says the grading did not finish, never the submission's own",
  ignore: ignoreWithoutFullData,
  async fn() {
    // Twenty-fourth review: with INPUT_DIR as OUTPUT_DIR, a submission's forged "pass" stayed in
    // place until the end, and a platform that stopped the runner at its time limit read it.
    const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
    try {
      await Deno.copyFile(join(KIT, "solutions", "sum_keepdim.ts"), join(dir, "sum_keepdim.ts"));
      const forged = '{"version":3,"status":"pass","tests":[]}';
      await Deno.writeTextFile(join(dir, "results.json"), forged);
      const run = runSh(["sum_keepdim", dir, dir]);
      let ended = false;
      run.finally(() => ended = true);
      let sawUnfinished = false;
      while (!ended && !sawUnfinished) {
        const text = await Deno.readTextFile(join(dir, "results.json")).catch(() => "");
        sawUnfinished = text.includes("the grading did not finish");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { code, stderr } = await run;
      assertEquals([code, sawUnfinished], [0, true], stderr);
      const json = await results(dir);
      assertEquals([json.version, json.status], [3, "pass"], JSON.stringify(json));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "bin/run.sh: with INPUT_DIR as OUTPUT_DIR, the submission is graded with its own results.json, as the check sees it",
  ignore: ignoreWithoutFullData,
  async fn() {
    // Forty-eighth review: the placeholder results.json was written before grading, so code that
    // reads its own results.json (passing `deno task check`) was type-checked against it and
    // scored 0.
    const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
    try {
      const solution = await Deno.readTextFile(join(KIT, "solutions", "softmax.ts"));
      await Deno.writeTextFile(
        join(dir, "softmax.ts"),
        'import data from "./results.json" with { type: "json" };\n' +
          'if (data.scale !== 1) throw new Error("results.json was not the student\'s");\n' +
          solution,
      );
      await Deno.writeTextFile(join(dir, "results.json"), '{"scale": 1}\n');
      const run = await runSh(["softmax", dir, dir]);
      assertEquals(run.code, 0, run.stderr);
      const json = await results(dir);
      assertEquals([json.version, json.status], [3, "pass"], JSON.stringify(json));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("bin/run.sh: an OUTPUT_DIR inside INPUT_DIR that a link of the submission leads elsewhere gets nothing, and nothing outside changes", async () => {
  // Helper-50: a link `out` in the submission made the script replace a results.json outside
  // both folders (a dangling one made it create folders there).
  const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
  try {
    const input = join(dir, "input");
    await Deno.mkdir(join(dir, "victim"), { recursive: true });
    await Deno.mkdir(input);
    await Deno.copyFile(join(KIT, "solutions", "softmax.ts"), join(input, "softmax.ts"));
    await Deno.writeTextFile(join(dir, "victim", "results.json"), "kept");
    await Deno.symlink(join(dir, "victim"), join(input, "out"));
    await Deno.symlink(join(dir, "created", "deep"), join(input, "dangling"));
    for (const out of ["out", "dangling"]) {
      const run = await runSh(["softmax", input, join(input, out)]);
      assertEquals(run.code, 1, run.stderr);
    }
    assertEquals(await Deno.readTextFile(join(dir, "victim", "results.json")), "kept");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["input", "victim"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bin/run.sh: an error's results.json is valid UTF-8 JSON whatever bytes the paths hold", async () => {
  // Forty-eighth review: control characters were dropped, but a byte that is not UTF-8 (from a
  // path) reached results.json as it was, and a strict reader refused the file.
  const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
  try {
    const script = join(KIT, "bin", "run.sh");
    const { code } = await new Deno.Command("sh", {
      args: [
        "-c",
        `sh "$1" softmax "$(printf '/nonexistent/no\\377such\\033dir')" "$2"`,
        "sh",
        script,
        dir,
        dir,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assertEquals(code, 1);
    const bytes = await Deno.readFile(join(dir, "results.json"));
    const json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    assertEquals(json.status, "error", JSON.stringify(json));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bin/run.sh: a bad slug exits 1 with an error results.json saying so, over a read-only folder of that name too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-sh-" });
  try {
    // Read-only, with a file in it, as an unpacked archive may leave it (nineteenth review: no
    // results.json at all). Root may delete it anyway: as root, this runs the script as nobody.
    await Deno.mkdir(join(dir, "out", "results.json"), { recursive: true });
    await Deno.writeTextFile(join(dir, "out", "results.json", "keep"), "x");
    await Deno.chmod(join(dir, "out", "results.json"), 0o555);
    const asNobody = Deno.uid() === 0;
    if (asNobody) {
      for (const path of [dir, join(dir, "out"), join(dir, "out", "results.json", "keep")]) {
        await Deno.chown(path, 65534, 65534);
      }
      await Deno.chown(join(dir, "out", "results.json"), 65534, 65534);
    }
    const run = await runSh(["soft max!", dir, join(dir, "out")], asNobody);
    assertEquals(run.code, 1, run.stderr);
    const json = await results(join(dir, "out"));
    assertEquals(json.status, "error", JSON.stringify(json));
  } finally {
    await Deno.chmod(join(dir, "out", "results.json"), 0o755).catch(() => {}); // if still there
    await Deno.remove(dir, { recursive: true });
  }
});

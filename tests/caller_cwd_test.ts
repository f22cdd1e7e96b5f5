import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function withoutInitCwd(env: Record<string, string>): Record<string, string> {
  const { INIT_CWD: _, ...rest } = env;
  return rest;
}

Deno.test("deno task check --dir . resolves the path where the user typed the command", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${ROOT}deno.json`, "check", "--dir", ".", "sum_keepdim"],
    cwd: `${ROOT}solutions`,
    // As from a fresh shell: a `deno task` keeps an INIT_CWD it inherits (this suite's own,
    // under `deno task test`), so the variable must not leak in from here.
    clearEnv: true,
    env: { ...withoutInitCwd(Deno.env.toObject()), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, out);
  assert.match(out, /1 of 1 exercise done/);
});

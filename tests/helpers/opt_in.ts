/**
 * The switch of the slow, privileged end-to-end tests (a fresh Debian root, a container image):
 * they run when `D2L_<NAME>=1` opts in, or when `D2L_REQUIRE_<NAME>=1` (CI) requires them; a
 * machine that cannot run them (not root, a tool missing) has them ignored, with the reason in
 * their name, unless they are required, in which case they fail saying why.
 *
 * @module
 */

/** Whether `cmd --version` runs and succeeds here. */
async function works(cmd: string): Promise<boolean> {
  return await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
}

/** What a test needs to know to declare itself. */
export interface OptIn {
  /** Set: this machine cannot run it, and why ("not root", "no buildah"). */
  cannot?: string;
  /** Whether `Deno.test` should ignore it. */
  ignore: boolean;
  /** To append to the test's name: why it is ignored, or `""`. */
  suffix: string;
}

/**
 * The switch for test `name` (`FRESH_ROOT` reads `D2L_FRESH_ROOT` and `D2L_REQUIRE_FRESH_ROOT`),
 * which needs root and the given commands (each must answer `--version`).
 */
export async function optIn(name: string, commands: string[]): Promise<OptIn> {
  const required = Deno.env.get(`D2L_REQUIRE_${name}`) === "1";
  let cannot = Deno.uid() !== 0 ? "not root" : undefined;
  for (const cmd of commands) {
    if (cannot === undefined && !(await works(cmd))) cannot = `no ${cmd}`;
  }
  const optedIn = required || Deno.env.get(`D2L_${name}`) === "1";
  const why = cannot ?? (optedIn ? undefined : `takes minutes: set D2L_${name}=1`);
  return {
    cannot: required ? cannot : undefined,
    ignore: why !== undefined && !required,
    suffix: why === undefined || required ? "" : ` (ignored: ${why})`,
  };
}

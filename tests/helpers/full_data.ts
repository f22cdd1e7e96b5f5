/**
 * Whether the full Fashion-MNIST is on this machine, for tests that need it: pass
 * `ignore: ignoreWithoutFullData` to `Deno.test` and load with `{ dir: fullDataDir }`.
 *
 * @example
 * ```ts
 * import { fullDataDir, ignoreWithoutFullData } from "./full_data.ts";
 * import { readFashionMnistRaw } from "../../data/fashion_mnist.ts";
 * if (!ignoreWithoutFullData) {
 *   const { train } = await readFashionMnistRaw({ dir: fullDataDir });
 *   if (train.count !== 60000) throw new Error("unexpected: train.count !== 60000");
 * }
 * ```
 *
 * On import it looks where the loader looks (`FASHION_MNIST_DIR`, the project cache, Debian's
 * `/usr/share/datasets/fashion-mnist`), never downloads, and verifies every file: counts,
 * sizes, label range and SHA-256 (about a third of a second). Without the data the tests that
 * use it are reported as ignored, but when `D2L_REQUIRE_FULL_DATA=1` (CI sets it) a missing or
 * corrupt dataset makes the import throw, so the test file fails instead of skipping.
 *
 * @module
 */
import { readFashionMnistRaw } from "../../data/fashion_mnist.ts";

/** The environment variable that makes the full data required (`1`). */
export const REQUIRE_ENV = "D2L_REQUIRE_FULL_DATA";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

async function locate(): Promise<{ dir?: string; problem?: string }> {
  try {
    const { source } = await readFashionMnistRaw({ download: false });
    return { dir: source.dir };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

const found = await locate();

/** The directory holding the verified full dataset, or `undefined` when there is none. */
export const fullDataDir: string | undefined = found.dir;

/** Why there is no full dataset (the loader's message), or `undefined` when there is one. */
export const fullDataProblem: string | undefined = found.problem;

/** `true` when the full dataset is missing: pass as `Deno.test({ ignore })`. */
export const ignoreWithoutFullData: boolean = fullDataDir === undefined;

if (ignoreWithoutFullData && readEnv(REQUIRE_ENV) === "1") {
  throw new Error(
    `${REQUIRE_ENV}=1, but the full Fashion-MNIST dataset is missing or failed verification, ` +
      `so the tests that need it cannot run:\n${fullDataProblem}`,
  );
}

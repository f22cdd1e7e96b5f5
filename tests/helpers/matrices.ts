/**
 * Small float64 matrix helpers on nested arrays, the reference the matrix-product tests
 * compare tfjs with.
 *
 * @example
 * ```ts
 * import { product, randomMatrix, transpose } from "./matrices.ts";
 * const a = randomMatrix(1, 2, 3);
 * const p = product(a, transpose(a));
 * if (p.length !== 2 || p[0].length !== 2 || p[0][1] !== p[1][0]) throw new Error("unexpected: p.length !== 2 || p[0].length !== 2 || p[0][1] !== p[1][0]");
 * ```
 *
 * @module
 */
import { createRng } from "../../lib/random.ts";

/** A seeded random matrix [rows, cols] in [-1, 1), of float32-representable values. */
export function randomMatrix(seed: number, rows: number, cols: number): number[][] {
  const rng = createRng(seed);
  return Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => Math.fround(2 * rng.next() - 1)),
  );
}

/** `mᵀ`; `cols` is needed when `m` has no rows. */
export function transpose(m: number[][], cols = m[0]?.length ?? 0): number[][] {
  return Array.from({ length: cols }, (_, j) => m.map((row) => row[j]));
}

/** The float64 product of `a` [m, k] and `b` [k, n]; `n` is needed when `b` has no rows. */
export function product(a: number[][], b: number[][], n = b[0]?.length ?? 0): number[][] {
  return a.map((row) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let r = 0; r < row.length; r++) s += row[r] * b[r][j];
      return s;
    })
  );
}

/**
 * Seeded pseudo-random numbers, so every random choice in the kit can be replayed.
 *
 * `mulberry32` is a small, fast 32-bit generator: plenty for shuffling a data set, and with no
 * global state. Seeds are mixed with SplitMix32 so that nearby seeds (0, 1, 2, …, or a seed
 * and an epoch number) give unrelated streams.
 *
 * @example Same seed, same stream
 * ```ts
 * import { createRng } from "./random.ts";
 * const a = createRng(42), b = createRng(42);
 * if (a.next() !== b.next()) throw new Error("not reproducible");
 * ```
 *
 * @module
 */

/** A seeded generator of uniform numbers. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  nextInt(n: number): number;
}

/**
 * Mixes several integers (a seed, an epoch, …) into one 32-bit seed.
 *
 * @example
 * ```ts
 * import { mixSeed } from "./random.ts";
 * if (mixSeed(0, 1) === mixSeed(0, 2)) throw new Error("epochs collide");
 * ```
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isFinite(part)) throw new RangeError(`Seed parts must be finite, got ${part}`);
    h = Math.imul(h ^ (Math.trunc(part) >>> 0), 0x85ebca6b) >>> 0;
    h = (h + 0x6b43a9b5) >>> 0;
    // SplitMix32 finaliser.
    h ^= h >>> 16;
    h = Math.imul(h, 0x21f0aaad);
    h ^= h >>> 15;
    h = Math.imul(h, 0x735a2d97);
    h ^= h >>> 15;
    h >>>= 0;
  }
  return h;
}

/**
 * Creates a generator from a seed (any finite number; mixed before use).
 *
 * @example
 * ```ts
 * import { createRng } from "./random.ts";
 * const x = createRng(0).nextInt(10);
 * if (!(x >= 0 && x < 10)) throw new Error("unexpected: !(x >= 0 && x < 10)");
 * ```
 */
export function createRng(seed: number): Rng {
  let state = mixSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    nextInt: (n: number) => Math.floor(next() * n),
  };
}

/**
 * A uniformly random permutation of `0..n-1` (Fisher–Yates) from a seeded generator.
 *
 * @example
 * ```ts
 * import { permutation } from "./random.ts";
 * const p = permutation(5, 0);
 * if ([...p].sort().join() !== "0,1,2,3,4") throw new Error("unexpected: [...p].sort().join() !== \"0,1,2,3,4\"");
 * ```
 */
export function permutation(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

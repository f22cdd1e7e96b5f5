/**
 * The peak rate of WebAssembly SIMD multiply-adds on one thread of this machine: the ceiling
 * for the fused engine's products (`lib/fused_step_wat.ts`), measured the way they run (128-bit
 * `f32x4` vectors, in V8).
 *
 * A loop keeps twelve independent values in registers and replaces each by `s · b + a`: no
 * memory traffic, no dependency between the twelve (enough of them to keep every unit busy
 * while each waits for its previous result), and nothing the compiler can move out of the loop.
 * Each multiply-add is 8 floating-point operations (4 lanes, a multiplication and an addition).
 * Measured twice: with `f32x4.relaxed_madd` (one fused instruction where the processor has
 * them) and with a multiplication and an addition.
 *
 * @example
 * ```ts
 * import { simdPeak } from "./simd_peak.ts";
 * const peak = await simdPeak({ iterations: 1e5 });
 * if (!(peak.relaxed > 0 && peak.plain > 0)) throw new Error(JSON.stringify(peak));
 * ```
 *
 * @module
 */
import wabtInit from "wabt";

/** Multiply-add rates, GFLOP/s (8 operations per `f32x4` multiply-add). */
export interface SimdPeak {
  /** With `f32x4.relaxed_madd`. */
  relaxed: number;
  /** With `f32x4.mul` then `f32x4.add`. */
  plain: number;
}

/** The number of independent values. */
const CHAINS = 12;

/** The text of a module whose `run(n)` does `CHAINS · n` independent multiply-adds. */
function peakWat(relaxed: boolean): string {
  const sums = Array.from({ length: CHAINS }, (_, i) => `$s${i}`);
  const madd = (s: string) =>
    relaxed
      ? `(local.set ${s} (f32x4.relaxed_madd (local.get ${s}) (local.get $b) (local.get $a)))`
      : `(local.set ${s} (f32x4.add (f32x4.mul (local.get ${s}) (local.get $b)) (local.get $a)))`;
  return `(module
  (func (export "run") (param $n i32) (result f32)
    (local $a v128) (local $b v128) ${sums.map((s) => `(local ${s} v128)`).join(" ")}
    (local.set $a (f32x4.splat (f32.const 0.001)))
    (local.set $b (f32x4.splat (f32.const 0.999)))
    ${sums.map((s, i) => `(local.set ${s} (f32x4.splat (f32.const ${i})))`).join(" ")}
    (loop $l
      ${sums.map(madd).join("\n      ")}
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 ${
    sums.slice(1).reduce((acc, s) => `(f32x4.add ${acc} (local.get ${s}))`, "(local.get $s0)")
  })))`;
}

/**
 * Measures both rates: `iterations` loop turns (12 multiply-adds each), the best of `rounds`.
 */
export async function simdPeak(
  options: { iterations?: number; rounds?: number } = {},
): Promise<SimdPeak> {
  const { iterations = 2e7, rounds = 5 } = options;
  const wabt = await wabtInit();
  const rate = (relaxed: boolean) => {
    const features = { simd: true, relaxed_simd: true };
    const parsed = wabt.parseWat("peak", peakWat(relaxed), features);
    const bytes = new Uint8Array(parsed.toBinary({}).buffer);
    parsed.destroy();
    const { run } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as {
      run(n: number): number;
    };
    run(1000); // compiled by V8's optimizing tier before the clock starts
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      run(iterations);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return (iterations * CHAINS * 8) / best / 1e9;
  };
  return { relaxed: rate(true), plain: rate(false) };
}

if (import.meta.main) {
  const peak = await simdPeak();
  console.log(
    `f32x4 multiply-adds on one thread: ${peak.relaxed.toFixed(1)} GFLOP/s with relaxed_madd, ` +
      `${peak.plain.toFixed(1)} GFLOP/s with mul + add`,
  );
}

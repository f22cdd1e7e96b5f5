/**
 * The WebAssembly text of the fused training engine ({@linkcode ./fused_engine.ts}): lesson 7's
 * gradient by hand, in one call per minibatch and thread. `deno task build-wasm` compiles it
 * (with the npm package `wabt`) into {@linkcode ./fused_step_bytes.ts}; a test checks that the
 * committed bytes are this text's.
 *
 * **Memory.** The module imports a shared memory (`env.memory`) laid out by the engine, and
 * `Math.log` (`env.log`, once per example for the loss). Images stay as Fashion-MNIST's bytes;
 * a chunk of a batch at a time becomes float32 rows `X` [chunk, dp] (`k / 255`, exactly the
 * data iterator's values; `dp` is the pixels rounded up to 8, the rest 0). The classes come
 * in tiles of {@linkcode CLASS_TILE}: `W` and its gradient are stored tile by tile, and within
 * a tile four pixels by five classes at a time (one vector per class), so that the loops below
 * read them in order. Logits, then gradient rows, `L` [chunk, 16]. Constants sit in memory
 * ({@linkcode CONSTANTS}): V8 would rebuild a `v128.const` at every use.
 *
 * **A step** (`train_part`), for the `n` examples `order[start … start + n)`: each thread takes
 * half of them (thread 0 the first), a chunk at a time in its half of the rows of `X` and `L`,
 * and
 *
 * 0. touches a byte per cache line of their images (the shuffle reads them at random);
 * 1. converts them and computes their logits, two rows by one tile of classes at a time (ten
 *    sums in registers);
 * 2. per row: the first argmax (accuracy), the max-shifted softmax (`exp` in SIMD, Cephes'
 *    `expf` polynomial), the loss `log Σ exp(o − m) − (o_y − m)`, and the gradient row
 *    `g = softmax(o) − onehot(y)` in place of the logits, summed into the thread's `db`;
 * 3. sums `XᵀG` over those rows into the thread's own `dW`, eight pixels by one tile at a time
 *    (ten sums in registers);
 * 4. then, after a barrier, applies `W -= (lr / n) (dW₀ + dW₁)` to its half of the pixels, and
 *    thread 0 `b -= (lr / n) (db₀ + db₁)`.
 *
 * With one thread the barrier returns at once. A second thread runs `worker_loop`: it waits for
 * the job counter to change, runs its part of the job written in the control block, and
 * publishes that it is done (spinning first, then sleeping in `memory.atomic.wait32`).
 *
 * @example The text declares the functions the engine calls
 * ```ts
 * import { fusedStepWat } from "./fused_step_wat.ts";
 * const wat = fusedStepWat();
 * for (const name of ["setup", "train_part", "evaluate_part", "worker_loop"]) {
 *   if (!wat.includes(`(export "${name}")`)) throw new Error(`no ${name}`);
 * }
 * ```
 *
 * @module
 */

/** Classes per tile: the classes whose sums share registers. */
export const CLASS_TILE = 5;

/** The most classes: a row of `L` holds 16 floats. */
export const MAX_CLASSES = 15;

/**
 * The constants' slots (16 bytes each, in this order): `exp`'s (`log2e`, the two parts of
 * `ln 2`, the polynomial `p0 … p5`, `one`, the lowest argument `lo`), `-inf`, the float32
 * exponent bias as `i32`s, the masks of the classes in each of L's four vectors, and 255.
 */
export const CONSTANTS = [
  "log2e",
  "c1",
  "c2",
  "p0",
  "p1",
  "p2",
  "p3",
  "p4",
  "p5",
  "one",
  "lo",
  "ninf",
  "bias",
  "mask0",
  "mask1",
  "mask2",
  "mask3",
  "k255",
] as const;

/**
 * The control block's fields (byte offsets): the job counter and the done counter, the
 * barrier's count and generation, the job's kind and arguments, whether the second thread is
 * ready (1) or failed (-1), the second thread's results, and where each thread stores the sum of
 * the bytes it touched ahead (so that those loads are not optimized away).
 */
export const CONTROL = {
  job: 0,
  done: 4,
  barrierCount: 8,
  barrierGen: 12,
  kind: 16,
  ready: 20,
  images: 24,
  labels: 28,
  order: 32,
  start: 36,
  n: 40,
  lr: 44,
  loss1: 48,
  correct: 56,
  sink: 64,
  bytes: 80,
} as const;

/** Job kinds in the control block. */
export const JOB = { train: 1, evaluate: 2, stop: 3 } as const;

/** Spins before a waiting thread sleeps (tens of microseconds; a step takes hundreds). */
const SPINS = 1 << 14;

/**
 * The module's text. With `relaxed`, every multiply-add is one `f32x4.relaxed_madd` (a fused
 * multiply-add where the processor has one: fewer instructions, a slightly different rounding);
 * without, a multiplication and an addition, for engines without relaxed SIMD.
 */
export function fusedStepWat(options: { relaxed?: boolean } = {}): string {
  /** `c + a · b` as one vector expression. */
  const madd = (a: string, b: string, c: string) =>
    options.relaxed
      ? `(f32x4.relaxed_madd ${a} ${b} ${c})`
      : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;
  const get = (name: string) => `(local.get $${name})`;
  const K = (name: typeof CONSTANTS[number]) =>
    `(v128.load offset=${16 * CONSTANTS.indexOf(name)} (global.get $k))`;
  const C = (field: keyof typeof CONTROL) =>
    `(i32.add (global.get $ctl) (i32.const ${CONTROL[field]}))`;
  const J = Array.from({ length: CLASS_TILE }, (_, j) => j);
  const V = [0, 1, 2, 3];
  const zero = "(v128.const i32x4 0 0 0 0)";
  /** The sum of a vector's four lanes (uses `$h`). */
  const hsum = (v: string) =>
    `(f32x4.extract_lane 0 (f32x4.add (local.tee $h (f32x4.add ${v} (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $h) (local.get $h))))`;
  /**
   * `dst = exp(x)` lane by lane, for lanes ≤ 0 or -inf (Cephes' `expf`: `2ⁿ p(r)`, about one
   * float32 rounding; a lane below `lo` gives exp(lo) ≈ 1e-38 instead of a smaller number: the
   * caller zeroes the padding lanes, and a class that far below the largest does not matter).
   */
  const exp4 = (x: string, dst: string) =>
    `(local.set $r (f32x4.max ${x} ${K("lo")}))
        (local.set $en (f32x4.nearest (f32x4.mul (local.get $r) ${K("log2e")})))
        (local.set $r (f32x4.sub (f32x4.sub (local.get $r) (f32x4.mul (local.get $en) ${
      K("c1")
    })) (f32x4.mul (local.get $en) ${K("c2")})))
        (local.set $h ${madd(get("r"), K("p0"), K("p1"))})
        ${
      (["p2", "p3", "p4", "p5"] as const).map((c) =>
        `(local.set $h ${madd(get("h"), get("r"), K(c))})`
      ).join("\n        ")
    }
        (local.set $h (f32x4.add ${
      madd(get("h"), "(f32x4.mul (local.get $r) (local.get $r))", get("r"))
    } ${K("one")}))
        (local.set ${dst} (f32x4.mul (local.get $h) (i32x4.add (i32x4.shl
          (i32x4.trunc_sat_f32x4_s (local.get $en)) (i32.const 23)) ${K("bias")})))`;
  /**
   * Waits while the i32 at `at` equals `value`: spins, then sleeps 0.1 s at a time (so that the
   * thread can be terminated between two sleeps); returns from the function when the engine
   * has stopped (`ready` < 0).
   */
  const waitWhile = (at: string, value: string) =>
    `(local.set $spins (i32.const 0))
    (block $changed (loop $spin
      (br_if $changed (i32.ne (i32.atomic.load ${at}) ${value}))
      (if (i32.lt_s (i32.atomic.load ${C("ready")}) (i32.const 0)) (then (return)))
      (local.set $spins (i32.add (local.get $spins) (i32.const 1)))
      (if (i32.gt_u (local.get $spins) (i32.const ${SPINS})) (then
        (drop (memory.atomic.wait32 ${at} ${value} (i64.const 100000000)))))
      (br $spin)))`;
  /**
   * This thread's examples of `count`, `$c0 … $end` (thread 0 the first half, rounded up), and
   * its rows of the chunk buffer, `$cap` from `$base` (the first or the second half): each thread
   * only ever touches its own rows, so the threads need no barrier between chunks.
   */
  const half = (count: string) =>
    `(local.set $cap (i32.div_u (global.get $chunk) (local.get $threads)))
    (local.set $base (i32.mul (local.get $tid) (local.get $cap)))
    (local.set $end (local.get ${count}))
    (if (i32.eq (local.get $threads) (i32.const 2)) (then
      (local.set $end (i32.shr_u (i32.add (local.get ${count}) (i32.const 1)) (i32.const 1)))
      (if (local.get $tid) (then
        (local.set $c0 (local.get $end)) (local.set $end (local.get ${count}))))))`;

  /** One row's part of the backward sums: its 8 pixels at `x` times its G at `$gp + g`. */
  const exampleBody = (x: string, g: number) =>
    `(local.set $x0 (v128.load offset=0 ${x}))
          (local.set $x1 (v128.load offset=16 ${x}))
          ${
      J.map((j) =>
        `(local.set $g (v128.load32_splat offset=${g + 4 * j} (local.get $gp)))
          (local.set $c${j}0 ${madd(get("x0"), get("g"), get(`c${j}0`))})
          (local.set $c${j}1 ${madd(get("x1"), get("g"), get(`c${j}1`))})`
      ).join("\n          ")
    }`;

  return `(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "env" "log" (func $log (param f64) (result f64)))
  (global $w (mut i32) (i32.const 0))
  (global $b (mut i32) (i32.const 0))
  (global $dw (mut i32) (i32.const 0))
  (global $db (mut i32) (i32.const 0))
  (global $x (mut i32) (i32.const 0))
  (global $lab (mut i32) (i32.const 0))
  (global $l (mut i32) (i32.const 0))
  (global $k (mut i32) (i32.const 0))
  (global $ctl (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))
  (global $dp (mut i32) (i32.const 0))
  (global $tiles (mut i32) (i32.const 0))
  (global $chunk (mut i32) (i32.const 0))
  (global $q (mut i32) (i32.const 0))

  (func (export "setup") (param $w i32) (param $b i32) (param $dw i32) (param $db i32)
    (param $x i32) (param $lab i32) (param $l i32) (param $k i32) (param $ctl i32)
    (param $d i32) (param $dp i32) (param $tiles i32) (param $chunk i32) (param $q i32)
    (global.set $w (local.get $w)) (global.set $b (local.get $b))
    (global.set $dw (local.get $dw)) (global.set $db (local.get $db))
    (global.set $x (local.get $x)) (global.set $lab (local.get $lab))
    (global.set $l (local.get $l)) (global.set $k (local.get $k))
    (global.set $ctl (local.get $ctl)) (global.set $d (local.get $d))
    (global.set $dp (local.get $dp)) (global.set $tiles (local.get $tiles))
    (global.set $chunk (local.get $chunk)) (global.set $q (local.get $q)))

  ;; Row $i of X = the d bytes at $src divided by 255 (float32, correctly rounded), then zeros.
  (func $convert (param $src i32) (param $i i32)
    (local $dst i32) (local $p i32) (local $v v128) (local $h v128)
    (local.set $dst (i32.add (global.get $x) (i32.mul (local.get $i) (i32.shl (global.get $dp) (i32.const 2)))))
    (block $done (loop $sixteen
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (global.get $d)))
      (local.set $v (v128.load (i32.add (local.get $src) (local.get $p))))
      ${
    V.map((q) => {
      const half = `(${["i16x8.extend_low_i8x16_u", "i16x8.extend_high_i8x16_u"][q >> 1]} ${
        get("v")
      })`;
      const quarter = `(${["i32x4.extend_low_i16x8_u", "i32x4.extend_high_i16x8_u"][q & 1]} ${
        (q & 1) === 0 ? `(local.tee $h ${half})` : get("h")
      })`;
      return `(v128.store offset=${16 * q} (local.get $dst)
        (f32x4.div (f32x4.convert_i32x4_u ${quarter}) ${K("k255")}))`;
    }).join("\n      ")
  }
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $sixteen)))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $p) (global.get $d)))
      (f32.store (local.get $dst) (f32.div
        (f32.convert_i32_u (i32.load8_u (i32.add (local.get $src) (local.get $p)))) (f32.const 255)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $one)))
    (memory.fill (local.get $dst) (i32.const 0)
      (i32.shl (i32.sub (global.get $dp) (local.get $p)) (i32.const 2))))

  ;; The logits of rows $r0 … $r1 of X into L, two rows by one tile of classes at a time.
  (func $forward (param $r0 i32) (param $r1 i32)
    (local $i i32) (local $a i32) (local $bb i32) (local $t i32) (local $p i32) (local $wp i32)
    (local $row i32) (local $xa v128) (local $xb v128) (local $h v128) (local $la i32)
    (local $lb i32) (local $bias i32)
    ${J.map((j) => `(local $a${j} v128) (local $b${j} v128)`).join(" ")}
    (local.set $row (i32.shl (global.get $dp) (i32.const 2)))
    (local.set $i (local.get $r0))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $r1)))
      ;; Rows a and b (b = a for an odd last row).
      (local.set $a (i32.add (global.get $x) (i32.mul (local.get $i) (local.get $row))))
      (local.set $la (i32.add (global.get $l) (i32.shl (local.get $i) (i32.const 6))))
      (local.set $bb (local.get $a))
      (local.set $lb (local.get $la))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $r1)) (then
        (local.set $bb (i32.add (local.get $a) (local.get $row)))
        (local.set $lb (i32.add (local.get $la) (i32.const 64)))))
      (local.set $wp (global.get $w))
      (local.set $bias (global.get $b))
      (local.set $t (i32.const 0))
      (block $tiles_done (loop $tiles
        (br_if $tiles_done (i32.ge_u (local.get $t) (global.get $tiles)))
        ${J.map((j) => `(local.set $a${j} ${zero}) (local.set $b${j} ${zero})`).join("\n        ")}
        (local.set $p (i32.const 0))
        (block $px_done (loop $px
          (br_if $px_done (i32.ge_u (local.get $p) (local.get $row)))
          ${
    [0, 1].map((u) =>
      `(local.set $xa (v128.load offset=${16 * u} (i32.add (local.get $a) (local.get $p))))
          (local.set $xb (v128.load offset=${16 * u} (i32.add (local.get $bb) (local.get $p))))
          ${
        J.map((j) =>
          `(local.set $h (v128.load offset=${16 * (CLASS_TILE * u + j)} (local.get $wp)))
          (local.set $a${j} ${madd(get("xa"), get("h"), get(`a${j}`))})
          (local.set $b${j} ${madd(get("xb"), get("h"), get(`b${j}`))})`
        ).join("\n          ")
      }`
    ).join("\n          ")
  }
          (local.set $wp (i32.add (local.get $wp) (i32.const ${32 * CLASS_TILE})))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (br $px)))
        ;; L[row][5t + j] = the lanes' sum + b[5t + j]
        ${
    J.map((j) =>
      `(f32.store offset=${4 * j} (local.get $la) (f32.add ${hsum(get(`a${j}`))}
          (f32.load offset=${4 * j} (local.get $bias))))
        (f32.store offset=${4 * j} (local.get $lb) (f32.add ${hsum(get(`b${j}`))}
          (f32.load offset=${4 * j} (local.get $bias))))`
    ).join("\n        ")
  }
        (local.set $la (i32.add (local.get $la) (i32.const ${4 * CLASS_TILE})))
        (local.set $lb (i32.add (local.get $lb) (i32.const ${4 * CLASS_TILE})))
        (local.set $bias (i32.add (local.get $bias) (i32.const ${4 * CLASS_TILE})))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rows))))

  ;; The first index of the largest of the q logits at $o.
  (func $argmax (param $o i32) (result i32)
    (local $j i32) (local $best i32) (local $max f32) (local $v f32)
    (local.set $max (f32.load (local.get $o)))
    (local.set $j (i32.const 1))
    (block $done (loop $classes
      (br_if $done (i32.ge_u (local.get $j) (global.get $q)))
      (local.set $v (f32.load (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2)))))
      (if (f32.gt (local.get $v) (local.get $max)) (then
        (local.set $max (local.get $v)) (local.set $best (local.get $j))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $classes)))
    (local.get $best))

  ;; dW += XᵀG over rows $r0 … $r1 into the dW at $dwp, eight pixels by one tile in registers.
  (func $backward (param $r0 i32) (param $r1 i32) (param $dwp i32)
    (local $t i32) (local $p i32) (local $i i32) (local $xp i32) (local $gp i32)
    (local $wp i32) (local $row i32) (local $row2 i32) (local $xp2 i32) (local $x0 v128)
    (local $x1 v128) (local $g v128)
    ${J.map((j) => `(local $c${j}0 v128) (local $c${j}1 v128)`).join(" ")}
    (local.set $row (i32.shl (global.get $dp) (i32.const 2)))
    (local.set $row2 (i32.shl (local.get $row) (i32.const 1)))
    (local.set $wp (local.get $dwp))
    (block $tiles_done (loop $tiles
      (br_if $tiles_done (i32.ge_u (local.get $t) (global.get $tiles)))
      (local.set $p (i32.const 0))
      (block $px_done (loop $px
        (br_if $px_done (i32.ge_u (local.get $p) (local.get $row)))
        ${
    J.map((j) =>
      `(local.set $c${j}0 (v128.load offset=${16 * j} (local.get $wp)))
        (local.set $c${j}1 (v128.load offset=${16 * (CLASS_TILE + j)} (local.get $wp)))`
    ).join("\n        ")
  }
        (local.set $xp (i32.add (i32.add (global.get $x) (i32.mul (local.get $r0) (local.get $row)))
          (local.get $p)))
        (local.set $xp2 (i32.add (local.get $xp) (local.get $row)))
        (local.set $gp (i32.add (i32.add (global.get $l) (i32.shl (local.get $r0) (i32.const 6)))
          (i32.mul (local.get $t) (i32.const ${4 * CLASS_TILE}))))
        (local.set $i (local.get $r0))
        ;; Two rows per turn (the second's X at $xp + row, its G 64 bytes on), then the last.
        (block $ex_done (loop $ex
          (br_if $ex_done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $r1)))
          ${exampleBody("(local.get $xp)", 0)}
          ${exampleBody("(local.get $xp2)", 64)}
          (local.set $xp (i32.add (local.get $xp) (local.get $row2)))
          (local.set $xp2 (i32.add (local.get $xp2) (local.get $row2)))
          (local.set $gp (i32.add (local.get $gp) (i32.const 128)))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $ex)))
        (if (i32.lt_u (local.get $i) (local.get $r1)) (then
          ${exampleBody("(local.get $xp)", 0)}))
        ${
    J.map((j) =>
      `(v128.store offset=${16 * j} (local.get $wp) (local.get $c${j}0))
        (v128.store offset=${16 * (CLASS_TILE + j)} (local.get $wp) (local.get $c${j}1))`
    ).join("\n        ")
  }
        (local.set $wp (i32.add (local.get $wp) (i32.const ${32 * CLASS_TILE})))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $px)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tiles))))

  ;; v -= scale · (g + g2) over the bytes $from … $to of the arrays (W and the threads' dW, or b
  ;; and their db); without $two, v -= scale · g.
  (func $step (param $v i32) (param $g i32) (param $g2 i32) (param $two i32) (param $from i32)
    (param $to i32) (param $scale v128)
    (local $grad v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
      (local.set $grad (v128.load (i32.add (local.get $g) (local.get $from))))
      (if (local.get $two) (then (local.set $grad (f32x4.add (local.get $grad)
        (v128.load (i32.add (local.get $g2) (local.get $from)))))))
      (v128.store (i32.add (local.get $v) (local.get $from)) (f32x4.sub
        (v128.load (i32.add (local.get $v) (local.get $from)))
        (f32x4.mul (local.get $scale) (local.get $grad))))
      (local.set $from (i32.add (local.get $from) (i32.const 16)))
      (br $each))))

  ;; Waits until all $threads threads have arrived (a sense-reversing barrier): spins, then
  ;; sleeps (two threads on one core would otherwise spin away each other's time). A failed
  ;; second thread, or an engine that gave up (ready < 0), stops the wait with a trap instead of a
  ;; hang.
  (func $barrier (param $threads i32)
    (local $gen i32) (local $spins i32)
    (if (i32.eq (local.get $threads) (i32.const 1)) (then (return)))
    (local.set $gen (i32.atomic.load ${C("barrierGen")}))
    (if (i32.eq (i32.atomic.rmw.add ${C("barrierCount")} (i32.const 1))
        (i32.sub (local.get $threads) (i32.const 1)))
      (then
        (i32.atomic.store ${C("barrierCount")} (i32.const 0))
        (i32.atomic.store ${C("barrierGen")} (i32.add (local.get $gen) (i32.const 1)))
        (drop (memory.atomic.notify ${C("barrierGen")} (local.get $threads))))
      (else
        (block $passed (loop $spin
          (br_if $passed (i32.ne (i32.atomic.load ${C("barrierGen")}) (local.get $gen)))
          (if (i32.lt_s (i32.atomic.load ${C("ready")}) (i32.const 0)) (then (unreachable)))
          (local.set $spins (i32.add (local.get $spins) (i32.const 1)))
          (if (i32.gt_u (local.get $spins) (i32.const ${SPINS})) (then
            ;; At most 10 ms at a time, to look at ready again.
            (drop (memory.atomic.wait32 ${C("barrierGen")} (local.get $gen) (i64.const 10000000)))))
          (br $spin))))))

  ;; Thread $tid's part of one SGD step on the $n examples order[$start …]: its half of the
  ;; examples (in its half of the chunk's rows, a chunk at a time): their loss (returned),
  ;; correct count (at control.correct + 4 · tid), db and dW, summed in the thread's own
  ;; buffers. Then, after a barrier, W -= (lr / n) Σ dW on its half of the pixels; thread 0
  ;; does b. Each thread reads only its own rows of X and L: only the sums, and W and b for the
  ;; next step, cross between the cores.
  (func $train_part (export "train_part") (param $tid i32) (param $threads i32)
    (param $images i32) (param $labels i32) (param $order i32) (param $start i32) (param $n i32)
    (param $lr f32) (result f64)
    (local $c0 i32) (local $end i32) (local $cap i32) (local $base i32) (local $m i32)
    (local $r1 i32) (local $i i32) (local $idx i32)
    (local $y i32) (local $o i32) (local $oy f32) (local $s f32) (local $loss f64)
    (local $correct i32) (local $db i32) (local $dwp i32) (local $bytes i32) (local $blocks i32)
    (local $pb0 i32) (local $pb1 i32) (local $t i32) (local $tile i32) (local $scale v128)
    (local $mv v128) (local $sv v128) (local $h v128) (local $r v128) (local $en v128)
    (local $at i32) (local $last i32) (local $sink i32)
    ${V.map((k) => `(local $v${k} v128)`).join(" ")}
    ;; This thread's dW and db, zeroed.
    (local.set $tile (i32.mul (global.get $dp) (i32.const ${4 * CLASS_TILE})))
    (local.set $bytes (i32.mul (global.get $tiles) (local.get $tile)))
    (local.set $dwp (i32.add (global.get $dw) (i32.mul (local.get $tid) (local.get $bytes))))
    (memory.fill (local.get $dwp) (i32.const 0) (local.get $bytes))
    (local.set $db (i32.add (global.get $db) (i32.shl (local.get $tid) (i32.const 6))))
    (memory.fill (local.get $db) (i32.const 0) (i32.const 64))
    ${half("$n")}
    (block $chunks_done (loop $chunks
      (br_if $chunks_done (i32.ge_u (local.get $c0) (local.get $end)))
      (local.set $m (i32.sub (local.get $end) (local.get $c0)))
      (if (i32.gt_u (local.get $m) (local.get $cap)) (then (local.set $m (local.get $cap))))
      (local.set $r1 (i32.add (local.get $base) (local.get $m)))
      ;; 0. Touch one byte per cache line of these images first, all loads independent, so that
      ;; the shuffle's random reads overlap instead of stalling the conversion a few lines at a
      ;; time (WebAssembly has no prefetch instruction).
      (local.set $i (i32.const 0))
      (block $touched (loop $touch
        (br_if $touched (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $at (i32.add (local.get $images) (i32.mul (global.get $d) (i32.load
          (i32.add (local.get $order) (i32.shl
            (i32.add (i32.add (local.get $start) (local.get $c0)) (local.get $i)) (i32.const 2)))))))
        (local.set $last (i32.add (local.get $at) (global.get $d)))
        (block $lines_done (loop $lines
          (br_if $lines_done (i32.ge_u (local.get $at) (local.get $last)))
          (local.set $sink (i32.add (local.get $sink) (i32.load8_u (local.get $at))))
          (local.set $at (i32.add (local.get $at) (i32.const 64)))
          (br $lines)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $touch)))
      ;; 1. The images as float rows $base …, their labels and logits.
      (local.set $i (i32.const 0))
      (block $cv_done (loop $cv
        (br_if $cv_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $idx (i32.load (i32.add (local.get $order) (i32.shl
          (i32.add (i32.add (local.get $start) (local.get $c0)) (local.get $i)) (i32.const 2)))))
        (call $convert (i32.add (local.get $images) (i32.mul (local.get $idx) (global.get $d)))
          (i32.add (local.get $base) (local.get $i)))
        (i32.store (i32.add (global.get $lab)
            (i32.shl (i32.add (local.get $base) (local.get $i)) (i32.const 2)))
          (i32.load8_u (i32.add (local.get $labels) (local.get $idx))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $cv)))
      (call $forward (local.get $base) (local.get $r1))
      ;; 2. Per row: accuracy, loss, and G[i] = softmax(o) − onehot(y) in place of the logits.
      (local.set $i (local.get $base))
      (block $ex_done (loop $ex
        (br_if $ex_done (i32.ge_u (local.get $i) (local.get $r1)))
        (local.set $o (i32.add (global.get $l) (i32.shl (local.get $i) (i32.const 6))))
        (local.set $y (i32.load (i32.add (global.get $lab) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.eq (call $argmax (local.get $o)) (local.get $y)) (then
          (local.set $correct (i32.add (local.get $correct) (i32.const 1)))))
        (local.set $oy (f32.load (i32.add (local.get $o) (i32.shl (local.get $y) (i32.const 2)))))
        ;; The logits as four vectors, -inf past the classes; their max m in every lane.
        ${
    V.map((k) =>
      `(local.set $v${k} (v128.bitselect (v128.load offset=${16 * k} (local.get $o)) ${K("ninf")} ${
        K(`mask${k}` as typeof CONSTANTS[number])
      }))`
    ).join("\n        ")
  }
        (local.set $mv (f32x4.max (f32x4.max (local.get $v0) (local.get $v1))
          (f32x4.max (local.get $v2) (local.get $v3))))
        (local.set $mv (f32x4.max (local.get $mv)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mv) (local.get $mv))))
        (local.set $mv (f32x4.max (local.get $mv)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $mv) (local.get $mv))))
        ;; e = exp(o − m), 0 past the classes; s = Σ e.
        ${
    V.map((k) =>
      `${exp4(`(f32x4.sub (local.get $v${k}) (local.get $mv))`, `$v${k}`)}
        (local.set $v${k} (v128.and (local.get $v${k}) ${
        K(`mask${k}` as typeof CONSTANTS[number])
      }))`
    ).join("\n        ")
  }
        (local.set $sv (f32x4.add (f32x4.add (local.get $v0) (local.get $v1))
          (f32x4.add (local.get $v2) (local.get $v3))))
        (local.set $s ${hsum(get("sv"))})
        (local.set $sv (f32x4.splat (local.get $s)))
        ;; loss = log s − (o_y − m)
        (local.set $loss (f64.add (local.get $loss) (f64.sub (call $log (f64.promote_f32 (local.get $s)))
          (f64.promote_f32 (f32.sub (local.get $oy) (f32x4.extract_lane 0 (local.get $mv)))))))
        ;; G[i] = e / s − onehot(y); db += G[i]
        ${
    V.map((k) =>
      `(v128.store offset=${16 * k} (local.get $o) (f32x4.div (local.get $v${k}) (local.get $sv)))`
    ).join("\n        ")
  }
        (f32.store (i32.add (local.get $o) (i32.shl (local.get $y) (i32.const 2)))
          (f32.sub (f32.load (i32.add (local.get $o) (i32.shl (local.get $y) (i32.const 2))))
            (f32.const 1)))
        ${
    V.map((k) =>
      `(v128.store offset=${16 * k} (local.get $db)
          (f32x4.add (v128.load offset=${16 * k} (local.get $db)) (v128.load offset=${
        16 * k
      } (local.get $o))))`
    ).join("\n        ")
  }
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ex)))
      ;; 3. dW += XᵀG over these rows.
      (call $backward (local.get $base) (local.get $r1) (local.get $dwp))
      (local.set $c0 (i32.add (local.get $c0) (local.get $m)))
      (br $chunks)))
    ;; 4. Both threads' sums are done: W -= (lr / n) (dW₀ + dW₁) on this thread's 8-pixel
    ;; blocks; thread 0: b -= (lr / n) (db₀ + db₁).
    (call $barrier (local.get $threads))
    (local.set $scale (f32x4.splat (f32.div (local.get $lr) (f32.convert_i32_u (local.get $n)))))
    (local.set $blocks (i32.shr_u (global.get $dp) (i32.const 3)))
    (local.set $pb1 (local.get $blocks))
    (if (i32.eq (local.get $threads) (i32.const 2)) (then
      (local.set $pb1 (i32.shr_u (i32.add (local.get $blocks) (i32.const 1)) (i32.const 1)))
      (if (local.get $tid) (then (local.set $pb0 (local.get $pb1)) (local.set $pb1 (local.get $blocks))))))
    (block $w_done (loop $wl
      (br_if $w_done (i32.ge_u (local.get $t) (global.get $tiles)))
      (call $step (i32.add (global.get $w) (i32.mul (local.get $t) (local.get $tile)))
        (i32.add (global.get $dw) (i32.mul (local.get $t) (local.get $tile)))
        (i32.add (i32.add (global.get $dw) (local.get $bytes)) (i32.mul (local.get $t) (local.get $tile)))
        (i32.eq (local.get $threads) (i32.const 2))
        (i32.mul (local.get $pb0) (i32.const ${32 * CLASS_TILE}))
        (i32.mul (local.get $pb1) (i32.const ${32 * CLASS_TILE})) (local.get $scale))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $wl)))
    (if (i32.eqz (local.get $tid)) (then
      (call $step (global.get $b) (global.get $db) (i32.add (global.get $db) (i32.const 64))
        (i32.eq (local.get $threads) (i32.const 2)) (i32.const 0) (i32.const 64) (local.get $scale))))
    (i32.store (i32.add ${
    C("correct")
  } (i32.shl (local.get $tid) (i32.const 2))) (local.get $correct))
    (i32.store (i32.add ${C("sink")} (i32.shl (local.get $tid) (i32.const 2))) (local.get $sink))
    (local.get $loss))

  ;; Thread $tid's part of the count of the first $count examples whose first argmax is their
  ;; label: its half of the examples, in its half of the chunk's rows (no barrier needed).
  (func $evaluate_part (export "evaluate_part") (param $tid i32) (param $threads i32)
    (param $images i32) (param $labels i32) (param $count i32) (result i32)
    (local $c0 i32) (local $end i32) (local $cap i32) (local $base i32) (local $m i32) (local $i i32)
    (local $correct i32)
    ${half("$count")}
    (block $chunks_done (loop $chunks
      (br_if $chunks_done (i32.ge_u (local.get $c0) (local.get $end)))
      (local.set $m (i32.sub (local.get $end) (local.get $c0)))
      (if (i32.gt_u (local.get $m) (local.get $cap)) (then (local.set $m (local.get $cap))))
      (local.set $i (i32.const 0))
      (block $cv_done (loop $cv
        (br_if $cv_done (i32.ge_u (local.get $i) (local.get $m)))
        (call $convert (i32.add (local.get $images)
          (i32.mul (i32.add (local.get $c0) (local.get $i)) (global.get $d)))
          (i32.add (local.get $base) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $cv)))
      (call $forward (local.get $base) (i32.add (local.get $base) (local.get $m)))
      (local.set $i (i32.const 0))
      (block $ex_done (loop $ex
        (br_if $ex_done (i32.ge_u (local.get $i) (local.get $m)))
        (if (i32.eq (call $argmax (i32.add (global.get $l)
              (i32.shl (i32.add (local.get $base) (local.get $i)) (i32.const 6))))
            (i32.load8_u (i32.add (local.get $labels) (i32.add (local.get $c0) (local.get $i)))))
          (then (local.set $correct (i32.add (local.get $correct) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ex)))
      (local.set $c0 (i32.add (local.get $c0) (local.get $m)))
      (br $chunks)))
    (local.get $correct))

  ;; The second thread: waits for a job, runs its part, publishes that it is done; returns on
  ;; the stop job.
  (func (export "worker_loop")
    (local $seen i32) (local $kind i32) (local $spins i32)
    ;; The jobs done so far, not the jobs posted: the engine may post the first job before
    ;; this thread gets here.
    (local.set $seen (i32.atomic.load ${C("done")}))
    (loop $jobs
      ${waitWhile(C("job"), get("seen"))}
      (local.set $seen (i32.atomic.load ${C("job")}))
      (local.set $kind (i32.load ${C("kind")}))
      (if (i32.eq (local.get $kind) (i32.const ${JOB.train})) (then
        (f64.store ${C("loss1")} (call $train_part (i32.const 1) (i32.const 2)
          (i32.load ${C("images")}) (i32.load ${C("labels")}) (i32.load ${C("order")})
          (i32.load ${C("start")}) (i32.load ${C("n")}) (f32.load ${C("lr")})))))
      (if (i32.eq (local.get $kind) (i32.const ${JOB.evaluate})) (then
        (i32.store offset=4 ${C("correct")} (call $evaluate_part (i32.const 1) (i32.const 2)
          (i32.load ${C("images")}) (i32.load ${C("labels")}) (i32.load ${C("n")})))))
      (i32.atomic.store ${C("done")} (local.get $seen))
      (drop (memory.atomic.notify ${C("done")} (i32.const 1)))
      (br_if $jobs (i32.ne (local.get $kind) (i32.const ${JOB.stop})))))
)
`;
}

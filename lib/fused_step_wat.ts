/**
 * The WebAssembly text of the fused training engine ({@linkcode ./fused_engine.ts}): lesson 7's
 * gradient by hand, one example at a time, in one call per minibatch. `deno task build-wasm`
 * compiles it (with the npm package `wabt`) into {@linkcode ./fused_step_bytes.ts}; a test
 * checks that the committed bytes are this text's.
 *
 * The module imports its memory (`env.memory`, laid out by the engine) and `Math.exp` and
 * `Math.log` (`env.exp`, `env.log`: WebAssembly has neither). Images stay as Fashion-MNIST's
 * bytes and are read through a 256-entry table of `k / 255` in float32, the very values the
 * kit's data iterator produces. The classes are padded to 12 so that a row of `W` is three
 * SIMD vectors; the padding's weights, biases and gradients stay 0.
 *
 * - `setup(lut, w, b, dw, db, o, e, d)`: where the table, `W` [d, 12], `b` [12], their
 *   gradient sums, the logits/gradient row `o` [12] (float32) and the exponentials `e` [12]
 *   (float64) live; `d` is the pixels per image.
 * - `train_batch(images, labels, order, start, n, q, lr, out)`: one SGD step on the `n`
 *   examples `order[start … start + n)`: per example, the logits `o = xW + b`, the
 *   max-shifted softmax, the loss `log Σ exp(o − m) − (o_y − m)`, the first argmax, and
 *   `g = softmax(o) − onehot(y)`, accumulated into `db += g` and `dW += xᵀg` (pixels that are 0
 *   are skipped: they add nothing); then `W -= (lr / n) dW` and `b -= (lr / n) db`. Returns the
 *   batch's summed loss (float64) and writes its number of correct predictions at `out`.
 * - `evaluate(images, labels, count, q)`: the number of the first `count` examples whose first
 *   argmax is their label.
 *
 * @example The text declares the three functions the engine calls
 * ```ts
 * import { fusedStepWat } from "./fused_step_wat.ts";
 * const wat = fusedStepWat();
 * for (const name of ["setup", "train_batch", "evaluate"]) {
 *   if (!wat.includes(`(export "${name}")`)) throw new Error(`no ${name}`);
 * }
 * ```
 *
 * @module
 */

/** The padded number of classes: three SIMD vectors of four. */
export const PADDED_CLASSES = 12;

/** The module's text. */
export function fusedStepWat(): string {
  // v = x · W[i] (+ a) for the three vectors of a padded row: `${madd("a0", 0)}` …
  const rowMadd = (acc: string, at: number, base: string) =>
    `(local.set $${acc} (f32x4.add (local.get $${acc}) ` +
    `(f32x4.mul (local.get $v) (v128.load offset=${at} (local.get ${base})))))`;
  return `(module
  (import "env" "memory" (memory 1))
  (import "env" "exp" (func $exp (param f64) (result f64)))
  (import "env" "log" (func $log (param f64) (result f64)))
  (global $lut (mut i32) (i32.const 0))
  (global $w (mut i32) (i32.const 0))
  (global $b (mut i32) (i32.const 0))
  (global $dw (mut i32) (i32.const 0))
  (global $db (mut i32) (i32.const 0))
  (global $o (mut i32) (i32.const 0))
  (global $e (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))

  (func (export "setup") (param $lut i32) (param $w i32) (param $b i32) (param $dw i32)
    (param $db i32) (param $o i32) (param $e i32) (param $d i32)
    (global.set $lut (local.get $lut)) (global.set $w (local.get $w))
    (global.set $b (local.get $b)) (global.set $dw (local.get $dw))
    (global.set $db (local.get $db)) (global.set $o (local.get $o))
    (global.set $e (local.get $e)) (global.set $d (local.get $d)))

  ;; The logits of the image at $img (d bytes) into o[0 .. 12).
  (func $forward (param $img i32)
    (local $i i32) (local $x f32) (local $v v128) (local $wp i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128)
    (local.set $a0 (v128.load offset=0 (global.get $b)))
    (local.set $a1 (v128.load offset=16 (global.get $b)))
    (local.set $a2 (v128.load offset=32 (global.get $b)))
    (local.set $wp (global.get $w))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $i) (global.get $d)))
      (local.set $x (f32.load (i32.add (global.get $lut)
        (i32.shl (i32.load8_u (i32.add (local.get $img) (local.get $i))) (i32.const 2)))))
      (if (f32.ne (local.get $x) (f32.const 0)) (then
        (local.set $v (f32x4.splat (local.get $x)))
        ${rowMadd("a0", 0, "$wp")}
        ${rowMadd("a1", 16, "$wp")}
        ${rowMadd("a2", 32, "$wp")}))
      (local.set $wp (i32.add (local.get $wp) (i32.const 48)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $pixels)))
    (v128.store offset=0 (global.get $o) (local.get $a0))
    (v128.store offset=16 (global.get $o) (local.get $a1))
    (v128.store offset=32 (global.get $o) (local.get $a2)))

  ;; The first index of the largest of o[0 .. q).
  (func $argmax (param $q i32) (result i32)
    (local $j i32) (local $best i32) (local $max f32) (local $v f32)
    (local.set $max (f32.load (global.get $o)))
    (local.set $j (i32.const 1))
    (block $done (loop $classes
      (br_if $done (i32.ge_u (local.get $j) (local.get $q)))
      (local.set $v (f32.load (i32.add (global.get $o) (i32.shl (local.get $j) (i32.const 2)))))
      (if (f32.gt (local.get $v) (local.get $max)) (then
        (local.set $max (local.get $v)) (local.set $best (local.get $j))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $classes)))
    (local.get $best))

  (func (export "train_batch") (param $images i32) (param $labels i32) (param $order i32)
    (param $start i32) (param $n i32) (param $q i32) (param $lr f32) (param $out i32)
    (result f64)
    (local $k i32) (local $idx i32) (local $img i32) (local $y i32) (local $j i32)
    (local $i i32) (local $x f32) (local $v v128) (local $p i32) (local $end i32)
    (local $m f32) (local $oj f32) (local $s f64) (local $ej f64) (local $loss f64)
    (local $correct i32) (local $g0 v128) (local $g1 v128) (local $g2 v128)
    (local $scale v128)
    ;; Start the sums from zero.
    (memory.fill (global.get $dw) (i32.const 0) (i32.mul (global.get $d) (i32.const 48)))
    (memory.fill (global.get $db) (i32.const 0) (i32.const 48))
    (block $examples_done (loop $examples
      (br_if $examples_done (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $idx (i32.load (i32.add (local.get $order)
        (i32.shl (i32.add (local.get $start) (local.get $k)) (i32.const 2)))))
      (local.set $img (i32.add (local.get $images) (i32.mul (local.get $idx) (global.get $d))))
      (local.set $y (i32.load8_u (i32.add (local.get $labels) (local.get $idx))))
      (call $forward (local.get $img))
      ;; Accuracy: the first argmax.
      (if (i32.eq (call $argmax (local.get $q)) (local.get $y)) (then
        (local.set $correct (i32.add (local.get $correct) (i32.const 1)))))
      ;; The max shift, then s = Σ_j exp(o_j − m), e_j kept.
      (local.set $m (f32.load (global.get $o)))
      (local.set $j (i32.const 1))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $q)))
        (local.set $m (f32.max (local.get $m)
          (f32.load (i32.add (global.get $o) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l1)))
      (local.set $s (f64.const 0))
      (local.set $j (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $q)))
        (local.set $ej (call $exp (f64.promote_f32 (f32.sub
          (f32.load (i32.add (global.get $o) (i32.shl (local.get $j) (i32.const 2))))
          (local.get $m)))))
        (f64.store (i32.add (global.get $e) (i32.shl (local.get $j) (i32.const 3))) (local.get $ej))
        (local.set $s (f64.add (local.get $s) (local.get $ej)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l2)))
      ;; loss = log s − (o_y − m)
      (local.set $loss (f64.add (local.get $loss) (f64.sub (call $log (local.get $s))
        (f64.promote_f32 (f32.sub
          (f32.load (i32.add (global.get $o) (i32.shl (local.get $y) (i32.const 2))))
          (local.get $m))))))
      ;; g_j = e_j / s − [j = y] into o (the padding stays 0).
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (i32.const 12)))
        (f32.store (i32.add (global.get $o) (i32.shl (local.get $j) (i32.const 2)))
          (if (result f32) (i32.lt_u (local.get $j) (local.get $q))
            (then (f32.sub
              (f32.demote_f64 (f64.div
                (f64.load (i32.add (global.get $e) (i32.shl (local.get $j) (i32.const 3))))
                (local.get $s)))
              (select (f32.const 1) (f32.const 0) (i32.eq (local.get $j) (local.get $y)))))
            (else (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l3)))
      (local.set $g0 (v128.load offset=0 (global.get $o)))
      (local.set $g1 (v128.load offset=16 (global.get $o)))
      (local.set $g2 (v128.load offset=32 (global.get $o)))
      ;; db += g
      (v128.store offset=0 (global.get $db)
        (f32x4.add (v128.load offset=0 (global.get $db)) (local.get $g0)))
      (v128.store offset=16 (global.get $db)
        (f32x4.add (v128.load offset=16 (global.get $db)) (local.get $g1)))
      (v128.store offset=32 (global.get $db)
        (f32x4.add (v128.load offset=32 (global.get $db)) (local.get $g2)))
      ;; dW[i] += x_i · g, for the pixels that are not 0
      (local.set $i (i32.const 0))
      (local.set $p (global.get $dw))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $i) (global.get $d)))
        (local.set $x (f32.load (i32.add (global.get $lut)
          (i32.shl (i32.load8_u (i32.add (local.get $img) (local.get $i))) (i32.const 2)))))
        (if (f32.ne (local.get $x) (f32.const 0)) (then
          (local.set $v (f32x4.splat (local.get $x)))
          (v128.store offset=0 (local.get $p) (f32x4.add (v128.load offset=0 (local.get $p))
            (f32x4.mul (local.get $v) (local.get $g0))))
          (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p))
            (f32x4.mul (local.get $v) (local.get $g1))))
          (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p))
            (f32x4.mul (local.get $v) (local.get $g2))))))
        (local.set $p (i32.add (local.get $p) (i32.const 48)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l4)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $examples)))
    ;; The step: W -= (lr / n) dW, b -= (lr / n) db (the lesson's sgd: p -= lr · g / n).
    (local.set $scale (f32x4.splat (f32.div (local.get $lr) (f32.convert_i32_u (local.get $n)))))
    (local.set $p (i32.const 0))
    (local.set $end (i32.mul (global.get $d) (i32.const 48)))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (i32.add (global.get $w) (local.get $p)) (f32x4.sub
        (v128.load (i32.add (global.get $w) (local.get $p)))
        (f32x4.mul (local.get $scale) (v128.load (i32.add (global.get $dw) (local.get $p))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l5)))
    (local.set $p (i32.const 0))
    (block $d6 (loop $l6
      (br_if $d6 (i32.ge_u (local.get $p) (i32.const 48)))
      (v128.store (i32.add (global.get $b) (local.get $p)) (f32x4.sub
        (v128.load (i32.add (global.get $b) (local.get $p)))
        (f32x4.mul (local.get $scale) (v128.load (i32.add (global.get $db) (local.get $p))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l6)))
    (i32.store (local.get $out) (local.get $correct))
    (local.get $loss))

  (func (export "evaluate") (param $images i32) (param $labels i32) (param $count i32)
    (param $q i32) (result i32)
    (local $k i32) (local $correct i32)
    (block $done (loop $examples
      (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
      (call $forward (i32.add (local.get $images) (i32.mul (local.get $k) (global.get $d))))
      (if (i32.eq (call $argmax (local.get $q))
          (i32.load8_u (i32.add (local.get $labels) (local.get $k)))) (then
        (local.set $correct (i32.add (local.get $correct) (i32.const 1)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $examples)))
    (local.get $correct))
)
`;
}

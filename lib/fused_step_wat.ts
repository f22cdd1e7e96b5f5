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
 * - `setup(lut, w, b, g, ptrs, db, o, e, d)`: where the table, `W` [d, 12], `b` [12], a
 *   batch's gradient rows `G` [n, 12] and image addresses [n], `b`'s gradient sum, the logits
 *   row `o` [12] (float32) and the exponentials `e` [12] (float64) live; `d` is the pixels per
 *   image.
 * - `train_batch(images, labels, order, start, n, q, lr, out)`: one SGD step on the `n`
 *   examples `order[start … start + n)`. First, per example: the logits `o = xW + b` (pixels
 *   that are 0 skipped), the max-shifted softmax, the loss `log Σ exp(o − m) − (o_y − m)`, the
 *   first argmax, and the row `g = softmax(o) − onehot(y)` of `G`, summed into `db`. Then, four
 *   pixels at a time, their rows of `dW = XᵀG`, summed over the batch in registers (an
 *   example whose four pixels are all 0 is skipped), and at once `W -= (lr / n) dW` for those
 *   rows; last `b -= (lr / n) db`. Returns the batch's summed loss (float64) and writes its
 *   number of correct predictions at `out`.
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

/**
 * The module's text. With `relaxed`, every multiply-add is one `f32x4.relaxed_madd` (a fused
 * multiply-add where the processor has one: fewer instructions, a slightly different rounding);
 * without, a multiplication and an addition, for engines without relaxed SIMD.
 */
export function fusedStepWat(options: { relaxed?: boolean } = {}): string {
  /** \`c + a · b\` as one vector expression. */
  const madd = (a: string, b: string, c: string) =>
    options.relaxed
      ? `(f32x4.relaxed_madd ${a} ${b} ${c})`
      : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;
  // acc += v · W[i], one of the three vectors of a padded row of W (at its byte offset).
  const rowMadd = (acc: string, at: number, base: string) =>
    `(local.set $${acc} ${
      madd("(local.get $v)", `(v128.load offset=${at} (local.get ${base}))`, `(local.get $${acc})`)
    })`;

  // The backward pass and the step for P pixels from $p0: their gradient rows, summed over the
  // batch in registers (x · g per example, skipped when all P pixels are 0), then
  // W[p0 + j] -= scale · that sum. P = 4 reads the four pixels as one 32-bit load.
  const backward = (P: number) => {
    const accs = Array.from({ length: P }, (_, j) => [0, 1, 2].map((k) => `$a${j}${k}`));
    const pixel = (j: number) =>
      P === 1
        ? `(i32.load8_u (i32.add (local.get $img) (local.get $p0)))`
        : `(i32.and (i32.shr_u (local.get $bytes) (i32.const ${8 * j})) (i32.const 255))`;
    return `
        ${accs.flat().map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join("\n        ")}
        (local.set $k (i32.const 0))
        (block $ex_done (loop $ex
          (br_if $ex_done (i32.ge_u (local.get $k) (local.get $n)))
          (local.set $img (i32.load (i32.add (global.get $ptrs) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $bytes ${
      P === 1
        ? "(i32.load8_u (i32.add (local.get $img) (local.get $p0)))"
        : "(i32.load (i32.add (local.get $img) (local.get $p0)))"
    })
          (if (i32.ne (local.get $bytes) (i32.const 0)) (then
            (local.set $gp (i32.add (global.get $g) (i32.mul (local.get $k) (i32.const 48))))
            (local.set $g0 (v128.load offset=0 (local.get $gp)))
            (local.set $g1 (v128.load offset=16 (local.get $gp)))
            (local.set $g2 (v128.load offset=32 (local.get $gp)))
            ${
      accs.map((row, j) =>
        `(local.set $v (f32x4.splat (f32.load (i32.add (global.get $lut) (i32.shl ${
          P === 1 ? "(local.get $bytes)" : pixel(j)
        } (i32.const 2))))))
            ${
          row.map((a, k) =>
            `(local.set ${a} ${madd("(local.get $v)", `(local.get $g${k})`, `(local.get ${a})`)})`
          ).join("\n            ")
        }`
      ).join("\n            ")
    }))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $ex)))
        ${
      accs.map((row, j) =>
        row.map((a, k) =>
          `(local.set $wp (i32.add (global.get $w) (i32.add (i32.mul (i32.add (local.get $p0) (i32.const ${j})) (i32.const 48)) (i32.const ${
            16 * k
          }))))
        (v128.store (local.get $wp) (f32x4.sub (v128.load (local.get $wp)) (f32x4.mul (local.get $scale) (local.get ${a}))))`
        ).join("\n        ")
      ).join("\n        ")
    }`;
  };
  return `(module
  (import "env" "memory" (memory 1))
  (import "env" "exp" (func $exp (param f64) (result f64)))
  (import "env" "log" (func $log (param f64) (result f64)))
  (global $lut (mut i32) (i32.const 0))
  (global $w (mut i32) (i32.const 0))
  (global $b (mut i32) (i32.const 0))
  (global $g (mut i32) (i32.const 0))
  (global $ptrs (mut i32) (i32.const 0))
  (global $db (mut i32) (i32.const 0))
  (global $o (mut i32) (i32.const 0))
  (global $e (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))

  (func (export "setup") (param $lut i32) (param $w i32) (param $b i32) (param $g i32)
    (param $ptrs i32) (param $db i32) (param $o i32) (param $e i32) (param $d i32)
    (global.set $lut (local.get $lut)) (global.set $w (local.get $w))
    (global.set $b (local.get $b)) (global.set $g (local.get $g))
    (global.set $ptrs (local.get $ptrs))
    (global.set $db (local.get $db)) (global.set $o (local.get $o))
    (global.set $e (local.get $e)) (global.set $d (local.get $d)))

  ;; The logits of the image at $img (d bytes) into o[0 .. 12).
  ;; Four sets of accumulators, one per pixel of a group of four, so that consecutive
  ;; multiply-adds do not wait for each other; summed at the end.
  (func $forward (param $img i32)
    (local $i i32) (local $bytes i32) (local $v v128) (local $wp i32)
    ${
    [0, 1, 2, 3].map((j) => `(local $s${j}0 v128) (local $s${j}1 v128) (local $s${j}2 v128)`).join(
      "\n    ",
    )
  }
    (local.set $s00 (v128.load offset=0 (global.get $b)))
    (local.set $s01 (v128.load offset=16 (global.get $b)))
    (local.set $s02 (v128.load offset=32 (global.get $b)))
    (local.set $wp (global.get $w))
    ;; Four pixels at a time (one 32-bit load), then one at a time for the rest.
    (block $done (loop $pixels
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (global.get $d)))
      (local.set $bytes (i32.load (i32.add (local.get $img) (local.get $i))))
      ${
    [0, 1, 2, 3].map((j) =>
      `(local.set $v (f32x4.splat (f32.load (i32.add (global.get $lut) (i32.shl
        (i32.and (i32.shr_u (local.get $bytes) (i32.const ${
        8 * j
      })) (i32.const 255)) (i32.const 2))))))
      ${rowMadd(`s${j}0`, 48 * j, "$wp")}
      ${rowMadd(`s${j}1`, 48 * j + 16, "$wp")}
      ${rowMadd(`s${j}2`, 48 * j + 32, "$wp")}`
    ).join("\n      ")
  }
      (local.set $wp (i32.add (local.get $wp) (i32.const 192)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $pixels)))
    (block $tail_done (loop $tail
      (br_if $tail_done (i32.ge_u (local.get $i) (global.get $d)))
      (local.set $v (f32x4.splat (f32.load (i32.add (global.get $lut)
        (i32.shl (i32.load8_u (i32.add (local.get $img) (local.get $i))) (i32.const 2))))))
      ${rowMadd("s00", 0, "$wp")}
      ${rowMadd("s01", 16, "$wp")}
      ${rowMadd("s02", 32, "$wp")}
      (local.set $wp (i32.add (local.get $wp) (i32.const 48)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    ${
    [0, 1, 2].map((k) =>
      `(v128.store offset=${16 * k} (global.get $o) (f32x4.add
      (f32x4.add (local.get $s0${k}) (local.get $s1${k})) (f32x4.add (local.get $s2${k}) (local.get $s3${k}))))`
    ).join("\n    ")
  })

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
    (local $v v128) (local $p i32) (local $p0 i32) (local $bytes i32) (local $gp i32) (local $wp i32)
    (local $m f32) (local $s f64) (local $ej f64) (local $loss f64)
    (local $correct i32) (local $g0 v128) (local $g1 v128) (local $g2 v128)
    (local $scale v128)
    ${
    Array.from({ length: 4 }, (_, j) => [0, 1, 2].map((k) => `(local $a${j}${k} v128)`).join(" "))
      .join("\n    ")
  }
    (memory.fill (global.get $db) (i32.const 0) (i32.const 48))
    ;; Forward, per example: logits, loss, accuracy, and g = softmax(o) − onehot(y), kept in
    ;; G[k] with the image's address in ptrs[k]; db += g.
    (block $examples_done (loop $examples
      (br_if $examples_done (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $idx (i32.load (i32.add (local.get $order)
        (i32.shl (i32.add (local.get $start) (local.get $k)) (i32.const 2)))))
      (local.set $img (i32.add (local.get $images) (i32.mul (local.get $idx) (global.get $d))))
      (i32.store (i32.add (global.get $ptrs) (i32.shl (local.get $k) (i32.const 2))) (local.get $img))
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
      ;; G[k]_j = e_j / s − [j = y] (the padding stays 0).
      (local.set $gp (i32.add (global.get $g) (i32.mul (local.get $k) (i32.const 48))))
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (i32.const 12)))
        (f32.store (i32.add (local.get $gp) (i32.shl (local.get $j) (i32.const 2)))
          (if (result f32) (i32.lt_u (local.get $j) (local.get $q))
            (then (f32.sub
              (f32.demote_f64 (f64.div
                (f64.load (i32.add (global.get $e) (i32.shl (local.get $j) (i32.const 3))))
                (local.get $s)))
              (select (f32.const 1) (f32.const 0) (i32.eq (local.get $j) (local.get $y)))))
            (else (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l3)))
      ;; db += g
      (v128.store offset=0 (global.get $db)
        (f32x4.add (v128.load offset=0 (global.get $db)) (v128.load offset=0 (local.get $gp))))
      (v128.store offset=16 (global.get $db)
        (f32x4.add (v128.load offset=16 (global.get $db)) (v128.load offset=16 (local.get $gp))))
      (v128.store offset=32 (global.get $db)
        (f32x4.add (v128.load offset=32 (global.get $db)) (v128.load offset=32 (local.get $gp))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $examples)))
    ;; Backward and the step, four pixels at a time (then one at a time for the rest):
    ;; W[p] -= (lr / n) Σ_k x_k[p] G[k] (the lesson's sgd: p -= lr · g / n).
    (local.set $scale (f32x4.splat (f32.div (local.get $lr) (f32.convert_i32_u (local.get $n)))))
    (local.set $p0 (i32.const 0))
    (block $blocks_done (loop $blocks
      (br_if $blocks_done (i32.gt_u (i32.add (local.get $p0) (i32.const 4)) (global.get $d)))
      ${backward(4)}
      (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
      (br $blocks)))
    (block $tail_done (loop $tail
      (br_if $tail_done (i32.ge_u (local.get $p0) (global.get $d)))
      ${backward(1)}
      (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
      (br $tail)))
    ;; b -= (lr / n) db
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

/**
 * The WebAssembly text of the kit's matrix-product kernels for the wasm backend (see
 * {@linkcode ./wasm_matmul.ts}), generated here so that the unrolled variants stay readable
 * as one template each. `deno task build-wasm` compiles it (with the npm package `wabt`) into
 * {@linkcode ./wasm_matmul_bytes.ts}; a test checks that the committed bytes are this text's.
 *
 * The module imports the backend's own memory (`env.memory`) and works on tensors in place:
 * every argument named `a`, `b`, `ct`, `src` or `dst` is a byte offset into that memory,
 * every matrix is float32 and row-major.
 *
 * - `atbt1` … `atbt10`: the heart. For `A` [k, m] and `B` [k, n] it accumulates
 *   `Cᵀ[j0 + j, i] += Σ_{r0 ≤ r < r1} B[r, j0 + j] · A[r, i]` for `J` columns `j` of `B` and
 *   every `i < m4` (a multiple of 4), into `Cᵀ` [n, m]; when `r0 = 0` it starts from zero
 *   instead. Four neighbouring `i` are one SIMD vector, the `J` sums stay in registers
 *   while `r` walks down `A`'s rows (the caller keeps `r1 - r0` small so those rows stay in
 *   the processor's caches and address translation buffers), and `B[r, j]` is broadcast
 *   from memory. Reading `A` row-wise like this is what lets `Aᵀ · B` run without ever
 *   materialising `Aᵀ`.
 * - `atbtTail`: the same sum for the last `m mod 4` columns of `A`, one number at a time.
 * - `transpose`: `dst` [cols, rows] = `src` [rows, cols]ᵀ, in 8 × 8 tiles.
 *
 * @example The module names the functions the kernel calls
 * ```ts
 * import { wasmMatMulWat } from "./wasm_matmul_wat.ts";
 * const wat = wasmMatMulWat();
 * for (const name of ["atbt1", "atbt10", "atbtTail", "transpose"]) {
 *   if (!wat.includes(`(export "${name}")`)) throw new Error(name);
 * }
 * ```
 *
 * @module
 */

/** The widest `J` of the `atbtJ` functions: ten accumulators plus two temporaries fit x86-64's 16 SIMD registers. */
export const MAX_COLUMNS = 10;

const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (x: string, y: string) => `(i32.add ${x} ${y})`;
const mul = (x: string, y: string) => `(i32.mul ${x} ${y})`;
const bytes = (x: string) => `(i32.shl ${x} (i32.const 2))`;
/** The smaller of two unsigned i32 expressions (`x` when they are equal). */
const minU = (x: string, y: string) => `(select ${x} ${y} (i32.lt_u ${x} ${y}))`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `atbtJ`: `J` columns of `Cᵀ`, over the rows `[r0, r1)` of `A` and `B` (see the module doc). */
function atbt(J: number): string {
  // Row j of this i-chunk of Cᵀ sits j·m floats after the chunk's first number.
  const rowOfCt = (j: number) => add(get("pc"), mul(`(i32.const ${j})`, get("mb")));
  return `
  (func (export "atbt${J}")
    (param $a i32) (param $b i32) (param $ct i32) (param $m i32) (param $n i32) (param $m4 i32)
    (param $j0 i32) (param $r0 i32) (param $r1 i32)
    (local $i i32) (local $pa i32) (local $pb i32) (local $end i32) (local $pc i32)
    (local $mb i32) (local $nb i32) (local $av v128)
    ${range(J).map((j) => `(local $s${j} v128)`).join(" ")}
    ${set("mb", bytes(get("m")))}
    ${set("nb", bytes(get("n")))}
    ${set("i", "(i32.const 0)")}
    (block $done (loop $chunks
      (br_if $done (i32.ge_u ${get("i")} ${get("m4")}))
      ${set("pc", add(get("ct"), bytes(add(mul(get("j0"), get("m")), get("i")))))}
      ${
    range(J).map((j) =>
      set(
        `s${j}`,
        `(if (result v128) (i32.eqz ${get("r0")}) (then (v128.const i64x2 0 0)) ` +
          `(else (v128.load ${rowOfCt(j)})))`,
      )
    ).join("\n      ")
  }
      ${set("pa", add(get("a"), bytes(add(mul(get("r0"), get("m")), get("i")))))}
      ${set("pb", add(get("b"), bytes(add(mul(get("r0"), get("n")), get("j0")))))}
      ${set("end", add(get("pa"), mul(`(i32.sub ${get("r1")} ${get("r0")})`, get("mb"))))}
      (loop $rows
        ${set("av", `(v128.load ${get("pa")})`)}
        ${
    range(J).map((j) =>
      set(
        `s${j}`,
        `(f32x4.add ${get(`s${j}`)} ` +
          `(f32x4.mul ${get("av")} (v128.load32_splat offset=${4 * j} ${get("pb")})))`,
      )
    ).join("\n        ")
  }
        ${set("pa", add(get("pa"), get("mb")))}
        ${set("pb", add(get("pb"), get("nb")))}
        (br_if $rows (i32.lt_u ${get("pa")} ${get("end")})))
      ${range(J).map((j) => `(v128.store ${rowOfCt(j)} ${get(`s${j}`)})`).join("\n      ")}
      ${set("i", add(get("i"), "(i32.const 4)"))}
      (br $chunks)))
  )`;
}

/** `atbtTail`: `Cᵀ[j, i]` for `i0 ≤ i < m` and every `j`, over all `k` rows. */
const ATBT_TAIL = `
  (func (export "atbtTail")
    (param $a i32) (param $b i32) (param $ct i32) (param $k i32) (param $m i32) (param $n i32)
    (param $i0 i32)
    (local $i i32) (local $j i32) (local $r i32) (local $s f32)
    ${set("i", get("i0"))}
    (block $iDone (loop $iLoop
      (br_if $iDone (i32.ge_u ${get("i")} ${get("m")}))
      ${set("j", "(i32.const 0)")}
      (block $jDone (loop $jLoop
        (br_if $jDone (i32.ge_u ${get("j")} ${get("n")}))
        ${set("s", "(f32.const 0)")}
        ${set("r", "(i32.const 0)")}
        (block $rDone (loop $rLoop
          (br_if $rDone (i32.ge_u ${get("r")} ${get("k")}))
          ${
  set(
    "s",
    `(f32.add ${get("s")} (f32.mul ` +
      `(f32.load ${add(get("a"), bytes(add(mul(get("r"), get("m")), get("i"))))}) ` +
      `(f32.load ${add(get("b"), bytes(add(mul(get("r"), get("n")), get("j"))))})))`,
  )
}
          ${set("r", add(get("r"), "(i32.const 1)"))}
          (br $rLoop)))
        (f32.store ${add(get("ct"), bytes(add(mul(get("j"), get("m")), get("i"))))} ${get("s")})
        ${set("j", add(get("j"), "(i32.const 1)"))}
        (br $jLoop)))
      ${set("i", add(get("i"), "(i32.const 1)"))}
      (br $iLoop)))
  )`;

/** `transpose`: `dst[c, r] = src[r, c]` for `src` [rows, cols], tile by 8 × 8 tile. */
const TRANSPOSE = `
  (func (export "transpose")
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r0 i32) (local $c0 i32) (local $r i32) (local $c i32) (local $rEnd i32) (local $cEnd i32)
    ${set("r0", "(i32.const 0)")}
    (block $r0Done (loop $r0Loop
      (br_if $r0Done (i32.ge_u ${get("r0")} ${get("rows")}))
      ${set("rEnd", minU(get("rows"), add(get("r0"), "(i32.const 8)")))}
      ${set("c0", "(i32.const 0)")}
      (block $c0Done (loop $c0Loop
        (br_if $c0Done (i32.ge_u ${get("c0")} ${get("cols")}))
        ${set("cEnd", minU(get("cols"), add(get("c0"), "(i32.const 8)")))}
        ${set("r", get("r0"))}
        (block $rDone (loop $rLoop
          (br_if $rDone (i32.ge_u ${get("r")} ${get("rEnd")}))
          ${set("c", get("c0"))}
          (block $cDone (loop $cLoop
            (br_if $cDone (i32.ge_u ${get("c")} ${get("cEnd")}))
            (f32.store ${add(get("dst"), bytes(add(mul(get("c"), get("rows")), get("r"))))}
              (f32.load ${add(get("src"), bytes(add(mul(get("r"), get("cols")), get("c"))))}))
            ${set("c", add(get("c"), "(i32.const 1)"))}
            (br $cLoop)))
          ${set("r", add(get("r"), "(i32.const 1)"))}
          (br $rLoop)))
        ${set("c0", add(get("c0"), "(i32.const 8)"))}
        (br $c0Loop)))
      ${set("r0", add(get("r0"), "(i32.const 8)"))}
      (br $r0Loop)))
  )`;

/**
 * The whole module's text: `atbt1` … `atbt10`, `atbtTail` and `transpose`, importing its
 * memory as `env.memory`.
 */
export function wasmMatMulWat(): string {
  return `(module
  (import "env" "memory" (memory 0))
${range(MAX_COLUMNS).map((j) => atbt(j + 1)).join("\n")}
${ATBT_TAIL}
${TRANSPOSE}
)
`;
}

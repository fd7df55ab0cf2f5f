/**
 * The iALS kernel in WebAssembly text, f32x4 SIMD. Factor rows are padded to `fp` floats, a multiple of 16, so
 * every loop walks whole 64-byte chunks (four v128s); the padding stays 0 (G's padded rows and columns are 0,
 * so r, p and Ap are 0 there too). `rep(n, j => ...)` only unrolls text; there is no code generation at run time
 * beyond assembling this string.
 *
 * Memory (imported, owned by the driver): G (fp × fp f32), R, P, AP (fp each), T (one f32 per nonzero of the
 * longest row, plus 4 of slack), the factor matrices and, per direction, a CSR of row pointers, absolute byte
 * addresses of the fixed side's rows (`offs`) and c − 1 = alpha·value (`cm1`).
 *
 * One CG solve per row (ials.ts's `Cg.solve`, same steps):
 * 1. t_k = 1 + cm1_k − cm1_k (y_k·x);  r = −G x + Σ t_k y_k;  p = r;  rs = r·r.
 * 2. Per step while rs ≥ 1e-20: t_k = cm1_k (y_k·p);  Ap = G p + Σ t_k y_k (one pass per 16-float chunk of the
 *    output, fused with p·Ap);  a = rs / p·Ap;  x += a p;  r −= a Ap;  p = r + (r·r / rs) p.
 * Scalars (rs, a, β) are f64; vectors and G are f32, as in `implicit`.
 *
 * NOTE: the hot loops are shaped for V8's optimising compiler, which keeps at most 15 v128 values in registers
 * and issues a loop body's loads ahead of its arithmetic: a loop that needs more spills accumulators to the stack,
 * and each add then waits on a store and a reload (that cost about a third of the fit). So every hot loop keeps
 * loads + accumulators ≤ 15 and adds each product pair before it reaches an accumulator (one dependent add per
 * accumulator per pass); the loop bounds sit in locals, not globals, which V8 re-reads from memory.
 */
const rep = (n: number, line: (j: number) => string): string => Array.from({ length: n }, (_, j) => line(j)).join('\n');
const ZERO = '(v128.const i32x4 0 0 0 0)';
const madd = (acc: string, addr: string, off: number, by: string) =>
  `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.mul (v128.load offset=${off} ${addr}) ${by})))`;
/** acc_j += (load(p + off)·s + load(q + off)·u): two rows into one accumulator. */
const madd2 = (acc: string, p: string, q: string, off: number, s: string, u: string) =>
  `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.add (f32x4.mul (v128.load offset=${off} ${p}) ${s}) (f32x4.mul (v128.load offset=${off} ${q}) ${u}))))`;
const hsum = (v: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
/** An i8x16.shuffle's byte indices picking f32 lanes (0–3 from the first operand, 4–7 from the second). */
const lanes = (...l: number[]) => l.flatMap((k) => [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]).join(' ');
/** The two f64 pairs at addr + off += the four f32 lanes of v. */
const addF64 = (addr: string, off: number, v: string) =>
  `            (v128.store offset=${off} ${addr} (f64x2.add (v128.load offset=${off} ${addr}) (f64x2.promote_low_f32x4 (local.get ${v}))))
            (v128.store offset=${off + 16} ${addr} (f64x2.add (v128.load offset=${off + 16} ${addr}) (f64x2.promote_low_f32x4 (i8x16.shuffle ${lanes(2, 3, 0, 1)} (local.get ${v}) (local.get ${v})))))`;
const locals = (names: string[], type: string) => names.map((n) => `(local ${n} ${type})`).join(' ');
const A = ['$a0', '$a1', '$a2', '$a3'];
const B = ['$b0', '$b1', '$b2', '$b3'];
const W = ['$w0', '$w1', '$w2', '$w3'];
const Y4 = ['$y0', '$y1', '$y2', '$y3'];
/** Rows of F summed in f32 before a gram's partial sum is added into its f64 total. */
const GRAM_ROWS = 256;

export const IALS_WAT = `(module
  (import "env" "memory" (memory 1))
  (global $G (mut i32) (i32.const 0))
  (global $R (mut i32) (i32.const 0)) (global $P (mut i32) (i32.const 0)) (global $AP (mut i32) (i32.const 0))
  (global $T (mut i32) (i32.const 0)) (global $fp (mut i32) (i32.const 0)) (global $fb (mut i32) (i32.const 0))

  (func (export "init") (param $G i32) (param $R i32) (param $P i32) (param $AP i32) (param $T i32) (param $fp i32)
    (global.set $G (local.get $G)) (global.set $R (local.get $R)) (global.set $P (local.get $P))
    (global.set $AP (local.get $AP)) (global.set $T (local.get $T)) (global.set $fp (local.get $fp))
    (global.set $fb (i32.shl (local.get $fp) (i32.const 2))))

  ;; a · b over fp floats
  (func $dot (export "dot") (param $a i32) (param $b i32) (result f32) (local $end i32) ${locals(A, 'v128')}
    (local.set $end (i32.add (local.get $a) (global.get $fb)))
    (loop $l
${rep(4, (j) => madd(A[j]!, '(local.get $a)', 16 * j, `(v128.load offset=${16 * j} (local.get $b))`))}
      (local.set $a (i32.add (local.get $a) (i32.const 64))) (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (br_if $l (i32.lt_u (local.get $a) (local.get $end))))
    ${hsum('(f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))')})

  ;; T[k] = cm1_k (y_k·v) (mode 0), 1 + cm1_k − cm1_k (y_k·v) (mode 1) or y_k·v (mode 2), for y_k at offs[k], k < n;
  ;; rows four at a time, 32 bytes of each per pass against the same two loads of v, their sums transposed into one
  ;; vector [d0 d1 d2 d3]. Rows past the end repeat the group's first row (reading up to three offsets and c − 1
  ;; past it, inside the arrays' slack); their results land in T's slack and stay unread.
  (func $rowdots (export "rowdots") (param $v i32) (param $offs i32) (param $cm1 i32) (param $n i32) (param $mode i32)
    (local $end i32) (local $t i32) (local $c i32) (local $fb i32) ${locals(Y4, 'i32')} ${locals(A, 'v128')} ${locals(W.slice(0, 2), 'v128')}
    (local $d v128) (local $m v128)
    (local.set $fb (global.get $fb))
    (local.set $end (i32.add (local.get $offs) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $t (global.get $T))
    (block $done (loop $quad
      (br_if $done (i32.ge_u (local.get $offs) (local.get $end)))
      (local.set $y0 (i32.load (local.get $offs)))
${rep(3, (j) => `      (local.set ${Y4[j + 1]} (select (i32.load offset=${4 * (j + 1)} (local.get $offs)) (local.get $y0) (i32.lt_u (i32.add (local.get $offs) (i32.const ${4 * (j + 1)})) (local.get $end))))`)}
${rep(4, (j) => `      (local.set ${A[j]} ${ZERO})`)}
      (local.set $c (i32.const 0))
      (loop $l
${rep(2, (j) => `        (local.set ${W[j]} (v128.load offset=${16 * j} (i32.add (local.get $v) (local.get $c))))`)}
${rep(4, (r) => `        (local.set ${A[r]} (f32x4.add (local.get ${A[r]}) (f32x4.add ${rep(2, (j) => `(f32x4.mul (v128.load offset=${16 * j} (i32.add (local.get ${Y4[r]}) (local.get $c))) (local.get ${W[j]}))`)})))`)}
        (local.set $c (i32.add (local.get $c) (i32.const 32)))
        (br_if $l (i32.lt_u (local.get $c) (local.get $fb))))
      ;; [a0 a1 a2 a3] → [Σa0 Σa1 Σa2 Σa3]: pairwise interleaved adds, twice
      (local.set $w0 (f32x4.add (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $a0) (local.get $a1)) (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $a0) (local.get $a1))))
      (local.set $w1 (f32x4.add (i8x16.shuffle ${lanes(0, 4, 1, 5)} (local.get $a2) (local.get $a3)) (i8x16.shuffle ${lanes(2, 6, 3, 7)} (local.get $a2) (local.get $a3))))
      (local.set $d (f32x4.add (i8x16.shuffle ${lanes(0, 1, 4, 5)} (local.get $w0) (local.get $w1)) (i8x16.shuffle ${lanes(2, 3, 6, 7)} (local.get $w0) (local.get $w1))))
      (local.set $m (v128.load (local.get $cm1)))
      (v128.store (local.get $t) (if (result v128) (i32.eq (local.get $mode) (i32.const 1))
        (then (f32x4.sub (f32x4.add (f32x4.splat (f32.const 1)) (local.get $m)) (f32x4.mul (local.get $m) (local.get $d))))
        (else (select (local.get $d) (f32x4.mul (local.get $m) (local.get $d)) (local.get $mode)))))
      (local.set $offs (i32.add (local.get $offs) (i32.const 16))) (local.set $cm1 (i32.add (local.get $cm1) (i32.const 16)))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (br $quad))))

  ;; out = scale · G v + Σ_{k<n} T[k] y_k, one 16-float chunk of out at a time, two rows per pass into four
  ;; accumulators (more would not fit V8's 15 vector registers next to the loads, and spilled ones make the adds
  ;; wait on the stack); returns v · out
  (func $apply (export "apply") (param $v i32) (param $out i32) (param $scale f32) (param $offs i32) (param $n i32) (result f64)
    (local $c i32) (local $g i32) (local $h i32) (local $vp i32) (local $vend i32) (local $t i32) (local $o i32) (local $oend i32)
    (local $y i32) (local $z i32) (local $fb i32) (local $s v128) (local $u v128) (local $acc v128) ${locals(A, 'v128')}
    (local.set $fb (global.get $fb))
    (local.set $acc ${ZERO})
    (local.set $oend (i32.add (local.get $offs) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $v) (local.get $fb)))
    (local.set $c (i32.const 0))
    (loop $chunk
${rep(4, (j) => `      (local.set ${A[j]} ${ZERO})`)}
      ;; G v: rows b and b + 1 of G (= columns, G is symmetric) scaled by v[b], v[b + 1]
      (local.set $g (i32.add (global.get $G) (local.get $c)))
      (local.set $vp (local.get $v))
      (loop $gl
        (local.set $h (i32.add (local.get $g) (local.get $fb)))
        (local.set $s (f32x4.splat (f32.load (local.get $vp))))
        (local.set $u (f32x4.splat (f32.load offset=4 (local.get $vp))))
${rep(4, (j) => `        ${madd2(A[j]!, '(local.get $g)', '(local.get $h)', 16 * j, '(local.get $s)', '(local.get $u)')}`)}
        (local.set $g (i32.add (local.get $h) (local.get $fb)))
        (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
        (br_if $gl (i32.lt_u (local.get $vp) (local.get $vend))))
      (local.set $s (f32x4.splat (local.get $scale)))
      ;; + 0 keeps the padding +0 (not −0) when the scale is negative
${rep(4, (j) => `      (local.set ${A[j]} (f32x4.add (f32x4.mul (local.get ${A[j]}) (local.get $s)) ${ZERO}))`)}
      ;; Σ T[k] y_k, two rows at a time
      (local.set $t (global.get $T))
      (local.set $o (local.get $offs))
      (block $pd (loop $pl
        (br_if $pd (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $oend)))
        (local.set $y (i32.add (i32.load (local.get $o)) (local.get $c)))
        (local.set $z (i32.add (i32.load offset=4 (local.get $o)) (local.get $c)))
        (local.set $s (f32x4.splat (f32.load (local.get $t))))
        (local.set $u (f32x4.splat (f32.load offset=4 (local.get $t))))
${rep(4, (j) => `        ${madd2(A[j]!, '(local.get $y)', '(local.get $z)', 16 * j, '(local.get $s)', '(local.get $u)')}`)}
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (local.set $t (i32.add (local.get $t) (i32.const 8)))
        (br $pl)))
      (if (i32.lt_u (local.get $o) (local.get $oend)) (then
        (local.set $y (i32.add (i32.load (local.get $o)) (local.get $c)))
        (local.set $s (f32x4.splat (f32.load (local.get $t))))
${rep(4, (j) => `        ${madd(A[j]!, '(local.get $y)', 16 * j, '(local.get $s)')}`)}))
      (local.set $y (i32.add (local.get $out) (local.get $c)))
      (local.set $z (i32.add (local.get $v) (local.get $c)))
${rep(4, (j) => `      (v128.store offset=${16 * j} (local.get $y) (local.get ${A[j]}))
      ${madd('$acc', '(local.get $z)', 16 * j, `(local.get ${A[j]})`)}`)}
      (local.set $c (i32.add (local.get $c) (i32.const 64)))
      (br_if $chunk (i32.lt_u (local.get $c) (local.get $fb))))
    (f64.promote_f32 ${hsum('(local.get $acc)')}))

  ;; x += a p;  r −= a Ap;  returns r · r
  (func $update (param $x i32) (param $a f32) (result f64) (local $c i32) (local $s v128) (local $r v128) (local $acc v128)
    (local.set $s (f32x4.splat (local.get $a)))
    (local.set $acc ${ZERO})
    (loop $l
      (v128.store (i32.add (local.get $x) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $x) (local.get $c)))
        (f32x4.mul (local.get $s) (v128.load (i32.add (global.get $P) (local.get $c))))))
      (local.set $r (f32x4.sub (v128.load (i32.add (global.get $R) (local.get $c)))
        (f32x4.mul (local.get $s) (v128.load (i32.add (global.get $AP) (local.get $c))))))
      (v128.store (i32.add (global.get $R) (local.get $c)) (local.get $r))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $r) (local.get $r))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $l (i32.lt_u (local.get $c) (global.get $fb))))
    (f64.promote_f32 ${hsum('(local.get $acc)')}))

  ;; p = r + β p
  (func $direction (param $beta f32) (local $c i32) (local $s v128)
    (local.set $s (f32x4.splat (local.get $beta)))
    (loop $l
      (v128.store (i32.add (global.get $P) (local.get $c)) (f32x4.add (v128.load (i32.add (global.get $R) (local.get $c)))
        (f32x4.mul (local.get $s) (v128.load (i32.add (global.get $P) (local.get $c))))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $l (i32.lt_u (local.get $c) (global.get $fb)))))

  ;; T[k] = 1 + cm1_k − cm1_k d_k for k < n (rowdots' mode 1 from saved dots d), four at a time into T's slack
  (func $fromdots (param $d i32) (param $cm1 i32) (param $n i32) (local $t i32) (local $end i32) (local $m v128)
    (local.set $t (global.get $T))
    (local.set $end (i32.add (local.get $t) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $m (v128.load (local.get $cm1)))
      (v128.store (local.get $t) (f32x4.sub (f32x4.add (f32x4.splat (f32.const 1)) (local.get $m)) (f32x4.mul (local.get $m) (v128.load (local.get $d)))))
      (local.set $t (i32.add (local.get $t) (i32.const 16))) (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $cm1 (i32.add (local.get $cm1) (i32.const 16)))
      (br $l))))

  ;; CG-updates rows [r0, r1) of the matrix at $target (see the header); an empty row becomes 0
  ;; With $dots ≠ 0 (an address: memory below 64 is never handed out), step 1's y_k·x come from there (observed's
  ;; copy, per nonzero in this CSR's order) instead of a pass over the rows.
  (func (export "solve") (param $indptr i32) (param $offs i32) (param $cm1 i32) (param $target i32) (param $r0 i32) (param $r1 i32) (param $steps i32) (param $dots i32)
    (local $ks i32) (local $n i32) (local $x i32) (local $o i32) (local $m i32) (local $step i32) (local $rs f64) (local $next f64)
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $r0) (local.get $r1)))
      (local.set $ks (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r0) (i32.const 2)))))
      (local.set $n (i32.sub (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r0) (i32.const 2)))) (local.get $ks)))
      (local.set $x (i32.add (local.get $target) (i32.mul (local.get $r0) (global.get $fb))))
      (if (i32.eqz (local.get $n)) (then (memory.fill (local.get $x) (i32.const 0) (global.get $fb))) (else
        (local.set $o (i32.add (local.get $offs) (i32.shl (local.get $ks) (i32.const 2))))
        (local.set $m (i32.add (local.get $cm1) (i32.shl (local.get $ks) (i32.const 2))))
        ;; 1.
        (if (local.get $dots) (then (call $fromdots (i32.add (local.get $dots) (i32.shl (local.get $ks) (i32.const 2))) (local.get $m) (local.get $n)))
          (else (call $rowdots (local.get $x) (local.get $o) (local.get $m) (local.get $n) (i32.const 1))))
        (drop (call $apply (local.get $x) (global.get $R) (f32.const -1) (local.get $o) (local.get $n)))
        (memory.copy (global.get $P) (global.get $R) (global.get $fb))
        (local.set $rs (f64.promote_f32 (call $dot (global.get $R) (global.get $R))))
        ;; 2.
        (local.set $step (i32.const 0))
        (block $cg_done (loop $cg
          (br_if $cg_done (i32.ge_u (local.get $step) (local.get $steps)))
          (br_if $cg_done (i32.eqz (f64.ge (local.get $rs) (f64.const 1e-20))))
          (call $rowdots (global.get $P) (local.get $o) (local.get $m) (local.get $n) (i32.const 0))
          (local.set $next (call $update (local.get $x) (f32.demote_f64 (f64.div (local.get $rs)
            (call $apply (global.get $P) (global.get $AP) (f32.const 1) (local.get $o) (local.get $n))))))
          (call $direction (f32.demote_f64 (f64.div (local.get $next) (local.get $rs))))
          (local.set $rs (local.get $next))
          (local.set $step (i32.add (local.get $step) (i32.const 1)))
          (br $cg)))))
      (local.set $r0 (i32.add (local.get $r0) (i32.const 1)))
      (br $rows))))

  ;; In place over n nonzeros: offs[k] = fixed + offs[k]·fb (a row index becomes its row's address) and
  ;; cm1[k] = alpha · cm1[k] (a value becomes c − 1; the product in f64, rounded once, as in the TypeScript path)
  (func (export "prepare") (param $offs i32) (param $cm1 i32) (param $n i32) (param $fixed i32) (param $alpha f64) (local $end i32)
    (local.set $end (i32.add (local.get $offs) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $offs) (local.get $end)))
      (i32.store (local.get $offs) (i32.add (local.get $fixed) (i32.mul (i32.load (local.get $offs)) (global.get $fb))))
      (f32.store (local.get $cm1) (f32.demote_f64 (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load (local.get $cm1))))))
      (local.set $offs (i32.add (local.get $offs) (i32.const 4))) (local.set $cm1 (i32.add (local.get $cm1) (i32.const 4)))
      (br $l))))

  ;; Σ over the nonzeros of rows [0, rows): (c − 1) s² − 2 c s + c with s = x_u · y_i, c = 1 + cm1 (f64 sum)
  ;; also copies each s to dots (per nonzero, in this CSR's order), for the next sweep over these rows
  (func (export "observed") (param $indptr i32) (param $offs i32) (param $cm1 i32) (param $X i32) (param $rows i32) (param $dots i32) (result f64)
    (local $u i32) (local $ks i32) (local $n i32) (local $k i32) (local $s f64) (local $m f64) (local $total f64)
    (block $done (loop $users
      (br_if $done (i32.ge_u (local.get $u) (local.get $rows)))
      (local.set $ks (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
      (local.set $n (i32.sub (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))) (local.get $ks)))
      (call $rowdots (i32.add (local.get $X) (i32.mul (local.get $u) (global.get $fb))) (i32.add (local.get $offs) (i32.shl (local.get $ks) (i32.const 2)))
        (i32.add (local.get $cm1) (i32.shl (local.get $ks) (i32.const 2))) (local.get $n) (i32.const 2))
      (memory.copy (i32.add (local.get $dots) (i32.shl (local.get $ks) (i32.const 2))) (global.get $T) (i32.shl (local.get $n) (i32.const 2)))
      (local.set $k (i32.const 0))
      (block $row_done (loop $row
        (br_if $row_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $s (f64.promote_f32 (f32.load (i32.add (global.get $T) (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $m (f64.promote_f32 (f32.load (i32.add (local.get $cm1) (i32.shl (i32.add (local.get $ks) (local.get $k)) (i32.const 2))))))
        (local.set $total (f64.add (local.get $total) (f64.add (f64.sub (f64.mul (f64.mul (local.get $m) (local.get $s)) (local.get $s))
          (f64.mul (f64.mul (f64.const 2) (f64.add (f64.const 1) (local.get $m))) (local.get $s))) (f64.add (f64.const 1) (local.get $m)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $row)))
      (local.set $u (i32.add (local.get $u) (i32.const 1)))
      (br $users)))
    (local.get $total))

  ;; out (fp × fp f64) = FᵀF over F's n rows, as blocks of 16 columns on and above the diagonal's blocks (so every
  ;; (a, b ≥ a) entry): two columns a, a + 1 against one block at a time in eight accumulators, summed in f32 over
  ;; GRAM_ROWS rows and across those in f64.
  (func (export "gram") (param $F i32) (param $n i32) (param $out i32)
    (local $fb i32) (local $r0 i32) (local $r1 i32) (local $cb i32) (local $a i32) (local $row i32) (local $rend i32) (local $o i32)
    (local $s v128) (local $u v128) ${locals(A, 'v128')} ${locals(B, 'v128')} ${locals(W, 'v128')}
    (local.set $fb (global.get $fb))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $fb) (i32.shl (global.get $fp) (i32.const 1))))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $r0) (local.get $n)))
      (local.set $r1 (select (local.get $n) (i32.add (local.get $r0) (i32.const ${GRAM_ROWS})) (i32.lt_u (i32.sub (local.get $n) (local.get $r0)) (i32.const ${GRAM_ROWS}))))
      (local.set $cb (i32.const 0))
      (loop $blocks16
        (local.set $a (i32.const 0))
        (loop $pairs
${rep(4, (j) => `          (local.set ${A[j]} ${ZERO}) (local.set ${B[j]} ${ZERO})`)}
          (local.set $row (i32.add (local.get $F) (i32.mul (local.get $r0) (local.get $fb))))
          (local.set $rend (i32.add (local.get $F) (i32.mul (local.get $r1) (local.get $fb))))
          (loop $rows
${rep(4, (j) => `            (local.set ${W[j]} (v128.load offset=${16 * j} (i32.add (local.get $row) (local.get $cb))))`)}
            (local.set $s (f32x4.splat (f32.load (i32.add (local.get $row) (local.get $a)))))
            (local.set $u (f32x4.splat (f32.load offset=4 (i32.add (local.get $row) (local.get $a)))))
${rep(4, (j) => `            (local.set ${A[j]} (f32x4.add (local.get ${A[j]}) (f32x4.mul (local.get ${W[j]}) (local.get $s))))
            (local.set ${B[j]} (f32x4.add (local.get ${B[j]}) (f32x4.mul (local.get ${W[j]}) (local.get $u))))`)}
            (local.set $row (i32.add (local.get $row) (local.get $fb)))
            (br_if $rows (i32.lt_u (local.get $row) (local.get $rend))))
          ;; out rows a, a + 1 (f64, 2·fb bytes each), columns cb .. cb + 15 (byte offset 2·cb)
          (local.set $o (i32.add (local.get $out) (i32.add (i32.mul (i32.shr_u (local.get $a) (i32.const 2)) (i32.shl (local.get $fb) (i32.const 1))) (i32.shl (local.get $cb) (i32.const 1)))))
${rep(4, (j) => `${addF64('(local.get $o)', 32 * j, A[j]!)}\n${addF64('(i32.add (local.get $o) (i32.shl (local.get $fb) (i32.const 1)))', 32 * j, B[j]!)}`)}
          (local.set $a (i32.add (local.get $a) (i32.const 8)))
          (br_if $pairs (i32.lt_u (local.get $a) (i32.add (local.get $cb) (i32.const 64)))))
        (local.set $cb (i32.add (local.get $cb) (i32.const 64)))
        (br_if $blocks16 (i32.lt_u (local.get $cb) (local.get $fb))))
      (local.set $r0 (local.get $r1))
      (br $blocks))))
)`;

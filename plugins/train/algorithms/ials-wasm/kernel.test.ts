import { describe, expect, test } from 'vitest';
import { mulberry32, type Rows } from '../common.js';
import { Cg, fitIals, gram, symv } from '../ials.js';
import { randomMatrix, testContext } from '../testing.js';
import { ialsKernel, KernelMemory } from './kernel.js';

// Tolerances: the kernel works in f32 (vectors, G) where the TypeScript path works in f64, so single kernels
// agree to a few f32 ulps of their inputs' scale (1e-5 relative here), one CG solve to 1e-4, and whole loss
// curves to 1e-4 relative (measured: ≤ 3e-5 at 8 to 64 factors).
const module = await ialsKernel();
if (module === undefined) throw new Error('WebAssembly SIMD is not available in this runtime');

const random = mulberry32(11);
const vector = (n: number) => Float64Array.from({ length: n }, () => random() * 2 - 1);
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

const rowBytes = (f: number) => Math.ceil(f / 16) * 64;
/** An fp × fp f64 gram's bytes. */
const gramBytes = (f: number) => (rowBytes(f) / 4) ** 2 * 8;

/** A kernel memory with `f` factors, `n` factor rows at Y and one CSR row over all of them, filled from f64 inputs. */
function setup(f: number, Y: Float64Array, values: Float64Array) {
  const n = values.length;
  const mem = new KernelMemory(module!, f, n, [n * rowBytes(f), 8, n * 4, n * 4, rowBytes(f), rowBytes(f)]);
  const fb = mem.fp * 4;
  const [Yw, indptr, offs, cm1, x, v] = [mem.take(n * fb), mem.take(8), mem.take(n * 4), mem.take(n * 4), mem.take(fb), mem.take(fb)];
  for (let r = 0; r < n; r++) mem.f32(Yw + r * fb, f).set(Y.subarray(r * f, (r + 1) * f));
  mem.i32(indptr, 2).set([0, n]);
  mem.i32(offs, n).set(Array.from({ length: n }, (_, r) => Yw + r * fb));
  mem.f32(cm1, n).set(values);
  return { mem, indptr, offs, cm1, x, v };
}

describe('ials kernel', () => {
  test('dot, G·v (apply with no rows) and G·v + Σ t_k y_k equal the TypeScript sums', () => {
    const f = 37; // padded to 48: the padding must stay out of every sum
    const Y = vector(5 * f);
    const { mem, offs, cm1, v } = setup(f, Y, Float64Array.from([0.5, 1, 2, 3, 4]));
    const G = new Float64Array(f * f);
    gram(Float32Array.from(Y), 5, f, 0.1, G);
    const vv = Float32Array.from(vector(f));
    mem.f32(v, f).set(vv);
    const G32 = mem.f32(mem.G, mem.fp * mem.fp);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) G32[a * mem.fp + b] = G[a * f + b]!;

    const dot = [...vv].reduce((s, x) => s + x * x, 0);
    expect(Math.abs(mem.kernel.dot(v, v) - dot)).toBeLessThan(1e-5 * dot);

    const expected = new Float64Array(f);
    symv(G, Float64Array.from(vv), expected, f, -1);
    mem.kernel.apply(v, mem.AP, -1, offs, 0);
    const got = mem.f32(mem.AP, mem.fp);
    for (let a = 0; a < f; a++) expect(Math.abs(got[a]! - expected[a]!)).toBeLessThan(1e-5 * norm(expected));
    expect([...got.subarray(f)]).toEqual(new Array(mem.fp - f).fill(0));

    // T[k] = (c − 1)(y_k·v) (mode 0), then Ap = G v + Σ T[k] y_k, returning v·Ap
    mem.kernel.rowdots(v, offs, cm1, 5, 0);
    const ap = new Float64Array(f);
    symv(G, Float64Array.from(vv), ap, f, 1);
    [0.5, 1, 2, 3, 4].forEach((c, k) => {
      const t = c * Y.subarray(k * f, (k + 1) * f).reduce((s, y, a) => s + y * vv[a]!, 0);
      for (let a = 0; a < f; a++) ap[a]! += t * Y[k * f + a]!;
    });
    const pap = mem.kernel.apply(v, mem.AP, 1, offs, 5);
    for (let a = 0; a < f; a++) expect(Math.abs(got[a]! - ap[a]!)).toBeLessThan(1e-5 * norm(ap));
    const papExpected = ap.reduce((s, x, a) => s + x * vv[a]!, 0);
    expect(Math.abs(pap - papExpected)).toBeLessThan(1e-5 * norm(ap) * norm(vv));
  });

  test('one CG row solve (3 steps, an odd number of nonzeros) equals Cg.solve', () => {
    const [f, n, alpha, steps] = [20, 7, 2, 3];
    const Y = vector(n * f).map((y) => y * 0.5);
    const values = Float64Array.from({ length: n }, (_, k) => 1 + (k % 3));
    const { mem, indptr, offs, cm1, x } = setup(f, Y, values.map((v) => alpha * v));
    const G = new Float64Array(f * f);
    gram(Float32Array.from(Y), n, f, 0.05, G);
    const G32 = mem.f32(mem.G, mem.fp * mem.fp);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) G32[a * mem.fp + b] = G[a * f + b]!;
    const x0 = Float32Array.from(vector(f).map((v) => v * 0.1));
    mem.f32(x, f).set(x0);

    const rows: Rows = { indptr: Int32Array.from([0, n]), indices: Int32Array.from({ length: n }, (_, k) => k), values: Float32Array.from(values) };
    const X = Float32Array.from(x0);
    new Cg(f).solve(rows, 0, X, Float32Array.from(Y), G, alpha, steps);
    mem.kernel.solve(indptr, offs, cm1, x, 0, 1, steps, 0);
    const got = mem.f32(x, f);
    expect(norm(X.map((v, a) => v - got[a]!))).toBeLessThan(1e-4 * norm(X));
  });

  test('step 1 from saved dots (the loss pass\'s y·x) is bit for bit step 1 from a pass over the rows', () => {
    const [f, n] = [40, 6];
    const { mem, indptr, offs, cm1, x } = setup(f, vector(n * f).map((y) => y * 0.5), Float64Array.from({ length: n }, (_, k) => 1 + k));
    const G32 = mem.f32(mem.G, mem.fp * mem.fp);
    for (let a = 0; a < f; a++) G32[a * mem.fp + a] = 1 + a / f;
    const x0 = Float32Array.from(vector(f));
    const dots = mem.take(n * 4);
    const solved = (saved: number) => {
      mem.f32(x, f).set(x0);
      mem.kernel.solve(indptr, offs, cm1, x, 0, 1, 3, saved);
      return [...mem.f32(x, f)];
    };
    const fromRows = solved(0);
    mem.f32(x, f).set(x0);
    mem.kernel.observed(indptr, offs, cm1, x, 1, dots);
    expect(solved(dots)).toEqual(fromRows);
  });

  test('gram: FᵀF on and above the diagonal equals the TypeScript sums (f64 over blocks of 256 f32 rows)', () => {
    const [f, n] = [37, 700]; // padded to 48; 700 rows span three blocks
    const F = vector(n * f);
    const mem = new KernelMemory(module!, f, 1, [n * rowBytes(f), gramBytes(f)]);
    const fb = mem.fp * 4;
    const [Fw, out] = [mem.take(n * fb), mem.take(gramBytes(f))];
    for (let r = 0; r < n; r++) mem.f32(Fw + r * fb, f).set(F.subarray(r * f, (r + 1) * f));
    mem.kernel.gram(Fw, n, out);
    const got = mem.f64(out, mem.fp * mem.fp);
    const G = new Float64Array(f * f);
    gram(Float32Array.from(F), n, f, 0, G);
    // the diagonal is about n/3 ≈ 233: 1e-4 is a few f32 ulps of it
    for (let a = 0; a < f; a++) for (let b = a; b < f; b++) expect(Math.abs(got[a * mem.fp + b]! - G[a * f + b]!)).toBeLessThan(1e-4);
  });

  test('a whole fit: the loss curve equals the TypeScript path to 1e-4 relative, and so do the scores', async () => {
    const m = randomMatrix(200, 150, 2500, 3);
    const params = { factors: 24, iterations: 10, alpha: 3, regularization: 0.05 };
    const [wasm, ts] = [await fitIals(m, params, testContext(5), 'wasm'), await fitIals(m, params, testContext(5), 'typescript')];
    wasm.params.losses.forEach((l, i) => expect(Math.abs(l / ts.params.losses[i]! - 1)).toBeLessThan(1e-4));
    const [a, b] = [new Float32Array(150), new Float32Array(150)];
    for (const u of [0, 50, 199]) {
      wasm.score(u, a);
      ts.score(u, b);
      expect(norm(a.map((s, i) => s - b[i]!))).toBeLessThan(1e-2 * norm(b));
    }
  });

  test('deterministic given a seed, bit for bit; the loss never goes up at 64 factors', async () => {
    const m = randomMatrix(300, 200, 4000, 8);
    const params = { factors: 64, iterations: 8 };
    const [a, b] = [await fitIals(m, params, testContext(3), 'wasm'), await fitIals(m, params, testContext(3), 'wasm')];
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(b.params.losses).toEqual(a.params.losses);
    for (let i = 1; i < a.params.losses.length; i++) expect(a.params.losses[i]!).toBeLessThan(a.params.losses[i - 1]!);
  });

  test('an abort from a timer stops a long fit within a second', async () => {
    const timer = new AbortController();
    const fitting = fitIals(randomMatrix(2000, 1500, 60_000, 1), { factors: 64, iterations: 1000 }, testContext(1, timer.signal), 'wasm');
    setTimeout(() => timer.abort(new Error('timer')), 100);
    const started = performance.now();
    await expect(fitting).rejects.toThrow('timer');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

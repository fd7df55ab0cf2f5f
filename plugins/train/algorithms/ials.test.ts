import { describe, expect, test } from 'vitest';
import { fromTriples, topK, type Interactions } from '../matrix.js';
import { fitIals, IalsModel, type IalsEngine, type IalsParams } from './ials.js';
import { blockMatrix, randomMatrix, testContext } from './testing.js';


/** Dense c_ui and p_ui, to check the model against the textbook definitions. */
function dense(m: Interactions, alpha: number): { c: number[][]; p: number[][] } {
  const c = m.users.map(() => m.items.map(() => 1));
  const p = m.users.map(() => m.items.map(() => 0));
  for (let u = 0; u < m.users.length; u++) {
    for (let k = m.indptr[u]!; k < m.indptr[u + 1]!; k++) {
      c[u]![m.indices[k]!] = 1 + alpha * m.values[k]!;
      p[u]![m.indices[k]!] = 1;
    }
  }
  return { c, p };
}

const row = (F: Float32Array, r: number, f: number) => [...F.subarray(r * f, (r + 1) * f)];
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

// Both engines pass the same tests: the WebAssembly kernel (f32 CG, as `implicit`) and the TypeScript fallback (f64).
describe.each<IalsEngine>(['wasm', 'typescript'])('ials (%s)', (engine) => {
  const fit = (m: Interactions, params: Partial<IalsParams>, seed = 42): Promise<IalsModel> => fitIals(m, params, testContext(seed), engine);

  test('the loss goes down after every iteration, and is reported as progress', async () => {
    const ctx = testContext(7);
    const model = await fitIals(randomMatrix(60, 40, 500, 3), { factors: 8, iterations: 12, alpha: 5, regularization: 0.1 }, ctx, engine);
    const { losses } = model.params;
    expect(losses).toHaveLength(12);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(ctx.messages.filter((m) => m.includes(': loss '))).toEqual(losses.map((l, i) => `iteration ${i + 1}: loss ${l.toPrecision(6)}`));
  });

  test('the reported loss is Σ c (p − x·y)² + λ(‖X‖² + ‖Y‖²), computed densely here', async () => {
    const m = randomMatrix(12, 9, 40, 2);
    const [f, alpha, lambda] = [3, 4, 0.05];
    const model = await fit(m, { factors: f, iterations: 3, alpha, regularization: lambda });
    const { c, p } = dense(m, alpha);
    let expected = 0;
    for (let u = 0; u < 12; u++) {
      const x = row(model.userFactors, u, f);
      expected += lambda * dot(x, x);
      for (let i = 0; i < 9; i++) expected += c[u]![i]! * (p[u]![i]! - dot(x, row(model.itemFactors, i, f))) ** 2;
    }
    for (let i = 0; i < 9; i++) expected += lambda * dot(row(model.itemFactors, i, f), row(model.itemFactors, i, f));
    expect(model.params.losses.at(-1)).toBeCloseTo(expected, 4);
  });

  test('with as many CG steps as factors, each item solves its normal equations (XᵀCᵢX + λI) y = XᵀCᵢp', async () => {
    const m = randomMatrix(15, 6, 40, 9);
    const [f, alpha, lambda] = [3, 2, 0.1];
    const model = await fit(m, { factors: f, iterations: 2, cgSteps: f, alpha, regularization: lambda });
    const { c, p } = dense(m, alpha);
    const X = Array.from({ length: 15 }, (_, u) => row(model.userFactors, u, f));
    for (let i = 0; i < 6; i++) {
      const y = row(model.itemFactors, i, f);
      for (let a = 0; a < f; a++) {
        // row a of (XᵀCᵢX + λI) y − XᵀCᵢp
        let residual = lambda * y[a]!;
        let scale = Math.abs(residual);
        for (let u = 0; u < 15; u++) {
          residual += c[u]![i]! * X[u]![a]! * (dot(X[u]!, y) - p[u]![i]!);
          scale += c[u]![i]! * Math.abs(X[u]![a]!) * (Math.abs(dot(X[u]!, y)) + p[u]![i]!);
        }
        // f32 CG (the kernel's, as `implicit`'s) ends near cond(A)·ε32 relative to the terms' size; f64 CG far below
        if (engine === 'wasm') expect(Math.abs(residual)).toBeLessThan(1e-3 * scale);
        else expect(Math.abs(residual)).toBeLessThan(1e-4);
      }
    }
  });

  test('a 1 × 1 matrix with λ = 0: x·y converges to the preference 1', async () => {
    // one observed cell, c = 1 + 3·1 = 4: the loss 4(1 − xy)² is 0 at x·y = 1
    const model = await fit(fromTriples([['u', 'i', 1]]), { factors: 1, iterations: 30, alpha: 3, regularization: 0 });
    const out = new Float32Array(1);
    model.score(0, out);
    expect(out[0]).toBeCloseTo(1, 5);
  });

  test("on a block-structured matrix, a user's best unseen items come from the user's block", async () => {
    const m = blockMatrix(60, 40, 4, 0.5, 1);
    // one factor per block: with spare factors, users with 2 or 3 items get noise from the spare directions
    const model = await fit(m, { factors: 4, iterations: 15, alpha: 10, regularization: 0.1 });
    const out = new Float32Array(40);
    for (let u = 0; u < 60; u++) {
      const own = new Set(m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!));
      model.score(u, out);
      for (const i of topK(out, Math.min(3, 10 - own.size), own)) expect(i % 4).toBe(u % 4);
    }
  });

  test('same seed, same factors; another seed, other factors', async () => {
    const m = randomMatrix(50, 30, 400, 4);
    const params = { factors: 6, iterations: 3 };
    const [a, b, other] = [await fit(m, params, 1), await fit(m, params, 1), await fit(m, params, 2)];
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(b.params.losses).toEqual(a.params.losses);
    expect(other.itemFactors).not.toEqual(a.itemFactors);
  });

  test('toParts and fromParts round-trip; unknown users score 0; a short array is refused', async () => {
    const model = await fit(randomMatrix(20, 10, 80, 1), { factors: 4, iterations: 2 });
    const parts = model.toParts();
    // params travel as JSON in a model file; the arrays as raw tensors
    const loaded = IalsModel.fromParts({ params: JSON.parse(JSON.stringify(parts.params)), arrays: parts.arrays });
    const [a, b] = [new Float32Array(10), new Float32Array(10)];
    model.score(3, a);
    loaded.score(3, b);
    expect(b).toEqual(a);
    expect(loaded.params.losses).toEqual(model.params.losses);
    model.score(20, a);
    expect([...a]).toEqual(new Array(10).fill(0));
    expect(() => IalsModel.fromParts({ ...parts, arrays: { ...parts.arrays, itemFactors: new Float32Array(39) } })).toThrow(
      'ials.fromParts: array "itemFactors" has length 39, expected 40',
    );
  });

  test('an aborted signal stops the fit with its reason: before, from a progress callback, from a timer', async () => {
    const m = randomMatrix(2000, 1500, 60_000, 1);
    const before = new AbortController();
    before.abort(new Error('before'));
    await expect(fitIals(m, { factors: 4 }, testContext(1, before.signal), engine)).rejects.toThrow('before');

    const inProgress = new AbortController();
    const ctx = { ...testContext(1, inProgress.signal), progress: (_: number, message?: string) => message?.startsWith('iteration 1:') && inProgress.abort(new Error('after one')) };
    await expect(fitIals(m, { factors: 4, iterations: 5 }, ctx, engine)).rejects.toThrow('after one');

    // From a timer: the fit stops between row blocks, long before its 100 iterations (counted, not timed: CI is noisy).
    const timer = new AbortController();
    let iterations = 0;
    const counting = { ...testContext(1, timer.signal), progress: (_: number, message?: string) => void (/^iteration \d+:/.test(message ?? '') && iterations++) };
    const fitting = fitIals(m, { factors: 32, iterations: 100 }, counting, engine);
    setTimeout(() => timer.abort(new Error('timer')), 50);
    await expect(fitting).rejects.toThrow('timer');
    expect(iterations).toBeLessThan(100);
  });
});

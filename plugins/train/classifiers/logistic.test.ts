import { describe, expect, test } from 'vitest';
import { accuracy, logLoss } from './dataset.js';
import { choleskySolve, fitLogistic, LogisticModel } from './logistic.js';
import { table, testContext, xorData } from './synthetic.js';

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

/** The root of f on [lo, hi] by bisection (f(lo) < 0 < f(hi)), independent of the model's Newton steps. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('logistic regression', () => {
  test('a constant feature leaves the intercept at the log-odds of the base rate', () => {
    const model = fitLogistic(table([[5], [5], [5], [5]], [1, 1, 1, 0]), {}, testContext());
    expect(model.coef[0]).toBeCloseTo(Math.log(3), 10);
    expect(model.predictProba(Float64Array.of(5, 100), 2)[1]).toBeCloseTo(0.75, 10);
  });

  test('two points: the coefficient solves σ(−β) = λ·β on the standardised feature', () => {
    // x = 1, 3 → mean 2, sd 1 → z = −1, +1; by symmetry the intercept is 0, and the gradient of
    // ½[log(1 + e^−β) + log(1 + e^−β)] + (λ/2)β² is −σ(−β) + λβ.
    const lambda = 0.5;
    const beta = bisect((b) => -sigma(-b) + lambda * b, 0, 10);
    const model = fitLogistic(table([[1], [3]], [0, 1]), { lambda }, testContext());
    expect(model.mean[0]).toBe(2);
    expect(model.scale[0]).toBe(1);
    expect(model.coef[0]).toBeCloseTo(0, 10);
    expect(model.coef[1]).toBeCloseTo(beta, 10);
    const p = model.predictProba(Float64Array.of(3, 2, 1), 3);
    expect(p[0]).toBeCloseTo(sigma(beta), 10);
    expect(p[1]).toBeCloseTo(0.5, 10);
    expect(model.iterations).toBeLessThan(10);
  });

  test('NaN is imputed with the training mean', () => {
    const model = fitLogistic(table([[1, 0], [3, NaN], [2, 4], [0, 2]], [0, 1, 1, 0]), {}, testContext());
    const [atNaN, atMean] = model.predictProba(Float64Array.of(2.5, NaN, 2.5, 2), 2);
    expect(atNaN).toBe(atMean); // x1's observed mean is (0 + 4 + 2) / 3 = 2
  });

  test('weights count as repeated rows', () => {
    const weighted = fitLogistic(table([[0], [1], [2], [3]], [0, 1, 0, 1], [1, 2, 1, 1]), {}, testContext());
    const repeated = fitLogistic(table([[0], [1], [1], [2], [3]], [0, 1, 1, 0, 1]), {}, testContext());
    const x = Float64Array.of(-1, 1.5, 4);
    const a = weighted.predictProba(x, 3);
    const b = repeated.predictProba(x, 3);
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 8);
  });

  test('separable data stays finite thanks to the L2 penalty', () => {
    const model = fitLogistic(table([[0], [1], [2], [3]], [0, 0, 1, 1]), { lambda: 1e-4 }, testContext());
    expect(Number.isFinite(model.coef[1]!)).toBe(true);
    expect(model.predictProba(Float64Array.of(3), 1)[0]).toBeGreaterThan(0.99);
  });

  test('XOR: a linear model cannot beat chance', () => {
    const train = xorData(2000, 1);
    const held = xorData(2000, 2);
    const p = fitLogistic(train, {}, testContext()).predictProba(held.features, held.n);
    expect(accuracy(held.labels, p)).toBeLessThan(0.6);
    expect(logLoss(held.labels, p)).toBeGreaterThan(0.68); // ≈ log 2
  });

  test('round-trips through its parts', () => {
    const data = xorData(200, 3, 2);
    const model = fitLogistic(data, {}, testContext());
    const copy = LogisticModel.fromParts(model.toParts());
    expect(copy.predictProba(data.features, data.n)).toEqual(model.predictProba(data.features, data.n));
  });

  test('an aborted signal stops the fit with its reason', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(() => fitLogistic(xorData(100, 1), {}, testContext(1, controller.signal))).toThrow(reason);
  });

  test('rejects a negative penalty', () => {
    expect(() => fitLogistic(xorData(10, 1), { lambda: -1 }, testContext())).toThrow(
      'logistic regression: param lambda is -1, expected a number in [0, Infinity]',
    );
  });
});

describe('choleskySolve', () => {
  test('solves a 2 × 2 system given by its upper triangle', () => {
    // [[4, 2], [2, 3]] · x = [2, 1] → x = [0.5, 0]
    expect([...choleskySolve(Float64Array.of(4, 2, 0, 3), Float64Array.of(2, 1), 2)]).toEqual([0.5, 0]);
  });
});

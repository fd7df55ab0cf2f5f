import { describe, expect, test } from 'vitest';
import { baseFromParts, baseKinds, fitBase } from './registry.js';
import { table, testContext } from './synthetic.js';

describe('every base classifier', () => {
  test.each(baseKinds)('%s: fits one-class data and predicts that class', (kind) => {
    const model = fitBase({ kind }, table([[1, 2], [3, 4], [5, 6]], [1, 1, 1]), testContext());
    const p = model.predictProba(Float64Array.of(0, 0, 9, 9), 2);
    expect(p[0]).toBeGreaterThan(0.99);
    expect(p[1]).toBeGreaterThan(0.99);
  });

  test.each(baseKinds)('%s: a feature that is always NaN is harmless, and predictions stay finite', (kind) => {
    const rows = Array.from({ length: 40 }, (_, i) => [NaN, i]);
    const labels = rows.map(([, x]) => (x! >= 20 ? 1 : 0));
    const model = fitBase({ kind }, table(rows, labels), testContext());
    const p = model.predictProba(Float64Array.of(NaN, 2, NaN, 37, 5, NaN), 3);
    expect([...p].every(Number.isFinite)).toBe(true);
    expect(p[0]).toBeLessThan(0.5);
    expect(p[1]).toBeGreaterThan(0.5);
    const copy = baseFromParts(model.kind, model.toParts());
    expect(copy.predictProba(Float64Array.of(NaN, 2), 1)[0]).toBe(p[0]);
  });

  test('an unknown kind in a model file is refused', () => {
    expect(() => baseFromParts('svm', { params: {}, arrays: {} })).toThrow('model parts: classifier kind "svm" is unknown');
  });
});

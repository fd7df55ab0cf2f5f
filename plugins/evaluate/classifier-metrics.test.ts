import { describe, expect, test } from 'vitest';
import { accuracy, f1, logLoss, rocAuc } from './classifier-metrics.js';

describe('accuracy', () => {
  test('counts equal pairs, for any class values', () => {
    expect(accuracy([1, 0, 1, 1], [1, 1, 1, 0])).toBe(0.5);
    expect(accuracy([2, 0, 1], [2, 0, 1])).toBe(1);
  });

  test('rejects mismatched or empty inputs', () => {
    expect(() => accuracy([1, 0], [1])).toThrow('accuracy: 2 labels but 1 predictions');
    expect(() => accuracy([], [])).toThrow('accuracy: no examples');
  });
});

describe('f1', () => {
  test('is 2·TP / (2·TP + FP + FN)', () => {
    // labels 1 0 1 1 0, predicted 1 1 1 0 0: TP 2, FP 1, FN 1 → 4 / 6.
    expect(f1([1, 0, 1, 1, 0], [1, 1, 1, 0, 0])).toBeCloseTo(2 / 3, 15);
    expect(f1([1, 1], [1, 1])).toBe(1);
    expect(f1([1, 0], [0, 1])).toBe(0);
  });

  test('is 0 when there is nothing positive at all', () => {
    expect(f1([0, 0], [0, 0])).toBe(0);
  });

  test('rejects labels other than 0 and 1', () => {
    expect(() => f1([1, 2], [1, 1])).toThrow('f1: label 1 is 2; expected 0 or 1');
  });
});

describe('rocAuc', () => {
  test("scikit-learn's doc example", () => {
    // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of the 4 pairs are ordered right.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  test('ties count one half through the average rank', () => {
    // Pairs: (0.5+, 0.5−) tie ½, (0.5+, 0.2−) 1, (0.9+, 0.5−) 1, (0.9+, 0.2−) 1 → 3.5 / 4.
    // Ranks: 0.2 → 1, the two 0.5s → 2.5 each, 0.9 → 4; positives sum 6.5, minus 2·3/2 = 3.5.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
    expect(rocAuc([0, 1, 0, 1], [7, 7, 7, 7])).toBe(0.5);
  });

  test('perfect, inverted, and infinite scores', () => {
    expect(rocAuc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])).toBe(1);
    expect(rocAuc([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2])).toBe(0);
    expect(rocAuc([0, 1, 1], [-Infinity, Infinity, Infinity])).toBe(1);
  });

  test('needs both classes', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow('rocAuc: needs both classes, got 2 positive and 0 negative labels');
  });
});

describe('logLoss', () => {
  test('is the mean negative log likelihood', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 15);
    expect(logLoss([1, 0, 1], [0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
  });

  test('clips certain mistakes to −ln(eps) instead of infinity', () => {
    expect(logLoss([1], [0])).toBeCloseTo(15 * Math.LN10, 10); // −ln(1e-15) = 34.5388
    expect(logLoss([0], [1], 0.01)).toBeCloseTo(-Math.log(0.01), 12);
    expect(logLoss([1], [1])).toBeCloseTo(0, 12);
  });

  test('rejects probabilities outside [0, 1]', () => {
    expect(() => logLoss([1, 0], [0.5, 1.2])).toThrow('logLoss: probability 1 is 1.2; expected a value in [0, 1]');
  });
});

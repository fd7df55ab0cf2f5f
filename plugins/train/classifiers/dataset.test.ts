import { describe, expect, test } from 'vitest';
import { checkDataset, logLoss, Rng, subset } from './dataset.js';
import { table } from './synthetic.js';

describe('checkDataset', () => {
  test('names the first problem it finds', () => {
    expect(() => checkDataset(table([[1], [2]], [0, 2]), 'tree')).toThrow('tree: label of row 1 is 2, expected 0 or 1');
    const bad = { ...table([[1], [2]], [0, 1]), features: new Float64Array(3) };
    expect(() => checkDataset(bad, 'forest')).toThrow('forest: features has 3 values, expected n × d = 2');
    expect(() => checkDataset(table([[1], [2]], [0, 1], [1, -1]), 'gbt')).toThrow('gbt: weight of row 1 is -1, expected ≥ 0');
  });
});

describe('Rng', () => {
  test('is deterministic per (seed, stream) and differs across streams', () => {
    const draw = (seed: number, stream: number) => {
      const rng = new Rng(seed, stream);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(7, 1)).toEqual(draw(7, 1));
    expect(draw(7, 1)).not.toEqual(draw(7, 2));
    expect(draw(7, 1)).not.toEqual(draw(8, 1));
    expect(draw(7, 1).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('logLoss', () => {
  test('is the mean negative log-likelihood, weighted', () => {
    const labels = Uint8Array.from([1, 0]);
    const proba = Float64Array.from([0.8, 0.4]);
    expect(logLoss(labels, proba)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 14);
    expect(logLoss(labels, proba, Float64Array.from([3, 1]))).toBeCloseTo(-(3 * Math.log(0.8) + Math.log(0.6)) / 4, 14);
  });
});

describe('subset', () => {
  test('copies the chosen rows, labels and weights', () => {
    const data = table([[1, 2], [3, 4], [5, 6]], [0, 1, 1], [1, 2, 3]);
    const s = subset(data, [2, 0]);
    expect([...s.features]).toEqual([5, 6, 1, 2]);
    expect([...s.labels]).toEqual([1, 0]);
    expect([...s.weights!]).toEqual([3, 1]);
  });
});

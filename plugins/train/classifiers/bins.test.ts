import { describe, expect, test } from 'vitest';
import { binFeatures, binOf, MISSING } from './bins.js';
import { table } from './synthetic.js';

describe('binFeatures', () => {
  test('few distinct values: one bin each, edges at the midpoints, NaN coded MISSING', () => {
    const binned = binFeatures(table([[3], [1], [2], [NaN], [2], [10]], [0, 0, 0, 0, 0, 0]), 64);
    expect([...binned.edges[0]!]).toEqual([1.5, 2.5, 6.5]);
    expect([...binned.codes]).toEqual([2, 0, 1, MISSING, 1, 3]);
  });

  test('many distinct values: at most maxBins bins at evenly spaced ranks', () => {
    // 0 … 99 into 4 bins: cuts after ranks 25, 50, 75 → between 24|25, 49|50, 74|75
    const rows = Array.from({ length: 100 }, (_, i) => [i]);
    const binned = binFeatures(table(rows, rows.map(() => 0)), 4);
    expect([...binned.edges[0]!]).toEqual([24.5, 49.5, 74.5]);
    expect(binOf(binned.edges[0]!, 24.5)).toBe(0);
    expect(binOf(binned.edges[0]!, 24.6)).toBe(1);
    expect(binOf(binned.edges[0]!, 1000)).toBe(3);
  });

  test('rejects a bin count a byte cannot hold', () => {
    expect(() => binFeatures(table([[1]], [0]), 256)).toThrow('binning: maxBins is 256, expected an integer in [2, 255]');
  });
});

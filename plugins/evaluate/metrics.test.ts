import { describe, expect, test } from 'vitest';
import { evaluateRankings, scoreUser } from './metrics.js';

/** The log2(rank + 1) discount of 1-based ranks 2 and 3 (rank 1 has discount 1). */
const d2 = 1 / Math.log2(3);
const d3 = 1 / Math.log2(4); // = 0.5

describe('scoreUser', () => {
  test('one hit at rank 2 of 3, two relevant items', () => {
    // ranked 3 1 2, relevant {1, 5}: item 1 at rank 2 is the only hit.
    // DCG = d2; ideal DCG (2 relevant, k = 3) = 1 + d2. AP = (1/2) / min(3, 2).
    const s = scoreUser([3, 1, 2], new Set([1, 5]), 3);
    expect(s.ndcg).toBeCloseTo(d2 / (1 + d2), 12); // 0.386853
    expect(s.recall).toBe(0.5);
    expect(s.cappedRecall).toBe(0.5);
    expect(s.precision).toBeCloseTo(1 / 3, 15);
    expect(s.hitRate).toBe(1);
    expect(s.map).toBe(0.25);
  });

  test('more relevant items than k: recall and capped recall differ, ranks past k do not count', () => {
    // ranked 0 1 2 | 3 4, relevant {0, 2, 7, 8, 9, 10}, k = 3: hits at ranks 1 and 3.
    // DCG = 1 + d3; ideal DCG = 1 + d2 + d3 (capped at k = 3 of the 6 relevant).
    // recall = 2/6, capped recall = 2/3, AP = (1/1 + 2/3) / 3 = 5/9.
    const s = scoreUser([0, 1, 2, 3, 4], new Set([0, 2, 7, 8, 9, 10]), 3);
    expect(s.ndcg).toBeCloseTo((1 + d3) / (1 + d2 + d3), 12); // 0.703918
    expect(s.recall).toBeCloseTo(1 / 3, 15);
    expect(s.cappedRecall).toBeCloseTo(2 / 3, 15);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.map).toBeCloseTo(5 / 9, 15);
  });

  test('graded NDCG uses relevance counts as gains; binary ignores them', () => {
    // ranked 1 2, counts {1: 1, 2: 3}: DCG = 1 + 3·d2, ideal = 3 + 1·d2.
    const counts = new Map([
      [1, 1],
      [2, 3],
    ]);
    expect(scoreUser([1, 2], counts, 2, { graded: true }).ndcg).toBeCloseTo((1 + 3 * d2) / (3 + d2), 12); // 0.796706
    expect(scoreUser([2, 1], counts, 2, { graded: true }).ndcg).toBe(1);
    expect(scoreUser([1, 2], counts, 2).ndcg).toBe(1);
    expect(scoreUser([1, 2], counts, 2, { graded: true }).recall).toBe(1);
  });

  test('a repeated item counts once, at its first rank', () => {
    // ranked 1 1 2, relevant {1, 2}: hits at ranks 1 and 3. DCG = 1 + d3, ideal = 1 + d2; AP = (1 + 2/3) / 2.
    const s = scoreUser([1, 1, 2], new Set([1, 2]), 3);
    expect(s.ndcg).toBeCloseTo((1 + d3) / (1 + d2), 12);
    expect(s.recall).toBe(1);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.map).toBeCloseTo(5 / 6, 15);
  });

  test('a short list still divides precision by k', () => {
    const s = scoreUser([5], new Set([5]), 10);
    expect(s).toEqual({ ndcg: 1, recall: 1, cappedRecall: 1, precision: 0.1, hitRate: 1, map: 1 });
  });

  test('no hit and no relevant item both score 0', () => {
    const zero = { ndcg: 0, recall: 0, cappedRecall: 0, precision: 0, hitRate: 0, map: 0 };
    expect(scoreUser([1, 2, 3], new Set([9]), 3)).toEqual(zero);
    expect(scoreUser([1, 2, 3], new Set(), 3)).toEqual(zero);
  });

  test('bad k and bad counts are clear errors', () => {
    expect(() => scoreUser([1], new Set([1]), 0)).toThrow('ranking metrics: k must be a positive integer, got 0');
    expect(() => scoreUser([1], new Map([[1, 0]]), 1)).toThrow(
      'ranking metrics: item 1 has relevance count 0; counts must be finite and > 0',
    );
  });
});

describe('evaluateRankings', () => {
  // user 0: ranked 3 1 2, relevant {1, 5}  (the first scoreUser case)
  // user 1: ranked 0 1 2, relevant {}      (skipped, but its items count for coverage)
  // user 2: ranked 4 0 1, relevant {4}     (perfect: every metric 1 except precision 1/3)
  const users = [
    { ranked: [3, 1, 2], relevant: new Set([1, 5]) },
    { ranked: [0, 1, 2], relevant: new Set<number>() },
    { ranked: [4, 0, 1], relevant: new Set([4]) },
  ];

  test('averages over users with relevant items and reports per-user values', () => {
    const report = evaluateRankings(users, 3, { catalogueSize: 8 });
    expect(report.users).toBe(2);
    expect(report.skipped).toBe(1);
    expect([...report.evaluated]).toEqual([0, 2]);
    expect(report.mean.recall).toBe(0.75);
    expect(report.mean.ndcg).toBeCloseTo((d2 / (1 + d2) + 1) / 2, 12);
    expect(report.mean.precision).toBeCloseTo(1 / 3, 15);
    expect(report.mean.hitRate).toBe(1);
    expect(report.mean.map).toBe(0.625);
    expect([...report.perUser.recall]).toEqual([0.5, 1]);
    // Items 0 1 2 3 4 were recommended: 5 of 8.
    expect(report.coverage).toBe(5 / 8);
  });

  test('coverage looks only at the top k', () => {
    expect(evaluateRankings(users, 1, { catalogueSize: 8 }).coverage).toBe(3 / 8); // items 3, 0, 4
  });

  test('no evaluable user gives NaN means, not a division by zero crash', () => {
    const report = evaluateRankings([users[1]!], 3, { catalogueSize: 8 });
    expect(report.users).toBe(0);
    expect(report.mean.ndcg).toBeNaN();
    expect(report.coverage).toBe(3 / 8);
  });

  test('an item outside the catalogue is an error', () => {
    expect(() => evaluateRankings(users, 3, { catalogueSize: 4 })).toThrow(
      'ranking metrics: user 2 was recommended item 4, outside the catalogue [0, 4)',
    );
  });

  test('with outside "miss", an item past the catalogue is a miss that does not count as coverage', () => {
    // ranked 5 0 with a catalogue of 4, relevant {0}: item 5 takes rank 1 as a miss, 0 is a hit at rank 2.
    const report = evaluateRankings([{ ranked: [5, 0], relevant: new Set([0]) }], 2, { catalogueSize: 4, outside: 'miss' });
    expect(report.mean.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    expect(report.coverage).toBe(1 / 4);
  });
});

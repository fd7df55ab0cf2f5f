import { describe, expect, test } from 'vitest';
import { accuracy } from './dataset.js';
import { fitForest, ForestModel } from './forest.js';
import { fitLogistic } from './logistic.js';
import { fitTree } from './tree.js';
import { abortingContext, table, testContext, xorData } from './synthetic.js';

describe('random forest', () => {
  const train = xorData(2000, 1, 2, 0.05);
  const held = xorData(2000, 2, 2);

  test('is the mean of its trees\' leaf probabilities', () => {
    const forest = fitForest(table([[1], [2], [3], [4]], [0, 0, 1, 1]), { nTrees: 30 }, testContext());
    const p = forest.predictProba(Float64Array.of(1, 4), 2);
    let mean0 = 0;
    let mean1 = 0;
    for (const tree of forest.trees) {
      mean0 += tree.value[tree.feature[0]! < 0 ? 0 : tree.left[0]!]! / forest.trees.length;
      mean1 += tree.value[tree.feature[0]! < 0 ? 0 : tree.right[0]!]! / forest.trees.length;
    }
    // Labels switch between x = 2 and 3, so every bootstrap tree is a stump or (one class drawn) a lone leaf.
    expect(p[0]).toBeCloseTo(mean0, 14);
    expect(p[1]).toBeCloseTo(mean1, 14);
    expect(p[0]).toBeLessThan(0.3);
    expect(p[1]).toBeGreaterThan(0.7);
  });

  test('one tree, no bootstrap, all features: exactly the single CART tree', () => {
    const params = { maxDepth: 6, minSamplesLeaf: 3, maxFeatures: 'all' } as const;
    const forest = fitForest(train, { ...params, nTrees: 1, bootstrap: false }, testContext());
    expect(forest.trees[0]).toEqual(fitTree(train, params, testContext()).tree);
  });

  test('solves noisy XOR that logistic regression cannot', () => {
    const forest = fitForest(train, { nTrees: 40 }, testContext());
    expect(accuracy(held.labels, forest.predictProba(held.features, held.n))).toBeGreaterThan(0.92);
    expect(accuracy(held.labels, fitLogistic(train, {}, testContext()).predictProba(held.features, held.n))).toBeLessThan(0.6);
  });

  test('is deterministic per seed', () => {
    const fit = (seed: number) => fitForest(train, { nTrees: 10, maxDepth: 6 }, testContext(seed)).predictProba(held.features, held.n);
    expect(fit(3)).toEqual(fit(3));
    expect(fit(3)).not.toEqual(fit(4));
  });

  test('learns from missingness: NaN in x0 marks the positives', () => {
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      rows.push([i % 4 === 0 ? NaN : i / 200, (i * 37) % 11]);
      labels.push(i % 4 === 0 ? 1 : 0);
    }
    const forest = fitForest(table(rows, labels), { nTrees: 20 }, testContext());
    const p = forest.predictProba(Float64Array.of(NaN, 3, 0.5, 3), 2);
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeLessThan(0.1);
  });

  test('reports progress per tree and round-trips through its parts', () => {
    const ctx = testContext();
    const forest = fitForest(train, { nTrees: 5, maxDepth: 5 }, ctx);
    expect(ctx.calls).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    const copy = ForestModel.fromParts(forest.toParts());
    expect(copy.trees.length).toBe(5);
    expect(copy.predictProba(held.features, held.n)).toEqual(forest.predictProba(held.features, held.n));
  });

  test('an abort between trees stops the fit with the reason', () => {
    const reason = new Error('cancelled by user');
    expect(() => fitForest(train, { nTrees: 50 }, abortingContext(2, reason))).toThrow(reason);
  });
});

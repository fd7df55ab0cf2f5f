import { describe, expect, test } from 'vitest';
import { accuracy } from './dataset.js';
import { treeDepth } from './flat-tree.js';
import { fitTree, TreeModel } from './tree.js';
import { table, testContext, xorData } from './synthetic.js';

const predict = (model: TreeModel, xs: number[]) => [...model.predictProba(Float64Array.from(xs), xs.length / model.d)];

describe('CART tree', () => {
  // x: 1 2 3 4 5, y: 0 0 1 0 1. Weighted Gini impurity of a node = 2·pos·neg / count; parent = 2·2·3/5 = 2.4.
  //   split 1.5: left {0}       0, right {0,1,0,1} 2·2·2/4 = 2   → gain 0.4
  //   split 2.5: left {0,0}     0, right {1,0,1}   2·2·1/3 = 4/3 → gain 1.0667  ← best
  //   split 3.5: left {0,0,1} 4/3, right {0,1}     1             → gain 0.0667
  //   split 4.5: left {0,0,1,0} 1.5, right {1}     0             → gain 0.9
  const data = table([[1], [2], [3], [4], [5]], [0, 0, 1, 0, 1]);

  test('a stump splits at the hand-computed threshold 2.5', () => {
    const model = fitTree(data, { maxDepth: 1 }, testContext());
    const { feature, threshold, value } = model.tree;
    expect([...feature]).toEqual([0, -1, -1]);
    expect(threshold[0]).toBe(2.5);
    expect([value[1], value[2]]).toEqual([0, 2 / 3]);
    expect(predict(model, [2.5, 2.6])).toEqual([0, 2 / 3]);
  });

  test('minSamplesLeaf rules out small children', () => {
    // With 2 per leaf: 2.5 (2 | 3) and 3.5 (3 | 2) remain, 2.5 still wins; with 3 per leaf none remain.
    expect(fitTree(data, { maxDepth: 1, minSamplesLeaf: 2 }, testContext()).tree.threshold[0]).toBe(2.5);
    expect([...fitTree(data, { maxDepth: 1, minSamplesLeaf: 3 }, testContext()).tree.value]).toEqual([0.4]);
  });

  test('grown fully it separates every training point', () => {
    const model = fitTree(data, {}, testContext());
    expect(predict(model, [1, 2, 3, 4, 5])).toEqual([0, 0, 1, 0, 1]);
    expect(treeDepth(model.tree)).toBe(3); // 2.5, then 4.5, then 3.5 inside {3, 4}
  });

  test('weights shift the split: weight 3 on x = 4 makes 3.5 best', () => {
    // parent: pos 2, neg 5 (weight 7) → 2·2·5/7 = 2.857; split 3.5: left {0,0,1} 4/3, right {0×3, 1} 2·1·3/4 = 1.5
    // → 0.024; split 4.5: left {0,0,1,0×3} 2·1·5/6 = 1.667, right {1} 0 → 1.190; split 2.5: right {1, 0×3, 1} 2·2·3/5 = 2.4
    // → 0.457. So 4.5.
    const model = fitTree(table([[1], [2], [3], [4], [5]], [0, 0, 1, 0, 1], [1, 1, 1, 3, 1]), { maxDepth: 1 }, testContext());
    expect(model.tree.threshold[0]).toBe(4.5);
    expect(model.tree.value[1]).toBeCloseTo(1 / 6, 14);
  });

  test('XOR on four points: depth 2 solves it, a stump cannot', () => {
    const xor = table([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
    expect(predict(fitTree(xor, { maxDepth: 2 }, testContext()), [0, 0, 0, 1, 1, 0, 1, 1])).toEqual([0, 1, 1, 0]);
    expect(predict(fitTree(xor, { maxDepth: 1 }, testContext()), [0, 0, 0, 1, 1, 0, 1, 1])).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  test('noisy XOR with noise features: accurate on held-out points', () => {
    const model = fitTree(xorData(2000, 1, 2, 0.05), { maxDepth: 6, minSamplesLeaf: 5 }, testContext());
    const held = xorData(2000, 2, 2);
    expect(accuracy(held.labels, model.predictProba(held.features, held.n))).toBeGreaterThan(0.9);
  });

  test('entropy criterion: the same stump here (entropy gains 0.855, 2.100, 0.100, 1.610 bits·rows)', () => {
    expect(fitTree(data, { maxDepth: 1, criterion: 'entropy' }, testContext()).tree.threshold[0]).toBe(2.5);
  });

  describe('missing values', () => {
    test('"observed vs missing" can be the split itself (threshold +∞, NaN right)', () => {
      const model = fitTree(table([[1], [2], [3], [NaN], [NaN]], [0, 0, 0, 1, 1]), { maxDepth: 1 }, testContext());
      expect(model.tree.threshold[0]).toBe(Infinity);
      expect(model.tree.nanLeft[0]).toBe(0);
      expect(predict(model, [NaN, 100, -100])).toEqual([1, 0, 0]);
    });

    test('NaN rows go to the side that gains more', () => {
      // x 1 2 NaN 8 9 / y 0 0 1 1 1: split at (2 + 8)/2 = 5 with the NaN row right makes both sides pure.
      const model = fitTree(table([[1], [2], [NaN], [8], [9]], [0, 0, 1, 1, 1]), { maxDepth: 1 }, testContext());
      expect([model.tree.threshold[0], model.tree.nanLeft[0]]).toEqual([5, 0]);
      // Flip the NaN row's label and it goes left.
      const flipped = fitTree(table([[1], [2], [NaN], [8], [9]], [0, 0, 0, 1, 1]), { maxDepth: 1 }, testContext());
      expect([flipped.tree.threshold[0], flipped.tree.nanLeft[0]]).toEqual([5, 1]);
    });

    test('with no NaN in training, NaN follows the larger child', () => {
      const model = fitTree(data, { maxDepth: 1 }, testContext()); // left 2 rows, right 3 rows
      expect(predict(model, [NaN])).toEqual([2 / 3]);
    });
  });

  test('feature subsampling is deterministic per seed', () => {
    const train = xorData(500, 4, 6, 0.1);
    const fit = (seed: number) => fitTree(train, { maxFeatures: 'sqrt' }, testContext(seed)).tree;
    expect(fit(1)).toEqual(fit(1));
    expect(fit(1)).not.toEqual(fit(2));
  });

  test('round-trips through its parts; a corrupt tree is refused', () => {
    const model = fitTree(xorData(300, 5, 1), {}, testContext());
    const parts = model.toParts();
    const copy = TreeModel.fromParts(parts);
    const held = xorData(100, 6, 1);
    expect(copy.predictProba(held.features, held.n)).toEqual(model.predictProba(held.features, held.n));
    const left = Int32Array.from(parts.arrays.left as Int32Array);
    left[0] = 0; // a cycle: the root's left child is the root
    expect(() => TreeModel.fromParts({ params: parts.params, arrays: { ...parts.arrays, left } })).toThrow(
      /model parts: tree 0 node 0 has children outside \(0, \d+\)/,
    );
  });

  test('an aborted signal stops the fit with its reason', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(() => fitTree(data, {}, testContext(1, controller.signal))).toThrow(reason);
  });

  test('rejects bad params with their name', () => {
    expect(() => fitTree(data, { maxFeatures: 0 }, testContext())).toThrow("tree: param maxFeatures is 0, expected 'all', 'sqrt', 'log2', a count or a fraction");
    expect(() => fitTree(data, { minSamplesLeaf: 0 }, testContext())).toThrow('tree: param minSamplesLeaf is 0');
  });
});

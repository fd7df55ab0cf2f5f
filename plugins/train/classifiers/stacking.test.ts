import { describe, expect, test } from 'vitest';
import { accuracy, logLoss } from './dataset.js';
import { fitLogistic } from './logistic.js';
import { classifierFromParts, fitStacking, fitVoting } from './stacking.js';
import { abortingContext, testContext, xorData } from './synthetic.js';

describe('ensembles', () => {
  const train = xorData(1500, 1, 2, 0.05);
  const held = xorData(1500, 2, 2);
  const linear = { kind: 'logistic' } as const;
  const forest = { kind: 'forest', params: { nTrees: 20, maxDepth: 8 } } as const;

  test('soft voting is the weighted mean of its members’ probabilities', () => {
    const model = fitVoting(train, { members: [linear, forest], weights: [1, 3] }, testContext());
    const [a, b] = model.members.map((m) => m.predictProba(held.features, held.n));
    const p = model.predictProba(held.features, held.n);
    for (let i = 0; i < held.n; i += 97) expect(p[i]).toBeCloseTo((a![i]! + 3 * b![i]!) / 4, 14);
  });

  test('voting and stacking lift logistic regression on XOR', () => {
    const alone = logLoss(held.labels, fitLogistic(train, {}, testContext()).predictProba(held.features, held.n));
    const voting = fitVoting(train, { members: [linear, forest] }, testContext()).predictProba(held.features, held.n);
    const stacking = fitStacking(train, { members: [linear, forest], folds: 3 }, testContext());
    const stacked = stacking.predictProba(held.features, held.n);
    expect(logLoss(held.labels, voting)).toBeLessThan(alone - 0.1);
    expect(logLoss(held.labels, stacked)).toBeLessThan(logLoss(held.labels, voting));
    expect(accuracy(held.labels, stacked)).toBeGreaterThan(0.92);
    // The combiner learns to trust the forest and (nearly) ignore the linear member.
    const [, wLinear, wForest] = stacking.meta!.coef;
    expect(wForest!).toBeGreaterThan(5 * Math.abs(wLinear!));
  });

  test('stacking is deterministic per seed', () => {
    const fit = (seed: number) => fitStacking(train, { members: [linear, forest], folds: 3 }, testContext(seed)).predictProba(held.features, held.n);
    expect(fit(2)).toEqual(fit(2));
    expect(fit(2)).not.toEqual(fit(3));
  });

  test('both kinds round-trip through their parts', () => {
    const members = [{ kind: 'naive-bayes' }, { kind: 'gbt', params: { nRounds: 5 } }, { kind: 'tree', params: { maxDepth: 3 } }] as const;
    for (const model of [fitVoting(train, { members }, testContext()), fitStacking(train, { members, folds: 2 }, testContext())]) {
      const copy = classifierFromParts(model.kind, model.toParts());
      expect(copy.kind).toBe(model.kind);
      expect(copy.predictProba(held.features, held.n)).toEqual(model.predictProba(held.features, held.n));
    }
  });

  test('progress runs from the first fold to the last refit', () => {
    const ctx = testContext();
    fitStacking(train, { members: [linear, { kind: 'naive-bayes' }], folds: 2 }, ctx);
    expect(ctx.calls.every((f, k) => k === 0 || f >= ctx.calls[k - 1]!)).toBe(true);
    expect(ctx.calls.at(-1)).toBe(1);
  });

  test('an abort inside a member stops the fit with the reason', () => {
    const reason = new Error('cancelled by user');
    expect(() => fitStacking(train, { members: [forest], folds: 3 }, abortingContext(5, reason))).toThrow(reason);
  });

  test('rejects bad specs clearly', () => {
    expect(() => fitVoting(train, { members: [] }, testContext())).toThrow('voting: needs at least one member');
    expect(() => fitVoting(train, { members: [linear], weights: [1, 2] }, testContext())).toThrow('voting: weights [1, 2] must be 1 numbers ≥ 0, not all 0');
    expect(() => fitVoting(train, { members: [{ kind: 'svm' } as never] }, testContext())).toThrow('classifier kind "svm" is unknown');
  });
});

import { describe, expect, test } from 'vitest';
import { fitStacking, fitVoting } from '../train/classifiers/stacking.js';
import { nonlinearData, testContext } from '../train/classifiers/synthetic.js';
import { fitClassifier } from './ensemble.js';

describe('the async driver fits what the library fits', () => {
  const train = nonlinearData(600, 6, 1);
  const held = nonlinearData(300, 6, 2);
  const members = [
    { kind: 'gbt', params: { nRounds: 15 } },
    { kind: 'forest', params: { nTrees: 8 } },
    { kind: 'logistic', params: {} },
    { kind: 'naive-bayes', params: {} },
  ] as const;

  test('stacking: the same folds, member seeds and combiner as fitStacking, so the same probabilities', async () => {
    const ours = await fitClassifier({ kind: 'stacking', members: [...members], params: { folds: 3 } }, train, testContext(7));
    const theirs = fitStacking(train, { members, folds: 3 }, testContext(7));
    expect(ours.predictProba(held.features, held.n)).toEqual(theirs.predictProba(held.features, held.n));
  });

  test('voting: the same as fitVoting with the same weights', async () => {
    const ours = await fitClassifier({ kind: 'voting', members: [...members], params: { weights: [2, 1, 1, 0] } }, train, testContext(3));
    const theirs = fitVoting(train, { members, weights: [2, 1, 1, 0] }, testContext(3));
    expect(ours.predictProba(held.features, held.n)).toEqual(theirs.predictProba(held.features, held.n));
  });

  test('progress rises to 1; bad ensemble params are named', async () => {
    const ctx = testContext();
    await fitClassifier({ kind: 'stacking', members: [members[2], members[3]], params: { folds: 2 } }, train, ctx);
    expect(ctx.calls.every((f, k) => k === 0 || f >= ctx.calls[k - 1]!)).toBe(true);
    expect(ctx.calls.at(-1)).toBe(1);
    await expect(fitClassifier({ kind: 'voting', members: [members[2]], params: { weights: [1, 2] } }, train, ctx)).rejects.toThrow(
      'voting: weights [1,2] must be 1 numbers ≥ 0, not all 0',
    );
    await expect(fitClassifier({ kind: 'stacking', members: [members[2]], params: { fold: 2 } }, train, ctx)).rejects.toThrow(
      'model (stacking): unknown param "fold"; stacking takes folds, metaLambda',
    );
    await expect(fitClassifier({ kind: 'stacking', members: [{ kind: 'gbt', params: { rounds: 2 } }], params: {} }, train, ctx)).rejects.toThrow(
      'model member 1 (gbt): unknown param "rounds"',
    );
  });
});

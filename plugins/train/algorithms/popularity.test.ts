import { describe, expect, test } from 'vitest';
import { fromTriples } from '../matrix.js';
import { fitPopularity, PopularityModel } from './popularity.js';
import { testContext } from './testing.js';

// users a, b, c × items x, y, z:   a: x=3 y=1   b: x=1   c: z=5
const MATRIX = fromTriples([
  ['a', 'x', 3],
  ['a', 'y', 1],
  ['b', 'x', 1],
  ['c', 'z', 5],
]);

function scores(model: PopularityModel, user: number): number[] {
  const out = new Float32Array(3);
  model.score(user, out);
  return [...out];
}

describe('popularity', () => {
  test('by users counts distinct users per item, the same for every user', async () => {
    const model = await fitPopularity(MATRIX, { by: 'users' }, testContext());
    expect(scores(model, 0)).toEqual([2, 1, 1]);
    expect(scores(model, 2)).toEqual([2, 1, 1]);
    expect(scores(model, 99)).toEqual([2, 1, 1]);
  });

  test('by values sums the interaction values per item', async () => {
    const model = await fitPopularity(MATRIX, { by: 'values' }, testContext());
    expect(scores(model, 1)).toEqual([4, 1, 5]);
  });

  test('toParts and fromParts round-trip; a corrupt part is refused', async () => {
    const model = await fitPopularity(MATRIX, {}, testContext());
    const parts = model.toParts();
    expect(parts.params).toEqual({ by: 'users', nItems: 3 });
    expect(scores(PopularityModel.fromParts(parts), 0)).toEqual([2, 1, 1]);
    expect(() => PopularityModel.fromParts({ ...parts, arrays: { scores: new Float32Array(2) } })).toThrow(
      'popularity.fromParts: array "scores" has length 2, expected 3',
    );
  });

  test('unknown or bad params are refused by name', async () => {
    await expect(fitPopularity(MATRIX, { bye: 'users' } as never, testContext())).rejects.toThrow('popularity: unknown param "bye" (known: by)');
    await expect(fitPopularity(MATRIX, { by: 'money' } as never, testContext())).rejects.toThrow('popularity: "by" must be one of "users", "values", got "money"');
  });

  test('an aborted signal stops the fit with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(fitPopularity(MATRIX, {}, testContext(1, controller.signal))).rejects.toThrow('stop');
  });
});

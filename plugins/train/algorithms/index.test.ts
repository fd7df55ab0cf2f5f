import { describe, expect, test } from 'vitest';
import { fitIals, fitItemKnn, fitPopularity, fitRebuy, load } from './index.js';
import { randomMatrix, testContext } from './testing.js';

describe('every algorithm saves and loads the same way', () => {
  const m = randomMatrix(30, 20, 200, 8);
  const fits = {
    popularity: () => fitPopularity(m, {}, testContext()),
    rebuy: () => fitRebuy(m, {}, testContext()),
    itemknn: () => fitItemKnn(m, { neighbours: 5 }, testContext()),
    ials: () => fitIals(m, { factors: 4, iterations: 2 }, testContext()),
  };

  test.each(Object.entries(fits))('%s: load(algorithm, toParts()) scores as the fitted model', async (name, fit) => {
    const model = await fit();
    expect(model.algorithm).toBe(name);
    const loaded = load(model.algorithm, model.toParts());
    const [a, b] = [new Float32Array(20), new Float32Array(20)];
    for (const u of [0, 7, 29, -1, 30]) {
      model.score(u, a);
      loaded.score(u, b);
      expect(b).toEqual(a);
    }
  });

  test('an unknown algorithm is refused by name', () => {
    expect(() => load('ease', { params: {}, arrays: {} })).toThrow('load: unknown algorithm "ease" (known: popularity, rebuy, itemknn, ials, ranker)');
  });
});

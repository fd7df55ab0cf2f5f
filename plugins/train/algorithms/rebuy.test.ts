import { describe, expect, test } from 'vitest';
import { fromTriples, topK } from '../matrix.js';
import { fitRebuy, RebuyModel } from './rebuy.js';
import { testContext } from './testing.js';

// users a, b, c × items x, y, z:   a: x=3 y=1   b: x=1   c: z=5
// CSR order of the nonzeros: (a,x) (a,y) (b,x) (c,z)
const MATRIX = fromTriples([
  ['a', 'x', 3],
  ['a', 'y', 1],
  ['b', 'x', 1],
  ['c', 'z', 5],
]);

function scores(model: RebuyModel, user: number): number[] {
  const out = new Float32Array(3);
  model.score(user, out);
  return [...out];
}

describe('rebuy', () => {
  test('own items score their value; the rest score popularity rescaled into [-2, -1]', async () => {
    // popularity by users: x 2, y 1, z 1 → x: 2/2 - 2 = -1, y and z: 1/2 - 2 = -1.5
    const model = await fitRebuy(MATRIX, {}, testContext());
    expect(scores(model, 0)).toEqual([3, 1, -1.5]);
    expect(scores(model, 1)).toEqual([1, -1.5, -1.5]);
    expect(scores(model, 2)).toEqual([-1, -1.5, 5]);
    expect(scores(model, -1)).toEqual([-1, -1.5, -1.5]);
  });

  test("fallback 'none' leaves never-bought items at -Infinity, so topK returns own items only", async () => {
    const model = await fitRebuy(MATRIX, { fallback: 'none' }, testContext());
    expect(scores(model, 0)).toEqual([3, 1, -Infinity]);
    const out = new Float32Array(3);
    model.score(0, out);
    expect(topK(out, 10)).toEqual([0, 1]);
    model.score(7, out);
    expect(topK(out, 10)).toEqual([]);
  });

  test('ages decay each value by 0.5^(age / halfLife)', async () => {
    const ages = Float32Array.from([0, 30, 10, 60]);
    const model = await fitRebuy({ ...MATRIX, ages }, { halfLife: 30, fallback: 'none' }, testContext());
    expect(scores(model, 0)).toEqual([3, 0.5, -Infinity]);
    expect(scores(model, 1)[0]).toBeCloseTo(0.5 ** (1 / 3), 6);
    expect(scores(model, 2)).toEqual([-Infinity, -Infinity, 1.25]);
  });

  test('a recent single purchase outranks an old repeated one once decay is on', async () => {
    // u: x bought 4 times, 200 days ago; y bought once, yesterday
    const m = fromTriples([
      ['u', 'x', 4],
      ['u', 'y', 1],
    ]);
    const out = new Float32Array(2);
    (await fitRebuy(m, {}, testContext())).score(0, out);
    expect(topK(out, 2)).toEqual([0, 1]);
    (await fitRebuy({ ...m, ages: Float32Array.from([200, 1]) }, { halfLife: 30 }, testContext())).score(0, out);
    expect(topK(out, 2)).toEqual([1, 0]);
  });

  test('ages and halfLife must come together and make sense', async () => {
    const ages = Float32Array.from([0, 1, 2, 3]);
    await expect(fitRebuy(MATRIX, { halfLife: 30 }, testContext())).rejects.toThrow('rebuy: "halfLife" needs the `ages` array beside the matrix');
    await expect(fitRebuy({ ...MATRIX, ages }, {}, testContext())).rejects.toThrow('the `ages` array was given but "halfLife" is null');
    await expect(fitRebuy({ ...MATRIX, ages: ages.subarray(1) }, { halfLife: 1 }, testContext())).rejects.toThrow(
      'rebuy: ages has length 3, expected one per nonzero (4)',
    );
    await expect(fitRebuy({ ...MATRIX, ages: Float32Array.from([0, -1, 0, 0]) }, { halfLife: 1 }, testContext())).rejects.toThrow(
      'rebuy: ages[1] is -1; ages must be >= 0',
    );
    await expect(fitRebuy(MATRIX, { halfLife: 0 }, testContext())).rejects.toThrow('"halfLife" must be a number');
  });

  test('toParts and fromParts round-trip', async () => {
    for (const fallback of ['none', 'popularity'] as const) {
      const model = await fitRebuy(MATRIX, { fallback }, testContext());
      const loaded = RebuyModel.fromParts(model.toParts());
      for (const u of [0, 1, 2, 5]) expect(scores(loaded, u)).toEqual(scores(model, u));
    }
  });

  test('an aborted signal stops the fit with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(fitRebuy(MATRIX, {}, testContext(1, controller.signal))).rejects.toThrow('stop');
  });
});

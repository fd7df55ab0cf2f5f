import { describe, expect, test } from 'vitest';
import { fromTriples, topK, type Interactions } from '../matrix.js';
import { fitItemKnn, ItemKnnModel, type ItemKnnParams } from './itemknn.js';
import { blockMatrix, randomMatrix, testContext } from './testing.js';

//        A  B  C  D          item columns (users u0..u3):
//   u0   1  2  .  .          A = [1 1 0 2]  ‖A‖ = √6    users {0,1,3}
//   u1   1  .  1  .          B = [2 0 1 0]  ‖B‖ = √5    users {0,2}
//   u2   .  1  3  1          C = [0 1 3 0]  ‖C‖ = √10   users {1,2}
//   u3   2  .  .  1          D = [0 0 1 1]  ‖D‖ = √2    users {2,3}
// dots: A·B 2, A·C 1, A·D 2, B·C 3, B·D 1, C·D 3
const MATRIX = fromTriples([
  ['u0', 'A', 1],
  ['u0', 'B', 2],
  ['u1', 'A', 1],
  ['u1', 'C', 1],
  ['u2', 'B', 1],
  ['u2', 'C', 3],
  ['u2', 'D', 1],
  ['u3', 'A', 2],
  ['u3', 'D', 1],
]);
const [A, B, C, D] = [0, 1, 2, 3];

/** The kept neighbours of every item as [item, similarity] pairs, best first. */
function neighbours(model: ItemKnnModel): Array<Array<[number, number]>> {
  const { indptr, indices, values } = model.similar;
  return [A, B, C, D].map((i) => Array.from({ length: indptr[i + 1]! - indptr[i]! }, (_, n) => [indices[indptr[i]! + n]!, values[indptr[i]! + n]!]));
}

function expectNeighbours(model: ItemKnnModel, expected: Array<Array<[number, number]>>): void {
  const actual = neighbours(model);
  expect(actual.map((row) => row.map(([j]) => j))).toEqual(expected.map((row) => row.map(([j]) => j)));
  actual.forEach((row, i) => row.forEach(([, s], n) => expect(s).toBeCloseTo(expected[i]![n]![1], 6)));
}

async function fit(params: Partial<ItemKnnParams>, m: Interactions = MATRIX): Promise<ItemKnnModel> {
  return fitItemKnn(m, params, testContext());
}

describe('itemknn similarities on a 4 × 4 matrix, against hand computation', () => {
  test('cosine: dot / (‖i‖·‖j‖)', async () => {
    const cos = (dot: number, a: number, b: number) => dot / Math.sqrt(a * b);
    expectNeighbours(await fit({ similarity: 'cosine' }), [
      [[D, cos(2, 6, 2)], [B, cos(2, 6, 5)], [C, cos(1, 6, 10)]],
      [[C, cos(3, 5, 10)], [A, cos(2, 6, 5)], [D, cos(1, 5, 2)]],
      [[D, cos(3, 10, 2)], [B, cos(3, 5, 10)], [A, cos(1, 6, 10)]],
      [[C, cos(3, 10, 2)], [A, cos(2, 6, 2)], [B, cos(1, 5, 2)]],
    ]);
  });

  test('cosine with shrink 1: dot / (‖i‖·‖j‖ + 1)', async () => {
    const model = await fit({ similarity: 'cosine', shrink: 1 });
    expect(neighbours(model)[A]![1]).toEqual([B, expect.closeTo(2 / (Math.sqrt(30) + 1), 6)]);
  });

  test('jaccard: shared users / users of either, ties by item index', async () => {
    expectNeighbours(await fit({ similarity: 'jaccard' }), [
      [[B, 1 / 4], [C, 1 / 4], [D, 1 / 4]],
      [[C, 1 / 3], [D, 1 / 3], [A, 1 / 4]],
      [[B, 1 / 3], [D, 1 / 3], [A, 1 / 4]],
      [[B, 1 / 3], [C, 1 / 3], [A, 1 / 4]],
    ]);
  });

  test("bm25: cosine of implicit's bm25_weight columns (K1 1.2, B 0.75), computed densely here", async () => {
    const X = [[1, 2, 0, 0], [1, 0, 1, 0], [0, 1, 3, 1], [2, 0, 0, 1]];
    const [K1, Bp] = [1.2, 0.75];
    const itemSums = [0, 1, 2, 3].map((i) => X.reduce((s, row) => s + row[i]!, 0)); // 4, 3, 4, 2
    const mean = itemSums.reduce((a, b) => a + b) / 4;
    const idf = X.map((row) => Math.log(4) - Math.log(1 + row.filter((v) => v > 0).length));
    const w = X.map((row, u) => row.map((v, i) => (v === 0 ? 0 : ((v * (K1 + 1)) / (K1 * (1 - Bp + (Bp * itemSums[i]!) / mean) + v)) * idf[u]!)));
    const col = (i: number) => w.map((row) => row[i]!);
    const sim = (i: number, j: number) => {
      const [a, b] = [col(i), col(j)];
      const dot = a.reduce((s, x, k) => s + x * b[k]!, 0);
      return dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
    };
    const expected = [A, B, C, D].map((i) =>
      [A, B, C, D]
        .filter((j) => j !== i)
        .map((j): [number, number] => [j, sim(i, j)])
        .filter(([, s]) => s > 0)
        .sort((p, q) => q[1] - p[1] || p[0] - q[0]),
    );
    // u2 has 3 of the 4 items, so idf(u2) = ln 4 − ln 4 = 0: B, C and D, which meet only at u2, are not neighbours.
    expect(expected.map((row) => row.map(([j]) => j))).toEqual([[B, C, D].sort((p, q) => sim(A, q) - sim(A, p)), [A], [A], [A]]);
    expectNeighbours(await fit({ similarity: 'bm25' }), expected);
  });

  test('score sums similarity × the user’s value over the user’s items, using only kept neighbours', async () => {
    // neighbours 1: A keeps D (0.577), B keeps C (0.424). u0 has A = 1, B = 2.
    const model = await fit({ similarity: 'cosine', neighbours: 1 });
    const out = new Float32Array(4);
    model.score(0, out);
    expect([...out]).toEqual([0, 0, expect.closeTo((2 * 3) / Math.sqrt(50), 6), expect.closeTo(2 / Math.sqrt(12), 6)]);
    model.score(-1, out);
    expect([...out]).toEqual([0, 0, 0, 0]);
  });
});

describe('itemknn behaviour', () => {
  test("on a block-structured matrix, a user's best unseen items come from the user's block", async () => {
    const m = blockMatrix(40, 40, 4, 0.4, 3);
    for (const similarity of ['cosine', 'jaccard', 'bm25'] as const) {
      const model = await fit({ similarity, neighbours: 20 }, m);
      const out = new Float32Array(40);
      for (let u = 0; u < 40; u++) {
        const own = new Set(m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!));
        const k = Math.min(3, 10 - own.size);
        for (const i of topK((model.score(u, out), out), k, own)) expect(i % 4).toBe(u % 4);
      }
    }
  });

  test('toParts and fromParts round-trip; same input, same model', async () => {
    const m = randomMatrix(60, 30, 600, 5);
    const model = await fit({ similarity: 'bm25', neighbours: 5 }, m);
    const again = await fit({ similarity: 'bm25', neighbours: 5 }, m);
    const loaded = ItemKnnModel.fromParts(model.toParts());
    expect(again.toParts()).toEqual(model.toParts());
    const [a, b] = [new Float32Array(30), new Float32Array(30)];
    for (let u = 0; u < 60; u++) {
      model.score(u, a);
      loaded.score(u, b);
      expect(b).toEqual(a);
    }
    const broken = { ...model.toParts(), arrays: { ...model.toParts().arrays, similarIndices: new Int32Array(model.similar.indices.length).fill(30) } };
    expect(() => ItemKnnModel.fromParts(broken)).toThrow('itemknn.fromParts: "similarIndices" holds 30, outside 0..29');
  });

  test('a signal aborted during the fit stops it with its reason', async () => {
    const controller = new AbortController();
    const ctx = testContext(1, controller.signal);
    const fitting = fitItemKnn(randomMatrix(3000, 6000, 400_000, 1), { neighbours: 50 }, ctx);
    setTimeout(() => controller.abort(new Error('stop')), 30);
    const started = performance.now();
    await expect(fitting).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

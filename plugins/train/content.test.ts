import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { loomTest } from '../../test/fixtures/loom.js';
import { sqlDataset, withTestDb } from '../../test/fixtures/sql-dataset.js';
import { fitContent } from './content.js';
import { fromTriples } from './matrix.js';

const test = loomTest([asAnyPlugin(sqlDataset)]);

// Term sets: a {heart, holder, white}, b {heart, holder, red}, c {holder, tlight}, d {candle}.
const VECTORS = `SELECT * FROM (VALUES ('a', 'heart', 0.6), ('a', 'holder', 0.6), ('a', 'white', 0.53), ('b', 'heart', 0.6), ('b', 'holder', 0.6),
  ('b', 'red', 0.53), ('c', 'holder', 0.8), ('c', 'tlight', 0.6), ('d', 'candle', 1.0)) t(StockCode, term, weight)`;
const matrix = fromTriples([
  ['ann', 'a', 1],
  ['ann', 'b', 1],
  ['bob', 'c', 1],
  ['bob', 'd', 1],
]);

/** Item → [neighbour, similarity] rounded, as the fitted model holds them. */
async function neighbours(loom: Parameters<typeof withTestDb>[0], similarity: 'cosine' | 'jaccard' | 'edit') {
  const model = await withTestDb(loom, async (db) => {
    await db.run(`CREATE TABLE vectors AS ${VECTORS}`);
    return fitContent(db, 'vectors', { item: 'StockCode', term: 'term', weight: 'weight' }, matrix, 10, similarity);
  });
  const arrays = model.toParts().arrays;
  const [indptr, indices, values] = [arrays.similarIndptr!, arrays.similarIndices!, arrays.similarValues!];
  return Object.fromEntries(
    matrix.items.map((item, i) => [item, Array.from({ length: indptr[i + 1]! - indptr[i]! }, (_, n) => [matrix.items[indices[indptr[i]! + n]!], Number(values[indptr[i]! + n]!.toFixed(4))])]),
  );
}

test('jaccard: shared terms over all terms, among items sharing a term', async ({ loom }) => {
  expect(await neighbours(loom, 'jaccard')).toEqual({
    a: [['b', 0.5], ['c', 0.25]], // {heart, holder} of 4; {holder} of 4
    b: [['a', 0.5], ['c', 0.25]],
    c: [['a', 0.25], ['b', 0.25]],
    d: [],
  });
});

test('edit: one minus the normalised edit distance of the sorted terms', async ({ loom }) => {
  // "heart holder white" vs "heart holder red": 5 edits over 18 characters; vs "holder tlight": 12 edits over 18.
  const result = await neighbours(loom, 'edit');
  expect(result.a![0]).toEqual(['b', Number((1 - 5 / 18).toFixed(4))]);
  expect(result.d).toEqual([]);
});

test('cosine stays the default and an unknown measure is a clear error', async ({ loom }) => {
  expect((await neighbours(loom, 'cosine')).a![0]).toEqual(['b', 0.72]);
  await expect(neighbours(loom, 'levenshtein' as never)).rejects.toThrow('content: similarity must be one of "cosine", "jaccard", "edit", got "levenshtein"');
});

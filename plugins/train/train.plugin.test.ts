import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import { decodeModel } from '../evaluate/model-file.js';
import { load } from './algorithms/index.js';
import train from './train.plugin.js';

pluginContract(asAnyPlugin(train));
const test = loomTest([asAnyPlugin(sqlDataset)]);

//        x  y  z
//  ann   3  1  .
//  bob   .  1  .
//  cy    1  .  2
const CELLS = `SELECT * FROM (VALUES ('ann', 'x', 3, TIMESTAMP '2011-08-01'), ('ann', 'y', 1, TIMESTAMP '2011-08-20'), ('bob', 'y', 1, TIMESTAMP '2011-08-30'),
  ('cy', 'x', 1, TIMESTAMP '2011-07-01'), ('cy', 'z', 2, TIMESTAMP '2011-08-31')) t(CustomerID, StockCode, count, last_time)`;

async function fitModel(loom: Parameters<typeof runDoc>[0], config: Record<string, unknown>, sql = CELLS) {
  const doc = workflow().node('cells', 'fixture', { config: { sql } }).node('model', 'train', { inputs: { interactions: 'cells.data' }, config }).build();
  const state = await runDoc(loom, doc);
  const node = state.nodes.model!;
  if (node.status !== 'succeeded') return { error: node.error?.message };
  const file = decodeModel(await loom.artifacts.readBytes(node.outputs!.model!));
  const model = load(file.header.algorithm, { params: file.header.params, arrays: file.arrays });
  const scores = (user: string) => {
    const out = new Float32Array(file.header.ids.items!.length);
    model.score(file.header.ids.users!.indexOf(user), out);
    return Object.fromEntries(file.header.ids.items!.map((item, i) => [item, out[i]]));
  };
  return { header: file.header, scores, meta: node.outputs!.model!.meta, cellsSha: state.nodes.cells!.outputs!.data!.sha256 };
}

describe('train', () => {
  test('writes a model file whose header names the algorithm, the ids, and the data it came from', async ({ loom }) => {
    const fitted = await fitModel(loom, { algorithm: 'popularity', name: 'TopPop' });
    expect(fitted.header).toMatchObject({ algorithm: 'popularity', ids: { users: ['ann', 'bob', 'cy'], items: ['x', 'y', 'z'] }, lineage: { name: 'TopPop', node: 'model', interactions: fitted.cellsSha } });
    expect(fitted.meta).toMatchObject({ format: 'loom-model/1', algorithm: 'popularity', name: 'TopPop', users: 3, items: 3 });
    // Two users bought x and y, one bought z.
    expect(fitted.scores!('bob')).toEqual({ x: 2, y: 2, z: 1 });
  });

  test('re-buy ranks a customer\'s own items by count, everything else below them', async ({ loom }) => {
    const { scores } = await fitModel(loom, { algorithm: 'rebuy', params: { fallback: 'popularity' } });
    const ann = scores!('ann');
    expect(ann.x).toBe(3);
    expect(ann.y).toBe(1);
    expect(ann.z!).toBeLessThan(0);
  });

  test('re-buy with a half-life decays by the age of the last purchase, from the latest time in the data', async ({ loom }) => {
    const { scores, header } = await fitModel(loom, { algorithm: 'rebuy', time: 'last_time', params: { fallback: 'none', halfLife: 30 } });
    expect(header!.lineage).toMatchObject({ asOf: '2011-08-31 00:00:00' });
    // cy bought x 61 days before the latest time and z on it: 1 × 0.5^(61/30) and 2 × 1.
    expect(scores!('cy').x).toBeCloseTo(0.5 ** (61 / 30), 6);
    expect(scores!('cy').z).toBeCloseTo(2, 6);
  });

  test('item-kNN and iALS fit, load back and score every item', async ({ loom }) => {
    for (const algorithm of ['itemknn', 'ials']) {
      const { scores } = await fitModel(loom, { algorithm, params: algorithm === 'ials' ? { factors: 2, iterations: 3 } : {} });
      expect(Object.keys(scores!('ann'))).toEqual(['x', 'y', 'z']);
    }
  });

  test('content: neighbours from the cosine of description vectors, scored like item-kNN', async ({ loom }) => {
    // x = red, y = 0.6 red + 0.8 bag, z = bag: cos(x, y) = 0.6, cos(y, z) = 0.8, cos(x, z) = 0.
    const vectors = `SELECT * FROM (VALUES ('x', 'red', 1.0), ('y', 'red', 0.6), ('y', 'bag', 0.8), ('z', 'bag', 1.0)) t(StockCode, term, weight)`;
    const doc = workflow()
      .node('cells', 'fixture', { config: { sql: CELLS } })
      .node('text', 'fixture', { config: { sql: vectors } })
      .node('model', 'train', { inputs: { interactions: 'cells.data', items: 'text.data' }, config: { algorithm: 'content', name: 'content' } })
      .build();
    const state = await runDoc(loom, doc);
    const file = decodeModel(await loom.artifacts.readBytes(state.nodes.model!.outputs!.model!));
    expect(file.header).toMatchObject({ algorithm: 'itemknn', lineage: { name: 'content', trainedAs: 'content', items: state.nodes.text!.outputs!.data!.sha256 } });
    const model = load(file.header.algorithm, { params: file.header.params, arrays: file.arrays });
    const out = new Float32Array(3);
    model.score(0, out); // ann bought x three times and y once
    expect([...out].map((v) => Number(v.toFixed(5)))).toEqual([0.6, 1.8, 0.8]);
  });

  test('bad input is a clear error: a missing column, non-positive values, nothing to train on, a half-life without time', async ({ loom }) => {
    expect((await fitModel(loom, { algorithm: 'popularity', user: 'Customer' })).error).toBe(
      'the user column "Customer" is not in the interactions; its columns are "CustomerID", "StockCode", "count", "last_time"',
    );
    expect((await fitModel(loom, { algorithm: 'popularity' }, `SELECT 'a' AS CustomerID, 'x' AS StockCode, 0 AS count`)).error).toBe(
      '1 user-item cells have a value that is not positive in column "count"; filter or clean them first',
    );
    expect((await fitModel(loom, { algorithm: 'ials' }, `SELECT 'a' AS CustomerID, 'x' AS StockCode, 1 AS count WHERE false`)).error).toBe('the interactions are empty: nothing to train on');
    expect((await fitModel(loom, { algorithm: 'rebuy', params: { halfLife: 30 } })).error).toBe('re-buy with a halfLife needs a "time" column (e.g. "last_time")');
  });
});

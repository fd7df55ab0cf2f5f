import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import evaluate from './evaluate.plugin.js';

pluginContract(asAnyPlugin(evaluate));
const test = loomTest([asAnyPlugin(sqlDataset)]);

// Training:  ann bought x (3 lines) and y (1); bob y (1); cy x (1) and z (2).
const TRAIN = `SELECT * FROM (VALUES ('ann', 'x', 3), ('ann', 'y', 1), ('bob', 'y', 1), ('cy', 'x', 1), ('cy', 'z', 2)) t(CustomerID, StockCode, count)`;
// After the cutoff: ann buys y again and w (not in the trained catalogue); bob buys x; dan (never trained on) buys x.
const TEST = `SELECT * FROM (VALUES ('ann', 'y', 1), ('ann', 'w', 1), ('bob', 'x', 2), ('dan', 'x', 1)) t(CustomerID, StockCode, count)`;

function doc(baselineSql = TRAIN) {
  return workflow()
    .node('train', 'fixture', { config: { sql: TRAIN } })
    .node('other', 'fixture', { config: { sql: baselineSql } })
    .node('test', 'fixture', { config: { sql: TEST } })
    .node('rebuy', 'train', { inputs: { interactions: 'train.data' }, config: { algorithm: 'rebuy', name: 're-buy' } })
    .node('pop', 'train', { inputs: { interactions: 'other.data' }, config: { algorithm: 'popularity', name: 'TopPop' } })
    .node('eval', 'evaluate', { inputs: { candidate: 'rebuy.model', baselines: ['pop.model'], test: 'test.data' }, config: { k: 2, resamples: 200 } })
    .build();
}

test('ranks the whole catalogue for trained users who buy after the cutoff, compares with the baseline, and gates', async ({ loom }) => {
  const state = await runDoc(loom, doc());
  expect(state.nodes.eval!.status).toBe('succeeded');
  const metrics = (await loom.artifacts.readJson(state.nodes.eval!.outputs!.metrics!)) as {
    users: number; testItemsOutsideCatalogue: number; models: { name: string; ndcg: number; hitRate: number }[]; comparisons: { baseline: string; meanDelta: number; pass: boolean }[]; pass: boolean;
  };
  expect(metrics.users).toBe(2);
  expect(metrics.testItemsOutsideCatalogue).toBe(1);
  // re-buy: ann gets [x, y] (y second), bob gets [y, x] (x second): both 1/log2(3) = 0.6309.
  // TopPop: x and y are bought by two users each, ties by item: [x, y] for everyone: ann 0.6309, bob 1.
  const rank2 = 1 / Math.log2(3);
  expect(metrics.models.map((m) => m.name)).toEqual(['re-buy', 'TopPop']);
  expect(metrics.models[0]!.ndcg).toBeCloseTo(rank2, 10);
  expect(metrics.models[1]!.ndcg).toBeCloseTo((rank2 + 1) / 2, 10);
  expect(metrics.comparisons[0]).toMatchObject({ baseline: 'TopPop', pass: false });
  expect(metrics.comparisons[0]!.meanDelta).toBeCloseTo((rank2 - 1) / 2, 10);
  expect(metrics.pass).toBe(false);
});

test('models trained on other data cannot be compared: a clear error', async ({ loom }) => {
  const state = await runDoc(loom, doc(`SELECT 'zed' AS CustomerID, 'q' AS StockCode, 1 AS count`));
  expect(state.nodes.eval!.error?.message).toBe('baseline 1 ("TopPop") was trained on other users or items than the candidate; train them on the same interactions');
});

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

test('a baseline trained on other customers and items is matched by id: what it ranks outside the catalogue is a miss', async ({ loom }) => {
  // TopPop here only knows item q, which the candidate's catalogue lacks: every user's top 2 is [q], a miss.
  const state = await runDoc(loom, doc(`SELECT 'zed' AS CustomerID, 'q' AS StockCode, 1 AS count`));
  expect(state.nodes.eval!.error).toBeUndefined();
  const metrics = (await loom.artifacts.readJson(state.nodes.eval!.outputs!.metrics!)) as { models: { name: string; ndcg: number }[]; comparisons: { pass: boolean }[] };
  expect(metrics.models.map((m) => [m.name, m.ndcg])).toEqual([
    ['re-buy', 1 / Math.log2(3)],
    ['TopPop', 0],
  ]);
  expect(metrics.comparisons[0]!.pass).toBe(true);
});

test('with "production", the version in the registry joins the comparison, once there is one', async ({ loom }) => {
  const withProduction = doc();
  const evalNode = withProduction.nodes.find((n) => n.id === 'eval')!;
  evalNode.config = { ...evalNode.config, production: { model: 'recs' } };
  const first = await runDoc(loom, withProduction);
  const before = (await loom.artifacts.readJson(first.nodes.eval!.outputs!.metrics!)) as Record<string, unknown>;
  expect(before.production).toBeUndefined();
  expect(first.nodes.eval!.status).toBe('succeeded');

  const v1 = await loom.models.register({ name: 'recs', artifact: first.nodes.rebuy!.outputs!.model!, algorithm: 'rebuy', actor: 'test' });
  await loom.models.moveAlias({ name: 'recs', alias: 'production', to: v1.version, actor: 'test', reason: 'first' });
  const second = await runDoc(loom, withProduction);
  const after = (await loom.artifacts.readJson(second.nodes.eval!.outputs!.metrics!)) as {
    production: unknown; models: { name: string }[]; comparisons: { baseline: string; meanDelta: number; pass: boolean }[];
  };
  expect(after.production).toEqual({ model: 'recs', alias: 'production', version: 1 });
  expect(after.models.map((m) => m.name)).toEqual(['re-buy', 'TopPop', 'recs@1 (production)']);
  // The candidate is the production model itself: no gain, so the gate cannot pass against it.
  expect(after.comparisons[1]).toMatchObject({ baseline: 'recs@1 (production)', meanDelta: 0, pass: false });
});

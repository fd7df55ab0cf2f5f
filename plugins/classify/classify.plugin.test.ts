import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import type { JsonObject } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, startDoc } from '../../test/fixtures/loom.js';
import { queryDataset, sqlDataset } from '../../test/fixtures/sql-dataset.js';
import { pluginContract } from '../../test/plugin-contract.js';
import { decodeModel } from '../evaluate/model-file.js';
import classify, { loadClassifier } from './classify.plugin.js';

pluginContract(asAnyPlugin(classify));
const test = loomTest([asAnyPlugin(sqlDataset), asAnyPlugin(classify)]);

// 300 rows (train: id < 200, test: the rest): two informative features, a constant-ish integer, a flag, a text.
// The label is a noisy threshold on a + b, from a hash, so every machine draws the same table.
const ROWS = `SELECT i::BIGINT AS id, (hash(i) % 1000) / 1000.0 AS a, (hash(i + 7777) % 1000)::INTEGER AS b, i % 3 = 0 AS flag, 'n' || i AS note,
  CASE WHEN (hash(i) % 1000) / 1000.0 + (hash(i + 7777) % 1000) / 1000.0 + ((hash(i + 99) % 100) / 100.0 - 0.5) * 0.6 > 1 THEN 1 ELSE 0 END AS y
  FROM range(300) r(i)`;
const TRAIN = `SELECT * FROM (${ROWS}) WHERE id < 200 ORDER BY id`;
const TEST = `SELECT * FROM (${ROWS}) WHERE id >= 200 ORDER BY id`;
const SMALL = { kind: 'stacking', members: [{ kind: 'gbt', params: { nRounds: 20 } }, { kind: 'forest', params: { nTrees: 10 } }, { kind: 'logistic' }], params: { folds: 3 } };

function tables(config: Record<string, unknown>, trainSql = TRAIN, testSql: string | null = TEST) {
  const w = workflow().node('train', 'fixture', { config: { sql: trainSql } });
  if (testSql) w.node('test', 'fixture', { config: { sql: testSql } });
  return w.node('c', 'classify', { inputs: { train: 'train.data', ...(testSql ? { test: 'test.data' } : {}) }, config });
}

describe('choosing features', () => {
  test('by default every numeric and boolean column but the label and the id, in table order', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'y', id: 'id', model: { kind: 'logistic' } }).build());
    const metrics = (await loom.artifacts.readJson(state.nodes.c!.outputs!.metrics!)) as JsonObject;
    expect(metrics.features).toEqual(['a', 'b', 'flag']);
    const { header } = decodeModel(await loom.artifacts.readBytes(state.nodes.c!.outputs!.model!));
    expect(header.algorithm).toBe('classifier');
    expect(header.ids.features).toEqual(['a', 'b', 'flag']);
    const pre = (header.params.preprocessing as { features: JsonObject[] }).features;
    expect(pre.map((f) => [f.name, f.type, f.missing])).toEqual([['a', 'DOUBLE', 0], ['b', 'INTEGER', 0], ['flag', 'BOOLEAN', 0]]);
    expect(pre[2]).toMatchObject({ min: 0, max: 1, mean: 67 / 200 });
    expect(header.lineage).toMatchObject({ name: 'c', node: 'c', train: state.nodes.train!.outputs!.data!.sha256, test: state.nodes.test!.outputs!.data!.sha256 });
  });

  test('given features keep their order; the id never becomes one', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'y', features: ['b', 'a'], model: { kind: 'logistic' } }).build());
    expect(((await loom.artifacts.readJson(state.nodes.c!.outputs!.metrics!)) as JsonObject).features).toEqual(['b', 'a']);
    const bad = await runDoc(loom, tables({ label: 'y', id: 'id', features: ['a', 'id'] }).build());
    expect(bad.nodes.c!.error?.message).toBe('feature 2 "id" is the id column; leave it out of the features');
  });
});

describe('bad tables are clear errors', () => {
  test('a missing label column names the columns there are', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'bought' }).build());
    expect(state.nodes.c!.error?.message).toBe('label column "bought" not found; columns are id (BIGINT), a (DOUBLE), b (INTEGER), flag (BOOLEAN), note (VARCHAR), y (INTEGER)');
  });

  test('a text feature is refused, naming the numeric columns', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'y', features: ['a', 'note'] }).build());
    expect(state.nodes.c!.error?.message).toBe('feature 2 "note" is VARCHAR, not numeric; numeric columns are id, a, b, flag');
  });

  test('a label with one class cannot be learned', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'y' }, `SELECT * EXCLUDE (y), 0 AS y FROM (${TRAIN})`).build());
    expect(state.nodes.c!.error?.message).toBe('label "y" is 0 on all 200 train rows: a classifier needs both classes');
  });

  test('NULL or other label values are counted, not dropped', async ({ loom }) => {
    const nulls = await runDoc(loom, tables({ label: 'y' }, `SELECT * REPLACE (CASE WHEN id < 3 THEN NULL ELSE y END AS y) FROM (${TRAIN})`).build());
    expect(nulls.nodes.c!.error?.message).toBe('label "y": 3 of 200 train rows are NULL; drop or fill them first');
    const twos = await runDoc(loom, tables({ label: 'y' }, TRAIN, `SELECT * REPLACE (y * 2 AS y) FROM (${TEST})`).build());
    expect(twos.nodes.c!.error?.message).toMatch(/^label "y": \d+ of 100 test rows are neither 0 nor 1 \(e\.g\. 2\.0\)$/);
  });

  test('a misspelt model param and a baseline that reads the label fail before fitting', async ({ loom }) => {
    const typo = await runDoc(loom, tables({ label: 'y', model: { kind: 'forest', params: { nTree: 5 } } }).build());
    expect(typo.nodes.c!.error?.message).toBe('model (forest): unknown param "nTree"; forest takes criterion, maxDepth, minSamplesLeaf, minSamplesSplit, minImpurityDecrease, maxFeatures, maxBins, nTrees, bootstrap, maxSamples');
    const peek = await runDoc(loom, tables({ label: 'y', model: { kind: 'logistic' }, baseline: 'y' }).build());
    expect(peek.nodes.c!.error?.message).toMatch(/^baseline: "y" is not a valid expression here: Binder Error: Referenced column "y" not found/);
  });
});

describe('fitting and serving', () => {
  test('loadClassifier predicts exactly what the plugin scored on the test rows', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'y', id: 'id', model: SMALL, baseline: 'a' }).build());
    const out = state.nodes.c!.outputs!;
    const scored = await queryDataset(loom, out.predictions!, 'SELECT id, label, probability FROM t');
    const { header, arrays } = decodeModel(await loom.artifacts.readBytes(out.model!));
    const loaded = loadClassifier(header, arrays);
    expect(loaded.features).toEqual(['a', 'b', 'flag']);
    const rows = await queryDataset(loom, state.nodes.test!.outputs!.data!, 'SELECT a::DOUBLE AS a, b::DOUBLE AS b, flag::INTEGER AS flag FROM t ORDER BY id');
    expect(Array.from(loaded.predict(rows as Record<string, number>[]))).toEqual(scored.map((r) => r.probability));
    expect(scored.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => String(200 + i)));
    const metrics = (await loom.artifacts.readJson(out.metrics!)) as { model: { rocAuc: number }; baselines: { name: string; rocAuc: number | null }[]; members: { kind: string }[]; rows: JsonObject };
    expect(metrics.rows).toEqual({ train: 200, test: 100 });
    expect(metrics.members.map((m) => m.kind)).toEqual(['gbt', 'forest', 'logistic']);
    expect(metrics.baselines.map((b) => b.name)).toEqual(['prior', 'baseline']);
    expect(metrics.baselines[0]!.rocAuc).toBe(0.5);
    expect(metrics.model.rocAuc).toBeGreaterThan(metrics.baselines[1]!.rocAuc!);
    expect(() => loaded.predict([{ a: 1, b: 2 }])).toThrow('row 0: feature "flag" is missing; the model reads a, b, flag');
  });

  test('the same seed gives the same model, another seed another', async ({ loom }) => {
    const doc = tables({ label: 'y', model: SMALL, seed: 1 })
      .node('twin', 'classify', { inputs: { train: 'train.data', test: 'test.data' }, config: { label: 'y', model: SMALL, seed: 1, name: 'twin' } })
      .node('other', 'classify', { inputs: { train: 'train.data', test: 'test.data' }, config: { label: 'y', model: SMALL, seed: 2 } })
      .build();
    const state = await runDoc(loom, doc);
    const probabilities = (id: string) => queryDataset(loom, state.nodes[id]!.outputs!.predictions!, 'SELECT probability FROM t');
    expect(await probabilities('twin')).toEqual(await probabilities('c'));
    expect(await probabilities('other')).not.toEqual(await probabilities('c'));
  });

  test('stops soon when the run is cancelled in the middle of a fit', async ({ loom }) => {
    const handle = startDoc(loom, tables({ label: 'y', model: { kind: 'gbt', params: { nRounds: 100_000, minSamplesLeaf: 1 } } }).build(), {
      onEvent: (e) => e.type === 'node.progress' && e.nodeId === 'c' && e.fraction > 0.1 && handle.cancel(),
    });
    const state = await handle.done;
    expect(state.nodes.c!.status).toBe('cancelled');
    expect(state.nodes.c!.durationMs).toBeLessThan(10_000);
  });
});

// Invoice lines of four customers around a cutoff of 2011-03-01, label window 10 days, train as of 2011-02-19:
//   1: buys 01-10, 02-20 and 03-05 → train label 1 (02-20 in [02-19, 03-01)), test label 1
//   2: buys 01-15 and 02-25        → train label 1, test label 0
//   3: buys 01-20 only             → train 0, test 0
//   4: buys 02-22 then 03-02       → not in train (no line before 02-19), test label 1
//   5: first buys 03-03            → in neither table (no line before its as-of date)
const LINES = `SELECT * FROM (VALUES (1, 'A', DATE '2011-01-10', 2.0), (1, 'B', DATE '2011-02-20', 1.0), (1, 'A', DATE '2011-03-05', 3.0),
  (2, 'A', DATE '2011-01-15', 5.0), (2, 'C', DATE '2011-02-25', 1.0), (3, 'B', DATE '2011-01-20', 4.0),
  (4, 'C', DATE '2011-02-22', 1.0), (4, 'C', DATE '2011-03-02', 1.0), (5, 'A', DATE '2011-03-03', 1.0), (6, 'A', DATE '2011-03-12', 1.0)) t(CustomerID, item, day, amount)`;
const SNAPSHOT = {
  entity: 'CustomerID', time: 'day', cutoff: '2011-03-01', horizonDays: 10,
  features: { lines: 'count(*)', spent: 'sum(amount)', recency: "date_diff('day', max(day), max(as_of))" },
};

describe('snapshot: per-entity tables as of a cutoff', () => {
  test('features only from lines before each as-of date, the label from the window after it', async ({ loom }) => {
    const state = await runDoc(loom, tables({ label: 'again', model: { kind: 'logistic' }, snapshot: SNAPSHOT }, LINES, null).build());
    const out = state.nodes.c!.outputs!;
    const metrics = (await loom.artifacts.readJson(out.metrics!)) as { snapshot: JsonObject; features: string[] };
    expect(metrics.features).toEqual(['lines', 'spent', 'recency']);
    expect(metrics.snapshot).toEqual({
      cutoff: '2011-03-01', horizonDays: 10, trainOffsetDays: 10, lastLine: '2011-03-12 00:00:00',
      train: { asOf: '2011-02-19', labelUntil: '2011-03-01', entities: 3, positives: 2, featureLines: 3, labelLines: 3 },
      test: { asOf: '2011-03-01', labelUntil: '2011-03-11', entities: 4, positives: 2, featureLines: 6, labelLines: 3 },
    });
    // The test table (what predictions are made for): customers 1-4, labels as drawn above.
    expect(await queryDataset(loom, out.predictions!, 'SELECT id, label FROM t')).toEqual([
      { id: '1', label: 1 }, { id: '2', label: 0 }, { id: '3', label: 0 }, { id: '4', label: 1 },
    ]);
  });

  test('a label window past the end of the data, a column as a feature, and a wired test table are refused', async ({ loom }) => {
    const late = await runDoc(loom, tables({ snapshot: { ...SNAPSHOT, cutoff: '2011-03-05' } }, LINES, null).build());
    expect(late.nodes.c!.error?.message).toBe('snapshot: the test label window [2011-03-05, 2011-03-15) runs past the last line (2011-03-12 00:00:00); move the cutoff earlier or shorten horizonDays');
    const column = await runDoc(loom, tables({ snapshot: { ...SNAPSHOT, features: { amount: 'amount' } } }, LINES, null).build());
    expect(column.nodes.c!.error?.message).toBe('snapshot feature "amount": "amount": it must aggregate the entity\'s lines, e.g. sum(x), count(*), max(t)');
    const wired = await runDoc(loom, tables({ snapshot: SNAPSHOT }, LINES, LINES).build());
    expect(wired.nodes.c!.error?.message).toBe('snapshot builds the test table from the lines wired to "train"; leave "test" unwired');
  });
});

import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import featurize from './featurize.plugin.js';
import { fixture, rows, runFeaturize, values } from './testing.js';

const test = loomTest([asAnyPlugin(fixture), asAnyPlugin(featurize)]);

const SALES = values(
  'InvoiceNo, CustomerID, InvoiceDate, Quantity, UnitPrice',
  "('1', 10, TIMESTAMP '2011-01-01 10:00:00', 2, 1.5)",
  "('1', 10, TIMESTAMP '2011-01-01 10:00:00', 1, 4.0)",
  "('2', 10, TIMESTAMP '2011-01-05 09:00:00', 3, 2.0)",
  "('3', 20, TIMESTAMP '2011-01-03 12:00:00', 1, 10.0)",
  "('4', NULL, TIMESTAMP '2011-01-06 08:00:00', 5, 1.0)",
);

describe('rfm', () => {
  test('one row per customer: days since the last purchase, distinct invoices, sum of quantity * price', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: SALES, steps: [{ op: 'rfm' }] });
    expect(run.status).toBe('succeeded');
    // asOf defaults to the latest date (2011-01-06) plus one day.
    expect(await rows(loom, run.outputs.data!)).toEqual([
      { CustomerID: 10, recency_days: '2', frequency: '2', monetary: 13 },
      { CustomerID: 20, recency_days: '4', frequency: '1', monetary: 10 },
    ]);
    const report = await loom.artifacts.readJson<Record<string, unknown>>(run.outputs.report!);
    expect(report.data).toEqual({ rowsIn: 5, rowsOut: 2, steps: [{ step: 'step 1 (rfm)', asOf: '2011-01-07', customers: 2, skippedWithoutCustomer: 1, rows: 2 }] });
  });

  test('the fitted asOf is applied to the other split; an explicit asOf wins', async ({ loom }) => {
    const later = values('InvoiceNo, CustomerID, InvoiceDate, Quantity, UnitPrice', "('9', 20, DATE '2011-01-02', 1, 1)");
    const fitted = await runFeaturize(loom, { train: SALES, test: later, steps: [{ op: 'rfm' }] });
    expect(fitted.error).toBeUndefined();
    expect(await rows(loom, fitted.outputs.applied!, 'SELECT CustomerID, recency_days::INTEGER AS r FROM t')).toEqual([{ CustomerID: 20, r: 5 }]);
    const explicit = await runFeaturize(loom, { train: SALES, steps: [{ op: 'rfm', asOf: '2011-02-01' }] });
    expect(explicit.error).toBeUndefined();
    expect(await rows(loom, explicit.outputs.data!, 'SELECT recency_days::INTEGER AS r FROM t')).toEqual([{ r: 27 }, { r: 29 }]);
  });

  test('a date column that is text is refused, naming its type', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: `SELECT * REPLACE (CAST(InvoiceDate AS VARCHAR) AS InvoiceDate) FROM (${SALES})`, steps: [{ op: 'rfm' }] });
    expect(run.error).toBe('step 1 (rfm): column "InvoiceDate" is VARCHAR; it must be a DATE or TIMESTAMP');
  });
});

describe('negative sampling', () => {
  // Items A, B, C. u1 bought A and B (A twice): only C is left for it; u2 bought A: B or C; u3 bought all three.
  const CLICKS = values(
    'CustomerID, StockCode, Quantity',
    "('u1', 'A', 1)", "('u1', 'B', 2)", "('u1', 'A', 3)", "('u2', 'A', 1)", "(NULL, 'C', 1)", "('u3', 'A', 1)", "('u3', 'B', 1)", "('u3', 'C', 1)",
  );

  test('k negatives per distinct positive, never an item the user had, positives labelled 1', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: CLICKS, steps: [{ op: 'negatives', k: 2, seed: 7 }] });
    expect(run.status).toBe('succeeded');
    expect(await rows(loom, run.outputs.data!)).toEqual([
      { CustomerID: 'u1', StockCode: 'A', label: 1 },
      { CustomerID: 'u1', StockCode: 'C', label: 0 },
      { CustomerID: 'u1', StockCode: 'C', label: 0 },
      { CustomerID: 'u1', StockCode: 'B', label: 1 },
      { CustomerID: 'u1', StockCode: 'C', label: 0 },
      { CustomerID: 'u1', StockCode: 'C', label: 0 },
      { CustomerID: 'u2', StockCode: 'A', label: 1 },
      { CustomerID: 'u2', StockCode: 'B', label: 0 },
      { CustomerID: 'u2', StockCode: 'B', label: 0 },
      { CustomerID: 'u3', StockCode: 'A', label: 1 },
      { CustomerID: 'u3', StockCode: 'B', label: 1 },
      { CustomerID: 'u3', StockCode: 'C', label: 1 },
    ]);
    const report = await loom.artifacts.readJson<Record<string, { steps: unknown[] }>>(run.outputs.report!);
    expect(report.data!.steps).toEqual([
      { step: 'step 1 (negatives)', rowsIn: 8, skippedWithNull: 1, positives: 6, negatives: 6, positivesWithoutCandidates: 3, rows: 12 },
    ]);
  });

  test('the same seed draws the same negatives; another seed draws others', async ({ loom }) => {
    const node = (seed: number) => ({ inputs: { data: 'clicks.data' }, cache: false, config: { steps: [{ op: 'negatives', user: 'u', item: 'i', k: 3, seed }] } });
    const doc = workflow()
      .node('clicks', 'fixture', { config: { sql: values('u, i', ...Array.from({ length: 40 }, (_, n) => `('u${n % 7}', 'i${(n * 13) % 17}')`)) } })
      .node('first', 'featurize', node(42))
      .node('again', 'featurize', node(42))
      .node('other', 'featurize', node(43))
      .build();
    const state = await runDoc(loom, doc);
    const sha = (id: string) => state.nodes[id]!.outputs!.data!.sha256;
    expect(state.nodes.again!.cached ?? false).toBe(false);
    expect(sha('again')).toBe(sha('first'));
    expect(sha('other')).not.toBe(sha('first'));
    const clash = await rows(loom, state.nodes.first!.outputs!.data!, `SELECT count(*)::INTEGER AS n FROM t n JOIN t p USING (u, i) WHERE n.label = 0 AND p.label = 1`);
    expect(clash).toEqual([{ n: 0 }]);
  });

  test('by default the apply split passes through untouched', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: CLICKS, test: values('CustomerID, StockCode', "('u9', 'Z')"), steps: [{ op: 'negatives' }] });
    expect(await rows(loom, run.outputs.applied!)).toEqual([{ CustomerID: 'u9', StockCode: 'Z' }]);
  });
});

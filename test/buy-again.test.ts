/**
 * workflows/buy-again.json: will a customer buy again within the horizon? On the shipped four-week sample (fast),
 * and on the whole Online Retail data with a cutoff of 2011-09-01 and a 30-day horizon, where the stacked
 * ensemble must rank the test customers better than the baseline "number of invoices so far" (frequency, the strongest single feature).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Loom } from '../engine/loom.js';
import { decodeModel } from '../plugins/evaluate/model-file.js';
import { loadClassifier } from '../plugins/classify/classify.plugin.js';
import { loomTest, runDoc } from './fixtures/loom.js';
import { RETAIL_DATA, RETAIL_DAYS } from './fixtures/retail-data.js';

const WORKFLOW = fileURLToPath(new URL('../workflows/buy-again.json', import.meta.url));

interface Score { rocAuc: number | null; logLoss: number; accuracy: number; f1: number }
interface Metrics {
  rows: { train: number; test: number };
  baseRate: { train: number; test: number };
  model: Score & { kind: string };
  members: { kind: string; rocAuc: number }[];
  baselines: (Score & { name: string })[];
  snapshot: { train: { asOf: string; entities: number; positives: number }; test: { asOf: string; entities: number; positives: number } };
}

const test = loomTest();
let previousRoots: string | undefined;
beforeAll(() => {
  previousRoots = process.env.LOOM_DATA_ROOTS;
  process.env.LOOM_DATA_ROOTS = RETAIL_DATA;
});
afterAll(() => {
  if (previousRoots === undefined) delete process.env.LOOM_DATA_ROOTS;
  else process.env.LOOM_DATA_ROOTS = previousRoots;
});

function line(name: string, s: Score): string {
  return `${name.padEnd(12)} AUC ${s.rocAuc?.toFixed(4) ?? 'n/a'}  log loss ${s.logLoss.toFixed(4)}  accuracy ${s.accuracy.toFixed(4)}  F1 ${s.f1.toFixed(4)}`;
}

async function run(loom: Loom, params: Record<string, unknown>) {
  const state = await runDoc(loom, JSON.parse(readFileSync(WORKFLOW, 'utf8')), { params, baseDir: join(WORKFLOW, '..') });
  expect(Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, n.error?.message ?? n.status]))).toEqual({
    collect: 'succeeded', clean: 'succeeded', 'buy-again': 'succeeded',
  });
  const out = state.nodes['buy-again']!.outputs!;
  return { out, metrics: (await loom.artifacts.readJson(out.metrics!)) as unknown as Metrics };
}

test('on the four-week sample: tables a week apart, a model that loads and predicts', { timeout: 120_000 }, async ({ loom }) => {
  const { out, metrics } = await run(loom, {});
  expect(metrics.snapshot.train.asOf).toBe('2011-09-08');
  expect(metrics.snapshot.test.asOf).toBe('2011-09-15');
  expect(metrics.rows).toEqual({ train: metrics.snapshot.train.entities, test: metrics.snapshot.test.entities });
  expect(metrics.members.map((m) => m.kind)).toEqual(['gbt', 'forest', 'logistic', 'naive-bayes']);
  expect(metrics.baselines.map((b) => b.name)).toEqual(['prior', 'baseline']);
  const { header, arrays } = decodeModel(await loom.artifacts.readBytes(out.model!));
  const model = loadClassifier(header, arrays);
  expect(model.features).toContain('recency_days');
  const p = model.predict([Object.fromEntries(model.features.map((f) => [f, 1]))]);
  expect(p[0]).toBeGreaterThan(0);
  expect(p[0]).toBeLessThan(1);
});

test.skipIf(!existsSync(RETAIL_DAYS))('on the full data at 2011-09-01 with a 30-day horizon, the ensemble beats "bought in the last 30 days"', { timeout: 300_000 }, async ({ loom }) => {
  const started = Date.now();
  const { metrics } = await run(loom, { data: `${RETAIL_DAYS}/*.csv`, cutoff: '2011-09-01', horizonDays: 30 });
  const baseline = metrics.baselines.find((b) => b.name === 'baseline')!;
  const prior = metrics.baselines.find((b) => b.name === 'prior')!;
  console.log(
    [
      `buy-again, full data, cutoff 2011-09-01, horizon 30 days (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `train as of ${metrics.snapshot.train.asOf}: ${metrics.rows.train} customers, base rate ${metrics.baseRate.train.toFixed(4)}`,
      `test  as of ${metrics.snapshot.test.asOf}: ${metrics.rows.test} customers, base rate ${metrics.baseRate.test.toFixed(4)}`,
      line(metrics.model.kind, metrics.model),
      ...metrics.members.map((m) => `  ${m.kind.padEnd(12)} AUC ${m.rocAuc.toFixed(4)}`),
      line('baseline', baseline),
      line('prior', prior),
    ].join('\n'),
  );
  expect(metrics.rows.test).toBeGreaterThan(3000);
  expect(metrics.model.rocAuc!).toBeGreaterThan(baseline.rocAuc!);
  expect(metrics.model.logLoss).toBeLessThan(baseline.logLoss);
  expect(metrics.model.logLoss).toBeLessThan(prior.logLoss);
});

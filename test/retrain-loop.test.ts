/**
 * The retraining loop as a scheduler drives it: the same workflow runs again and again over a folder where new
 * daily files arrive. It always tests on the newest 7 days (`trainUntil: "latest-7d"`) and trains on everything
 * before, compares the new model with the one in production, and publishes it only through the gate.
 *
 *   run 1 (days 1-12)        → recs@1 becomes production
 *   run 2 (no new file)      → everything after collect comes from the cache; no new version
 *   run 3 (days 13-25 added) → a new model, evaluated against recs@1 on the new week; promoted only if it passed
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { workflow } from './builder.js';
import { loomTest, runDoc, tempDir } from './fixtures/loom.js';

const SAMPLE = fileURLToPath(new URL('../workflows/data/online-retail-sample', import.meta.url));
const COLUMNS = { InvoiceNo: 'VARCHAR', StockCode: 'VARCHAR', Description: 'VARCHAR', Quantity: 'BIGINT', InvoiceDate: 'TIMESTAMP', UnitPrice: 'DOUBLE', CustomerID: 'DOUBLE', Country: 'VARCHAR' };

let dir: string;
const saved = process.env.LOOM_MASTER_KEY;
beforeAll(async () => {
  dir = await tempDir('loom-retrain-');
  process.env.LOOM_MASTER_KEY = randomBytes(32).toString('base64');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.LOOM_MASTER_KEY;
  else process.env.LOOM_MASTER_KEY = saved;
  await rm(dir, { recursive: true, force: true });
});

async function arrive(from: number, to: number) {
  const days = (await readdir(SAMPLE)).filter((f) => f.endsWith('.csv')).sort();
  await mkdir(join(dir, 'data'), { recursive: true });
  for (const day of days.slice(from, to)) await copyFile(join(SAMPLE, day), join(dir, 'data', day));
}

// collect ─► clean ─► split ─► interactions ─► rebuy, pop ─► evaluate (vs production) ─► encrypt ─► publish
//                          └─► test-interactions ────────────────┘
const retrain = () =>
  workflow('retrain')
    .node('collect', 'collect', { config: { path: 'data/*.csv', columns: COLUMNS } })
    .node('clean', 'clean', {
      inputs: { data: 'collect.data' },
      config: { rules: [{ op: 'dropRows', where: "starts_with(InvoiceNo, 'C') OR Quantity <= 0 OR UnitPrice <= 0 OR CustomerID IS NULL" }, { op: 'dedupe' }] },
    })
    .node('split', 'annotate', { inputs: { data: 'clean.data' }, config: { split: { method: 'time', time: 'InvoiceDate', trainUntil: 'latest-7d' } } })
    .node('interactions', 'integrate', { inputs: { data: ['split.train'] }, config: { operation: { kind: 'interactions' } } })
    .node('test-interactions', 'integrate', { inputs: { data: ['split.test'] }, config: { operation: { kind: 'interactions' } } })
    .node('rebuy', 'train', { inputs: { interactions: 'interactions.data' }, config: { algorithm: 'rebuy', name: 're-buy', params: { fallback: 'popularity' } } })
    .node('pop', 'train', { inputs: { interactions: 'interactions.data' }, config: { algorithm: 'popularity', name: 'TopPop' } })
    .node('evaluate', 'evaluate', { inputs: { candidate: 'rebuy.model', baselines: ['pop.model'], test: 'test-interactions.data' }, config: { production: { model: 'recs' } } })
    .node('encrypt', 'encrypt', { inputs: { model: 'rebuy.model' }, config: { name: 'recs' } })
    .node('publish', 'publish', { inputs: { model: 'encrypt.model', metrics: 'evaluate.metrics' }, config: { name: 'recs' } })
    .build();

const test = loomTest();

test('new data retrains; no new data changes nothing; production moves only through the gate', { timeout: 120_000 }, async ({ loom }) => {
  const run = () => runDoc(loom, retrain(), { baseDir: dir });
  await arrive(0, 12);
  const first = await run();
  expect(first.status).toBe('succeeded');
  expect(await loom.artifacts.readJson(first.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: true });

  const quiet = await run();
  const recomputed = Object.entries(quiet.nodes).filter(([id, n]) => !n.cached && !['collect', 'evaluate', 'encrypt', 'publish'].includes(id)).map(([id]) => id);
  expect(recomputed).toEqual([]);
  expect(await loom.artifacts.readJson(quiet.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: false, reason: 'recs@1 already holds "production"' });
  expect((await loom.models.model('recs')).versions).toBe(1);

  await arrive(12, 25);
  const third = await run();
  expect(third.status).toBe('succeeded');
  expect(third.nodes.rebuy!.cached).toBeFalsy();
  const metrics = (await loom.artifacts.readJson(third.nodes.evaluate!.outputs!.metrics!)) as { production: { version: number }; pass: boolean; reason: string; models: { name: string; ndcg: number }[] };
  expect(metrics.production.version).toBe(1);
  const outcome = (await loom.artifacts.readJson(third.nodes.publish!.outputs!.version!)) as { version: number; promoted: boolean; reason: string };
  expect(outcome.version).toBe(2);
  expect(outcome.promoted).toBe(metrics.pass);
  expect((await loom.models.resolve('recs', 'production'))!.version).toBe(metrics.pass ? 2 : 1);
  console.log(`retrain loop, run 3: ${metrics.models.map((m) => `${m.name} ${m.ndcg.toFixed(4)}`).join(', ')}; ${outcome.promoted ? 'promoted' : 'kept out'}: ${outcome.reason}`);
});

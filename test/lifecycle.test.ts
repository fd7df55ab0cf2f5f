/**
 * The model life cycle end to end, with nothing stubbed: train → evaluate (against the version in production) →
 * encrypt → publish through the gate; the serving API decrypts and serves the production version; a weaker model is
 * registered but not promoted; an admin promotes it anyway and rolls back over HTTP; a classifier serves predictions.
 *
 * Six customers u1..u6. Each bought the two popular items p1 and p2 once and their own item a<i> three times; after
 * the cutoff each buys their own item again. Re-buy ranks a<i> first (NDCG@2 = 1 for everyone), popularity ranks
 * p1, p2 (NDCG@2 = 0), so re-buy passes a gate that popularity fails, with every bootstrap resample agreeing.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { asAnyPlugin } from '../engine/plugin/define.js';
import { createApp, type LoomApp } from '../engine/server/app.js';
import { loadTokens } from '../engine/server/auth.js';
import { servableOpener } from '../engine/cli/serve-command.js';
import { loadKeyring } from '../plugins/encrypt/keys.js';
import { loadClassifier } from '../plugins/classify/model.js';
import { decodeModel } from '../plugins/evaluate/model-file.js';
import { workflow } from './builder.js';
import { loomTest, runDoc } from './fixtures/loom.js';
import { sqlDataset } from './fixtures/sql-dataset.js';

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const TRAIN = `SELECT * FROM (VALUES ${USERS.flatMap((u, i) => [`('${u}', 'p1', 1)`, `('${u}', 'p2', 1)`, `('${u}', 'a${i + 1}', 3)`]).join(', ')}) t(CustomerID, StockCode, count)`;
const TEST = `SELECT * FROM (VALUES ${USERS.map((u, i) => `('${u}', 'a${i + 1}', 1)`).join(', ')}) t(CustomerID, StockCode, count)`;
const ADMIN = 'admin-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

/** cells ─► rebuy, pop ─► evaluate (candidate, baseline, production "recs") ─► encrypt ─► publish */
function release(candidate: 'rebuy' | 'pop') {
  const baseline = candidate === 'rebuy' ? 'pop' : 'rebuy';
  return workflow('release')
    .node('cells', 'fixture', { config: { sql: TRAIN } })
    .node('test', 'fixture', { config: { sql: TEST } })
    .node('rebuy', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'rebuy', name: 're-buy' } })
    .node('pop', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'popularity', name: 'TopPop' } })
    .node('evaluate', 'evaluate', {
      inputs: { candidate: `${candidate}.model`, baselines: [`${baseline}.model`], test: 'test.data' },
      config: { k: 2, resamples: 200, production: { model: 'recs' } },
    })
    .node('encrypt', 'encrypt', { inputs: { model: `${candidate}.model` }, config: { name: 'recs' } })
    .node('publish', 'publish', { inputs: { model: 'encrypt.model', metrics: 'evaluate.metrics' }, config: { name: 'recs' } })
    .build();
}

const saved = { ...process.env };
beforeAll(() => {
  process.env.LOOM_MASTER_KEY = randomBytes(32).toString('base64');
});
afterAll(() => {
  process.env = saved;
});

const test = loomTest([asAnyPlugin(sqlDataset)]).extend<{ server: LoomApp }>({
  server: async ({ loom }, use) => {
    const tokens = loadTokens({ LOOM_TOKENS: `ops:admin:${ADMIN},dash:viewer:${VIEWER}` })!;
    const server = createApp({ registry: loom.models, artifacts: loom.artifacts, opener: servableOpener(loadKeyring()), access: { mode: 'tokens', tokens }, pollMs: 0, log: () => {} });
    await use(server);
    server.close();
  },
});

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('release, serve, refuse, promote, roll back', () => {
  test('a model that beats its baseline is sealed, published and served; a weaker one is kept out of production', async ({ loom, server }) => {
    const first = await runDoc(loom, release('rebuy'));
    expect(first.nodes.publish!.status).toBe('succeeded');
    expect(await loom.artifacts.readJson(first.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: true, encrypted: true });
    const v1 = await loom.models.version('recs', 1);
    expect(v1.encrypted).toBe(true);
    expect(v1.lineage.inputs.map((i) => i.node)).toEqual(expect.arrayContaining(['cells', 'rebuy', 'evaluate', 'encrypt']));

    const served = await request(server.app).get('/api/models/recs/recommend?customer=u3&k=2').set(as(VIEWER)).expect(200);
    expect(served.body).toMatchObject({ model: 'recs', version: 1, fallback: false });
    expect(served.body.items.map((i: { item: string }) => i.item)).toEqual(['a3', 'p1']);
    const stranger = await request(server.app).get('/api/models/recs/recommend?customer=nobody&k=2').set(as(VIEWER)).expect(200);
    expect(stranger.body).toMatchObject({ fallback: true, items: [{ item: 'p1' }, { item: 'p2' }] });

    // Popularity as the candidate: it loses to re-buy and to production (v1), so it is registered, not promoted.
    const second = await runDoc(loom, release('pop'));
    const outcome = (await loom.artifacts.readJson(second.nodes.publish!.outputs!.version!)) as { version: number; promoted: boolean; reason: string };
    expect(outcome).toMatchObject({ version: 2, promoted: false });
    expect(outcome.reason).toMatch(/^the evaluation gate did not pass: fails: ndcg@2 is 1\.0+ below re-buy .*; fails: ndcg@2 is 1\.0+ below recs@1 \(production\)/);
    const evaluation = (await loom.artifacts.readJson(second.nodes.evaluate!.outputs!.metrics!)) as { production: unknown };
    expect(evaluation.production).toEqual({ model: 'recs', alias: 'production', version: 1 });
    expect((await request(server.app).get('/api/models/recs/recommend?customer=u3&k=2').set(as(VIEWER))).body.version).toBe(1);

    // An admin overrides, then rolls back; a viewer may do neither; the history keeps every move and who made it.
    await request(server.app).post('/api/models/recs/rollback').set(as(VIEWER)).send({ reason: 'x' }).expect(403);
    await request(server.app).put('/api/models/recs/aliases/production').set(as(ADMIN)).send({ version: 2, reason: 'try popularity for the sale' }).expect(200);
    const overridden = await request(server.app).get('/api/models/recs/recommend?customer=u3&k=2').set(as(VIEWER)).expect(200);
    expect(overridden.body).toMatchObject({ version: 2, items: [{ item: 'p1' }, { item: 'p2' }] });
    await request(server.app).post('/api/models/recs/rollback').set(as(ADMIN)).send({ reason: 'sales fell' }).expect(200);
    expect((await request(server.app).get('/api/models/recs/recommend?customer=u3&k=2').set(as(VIEWER))).body.version).toBe(1);
    const history = await request(server.app).get('/api/models/recs/history').set(as(VIEWER)).expect(200);
    const moves = (history.body.moves ?? history.body) as { kind: string; from: number | null; to: number; actor: string; reason: string }[];
    expect(moves.map((m) => [m.kind, m.from, m.to, m.actor])).toEqual([
      ['move', null, 1, 'workflow:release'],
      ['move', 1, 2, 'ops'],
      ['rollback', 2, 1, 'ops'],
    ]);
    const audit = (await loom.models.auditLog({ limit: 50 })).map((e) => `${e.actor} ${e.action} ${e.target}`);
    expect(audit).toEqual(expect.arrayContaining(['workflow:release model.publish recs@1', 'workflow:release model.publish recs@2', 'ops alias.move recs:production', 'ops model.rollback recs:production', 'dash request.refused POST /api/models/recs/rollback', 'server key.use recs@1', 'server key.use recs@2']));
  });

  test('a sealed model under another name is refused at publish, before it can reach the registry', async ({ loom }) => {
    const doc = release('rebuy');
    doc.nodes.find((n) => n.id === 'encrypt')!.config = { name: 'other' };
    const state = await runDoc(loom, doc);
    expect(state.nodes.publish!.error?.message).toBe('the model was sealed for "other" but is published as "recs"; set encrypt\'s "name" to "recs"');
    await expect(loom.models.model('recs')).rejects.toThrow('model "recs" is not registered');
  });

  test('a classifier in production answers predictions with the probabilities it was trained to give', async ({ loom, server }) => {
    // Spend in the last month predicts buying again: label 1 when spend ≥ 50, with a few exceptions.
    const rows = Array.from({ length: 40 }, (_, i) => `(${i}, ${i * 5}, ${i % 7}, ${i * 5 >= 50 !== (i % 9 === 0) ? 1 : 0})`).join(', ');
    const doc = workflow('churn')
      .node('table', 'fixture', { config: { sql: `SELECT * FROM (VALUES ${rows}) t(id, spend, visits, label)` } })
      .node('fit', 'classify', { inputs: { train: 'table.data' }, config: { label: 'label', id: 'id', model: { kind: 'logistic' } } })
      .build();
    const state = await runDoc(loom, doc);
    expect(state.nodes.fit!.status).toBe('succeeded');
    const artifact = state.nodes.fit!.outputs!.model!;
    const v = await loom.models.register({ name: 'churn', artifact, algorithm: 'classifier', actor: 'test' });
    await loom.models.moveAlias({ name: 'churn', alias: 'production', to: v.version, actor: 'test', reason: 'first' });

    const features = [{ spend: 10, visits: 1 }, { spend: 150, visits: 3 }];
    const answer = await request(server.app).post('/api/models/churn/predict').set(as(VIEWER)).send({ rows: features }).expect(200);
    const { header, arrays } = decodeModel(await loom.artifacts.readBytes(artifact));
    expect(answer.body.predictions).toEqual(Array.from(loadClassifier(header, arrays).predict(features)));
    expect(answer.body.predictions[1]).toBeGreaterThan(answer.body.predictions[0]);
    const missing = await request(server.app).post('/api/models/churn/predict').set(as(VIEWER)).send({ rows: [{ spend: 10 }] }).expect(400);
    expect(missing.body.error.message).toContain('visits');
    await request(server.app).get('/api/models/churn/recommend?customer=u1').set(as(VIEWER)).expect(400);
  });
});

/**
 * Every route of the app in process (supertest), over real models trained by the `train` plugin and registered in
 * a real SQLite registry (see test/fixtures/trained-models.ts: recs v1 popularity, v2 re-buy, production 2; draft v1).
 */
import { rm } from 'node:fs/promises';
import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { servableOpener } from '../cli/serve-command.js';
import type { JsonObject } from '../json.js';
import { createApp, type LoomApp } from './app.js';
import { TokenSet } from './auth.js';
import { trainedHome, type TrainedHome } from '../../test/fixtures/trained-models.js';

const TOKENS = { viewer: 'viewer-token-0123456789', editor: 'editor-token-0123456789', admin: 'admin-token-0123456789' };
const as = (role: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[role]}` });

let home: string;
let trained: TrainedHome;
let server: LoomApp;
const logs: JsonObject[] = [];

beforeAll(async () => {
  home = await tempDir('loom-app-');
  trained = await trainedHome(home);
  const tokens = new TokenSet([
    { name: 'vera', role: 'viewer', token: TOKENS.viewer },
    { name: 'ed', role: 'editor', token: TOKENS.editor },
    { name: 'ada', role: 'admin', token: TOKENS.admin },
  ]);
  server = createApp({
    registry: trained.loom.models,
    artifacts: trained.loom.artifacts,
    opener: servableOpener(loadKeyring({})),
    access: { mode: 'tokens', tokens },
    pollMs: 0,
    processMetrics: false,
    log: (entry) => logs.push(entry),
    // How the server issue adds its areas: a router under /api, behind the same error handler.
    routers: [{ path: '/boom', router: () => Router().get('/', () => { throw new Error('the secret path /etc/loom/x is broken'); }) }],
  });
  await server.cache.sync();
});
afterAll(async () => {
  await server.close();
  trained.loom.close();
  await rm(home, { recursive: true, force: true });
});

const get = (path: string, role: keyof typeof TOKENS = 'viewer') => request(server.app).get(path).set(as(role));

describe('probes, headers and errors', () => {
  test('/healthz answers with security headers and a request id (a given one is kept)', async () => {
    const res = await request(server.app).get('/healthz').set('X-Request-Id', 'trace-42');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
    expect(res.headers).toMatchObject({ 'x-request-id': 'trace-42', 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect((await request(server.app).get('/healthz').set('X-Request-Id', 'bad id with spaces')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('/readyz: the registry is readable and production is loaded', async () => {
    const res = await request(server.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', ready: true, reasons: [], models: [{ name: 'recs', production: 2, serving: 2, loading: [], error: null }] });
  });

  test('an unknown route, bad JSON and a body over 1 MB are JSON errors', async () => {
    expect((await get('/api/nothing')).body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /api/nothing' } });
    const bad = await request(server.app).post('/api/models/recs/predict').set(as('viewer')).set('Content-Type', 'application/json').send('{"rows": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_JSON');
    const big = await request(server.app).post('/api/models/recs/predict').set(as('viewer')).send({ rows: [{ x: 1 }], pad: 'x'.repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than the limit of 1048576 bytes' } });
  });

  test('an unexpected error is a 500 that hides its message behind the request id, which the log keeps', async () => {
    const res = await get('/api/boom');
    expect(res.status).toBe(500);
    const id = res.headers['x-request-id'];
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: `internal error; the server log has the details under request id ${id}`, details: { requestId: id } } });
    expect(logs.find((l) => l.requestId === id)).toMatchObject({ level: 'error', path: '/api/boom', error: expect.stringContaining('the secret path /etc/loom/x is broken') });
  });
});

describe('access control', () => {
  test('no token or a wrong token is 401 with WWW-Authenticate; both are audited as anonymous', async () => {
    const none = await request(server.app).get('/api/models');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).toEqual({ error: { code: 'UNAUTHORIZED', message: 'authentication required: send "Authorization: Bearer <token>"' } });
    const wrong = await request(server.app).get('/api/models/recs').set('Authorization', 'Bearer not-a-token-we-know');
    expect(wrong.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'the bearer token is not valid' });
    const audit = await trained.loom.models.auditLog({ limit: 2 });
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ['anonymous', 'request.refused', 'GET /api/models/recs'],
      ['anonymous', 'request.refused', 'GET /api/models'],
    ]);
  });

  test('a viewer or an editor asking for an admin route is 403 naming the role needed; audited with the token name', async () => {
    for (const [role, name] of [['viewer', 'vera'], ['editor', 'ed']] as const) {
      const res = await request(server.app).post('/api/models/recs/rollback').set(as(role)).send({ reason: 'try' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: `this needs the admin role; token "${name}" has the ${role} role`, details: { needed: 'admin', role } } });
      expect((await trained.loom.models.auditLog({ limit: 1 }))[0]).toMatchObject({ actor: name, action: 'request.refused', target: 'POST /api/models/recs/rollback' });
    }
    expect((await get('/api/audit')).status).toBe(403);
  });
});

describe('reading the registry', () => {
  test('GET /api/models lists every model with its aliases and what is served', async () => {
    const res = await get('/api/models');
    expect(res.status).toBe(200);
    expect(res.body.models.map((m: JsonObject) => [m.name, m.versions, m.latest, m.aliases, (m.serving as JsonObject | null)?.version ?? null])).toEqual([
      ['draft', 1, 1, {}, null],
      ['recs', 2, 2, { production: 2 }, 2],
    ]);
  });

  test('GET /api/models/:name has the latest version; an unknown name is 404 with what exists', async () => {
    const res = await get('/api/models/recs');
    expect(res.body).toMatchObject({ name: 'recs', latest: 2, aliases: { production: 2 }, latestVersion: { version: 2, algorithm: 'rebuy', createdBy: 'test' }, serving: { version: 2 } });
    const missing = await get('/api/models/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'MODEL_NOT_FOUND', message: 'model "nope" is not registered; registered models: draft, recs', details: { model: 'nope' } } });
  });

  test('versions: newest first; one by number or by alias; a missing one is 404, a malformed one 400', async () => {
    expect((await get('/api/models/recs/versions')).body.versions.map((v: JsonObject) => [v.version, v.algorithm, v.metrics])).toEqual([
      [2, 'rebuy', { ndcg: 0.5 }],
      [1, 'popularity', { ndcg: 0.3 }],
    ]);
    expect((await get('/api/models/recs/versions/1')).body).toMatchObject({ name: 'recs', version: 1, algorithm: 'popularity', artifact: { type: 'model' } });
    expect((await get('/api/models/recs/versions/production')).body.version).toBe(2);
    const missing = await get('/api/models/recs/versions/7');
    expect([missing.status, missing.body.error.code, missing.body.error.message]).toEqual([404, 'VERSION_NOT_FOUND', 'model "recs" has no version 7; its versions are 1 to 2']);
    const bad = await get('/api/models/recs/versions/latest-ish');
    expect([bad.status, bad.body.error.message]).toEqual([400, '"latest-ish" is neither a version number nor an alias of model "recs"']);
  });

  test('history: every alias move, oldest first', async () => {
    const res = await get('/api/models/recs/history');
    expect(res.body.moves.map((m: JsonObject) => [m.alias, m.kind, m.from, m.to, m.actor, m.reason])).toEqual([
      ['production', 'move', null, 1, 'test', 'first model'],
      ['production', 'move', 1, 2, 'test', 're-buy beats popularity'],
    ]);
  });
});

describe('recommend and predict', () => {
  test('a known customer gets the production version\'s ranking; the response names the version', async () => {
    const res = await get('/api/models/recs/recommend?customer=ann&k=2');
    expect(res.body).toEqual({ model: 'recs', version: 2, customer: 'ann', k: 2, fallback: false, items: [{ item: 'x', score: 3 }, { item: 'y', score: 1 }] });
    expect((await get('/api/models/recs/recommend?customer=ann&k=3&exclude=x')).body.items.map((i: JsonObject) => i.item)).toEqual(['y', 'z']);
  });

  test('an unknown customer gets the popular items with fallback: true, not an error', async () => {
    const res = await get('/api/models/recs/recommend?customer=zed');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, customer: 'zed', fallback: true });
    expect(res.body.items.map((i: JsonObject) => i.item)).toEqual(['x', 'y', 'z']);
  });

  test('bad queries are 400; a model without production is 404', async () => {
    expect((await get('/api/models/recs/recommend')).body.error.message).toBe('query parameter "customer" is required, e.g. ?customer=12347&k=10');
    expect((await get('/api/models/recs/recommend?customer=ann&k=0')).body.error.message).toBe('k must be a whole number of at least 1, got "0"');
    expect((await get('/api/models/recs/recommend?customer=ann&k=5000')).body.error.message).toBe('k must be at most 1000, got 5000');
    expect((await get('/api/models/recs/recommend?customer=a&customer=b')).status).toBe(400);
    const draft = await get('/api/models/draft/recommend?customer=ann');
    expect([draft.status, draft.body.error.code]).toEqual([404, 'ALIAS_NOT_FOUND']);
    expect((await get('/api/models/nope/recommend?customer=ann')).status).toBe(404);
  });

  test('predict on a recommender is a 400 that says to use recommend; bad rows are 400 naming the cell', async () => {
    const res = await request(server.app).post('/api/models/recs/predict').set(as('viewer')).send({ rows: [{ recency: 3 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('model "recs" version 2 (rebuy) is a recommender and cannot predict; use GET /api/models/recs/recommend?customer=<id>');
    const bad = await request(server.app).post('/api/models/recs/predict').set(as('viewer')).send({ rows: [{ recency: 3 }, { recency: 'soon' }] });
    expect(bad.body.error.message).toBe('rows[1].recency must be a finite number, got "soon"');
    expect((await request(server.app).post('/api/models/recs/predict').set(as('viewer')).send({})).body.error.message).toMatch(/^"rows" must be a non-empty array/);
  });
});

describe('rollback and aliases (admin)', () => {
  test('rollback needs a reason, moves production back, serves the old version at once and is audited', async () => {
    const noReason = await request(server.app).post('/api/models/recs/rollback').set(as('admin')).send({});
    expect([noReason.status, noReason.body.error.message]).toEqual([400, '"reason" is required: say why (it is kept in the alias history and the audit log)']);

    const res = await request(server.app).post('/api/models/recs/rollback').set(as('admin')).send({ reason: 'complaints about v2' });
    expect(res.status).toBe(200);
    expect(res.body.move).toMatchObject({ name: 'recs', alias: 'production', kind: 'rollback', from: 2, to: 1, actor: 'ada', reason: 'complaints about v2' });
    expect(res.body.serving.version).toBe(1);
    expect((await get('/api/models/recs/recommend?customer=bob&k=1')).body).toMatchObject({ version: 1, fallback: false });
    expect((await trained.loom.models.auditLog({ limit: 1 }))[0]).toMatchObject({ actor: 'ada', action: 'model.rollback', target: 'recs:production', detail: { from: 2, to: 1, reason: 'complaints about v2' } });

    // Version 1 was the first production: there is nothing before it.
    const again = await request(server.app).post('/api/models/recs/rollback').set(as('admin')).send({ reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NO_PREVIOUS_VERSION');
    const forward = await request(server.app).post('/api/models/recs/rollback').set(as('admin')).send({ to: 2, reason: 'fixed' });
    expect([forward.body.move.to, forward.body.serving.version]).toEqual([2, 2]);
    expect((await request(server.app).post('/api/models/draft/rollback').set(as('admin')).send({ reason: 'x' })).status).toBe(404);
    expect((await request(server.app).post('/api/models/recs/rollback').set(as('admin')).send({ to: 'one', reason: 'x' })).status).toBe(400);
  });

  test('PUT an alias moves it with a reason, is kept in the history and the audit log', async () => {
    const res = await request(server.app).put('/api/models/draft/aliases/staging').set(as('admin')).send({ version: 1, reason: 'try it' });
    expect(res.body.move).toMatchObject({ alias: 'staging', kind: 'move', from: null, to: 1, actor: 'ada' });
    expect((await get('/api/models/draft/history')).body.moves).toHaveLength(1);
    expect((await request(server.app).put('/api/models/draft/aliases/staging').set(as('admin')).send({ version: 9, reason: 'x' })).status).toBe(404);
    expect((await request(server.app).put('/api/models/draft/aliases/bad alias').set(as('admin')).send({ version: 1, reason: 'x' })).body.error.code).toBe('REGISTRY_INVALID');
    expect((await request(server.app).put('/api/models/draft/aliases/staging').set(as('admin')).send({ version: 1 })).status).toBe(400);
    const audit = await get('/api/audit?limit=50', 'admin');
    expect(audit.body.entries.find((e: JsonObject) => e.action === 'alias.move')).toMatchObject({ actor: 'ada', target: 'draft:staging', detail: { from: null, to: 1, reason: 'try it' } });
  });
});

test('/metrics counts requests by route pattern and status, recommendations by fallback, and the served version', async () => {
  const res = await request(server.app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(/loom_http_requests_total\{method="GET",route="\/api\/models\/:name\/recommend",status="200"\} \d+/);
  expect(res.text).toMatch(/loom_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
  expect(res.text).toMatch(/loom_recommendations_total\{model="recs",fallback="true"\} 1/);
  expect(res.text).toContain('loom_model_served_version{model="recs"} 2');
  expect(res.text).toMatch(/loom_model_loads_total\{model="recs",outcome="success"\} \d/);
});

/**
 * `/api/runs` in process (supertest) over a real Loom: saved and inline workflows run on the embedded engine,
 * located 400s for invalid documents and params, roles, cancel, approval gates, previews, logs, the audit log,
 * and the bounded queue (runs past `maxRuns` wait, on disk, and a later server starts them).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { servableOpener } from '../cli/serve-command.js';
import { createLoom, type Loom } from '../loom.js';
import { asAnyPlugin } from '../plugin/define.js';
import { createApp, type LoomApp } from './app.js';
import { TokenSet } from './auth.js';
import { runRoutes } from './run-routes.js';
import { RunService, type RunView } from './run-service.js';

const TOKENS = { viewer: 'viewer-token-0123456789', editor: 'editor-token-0123456789' };
const as = (role: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[role]}` });

let dir: string;
let loom: Loom;

function serverFor(service: RunService): LoomApp {
  const tokens = new TokenSet([
    { name: 'vera', role: 'viewer', token: TOKENS.viewer },
    { name: 'ed', role: 'editor', token: TOKENS.editor },
  ]);
  return createApp({
    registry: loom.models,
    artifacts: loom.artifacts,
    opener: servableOpener(loadKeyring({})),
    access: { mode: 'tokens', tokens },
    pollMs: 0,
    processMetrics: false,
    log: () => {},
    routers: [{ path: '/runs', router: runRoutes(service) }],
  });
}

let service: RunService;
let server: LoomApp;

//   numbers (fixture: 120 rows) ──► stats (constant)      greeting (constant, params.who)
const saved = {
  version: 1,
  name: 'saved',
  params: { who: { type: 'string', default: 'world' }, times: { type: 'integer', default: 1 } },
  nodes: [
    { id: 'numbers', plugin: 'fixture', config: { sql: 'SELECT i::INTEGER AS i, i * 2 AS twice FROM range(120) t(i)' } },
    { id: 'greeting', plugin: 'constant', config: { hello: '${params.who}', times: '${params.times}' } },
  ],
};

beforeAll(async () => {
  dir = await tempDir('loom-run-routes-');
  await mkdir(join(dir, 'workflows'));
  await writeFile(join(dir, 'workflows', 'saved.json'), JSON.stringify(saved));
  loom = createLoom({ home: join(dir, 'home'), plugins: [...builtinPlugins, asAnyPlugin(sqlDataset)] });
  service = new RunService({ loom, workflowsDir: join(dir, 'workflows') });
  server = serverFor(service);
});
afterAll(async () => {
  await service.idle();
  await service.close();
  await server.close();
  loom.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, role: keyof typeof TOKENS = 'editor') => request(server.app).post(path).set(as(role)).send(body as object);
const get = (path: string, role: keyof typeof TOKENS = 'viewer') => request(server.app).get(path).set(as(role));

/** Polls GET /api/runs/:id until the run is no longer running or queued. */
async function finished(runId: string, app = server): Promise<RunView> {
  for (;;) {
    const res = await request(app.app).get(`/api/runs/${runId}`).set(as('viewer'));
    expect(res.status).toBe(200);
    if (res.body.status !== 'running' && res.body.status !== 'queued') return res.body as RunView;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function waitForNode(runId: string, node: string, status: string): Promise<void> {
  while ((await get(`/api/runs/${runId}`)).body.nodes[node].status !== status) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('starting runs', () => {
  test('a saved workflow by name: 202 with the run id, then every node succeeded with timings; a rerun hits the cache', async () => {
    const res = await post('/api/runs', { name: 'saved', params: { who: 'ada' } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ runId: expect.stringMatching(/^\d{8}-\d{6}-[0-9a-f]{6}$/), engine: 'embedded', status: 'running', workflow: 'saved' });
    expect(res.headers.location).toBe(`/api/runs/${res.body.runId}`);
    const run = await finished(res.body.runId);
    expect(run).toMatchObject({ runId: res.body.runId, engine: 'embedded', status: 'succeeded', workflow: 'saved', error: null });
    expect(run.nodes.greeting).toMatchObject({ status: 'succeeded', cached: false, attempts: 1, outputs: { out: { type: 'json' } } });
    expect(run.nodes.numbers!.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(run.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt!));

    const again = await finished((await post('/api/runs', { name: 'saved', params: { who: 'ada' } })).body.runId);
    expect([again.nodes.numbers!.status, again.nodes.greeting!.cached]).toEqual(['cached', true]);

    const audit = await loom.models.auditLog({ limit: 2 });
    expect(audit.map((a) => [a.actor, a.action, a.target, a.detail])).toEqual([
      ['ed', 'run.start', again.runId, { workflow: 'saved', engine: 'embedded', source: 'saved', params: { who: 'ada' } }],
      ['ed', 'run.start', run.runId, { workflow: 'saved', engine: 'embedded', source: 'saved', params: { who: 'ada' } }],
    ]);
  });

  test('an inline workflow document runs the same way', async () => {
    const res = await post('/api/runs', { workflow: { version: 1, name: 'inline', nodes: [{ id: 'a', plugin: 'constant', config: { x: 1 } }, { id: 'b', plugin: 'noop', inputs: { in: 'a.out' } }] } });
    expect(res.status).toBe(202);
    expect(await finished(res.body.runId)).toMatchObject({ status: 'succeeded', workflow: 'inline', nodes: { a: { status: 'succeeded' }, b: { status: 'succeeded' } } });
  });

  test('an invalid document: 400 with every located problem, and nothing runs', async () => {
    const before = loom.journal.listRuns(1000).length;
    const res = await post('/api/runs', { workflow: { version: 1, name: 'broken', nodes: [{ id: 'a', plugin: 'constnt' }, { id: 'b', plugin: 'noop', inputs: { in: 'zz.out' } }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WORKFLOW_INVALID');
    expect(res.body.error.details.workflow).toBe('broken');
    expect(res.body.error.details.problems.map((p: { pointer: string }) => p.pointer)).toEqual(['/nodes/0/plugin', '/nodes/1/inputs/in']);
    expect(res.body.error.details.problems[0].message).toMatch(/did you mean "constant"\?/);
    expect(loom.journal.listRuns(1000)).toHaveLength(before);
  });

  test('params: a wrong type, an unknown name and a missing value are located problems', async () => {
    const typed = await post('/api/runs', { name: 'saved', params: { who: 'x', times: 'twice', whom: 'y' } });
    expect(typed.status).toBe(400);
    expect(typed.body.error.details.problems).toEqual([
      { pointer: '/params/times', message: expect.stringContaining('integer') },
      { pointer: '/params/whom', message: 'unknown param "whom"; did you mean "who"?' },
    ]);
    const required = { version: 1, name: 'needs', params: { day: { type: 'string' } }, nodes: [{ id: 'a', plugin: 'constant', config: { day: '${params.day}' } }] };
    const missing = await post('/api/runs', { workflow: required });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.problems).toEqual([{ pointer: '/params/day', message: 'param "day" has no default and no value was given (pass --param day=<value>)' }]);
  });

  test('the request itself: one of name and workflow, a workflow name that stays in its directory, a known engine', async () => {
    const both = await post('/api/runs', { name: 'saved', workflow: {} });
    expect(both.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'give exactly one of "name" (a saved workflow) and "workflow" (a workflow document)' } });
    expect((await post('/api/runs', { name: '../home/journal' })).body.error.code).toBe('INVALID_WORKFLOW_NAME');
    const unknown = await post('/api/runs', { name: 'saevd' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'WORKFLOW_NOT_FOUND', message: 'no workflow named "saevd"; did you mean "saved"?' });
    expect((await post('/api/runs', { name: 'saved', engine: 'k8s' })).body.error.message).toBe('"engine" must be "embedded" or "temporal", got "k8s"');
    expect((await post('/api/runs', { name: 'saved', concurrency: 0 })).body.error.message).toBe('"concurrency" must be a whole number from 1 to 64, got 0');
    expect((await post('/api/runs', { name: 'saved', param: {} })).body.error.message).toMatch(/^unknown field "param"/);
  });

  test('engine temporal on a server without Temporal: 503 saying how to configure it', async () => {
    const res = await post('/api/runs', { name: 'saved', engine: 'temporal' });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({ code: 'ENGINE_UNAVAILABLE', message: 'the Temporal engine is not configured on this server; start `loom serve` with --address <host:port>' });
  });

  test('roles: no token 401, a viewer may read but not start (403)', async () => {
    expect((await request(server.app).get('/api/runs')).status).toBe(401);
    expect((await post('/api/runs', { name: 'saved' }, 'viewer')).status).toBe(403);
    expect((await get('/api/runs')).status).toBe(200);
  });
});

describe('reading runs', () => {
  test('the list has every run, newest first, with node counts; an unknown run is a 404', async () => {
    const res = await get('/api/runs?limit=2');
    expect(res.body.runs).toHaveLength(2);
    expect(res.body.runs[0]).toMatchObject({ engine: 'embedded', status: 'succeeded', nodes: { failed: 0 }, error: null });
    expect(res.body.runs[0].createdAt >= res.body.runs[1].createdAt).toBe(true);
    expect((await get('/api/runs?limit=0')).status).toBe(400);
    expect((await get('/api/runs/20990101-000000-abcdef')).body).toEqual({
      error: { code: 'RUN_NOT_FOUND', message: 'no run "20990101-000000-abcdef" in the journal (Temporal is not configured on this server)', details: { runId: '20990101-000000-abcdef' } },
    });
  });

  test('preview: a dataset gives its schema and first rows (1..1000, default 50); a JSON output its value', async () => {
    const { runId } = (await post('/api/runs', { name: 'saved', params: { who: 'preview' } })).body;
    await finished(runId);
    const base = `/api/runs/${runId}/nodes/numbers/outputs/data/preview`;
    const fifty = await get(base);
    expect(fifty.status).toBe(200);
    expect(fifty.body).toMatchObject({ runId, node: 'numbers', port: 'data', ref: { type: 'dataset' }, preview: { kind: 'dataset', rows: 120, columns: [{ name: 'i', type: 'INTEGER' }, { name: 'twice' }] } });
    expect(fifty.body.preview.preview.rows).toHaveLength(50);
    const many = await get(`${base}?rows=110`);
    expect(many.body.preview.preview.rows).toHaveLength(110);
    expect(many.body.preview.preview.rows[109]).toEqual([109, '218']);
    expect((await get(`${base}?rows=1001`)).body.error.message).toBe('rows must be a whole number from 1 to 1000, got "1001"');
    expect((await get(`/api/runs/${runId}/nodes/greeting/outputs/out/preview`)).body.preview).toEqual({ kind: 'json', value: { hello: 'preview', times: 1 } });
  });

  test('preview: an unknown node or port is a 404 naming what exists', async () => {
    const { runId } = (await post('/api/runs', { name: 'saved' })).body;
    await finished(runId);
    const node = await get(`/api/runs/${runId}/nodes/greting/outputs/out/preview`);
    expect(node.status).toBe(404);
    expect(node.body.error).toMatchObject({ code: 'NODE_NOT_FOUND', message: `run "${runId}" has no node "greting"; did you mean "greeting"?; its nodes are "numbers" and "greeting"` });
    const port = await get(`/api/runs/${runId}/nodes/greeting/outputs/data/preview`);
    expect(port.status).toBe(404);
    expect(port.body.error).toEqual({ code: 'OUTPUT_NOT_FOUND', message: 'node "greeting" has no output "data"; its outputs are "out"', details: { runId, node: 'greeting', ports: ['out'] } });
  });
});

describe('controlling runs', () => {
  const gated = {
    version: 1,
    name: 'gated',
    nodes: [
      { id: 'model', plugin: 'constant', config: { auc: 0.91 } },
      { id: 'nap', plugin: 'sleep', config: { ms: 300 } },
      { id: 'gate', plugin: 'approve', inputs: { in: 'model.out' }, config: { message: 'publish?' } },
      { id: 'publish', plugin: 'noop', inputs: { in: 'gate.out' } },
    ],
  };

  test('approve: a gate passes with the approver named in its logs; a wrong node is a 404, a non-gate a 400', async () => {
    const { runId } = (await post('/api/runs', { workflow: gated })).body;
    await waitForNode(runId, 'gate', 'running');
    expect((await post(`/api/runs/${runId}/approve`, { node: 'gaet' })).body.error.code).toBe('NODE_NOT_FOUND');
    const notGate = await post(`/api/runs/${runId}/approve`, { node: 'model' });
    expect(notGate.status).toBe(400);
    expect(notGate.body.error.message).toBe(`node "model" is not an approval gate (plugin "constant"); the gates of run "${runId}" are "gate"`);
    expect((await post(`/api/runs/${runId}/approve`, { node: 'gate' }, 'viewer')).status).toBe(403);
    const ok = await post(`/api/runs/${runId}/approve`, { node: 'gate', reason: 'AUC is fine' });
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ runId, node: 'gate', approved: true, by: 'ed' });
    expect(await finished(runId)).toMatchObject({ status: 'succeeded', nodes: { publish: { status: 'succeeded' } } });
    const logs = await get(`/api/runs/${runId}/nodes/gate/logs`);
    expect(logs.body).toEqual({ runId, node: 'gate', entries: [{ at: expect.any(String), kind: 'log', level: 'info', message: 'approved by ed: AUC is fine' }] });
    // The sleep node's progress messages, in order.
    const nap = (await get(`/api/runs/${runId}/nodes/nap/logs`)).body.entries as { kind: string; message: string; fraction: number }[];
    expect(nap.length).toBeGreaterThanOrEqual(2);
    expect(nap.at(-1)).toMatchObject({ kind: 'progress', message: '300 of 300 ms', fraction: 1 });
    expect(nap.map((e) => e.fraction)).toEqual([...nap.map((e) => e.fraction)].sort((a, b) => a - b));
    expect((await loom.models.auditLog({ limit: 1 }))[0]).toMatchObject({ actor: 'ed', action: 'run.approve', target: runId, detail: { node: 'gate', reason: 'AUC is fine' } });
    // Finished: a decision or a cancel now is a conflict.
    expect((await post(`/api/runs/${runId}/approve`, { node: 'gate' })).status).toBe(409);
    expect((await post(`/api/runs/${runId}/cancel`, {})).body.error).toEqual({ code: 'RUN_FINISHED', message: `run "${runId}" has already finished (succeeded)`, details: { runId, status: 'succeeded' } });
  });

  test('reject: the gate fails with the reason and its descendants are skipped', async () => {
    const { runId } = (await post('/api/runs', { workflow: gated })).body;
    await waitForNode(runId, 'gate', 'running');
    expect((await post(`/api/runs/${runId}/approve`, { node: 'gate', approve: false, reason: 'AUC regressed' })).status).toBe(202);
    const run = await finished(runId);
    expect(run.status).toBe('failed');
    expect(run.nodes.gate!.error).toMatchObject({ code: 'REJECTED', message: 'node "gate" was rejected by ed: AUC regressed' });
    expect(run.nodes.publish!.status).toBe('skipped');
  });

  test('cancel: a running run ends cancelled; the logs of an unknown node are a 404', async () => {
    const { runId } = (await post('/api/runs', { workflow: { version: 1, name: 'long', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 60_000 } }] } })).body;
    await waitForNode(runId, 'nap', 'running');
    const res = await post(`/api/runs/${runId}/cancel`, { reason: 'enough' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ runId, status: 'cancelling' });
    expect(await finished(runId)).toMatchObject({ status: 'cancelled', nodes: { nap: { status: 'cancelled' } } });
    expect((await get(`/api/runs/${runId}/nodes/nop/logs`)).body.error).toMatchObject({ code: 'NODE_NOT_FOUND', message: `run "${runId}" has no node "nop"; its nodes are "nap"` });
  });
});

describe('the bounded queue', () => {
  const nap = (ms: number) => ({ workflow: { version: 1, name: `nap-${ms}`, nodes: [{ id: 'nap', plugin: 'sleep', config: { ms } }] } });

  test('past maxRuns a run waits as queued, then runs; a queued run can be cancelled', async () => {
    const one = new RunService({ loom, workflowsDir: join(dir, 'workflows'), maxRuns: 1 });
    const app = serverFor(one);
    try {
      const first = (await request(app.app).post('/api/runs').set(as('editor')).send(nap(400))).body;
      const second = (await request(app.app).post('/api/runs').set(as('editor')).send(nap(50))).body;
      const third = (await request(app.app).post('/api/runs').set(as('editor')).send(nap(60_000))).body;
      expect([first.status, second.status, third.status]).toEqual(['running', 'queued', 'queued']);
      expect((await request(app.app).get(`/api/runs/${second.runId}`).set(as('viewer'))).body).toMatchObject({ status: 'queued', nodes: { nap: { status: 'pending' } } });
      const listed = (await request(app.app).get('/api/runs').set(as('viewer'))).body.runs as { runId: string; status: string }[];
      expect(listed.filter((r) => r.status === 'queued').map((r) => r.runId).sort()).toEqual([second.runId, third.runId].sort());
      expect((await request(app.app).post(`/api/runs/${third.runId}/cancel`).set(as('editor')).send({})).status).toBe(202);
      expect((await finished(first.runId, app)).status).toBe('succeeded');
      expect((await finished(second.runId, app)).status).toBe('succeeded');
      expect((await finished(third.runId, app)).status).toBe('cancelled');
      await one.idle();
      expect(await readdir(join(loom.home, 'server', 'queue'))).toEqual([]);
    } finally {
      await one.close();
      await app.close();
    }
  });

  test('a run still queued when the server stops is started by the next server', async () => {
    const before = new RunService({ loom, workflowsDir: join(dir, 'workflows'), maxRuns: 1 });
    const blocker = await before.start(nap(777));
    const waiting = await before.start(nap(11));
    expect(waiting.status).toBe('queued');
    await before.close(); // stops dispatching: the queued run stays on disk
    expect(await readdir(join(loom.home, 'server', 'queue'))).toEqual([`${waiting.runId}.json`]);

    const after = new RunService({ loom, workflowsDir: join(dir, 'workflows') });
    // The blocker is driven by this (live) process, so it is not resumed; the queued run is started.
    expect(await after.recover()).toEqual({ resumed: [], queued: [waiting.runId] });
    await after.idle();
    expect((await after.get(waiting.runId)).status).toBe('succeeded');
    await before.idle();
    expect((await after.get(blocker.runId)).status).toBe('succeeded');
    await after.close();
  });
});

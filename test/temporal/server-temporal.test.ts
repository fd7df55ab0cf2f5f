/**
 * `/api/runs` with `engine: "temporal"` against the real dev server: a run goes through the test's worker to
 * success with its node states readable over HTTP, a cancel stops a running one, the list has Temporal runs, a
 * node's preview and logs come from the same store, and a task queue nobody polls is a clear 503.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect } from 'vitest';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { servableOpener } from '../../engine/cli/serve-command.js';
import type { Loom } from '../../engine/loom.js';
import { createApp } from '../../engine/server/app.js';
import { runRoutes } from '../../engine/server/run-routes.js';
import { RunService, type RunView } from '../../engine/server/run-service.js';
import { temporalSettings, type TemporalSettings } from '../../engine/temporal/connection.js';
import { temporalTest, uniqueQueue } from './fixture.js';

const test = temporalTest();

/** A server over `loom` whose default engine is Temporal (auth off: roles are pinned in the route tests). */
async function serverFor(loom: Loom, settings: TemporalSettings) {
  const dir = await mkdtemp(join(tmpdir(), 'loom-server-temporal-'));
  const service = new RunService({ loom, workflowsDir: dir, defaultEngine: 'temporal', temporal: settings });
  const app = createApp({ registry: loom.models, artifacts: loom.artifacts, opener: servableOpener(loadKeyring({})), access: { mode: 'off' }, pollMs: 0, processMetrics: false, log: () => {}, routers: [{ path: '/runs', router: runRoutes(service) }] });
  const close = async () => {
    await service.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { app: app.app, service, close };
}

async function until(app: Parameters<typeof request>[0], runId: string, done: (run: RunView) => boolean): Promise<RunView> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await request(app).get(`/api/runs/${runId}`);
    if (res.status === 200 && done(res.body as RunView)) return res.body as RunView;
    if (Date.now() > deadline) throw new Error(`run ${runId} never got there: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * POST /api/runs once the test's worker is seen polling: a worker that has just started takes a moment to show in
 * the task queue's pollers, and until then the server rightly answers 503 (the last test pins that answer).
 */
async function startRun(app: Parameters<typeof request>[0], body: object) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await request(app).post('/api/runs').send(body);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('runs on Temporal through the API', { timeout: 120_000 }, () => {
  test('a run goes to success through the worker; its node states, list entry, preview and logs are served', async ({ loom, temporal }) => {
    const server = await serverFor(loom, temporal.settings);
    try {
      const workflow = { version: 1, name: 'remote', nodes: [{ id: 'a', plugin: 'constant', config: { x: 1 } }, { id: 'nap', plugin: 'sleep', inputs: { in: 'a.out' }, config: { ms: 300 } }] };
      const res = await startRun(server.app, { workflow });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ engine: 'temporal', status: 'running', workflow: 'remote' });
      const { runId } = res.body as { runId: string };
      const run = await until(server.app, runId, (r) => r.status !== 'running');
      expect(run).toMatchObject({ runId, engine: 'temporal', status: 'succeeded', workflow: 'remote', nodes: { a: { status: 'succeeded', attempts: 1 }, nap: { status: 'succeeded' } } });
      expect(run.nodes.nap!.durationMs).toBeGreaterThanOrEqual(300);

      const listed = (await request(server.app).get('/api/runs')).body as { runs: { runId: string; engine: string; status: string }[] };
      expect(listed.runs.find((r) => r.runId === runId)).toMatchObject({ engine: 'temporal', status: 'succeeded' });
      expect((await request(server.app).get(`/api/runs/${runId}/nodes/a/outputs/out/preview`)).body.preview).toEqual({ kind: 'json', value: { x: 1 } });
      expect((await request(server.app).get(`/api/runs/${runId}/nodes/nap/logs`)).body).toEqual({ runId, node: 'nap', entries: [] });
    } finally {
      await server.close();
    }
  });

  test('cancel stops a running run; a second cancel is a 409', async ({ loom, temporal }) => {
    const server = await serverFor(loom, temporal.settings);
    try {
      const workflow = { version: 1, name: 'long', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 120_000 } }] };
      const started = await startRun(server.app, { workflow, engine: 'temporal' });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const { runId } = started.body as { runId: string };
      await until(server.app, runId, (r) => r.nodes.nap?.status === 'running');
      const cancel = await request(server.app).post(`/api/runs/${runId}/cancel`).send({ reason: 'enough' });
      expect(cancel.status).toBe(202);
      const run = await until(server.app, runId, (r) => r.status !== 'running');
      expect(run).toMatchObject({ status: 'cancelled', nodes: { nap: { status: 'cancelled' } } });
      expect((await request(server.app).post(`/api/runs/${runId}/cancel`).send({})).status).toBe(409);
    } finally {
      await server.close();
    }
  });

  test('no worker on the task queue: 503 naming the queue and how to start a worker', async ({ loom, temporal }) => {
    const lonely = temporalSettings({ ...temporal.settings, taskQueue: uniqueQueue() });
    const server = await serverFor(loom, lonely);
    try {
      const res = await request(server.app).post('/api/runs').send({ workflow: { version: 1, name: 'x', nodes: [{ id: 'a', plugin: 'noop' }] } });
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({
        code: 'ENGINE_UNAVAILABLE',
        message: `no Temporal worker polls task queue "${lonely.taskQueue}" at ${lonely.address}; start one with \`loom worker --task-queue ${lonely.taskQueue}\``,
        details: { taskQueue: lonely.taskQueue, address: lonely.address },
      });
    } finally {
      await server.close();
    }
  });
});

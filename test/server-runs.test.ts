/**
 * A small load test over loopback: 50 concurrent `POST /api/runs` of a small workflow against one in-process server
 * (runs past `maxRuns` wait in the queue). Every run succeeds, no event of any run carries a database error, and
 * the server logged nothing. The figures are printed for the notes; nothing here asserts a time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadKeyring } from '../plugins/encrypt/keys.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { servableOpener } from '../engine/cli/serve-command.js';
import type { JsonObject } from '../engine/json.js';
import { createLoom, type Loom } from '../engine/loom.js';
import { createApp, type LoomApp } from '../engine/server/app.js';
import { TokenSet } from '../engine/server/auth.js';
import { runRoutes } from '../engine/server/run-routes.js';
import { RunService } from '../engine/server/run-service.js';
import { tempDir } from './fixtures/loom.js';

const RUNS = 50;
const TOKEN = 'editor-token-0123456789';
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

//   seed (constant, params.i) ──► a (noop) ──► c (noop)
//   tag (constant) ─────────────► b (noop) ──┘ (after)
const small = {
  version: 1,
  name: 'small',
  params: { i: { type: 'integer' } },
  nodes: [
    { id: 'seed', plugin: 'constant', config: { run: '${params.i}' } },
    { id: 'tag', plugin: 'constant', config: { tag: 'load' } },
    { id: 'a', plugin: 'noop', inputs: { in: 'seed.out' } },
    { id: 'b', plugin: 'noop', inputs: { in: 'tag.out' } },
    { id: 'c', plugin: 'noop', inputs: { in: 'a.out' }, after: ['b'] },
  ],
};

let dir: string;
let loom: Loom;
let service: RunService;
let app: LoomApp;
let server: Server;
let url: string;
const logs: JsonObject[] = [];

beforeAll(async () => {
  dir = await tempDir('loom-server-load-');
  loom = createLoom({ home: join(dir, 'home'), plugins: builtinPlugins });
  service = new RunService({ loom, workflowsDir: dir });
  app = createApp({
    registry: loom.models,
    artifacts: loom.artifacts,
    opener: servableOpener(loadKeyring({})),
    access: { mode: 'tokens', tokens: new TokenSet([{ name: 'load', role: 'editor', token: TOKEN }]) },
    pollMs: 0,
    processMetrics: false,
    log: (entry) => logs.push(entry),
    routers: [{ path: '/runs', router: runRoutes(service) }],
  });
  server = createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await service.idle();
  await service.close();
  await new Promise((resolve) => server.close(resolve));
  await app.close();
  loom.close();
  await rm(dir, { recursive: true, force: true });
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

test(`${RUNS} concurrent runs through the API all succeed, with no database lock errors`, async () => {
  const t0 = performance.now();
  const starts = await Promise.all(
    Array.from({ length: RUNS }, async (_, i) => {
      const sent = performance.now();
      const res = await fetch(`${url}/api/runs`, { method: 'POST', headers, body: JSON.stringify({ workflow: small, params: { i } }) });
      return { status: res.status, body: (await res.json()) as { runId: string; status: string }, latencyMs: performance.now() - sent };
    }),
  );
  expect(starts.map((s) => s.status)).toEqual(Array(RUNS).fill(202));
  await service.idle();
  const totalS = (performance.now() - t0) / 1000;

  const finals = await Promise.all(starts.map(async (s) => (await (await fetch(`${url}/api/runs/${s.body.runId}`, { headers })).json()) as { status: string; nodes: Record<string, { status: string }> }));
  expect(finals.map((f) => f.status)).toEqual(Array(RUNS).fill('succeeded'));
  expect(new Set(finals.flatMap((f) => Object.values(f.nodes).map((n) => n.status)))).toEqual(new Set(['succeeded', 'cached']));
  const errors = starts.flatMap((s) => loom.journal.events(s.body.runId)).filter((e) => /SQLITE_BUSY|database is locked/i.test(JSON.stringify(e)));
  expect(errors).toEqual([]);
  expect(logs).toEqual([]);

  const latencies = starts.map((s) => s.latencyMs).sort((a, b) => a - b);
  const queued = starts.filter((s) => s.body.status === 'queued').length;
  console.log(
    `load: ${RUNS} runs (${queued} queued at start, max 8 at once) in ${totalS.toFixed(2)} s = ${(RUNS / totalS).toFixed(1)} runs/s; ` +
      `start latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
});

/**
 * Hot swap under load, over a real socket: hundreds of /recommend requests in flight while production moves
 * (through the API, then by another registry handle as a CLI run would). No request may fail, every response must
 * be exactly what the version it names would answer, and once the swap is done new requests get the new version.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { servableOpener } from '../cli/serve-command.js';
import { SqliteRegistry } from '../store/sqlite-registry.js';
import { createApp, type LoomApp } from './app.js';
import type { ModelOpener } from './model-port.js';
import { trainedHome, type TrainedHome } from '../../test/fixtures/trained-models.js';

let home: string;
let trained: TrainedHome;
let loomApp: LoomApp;
let server: Server;
let base: string;
/** What each version answers for the customer the test asks about. */
const expected = new Map<number, unknown>();

const real = servableOpener(loadKeyring({}));
// A real model, opened a little slowly, so that requests keep arriving while the new version loads.
const slowOpener: ModelOpener = async (version, bytes) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return real(version, bytes);
};

beforeAll(async () => {
  home = await tempDir('loom-swap-');
  trained = await trainedHome(home);
  for (const v of trained.recs) expected.set(v.version, (await real(v, await trained.loom.artifacts.readBytes(v.artifact))).recommend('cy', 3).items);
  expect(expected.get(1)).not.toEqual(expected.get(2));
  loomApp = createApp({ registry: trained.loom.models, artifacts: trained.loom.artifacts, opener: slowOpener, access: { mode: 'off' }, pollMs: 100, processMetrics: false, log: () => {} });
  server = loomApp.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await loomApp.cache.get('recs');
  // Open the client's 200 keep-alive connections first: a server accepts new connections one per event-loop turn,
  // so under load a fresh one (the admin's request) would otherwise queue behind the rest for seconds.
  await Promise.all(Array.from({ length: 200 }, recommend));
});
afterAll(async () => {
  await loomApp.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  trained.loom.close();
  await rm(home, { recursive: true, force: true });
});

async function recommend(): Promise<{ status: number; version: number; items: unknown }> {
  const res = await fetch(`${base}/api/models/recs/recommend?customer=cy&k=3`);
  const body = (await res.json()) as { version: number; items: unknown };
  return { status: res.status, version: body.version, items: body.items };
}

/** A request on a connection of its own (not queued behind the load's pooled connections). */
function post(path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Fires `n` requests at once, and more as they finish, until `during` settles; returns every response. */
async function underLoad(n: number, during: () => Promise<unknown>) {
  const results: Awaited<ReturnType<typeof recommend>>[] = [];
  let done = false;
  const worker = async () => {
    do results.push(await recommend());
    while (!done);
  };
  const workers = Array.from({ length: n }, worker);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await during();
  done = true;
  await Promise.all(workers);
  return results;
}

function check(results: Awaited<ReturnType<typeof recommend>>[]) {
  for (const r of results) {
    expect(r.status).toBe(200);
    expect(r.items).toEqual(expected.get(r.version));
  }
  return { total: results.length, v1: results.filter((r) => r.version === 1).length, v2: results.filter((r) => r.version === 2).length };
}

test('a rollback through the API during 200 requests in flight: none fails, each names its version, new ones get v1', async () => {
  const results = await underLoad(200, async () => {
    const res = await post('/api/models/recs/rollback', { reason: 'load test' });
    expect((res as { serving: { version: number } }).serving.version).toBe(1);
  });
  const counts = check(results);
  expect(counts.total).toBeGreaterThanOrEqual(200);
  expect(counts.v2).toBeGreaterThan(0);
  const after = await Promise.all(Array.from({ length: 200 }, recommend));
  expect(after.every((r) => r.status === 200 && r.version === 1)).toBe(true);
});

test('a move by another process (a CLI run) during load is picked up by polling within a second', async () => {
  const started = Date.now();
  let swappedAfterMs = 0;
  const results = await underLoad(100, async () => {
    const other = new SqliteRegistry(join(home, 'registry.db'));
    await other.moveAlias({ name: 'recs', alias: 'production', to: 2, actor: 'cli:test', reason: 'back to re-buy' });
    other.close();
    while ((await recommend()).version !== 2) {
      if (Date.now() - started > 1000) throw new Error('the move was not picked up within 1 s');
    }
    swappedAfterMs = Date.now() - started;
  });
  const counts = check(results);
  expect(counts.v1).toBeGreaterThan(0);
  expect(counts.v2).toBeGreaterThan(0);
  expect(swappedAfterMs).toBeLessThan(1000);
  expect((await Promise.all(Array.from({ length: 50 }, recommend))).every((r) => r.version === 2)).toBe(true);
});

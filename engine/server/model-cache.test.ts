/**
 * The hot-swap logic with a hand-written model (its bytes are `v<n>` or `broken`) over a real SQLite registry and
 * artifact store. The routes are tested with real trained models in app.test.ts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import { FsArtifactStore } from '../store/fs-artifact-store.js';
import { SqliteRegistry } from '../store/sqlite-registry.js';
import { ServerMetrics } from './metrics.js';
import { ModelCache } from './model-cache.js';
import type { ModelOpener, ServableModel } from './model-port.js';

let home: string;
let registry: SqliteRegistry;
let artifacts: FsArtifactStore;
let opened: string[];
/** While set, every open waits for it: a slow load. */
let gate: Promise<void> | undefined;

const fakeModel = (label: string): ServableModel => ({
  name: 'recs',
  algorithm: 'fake',
  recommend: (customer) => ({ items: [{ item: `${label}-for-${customer}`, score: 1 }], fallback: false }),
  describe: () => ({ label }),
});

const opener: ModelOpener = async (version, bytes) => {
  const text = Buffer.from(bytes).toString();
  opened.push(`${version.name}@${version.version}`);
  await gate;
  if (text === 'broken') throw new Error('model file: not a Loom model');
  return fakeModel(text);
};

async function publish(content: string, move = true) {
  const artifact = await artifacts.putBytes('model', Buffer.from(content));
  const version = await registry.register({ name: 'recs', artifact, algorithm: 'fake', actor: 'test' });
  if (move) await registry.moveAlias({ name: 'recs', alias: 'production', to: version.version, actor: 'test', reason: 'test' });
  return version.version;
}

beforeEach(async () => {
  home = await tempDir('loom-cache-');
  registry = new SqliteRegistry(join(home, 'registry.db'));
  artifacts = new FsArtifactStore(home);
  opened = [];
  gate = undefined;
});
afterEach(async () => {
  registry.close();
  await rm(home, { recursive: true, force: true });
});

const cacheOf = (options: { retryMs?: number; metrics?: ServerMetrics } = {}) => new ModelCache({ registry, artifacts, opener, pollMs: 0, ...options });

describe('model cache', () => {
  test('opens the production version once, however many requests ask for it at the same time', async () => {
    await publish('v1');
    const cache = cacheOf();
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.get('recs')));
    expect(new Set(served).size).toBe(1);
    expect(served[0]!.version.version).toBe(1);
    expect(opened).toEqual(['recs@1']);
  });

  test('an unknown model and a model without production are registry errors', async () => {
    const cache = cacheOf();
    await expect(cache.get('recs')).rejects.toMatchObject({ registryCode: 'MODEL_NOT_FOUND' });
    await publish('v1', false);
    await expect(cache.get('recs')).rejects.toMatchObject({ registryCode: 'ALIAS_NOT_FOUND', message: expect.stringContaining('model "recs" has no "production" alias') });
  });

  test('a moved alias is loaded in the background while the old version keeps serving, then swapped in', async () => {
    await publish('v1');
    const cache = cacheOf();
    const before = await cache.get('recs');
    await publish('v2');
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const polling = cache.sync();
    // The load of v2 has started and waits: requests still get v1, and the one that holds v1 keeps it.
    await vi.waitFor(() => expect(opened).toEqual(['recs@1', 'recs@2']));
    expect((await cache.get('recs')).version.version).toBe(1);
    release();
    await polling;
    expect((await cache.get('recs')).version.version).toBe(2);
    expect(before.model.recommend('ann', 1).items[0]!.item).toBe('v1-for-ann');
  });

  test('a failed load keeps the old version serving and shows in readiness and metrics; it is retried after retryMs', async () => {
    await publish('v1');
    const metrics = new ServerMetrics({ processMetrics: false });
    const cache = cacheOf({ retryMs: 50, metrics });
    await cache.get('recs');
    await publish('broken');
    await cache.sync();
    expect((await cache.get('recs')).version.version).toBe(1);
    expect(await cache.readiness()).toEqual({
      ready: false,
      reasons: ['model "recs": production version 2 failed to load: model file: not a Loom model; still serving version 1'],
      models: [{ name: 'recs', production: 2, serving: 1, loading: [], error: 'model file: not a Loom model' }],
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('loom_model_loads_total{model="recs",outcome="failure"} 1');
    expect(text).toContain('loom_model_served_version{model="recs"} 1');
    expect(text).toContain('loom_model_load_failing{model="recs"} 1');
    // Not retried on every poll, only once retryMs has passed.
    await cache.sync();
    expect(opened).toEqual(['recs@1', 'recs@2']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cache.sync();
    expect(opened).toEqual(['recs@1', 'recs@2', 'recs@2']);
  });

  test('rolling back to a version that loads clears the failure and readiness', async () => {
    await publish('v1');
    const cache = cacheOf();
    await cache.get('recs');
    await publish('broken');
    await cache.sync();
    await registry.rollback({ name: 'recs', actor: 'test', reason: 'v2 is broken' });
    const served = await cache.refresh('recs');
    expect(served?.version.version).toBe(1);
    expect(await cache.readiness()).toMatchObject({ ready: true, reasons: [] });
  });

  test('a first load that fails is a 503 naming the version and the cause', async () => {
    await publish('broken');
    const cache = cacheOf();
    await expect(cache.get('recs')).rejects.toMatchObject({ status: 503, code: 'MODEL_UNAVAILABLE', message: 'model "recs": production version 1 could not be loaded: model file: not a Loom model' });
  });

  test('a version that finishes loading after the alias moved on is not installed', async () => {
    await publish('v1');
    const cache = cacheOf();
    await cache.get('recs');
    await publish('v2');
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const loadingV2 = cache.sync();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await registry.rollback({ name: 'recs', actor: 'test', reason: 'changed our mind' });
    await cache.sync(); // back to 1, which is served: nothing to load
    release();
    await loadingV2;
    expect((await cache.get('recs')).version.version).toBe(1);
  });

  test('polling picks up a move made by another writer within pollMs', async () => {
    await publish('v1');
    const cache = new ModelCache({ registry, artifacts, opener, pollMs: 50 });
    cache.start();
    try {
      expect((await cache.get('recs')).version.version).toBe(1);
      // Another process (another registry handle on the same file) publishes v2.
      const other = new SqliteRegistry(join(home, 'registry.db'));
      const artifact = await artifacts.putBytes('model', Buffer.from('v2'));
      await other.register({ name: 'recs', artifact, algorithm: 'fake', actor: 'cli' });
      await other.moveAlias({ name: 'recs', alias: 'production', to: 2, actor: 'cli', reason: 'publish' });
      other.close();
      const deadline = Date.now() + 1000;
      while ((await cache.get('recs')).version.version !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await cache.get('recs')).version.version).toBe(2);
    } finally {
      await cache.close();
    }
  });
});

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { FsCacheIndex } from './fs-cache-index.js';
import { SqliteCacheIndex } from './sqlite-cache-index.js';
import { SqliteJournal } from './sqlite-journal.js';
import type { RunEvent } from '../run/events.js';

let home: string;
beforeEach(async () => {
  home = await tempDir('loom-store-');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('FsArtifactStore', () => {
  test('content addressing: the same bytes give the same reference and one file', async () => {
    const store = new FsArtifactStore(home);
    const a = await store.putJson('json', { x: 1 });
    const b = await store.putJson('metrics', { x: 1 });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
    expect(b.type).toBe('metrics');
    expect(a.uri).toBe(`loom://artifacts/${a.sha256}`);
    expect(await readdir(join(home, 'artifacts', a.sha256.slice(0, 2)))).toEqual([a.sha256]);
    expect(await store.readJson(a)).toEqual({ x: 1 });
  });

  test('putFile moves a finished file in; nothing is left in tmp', async () => {
    const store = new FsArtifactStore(home);
    const src = join(home, 'out.bin');
    await writeFile(src, Buffer.from([1, 2, 3]));
    const ref = await store.putFile('file', src);
    expect(ref.bytes).toBe(3);
    expect(await store.has(ref)).toBe(true);
    expect([...(await store.readBytes(ref))]).toEqual([1, 2, 3]);
    await mkdir(join(home, 'tmp'), { recursive: true });
    expect(await readdir(join(home, 'tmp'))).toEqual([]);
  });

  test('a missing or truncated artifact is reported, not read', async () => {
    const store = new FsArtifactStore(home);
    const ref = await store.putJson('json', [1, 2, 3]);
    await writeFile(store.path(ref), '[1');
    expect(await store.has(ref)).toBe(false);
    await rm(store.path(ref));
    await expect(store.readJson(ref)).rejects.toThrow(`artifact ${ref.sha256} (json) is missing from ${join(home, 'artifacts')}`);
  });

  test('a reference with a forged digest cannot escape the store', async () => {
    const store = new FsArtifactStore(home);
    expect(() => store.path({ type: 'file', uri: 'x', sha256: '../../etc/passwd', bytes: 1 })).toThrow('"../../etc/passwd" is not a sha256 digest');
  });
});

describe('SqliteCacheIndex', () => {
  test('stores, replaces and finds entries across reopening', async () => {
    const file = join(home, 'cache.db');
    const key = 'cd'.repeat(32);
    const cache = new SqliteCacheIndex(file);
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, { outputs: {}, runId: 'r1', nodeId: 'n', at: 'then' });
    await cache.put(key, { outputs: {}, runId: 'r2', nodeId: 'n', at: 'now' });
    cache.close();
    const reopened = new SqliteCacheIndex(file);
    expect(await reopened.get(key)).toEqual({ outputs: {}, runId: 'r2', nodeId: 'n', at: 'now' });
    reopened.close();
  });

  test('remembers the key parts of each node\'s last success, per workflow', async () => {
    const cache = new SqliteCacheIndex(join(home, 'cache.db'));
    const parts = { plugin: 'clean@1.0.0', config: 'ab', inputs: { data: 'cd' } };
    expect(await cache.lastRun('w', 'clean')).toBeUndefined();
    await cache.setLastRun('w', 'clean', parts);
    expect(await cache.lastRun('w', 'clean')).toEqual(parts);
    expect(await cache.lastRun('other', 'clean')).toBeUndefined();
    cache.close();
  });
});

describe('FsCacheIndex', () => {
  test('stores and finds entries; an unreadable entry is a miss', async () => {
    const cache = new FsCacheIndex(home);
    const key = 'ab'.repeat(32);
    expect(await cache.get(key)).toBeUndefined();
    const entry = { outputs: {}, runId: 'r', nodeId: 'n', at: 'now' };
    await cache.put(key, entry);
    expect(await cache.get(key)).toEqual(entry);
    await writeFile(join(home, 'cache', `${key}.json`), '{"half');
    expect(await cache.get(key)).toBeUndefined();
  });
});

describe('SqliteJournal', () => {
  const workflow = { name: 'w', baseDir: '/', params: {}, nodes: [] };
  const ev = (runId: string, type: 'run.started' | 'run.finished'): RunEvent =>
    type === 'run.started'
      ? { type, runId, at: '2026-01-01T00:00:00.000Z', workflow: 'w', engine: 'embedded', nodes: 0 }
      : { type, runId, at: '2026-01-01T00:00:01.000Z', status: 'succeeded' };

  test('keeps events in order across reopening, and marks the run finished', () => {
    const file = join(home, 'journal.db');
    const journal = new SqliteJournal(file);
    journal.createRun({ runId: 'r1', workflow, document: {}, engine: 'embedded', createdAt: '2026-01-01T00:00:00.000Z', options: { concurrency: 2 } }, process.pid);
    journal.append(ev('r1', 'run.started'));
    journal.close();
    const reopened = new SqliteJournal(file);
    reopened.append(ev('r1', 'run.finished'));
    expect(reopened.events('r1').map((e) => e.type)).toEqual(['run.started', 'run.finished']);
    expect(reopened.run('r1')).toMatchObject({ status: 'succeeded', pid: undefined, options: { concurrency: 2 } });
    reopened.close();
  });

  test('a run can be claimed by one live process at a time', () => {
    const journal = new SqliteJournal(join(home, 'journal.db'));
    journal.createRun({ runId: 'r2', workflow, document: {}, engine: 'embedded', createdAt: 'x', options: { concurrency: 1 } }, process.pid);
    expect(journal.claim('r2', process.pid + 1_000_000)).toEqual({ ok: false, pid: process.pid });
    journal.release('r2');
    expect(journal.claim('r2', 4_000_000)).toEqual({ ok: true });
    // pid 4,000,000 does not exist: a dead owner does not block a resume
    expect(journal.claim('r2', process.pid)).toEqual({ ok: true });
    journal.close();
  });
});

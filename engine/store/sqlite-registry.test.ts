import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import type { ArtifactRef } from '../plugin/types.js';
import type { ModelRegistry } from '../registry/types.js';
import { SqliteRegistry } from './sqlite-registry.js';

const artifact = (n: number): ArtifactRef => ({ type: 'model', uri: `loom://artifacts/${String(n).repeat(64).slice(0, 64)}`, sha256: String(n).repeat(64).slice(0, 64), bytes: 10 });

let home: string;
let registry: ModelRegistry;
beforeEach(async () => {
  home = await tempDir('loom-registry-');
  registry = new SqliteRegistry(join(home, 'registry.db'));
});
afterEach(async () => {
  registry.close();
  await rm(home, { recursive: true, force: true });
});

async function publish(name: string, n: number) {
  const version = await registry.register({ name, artifact: artifact(n), algorithm: 'rebuy', actor: 'test', metrics: { ndcg: n / 10 } });
  await registry.moveAlias({ name, alias: 'production', to: version.version, actor: 'test', reason: `publish ${n}` });
  return version;
}

describe('versions', () => {
  test('are numbered 1, 2, 3 per model and keep what they were registered with', async () => {
    const a1 = await registry.register({ name: 'recs', artifact: artifact(1), algorithm: 'ials', actor: 'alice', params: { factors: 64 }, tags: { data: 'sample' } });
    const a2 = await registry.register({ name: 'recs', artifact: artifact(2), algorithm: 'ials', actor: 'bob' });
    const b1 = await registry.register({ name: 'churn', artifact: { ...artifact(3), meta: { encrypted: true } }, algorithm: 'classifier', actor: 'bob' });
    expect([a1.version, a2.version, b1.version]).toEqual([1, 2, 1]);
    expect(b1.encrypted).toBe(true);
    expect(await registry.version('recs', 1)).toEqual(a1);
    expect(a1).toMatchObject({ params: { factors: 64 }, tags: { data: 'sample' }, createdBy: 'alice', lineage: { inputs: [] }, artifact: artifact(1) });
    expect((await registry.versions('recs')).map((v) => v.version)).toEqual([2, 1]);
    expect((await registry.models()).map((m) => [m.name, m.versions, m.latest])).toEqual([
      ['churn', 1, 1],
      ['recs', 2, 2],
    ]);
  });

  test('cannot be changed or deleted, even with SQL', async () => {
    await registry.register({ name: 'recs', artifact: artifact(1), algorithm: 'ials', actor: 'test' });
    const db = new Database(join(home, 'registry.db'));
    expect(() => db.prepare("UPDATE versions SET algorithm = 'x'").run()).toThrow('versions is append-only');
    expect(() => db.prepare('DELETE FROM versions').run()).toThrow('versions is append-only');
    db.close();
  });

  test('unknown models and versions are errors that say what exists', async () => {
    await expect(registry.versions('recs')).rejects.toThrow('model "recs" is not registered; the registry is empty');
    await registry.register({ name: 'recs', artifact: artifact(1), algorithm: 'ials', actor: 'test' });
    await expect(registry.model('rec')).rejects.toThrow('model "rec" is not registered; registered models: recs');
    await expect(registry.version('recs', 7)).rejects.toThrow('model "recs" has no version 7; its versions are 1 to 1');
    await expect(registry.register({ name: '../x', artifact: artifact(1), algorithm: 'ials', actor: 'test' })).rejects.toThrow('model name "../x" is not a valid name');
  });

  test('two processes registering at once get distinct numbers', async () => {
    const file = join(home, 'registry.db');
    const script = `
      import { SqliteRegistry } from ${JSON.stringify(fileURLToPath(new URL('./sqlite-registry.ts', import.meta.url)))};
      const r = new SqliteRegistry(${JSON.stringify(file)});
      const out = [];
      for (let i = 0; i < 25; i++) out.push((await r.register({ name: 'recs', artifact: { type: 'model', uri: 'loom://artifacts/x', sha256: 'x', bytes: 1 }, algorithm: 'ials', actor: process.argv[1] })).version);
      console.log(JSON.stringify(out));`;
    const run = (who: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, who]);
    const [a, b] = await Promise.all([run('a'), run('b')]);
    const numbers = [...JSON.parse(a.stdout), ...JSON.parse(b.stdout)].sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  }, 30_000);
});

describe('aliases', () => {
  test('every move is kept in order: who, from, to, why', async () => {
    await publish('recs', 1);
    await publish('recs', 2);
    await registry.moveAlias({ name: 'recs', alias: 'staging', to: 1, actor: 'carol', reason: 'try again' });
    await registry.moveAlias({ name: 'recs', alias: 'staging', to: null, actor: 'carol', reason: 'done' });
    expect((await registry.model('recs')).aliases).toEqual({ production: 2 });
    expect((await registry.resolve('recs', 'production'))?.version).toBe(2);
    expect(await registry.resolve('recs', 'staging')).toBeUndefined();
    const history = (await registry.history('recs')).map((m) => [m.alias, m.kind, m.from, m.to, m.actor, m.reason]);
    expect(history).toEqual([
      ['production', 'move', null, 1, 'test', 'publish 1'],
      ['production', 'move', 1, 2, 'test', 'publish 2'],
      ['staging', 'move', null, 1, 'carol', 'try again'],
      ['staging', 'move', 1, null, 'carol', 'done'],
    ]);
    expect((await registry.history('recs', 'staging')).length).toBe(2);
    await expect(registry.moveAlias({ name: 'recs', alias: 'production', to: 9, actor: 'x', reason: 'y' })).rejects.toThrow('model "recs" has no version 9');
  });

  test('the history cannot be rewritten', async () => {
    await publish('recs', 1);
    const db = new Database(join(home, 'registry.db'));
    expect(() => db.prepare('DELETE FROM alias_history').run()).toThrow('alias_history is append-only');
    expect(() => db.prepare("UPDATE alias_history SET actor = 'mallory'").run()).toThrow('alias_history is append-only');
    db.close();
  });
});

describe('rollback', () => {
  test('goes back one holder at a time, then forward publishing starts a new chain', async () => {
    await publish('recs', 1);
    await publish('recs', 2);
    await publish('recs', 3);
    expect((await registry.rollback({ name: 'recs', actor: 'ops', reason: 'ndcg dropped' })).to).toBe(2);
    expect((await registry.rollback({ name: 'recs', actor: 'ops', reason: 'still bad' })).to).toBe(1);
    await expect(registry.rollback({ name: 'recs', actor: 'ops', reason: 'again' })).rejects.toThrow(
      'model "recs": version 1 was the first to hold "production"; there is nothing to roll back to (name a version with --to)',
    );
    await publish('recs', 4);
    expect((await registry.rollback({ name: 'recs', actor: 'ops', reason: 'v4 regressed' })).to).toBe(1);
    const last = (await registry.history('recs')).at(-1)!;
    expect(last).toMatchObject({ kind: 'rollback', from: 4, to: 1, actor: 'ops', reason: 'v4 regressed' });
  });

  test('to a named version, and clear errors when there is nothing to roll back', async () => {
    await publish('recs', 1);
    await publish('recs', 2);
    await publish('recs', 3);
    expect((await registry.rollback({ name: 'recs', to: 1, actor: 'ops', reason: 'known good' })).to).toBe(1);
    await expect(registry.rollback({ name: 'recs', to: 1, actor: 'ops', reason: 'x' })).rejects.toThrow('"production" already points at version 1');
    await expect(registry.rollback({ name: 'recs', alias: 'staging', actor: 'ops', reason: 'x' })).rejects.toThrow('model "recs" has no "staging" alias to roll back');
    await expect(registry.rollback({ name: 'nope', actor: 'ops', reason: 'x' })).rejects.toThrow('model "nope" is not registered');
  });
});

test('an artifact replaced by key rotation: the version keeps its number and metrics, the registry its history', async () => {
  await registry.register({ name: 'recs', artifact: artifact(1), algorithm: 'ials', actor: 'test', metrics: { ndcg: 0.3 } });
  const rotated = await registry.replaceArtifact({ name: 'recs', version: 1, artifact: artifact(2), actor: 'ops', reason: 'rotate to kek-b' });
  expect(rotated).toMatchObject({ version: 1, metrics: { ndcg: 0.3 }, artifact: artifact(2) });
  expect((await registry.version('recs', 1)).artifact).toEqual(artifact(2));
  expect((await registry.versions('recs'))[0]!.artifact).toEqual(artifact(2));
  await expect(registry.replaceArtifact({ name: 'recs', version: 2, artifact: artifact(3), actor: 'ops', reason: 'x' })).rejects.toThrow('model "recs" has no version 2');
  const db = new Database(join(home, 'registry.db'));
  expect(db.prepare('SELECT from_sha256, actor, reason FROM artifact_moves').all()).toEqual([{ from_sha256: artifact(1).sha256, actor: 'ops', reason: 'rotate to kek-b' }]);
  expect(() => db.prepare('DELETE FROM artifact_moves').run()).toThrow('artifact_moves is append-only');
  db.close();
});

test('the audit log keeps what was done, newest first, and cannot be rewritten', async () => {
  await registry.audit({ actor: 'alice', action: 'publish', target: 'recs@1', detail: { gate: 'passed' } });
  await registry.audit({ actor: 'bob', action: 'rollback', target: 'recs' });
  expect((await registry.auditLog()).map((e) => [e.actor, e.action, e.target, e.detail])).toEqual([
    ['bob', 'rollback', 'recs', undefined],
    ['alice', 'publish', 'recs@1', { gate: 'passed' }],
  ]);
  const db = new Database(join(home, 'registry.db'));
  expect(() => db.prepare('DELETE FROM audit').run()).toThrow('audit is append-only');
  db.close();
});

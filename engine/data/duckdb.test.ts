import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import { FsArtifactStore } from '../store/fs-artifact-store.js';
import { datasetMeta, withDb } from './duckdb.js';

let dir: string;
let ctx: { artifacts: FsArtifactStore; scratchDir: string; signal: AbortSignal };
beforeEach(async () => {
  dir = await tempDir('loom-duck-');
  await mkdir(join(dir, 'scratch'));
  ctx = { artifacts: new FsArtifactStore(join(dir, 'home')), scratchDir: join(dir, 'scratch'), signal: new AbortController().signal };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the data plane', () => {
  test('a dataset artifact is Parquet with its schema, row count and first rows in its meta', async () => {
    const ref = await withDb(ctx, (db) => db.writeDataset(`SELECT * FROM (VALUES (1, 'a', DATE '2011-01-04'), (2, 'b', NULL)) t(id, name, day)`));
    expect(ref.type).toBe('dataset');
    expect(datasetMeta(ref)).toEqual({
      format: 'parquet',
      rows: 2,
      columns: [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'VARCHAR' }, { name: 'day', type: 'DATE' }],
      preview: { columns: ['id', 'name', 'day'], rows: [[1, 'a', '2011-01-04'], [2, 'b', null]] },
    });
    const again = await withDb(ctx, async (db) => {
      await db.load('input', ref);
      return db.all('SELECT sum(id) AS s FROM input');
    });
    expect(again).toEqual([{ s: '3' }]);
  });

  test('the same rows give the same bytes, so the same sha256', async () => {
    const query = `SELECT range AS i, range * 2 AS j FROM range(50000)`;
    const [a, b] = [await withDb(ctx, (db) => db.writeDataset(query)), await withDb(ctx, (db) => db.writeDataset(query))];
    expect(a.sha256).toBe(b.sha256);
  });

  test('SQL cannot read files outside the allowed roots, nor unlock itself', async () => {
    const secret = join(dir, 'secret.csv');
    await writeFile(secret, 'a\n1\n');
    await expect(withDb(ctx, (db) => db.all(`SELECT * FROM read_csv('${secret}')`))).rejects.toThrow(/Permission Error: Cannot access file/);
    await expect(withDb(ctx, (db) => db.run('SET enable_external_access = true'))).rejects.toThrow(/Cannot change configuration option/);
    expect(await withDb(ctx, (db) => db.all(`SELECT * FROM read_csv('${secret}')`), { readRoots: [dir] })).toEqual([{ a: '1' }]);
  });

  test('a bad expression is a clear, non-retryable error that names where it came from', async () => {
    const error = await withDb(ctx, async (db) => {
      await db.run(`CREATE TABLE t AS SELECT 1 AS Quantity`);
      await db.checkExpression('Quantty <= 0', 't', 'rule 1 (drop)');
    }).catch((e: Error & { retryable: boolean }) => e);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/^rule 1 \(drop\): "Quantty <= 0" is not a valid expression here: Binder Error: Referenced column "Quantty" not found in FROM clause! Candidate bindings: "Quantity"$/);
  });
});

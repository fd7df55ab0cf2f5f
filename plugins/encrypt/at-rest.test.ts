import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLoom } from '../../engine/loom.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { FsArtifactStore } from '../../engine/store/fs-artifact-store.js';
import { workflow } from '../../test/builder.js';
import { runDoc, tempDir } from '../../test/fixtures/loom.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import { builtinPlugins } from '../builtin.js';
import { atRestSealer } from './at-rest.js';
import { loadKeyring } from './keys.js';

let home: string;
const ring = () => loadKeyring({ LOOM_MASTER_KEY: randomBytes(32).toString('base64') });
beforeEach(async () => {
  home = await tempDir('loom-at-rest-');
});
afterEach(() => rm(home, { recursive: true, force: true }));

/** Every file under `dir`, recursively. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('models sealed at rest', () => {
  test('a model is stored only sealed, read back whole, and other artifacts stay plain', async () => {
    const store = new FsArtifactStore(home, { sealer: atRestSealer(ring()) });
    const model = Buffer.from(`LOOMMDL1 a model worth protecting ${'x'.repeat(1000)}`);
    const ref = await store.putBytes('model', model);
    expect(await store.has(ref)).toBe(true);
    expect(Buffer.from(await store.readBytes(ref))).toEqual(model);
    const stored = await files(join(home, 'artifacts'));
    expect(stored.map((f) => f.endsWith('.sealed'))).toEqual([true]);
    expect((await readFile(stored[0]!)).includes(model.subarray(0, 40))).toBe(false);
    const json = await store.putJson('json', { plain: true });
    expect(await store.readJson(json)).toEqual({ plain: true });
    expect((await files(join(home, 'artifacts'))).filter((f) => !f.endsWith('.sealed'))).toHaveLength(1);
  });

  test('without the key, or with a tampered file, reading is a clear error', async () => {
    const ref = await new FsArtifactStore(home, { sealer: atRestSealer(ring()) }).putBytes('model', Buffer.from('secret model'));
    await expect(new FsArtifactStore(home).readBytes(ref)).rejects.toThrow(/is sealed at rest, and this process has no key to open it/);
    await expect(new FsArtifactStore(home, { sealer: atRestSealer(ring()) }).readBytes(ref)).rejects.toThrow();
    const [sealed] = await files(join(home, 'artifacts'));
    const bytes = await readFile(sealed!);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(sealed!, bytes);
    await expect(new FsArtifactStore(home, { sealer: atRestSealer(ring()) }).readBytes(ref)).rejects.toThrow();
  });

  test('train → encrypt → publish with models sealed at rest: no file in the data home holds the plaintext model', async () => {
    const loom = createLoom({ home, plugins: new Set([...builtinPlugins, asAnyPlugin(sqlDataset)]), sealer: atRestSealer(ring()) });
    const kek = process.env.LOOM_MASTER_KEY;
    process.env.LOOM_MASTER_KEY = randomBytes(32).toString('base64');
    try {
      const doc = workflow('sealed')
        .node('cells', 'fixture', { config: { sql: `SELECT * FROM (VALUES ('ann', 'x', 3), ('ann', 'y', 1), ('bob', 'y', 1), ('cy', 'z', 2)) t(CustomerID, StockCode, count)` } })
        .node('model', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'rebuy', name: 'recs' } })
        .node('seal', 'encrypt', { inputs: { model: 'model.model' }, config: { name: 'recs' } })
        .build();
      const state = await runDoc(loom, doc);
      expect(state.status).toBe('succeeded');
      const plaintext = Buffer.from(await loom.artifacts.readBytes(state.nodes.model!.outputs!.model!));
      expect(plaintext.subarray(0, 8).toString()).toBe('LOOMMDL1');
      // The header names the model's customers and items: any copy of it on disk would give the model away.
      const header = plaintext.subarray(12, 12 + plaintext.readUInt32LE(8));
      for (const file of await files(home)) expect((await readFile(file)).includes(header), file).toBe(false);
    } finally {
      if (kek === undefined) delete process.env.LOOM_MASTER_KEY;
      else process.env.LOOM_MASTER_KEY = kek;
      loom.close();
    }
  });
});

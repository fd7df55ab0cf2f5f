import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createLoom } from '../engine/loom.js';
import { asAnyPlugin } from '../engine/plugin/define.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { loadKeyring } from '../plugins/encrypt/keys.js';
import { openModel } from '../plugins/encrypt/open-model.js';
import { decodeModel } from '../plugins/evaluate/model-file.js';
import { workflow } from './builder.js';
import { runDoc } from './fixtures/loom.js';
import { sqlDataset } from './fixtures/sql-dataset.js';
import { seal, open } from '../plugins/encrypt/envelope.js';
import { loom } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('loom-keys-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('keys generate writes a private keyring that seals, signs and opens; it never overwrites one', async () => {
  const file = join(dir, 'keys.json');
  const made = await loom(['keys', 'generate', file]);
  expect(made.code).toBe(0);
  expect(made.stdout).toMatch(/^wrote .*keys\.json \(key-encryption key kek-[0-9a-f]{8}, signing key sig-[0-9a-f]{8}\)/);
  expect(statSync(file).mode & 0o777).toBe(0o600);

  const ring = loadKeyring({ LOOM_KEY_FILE: file });
  const binding = { model: 'recs', version: 'r1' };
  const sealed = seal(new TextEncoder().encode('model bytes'), binding, ring.currentKek(), ring.signer());
  const verifier = ring.verifier(ring.signingId!);
  expect(new TextDecoder().decode(open(sealed, ring.opener(ring.currentKekId!), binding, verifier))).toBe('model bytes');

  const listed = await loom(['keys', 'list', '--json'], { LOOM_KEY_FILE: file });
  expect(JSON.parse(listed.stdout)).toMatchObject({ keks: [ring.currentKekId], signing: ring.signingId });
  expect(listed.stdout).not.toContain(JSON.parse(readFileSync(file, 'utf8')).keks[0].key);

  const again = await loom(['keys', 'generate', file]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('exists; refusing to overwrite a keyring');
});

test('keys rotate re-wraps every sealed version under another key: the old key can go, the model stays byte for byte', { timeout: 60_000 }, async () => {
  // A keyring with two KEKs, the first current; a model sealed under it and registered.
  const file = join(dir, 'keys.json');
  await loom(['keys', 'generate', file]);
  const ring = JSON.parse(readFileSync(file, 'utf8')) as { keks: { id: string; key: string }[]; current: string };
  const newKek = { id: 'kek-next', key: randomBytes(32).toString('base64') };
  writeFileSync(file, JSON.stringify({ ...ring, keks: [...ring.keks, newKek] }), { mode: 0o600 });
  const home = join(dir, 'home');
  const saved = process.env.LOOM_KEY_FILE;
  process.env.LOOM_KEY_FILE = file;
  const instance = createLoom({ home, plugins: new Set([...builtinPlugins, asAnyPlugin(sqlDataset)]) });
  try {
    const doc = workflow('seal')
      .node('cells', 'fixture', { config: { sql: `SELECT * FROM (VALUES ('ann', 'x', 3), ('bob', 'y', 1)) t(CustomerID, StockCode, count)` } })
      .node('model', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'popularity', name: 'recs' } })
      .node('seal', 'encrypt', { inputs: { model: 'model.model' }, config: { name: 'recs' } })
      .build();
    const state = await runDoc(instance, doc);
    const sealed = state.nodes.seal!.outputs!.model!;
    await instance.models.register({ name: 'recs', artifact: sealed, algorithm: 'popularity', actor: 'test' });
    const plain = decodeModel(await instance.artifacts.readBytes(state.nodes.model!.outputs!.model!));

    const rotate = await loom(['--home', home, 'keys', 'rotate', '--to', 'kek-next', '--reason', 'yearly rotation'], { LOOM_KEY_FILE: file });
    expect(rotate.stdout).toBe('re-wrapped 1 sealed version under kek-next: recs@1\n');
    const again = await loom(['--home', home, 'keys', 'rotate', '--to', 'kek-next'], { LOOM_KEY_FILE: file });
    expect(again.stdout).toBe('re-wrapped 0 sealed versions under kek-next; 1 already were\n');

    // Only the new key left: the rotated version opens to the same model.
    const onlyNext = join(dir, 'next.json');
    writeFileSync(onlyNext, JSON.stringify({ keks: [newKek], current: 'kek-next', signing: (JSON.parse(readFileSync(file, 'utf8')) as { signing: unknown }).signing }), { mode: 0o600 });
    const version = await instance.models.version('recs', 1);
    expect(version.artifact.sha256).not.toBe(sealed.sha256);
    const opened = openModel(await instance.artifacts.readBytes(version.artifact), { keyring: loadKeyring({ LOOM_KEY_FILE: onlyNext }), expect: { model: 'recs' }, requireSignature: true });
    expect(opened.header).toEqual(plain.header);
    expect((await instance.models.auditLog())[0]).toMatchObject({ action: 'key.rotate', target: 'recs@1', detail: { from: ring.current, to: 'kek-next' } });
  } finally {
    instance.close();
    if (saved === undefined) delete process.env.LOOM_KEY_FILE;
    else process.env.LOOM_KEY_FILE = saved;
  }
});

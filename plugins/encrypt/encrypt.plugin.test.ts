import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, vi } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { definePlugin } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, tempDir } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';
import { decodeModel } from '../evaluate/model-file.js';
import encrypt from './encrypt.plugin.js';
import { loadKeyring } from './keys.js';
import { openModel } from './open-model.js';

/** A model port carrying bytes that are not a model: for the input check. */
const junkModel = definePlugin({
  name: 'junk-model',
  version: '1.0.0',
  title: 'Junk model',
  description: 'Writes bytes that are not a model file (tests only).',
  category: 'test',
  outputs: { model: { type: 'model' } },
  async run(ctx) {
    return { model: await ctx.artifacts.putBytes('model', Buffer.from('PICKLE!! not a model')) };
  },
});

pluginContract(asAnyPlugin(encrypt));
const test = loomTest([asAnyPlugin(sqlDataset), asAnyPlugin(encrypt), asAnyPlugin(junkModel)]);

//        x  y  z
//  ann   3  1  .
//  bob   .  1  .
//  cy    1  .  2
const CELLS = `SELECT * FROM (VALUES ('ann', 'x', 3), ('ann', 'y', 1), ('bob', 'y', 1), ('cy', 'x', 1), ('cy', 'z', 2)) t(CustomerID, StockCode, count)`;

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') => String(key.export({ type, format: 'pem' }));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const signing = generateKeyPairSync('ed25519');
const x25519 = generateKeyPairSync('x25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_FILE = {
  keks: [{ id: 'kek-1', key: b64(randomBytes(32)) }, { id: 'kek-2', key: b64(randomBytes(32)) }],
  current: 'kek-1',
  signing: { id: 'release', privateKey: pem(signing.privateKey, 'pkcs8') },
  private: [{ id: 'ops-x', privateKey: pem(x25519.privateKey, 'pkcs8') }, { id: 'ops-rsa', privateKey: pem(rsa.privateKey, 'pkcs8') }],
};

/** Temporary folders of this file, removed after its tests. */
const folders: string[] = [];
const scratch = async (prefix: string) => {
  const dir = await tempDir(prefix);
  folders.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Points the process at a key file (or at no keys at all); the engine runs nodes in this process. */
async function useKeys(content?: object): Promise<string> {
  const dir = await scratch('loom-encrypt-');
  for (const name of ['LOOM_MASTER_KEY', 'LOOM_KEY_FILE', 'LOOM_SIGNING_KEY']) vi.stubEnv(name, '');
  if (content) {
    const path = join(dir, 'keys.json');
    await writeFile(path, JSON.stringify(content));
    await chmod(path, 0o600);
    vi.stubEnv('LOOM_KEY_FILE', path);
  }
  return dir;
}

type Loom = Parameters<typeof runDoc>[0];

/** cells → train (popularity, "TopPop") → encrypt with `config`; returns the train and encrypt nodes. */
async function sealModel(loom: Loom, config: Record<string, unknown>, baseDir?: string) {
  const doc = workflow()
    .node('cells', 'fixture', { config: { sql: CELLS } })
    .node('train', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'popularity', name: 'TopPop' } })
    .node('seal', 'encrypt', { inputs: { model: 'train.model' }, config })
    .build();
  const state = await runDoc(loom, doc, baseDir ? { baseDir } : {});
  return { state, train: state.nodes.train!, seal: state.nodes.seal! };
}

describe('encrypt', () => {
  test('seals the trained model for the current KEK, signed; openModel gives back the same header and arrays', async ({ loom }) => {
    await useKeys(KEY_FILE);
    const { state, train, seal } = await sealModel(loom, {});
    expect(seal.status, seal.error?.message).toBe('succeeded');
    const trained = train.outputs!.model!;
    expect(seal.outputs!.model!.meta).toEqual({
      format: 'loom-envelope/1', encrypted: true, model: 'TopPop', version: state.runId, algorithm: 'popularity', keyId: 'kek-1', signer: 'release', digest: trained.sha256,
    });
    const plain = decodeModel(await loom.artifacts.readBytes(trained));
    const opened = openModel(await loom.artifacts.readBytes(seal.outputs!.model!), { keyring: loadKeyring(), expect: { model: 'TopPop' }, requireSignature: true });
    expect(opened.header).toEqual(plain.header);
    expect(opened.arrays).toEqual(plain.arrays);
    expect(opened).toMatchObject({ encrypted: true, binding: { model: 'TopPop', version: state.runId }, signer: 'release', digest: trained.sha256 });
    // The header carries the fallback train computed: items by distinct users, ties by id.
    expect(opened.header.fallback).toEqual(['x', 'y', 'z']);
  });

  test('an X25519 recipient (key file under the workflow folder) or an RSA-OAEP recipient (PEM text): no secret needed to seal', async ({ loom }) => {
    const dir = await useKeys();
    await writeFile(join(dir, 'ops-x.pub.pem'), pem(x25519.publicKey, 'spki'));
    const sealedFor = async (recipient: object) => {
      const { seal } = await sealModel(loom, { name: 'retail', version: 'v9', recipient }, dir);
      expect(seal.status, seal.error?.message).toBe('succeeded');
      return seal.outputs!.model!;
    };
    const byX = await sealedFor({ kind: 'x25519', keyId: 'ops-x', publicKey: 'ops-x.pub.pem' });
    const byRsa = await sealedFor({ kind: 'rsa-oaep', keyId: 'ops-rsa', publicKey: pem(rsa.publicKey, 'spki') });
    expect(byX.meta).toMatchObject({ model: 'retail', version: 'v9', keyId: 'ops-x', signer: null });
    expect(byRsa.meta).toMatchObject({ keyId: 'ops-rsa', signer: null });
    // Only the holder of the private keys opens them.
    await useKeys(KEY_FILE);
    for (const ref of [byX, byRsa]) {
      const opened = openModel(await loom.artifacts.readBytes(ref), { keyring: loadKeyring(), expect: { model: 'retail', version: 'v9' } });
      expect(opened.header.lineage).toMatchObject({ name: 'TopPop', trainedAs: 'popularity' });
    }
  });

  test('no plaintext model on disk: only train\'s own artifact holds the model bytes', async ({ loom, home }) => {
    await useKeys(KEY_FILE);
    const { train, seal } = await sealModel(loom, {});
    expect(seal.status).toBe('succeeded');
    const plain = Buffer.from(await loom.artifacts.readBytes(train.outputs!.model!));
    const holders: string[] = [];
    for (const name of await readdir(home, { recursive: true, withFileTypes: true })) {
      if (!name.isFile()) continue;
      const path = join(name.parentPath, name.name);
      if ((await readFile(path)).includes(plain)) holders.push(path);
    }
    expect(holders).toEqual([loom.artifacts.path(train.outputs!.model!)]);
  });

  test('clear errors: no key, an unknown key id, sign "required" without a signing key, a bad recipient key, input that is not a model', async ({ loom }) => {
    const errorOf = async (config: Record<string, unknown>, baseDir?: string) => (await sealModel(loom, config, baseDir)).seal.error?.message;
    const dir = await useKeys();
    expect(await errorOf({})).toBe(
      'recipient "kek": no key-encryption key is configured: set LOOM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or LOOM_KEY_FILE (a JSON keyring, mode 600)',
    );
    const rsaRecipient = { kind: 'rsa-oaep', keyId: 'ops', publicKey: pem(rsa.publicKey, 'spki') };
    expect(await errorOf({ recipient: rsaRecipient, sign: 'required' })).toBe(
      'sign is "required" but no signing key is configured: set LOOM_SIGNING_KEY (a PEM Ed25519 private key file, mode 600) or "signing" in LOOM_KEY_FILE',
    );
    expect(await errorOf({ recipient: { ...rsaRecipient, kind: 'x25519' } })).toBe('recipient "ops" is kind "x25519" but its public key is rsa');
    expect(await errorOf({ recipient: { ...rsaRecipient, publicKey: '/etc/ssh/ssh_host_rsa_key.pub' } }, dir)).toMatch(/^recipient.publicKey "\/etc\/ssh\/ssh_host_rsa_key.pub" .* is outside the allowed data roots/);
    await useKeys(KEY_FILE);
    expect(await errorOf({ recipient: { kind: 'kek', keyId: 'kek-0' } })).toBe('unknown key-encryption key "kek-0"; known: "kek-1", "kek-2"');

    const junk = workflow().node('junk', 'junk-model').node('seal', 'encrypt', { inputs: { model: 'junk.model' } }).build();
    expect((await runDoc(loom, junk)).nodes.seal!.error?.message).toBe('input "model" is not a LOOMMDL1 model: model file: bad magic bytes 5049434b4c452121 (expected "LOOMMDL1")');
    const twice = workflow()
      .node('cells', 'fixture', { config: { sql: CELLS } })
      .node('train', 'train', { inputs: { interactions: 'cells.data' }, config: { algorithm: 'popularity' } })
      .node('seal', 'encrypt', { inputs: { model: 'train.model' } })
      .node('again', 'encrypt', { inputs: { model: 'seal.model' } })
      .build();
    expect((await runDoc(loom, twice)).nodes.again!.error?.message).toBe('input "model" is already an encrypted envelope; wire the plain model from train');
  });
});

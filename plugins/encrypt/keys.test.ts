import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadKeyring } from './keys.js';

const pem = (key: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') => String(key.export({ type, format: 'pem' }));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

const master = randomBytes(32);
const kekA = randomBytes(32);
const kekB = randomBytes(32);
const signing = generateKeyPairSync('ed25519');
const partner = generateKeyPairSync('ed25519');
const x25519 = generateKeyPairSync('x25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a file with the given mode (chmod after writing, whatever the umask). */
async function secretFile(name: string, content: unknown, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  await chmod(path, mode);
  return path;
}

const fullKeyFile = {
  keks: [{ id: 'kek-2026', key: b64(kekA) }, { id: 'kek-2027', key: b64(kekB) }],
  current: 'kek-2027',
  signing: { id: 'release', privateKey: pem(signing.privateKey, 'pkcs8') },
  verify: [{ id: 'partner', publicKey: pem(partner.publicKey, 'spki') }],
  private: [{ id: 'ops-x', privateKey: pem(x25519.privateKey, 'pkcs8') }, { id: 'ops-rsa', privateKey: pem(rsa.privateKey, 'pkcs8') }],
};

describe('loadKeyring', () => {
  test('nothing configured is an empty keyring; asking it for a KEK says which variables to set', () => {
    const ring = loadKeyring({});
    expect(ring.toJSON()).toEqual({ keks: [], current: null, signing: null, verify: [], private: [] });
    expect(ring.signer()).toBeUndefined();
    expect(() => ring.currentKek()).toThrow(
      'no key-encryption key is configured: set LOOM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or LOOM_KEY_FILE (a JSON keyring, mode 600)',
    );
  });

  test('LOOM_MASTER_KEY is the current KEK, with id kek-<first 8 hex of its sha256> or LOOM_MASTER_KEY_ID', () => {
    const id = `kek-${createHash('sha256').update(master).digest('hex').slice(0, 8)}`;
    const ring = loadKeyring({ LOOM_MASTER_KEY: b64(master) });
    expect(ring.kekIds).toEqual([id]);
    expect(ring.currentKek()).toEqual({ kind: 'kek', keyId: id, key: master });
    expect(loadKeyring({ LOOM_MASTER_KEY: b64(master), LOOM_MASTER_KEY_ID: 'prod-1' }).currentKek().keyId).toBe('prod-1');
    expect(() => loadKeyring({ LOOM_MASTER_KEY: b64(randomBytes(16)) })).toThrow('LOOM_MASTER_KEY must be base64 of 32 bytes, got 16 bytes');
    expect(() => loadKeyring({ LOOM_MASTER_KEY: 'not base64!' })).toThrow('LOOM_MASTER_KEY must be base64 of 32 bytes, got something that is not base64');
  });

  test('a key file gives KEKs, the current one, a signer, trusted signers and recipients\' private keys', async () => {
    const path = await secretFile('full.json', fullKeyFile);
    const ring = loadKeyring({ LOOM_KEY_FILE: path, LOOM_MASTER_KEY: b64(master), LOOM_MASTER_KEY_ID: 'env' });
    expect(ring.toJSON()).toEqual({ keks: ['kek-2026', 'kek-2027', 'env'], current: 'kek-2027', signing: 'release', verify: ['partner', 'release'], private: ['ops-x', 'ops-rsa'] });
    expect(ring.currentKek().key).toEqual(kekB);
    expect(ring.opener('kek-2026')).toEqual({ kind: 'kek', keyId: 'kek-2026', key: kekA });
    expect(ring.opener('ops-rsa')).toMatchObject({ kind: 'private', keyId: 'ops-rsa' });
    expect(ring.signer()?.keyId).toBe('release');
    // The signing key's own public key is trusted for verification.
    expect(ring.verifier('release').key.export({ type: 'spki', format: 'der' })).toEqual(signing.publicKey.export({ type: 'spki', format: 'der' }));
    expect(ring.verifier('partner').keyId).toBe('partner');
  });

  test('unknown key ids are errors that list the known ids', async () => {
    const ring = loadKeyring({ LOOM_KEY_FILE: await secretFile('lookup.json', fullKeyFile) });
    expect(() => ring.opener('kek-2025')).toThrow('no key "kek-2025" to open the data key with; known keys: "kek-2026", "kek-2027", "ops-x", "ops-rsa"');
    expect(() => ring.kek('ops-x')).toThrow('unknown key-encryption key "ops-x"; known: "kek-2026", "kek-2027"');
    expect(() => ring.verifier('mallory')).toThrow('unknown signer "mallory": not a trusted key; trusted: "partner", "release" (add it to "verify" in LOOM_KEY_FILE)');
  });

  test('a key file readable by group or others is refused with the command that fixes it', async () => {
    const path = await secretFile('open.json', fullKeyFile, 0o644);
    expect(() => loadKeyring({ LOOM_KEY_FILE: path })).toThrow(`LOOM_KEY_FILE ${path}: readable by group or others (mode 644); it holds secrets: run \`chmod 600 ${path}\``);
    const signingPath = await secretFile('open.pem', pem(signing.privateKey, 'pkcs8'), 0o640);
    expect(() => loadKeyring({ LOOM_SIGNING_KEY: signingPath })).toThrow(`LOOM_SIGNING_KEY ${signingPath}: readable by group or others (mode 640)`);
    expect(() => loadKeyring({ LOOM_KEY_FILE: join(dir, 'missing.json') })).toThrow(`LOOM_KEY_FILE ${join(dir, 'missing.json')}: file not found`);
  });

  test('every malformed field is an error naming the file and the JSON path', async () => {
    const cases: [unknown, string][] = [
      [{ keks: [{ id: 'a', key: b64(kekA) }, { id: 'b', key: b64(randomBytes(16)) }] }, 'keks[1].key must be base64 of 32 bytes, got 16 bytes'],
      [{ keks: [{ key: b64(kekA) }] }, 'keks[0].id must be a non-empty string'],
      [{ keks: [{ id: 'a', key: b64(kekA) }, { id: 'a', key: b64(kekB) }] }, 'keks[1]: key id "a" is used twice'],
      [{ keks: {} }, 'keks must be an array'],
      [{ keks: [{ id: 'a', key: b64(kekA) }], current: 'b' }, 'current must be the id of one of its keks ("a")'],
      [{ private: [{ id: 'p', privateKey: pem(signing.privateKey, 'pkcs8') }] }, 'private[0].privateKey must be a PEM X25519 or RSA private key, got ed25519 key'],
      [{ verify: [{ id: 'v', publicKey: 'junk' }] }, 'verify[0].publicKey must be a PEM Ed25519 public key, and it could not be parsed'],
      [{ signing: { id: 's', privateKey: pem(x25519.privateKey, 'pkcs8') } }, 'signing.privateKey must be a PEM Ed25519 private key, got x25519 key'],
      [{ kek: [] }, 'kek is not a keyring field (known: keks, current, signing, verify, private)'],
      [[], 'the file must hold a JSON object'],
    ];
    for (const [i, [content, problem]] of cases.entries()) {
      const path = await secretFile(`bad-${i}.json`, content);
      expect(() => loadKeyring({ LOOM_KEY_FILE: path }), problem).toThrow(`LOOM_KEY_FILE ${path}: ${problem}`);
    }
  });

  test('LOOM_SIGNING_KEY signs as sig-<8 hex of the public key\'s sha256> and is trusted for verification', async () => {
    const path = await secretFile('signing.pem', pem(signing.privateKey, 'pkcs8'));
    const id = `sig-${createHash('sha256').update(createPublicKey(signing.privateKey).export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 8)}`;
    const ring = loadKeyring({ LOOM_SIGNING_KEY: path });
    expect(ring.signer()?.keyId).toBe(id);
    expect(ring.verifyIds).toEqual([id]);
    expect(loadKeyring({ LOOM_SIGNING_KEY: path, LOOM_SIGNING_KEY_ID: 'ci' }).signer()?.keyId).toBe('ci');
    const both = await secretFile('both.json', { signing: fullKeyFile.signing });
    expect(() => loadKeyring({ LOOM_KEY_FILE: both, LOOM_SIGNING_KEY: path })).toThrow(`LOOM_SIGNING_KEY ${path}: a signing key is already configured ("release"); configure one only`);
  });

  test('secrets appear in no message, no JSON and no inspection', async () => {
    const secret = b64(kekA);
    const broken = await secretFile('broken.json', `{"keks": [{"id": "a", "key": "${secret}"}`);
    let message = '';
    try {
      loadKeyring({ LOOM_KEY_FILE: broken });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^LOOM_KEY_FILE .*broken\.json: not valid JSON/);
    expect(message).not.toContain(secret.slice(0, 12));
    const ring = loadKeyring({ LOOM_KEY_FILE: await secretFile('inspect.json', fullKeyFile) });
    for (const text of [JSON.stringify(ring), inspect(ring, { depth: 10, showHidden: true }), String(ring)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(b64(kekB));
      expect(text).not.toContain('PRIVATE KEY');
    }
  });
});

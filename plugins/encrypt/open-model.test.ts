import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeModel, encodeModel } from '../evaluate/model-file.js';
import { fitRebuy } from '../train/algorithms/index.js';
import { fromTriples } from '../train/matrix.js';
import { readEnvelope, seal, type EnvelopeHeader } from './envelope.js';
import { loadKeyring, type Keyring } from './keys.js';
import { isEnvelope, openModel, rotateModel } from './open-model.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const signing = generateKeyPairSync('ed25519');
const [kek1, kek2] = [randomBytes(32), randomBytes(32)];
const binding = { model: 'retail', version: 'run-7' };

let dir: string;
let plain: Uint8Array;
let ring: Keyring;
/** A keyring from a real key file (mode 600). */
async function keyring(name: string, content: object): Promise<Keyring> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(content));
  await chmod(path, 0o600);
  return loadKeyring({ LOOM_KEY_FILE: path });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-open-'));
  // A real re-buy model: ann bought x three times and y once, bob y, cy x and z.
  const matrix = fromTriples([['ann', 'x', 3], ['ann', 'y', 1], ['bob', 'y', 1], ['cy', 'x', 1], ['cy', 'z', 2]]);
  const model = await fitRebuy(matrix, {}, { signal: new AbortController().signal, progress: () => {}, seed: 0 });
  const parts = model.toParts();
  plain = encodeModel(
    { algorithm: 'rebuy', params: { ...parts.params }, ids: { users: matrix.users, items: matrix.items }, lineage: { name: 'retail' }, metrics: {}, createdBy: 'test', fallback: ['x', 'y'] },
    parts.arrays,
  );
  ring = await keyring('ring.json', {
    keks: [{ id: 'kek-1', key: b64(kek1) }, { id: 'kek-2', key: b64(kek2) }],
    current: 'kek-1',
    signing: { id: 'release', privateKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sealed = (signed = true) => seal(plain, binding, ring.currentKek(), signed ? ring.signer() : undefined);

/** Frames a (modified) envelope header around a body, as `seal` does. */
function reframe(header: EnvelopeHeader, body: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from('LOOMENC1'), length, json, body]);
}

describe('openModel', () => {
  test('plain model bytes decode as before, with their digest', () => {
    const opened = openModel(plain, { keyring: ring });
    expect(opened).toMatchObject({ encrypted: false, digest: createHash('sha256').update(plain).digest('hex') });
    expect(opened.header).toEqual(decodeModel(plain).header);
    expect(() => openModel(plain, { keyring: ring, requireSignature: true })).toThrow('encrypted artifact: a signature is required, but this is a plain model (not sealed, so not signed)');
  });

  test('a sealed model opens to the same header and arrays, with its binding and signer', () => {
    const bytes = sealed();
    expect(isEnvelope(bytes)).toBe(true);
    const opened = openModel(bytes, { keyring: ring, expect: { model: 'retail' }, requireSignature: true });
    const original = decodeModel(plain);
    expect(opened.header).toEqual(original.header);
    expect(opened.arrays).toEqual(original.arrays);
    expect(opened).toMatchObject({ encrypted: true, binding, signer: 'release', digest: createHash('sha256').update(plain).digest('hex') });
  });

  test('a 1-bit flip anywhere in the file is refused: magic, length, header, wrapped key, signature, body, tag', () => {
    const bytes = Buffer.from(sealed());
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 1 << i % 8;
      try {
        openModel(flipped, { keyring: ring });
      } catch {
        refused++;
      }
    }
    expect(refused).toBe(bytes.length);
  });

  test('tampering with the body, the tag or the binding is named', () => {
    const bytes = sealed(false);
    const { header, body } = readEnvelope(bytes);
    const flippedBody = Buffer.from(body);
    flippedBody[3]! ^= 0x80;
    expect(() => openModel(reframe(header, flippedBody), { keyring: ring })).toThrow('encrypted artifact: the ciphertext or its binding was altered (authentication tag mismatch)');
    const tag = Buffer.from(header.tag, 'base64');
    tag[0]! ^= 1;
    expect(() => openModel(reframe({ ...header, tag: b64(tag) }, body), { keyring: ring })).toThrow('authentication tag mismatch');
    // An unsigned artifact re-labelled for another model fails the tag; a signed one fails its signature first.
    expect(() => openModel(reframe({ ...header, binding: { model: 'retail', version: 'run-8' } }, body), { keyring: ring })).toThrow('authentication tag mismatch');
    const signed = readEnvelope(sealed());
    expect(() => openModel(reframe({ ...signed.header, binding: { model: 'retail', version: 'run-8' } }, signed.body), { keyring: ring })).toThrow(
      'encrypted artifact: the signature does not verify with key "release"',
    );
    const renamed = JSON.parse(JSON.stringify(signed.header).replace('"signature"', '"signaturf"')) as EnvelopeHeader;
    expect(() => openModel(reframe(renamed, signed.body), { keyring: ring })).toThrow('encrypted artifact: the header is not a format-1 envelope: unknown field "signaturf" in header');
  });

  test('a wrong or missing key, an unknown signer, a missing signature and a binding mismatch are clear errors', async () => {
    const bytes = sealed();
    const impostor = await keyring('impostor.json', { keks: [{ id: 'kek-1', key: b64(randomBytes(32)) }], verify: [{ id: 'release', publicKey: signing.publicKey.export({ type: 'spki', format: 'pem' }) }] });
    expect(() => openModel(bytes, { keyring: impostor })).toThrow(
      'encrypted artifact: key "kek-1" does not open the data key: it is not the key the data key was wrapped with, though its id is the same',
    );
    const stranger = await keyring('stranger.json', { keks: [{ id: 'kek-9', key: b64(randomBytes(32)) }] });
    expect(() => openModel(sealed(false), { keyring: stranger })).toThrow('no key "kek-1" to open the data key with; known keys: "kek-9"');
    expect(() => openModel(bytes, { keyring: stranger })).toThrow('unknown signer "release": not a trusted key; trusted: none (add it to "verify" in LOOM_KEY_FILE)');
    expect(() => openModel(sealed(false), { keyring: ring, requireSignature: true })).toThrow('encrypted artifact: a signature is required, but the artifact sealed for "retail" is not signed');
    expect(() => openModel(bytes, { keyring: ring, expect: { model: 'b' } })).toThrow(
      'encrypted artifact: sealed for model "retail" but opened as model "b" (the binding is part of the authenticated data)',
    );
    expect(() => openModel(bytes, { keyring: ring, expect: { model: 'retail', version: '3' } })).toThrow('encrypted artifact: sealed for "retail" version "run-7" but opened as version "3"');
    expect(() => openModel(Buffer.from('LOOMMDL1 but nothing else'), { keyring: ring })).toThrow('model file: header length');
  });
});

describe('rotateModel', () => {
  test('re-wraps the data key for another KEK; body, binding and signature stay byte for byte', () => {
    const before = sealed();
    const after = rotateModel(before, ring, 'kek-2');
    const [a, b] = [readEnvelope(before), readEnvelope(after)];
    expect(b.body.equals(a.body)).toBe(true);
    expect(b.header).toMatchObject({ iv: a.header.iv, tag: a.header.tag, binding, digest: a.header.digest, signature: a.header.signature, wrapped: { keyId: 'kek-2' } });
    expect(openModel(after, { keyring: ring, requireSignature: true }).header).toEqual(decodeModel(plain).header);
    expect(() => rotateModel(before, ring, 'kek-3')).toThrow('unknown key-encryption key "kek-3"; known: "kek-1", "kek-2"');
    expect(() => rotateModel(plain, ring, 'kek-2')).toThrow('encrypted artifact: only a sealed artifact can be rotated; this is a plain model');
  });
});

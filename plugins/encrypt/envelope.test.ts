import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { open, readEnvelope, rewrap, seal } from './envelope.js';

const model = new TextEncoder().encode('{"algorithm":"ials"} ... factors ...'.repeat(100));
const binding = { model: 'retail-recommender', version: '3' };
const kek = { kind: 'kek' as const, keyId: 'kek-2026-11', key: randomBytes(32) };
const signing = generateKeyPairSync('ed25519');
const signer = { keyId: 'release', key: signing.privateKey };
const verifier = { keyId: 'release', key: signing.publicKey };

describe('envelope encryption', () => {
  test('seals with a key-encryption key and opens to the same bytes; the plaintext is nowhere in the file', () => {
    const sealed = seal(model, binding, kek, signer);
    expect(Buffer.from(sealed).includes(Buffer.from('factors'))).toBe(false);
    expect([...open(sealed, kek, binding, verifier)]).toEqual([...model]);
    const { header } = readEnvelope(sealed);
    expect(header).toMatchObject({ format: 1, cipher: 'AES-256-GCM', binding, wrapped: { alg: 'A256GCM-KW', keyId: 'kek-2026-11' }, signature: { alg: 'Ed25519', keyId: 'release' } });
    expect(Buffer.from(header.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(header.tag, 'base64')).toHaveLength(16);
  });

  test('an X25519 or RSA-OAEP recipient: the sealing side needs no secret', () => {
    for (const pair of [generateKeyPairSync('x25519'), generateKeyPairSync('rsa', { modulusLength: 2048 })]) {
      const sealed = seal(model, binding, { kind: 'public', keyId: 'ops', key: pair.publicKey });
      expect([...open(sealed, { kind: 'private', keyId: 'ops', key: pair.privateKey }, binding)]).toEqual([...model]);
    }
  });

  test('every data key and IV is fresh: sealing twice gives different files', () => {
    const [a, b] = [readEnvelope(seal(model, binding, kek)).header, readEnvelope(seal(model, binding, kek)).header];
    expect(a.iv).not.toBe(b.iv);
    expect(a.wrapped).not.toEqual(b.wrapped);
  });

  test('a flipped ciphertext byte, another binding, a wrong key or a wrong signer is a clear error', () => {
    const sealed = Buffer.from(seal(model, binding, kek, signer));
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 5]! ^= 1;
    expect(() => open(tampered, kek, binding)).toThrow('encrypted artifact: the ciphertext or its binding was altered (authentication tag mismatch)');
    expect(() => open(sealed, kek, { ...binding, version: '4' })).toThrow('encrypted artifact: sealed for retail-recommender version 3, not retail-recommender version 4');
    expect(() => open(sealed, { kind: 'kek', keyId: 'other', key: randomBytes(32) }, binding)).toThrow(
      'encrypted artifact: the data key was wrapped for key "kek-2026-11" and cannot be opened with key "other"',
    );
    const impostor = generateKeyPairSync('ed25519');
    expect(() => open(sealed, kek, binding, { keyId: 'release', key: impostor.publicKey })).toThrow('encrypted artifact: the signature does not verify with key "release"');
    expect(() => open(seal(model, binding, kek), kek, binding, verifier)).toThrow('encrypted artifact: the artifact is not signed');
    expect(() => open(Buffer.from('not an envelope at all'), kek, binding)).toThrow('encrypted artifact: not a Loom encrypted artifact (bad magic)');
  });

  test('rotation re-wraps the data key for the new key; the ciphertext is byte for byte the same', () => {
    const sealed = seal(model, binding, kek, signer);
    const next = { kind: 'kek' as const, keyId: 'kek-2027-01', key: randomBytes(32) };
    const rotated = rewrap(sealed, kek, next);
    expect(readEnvelope(rotated).body.equals(readEnvelope(sealed).body)).toBe(true);
    expect([...open(rotated, next, binding, verifier)]).toEqual([...model]);
    expect(() => open(rotated, kek, binding)).toThrow('cannot be opened with key "kek-2026-11"');
  });
});

/**
 * Envelope encryption for model artifacts (the groundwork of the `encrypt` plugin). Each artifact gets a fresh
 * 256-bit data key; the bytes are sealed with AES-256-GCM (random 96-bit IV, 16-byte tag) with the model name,
 * version and plaintext digest bound as additional authenticated data; the data key is wrapped for one key
 * (a symmetric key-encryption key, an X25519 recipient, or an RSA-OAEP recipient), and the plaintext digest is
 * signed with Ed25519. Rotating keys re-wraps the data key and leaves the ciphertext as it is.
 *
 * File: "LOOMENC1" · uint32 LE header length · UTF-8 JSON header · ciphertext.
 */
import {
  createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync,
  privateDecrypt, publicEncrypt, randomBytes, sign, verify, constants, type KeyObject,
} from 'node:crypto';
import { PluginError } from '../../engine/sdk.js';

const MAGIC = Buffer.from('LOOMENC1');
const MAX_HEADER = 1024 * 1024;

/** What the ciphertext is bound to: decrypting under other values fails. */
export interface Binding {
  readonly model: string;
  readonly version: string;
}

export type WrappedKey =
  | { readonly alg: 'A256GCM-KW'; readonly keyId: string; readonly iv: string; readonly tag: string; readonly key: string }
  | { readonly alg: 'X25519-HKDF-A256GCM'; readonly keyId: string; readonly ephemeral: string; readonly iv: string; readonly tag: string; readonly key: string }
  | { readonly alg: 'RSA-OAEP-256'; readonly keyId: string; readonly key: string };

export interface EnvelopeHeader {
  readonly format: 1;
  readonly cipher: 'AES-256-GCM';
  readonly iv: string;
  readonly tag: string;
  readonly binding: Binding;
  /** sha256 of the plaintext, hex: bound into the AAD and signed. */
  readonly digest: string;
  readonly wrapped: WrappedKey;
  readonly signature?: { readonly alg: 'Ed25519'; readonly keyId: string; readonly value: string };
}

/** Who may open the data key: a symmetric key-encryption key, or a recipient's public key (no secret needed to seal). */
export type Recipient =
  | { readonly kind: 'kek'; readonly keyId: string; readonly key: Uint8Array }
  | { readonly kind: 'public'; readonly keyId: string; readonly key: KeyObject };

/** The matching secret: the same KEK, or the recipient's private key. */
export type Opener = { readonly kind: 'kek'; readonly keyId: string; readonly key: Uint8Array } | { readonly kind: 'private'; readonly keyId: string; readonly key: KeyObject };

export class EnvelopeError extends PluginError {
  constructor(message: string) {
    super(`encrypted artifact: ${message}`, { retryable: false });
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');
const aadOf = (binding: Binding, digest: string) => Buffer.from(JSON.stringify([binding.model, binding.version, digest]));

function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), body };
}

function gcmOpen(key: Uint8Array, iv: Uint8Array, tag: Uint8Array, body: Uint8Array, aad: Uint8Array | undefined, what: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new EnvelopeError(what);
  }
}

function x25519Wrap(dataKey: Uint8Array, recipient: KeyObject, keyId: string): WrappedKey {
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const wrapKey = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), `loom envelope ${keyId}`, 32));
  const sealed = gcmSeal(wrapKey, dataKey);
  const eph = ephemeral.publicKey.export({ type: 'spki', format: 'der' });
  return { alg: 'X25519-HKDF-A256GCM', keyId, ephemeral: b64(eph), iv: b64(sealed.iv), tag: b64(sealed.tag), key: b64(sealed.body) };
}

/** Wraps a data key for a recipient. */
export function wrapKey(dataKey: Uint8Array, recipient: Recipient): WrappedKey {
  if (recipient.kind === 'kek') {
    if (recipient.key.length !== 32) throw new EnvelopeError(`key-encryption key "${recipient.keyId}" must be 32 bytes, not ${recipient.key.length}`);
    const sealed = gcmSeal(recipient.key, dataKey);
    return { alg: 'A256GCM-KW', keyId: recipient.keyId, iv: b64(sealed.iv), tag: b64(sealed.tag), key: b64(sealed.body) };
  }
  const type = recipient.key.asymmetricKeyType;
  if (type === 'x25519') return x25519Wrap(dataKey, recipient.key, recipient.keyId);
  if (type === 'rsa') return { alg: 'RSA-OAEP-256', keyId: recipient.keyId, key: b64(publicEncrypt({ key: recipient.key, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING }, dataKey)) };
  throw new EnvelopeError(`recipient key "${recipient.keyId}" is ${type}; use X25519 or RSA`);
}

/** Opens a wrapped data key; a wrong or mismatched key is a clear error naming the key ids. */
export function unwrapKey(wrapped: WrappedKey, opener: Opener): Buffer {
  const wrong = `the data key was wrapped for key "${wrapped.keyId}" and cannot be opened with key "${opener.keyId}"`;
  if (wrapped.alg === 'A256GCM-KW') {
    if (opener.kind !== 'kek') throw new EnvelopeError(wrong);
    return gcmOpen(opener.key, unb64(wrapped.iv), unb64(wrapped.tag), unb64(wrapped.key), undefined, wrong);
  }
  if (opener.kind !== 'private') throw new EnvelopeError(wrong);
  if (wrapped.alg === 'X25519-HKDF-A256GCM') {
    try {
      const ephemeral = createPublicKey({ key: unb64(wrapped.ephemeral), format: 'der', type: 'spki' });
      const shared = diffieHellman({ privateKey: opener.key, publicKey: ephemeral });
      const key = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), `loom envelope ${wrapped.keyId}`, 32));
      return gcmOpen(key, unb64(wrapped.iv), unb64(wrapped.tag), unb64(wrapped.key), undefined, wrong);
    } catch (error) {
      throw error instanceof EnvelopeError ? error : new EnvelopeError(wrong);
    }
  }
  try {
    return privateDecrypt({ key: opener.key, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING }, unb64(wrapped.key));
  } catch {
    throw new EnvelopeError(wrong);
  }
}

/** Seals plaintext bytes: a fresh data key, AES-256-GCM bound to the model, the key wrapped, the digest signed. */
export function seal(plaintext: Uint8Array, binding: Binding, recipient: Recipient, signer?: { keyId: string; key: KeyObject }): Uint8Array {
  const digest = createHash('sha256').update(plaintext).digest('hex');
  const dataKey = randomBytes(32);
  const sealed = gcmSeal(dataKey, plaintext, aadOf(binding, digest));
  const header: EnvelopeHeader = {
    format: 1, cipher: 'AES-256-GCM', iv: b64(sealed.iv), tag: b64(sealed.tag), binding, digest,
    wrapped: wrapKey(dataKey, recipient),
    ...(signer ? { signature: { alg: 'Ed25519' as const, keyId: signer.keyId, value: b64(sign(null, Buffer.from(digest, 'hex'), signer.key)) } } : {}),
  };
  dataKey.fill(0);
  return frame(header, sealed.body);
}

function frame(header: EnvelopeHeader, body: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, length, json, body]);
}

/** Reads the header and ciphertext, checking the frame; never decrypts. */
export function readEnvelope(bytes: Uint8Array): { header: EnvelopeHeader; body: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new EnvelopeError('not a Loom encrypted artifact (bad magic)');
  const length = buf.readUInt32LE(8);
  if (length > MAX_HEADER || 12 + length > buf.length) throw new EnvelopeError(`header length ${length} runs past the end of the file (${buf.length} bytes)`);
  let header: EnvelopeHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + length).toString('utf8')) as EnvelopeHeader;
  } catch {
    throw new EnvelopeError('the header is not valid JSON');
  }
  if (header?.format !== 1 || header.cipher !== 'AES-256-GCM' || typeof header.digest !== 'string' || !header.wrapped) throw new EnvelopeError('the header is not a format-1 envelope');
  return { header, body: Buffer.from(buf.subarray(12 + length)) };
}

/**
 * Opens a sealed artifact: unwraps the data key, checks the GCM tag (ciphertext and binding untouched), then the
 * digest and its Ed25519 signature, all before returning a byte. `expect` must equal the binding it was sealed with.
 */
export function open(bytes: Uint8Array, opener: Opener, expect: Binding, verifier?: { keyId: string; key: KeyObject }): Buffer {
  const { header, body } = readEnvelope(bytes);
  if (header.binding.model !== expect.model || header.binding.version !== expect.version) {
    throw new EnvelopeError(`sealed for ${header.binding.model} version ${header.binding.version}, not ${expect.model} version ${expect.version}`);
  }
  const dataKey = unwrapKey(header.wrapped, opener);
  const plaintext = gcmOpen(dataKey, unb64(header.iv), unb64(header.tag), body, aadOf(expect, header.digest), 'the ciphertext or its binding was altered (authentication tag mismatch)');
  dataKey.fill(0);
  if (createHash('sha256').update(plaintext).digest('hex') !== header.digest) throw new EnvelopeError('the plaintext does not match its digest');
  if (verifier) {
    if (!header.signature) throw new EnvelopeError('the artifact is not signed');
    if (header.signature.keyId !== verifier.keyId) throw new EnvelopeError(`signed with key "${header.signature.keyId}", not "${verifier.keyId}"`);
    if (!verify(null, Buffer.from(header.digest, 'hex'), verifier.key, unb64(header.signature.value))) throw new EnvelopeError(`the signature does not verify with key "${verifier.keyId}"`);
  }
  return plaintext;
}

/** Key rotation: opens the data key with the old key and wraps it for the new one; the ciphertext is unchanged. */
export function rewrap(bytes: Uint8Array, old: Opener, next: Recipient): Uint8Array {
  const { header, body } = readEnvelope(bytes);
  const dataKey = unwrapKey(header.wrapped, old);
  const rewrapped = frame({ ...header, wrapped: wrapKey(dataKey, next) }, body);
  dataKey.fill(0);
  return rewrapped;
}


/**
 * Envelope encryption for model artifacts (the groundwork of the `encrypt` plugin). Each artifact gets a fresh
 * 256-bit data key; the bytes are sealed with AES-256-GCM (random 96-bit IV, 16-byte tag) with the model name,
 * version and plaintext digest bound as additional authenticated data; the data key is wrapped for one key
 * (a symmetric key-encryption key, an X25519 recipient, or an RSA-OAEP recipient), and the plaintext digest is
 * signed with Ed25519 together with the binding (the same bytes as the AAD), so a signature vouches for this model
 * under this name and version. Rotating keys re-wraps the data key and leaves the ciphertext and signature as they are.
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
/** The additional authenticated data, and what the signature signs: the binding and the plaintext digest. */
export const aadOf = (binding: Binding, digest: string) => Buffer.from(JSON.stringify([binding.model, binding.version, digest]));

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
  const wrong =
    wrapped.keyId === opener.keyId
      ? `key "${opener.keyId}" does not open the data key: it is not the key the data key was wrapped with, though its id is the same`
      : `the data key was wrapped for key "${wrapped.keyId}" and cannot be opened with key "${opener.keyId}"`;
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
    ...(signer ? { signature: { alg: 'Ed25519' as const, keyId: signer.keyId, value: b64(sign(null, aadOf(binding, digest), signer.key)) } } : {}),
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

/** Canonical base64 only (it re-encodes to itself): no unused bits or characters an attacker could flip unseen. */
const isB64 = (v: unknown, bytes?: number): boolean => {
  if (typeof v !== 'string') return false;
  const decoded = unb64(v);
  return decoded.toString('base64') === v && (bytes === undefined || decoded.length === bytes);
};

const FIELDS: Record<string, readonly string[]> = {
  header: ['format', 'cipher', 'iv', 'tag', 'binding', 'digest', 'wrapped', 'signature'],
  binding: ['model', 'version'],
  'A256GCM-KW': ['alg', 'keyId', 'iv', 'tag', 'key'],
  'X25519-HKDF-A256GCM': ['alg', 'keyId', 'ephemeral', 'iv', 'tag', 'key'],
  'RSA-OAEP-256': ['alg', 'keyId', 'key'],
  signature: ['alg', 'keyId', 'value'],
};

/** A field outside the format (a renamed "signature" would otherwise read as "unsigned"), or undefined. */
function unknownField(value: unknown, kind: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${kind} is not an object`;
  const known = Object.hasOwn(FIELDS, kind) ? FIELDS[kind]! : undefined;
  if (!known) return `unknown key wrapping ${JSON.stringify(kind)}`;
  const extra = Object.keys(value).find((key) => !known.includes(key));
  return extra === undefined ? undefined : `unknown field ${JSON.stringify(extra)} in ${kind}`;
}

/** Every field the openers read, checked before any of them is used; the first problem, or undefined. */
function headerProblem(h: EnvelopeHeader): string | undefined {
  const fields =
    unknownField(h, 'header') ?? unknownField(h.binding, 'binding') ?? unknownField(h.wrapped, String((h.wrapped as { alg?: unknown } | undefined)?.alg)) ??
    (h.signature === undefined ? undefined : unknownField(h.signature, 'signature'));
  if (fields) return fields;
  if (h.format !== 1 || h.cipher !== 'AES-256-GCM') return 'format must be 1 and cipher "AES-256-GCM"';
  if (!isB64(h.iv, 12) || !isB64(h.tag, 16)) return 'iv must be 12 and tag 16 bytes of base64';
  if (typeof h.digest !== 'string' || !/^[0-9a-f]{64}$/.test(h.digest)) return 'digest must be 64 hex digits';
  if (typeof h.binding?.model !== 'string' || typeof h.binding.version !== 'string') return 'binding must have a string model and version';
  const w = h.wrapped as Partial<Record<string, unknown>> | undefined;
  if (typeof w?.keyId !== 'string' || !isB64(w.key)) return 'wrapped must have a keyId and a base64 key';
  if (w.alg === 'A256GCM-KW' || w.alg === 'X25519-HKDF-A256GCM') {
    if (!isB64(w.iv, 12) || !isB64(w.tag, 16)) return `wrapped (${w.alg}) must have a 12-byte iv and a 16-byte tag`;
    if (w.alg === 'X25519-HKDF-A256GCM' && !isB64(w.ephemeral)) return 'wrapped (X25519) must have an ephemeral key';
  } else if (w.alg !== 'RSA-OAEP-256') return `unknown key wrapping ${JSON.stringify(w.alg)}`;
  const sig = h.signature;
  if (sig !== undefined && (sig?.alg !== 'Ed25519' || typeof sig.keyId !== 'string' || !isB64(sig.value, 64))) return 'signature must be Ed25519 with a keyId and a 64-byte value';
  return undefined;
}

/** Checks an Ed25519 signature over the binding and digest; run before the data key is unwrapped. */
export function verifySignature(header: EnvelopeHeader, verifier: { keyId: string; key: KeyObject }): void {
  if (!header.signature) throw new EnvelopeError('the artifact is not signed');
  if (header.signature.keyId !== verifier.keyId) throw new EnvelopeError(`signed with key "${header.signature.keyId}", not "${verifier.keyId}"`);
  if (!verify(null, aadOf(header.binding, header.digest), verifier.key, unb64(header.signature.value))) {
    throw new EnvelopeError(`the signature does not verify with key "${verifier.keyId}"`);
  }
}

/** A sealed artifact's checked header and its ciphertext. */
export interface Envelope {
  readonly header: EnvelopeHeader;
  readonly body: Buffer;
}

/** Reads the header and ciphertext, checking the frame; never decrypts. */
export function readEnvelope(bytes: Uint8Array): Envelope {
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
  const problem = headerProblem(header);
  if (problem) throw new EnvelopeError(`the header is not a format-1 envelope: ${problem}`);
  return { header, body: Buffer.from(buf.subarray(12 + length)) };
}

/**
 * Opens a sealed artifact (its bytes, or the envelope `readEnvelope` already read from them): checks the binding,
 * the Ed25519 signature (when a verifier is given), unwraps the data key, checks the GCM tag (ciphertext and binding
 * untouched) and the digest, all before returning a byte. `expect` must equal the binding it was sealed with.
 */
export function open(sealed: Uint8Array | Envelope, opener: Opener, expect: Binding, verifier?: { keyId: string; key: KeyObject }): Buffer {
  const { header, body } = sealed instanceof Uint8Array ? readEnvelope(sealed) : sealed;
  if (header.binding.model !== expect.model || header.binding.version !== expect.version) {
    throw new EnvelopeError(`sealed for ${header.binding.model} version ${header.binding.version}, not ${expect.model} version ${expect.version}`);
  }
  if (verifier) verifySignature(header, verifier);
  const dataKey = unwrapKey(header.wrapped, opener);
  const plaintext = gcmOpen(dataKey, unb64(header.iv), unb64(header.tag), body, aadOf(expect, header.digest), 'the ciphertext or its binding was altered (authentication tag mismatch)');
  dataKey.fill(0);
  if (createHash('sha256').update(plaintext).digest('hex') !== header.digest) throw new EnvelopeError('the plaintext does not match its digest');
  return plaintext;
}

/** Key rotation: opens the data key with the old key and wraps it for the new one; the ciphertext is unchanged. */
export function rewrap(sealed: Uint8Array | Envelope, old: Opener, next: Recipient): Uint8Array {
  const { header, body } = sealed instanceof Uint8Array ? readEnvelope(sealed) : sealed;
  const dataKey = unwrapKey(header.wrapped, old);
  const rewrapped = frame({ ...header, wrapped: wrapKey(dataKey, next) }, body);
  dataKey.fill(0);
  return rewrapped;
}


/**
 * Loading a model artifact whether it is plain (`LOOMMDL1`) or sealed (`LOOMENC1`): the one door evaluate, publish
 * and serving go through. A sealed artifact is checked in this order, each step before the next reads anything:
 * the frame and envelope header, the binding, the signature, the data key, the GCM tag, the digest; only then is
 * the plaintext (in memory, never on disk) decoded as a model.
 */
import { createHash } from 'node:crypto';
import { decodeModel, type ModelArray, type ModelHeader } from '../evaluate/model-file.js';
import { EnvelopeError, open, readEnvelope, rewrap, type Binding, type EnvelopeHeader } from './envelope.js';
import type { Keyring } from './keys.js';

const ENVELOPE_MAGIC = 'LOOMENC1';

export interface OpenModelOptions {
  readonly keyring: Keyring;
  /** Refuse an artifact sealed for another model name or version (only the given fields are compared). */
  readonly expect?: { readonly model?: string; readonly version?: string };
  /** Refuse an envelope without a signature by a trusted key, and every plain model (it cannot carry one). */
  readonly requireSignature?: boolean;
}

export interface OpenedModel {
  readonly header: ModelHeader;
  readonly arrays: Record<string, ModelArray>;
  readonly encrypted: boolean;
  /** What a sealed artifact is bound to. */
  readonly binding?: Binding;
  /** The id of the key whose signature verified. */
  readonly signer?: string;
  /** sha256 of the plain model bytes, hex. */
  readonly digest: string;
}

/** Whether the bytes start like a sealed artifact (says nothing about whether they open). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') === ENVELOPE_MAGIC;
}

function checkBinding(header: EnvelopeHeader, expect: OpenModelOptions['expect']): void {
  const { model, version } = header.binding;
  if (expect?.model !== undefined && expect.model !== model) {
    throw new EnvelopeError(`sealed for model "${model}" but opened as model "${expect.model}" (the binding is part of the authenticated data)`);
  }
  if (expect?.version !== undefined && expect.version !== version) {
    throw new EnvelopeError(`sealed for "${model}" version "${version}" but opened as version "${expect.version}"`);
  }
}

/**
 * Opens and decodes a model artifact. Every failure is an error that says what was wrong: tampered bytes, a
 * wrong or unknown key, an unknown signer, a missing signature, a binding mismatch, a malformed model.
 *
 * @example const { header, arrays } = openModel(await artifacts.readBytes(ref), { keyring: loadKeyring(), expect: { model: 'retail' } })
 */
export function openModel(bytes: Uint8Array, options: OpenModelOptions): OpenedModel {
  if (!isEnvelope(bytes)) {
    if (options.requireSignature) throw new EnvelopeError('a signature is required, but this is a plain model (not sealed, so not signed)');
    return { ...decodeModel(bytes), encrypted: false, digest: createHash('sha256').update(bytes).digest('hex') };
  }
  // 1. Frame and header; 2. binding.
  const envelope = readEnvelope(bytes);
  const { header } = envelope;
  checkBinding(header, options.expect);
  // 3. Signature: a present one must verify with a trusted key, whether or not one is required.
  if (!header.signature && options.requireSignature) throw new EnvelopeError(`a signature is required, but the artifact sealed for "${header.binding.model}" is not signed`);
  const verifier = header.signature ? options.keyring.verifier(header.signature.keyId) : undefined;
  // 3. – 6. envelope.open verifies the signature with that key, then unwraps the data key, checks the tag and the digest.
  const plaintext = open(envelope, options.keyring.opener(header.wrapped.keyId), header.binding, verifier);
  try {
    const model = decodeModel(plaintext);
    return { ...model, encrypted: true, binding: header.binding, digest: header.digest, ...(verifier ? { signer: verifier.keyId } : {}) };
  } finally {
    // decodeModel copies the arrays out, so the plaintext is not needed any more.
    plaintext.fill(0);
  }
}

/**
 * Key rotation: re-wraps the data key for the KEK `toKekId`; the ciphertext, binding and signature are kept
 * byte for byte. The old key must be in the keyring.
 */
export function rotateModel(bytes: Uint8Array, keyring: Keyring, toKekId: string): Uint8Array {
  if (!isEnvelope(bytes)) throw new EnvelopeError('only a sealed artifact can be rotated; this is a plain model');
  const envelope = readEnvelope(bytes);
  return rewrap(envelope, keyring.opener(envelope.header.wrapped.keyId), keyring.kek(toKekId));
}

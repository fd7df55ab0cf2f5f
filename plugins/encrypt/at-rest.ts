/**
 * Models sealed at rest (`LOOM_SEAL_MODELS=1`): the artifact store keeps every model only as an envelope under the
 * keyring's current key-encryption key, bound to the model's address, and opens it in memory when it is read. So
 * with encryption on, a trained model's plaintext never reaches the disk, not even between train and encrypt.
 */
import type { ArtifactSealer } from '../../engine/store/fs-artifact-store.js';
import { open, readEnvelope, seal } from './envelope.js';
import type { Keyring } from './keys.js';

export function atRestSealer(keyring: Keyring): ArtifactSealer {
  const recipient = keyring.currentKek();
  const binding = (sha256: string) => ({ model: 'loom-artifact', version: sha256 });
  return {
    seal: (plaintext, sha256) => seal(plaintext, binding(sha256), recipient),
    open: (sealed, sha256) => {
      const envelope = readEnvelope(sealed);
      return open(envelope, keyring.opener(envelope.header.wrapped.keyId), binding(sha256));
    },
  };
}

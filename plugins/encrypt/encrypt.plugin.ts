/**
 * encrypt: seals a plain model artifact in an envelope (plugins/encrypt/envelope.ts) for a key-encryption key or a
 * recipient's public key, signed with Ed25519. The plaintext is read into memory and the envelope is written from
 * memory into the artifact store: no plaintext copy is ever written by this node.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { definePlugin, PluginError, Type, type RunContext, type Static } from '../../engine/sdk.js';
import { confinedFile, resolveRoots } from '../collect/paths.js';
import { decodeModel, type ModelHeader } from '../evaluate/model-file.js';
import { seal, type Recipient } from './envelope.js';
import { KEY_ENV_HELP, loadKeyring, type Keyring, type SigningKey } from './keys.js';
import { isEnvelope } from './open-model.js';

const KekRecipient = Type.Object(
  {
    kind: Type.Literal('kek', { description: 'Wrap the data key with a symmetric key-encryption key from the keyring (LOOM_MASTER_KEY or LOOM_KEY_FILE).' }),
    keyId: Type.Optional(Type.String({ minLength: 1, description: 'Which KEK; default: the keyring\'s current one.' })),
  },
  { additionalProperties: false, title: 'Key-encryption key' },
);

const PublicRecipient = Type.Object(
  {
    kind: Type.Union([Type.Literal('x25519'), Type.Literal('rsa-oaep')], { description: 'The public key\'s type: X25519 (ECDH + HKDF) or RSA-OAEP (SHA-256, 2048 bits or more).' }),
    keyId: Type.String({ minLength: 1, description: 'The id of the recipient\'s key, under which its private key is known to whoever opens the model.' }),
    publicKey: Type.String({ minLength: 1, description: 'The public key as PEM text, or the path of a PEM file under the workflow\'s data roots.' }),
  },
  { additionalProperties: false, title: 'Recipient public key' },
);

const EncryptConfig = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: 'The registry model name bound into the envelope; default: the model\'s lineage name (train\'s "name"), else its algorithm.' })),
    version: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'A version string bound into the envelope; default: the run id. (The registry\'s version number is not known until publish, so the run id stands for it.)',
      }),
    ),
    recipient: Type.Union([KekRecipient, PublicRecipient], {
      default: { kind: 'kek' },
      description: 'Who can open the model: a KEK of the keyring, or a recipient\'s public key (then this node needs no secret).',
    }),
    sign: Type.Union([Type.Literal('if-available'), Type.Literal('required'), Type.Literal('off')], {
      default: 'if-available',
      description:
        'Ed25519 signature of the binding and digest. "if-available" (default): sign when a signing key is configured (LOOM_SIGNING_KEY or the key file\'s ' +
        '"signing"), else seal unsigned with a warning. "required": fail without a signing key. "off": never sign.',
    }),
  },
  { additionalProperties: false },
);

type EncryptContext = RunContext<Static<typeof EncryptConfig>, { model: { type: 'model' } }>;

const refuse = (message: string): never => {
  throw new PluginError(message, { retryable: false });
};

/** Reads `model` and checks it is a plain model file; returns its bytes and header. */
async function readPlainModel(ctx: EncryptContext): Promise<{ bytes: Uint8Array; header: ModelHeader }> {
  const bytes = await ctx.artifacts.readBytes(ctx.inputs.model);
  if (isEnvelope(bytes)) refuse('input "model" is already an encrypted envelope; wire the plain model from train');
  try {
    return { bytes, header: decodeModel(bytes).header };
  } catch (error) {
    return refuse(`input "model" is not a LOOMMDL1 model: ${(error as Error).message}`);
  }
}

/** A recipient's public key: PEM text in the config, or a PEM file confined to the workflow's data roots. */
async function publicKeyOf(ctx: EncryptContext, config: Static<typeof PublicRecipient>): Promise<KeyObject> {
  const text = config.publicKey.trimStart().startsWith('-----BEGIN')
    ? config.publicKey
    : await readFile(await confinedFile(config.publicKey, ctx.workflowDir, await resolveRoots(ctx.dataRoots), 'recipient.publicKey'), 'utf8');
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    return refuse(`recipient.publicKey of "${config.keyId}" is not a PEM public key`);
  }
  const type = key.asymmetricKeyType;
  if (config.kind === 'x25519' && type !== 'x25519') refuse(`recipient "${config.keyId}" is kind "x25519" but its public key is ${type}`);
  if (config.kind === 'rsa-oaep') {
    if (type !== 'rsa') refuse(`recipient "${config.keyId}" is kind "rsa-oaep" but its public key is ${type}`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) refuse(`recipient "${config.keyId}" is an RSA key of ${bits} bits; use 2048 bits or more`);
  }
  return key;
}

async function recipientOf(ctx: EncryptContext, keyring: () => Keyring): Promise<Recipient> {
  const config = ctx.config.recipient;
  if (config.kind !== 'kek') return { kind: 'public', keyId: config.keyId, key: await publicKeyOf(ctx, config) };
  const ring = keyring();
  if (ring.kekIds.length === 0) refuse(`recipient "kek": no key-encryption key is configured: ${KEY_ENV_HELP}`);
  return config.keyId ? ring.kek(config.keyId) : ring.currentKek();
}

function signerOf(ctx: EncryptContext, keyring: () => Keyring): SigningKey | undefined {
  if (ctx.config.sign === 'off') return undefined;
  const signer = keyring().signer();
  if (signer) return signer;
  if (ctx.config.sign === 'required') {
    refuse('sign is "required" but no signing key is configured: set LOOM_SIGNING_KEY (a PEM Ed25519 private key file, mode 600) or "signing" in LOOM_KEY_FILE');
  }
  ctx.log.warn('no signing key is configured (LOOM_SIGNING_KEY): the model is sealed unsigned');
  return undefined;
}

export default definePlugin({
  name: 'encrypt',
  version: '1.0.0',
  title: 'Encrypt a model',
  description:
    'Seals a model artifact with envelope encryption: a fresh AES-256-GCM data key bound to the model name, version and digest, wrapped for a ' +
    'key-encryption key (LOOM_MASTER_KEY / LOOM_KEY_FILE) or a recipient\'s X25519 or RSA-OAEP public key, and signed with Ed25519. ' +
    'No plaintext copy is written; the output opens only with the matching key (openModel).',
  category: 'publish',
  inputs: { model: { type: 'model', title: 'Model', description: 'A plain model file (LOOMMDL1), e.g. from train.' } },
  outputs: {
    model: { type: 'model', title: 'Encrypted model', description: 'The envelope; meta { format: "loom-envelope/1", encrypted, model, version, algorithm, keyId, signer, digest }.' },
  },
  config: EncryptConfig,
  // Keys come from the environment (and may rotate), and every seal draws a fresh data key and IV.
  volatile: true,
  async run(ctx) {
    const { bytes, header } = await readPlainModel(ctx);
    // The keyring is read only when a KEK or signer is needed: sealing for a public key, unsigned, needs no env.
    let ring: Keyring | undefined;
    const keyring = () => (ring ??= loadKeyring());
    const recipient = await recipientOf(ctx, keyring);
    const signer = signerOf(ctx, keyring);
    const lineageName = typeof header.lineage.name === 'string' && header.lineage.name !== '' ? header.lineage.name : undefined;
    const binding = { model: ctx.config.name ?? lineageName ?? header.algorithm, version: ctx.config.version ?? ctx.runId };
    const sealed = seal(bytes, binding, recipient, signer);
    ctx.log.info(`sealed ${binding.model} version ${binding.version} for key "${recipient.keyId}"${signer ? `, signed by "${signer.keyId}"` : ', unsigned'}`);
    const meta = {
      format: 'loom-envelope/1',
      encrypted: true,
      ...binding,
      algorithm: header.algorithm,
      keyId: recipient.keyId,
      signer: signer?.keyId ?? null,
      // The plaintext's sha256 (what the signature covers): the input artifact's own sha256.
      digest: createHash('sha256').update(bytes).digest('hex'),
    };
    return { model: await ctx.artifacts.putBytes('model', sealed, meta) };
  },
});

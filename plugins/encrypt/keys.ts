/**
 * The keyring: every key Loom may use to seal, open, sign and verify model artifacts, loaded from the environment.
 *
 *   LOOM_MASTER_KEY       base64 of 32 bytes: a key-encryption key (KEK), id LOOM_MASTER_KEY_ID or kek-<8 hex of sha256>
 *   LOOM_KEY_FILE         a JSON keyring (mode 600): { keks, current?, signing?, verify?, private? }
 *   LOOM_SIGNING_KEY      a PEM Ed25519 private key file, id LOOM_SIGNING_KEY_ID or sig-<8 hex of sha256(public key)>
 *
 * Secrets live in private fields: they never appear in messages, `toJSON` or `util.inspect`.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PluginError } from '../../engine/sdk.js';
import type { Opener, Recipient } from './envelope.js';

export const KEY_ENV_HELP = 'set LOOM_MASTER_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or LOOM_KEY_FILE (a JSON keyring, mode 600)';

export class KeyringError extends PluginError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

export interface SigningKey {
  readonly keyId: string;
  readonly key: KeyObject;
}

type Kek = Extract<Recipient, { kind: 'kek' }>;

const shortHash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 8);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (ids: Iterable<string>) => [...ids].map((id) => `"${id}"`).join(', ') || 'none';

/** Decodes strict base64 of exactly 32 bytes; the message never quotes the value. */
function kekBytes(value: unknown, where: (problem: string) => never): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) where('must be base64 of 32 bytes, got something that is not base64');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 32) where(`must be base64 of 32 bytes, got ${bytes.length} bytes`);
  return bytes;
}

function pemKey(value: unknown, kind: 'private' | 'public', types: readonly string[], where: (problem: string) => never): KeyObject {
  const wanted = `a PEM ${types.map((t) => (t === 'ed25519' ? 'Ed25519' : t === 'x25519' ? 'X25519' : 'RSA')).join(' or ')} ${kind} key`;
  if (typeof value !== 'string') where(`must be ${wanted}`);
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(value) : createPublicKey(value);
  } catch {
    return where(`must be ${wanted}, and it could not be parsed`);
  }
  if (!types.includes(key.asymmetricKeyType ?? '')) where(`must be ${wanted}, got ${key.asymmetricKeyType ?? 'an unknown'} key`);
  return key;
}

/** A secret file must be readable by its owner only (on systems with POSIX modes). */
function checkPrivate(path: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new KeyringError(`${what} ${path}: file not found`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new KeyringError(`${what} ${path}: readable by group or others (mode ${(mode & 0o777).toString(8)}); it holds secrets: run \`chmod 600 ${path}\``);
  }
}

export interface KeyringJson {
  readonly keks: readonly string[];
  readonly current: string | null;
  readonly signing: string | null;
  readonly verify: readonly string[];
  readonly private: readonly string[];
}

/** What a keyring is made of; `loadKeyring` builds it, checking that every id is unique. */
interface KeyringParts {
  readonly keks: Map<string, Buffer>;
  readonly private: Map<string, KeyObject>;
  readonly verify: Map<string, KeyObject>;
  signing?: SigningKey;
  current?: string;
}

/** The keys of one process. Lookups by id throw a `KeyringError` listing the ids that are known. */
export class Keyring {
  readonly #parts: KeyringParts;

  constructor(parts: KeyringParts) {
    this.#parts = parts;
  }

  get kekIds(): string[] { return [...this.#parts.keks.keys()]; }
  get privateIds(): string[] { return [...this.#parts.private.keys()]; }
  get verifyIds(): string[] { return [...this.#parts.verify.keys()]; }
  get signingId(): string | undefined { return this.#parts.signing?.keyId; }
  get currentKekId(): string | undefined { return this.#parts.current; }
  /** Every id that can open a data key: KEKs and recipients' private keys. */
  get openerIds(): string[] { return [...this.kekIds, ...this.privateIds]; }

  /** The secret that opens a data key wrapped for `keyId`. */
  opener(keyId: string): Opener {
    const kek = this.#parts.keks.get(keyId);
    if (kek) return { kind: 'kek', keyId, key: kek };
    const key = this.#parts.private.get(keyId);
    if (key) return { kind: 'private', keyId, key };
    throw new KeyringError(`no key "${keyId}" to open the data key with; known keys: ${list(this.openerIds)}`);
  }

  /** A key-encryption key by id, to wrap a data key for. */
  kek(keyId: string): Kek {
    const key = this.#parts.keks.get(keyId);
    if (!key) throw new KeyringError(`unknown key-encryption key "${keyId}"; known: ${list(this.kekIds)}`);
    return { kind: 'kek', keyId, key };
  }

  /** The KEK new data keys are wrapped with: the key file's `current`, else LOOM_MASTER_KEY, else the only KEK. */
  currentKek(): Kek {
    if (this.#parts.current) return this.kek(this.#parts.current);
    if (this.#parts.keks.size === 0) throw new KeyringError(`no key-encryption key is configured: ${KEY_ENV_HELP}`);
    throw new KeyringError(`several key-encryption keys (${list(this.kekIds)}) and none is current: set "current" in LOOM_KEY_FILE`);
  }

  /** The Ed25519 key that signs, if one is configured. */
  signer(): SigningKey | undefined {
    return this.#parts.signing;
  }

  /** A trusted Ed25519 public key by id (the signing key's own public key is trusted too). */
  verifier(keyId: string): SigningKey {
    const key = this.#parts.verify.get(keyId);
    if (!key) throw new KeyringError(`unknown signer "${keyId}": not a trusted key; trusted: ${list(this.verifyIds)} (add it to "verify" in LOOM_KEY_FILE)`);
    return { keyId, key };
  }

  toJSON(): KeyringJson {
    return { keks: this.kekIds, current: this.currentKekId ?? null, signing: this.signingId ?? null, verify: this.verifyIds, private: this.privateIds };
  }
}

function addKey<K>(map: Map<string, K>, others: readonly Map<string, unknown>[], keyId: string, key: K, where: string): void {
  if ([map, ...others].some((m) => m.has(keyId))) throw new KeyringError(`${where}: key id "${keyId}" is used twice`);
  map.set(keyId, key);
}

function addSigning(parts: KeyringParts, signing: SigningKey, where: string): void {
  if (parts.signing) throw new KeyringError(`${where}: a signing key is already configured ("${parts.signing.keyId}"); configure one only`);
  parts.signing = signing;
  addKey(parts.verify, [], signing.keyId, createPublicKey(signing.key), where);
}

function loadKeyFile(parts: KeyringParts, path: string): void {
  const label = `LOOM_KEY_FILE ${path}`;
  checkPrivate(path, 'LOOM_KEY_FILE');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // NOTE: V8's message quotes the text around the error, which may be a secret: keep the position only.
    const at = /position \d+/.exec(String((error as Error).message))?.[0];
    throw new KeyringError(`${label}: not valid JSON${at ? ` (at ${at})` : ''}`);
  }
  const fail = (at: string) => (problem: string): never => {
    throw new KeyringError(`${label}: ${at} ${problem}`);
  };
  if (!isObject(doc)) fail('the file')('must hold a JSON object');
  const file = doc as Record<string, unknown>;
  const known = ['keks', 'current', 'signing', 'verify', 'private'];
  for (const key of Object.keys(file)) if (!known.includes(key)) fail(key)(`is not a keyring field (known: ${known.join(', ')})`);
  const entries = (field: string): Record<string, unknown>[] => {
    const value = file[field] ?? [];
    if (!Array.isArray(value)) fail(field)('must be an array');
    return (value as unknown[]).map((item, i) => {
      if (!isObject(item)) return fail(`${field}[${i}]`)('must be an object');
      const entry = item;
      if (typeof entry.id !== 'string' || entry.id === '') fail(`${field}[${i}].id`)('must be a non-empty string');
      return entry as Record<string, unknown>;
    });
  };
  const { keks, private: privates, verify } = parts;
  entries('keks').forEach((e, i) => addKey(keks, [privates], e.id as string, kekBytes(e.key, fail(`keks[${i}].key`)), `${label}: keks[${i}]`));
  entries('private').forEach((e, i) =>
    addKey(privates, [keks], e.id as string, pemKey(e.privateKey, 'private', ['x25519', 'rsa'], fail(`private[${i}].privateKey`)), `${label}: private[${i}]`),
  );
  entries('verify').forEach((e, i) => addKey(verify, [], e.id as string, pemKey(e.publicKey, 'public', ['ed25519'], fail(`verify[${i}].publicKey`)), `${label}: verify[${i}]`));
  if (file.signing !== undefined) {
    if (!isObject(file.signing)) fail('signing')('must be an object { id, privateKey }');
    const signing = file.signing as Record<string, unknown>;
    if (typeof signing.id !== 'string' || signing.id === '') fail('signing.id')('must be a non-empty string');
    addSigning(parts, { keyId: signing.id as string, key: pemKey(signing.privateKey, 'private', ['ed25519'], fail('signing.privateKey')) }, `${label}: signing`);
  }
  if (file.current !== undefined) {
    if (typeof file.current !== 'string' || !keks.has(file.current)) fail('current')(`must be the id of one of its keks (${list(keks.keys())})`);
    parts.current = file.current as string;
  }
}

/**
 * Loads the keyring from `env`. Nothing configured is not an error (a node that seals for a public key needs no
 * secret); asking for a missing key is, and says which variable to set.
 *
 * @example const ring = loadKeyring(); seal(bytes, binding, ring.currentKek(), ring.signer())
 */
export function loadKeyring(env: NodeJS.ProcessEnv = process.env): Keyring {
  const parts: KeyringParts = { keks: new Map(), private: new Map(), verify: new Map() };
  if (env.LOOM_KEY_FILE) loadKeyFile(parts, resolve(env.LOOM_KEY_FILE));
  if (env.LOOM_MASTER_KEY) {
    const key = kekBytes(env.LOOM_MASTER_KEY.trim(), (problem): never => {
      throw new KeyringError(`LOOM_MASTER_KEY ${problem}`);
    });
    const keyId = env.LOOM_MASTER_KEY_ID || `kek-${shortHash(key)}`;
    addKey(parts.keks, [parts.private], keyId, key, 'LOOM_MASTER_KEY');
    parts.current ??= keyId;
  }
  if (env.LOOM_SIGNING_KEY) {
    const path = resolve(env.LOOM_SIGNING_KEY);
    checkPrivate(path, 'LOOM_SIGNING_KEY');
    const key = pemKey(readFileSync(path, 'utf8'), 'private', ['ed25519'], (problem): never => {
      throw new KeyringError(`LOOM_SIGNING_KEY ${path} ${problem}`);
    });
    const keyId = env.LOOM_SIGNING_KEY_ID || `sig-${shortHash(createPublicKey(key).export({ type: 'spki', format: 'der' }))}`;
    addSigning(parts, { keyId, key }, `LOOM_SIGNING_KEY ${path}`);
  }
  if (!parts.current && parts.keks.size === 1) parts.current = [...parts.keks.keys()][0];
  return new Keyring(parts);
}

/**
 * Artifacts on the local file system, content-addressed: `<home>/artifacts/<first two hex>/<sha256>`. An
 * artifact is written once, atomically, and never changed; writing the same bytes again costs a hash.
 *
 * With a sealer, models are sealed at rest: a model written from memory is stored only encrypted
 * (`<sha256>.sealed`, the address still that of the plaintext, so caching and references do not change) and
 * opened in memory on read, where its digest is checked again. No plaintext model then reaches the disk.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LoomError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { ArtifactRef, ArtifactStore, ArtifactType } from '../plugin/types.js';
import { writeFileAtomic } from './atomic.js';

const SHA256 = /^[0-9a-f]{64}$/;
export const ARTIFACT_URI_PREFIX = 'loom://artifacts/';

/** Synchronous: one stat is cheaper than a thread-pool round trip, and it runs once or twice per node. */
function fileSize(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Encrypts and decrypts artifact bytes at rest; `sha256` is the plaintext's address, bound into the ciphertext. */
export interface ArtifactSealer {
  seal(plaintext: Uint8Array, sha256: string): Uint8Array;
  open(sealed: Uint8Array, sha256: string): Uint8Array;
}

const SEALED_TYPES: readonly ArtifactType[] = ['model'];

export class FsArtifactStore implements ArtifactStore {
  readonly #root: string;
  readonly #tmp: string;
  readonly #sealer: ArtifactSealer | undefined;

  get root(): string {
    return this.#root;
  }

  constructor(home: string, options: { sealer?: ArtifactSealer } = {}) {
    this.#root = join(home, 'artifacts');
    this.#tmp = join(home, 'tmp');
    this.#sealer = options.sealer;
  }

  async putJson(type: ArtifactType, value: JsonValue, meta?: JsonObject): Promise<ArtifactRef> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new LoomError('PLUGIN_OUTPUT_INVALID', `putJson: the value has no JSON form`);
    return this.putBytes(type, Buffer.from(text), { mediaType: 'application/json', ...meta });
  }

  async putBytes(type: ArtifactType, data: Uint8Array, meta?: JsonObject): Promise<ArtifactRef> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (this.#sealer && SEALED_TYPES.includes(type)) {
      const sealed = `${this.#file(sha256)}.sealed`;
      if (fileSize(sealed) === undefined && fileSize(this.#file(sha256)) !== data.byteLength) await writeFileAtomic(sealed, this.#sealer.seal(data, sha256), this.#tmp);
      return this.#ref(type, sha256, data.byteLength, meta);
    }
    const target = this.#file(sha256);
    if (fileSize(target) !== data.byteLength) await writeFileAtomic(target, data, this.#tmp);
    return this.#ref(type, sha256, data.byteLength, meta);
  }

  async putFile(type: ArtifactType, path: string, meta?: JsonObject): Promise<ArtifactRef> {
    const bytes = await fileSize(path);
    if (bytes === undefined) throw new LoomError('ARTIFACT_NOT_FOUND', `putFile: no file at ${path}`);
    const sha256 = await hashFile(path);
    const target = this.#file(sha256);
    if (fileSize(target) === bytes) {
      await rm(path, { force: true });
    } else {
      await mkdir(join(this.#root, sha256.slice(0, 2)), { recursive: true });
      try {
        await rename(path, target);
      } catch {
        // NOTE: a different file system (EXDEV): copy through a temporary file to keep the write atomic.
        const tmp = join(this.#tmp, `${sha256}.copy`);
        await mkdir(this.#tmp, { recursive: true });
        await copyFile(path, tmp);
        await rename(tmp, target);
        await rm(path, { force: true });
      }
    }
    return this.#ref(type, sha256, bytes, meta);
  }

  async readJson<T = JsonValue>(ref: ArtifactRef): Promise<T> {
    const text = await this.#read(ref);
    try {
      return JSON.parse(text.toString('utf8')) as T;
    } catch (error) {
      throw new LoomError('ARTIFACT_CORRUPT', `artifact ${ref.sha256} is not JSON: ${(error as Error).message}`);
    }
  }

  async readBytes(ref: ArtifactRef): Promise<Uint8Array> {
    return this.#read(ref);
  }

  path(ref: ArtifactRef): string {
    return this.#file(ref.sha256);
  }

  async has(ref: ArtifactRef): Promise<boolean> {
    return fileSize(this.#file(ref.sha256)) === ref.bytes || fileSize(`${this.#file(ref.sha256)}.sealed`) !== undefined;
  }

  async #read(ref: ArtifactRef): Promise<Buffer> {
    const file = this.#file(ref.sha256);
    if (fileSize(file) === undefined && fileSize(`${file}.sealed`) !== undefined) return this.#open(ref, await readFile(`${file}.sealed`));
    try {
      return await readFile(file);
    } catch (error) {
      throw new LoomError('ARTIFACT_NOT_FOUND', `artifact ${ref.sha256} (${ref.type}) is missing from ${this.#root}`, { cause: error });
    }
  }

  /** A sealed artifact, opened in memory and checked against its address before anyone reads it. */
  #open(ref: ArtifactRef, sealed: Buffer): Buffer {
    if (!this.#sealer) throw new LoomError('ARTIFACT_CORRUPT', `artifact ${ref.sha256} (${ref.type}) is sealed at rest, and this process has no key to open it (LOOM_SEAL_MODELS needs the keyring: LOOM_KEY_FILE or LOOM_MASTER_KEY)`);
    const plain = Buffer.from(this.#sealer.open(sealed, ref.sha256));
    if (createHash('sha256').update(plain).digest('hex') !== ref.sha256) throw new LoomError('ARTIFACT_CORRUPT', `artifact ${ref.sha256} opened to other content than its address`);
    return plain;
  }

  #file(sha256: string): string {
    if (!SHA256.test(sha256)) throw new LoomError('ARTIFACT_NOT_FOUND', `"${sha256}" is not a sha256 digest`);
    return join(this.#root, sha256.slice(0, 2), sha256);
  }

  #ref(type: ArtifactType, sha256: string, bytes: number, meta: JsonObject | undefined): ArtifactRef {
    return meta === undefined
      ? { type, uri: ARTIFACT_URI_PREFIX + sha256, sha256, bytes }
      : { type, uri: ARTIFACT_URI_PREFIX + sha256, sha256, bytes, meta };
  }
}

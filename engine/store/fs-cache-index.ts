/**
 * The cache index as files, `<home>/cache/<first two hex>/<key>.json`, so that every process and machine that
 * shares the data home (both engines, several workers) shares the cache without a database.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheEntry, CacheIndex } from '../run/ports.js';
import { writeFileAtomic } from './atomic.js';

const KEY = /^[0-9a-f]{64}$/;

export class FsCacheIndex implements CacheIndex {
  readonly #root: string;
  readonly #tmp: string;

  constructor(home: string) {
    this.#root = join(home, 'cache');
    this.#tmp = join(home, 'tmp');
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(key), 'utf8')) as CacheEntry;
    } catch {
      // Missing, or unreadable after a manual edit: either way a miss, and the node runs again.
      return undefined;
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    // NOTE: not flushed: after a power cut a lost entry only means the node runs again.
    await writeFileAtomic(this.#file(key), JSON.stringify(entry), this.#tmp, false);
  }

  #file(key: string): string {
    if (!KEY.test(key)) throw new Error(`FsCacheIndex: "${key}" is not a cache key`);
    return join(this.#root, key.slice(0, 2), `${key}.json`);
  }
}

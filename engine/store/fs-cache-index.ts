/**
 * The cache index as files, `<home>/cache/<key>.json`, so that every process and machine that shares the data
 * home (both engines, several workers) shares the cache without a database. NOTE: one flat directory: making
 * 256 fan-out directories cost more on some file systems (overlayfs: ~3 ms each) than a run of 1,000 nodes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyParts } from '../run/cache-key.js';
import type { CacheEntry, CacheIndex } from '../run/ports.js';
import { writeSmallFileAtomicSync } from './atomic.js';

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
      return JSON.parse(readFileSync(this.#file(key), 'utf8')) as CacheEntry;
    } catch {
      // Missing, or unreadable after a manual edit: either way a miss, and the node runs again.
      return undefined;
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    // NOTE: not flushed: after a power cut a lost entry only means the node runs again.
    writeSmallFileAtomicSync(this.#file(key), JSON.stringify(entry), this.#tmp);
  }

  async lastRun(workflow: string, nodeId: string): Promise<KeyParts | undefined> {
    try {
      return JSON.parse(readFileSync(this.#lastRunFile(workflow, nodeId), 'utf8')) as KeyParts;
    } catch {
      return undefined;
    }
  }

  async setLastRun(workflow: string, nodeId: string, parts: KeyParts): Promise<void> {
    writeSmallFileAtomicSync(this.#lastRunFile(workflow, nodeId), JSON.stringify(parts), this.#tmp);
  }

  // Workflow names and node ids are checked by the schema: no path separators.
  #lastRunFile(workflow: string, nodeId: string): string {
    return join(this.#root, 'last-run', workflow, `${nodeId}.json`);
  }

  #file(key: string): string {
    if (!KEY.test(key)) throw new Error(`FsCacheIndex: "${key}" is not a cache key`);
    return join(this.#root, `${key}.json`);
  }
}

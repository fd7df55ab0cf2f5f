/**
 * The cache index as a table in the data home's SQLite file (next to the journal). The default: a lookup or
 * an insert is a few microseconds, where a file per entry costs an open() each, which is slow on some file
 * systems. Several machines sharing a data home over a network volume should use FsCacheIndex instead.
 */
import type Database from 'better-sqlite3';
import type { KeyParts } from '../run/cache-key.js';
import type { CacheEntry, CacheIndex } from '../run/ports.js';
import { openDatabase } from './sqlite.js';

export class SqliteCacheIndex implements CacheIndex {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], { entry: string }>;
  readonly #put: Database.Statement<[string, string]>;
  readonly #lastRun: Database.Statement<[string, string], { parts: string }>;
  readonly #setLastRun: Database.Statement<[string, string, string]>;

  constructor(file: string) {
    this.#db = openDatabase(file);
    this.#db.exec('CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID');
    this.#get = this.#db.prepare('SELECT entry FROM cache WHERE key = ?');
    this.#put = this.#db.prepare('INSERT OR REPLACE INTO cache (key, entry) VALUES (?, ?)');
    this.#db.exec('CREATE TABLE IF NOT EXISTS last_run (workflow TEXT NOT NULL, node TEXT NOT NULL, parts TEXT NOT NULL, PRIMARY KEY (workflow, node)) WITHOUT ROWID');
    this.#lastRun = this.#db.prepare('SELECT parts FROM last_run WHERE workflow = ? AND node = ?');
    this.#setLastRun = this.#db.prepare('INSERT OR REPLACE INTO last_run (workflow, node, parts) VALUES (?, ?, ?)');
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const row = this.#get.get(key);
    return row && (JSON.parse(row.entry) as CacheEntry);
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    this.#put.run(key, JSON.stringify(entry));
  }

  async lastRun(workflow: string, nodeId: string): Promise<KeyParts | undefined> {
    const row = this.#lastRun.get(workflow, nodeId);
    return row && (JSON.parse(row.parts) as KeyParts);
  }

  async setLastRun(workflow: string, nodeId: string, parts: KeyParts): Promise<void> {
    this.#setLastRun.run(workflow, nodeId, JSON.stringify(parts));
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * Sources that are not files under the data roots: an HTTP(S) URL, downloaded into the scratch dir, and a SQLite
 * query, exported to JSON lines there (DuckDB's sqlite extension cannot be installed here, and DuckDB may not
 * reach the network). Both then go through the same readers as files.
 */
import Database from 'better-sqlite3';
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extname, join } from 'node:path';
import { PluginError } from '../../engine/sdk.js';

export type FileFormat = 'csv' | 'json' | 'parquet';

export function formatOf(name: string): FileFormat | undefined {
  const ext = extname(name).toLowerCase();
  if (['.csv', '.tsv', '.txt'].includes(ext)) return 'csv';
  if (['.jsonl', '.ndjson', '.json'].includes(ext)) return 'json';
  if (ext === '.parquet') return 'parquet';
  return undefined;
}

function formatOfContentType(contentType: string): FileFormat | undefined {
  if (/csv/i.test(contentType)) return 'csv';
  if (/json/i.test(contentType)) return 'json';
  if (/parquet/i.test(contentType)) return 'parquet';
  return undefined;
}

export interface HttpOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly format?: FileFormat;
}

/** Downloads a URL into the scratch dir; returns the file and its format (given, else from Content-Type or the URL). */
export async function download(url: string, options: HttpOptions, scratchDir: string, signal: AbortSignal): Promise<{ path: string; format: FileFormat; bytes: number }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PluginError(`url ${JSON.stringify(url)} is not a valid URL`, { retryable: false });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PluginError(`url ${JSON.stringify(url)}: only http and https are supported`, { retryable: false });
  let response: Response;
  try {
    response = await fetch(parsed, { headers: { ...options.headers }, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) });
  } catch (error) {
    signal.throwIfAborted();
    const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
    throw new PluginError(`GET ${url} failed: ${cause}`, { retryable: true, cause: error });
  }
  if (!response.ok) {
    // A server error or a rate limit may pass; a 404 or a 401 will not.
    const retryable = response.status >= 500 || response.status === 429;
    throw new PluginError(`GET ${url} answered ${response.status} ${response.statusText}`, { retryable });
  }
  const contentType = response.headers.get('content-type') ?? '';
  const format = options.format ?? formatOfContentType(contentType) ?? formatOf(parsed.pathname);
  if (!format) throw new PluginError(`GET ${url}: cannot tell the format from Content-Type ${JSON.stringify(contentType)} or the URL; set "format"`, { retryable: false });
  const path = join(scratchDir, `download.${format === 'json' ? 'jsonl' : format}`);
  if (response.body) await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(path));
  else await writeFile(path, '');
  return { path, format, bytes: (await stat(path)).size };
}

/**
 * Runs a read-only query on a SQLite file and writes its rows as JSON lines. Types come from the values (an
 * integer column stays BIGINT, even past 2^53), then from the declared column type when a column is all NULL.
 */
export async function exportSqlite(database: string, query: string, scratchDir: string, signal: AbortSignal): Promise<{ path: string; rows: number; columns: Record<string, string> }> {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    let statement: Database.Statement;
    try {
      statement = db.prepare(query);
    } catch (error) {
      throw new PluginError(`sqlite.query: ${(error as Error).message}`, { retryable: false });
    }
    if (!statement.reader || !statement.readonly) throw new PluginError('sqlite.query must be a query that only reads and returns rows (a SELECT)', { retryable: false });
    const described = statement.columns();
    const names = described.map((c) => c.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new PluginError(`sqlite.query returns the column "${twice}" twice; give one of them another name with AS`, { retryable: false });
    const kinds = names.map(() => new Set<string>());
    const path = join(scratchDir, 'sqlite.jsonl');
    const out = createWriteStream(path);
    let rows = 0;
    for (const row of statement.safeIntegers(true).raw(true).iterate() as Iterable<unknown[]>) {
      if (++rows % 10_000 === 0) signal.throwIfAborted();
      const fields = row.map((value, i) => {
        if (value !== null) kinds[i]!.add(value instanceof Buffer ? 'blob' : typeof value);
        return `${JSON.stringify(names[i])}:${jsonOf(value)}`;
      });
      if (!out.write(`{${fields.join(',')}}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const columns = Object.fromEntries(names.map((n, i) => [n, duckType(kinds[i]!, described[i]!.type)]));
    return { path, rows, columns };
  } finally {
    db.close();
  }
}

function jsonOf(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Buffer) return JSON.stringify(value.toString('hex'));
  return JSON.stringify(value);
}

function duckType(kinds: Set<string>, declared: string | null): string {
  if (kinds.size === 1 && kinds.has('bigint')) return 'BIGINT';
  if (kinds.size > 0 && [...kinds].every((k) => k === 'bigint' || k === 'number')) return 'DOUBLE';
  if (kinds.size > 0) return 'VARCHAR';
  // SQLite's type affinity rules, from the declared type of an all-NULL column.
  const d = (declared ?? '').toUpperCase();
  if (d.includes('INT')) return 'BIGINT';
  if (/REAL|FLOA|DOUB/.test(d)) return 'DOUBLE';
  return 'VARCHAR';
}

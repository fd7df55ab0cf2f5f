/**
 * The data plane for plugins: DuckDB in process, one sandboxed database per node attempt. A dataset artifact
 * is a Parquet file with its schema, row count and first rows in the reference's meta; datasets pass between
 * nodes as files, never as JS objects. User-written SQL (predicates, expressions) runs with file access locked
 * to the artifact store, the scratch dir and the roots a plugin names, and may not change that.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import { LoomError, PluginError } from '../errors.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { ArtifactRef, RunContext } from '../plugin/types.js';

export const PREVIEW_ROWS = 20;

export interface DatasetColumn {
  readonly name: string;
  readonly type: string;
}

export interface DatasetMeta {
  readonly format: 'parquet';
  readonly rows: number;
  readonly columns: DatasetColumn[];
  /** The first rows, JSON-safe (big integers and decimals as numbers or strings, times as ISO text). */
  readonly preview: { readonly columns: string[]; readonly rows: JsonValue[][] };
}

/** `"name"` with inner quotes doubled: safe to splice a column or table name into SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'` with inner quotes doubled: safe to splice a string literal into SQL. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

type Ctx = Pick<RunContext<unknown, never>, 'artifacts' | 'scratchDir' | 'signal'>;

export class Db {
  #outputs = 0;

  private constructor(
    readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    private readonly ctx: Ctx,
  ) {}

  /**
   * Opens a database for one node attempt. `readRoots` are extra directories it may read (collect's data roots);
   * the artifact store and the scratch dir are always allowed; nothing else is.
   */
  static async open(ctx: Ctx, options: { readRoots?: readonly string[]; threads?: number; memoryLimit?: string } = {}): Promise<Db> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? process.env.LOOM_DUCKDB_MEMORY ?? '4GB',
      temp_directory: join(ctx.scratchDir, 'duckdb-tmp'),
    });
    const connection = await instance.connect();
    const allowed = [ctx.artifacts.root, ctx.scratchDir, ...(options.readRoots ?? [])].map((d) => literal(d.endsWith('/') ? d : `${d}/`));
    await connection.run(`SET allowed_directories = [${allowed.join(', ')}]`);
    await connection.run('SET enable_external_access = false');
    await connection.run('SET enable_progress_bar = false');
    await connection.run('SET lock_configuration = true');
    const db = new Db(connection, instance, ctx);
    ctx.signal.addEventListener('abort', () => connection.interrupt(), { once: true });
    return db;
  }

  /** Runs one statement. */
  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a query and returns its rows as JSON-safe objects. */
  async all(sql: string): Promise<Record<string, JsonValue>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, JsonValue>[];
  }

  async value(sql: string): Promise<JsonValue> {
    const row = (await this.all(sql))[0];
    return row === undefined ? null : (Object.values(row)[0] ?? null);
  }

  /** Makes a dataset artifact readable as a view named `name`. */
  async load(name: string, ref: ArtifactRef): Promise<void> {
    if (ref.type !== 'dataset' && ref.type !== 'file') throw new PluginError(`expected a dataset, got ${ref.type}`, { retryable: false });
    await this.run(`CREATE OR REPLACE VIEW ${ident(name)} AS SELECT * FROM read_parquet(${literal(this.ctx.artifacts.path(ref))})`);
  }

  async columns(relation: string): Promise<DatasetColumn[]> {
    const rows = await this.all(`DESCRIBE ${relation}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  /**
   * Checks a user-written SQL expression against a relation before it is used, so that a typo is a clear,
   * non-retryable error naming where it came from (DuckDB suggests the column meant).
   */
  async checkExpression(expression: string, relation: string, where: string): Promise<void> {
    try {
      const prepared = await this.connection.prepare(`SELECT (${expression}) FROM ${relation} LIMIT 0`);
      prepared.destroySync?.();
    } catch (error) {
      throw new PluginError(`${where}: ${JSON.stringify(expression)} is not a valid expression here: ${firstLine((error as Error).message)}`, { retryable: false });
    }
  }

  /** Writes the result of a query (or a relation) as a dataset artifact, with its meta. */
  async writeDataset(query: string, extraMeta: JsonObject = {}): Promise<ArtifactRef> {
    const file = join(this.ctx.scratchDir, `out-${this.#outputs++}.parquet`);
    const source = /^\s*(select|with|from|values)\b/i.test(query) ? `(${query})` : query;
    await this.run(`COPY ${source} TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
    const relation = `read_parquet(${literal(file)})`;
    const meta = await this.describe(relation);
    return this.ctx.artifacts.putFile('dataset', file, { ...(meta as unknown as JsonObject), ...extraMeta });
  }

  /** Schema, row count and first rows of a relation. */
  async describe(relation: string, rows = PREVIEW_ROWS): Promise<DatasetMeta> {
    const columns = await this.columns(`SELECT * FROM ${relation}`);
    const count = Number(await this.value(`SELECT count(*) FROM ${relation}`));
    const reader = await this.connection.runAndReadAll(`SELECT * FROM ${relation} LIMIT ${rows}`);
    return { format: 'parquet', rows: count, columns, preview: { columns: reader.columnNames(), rows: reader.getRowsJson() as JsonValue[][] } };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB's message without the echo of the SQL: its first line and its "Candidate bindings" hint, if any. */
function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim());
  const hint = lines.find((l) => l.startsWith('Candidate bindings'));
  return hint ? `${lines[0]} ${hint}` : lines[0]!;
}

/** Opens a database, runs `fn`, and closes it whatever happens. */
export async function withDb<T>(ctx: Ctx, fn: (db: Db) => Promise<T>, options?: Parameters<typeof Db.open>[1]): Promise<T> {
  const db = await Db.open(ctx, options);
  try {
    return await fn(db);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (error instanceof LoomError) throw error;
    // DuckDB's own errors (a bad cast, a constraint) are about the data: retrying will not help.
    throw new PluginError(firstLine((error as Error).message), { retryable: false, cause: error });
  } finally {
    db.close();
  }
}

/** The meta of a dataset artifact, checked. */
export function datasetMeta(ref: ArtifactRef): DatasetMeta | undefined {
  const meta = ref.meta as unknown as DatasetMeta | undefined;
  return meta?.format === 'parquet' ? meta : undefined;
}

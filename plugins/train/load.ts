/** Reading an interactions dataset into the shared CSR matrix, through DuckDB, without a JS object per row. */
import { ident, type Db } from '../../engine/data/duckdb.js';
import { PluginError } from '../../engine/sdk.js';
import type { Interactions } from './matrix.js';

export interface InteractionColumns {
  readonly user: string;
  readonly item: string;
  /** The strength of each interaction; rows of the same user and item are summed. */
  readonly value: string;
  /** A time per row (e.g. the last purchase); gives each cell its age in days before the latest time. */
  readonly time?: string;
}

function check(available: string[], wanted: string, role: string): void {
  if (!available.includes(wanted)) {
    throw new PluginError(`the ${role} column "${wanted}" is not in the interactions; its columns are ${available.map((c) => `"${c}"`).join(', ')}`, { retryable: false });
  }
}

/**
 * Loads `relation` as a user × item matrix. Ids are the columns' values as text, in DuckDB's sort order; cells
 * with no user or item are left out; values must be positive. With a time column, `ages` holds each cell's age in
 * days, measured from the latest time in the data (so that a saved model does not depend on when it was fit).
 */
export async function loadInteractions(db: Db, relation: string, columns: InteractionColumns): Promise<Interactions & { ages?: Float32Array; asOf?: string }> {
  const available = (await db.columns(relation)).map((c) => c.name);
  check(available, columns.user, 'user');
  check(available, columns.item, 'item');
  check(available, columns.value, 'value');
  if (columns.time) check(available, columns.time, 'time');
  const [u, i, v] = [ident(columns.user), ident(columns.item), ident(columns.value)];
  const t = columns.time ? `max(CAST(${ident(columns.time)} AS TIMESTAMP))` : 'NULL::TIMESTAMP';
  await db.run(`CREATE OR REPLACE TEMP TABLE loom_cells AS
    SELECT CAST(${u} AS VARCHAR) AS u, CAST(${i} AS VARCHAR) AS i, sum(CAST(${v} AS DOUBLE)) AS v, ${t} AS t
    FROM ${relation} WHERE ${u} IS NOT NULL AND ${i} IS NOT NULL GROUP BY 1, 2`);
  const bad = Number(await db.value(`SELECT count(*) FROM loom_cells WHERE NOT (v > 0)`));
  if (bad > 0) throw new PluginError(`${bad} user-item cells have a value that is not positive in column "${columns.value}"; filter or clean them first`, { retryable: false });
  const users = (await db.connection.runAndReadAll('SELECT DISTINCT u FROM loom_cells ORDER BY u')).getColumns()[0] as string[] | undefined ?? [];
  const items = (await db.connection.runAndReadAll('SELECT DISTINCT i FROM loom_cells ORDER BY i')).getColumns()[0] as string[] | undefined ?? [];
  const asOf = columns.time ? String(await db.value('SELECT CAST(max(t) AS VARCHAR) FROM loom_cells')) : undefined;
  const reader = await db.connection.runAndReadAll(`
    SELECT CAST(dense_rank() OVER (ORDER BY u) - 1 AS INTEGER) AS ui, CAST(dense_rank() OVER (ORDER BY i) - 1 AS INTEGER) AS ii,
           CAST(v AS FLOAT) AS v, CAST(coalesce(epoch(max(t) OVER ()) - epoch(t), 0) / 86400.0 AS FLOAT) AS age
    FROM loom_cells ORDER BY ui, ii`);
  const [ui = [], ii = [], vv = [], age = []] = reader.getColumns() as number[][];
  const indptr = new Int32Array(users.length + 1);
  for (const row of ui) indptr[row + 1]!++;
  for (let r = 0; r < users.length; r++) indptr[r + 1]! += indptr[r]!;
  const matrix = { users, items, indptr, indices: Int32Array.from(ii), values: Float32Array.from(vv) };
  return columns.time ? { ...matrix, ages: Float32Array.from(age), asOf } : matrix;
}

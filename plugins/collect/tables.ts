/**
 * The working tables every reader shares. A reader creates one table of rows with the data columns plus
 * `__loom_fidx` (which file), `__loom_row` (order within it), `__loom_line` and `__loom_raw` (where a row came
 * from, when the format can tell), and adds malformed lines to the rejects table.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';

export const FILES = 'loom_files';
export const REJECTS = 'loom_rejects';
export const INTERNAL = ['__loom_fidx', '__loom_row', '__loom_line', '__loom_raw'];

export interface FileEntry {
  readonly idx: number;
  /** What DuckDB reads. */
  readonly path: string;
  /** What the user sees: rows' file column, rejects and the report. */
  readonly name: string;
}

export async function createWorkTables(db: Db, files: readonly FileEntry[]): Promise<void> {
  await db.run(`CREATE TABLE ${FILES} (idx INTEGER, path VARCHAR, name VARCHAR)`);
  if (files.length > 0) await db.run(`INSERT INTO ${FILES} VALUES ${files.map((f) => `(${f.idx}, ${literal(f.path)}, ${literal(f.name)})`).join(', ')}`);
  await db.run(`CREATE TABLE ${REJECTS} (file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)`);
}

/**
 * Casts the columns the user typed that a reader could not type itself (JSON, Parquet). A value that does not
 * convert sends its row to the rejects, with its line when the format has one.
 */
export async function applyTypes(db: Db, table: string, types: Readonly<Record<string, string>>): Promise<void> {
  const current = new Map((await db.columns(ident(table))).map((c) => [c.name, c.type]));
  const pending = Object.entries(types).filter(([name, type]) => current.has(name) && current.get(name) !== type.toUpperCase());
  if (pending.length === 0) return;
  const bad = pending.map(([c, t]) => `(${ident(c)} IS NOT NULL AND TRY_CAST(${ident(c)} AS ${t}) IS NULL)`).join(' OR ');
  const reason = pending
    .map(([c, t]) => `CASE WHEN ${ident(c)} IS NOT NULL AND TRY_CAST(${ident(c)} AS ${t}) IS NULL THEN ${literal(`column "${c}": could not convert `)} || to_json(${ident(c)}) || ${literal(` to ${t}`)} END`)
    .join(', ');
  await db.run(`INSERT INTO ${REJECTS} SELECT f.name, t.__loom_line, concat_ws('; ', ${reason}), t.__loom_raw
    FROM ${ident(table)} t JOIN ${FILES} f ON f.idx = t.__loom_fidx WHERE ${bad} ORDER BY t.__loom_fidx, t.__loom_row`);
  await db.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT * REPLACE (${pending.map(([c, t]) => `CAST(${ident(c)} AS ${t}) AS ${ident(c)}`).join(', ')})
    FROM ${ident(table)} WHERE NOT (${bad})`);
}

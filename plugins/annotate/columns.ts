/** Column checks shared by labels and splits: each error names where the column was asked for and what exists. */
import type { Db, DatasetColumn } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';
import { PluginError } from '../../engine/sdk.js';

/** Columns the plugin adds while it works; an input may not already have them. */
export const ROW = '__annotate_row';
export const SPLIT = '__annotate_split';

export function fail(message: string): never {
  throw new PluginError(message, { retryable: false });
}

export function listColumns(columns: readonly DatasetColumn[]): string {
  return columns.length === 0 ? '(none)' : columns.filter((c) => c.name !== ROW).map((c) => JSON.stringify(c.name)).join(', ');
}

export function requireColumn(columns: readonly DatasetColumn[], name: string, where: string): DatasetColumn {
  const column = columns.find((c) => c.name === name);
  if (!column) fail(`${where}: column ${JSON.stringify(name)} not found; columns are ${listColumns(columns)}`);
  return column;
}

/**
 * SQL that reads `name` of `relation` as a TIMESTAMP. DATE and TIMESTAMP columns are cast; TIMESTAMPTZ is read in
 * UTC, so that the result does not depend on the machine's time zone; text must read as a date or time in every
 * non-NULL row, or the error shows how many rows do not and one of them.
 */
export async function timeExpression(db: Db, relation: string, columns: readonly DatasetColumn[], name: string, where: string): Promise<string> {
  const column = requireColumn(columns, name, where);
  const sql = ident(name);
  if (column.type === 'TIMESTAMP WITH TIME ZONE') return `timezone('UTC', ${sql})`;
  if (column.type === 'DATE' || /^TIMESTAMP(_S|_MS|_NS)?$/.test(column.type)) return `CAST(${sql} AS TIMESTAMP)`;
  if (column.type !== 'VARCHAR') fail(`${where}: column ${JSON.stringify(name)} is ${column.type}; it must be a DATE, a TIMESTAMP or text that reads as one`);
  const unreadable = `TRY_CAST(${sql} AS TIMESTAMP) IS NULL AND ${sql} IS NOT NULL`;
  const [found] = await db.all(
    `SELECT count(*) FILTER (WHERE ${unreadable})::DOUBLE AS bad, count(${sql})::DOUBLE AS total, min(${sql}) FILTER (WHERE ${unreadable}) AS example FROM ${relation}`,
  );
  if (found && Number(found.bad) > 0) {
    fail(`${where}: column ${JSON.stringify(name)} is VARCHAR and ${found.bad} of its ${found.total} values do not read as a date or time (e.g. ${JSON.stringify(found.example)})`);
  }
  return `CAST(${sql} AS TIMESTAMP)`;
}

/** A config date or time as a TIMESTAMP literal, checked. */
export async function timeLiteral(db: Db, text: string, where: string): Promise<string> {
  const value = await db.value(`SELECT CAST(TRY_CAST(${literal(text)} AS TIMESTAMP) AS VARCHAR)`);
  if (value === null) fail(`${where}: ${JSON.stringify(text)} is not a date or time (use e.g. "2011-09-01" or "2011-09-01 12:00:00")`);
  return `TIMESTAMP ${literal(String(value))}`;
}

/** Fails when `expression` is NULL in any row of `relation`: splits that order or group by it need every row to have one. */
export async function requireNoNulls(db: Db, relation: string, expression: string, what: string, where: string): Promise<void> {
  const nulls = Number(await db.value(`SELECT count(*)::DOUBLE FROM ${relation} WHERE (${expression}) IS NULL`));
  if (nulls > 0) fail(`${where}: ${nulls} ${nulls === 1 ? 'row has' : 'rows have'} no ${what}; every row needs one for this split (filter them out first)`);
}

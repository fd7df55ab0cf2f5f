/**
 * CSV files into one DuckDB table. DuckDB cannot keep rejected lines (`store_rejects`) while it aligns files by
 * column name (`union_by_name`), so:
 *   1. files are grouped by their first line (the header): files with the same header share one scan, so the
 *      271 daily files of a log read as one; a file whose columns are in another order forms its own group;
 *   2. each group is read with every column as text (except the types the user gave), keeping malformed lines
 *      in a rejects table with their line numbers;
 *   3. the groups are stacked by column name, and each text column gets the narrowest type that fits all of its
 *      values across all files (the sniffer only sees one file, and a day where a column is empty must not
 *      decide its type).
 */
import { open } from 'node:fs/promises';
import type { Db } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';
import type { FileEntry } from './tables.js';
import { FILES, REJECTS } from './tables.js';

export interface CsvOptions {
  readonly header?: boolean;
  readonly delimiter?: string;
  readonly quote?: string;
  /** Types the user gave, by column: DuckDB casts them while reading, so a bad value is a reject with its line. */
  readonly types: Readonly<Record<string, string>>;
  /** Types from an earlier run: kept when the new values still fit, so that incremental outputs agree. */
  readonly hints: Readonly<Record<string, string>>;
}

export async function readCsv(db: Db, table: string, files: readonly FileEntry[], options: CsvOptions, onGroup: (done: number, total: number) => void): Promise<void> {
  // 1.
  const groups = new Map<string, FileEntry[]>();
  for (const file of files) {
    const key = options.header === false ? '' : await firstLine(file.path);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  // 2.
  const parts: string[] = [];
  for (const [g, group] of [...groups.values()].entries()) {
    const errors = `loom_csv_errors_${g}`;
    const scans = `loom_csv_scans_${g}`;
    const args = ['all_varchar = true', 'store_rejects = true', `rejects_table = ${literal(errors)}`, `rejects_scan = ${literal(scans)}`, `filename = '__loom_path'`];
    if (options.header !== undefined) args.push(`header = ${options.header}`);
    if (options.delimiter !== undefined) args.push(`delim = ${literal(options.delimiter)}`);
    if (options.quote !== undefined) args.push(`quote = ${literal(options.quote)}`);
    const types = Object.entries(options.types);
    if (types.length > 0) args.push(`types = {${types.map(([c, t]) => `${literal(c)}: ${literal(t)}`).join(', ')}}`);
    const list = `[${group.map((f) => literal(f.path)).join(', ')}]`;
    await db.run(`CREATE TABLE loom_csv_${g} AS
      SELECT r.* EXCLUDE (__loom_path), f.idx AS __loom_fidx, NULL::BIGINT AS __loom_line, NULL::VARCHAR AS __loom_raw
      FROM (SELECT *, row_number() OVER () AS __loom_row FROM read_csv(${list}, ${args.join(', ')})) r JOIN ${FILES} f ON f.path = r.__loom_path`);
    await db.run(`INSERT INTO ${REJECTS} SELECT f.name, e.line, e.error_message, e.csv_line
      FROM ${ident(errors)} e JOIN ${ident(scans)} s USING (scan_id, file_id) JOIN ${FILES} f ON f.path = s.file_path ORDER BY f.idx, e.line`);
    parts.push(`SELECT * FROM loom_csv_${g}`);
    onGroup(g + 1, groups.size);
  }
  // 3.
  if (parts.length === 1) await db.run(`ALTER TABLE loom_csv_0 RENAME TO ${ident(table)}`);
  else await db.run(`CREATE TABLE ${ident(table)} AS ${parts.join(' UNION ALL BY NAME ')}`);
  await inferTypes(db, table, options);
}

/** The first line of a file, without a UTF-8 BOM or a trailing CR: enough to tell headers apart. */
async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    return text.split('\n', 1)[0]!.replace(/\r$/, '');
  } finally {
    await handle.close();
  }
}

/** Candidate types, narrowest first, each with the test that a (trimmed, non-null) text value fits it. */
const CANDIDATES: [string, (v: string) => string][] = [
  ['BIGINT', (v) => `regexp_full_match(${v}, '[+-]?[0-9]+') AND TRY_CAST(${v} AS BIGINT) IS NOT NULL`],
  ['DOUBLE', (v) => `TRY_CAST(${v} AS DOUBLE) IS NOT NULL`],
  ['BOOLEAN', (v) => `lower(${v}) IN ('true', 'false')`],
  ['DATE', (v) => `regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${v} AS DATE) IS NOT NULL`],
  ['TIMESTAMP', (v) => `TRY_CAST(${v} AS TIMESTAMP) IS NOT NULL`],
];

async function inferTypes(db: Db, table: string, options: CsvOptions): Promise<void> {
  const columns = (await db.columns(ident(table))).filter((c) => c.type === 'VARCHAR' && !c.name.startsWith('__loom_') && !(c.name in options.types));
  const casts: string[] = [];
  for (const { name } of columns) {
    const type = await narrowestType(db, table, name, options.hints[name]);
    if (type !== 'VARCHAR') casts.push(`CAST(trim(${ident(name)}) AS ${type}) AS ${ident(name)}`);
  }
  if (casts.length > 0) await db.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT * REPLACE (${casts.join(', ')}) FROM ${ident(table)}`);
}

/**
 * The earlier run's type if every value still fits it, else the first candidate every value fits. Each test
 * looks for one value that does not fit, so a text column fails at its first row and costs nothing.
 */
async function narrowestType(db: Db, table: string, name: string, hint: string | undefined): Promise<string> {
  const column = ident(name);
  const v = `trim(${column})`;
  const misfit = async (fits: string) => (await db.all(`SELECT 1 FROM ${ident(table)} WHERE ${column} IS NOT NULL AND NOT (${fits}) LIMIT 1`)).length > 0;
  if (Number(await db.value(`SELECT count(${column}) FROM ${ident(table)}`)) === 0) return hint ?? 'VARCHAR';
  if (hint && (hint === 'VARCHAR' || !(await misfit(`TRY_CAST(${v} AS ${hint}) IS NOT NULL`)))) return hint;
  for (const [type, fits] of CANDIDATES) if (!(await misfit(fits(v)))) return type;
  return 'VARCHAR';
}

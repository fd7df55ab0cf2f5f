/**
 * What every clean rule works with: the table before it, the name of the table it must create, the visible
 * columns, and helpers that check column names and types and count what a rule is about to touch.
 *
 * Each table carries a hidden column, ROW, with the row's position in the input: window functions may shuffle
 * rows, so "file order" (dedupe's first/last) and the output's row order are taken from it, never from chance.
 */
import type { Db, DatasetColumn } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import { PluginError, type JsonObject, type JsonValue } from '../../engine/sdk.js';

export const ROW = '__loom_row__';
export const ROW_SQL = ident(ROW);

export interface Step {
  readonly db: Db;
  /** `rule 2 (missing)`: where errors come from (rules count from 1). */
  readonly where: string;
  /** The table the rule reads (quoted). */
  readonly from: string;
  /** The table the rule must create (quoted), with the same hidden ROW column. */
  readonly to: string;
  /** The visible columns of `from`, in order. */
  readonly columns: readonly DatasetColumn[];
  readonly rows: number;
}

/** What a rule reports besides its rows in and out. */
export interface Outcome {
  /** Rows removed, or rows with at least one value changed or flagged. */
  readonly touched: number;
  readonly columns?: Record<string, JsonObject>;
  readonly columnsDropped?: string[];
  readonly columnsAdded?: string[];
}

export function fail(step: Step, message: string): never {
  throw new PluginError(`${step.where}: ${message}`, { retryable: false });
}

export function columnList(columns: readonly DatasetColumn[]): string {
  return columns.length === 0 ? '(none)' : columns.map((c) => JSON.stringify(c.name)).join(', ');
}

/** The named columns, or a clear error naming the missing one and the columns there are. */
export function need(step: Step, names: readonly string[]): DatasetColumn[] {
  return names.map((name) => {
    const found = step.columns.find((c) => c.name === name);
    if (found) return found;
    const other = step.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const hint = other ? ` (did you mean ${JSON.stringify(other.name)}?)` : '';
    return fail(step, `column ${JSON.stringify(name)} not found${hint}; columns are ${columnList(step.columns)}`);
  });
}

const INTEGER = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;

export const isInteger = (column: DatasetColumn) => INTEGER.test(column.type);

/** The named columns, which must all be numeric for `what`. */
export function needNumeric(step: Step, names: readonly string[], what: string): DatasetColumn[] {
  const found = need(step, names);
  for (const column of found) {
    if (!NUMERIC.test(column.type)) fail(step, `${what} needs numeric columns, but ${JSON.stringify(column.name)} is ${column.type}`);
  }
  return found;
}

/**
 * Counts, in one pass over `from`, the rows where each column's predicate holds, and the rows where any does.
 * A NULL predicate counts as false.
 */
export async function countWhere(step: Step, predicates: Record<string, string>): Promise<{ rows: number; byColumn: Record<string, number> }> {
  const entries = Object.entries(predicates);
  if (entries.length === 0) return { rows: 0, byColumn: {} };
  const parts = entries.map(([, p], i) => `count(*) FILTER (WHERE ${p}) AS c${i}`);
  const any = entries.map(([, p]) => `coalesce(${p}, false)`).join(' OR ');
  const [row] = await step.db.all(`SELECT ${parts.join(', ')}, count(*) FILTER (WHERE ${any}) AS anyc FROM ${step.from}`);
  const byColumn = Object.fromEntries(entries.map(([name], i) => [name, Number(row![`c${i}`])]));
  return { rows: Number(row!.anyc), byColumn };
}

/**
 * Creates `to` from `from`: each visible column as it is or as its replacement expression, then `extra`
 * (`expr AS name`), then the hidden ROW; `where` filters rows.
 */
export async function derive(step: Step, replace: ReadonlyMap<string, string>, options: { extra?: string[]; where?: string } = {}): Promise<void> {
  const list = step.columns.map((c) => (replace.has(c.name) ? `${replace.get(c.name)} AS ${ident(c.name)}` : ident(c.name)));
  const select = [...list, ...(options.extra ?? []), ROW_SQL].join(', ');
  await step.db.run(`CREATE TABLE ${step.to} AS SELECT ${select} FROM ${step.from}${options.where ? ` WHERE ${options.where}` : ''}`);
}

/** Copies `from` to `to` keeping only the rows where `keep` is true. */
export async function filterRows(step: Step, keep: string): Promise<void> {
  await step.db.run(`CREATE TABLE ${step.to} AS SELECT * FROM ${step.from} WHERE coalesce(${keep}, false)`);
}

/** A JS number as a DOUBLE literal (String() round-trips every finite double). */
export function double(value: number): string {
  return `(${String(value)})::DOUBLE`;
}

/** One statistics row of `from`, as numbers (or null where there were no values). */
export async function stats(step: Step, exprs: Record<string, string>): Promise<Record<string, number | null>> {
  const select = Object.entries(exprs).map(([name, e]) => `CAST(${e} AS DOUBLE) AS ${ident(name)}`);
  const [row] = await step.db.all(`SELECT ${select.join(', ')} FROM ${step.from}`);
  return Object.fromEntries(Object.keys(exprs).map((k) => [k, row![k] === null ? null : Number(row![k] as JsonValue)]));
}

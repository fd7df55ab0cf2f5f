/** The inputs as DuckDB views, with their columns and row counts, and the checks every operation makes on them. */
import type { Db, DatasetColumn } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import { PluginError, type ArtifactRef } from '../../engine/sdk.js';

export interface Input {
  /** Position in the wiring order of the `data` port, as the user wrote it. */
  readonly index: number;
  /** A quoted view name, ready to splice into SQL. */
  readonly view: string;
  readonly columns: readonly DatasetColumn[];
  readonly rows: number;
}

export async function loadInputs(db: Db, refs: readonly ArtifactRef[]): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const [index, ref] of refs.entries()) {
    await db.load(`input_${index}`, ref);
    const view = ident(`input_${index}`);
    inputs.push({ index, view, columns: await db.columns(view), rows: Number(await db.value(`SELECT count(*) FROM ${view}`)) });
  }
  return inputs;
}

export function fail(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `"${n}"`).join(', ');
}

/** The named column of an input, or an error naming the input, the column and the columns it has. */
export function requireColumn(where: string, input: Input, name: string): DatasetColumn {
  const found = input.columns.find((c) => c.name === name);
  if (found) return found;
  throw fail(`${where}: input ${input.index} has no column "${name}"; its columns are ${quoteList(input.columns.map((c) => c.name))}`);
}

const INTEGER = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/;

export const isInteger = (type: string): boolean => INTEGER.test(type);
export const isNumeric = (type: string): boolean => NUMERIC.test(type);

/** The named column, which must be numeric (`what` says why, e.g. "sum"). */
export function requireNumeric(where: string, input: Input, name: string, what: string): DatasetColumn {
  const found = requireColumn(where, input, name);
  if (!isNumeric(found.type)) throw fail(`${where}: column "${name}" of input ${input.index} is ${found.type}; ${what} needs a number`);
  return found;
}

/**
 * A sum that stays an exact integer: DuckDB sums integers into HUGEINT, which Parquet stores as DOUBLE,
 * so integer sums are cast back to BIGINT (an overflow is an error, never a silent rounding).
 */
export function exactSum(expression: string, type: string): string {
  return isInteger(type) ? `CAST(sum(${expression}) AS BIGINT)` : `sum(${expression})`;
}

/** Exactly one input, for operations that read one dataset. */
export function single(kind: string, inputs: readonly Input[]): Input {
  if (inputs.length !== 1) {
    throw fail(`${kind}: reads one input, but ${inputs.length} are wired to "data"; union or join them first`);
  }
  return inputs[0]!;
}

/** What every featurize step shares: the step contract, column checks and exact number literals. */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import { PluginError, type JsonObject } from '../../engine/sdk.js';
import type { Step } from './steps.js';

/** A hidden column that numbers the rows, so that every output keeps its input's order (and its bytes). */
export const ROW = '__featurize_row';

export type Kind = 'numeric' | 'text' | 'temporal' | 'any';

export interface StepRun {
  readonly db: Db;
  /** Names the step in errors: `step 2 (scale)`, or `apply: step 2 (scale)`. */
  readonly where: string;
  /** `data` is what the transform is fitted on; `apply` is another split transformed with it. */
  readonly role: 'data' | 'apply';
}

/**
 * One kind of step. `fit` learns its parameters from the input table (of `data`); `apply` writes `output` from
 * `input` with them, keeping the ROW column, and returns the counts for the report. Both must be deterministic.
 */
export interface StepImpl<S extends Step> {
  needs(step: S): Array<{ column: string; kind: Kind }>;
  fit(run: StepRun, input: string, step: S): Promise<JsonObject>;
  apply(run: StepRun, input: string, output: string, step: S, fitted: JsonObject): Promise<JsonObject>;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(.*\))$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;
const KIND_TEST: Record<Kind, (type: string) => boolean> = {
  numeric: (t) => NUMERIC.test(t),
  text: (t) => t === 'VARCHAR',
  temporal: (t) => TEMPORAL.test(t),
  any: () => true,
};
const KIND_NAME: Record<Kind, string> = { numeric: 'a number', text: 'text (VARCHAR)', temporal: 'a DATE or TIMESTAMP', any: 'anything' };

/** Checks that the columns a step needs exist with the right kind, naming the step, the column and what there is. */
export async function checkColumns(db: Db, table: string, where: string, needs: Array<{ column: string; kind: Kind }>): Promise<void> {
  const columns = (await db.columns(ident(table))).filter((c) => c.name !== ROW);
  for (const { column, kind } of needs) {
    const found = columns.find((c) => c.name === column);
    if (!found) {
      const names = columns.map((c) => `"${c.name}"`).join(', ') || '(none)';
      throw new PluginError(`${where}: column "${column}" not found; columns are ${names}`, { retryable: false });
    }
    if (!KIND_TEST[kind](found.type)) {
      throw new PluginError(`${where}: column "${column}" is ${found.type}; it must be ${KIND_NAME[kind]}`, { retryable: false });
    }
  }
}

/** A DOUBLE literal that reads back the very number JS holds (a bare `0.1` would be a DECIMAL). */
export function dbl(value: number): string {
  if (!Number.isFinite(value)) throw new PluginError(`not a finite number: ${value}`, { retryable: false });
  return `CAST('${String(value)}' AS DOUBLE)`;
}

export function fail(message: string): never {
  throw new PluginError(message, { retryable: false });
}

export async function count(db: Db, table: string): Promise<number> {
  return Number(await db.value(`SELECT count(*) FROM ${ident(table)}`));
}

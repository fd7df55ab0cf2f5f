/**
 * From a table in DuckDB to the dense matrix the classifiers fit on: which columns are features, checks on the
 * label, and the per-feature facts the model file keeps (its "fitted preprocessing"). Booleans read as 0/1;
 * NULL, NaN and ±Infinity become NaN, a missing value that each learner handles as it documents.
 */
import { ident, type DatasetColumn, type Db } from '../../engine/data/duckdb.js';
import { PluginError, type JsonObject } from '../../engine/sdk.js';
import type { Dataset } from '../train/classifiers/dataset.js';

export function invalid(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

export function columnList(columns: readonly DatasetColumn[]): string {
  return columns.map((c) => `${c.name} (${c.type})`).join(', ');
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\)|BOOLEAN)$/;

/** Numbers and booleans: what a feature or a label may be. */
export function isNumeric(type: string): boolean {
  return NUMERIC.test(type);
}

export interface Columns {
  readonly label: string;
  readonly id?: string;
  readonly features: readonly string[];
}

/** Checks the label and id columns exist and picks the features: the given ones, or every numeric column but those. */
export function selectColumns(columns: readonly DatasetColumn[], config: { label: string; id?: string; features?: readonly string[] }): Columns {
  const find = (name: string) => columns.find((c) => c.name === name);
  const label = find(config.label);
  if (!label) throw invalid(`label column "${config.label}" not found; columns are ${columnList(columns)}`);
  if (!isNumeric(label.type)) throw invalid(`label column "${config.label}" is ${label.type}; expected 0/1 numbers or booleans`);
  if (config.id !== undefined && !find(config.id)) throw invalid(`id column "${config.id}" not found; columns are ${columnList(columns)}`);
  const reserved = new Set([config.label, config.id]);
  const numeric = columns.filter((c) => isNumeric(c.type) && !reserved.has(c.name));
  if (config.features === undefined) {
    if (numeric.length === 0) throw invalid(`no numeric column besides the label and id to use as a feature; columns are ${columnList(columns)}`);
    return { label: config.label, ...(config.id ? { id: config.id } : {}), features: numeric.map((c) => c.name) };
  }
  for (const [k, name] of config.features.entries()) {
    const column = find(name);
    if (reserved.has(name)) throw invalid(`feature ${k + 1} "${name}" is the ${name === config.label ? 'label' : 'id'} column; leave it out of the features`);
    if (!column) throw invalid(`feature ${k + 1} "${name}" not found; columns are ${columnList(columns)}`);
    if (!isNumeric(column.type)) {
      throw invalid(`feature ${k + 1} "${name}" is ${column.type}, not numeric; numeric columns are ${numeric.map((c) => c.name).join(', ') || 'none'}`);
    }
  }
  return { label: config.label, ...(config.id ? { id: config.id } : {}), features: [...config.features] };
}

export interface Table {
  readonly data: Dataset;
  /** The id of each row (as text), when there is an id column. */
  readonly ids?: readonly (string | null)[];
  /** Values that were NaN or ±Infinity in the table and are now missing, per feature (NULLs are counted apart). */
  readonly nonFinite: readonly number[];
}

/**
 * Reads `relation` (in its own order) as a dataset; `which` names it in errors ("train", "test").
 * @example const { data } = await readTable(db, 'train', { label: 'y', features: ['a', 'b'] }, 'train')
 */
export async function readTable(db: Db, relation: string, columns: Columns, which: string): Promise<Table> {
  const described = await db.columns(relation);
  for (const name of [...columns.features, columns.label, ...(columns.id ? [columns.id] : [])]) {
    const column = described.find((c) => c.name === name);
    if (!column) throw invalid(`${which} table: column "${name}" not found; columns are ${columnList(described)}`);
    if (name !== columns.id && !isNumeric(column.type)) throw invalid(`${which} table: column "${name}" is ${column.type}, not numeric`);
  }
  // 1. The label: no NULLs, only 0 and 1.
  const y = `CAST(${ident(columns.label)} AS DOUBLE)`;
  const check = (await db.all(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE ${y} IS NULL)::INTEGER AS nulls,
      count(*) FILTER (WHERE ${y} NOT IN (0, 1))::INTEGER AS others, CAST(min(${y}) FILTER (WHERE ${y} NOT IN (0, 1)) AS VARCHAR) AS example FROM ${relation}`))[0]!;
  const n = Number(check.n);
  if (n === 0) throw invalid(`${which} table has no rows`);
  if (Number(check.nulls) > 0) throw invalid(`label "${columns.label}": ${check.nulls} of ${n} ${which} rows are NULL; drop or fill them first`);
  if (Number(check.others) > 0) throw invalid(`label "${columns.label}": ${check.others} of ${n} ${which} rows are neither 0 nor 1 (e.g. ${check.example})`);
  // 2. Everything as DOUBLE, column by column.
  const select = [...columns.features.map((f) => `CAST(${ident(f)} AS DOUBLE)`), `CAST(${ident(columns.label)} AS INTEGER)`];
  if (columns.id) select.push(`CAST(${ident(columns.id)} AS VARCHAR)`);
  const reader = await db.connection.runAndReadAll(`SELECT ${select.join(', ')} FROM ${relation}`);
  const values = reader.getColumns();
  const d = columns.features.length;
  const features = new Float64Array(n * d);
  const nonFinite = new Array<number>(d).fill(0);
  for (let j = 0; j < d; j++) {
    const column = values[j]!;
    for (let i = 0; i < n; i++) {
      const v = column[i];
      const x = v === null ? NaN : (v as number);
      if (v !== null && !Number.isFinite(x)) nonFinite[j]!++;
      features[i * d + j] = Number.isFinite(x) ? x : NaN;
    }
  }
  const labels = Uint8Array.from(values[d]!, (v) => Number(v));
  const data: Dataset = { features, n, d, names: columns.features, labels };
  return { data, ...(columns.id ? { ids: values[d + 1]!.map((v) => (v === null ? null : String(v))) } : {}), nonFinite };
}

/** Throws unless the train labels hold both classes. */
export function requireBothClasses(data: Dataset, label: string): void {
  let positives = 0;
  for (let i = 0; i < data.n; i++) positives += data.labels[i]!;
  if (positives === 0 || positives === data.n) {
    throw invalid(`label "${label}" is ${positives === 0 ? 0 : 1} on all ${data.n} train rows: a classifier needs both classes`);
  }
}

/** What the model file records per feature: its type and training statistics over the observed values. */
export function describeFeatures(table: Table, types: readonly DatasetColumn[]): JsonObject[] {
  const { data } = table;
  return data.names.map((name, j) => {
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.n; i++) {
      const x = data.features[i * data.d + j]!;
      if (Number.isNaN(x)) continue;
      count++;
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const mean = count > 0 ? sum / count : null;
    let sq = 0;
    for (let i = 0; i < data.n && mean !== null; i++) {
      const x = data.features[i * data.d + j]!;
      if (!Number.isNaN(x)) sq += (x - mean) ** 2;
    }
    return {
      name,
      type: types.find((c) => c.name === name)?.type ?? 'DOUBLE',
      missing: data.n - count,
      nonFinite: table.nonFinite[j]!,
      mean,
      std: count > 0 ? Math.sqrt(sq / count) : null,
      min: count > 0 ? min : null,
      max: count > 0 ? max : null,
    };
  });
}

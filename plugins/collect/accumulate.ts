/**
 * collect's `accumulate`: the output as a growing history. An incremental run reads only what is new; this adds
 * those rows to the output of the last run (found through the ArtifactRef kept in the node's state), matching
 * columns by name, so that what comes after trains on everything while collect reads only the new files.
 *
 * Steps (numbered in `accumulateRows`):
 *   1. with no earlier output, the new rows are the output;
 *   2. the earlier output must still be in the artifact store;
 *   3. in files mode, the rows of a file read again (it changed) are dropped from the earlier output;
 *   4. nothing new and nothing dropped: the very same artifact as last time, so everything downstream is cached;
 *   5. columns are matched by name; a column whose type changed is cast to the type `columns` gives it, or refused;
 *   6. the earlier rows in their order, then the new rows in theirs.
 */
import { ident, literal, type Db } from '../../engine/data/duckdb.js';
import { PluginError, type ArtifactRef, type ArtifactStore, type JsonObject } from '../../engine/sdk.js';
import type { Accumulated, Segment } from './incremental.js';

export interface AccumulateReport extends JsonObject {
  /** Rows in the output of the last run. */
  readonly previousRows: number;
  /** Of those, rows dropped because their file was read again. */
  readonly replacedRows: number;
  /** Rows read in this run. */
  readonly newRows: number;
  /** Rows in the output: previous − replaced + new. */
  readonly rows: number;
  /** Columns only the new rows have (NULL in the earlier rows), and only the earlier rows have (NULL in the new). */
  readonly addedColumns: string[];
  readonly missingColumns: string[];
}

interface Where {
  readonly workflow: string;
  readonly nodeId: string;
  readonly artifacts: ArtifactStore;
}

// The row order columns of the union; `file_row_number` is DuckDB's name for a row's position in a Parquet file.
const ORDER = ['__loom_part', '__loom_pos'];
const POSITION = 'file_row_number';

/**
 * Writes the earlier output plus the new rows of table `fresh` (data columns and `__loom_pos`, their order).
 * `reread` names the files read in this run (by real path); `segments` are those of the new rows (files mode).
 */
export async function accumulateRows(
  db: Db,
  where: Where,
  previous: Accumulated | undefined,
  fresh: { table: string; reread: ReadonlySet<string>; segments?: Segment[]; types: Readonly<Record<string, string>> },
): Promise<{ accumulated: Accumulated; report: AccumulateReport }> {
  const freshColumns = (await db.columns(fresh.table)).filter((c) => c.name !== '__loom_pos');
  const newRows = Number(await db.value(`SELECT count(*) FROM ${fresh.table}`));
  const names = (columns: { name: string }[]) => columns.map((c) => ident(c.name)).join(', ');
  // 1.
  if (!previous) {
    const data = await db.writeDataset(`SELECT ${names(freshColumns)} FROM ${fresh.table} ORDER BY __loom_pos`);
    const report = { previousRows: 0, replacedRows: 0, newRows, rows: newRows, addedColumns: [], missingColumns: [] };
    return { accumulated: { artifact: data, ...(fresh.segments ? { segments: fresh.segments } : {}) }, report };
  }
  // 2.
  const previousRows = Number((previous.artifact.meta as { rows?: number } | undefined)?.rows ?? 0);
  if (!(await where.artifacts.has(previous.artifact))) {
    throw new PluginError(
      `accumulate: the dataset this node accumulated up to its last run (sha256 ${previous.artifact.sha256.slice(0, 12)}…, ${previousRows} rows) is no longer in the artifact store, ` +
        `so the new rows cannot be added to it; to start afresh and read every file again, delete the node's state (state/${where.workflow}/${where.nodeId}.json in the data home)`,
      { retryable: false },
    );
  }
  // 3.
  const kept: Segment[] = [];
  const dropped: [number, number][] = [];
  let offset = 0;
  for (const segment of previous.segments ?? []) {
    if (fresh.reread.has(segment.file)) dropped.push([offset, offset + segment.rows - 1]);
    else kept.push(segment);
    offset += segment.rows;
  }
  const replacedRows = dropped.reduce((n, [from, to]) => n + to - from + 1, 0);
  const segments = previous.segments ? [...kept, ...(fresh.segments ?? [])] : undefined;
  // 4.
  if (newRows === 0 && replacedRows === 0) {
    const report = { previousRows, replacedRows, newRows, rows: previousRows, addedColumns: [], missingColumns: [] };
    return { accumulated: previous, report };
  }
  // 5.
  await db.run(`CREATE VIEW loom_previous AS SELECT * FROM read_parquet(${literal(where.artifacts.path(previous.artifact))}, file_row_number = true)`);
  const previousColumns = (await db.columns('loom_previous')).filter((c) => c.name !== POSITION);
  const freshTypes = new Map(freshColumns.map((c) => [c.name, c.type]));
  const given = new Map(Object.entries(fresh.types).map(([name, type]) => [name, type.toUpperCase()]));
  const casts: string[] = [];
  for (const column of previousColumns) {
    const now = freshTypes.get(column.name);
    if (now === undefined || now === column.type) continue;
    const type = given.get(column.name);
    if (type === undefined || type !== now) {
      throw new PluginError(
        `accumulate: column "${column.name}" is ${column.type} in the rows collected before but ${now} in the new rows; ` +
          `give it a type in "columns" (e.g. {"${column.name}": "${now}"}) to convert the earlier rows too, or start afresh by deleting the node's state (state/${where.workflow}/${where.nodeId}.json in the data home)`,
        { retryable: false },
      );
    }
    casts.push(`CAST(${ident(column.name)} AS ${type}) AS ${ident(column.name)}`);
  }
  // 6.
  const keep = dropped.length === 0 ? 'true' : `NOT (${dropped.map(([from, to]) => `${POSITION} BETWEEN ${from} AND ${to}`).join(' OR ')})`;
  const earlier = `SELECT * EXCLUDE (${POSITION})${casts.length > 0 ? ` REPLACE (${casts.join(', ')})` : ''}, 0 AS __loom_part, ${POSITION} AS __loom_pos FROM loom_previous WHERE ${keep}`;
  const later = `SELECT * EXCLUDE (__loom_pos), 1 AS __loom_part, __loom_pos FROM ${fresh.table}`;
  let data: ArtifactRef;
  try {
    data = await db.writeDataset(`SELECT * EXCLUDE (${ORDER.join(', ')}) FROM (${earlier} UNION ALL BY NAME ${later}) ORDER BY ${ORDER.join(', ')}`);
  } catch (error) {
    throw new PluginError(`accumulate: the rows collected before do not convert to the types in "columns": ${(error as Error).message.split('\n')[0]}`, { retryable: false });
  }
  const before = new Set(previousColumns.map((c) => c.name));
  const report = {
    previousRows,
    replacedRows,
    newRows,
    rows: previousRows - replacedRows + newRows,
    addedColumns: freshColumns.filter((c) => !before.has(c.name)).map((c) => c.name),
    missingColumns: previousColumns.filter((c) => !freshTypes.has(c.name)).map((c) => c.name),
  };
  return { accumulated: { artifact: data, ...(segments ? { segments } : {}) }, report };
}

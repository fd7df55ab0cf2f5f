/**
 * collect: brings outside data into a workflow as a dataset, from files under the data roots (CSV, JSON lines,
 * Parquet, by glob), an HTTP(S) URL or a SQLite query. Malformed lines go to `rejects` with their line numbers;
 * `report` says what was read, skipped and rejected. Incremental modes remember, per node, what was taken.
 *
 * Steps (numbered in `run`):
 *   1. check the config and list the inputs (files confined to the data roots, a download, a SQLite export);
 *   2. in files mode, keep only files not collected before;
 *   3. read each format into a working table, malformed lines into the rejects table;
 *   4. apply the given types, check the named columns, keep rows above the watermark;
 *   5. write `data` (with `accumulate`, added to the last run's output) and `rejects`, then the report, and only
 *      then remember what was taken.
 */
import { ident, literal, withDb, type Db, type DatasetColumn } from '../../engine/data/duckdb.js';
import { definePlugin, PluginError, type ArtifactRef, type JsonObject, type JsonValue } from '../../engine/sdk.js';
import { checkConfig, collectConfig, type CollectConfig } from './config.js';
import { accumulateRows, type AccumulateReport } from './accumulate.js';
import { previousState, splitNewFiles, type Accumulated, type CollectState, type Fingerprint } from './incremental.js';
import { matchFiles, confinedFile, resolveRoots, type MatchedFile, type Roots } from './paths.js';
import { readCsv } from './read-csv.js';
import { readJson, readParquet } from './read-json.js';
import { buildReport, type FileReport } from './report.js';
import { download, exportSqlite, formatOf, type FileFormat } from './sources.js';
import { applyTypes, createWorkTables, FILES, INTERNAL, REJECTS, type FileEntry } from './tables.js';

type Input = FileEntry & { readonly format: FileFormat | 'sqlite'; readonly bytes: number };

export default definePlugin({
  name: 'collect',
  version: '1.0.0',
  title: 'Collect data',
  description: 'Reads CSV, JSON lines or Parquet files (by glob, under the data roots), a URL or a SQLite query into a dataset; malformed lines go to rejects; can take only new files or rows above a watermark, and add them to everything collected before.',
  category: 'input',
  volatile: true,
  outputs: {
    data: { type: 'dataset', description: 'The rows read (only the new ones in an incremental mode, unless it accumulates).' },
    rejects: { type: 'dataset', description: 'Malformed lines: file, line (from 1, header included), reason, raw line.' },
    report: { type: 'json', description: 'Files read, skipped and empty; rows per file; rows rejected; the watermark.' },
  },
  config: collectConfig,
  async run(ctx) {
    const config = ctx.config;
    // 1.
    const source = checkConfig(config);
    const roots = await resolveRoots(ctx.dataRoots);
    const stored = await ctx.state.get();
    const state = previousState(stored, config.incremental, config.accumulate);
    if (config.accumulate && stored !== undefined && !state) ctx.log.info('accumulate: no accumulated output from an earlier run in this mode; reading everything afresh');
    ctx.progress(0.02, 'listing inputs');
    const matched = source === 'files' ? await listFiles(config.path!, ctx.workflowDir, roots) : [];
    // 2.
    const split = config.incremental === 'files' ? await splitNewFiles(matched, state, config.changeDetection) : { fresh: matched, seen: [], fingerprints: {} };
    const fileReports: FileReport[] = split.seen.map((f) => ({ file: f.name, bytes: f.bytes, status: 'already collected', rows: 0, rejected: 0 }));
    const inputs: Input[] = [];
    for (const file of split.fresh) {
      if (file.bytes === 0) fileReports.push({ file: file.name, bytes: 0, status: 'empty', rows: 0, rejected: 0 });
      else inputs.push({ idx: inputs.length, path: file.path, name: file.name, bytes: file.bytes, format: fileFormat(file, config) });
    }
    if (source === 'http') {
      const got = await download(config.url!, { headers: config.headers, timeoutMs: config.timeoutMs, format: config.format === 'auto' ? undefined : config.format }, ctx.scratchDir, ctx.signal);
      inputs.push({ idx: 0, path: got.path, name: config.url!, bytes: got.bytes, format: got.format });
    }
    let sqliteTypes: Record<string, string> = {};
    if (source === 'sqlite') {
      const database = await confinedFile(config.sqlite!.database, ctx.workflowDir, roots, 'sqlite.database');
      const got = await exportSqlite(database, config.sqlite!.query, ctx.scratchDir, ctx.signal);
      inputs.push({ idx: 0, path: got.path, name: config.sqlite!.database, bytes: 0, format: 'sqlite' });
      sqliteTypes = got.columns;
    }

    return withDb(
      ctx,
      async (db) => {
        await checkTypeNames(db, config.columns);
        await createWorkTables(db, inputs);
        // 3.
        const parts = await readAll(db, inputs, config, state, sqliteTypes, ctx.scratchDir, ctx.signal, (f, m) => ctx.progress(0.05 + 0.75 * f, m));
        await collectedTable(db, parts, config, state, fileReports);
        // 4.
        await applyTypes(db, 'collected', config.columns);
        const dataColumns = (await db.columns('collected')).filter((c) => !INTERNAL.includes(c.name));
        const watermark = config.incremental === 'watermark' ? await applyWatermark(db, config.watermarkColumn!, state) : undefined;
        // 5.
        ctx.progress(0.85, 'writing the dataset');
        const taken = watermark?.where ?? 'true';
        const fileColumn = config.filenameColumn ? `, f.name AS ${ident(config.filenameColumn)}` : '';
        const selected = `t.* EXCLUDE (${INTERNAL.join(', ')})${fileColumn} FROM collected t JOIN ${FILES} f ON f.idx = t.__loom_fidx WHERE ${taken}`;
        const order = 't.__loom_fidx, t.__loom_row';
        const perFile = await db.all(`SELECT f.idx, f.name, (SELECT count(*) FROM collected t WHERE t.__loom_fidx = f.idx AND (${taken})) AS rows,
          (SELECT count(DISTINCT coalesce(r.line, -1)) FROM ${REJECTS} r WHERE r.file = f.name) AS rejected FROM ${FILES} f ORDER BY f.idx`);
        let data: ArtifactRef;
        let accumulated: { accumulated: Accumulated; report: AccumulateReport } | undefined;
        if (config.accumulate) {
          await db.run(`CREATE TABLE loom_fresh AS SELECT row_number() OVER (ORDER BY ${order}) AS __loom_pos, ${selected}`);
          const segments = config.incremental === 'files' ? perFile.map((row, i) => ({ file: inputs[i]!.path, rows: Number(row.rows) })).filter((s) => s.rows > 0) : undefined;
          const reread = new Set(split.fresh.map((f) => f.path));
          accumulated = await accumulateRows(db, { workflow: ctx.workflow, nodeId: ctx.nodeId, artifacts: ctx.artifacts }, state?.accumulated, { table: 'loom_fresh', reread, segments, types: config.columns });
          data = accumulated.accumulated.artifact;
        } else {
          data = await db.writeDataset(`SELECT ${selected} ORDER BY ${order}`);
        }
        const rejects = await db.writeDataset(`SELECT * FROM ${REJECTS}`);
        for (const [i, row] of perFile.entries()) fileReports.push({ file: String(row.name), bytes: inputs[i]!.bytes, status: 'read', rows: Number(row.rows), rejected: Number(row.rejected) });
        const report = buildReport({ source, config, roots: roots.given, files: fileReports, data, rejects, watermark: watermark?.report });
        if (accumulated) accumulatedReport(report, accumulated.report);
        const reportRef = await ctx.artifacts.putJson('json', report as unknown as JsonObject);
        ctx.log.info(String(report.summary));
        if (config.incremental !== 'none') await ctx.state.set(nextState(config, dataColumns, split.fingerprints, watermark?.next, state, accumulated?.accumulated) as unknown as JsonObject);
        ctx.progress(1, String(report.summary));
        return { data, rejects, report: reportRef };
      },
      { readRoots: roots.real },
    );
  },
});

async function listFiles(pattern: string, workflowDir: string, roots: Roots): Promise<MatchedFile[]> {
  const files = await matchFiles(pattern, workflowDir, roots);
  if (files.length === 0) throw new PluginError(`path ${JSON.stringify(pattern)} matches no files (relative to ${workflowDir}; data roots: ${roots.given.join(', ')})`, { retryable: false });
  return files;
}

function fileFormat(file: MatchedFile, config: CollectConfig): FileFormat {
  const format = config.format === 'auto' ? formatOf(file.name) : config.format;
  if (!format) throw new PluginError(`cannot tell the format of "${file.name}" from its extension; set "format" to csv, json or parquet`, { retryable: false });
  return format;
}

async function checkTypeNames(db: Db, columns: Readonly<Record<string, string>>): Promise<void> {
  for (const [column, type] of Object.entries(columns)) {
    await db.run(`SELECT NULL::${type}`).catch((error: Error) => {
      throw new PluginError(`columns: ${JSON.stringify(column)} has type ${JSON.stringify(type)}, which DuckDB does not know: ${error.message.split('\n')[0]}`, { retryable: false });
    });
  }
}

/** Reads every input into one working table per format; returns the tables that have rows to offer. */
async function readAll(db: Db, inputs: Input[], config: CollectConfig, state: CollectState | undefined, sqliteTypes: Record<string, string>, scratchDir: string, signal: AbortSignal, progress: (fraction: number, message: string) => void): Promise<string[]> {
  const parts: string[] = [];
  const of = (format: string) => inputs.filter((i) => i.format === format);
  const csv = of('csv');
  if (csv.length > 0) {
    const hints = Object.fromEntries((state?.columns ?? []).map((c) => [c.name, c.type]));
    const options = { header: config.header, delimiter: config.delimiter, quote: config.quote, types: config.columns, hints };
    await readCsv(db, 'part_csv', csv, options, (done, total) => progress((0.8 * done) / total, `read ${done} of ${total} CSV file groups`));
    parts.push('part_csv');
  }
  const json = of('json');
  if (json.length > 0 && (await readJson(db, 'part_json', json, scratchDir, signal, (done, total) => progress(0.8 + (0.1 * done) / total, `read ${done} of ${total} JSON files`)))) parts.push('part_json');
  const parquet = of('parquet');
  if (parquet.length > 0) {
    await readParquet(db, 'part_parquet', parquet);
    parts.push('part_parquet');
  }
  for (const input of of('sqlite')) {
    const columns = Object.entries(sqliteTypes).map(([c, t]) => `${literal(c)}: ${literal(t)}`);
    await db.run(`CREATE TABLE part_sqlite AS SELECT *, ${input.idx} AS __loom_fidx, row_number() OVER () AS __loom_row, NULL::BIGINT AS __loom_line, NULL::VARCHAR AS __loom_raw
      FROM read_json(${literal(input.path)}, format = 'newline_delimited', columns = {${columns.join(', ')}})`);
    parts.push('part_sqlite');
  }
  progress(1, 'read all inputs');
  return parts;
}

/**
 * Stacks the parts into `collected`. With nothing to read (nothing new, or only empty files), it is an empty
 * table with the columns of the last run, or the given ones: an empty output, not an error.
 */
async function collectedTable(db: Db, parts: string[], config: CollectConfig, state: CollectState | undefined, files: FileReport[]): Promise<void> {
  if (parts.length === 1) {
    await db.run(`ALTER TABLE ${parts[0]} RENAME TO collected`);
  } else if (parts.length > 1) {
    await db.run(`CREATE TABLE collected AS ${parts.map((p) => `SELECT * FROM ${p}`).join(' UNION ALL BY NAME ')}`);
  } else {
    const known = state?.columns.length ? state.columns : Object.entries(config.columns).map(([name, type]) => ({ name, type }));
    if (known.length === 0) {
      const why = files.length === 0 ? 'no file had a good line' : `the ${files.length} file(s) matched were empty or already collected`;
      throw new PluginError(`nothing to take the columns from: ${why}, and no earlier run or "columns" says what they are`, { retryable: false });
    }
    const internal = 'NULL::INTEGER AS __loom_fidx, NULL::BIGINT AS __loom_row, NULL::BIGINT AS __loom_line, NULL::VARCHAR AS __loom_raw';
    await db.run(`CREATE TABLE collected AS SELECT ${known.map((c) => `NULL::${c.type} AS ${ident(c.name)}`).join(', ')}, ${internal} LIMIT 0`);
  }
  const columns = (await db.columns('collected')).filter((c) => !INTERNAL.includes(c.name));
  const names = columns.map((c) => c.name);
  const list = names.map((n) => JSON.stringify(n)).join(', ');
  for (const name of Object.keys(config.columns)) {
    if (!names.includes(name)) throw new PluginError(`columns: the column ${JSON.stringify(name)} is not in the data; its columns are ${list}`, { retryable: false });
  }
  if (config.filenameColumn && names.includes(config.filenameColumn)) {
    throw new PluginError(`filenameColumn: the data already has a column ${JSON.stringify(config.filenameColumn)}; choose another name`, { retryable: false });
  }
  if (config.watermarkColumn && !names.includes(config.watermarkColumn)) {
    throw new PluginError(`watermarkColumn: the column ${JSON.stringify(config.watermarkColumn)} is not in the data; its columns are ${list}`, { retryable: false });
  }
}

/** The rows above the stored watermark, the counts around it, and the new highest value. */
async function applyWatermark(db: Db, column: string, state: CollectState | undefined) {
  const type = (await db.columns('collected')).find((c) => c.name === column)!.type;
  const before = state?.watermark?.column === column ? state.watermark : undefined;
  let where = `${ident(column)} IS NOT NULL`;
  if (before) {
    const bound = `TRY_CAST(${literal(before.value)} AS ${type})`;
    if ((await db.value(`SELECT ${bound}`)) === null) {
      throw new PluginError(`watermarkColumn: the value remembered from the last run, ${JSON.stringify(before.value)} (${before.type}), is not a ${type}; the column's type changed`, { retryable: false });
    }
    where += ` AND ${ident(column)} > ${bound}`;
  }
  const row = (await db.all(`SELECT count(*) FILTER (${ident(column)} IS NULL) AS missing, count(*) FILTER (${ident(column)} IS NOT NULL AND NOT (${where})) AS old,
    CAST(max(${ident(column)}) FILTER (${where}) AS VARCHAR) AS top FROM collected`))[0]!;
  const value = row.top === null ? before?.value : String(row.top);
  const next = value === undefined ? undefined : { column, value, type };
  const report = { column, previous: before?.value ?? null, current: value ?? null, rowsAtOrBelow: Number(row.old), rowsWithoutValue: Number(row.missing) };
  return { where, next, report };
}

function nextState(config: CollectConfig, columns: DatasetColumn[], files: Record<string, Fingerprint>, watermark: CollectState['watermark'], before: CollectState | undefined, accumulated?: Accumulated): CollectState {
  const kept = accumulated ? { accumulated } : {};
  if (config.incremental === 'files') return { mode: 'files', columns, files, ...kept };
  return { mode: 'watermark', columns, watermark: watermark ?? before?.watermark, ...kept };
}

/** With `accumulate`, the report counts what this run added; `rows` stays the rows of the output. */
function accumulatedReport(report: Record<string, JsonValue>, facts: AccumulateReport): void {
  const nothingNew = facts.newRows === 0 && facts.replacedRows === 0 && report.rowsRejected === 0;
  const read = String(report.summary).replace(/^(nothing new: )?\d+ rows/, `${facts.newRows} new rows`);
  const replaced = facts.replacedRows > 0 ? `, ${facts.replacedRows} earlier rows replaced by files read again` : '';
  Object.assign(report, { nothingNew, accumulated: facts, summary: `${nothingNew ? 'nothing new: ' : ''}${read}; ${facts.rows} rows accumulated${replaced}` });
}

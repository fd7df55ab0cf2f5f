/**
 * Per-entity tables from event lines, as of a date: one row per entity with a line before the as-of date, its
 * features aggregated over those lines only, and its label aggregated over the lines in [as-of, as-of + horizon).
 * The train table is built as of cutoff − trainOffsetDays and the test table as of the cutoff, so that a model is
 * judged on a month it never saw, with features that never look past their own as-of date.
 */
import { ident, literal, type Db } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import type { SnapshotConfig } from './config.js';
import { columnList, invalid } from './table.js';

export interface SnapshotTables {
  /** Relations holding the two tables: entity, the features in config order, then the label. */
  readonly train: string;
  readonly test: string;
  readonly report: JsonObject;
}

/**
 * Builds `snapshot_train` and `snapshot_test` from the lines in `lines`.
 * @example await buildSnapshots(db, 'lines', { entity: 'CustomerID', time: 'InvoiceDate', cutoff: '2011-09-01', horizonDays: 30, features: { n: 'count(*)' }, label: 'count(*) > 0' }, 'y')
 */
export async function buildSnapshots(db: Db, lines: string, config: SnapshotConfig, labelName: string): Promise<SnapshotTables> {
  const columns = await db.columns(lines);
  const has = (name: string) => columns.some((c) => c.name === name);
  for (const [what, name] of [['entity', config.entity], ['time', config.time]] as const) {
    if (!has(name)) throw invalid(`snapshot ${what}: column "${name}" not found; columns are ${columnList(columns)}`);
  }
  const names = Object.keys(config.features);
  for (const taken of [config.entity, labelName, 'as_of']) {
    if (names.includes(taken)) throw invalid(`snapshot feature "${taken}": the name is taken (entity, label or as_of); call it something else`);
  }
  const horizon = config.horizonDays;
  const offset = config.trainOffsetDays ?? horizon;
  // NOTE: a train label window that ran past the cutoff would let the model learn from the test month.
  if (offset < horizon) throw invalid(`snapshot: trainOffsetDays ${offset} is less than horizonDays ${horizon}, so the train label window would overlap the test one`);
  const time = `CAST(${ident(config.time)} AS TIMESTAMP)`;
  const cutoff = `TIMESTAMP ${literal(config.cutoff)}`;
  // 1. Views of the lines with their as-of date, split into the past (features) and the window (label).
  const withAsOf = (asOf: string) => `(SELECT *, ${asOf} AS as_of FROM ${lines})`;
  const past = (asOf: string) => `(SELECT * FROM ${withAsOf(asOf)} WHERE ${time} < as_of AND ${ident(config.entity)} IS NOT NULL)`;
  const window = (asOf: string) =>
    `(SELECT * FROM ${withAsOf(asOf)} WHERE ${time} >= as_of AND ${time} < as_of + INTERVAL ${horizon} DAY AND ${ident(config.entity)} IS NOT NULL)`;
  // 2. Every expression is checked first, so that a typo names its feature rather than failing in the big query.
  await db.run(`CREATE TEMP VIEW snapshot_lines AS ${past(cutoff)}`);
  for (const [name, expression] of Object.entries(config.features)) await checkAggregate(db, expression, config.entity, `snapshot feature "${name}"`);
  await checkAggregate(db, config.label, config.entity, 'snapshot label');
  // 3. The data must reach the end of the test label window, or entities would be labelled false for days not seen.
  const last = String(await db.value(`SELECT CAST(max(${time}) AS VARCHAR) FROM ${lines}`));
  const reaches = await db.value(`SELECT max(${time}) >= ${cutoff} + INTERVAL ${horizon - 1} DAY FROM ${lines}`);
  if (reaches !== true) {
    const end = String(await db.value(`SELECT CAST(CAST(${cutoff} + INTERVAL ${horizon} DAY AS DATE) AS VARCHAR)`));
    throw invalid(`snapshot: the test label window [${config.cutoff}, ${end}) runs past the last line (${last}); move the cutoff earlier or shorten horizonDays`);
  }
  const trainAsOf = `(${cutoff} - INTERVAL ${offset} DAY)`;
  const report: JsonObject = { cutoff: config.cutoff, horizonDays: horizon, trainOffsetDays: offset, lastLine: last };
  for (const [table, asOf] of [['snapshot_train', trainAsOf], ['snapshot_test', cutoff]] as const) {
    const features = Object.entries(config.features).map(([name, expression]) => `(${expression}) AS ${ident(name)}`);
    const entity = ident(config.entity);
    await db.run(`CREATE TEMP TABLE ${table} AS
      WITH f AS (SELECT ${entity}, ${features.join(', ')} FROM ${past(asOf)} GROUP BY ${entity}),
           l AS (SELECT ${entity}, (${config.label}) AS y FROM ${window(asOf)} GROUP BY ${entity})
      SELECT f.*, coalesce(l.y, false) AS ${ident(labelName)} FROM f LEFT JOIN l USING (${entity}) ORDER BY ${entity}`);
    const stats = await db.all(`SELECT count(*)::INTEGER AS entities, count(*) FILTER (WHERE ${ident(labelName)}::BOOLEAN)::INTEGER AS positives,
        CAST(CAST(${asOf} AS DATE) AS VARCHAR) AS as_of, CAST(CAST(${asOf} + INTERVAL ${horizon} DAY AS DATE) AS VARCHAR) AS label_until,
        (SELECT count(*)::INTEGER FROM ${past(asOf)}) AS feature_lines, (SELECT count(*)::INTEGER FROM ${window(asOf)}) AS label_lines
      FROM ${table}`);
    const s = stats[0]!;
    if (s.entities === 0) throw invalid(`snapshot: no ${config.entity} has a line before ${String(s.as_of)}, so the ${table.slice(9)} table is empty`);
    report[table.slice(9)] = { asOf: s.as_of!, labelUntil: s.label_until!, entities: s.entities!, positives: s.positives!, featureLines: s.feature_lines!, labelLines: s.label_lines! };
  }
  return { train: 'snapshot_train', test: 'snapshot_test', report };
}

/** A feature or label must give one value per entity: an aggregate (sum(x), count(*), max(t), ...), not a column. */
async function checkAggregate(db: Db, expression: string, entity: string, where: string): Promise<void> {
  await db.checkExpression(expression, 'snapshot_lines', where);
  try {
    const prepared = await db.connection.prepare(`SELECT (${expression}) FROM snapshot_lines GROUP BY ${ident(entity)} LIMIT 0`);
    prepared.destroySync?.();
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    const hint = /GROUP BY|aggregate/i.test(message) ? 'it must aggregate the entity\'s lines, e.g. sum(x), count(*), max(t)' : message;
    throw invalid(`${where}: ${JSON.stringify(expression)}: ${hint}`);
  }
}

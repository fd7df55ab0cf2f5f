/**
 * Assigns each row of a relation to train, validation or test, as a table with the split in column SPLIT.
 *
 * Random and stratified splits shuffle units (rows, or keys when `key` is given) by md5(seed:unit), a documented
 * hash whose value no DuckDB version, thread count or machine changes, then cut each stratum at
 * round(n * train) and round(n * (train + validation)): counts are exact to one unit per stratum. A unit with no
 * key is a row, named by its position in the input, so the split then depends on the input's order.
 */
import type { Db, DatasetColumn } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { fail, requireColumn, requireNoNulls, ROW, SPLIT, timeExpression, timeLiteral } from './columns.js';
import { SPLIT_OPTIONS, type SplitConfig } from './config.js';

export const ASSIGNED = 'annotate_assigned';
const UNIT = '__annotate_unit';
const STRATUM = '__annotate_stratum';

/** Creates ASSIGNED from `relation`; returns what the report says about the method beyond row counts. */
export async function assignSplits(db: Db, split: SplitConfig, relation: string): Promise<JsonObject> {
  const allowed = SPLIT_OPTIONS[split.method];
  for (const option of Object.keys(split) as (keyof SplitConfig)[]) {
    if (option !== 'method' && !allowed.includes(option)) {
      fail(`split: "${option}" does not apply to method "${split.method}", which takes ${allowed.map((o) => `"${o}"`).join(', ')}`);
    }
  }
  const columns = await db.columns(`SELECT * FROM ${relation}`);
  switch (split.method) {
    case 'random':
    case 'stratified':
      return shuffled(db, split, relation, columns);
    case 'time':
      return byTime(db, split, relation, columns);
    case 'leave-last-n':
      return leaveLastN(db, split, relation, columns);
  }
}

async function shuffled(db: Db, split: SplitConfig, relation: string, columns: DatasetColumn[]): Promise<JsonObject> {
  const fractions = split.fractions ?? { train: 0.8, validation: 0.1, test: 0.1 };
  const sum = fractions.train + fractions.validation + fractions.test;
  if (Math.abs(sum - 1) > 1e-9) fail(`split.fractions: train + validation + test must add up to 1, not ${sum}`);
  const seed = split.seed ?? 0;
  const keys = (split.key ?? []).map((k) => ident(requireColumn(columns, k, 'split.key').name));
  const position = `'r:' || ${ROW}`;
  const unit = keys.length === 0 ? position : `CASE WHEN ${keys.map((k) => `${k} IS NULL`).join(' OR ')} THEN ${position} ELSE 'k:' || concat_ws(chr(31), ${keys.map((k) => `CAST(${k} AS VARCHAR)`).join(', ')}) END`;
  const stratum = split.stratifyBy === undefined ? 'NULL' : ident(requireColumn(columns, split.stratifyBy, 'split.stratifyBy').name);
  // 1. Name each row's unit and stratum. 2. Rank the distinct units of each stratum by their seeded hash.
  // 3. Cut each stratum's ranking at the rounded fractions, and give every row its unit's split.
  await db.run(`CREATE TABLE ${ASSIGNED} AS
    WITH units AS (SELECT *, ${unit} AS ${UNIT}, ${stratum} AS ${STRATUM} FROM ${relation}),
    ranked AS (
      SELECT ${STRATUM}, ${UNIT},
        row_number() OVER (PARTITION BY ${STRATUM} ORDER BY md5_number(${literal(`${seed}:`)} || ${UNIT}), ${UNIT}) - 1 AS rank,
        count(*) OVER (PARTITION BY ${STRATUM}) AS units
      FROM (SELECT DISTINCT ${STRATUM}, ${UNIT} FROM units))
    SELECT u.*, CASE WHEN rank < floor(units * ${fractions.train}::DOUBLE + 0.5) THEN 'train'
      WHEN rank < floor(units * ${fractions.train + fractions.validation}::DOUBLE + 0.5) THEN 'validation' ELSE 'test' END AS ${SPLIT}
    FROM units u JOIN ranked r ON u.${UNIT} = r.${UNIT} AND u.${STRATUM} IS NOT DISTINCT FROM r.${STRATUM}`);
  const facts: JsonObject = { seed, fractions };
  if (keys.length > 0) {
    const [row] = await db.all(`SELECT ${perSplit(`count(DISTINCT ${UNIT})`)}, count(*) FILTER (WHERE starts_with(${UNIT}, 'r:'))::DOUBLE AS rowsWithoutKey FROM ${ASSIGNED}`);
    const { rowsWithoutKey, ...units } = row!;
    facts.key = split.key!;
    facts.units = units;
    facts.rowsWithoutKey = rowsWithoutKey!;
  }
  if (split.stratifyBy !== undefined) {
    facts.stratifyBy = split.stratifyBy;
    facts.strata = await db.all(
      `SELECT ${STRATUM} AS value, count(*)::DOUBLE AS rows, ${perSplit('count(*)')} FROM ${ASSIGNED} GROUP BY ${STRATUM} ORDER BY ${STRATUM} NULLS LAST`,
    );
  }
  return facts;
}

async function byTime(db: Db, split: SplitConfig, relation: string, columns: DatasetColumn[]): Promise<JsonObject> {
  const time = await timeExpression(db, relation, columns, split.time!, 'split.time');
  await requireNoNulls(db, relation, time, `${JSON.stringify(split.time)}`, 'split.time');
  const trainUntil = await boundary(db, split.trainUntil!, relation, time, 'split.trainUntil');
  const validationUntil = split.validationUntil === undefined ? trainUntil : await boundary(db, split.validationUntil, relation, time, 'split.validationUntil');
  if (await db.value(`SELECT ${validationUntil} < ${trainUntil}`)) fail(`split.validationUntil: ${JSON.stringify(split.validationUntil)} is before trainUntil ${JSON.stringify(split.trainUntil)}`);
  await db.run(`CREATE TABLE ${ASSIGNED} AS SELECT *,
    CASE WHEN ${time} < ${trainUntil} THEN 'train' WHEN ${time} < ${validationUntil} THEN 'validation' ELSE 'test' END AS ${SPLIT}
    FROM ${relation}`);
  const resolved = String(await db.value(`SELECT CAST(${trainUntil} AS VARCHAR)`));
  return { time: split.time!, trainUntil: split.trainUntil!, trainUntilResolved: resolved, validationUntil: split.validationUntil ?? null };
}

const RELATIVE = /^latest-(\d{1,4})d$/;

/**
 * A split boundary: a date or time, or `latest-<N>d`: the last N calendar days of the data (up to its latest row)
 * are after it. The relative form keeps a scheduled retraining honest as data arrives: each run tests on its newest
 * N days and trains on everything before them.
 */
async function boundary(db: Db, text: string, relation: string, time: string, where: string): Promise<string> {
  const relative = RELATIVE.exec(text);
  if (!relative) return timeLiteral(db, text, where);
  const days = Number(relative[1]);
  if (days < 1) fail(`${where}: ${JSON.stringify(text)} must count at least one day`);
  const value = await db.value(`SELECT CAST(date_trunc('day', max(${time})) + INTERVAL 1 DAY - INTERVAL ${days} DAY AS VARCHAR) FROM ${relation}`);
  if (value === null) fail(`${where}: ${JSON.stringify(text)} needs at least one row with a time`);
  return `TIMESTAMP ${literal(String(value))}`;
}

async function leaveLastN(db: Db, split: SplitConfig, relation: string, columns: DatasetColumn[]): Promise<JsonObject> {
  const entity = ident(requireColumn(columns, split.entity!, 'split.entity').name);
  const time = await timeExpression(db, relation, columns, split.time!, 'split.time');
  await requireNoNulls(db, relation, entity, `${JSON.stringify(split.entity)}`, 'split.entity');
  await requireNoNulls(db, relation, time, `${JSON.stringify(split.time)}`, 'split.time');
  const [n, validationN, minTrainRows] = [split.n ?? 1, split.validationN ?? 0, split.minTrainRows ?? 1];
  const needed = n + validationN + minTrainRows;
  // Rows at the same time are ordered by their position in the input, so that ties break the same way every run.
  const fromEnd = `row_number() OVER (PARTITION BY ${entity} ORDER BY ${time} DESC, ${ROW} DESC)`;
  await db.run(`CREATE TABLE ${ASSIGNED} AS SELECT *,
    CASE WHEN count(*) OVER (PARTITION BY ${entity}) < ${needed} THEN 'train'
      WHEN ${fromEnd} <= ${n} THEN 'test' WHEN ${fromEnd} <= ${n + validationN} THEN 'validation' ELSE 'train' END AS ${SPLIT}
    FROM ${relation}`);
  const [row] = await db.all(`SELECT count(*)::DOUBLE AS total, count(*) FILTER (WHERE held)::DOUBLE AS heldOut, count(*) FILTER (WHERE NOT held)::DOUBLE AS trainOnly
    FROM (SELECT bool_or(${SPLIT} <> 'train') AS held FROM ${ASSIGNED} GROUP BY ${entity})`);
  return { entity: split.entity!, time: split.time!, n, validationN, minTrainRows, entities: row! };
}

/** `train`, `validation` and `test` columns holding `aggregate` over that split's rows. */
export function perSplit(aggregate: string): string {
  return ['train', 'validation', 'test'].map((s) => `(${aggregate} FILTER (WHERE ${SPLIT} = '${s}'))::DOUBLE AS ${s}`).join(', ');
}

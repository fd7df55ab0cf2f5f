/**
 * The two tables a recommender is trained from: a product catalogue (one row per item) and user–item
 * interactions (one row per pair). Both keep the item and user columns under their input names, so that they
 * join back to other data, and come out sorted by those columns. Rows without an item (or user, or time) cannot
 * be placed: they are left out and counted in the report, never dropped silently.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject, Logger } from '../../engine/sdk.js';
import type { Catalogue, Interactions } from './config.js';
import { exactSum, fail, requireColumn, requireNumeric, type Input } from './inputs.js';

/**
 * 1. Count each (item, description) pair, ignoring NULL and blank descriptions.
 * 2. Keep per item the most frequent; among equally frequent ones the smallest text (byte order).
 * 3. Per item: the number of lines and the median price (interpolated, as DOUBLE), joined with step 2.
 */
export async function catalogue(db: Db, input: Input, op: Catalogue, log: Logger): Promise<{ relation: string; report: JsonObject }> {
  const where = 'catalogue';
  const [item, desc] = [requireColumn(where, input, op.item).name, requireColumn(where, input, op.description).name].map(ident);
  const price = ident(requireNumeric(where, input, op.price, 'a median price').name);
  if (new Set([op.item, op.description, op.price, 'lines']).size < 4) {
    throw fail(`${where}: "item", "description" and "price" must be different columns, none named "lines"`);
  }
  await db.run(`
    CREATE TEMP TABLE catalogue AS
    WITH counted AS (                                                        -- 1.
      SELECT ${item} AS item, ${desc} AS d, count(*) AS n FROM ${input.view}
      WHERE ${item} IS NOT NULL AND trim(CAST(${desc} AS VARCHAR)) <> '' GROUP BY ALL
    ), best AS (                                                             -- 2.
      SELECT item, d FROM counted QUALIFY row_number() OVER (PARTITION BY item ORDER BY n DESC, d ASC) = 1
    ), items AS (                                                            -- 3.
      SELECT ${item} AS item, count(*) AS lines, median(CAST(${price} AS DOUBLE)) AS price
      FROM ${input.view} WHERE ${item} IS NOT NULL GROUP BY ALL
    )
    SELECT items.item AS ${item}, best.d AS ${desc}, items.price AS ${price}, items.lines
    FROM items LEFT JOIN best USING (item) ORDER BY items.item`);
  const [stats] = await db.all(`
    SELECT count(*)::DOUBLE AS items, count(*) FILTER (WHERE ${desc} IS NULL)::DOUBLE AS no_desc,
           count(*) FILTER (WHERE ${price} IS NULL)::DOUBLE AS no_price, coalesce(sum(lines), 0)::DOUBLE AS placed
    FROM catalogue`);
  const rowsWithoutItem = input.rows - Number(stats!.placed);
  if (rowsWithoutItem > 0) log.warn(`${where}: ${rowsWithoutItem} rows have no "${op.item}" and are left out`);
  return {
    relation: 'catalogue',
    report: {
      items: Number(stats!.items),
      rowsWithoutItem,
      itemsWithoutDescription: Number(stats!.no_desc),
      itemsWithoutPrice: Number(stats!.no_price),
    },
  };
}

/**
 * 1. Resolve the time column to TIMESTAMP (text must cast cleanly) and keep lines with a user, an item and a time.
 * 2. The reference time: `asOf`, else the latest time among those lines; no line may be after it.
 * 3. Per pair: lines, summed quantity, weight = sum of 0.5^(age_days / halfLifeDays), first and last time.
 */
export async function interactions(db: Db, input: Input, op: Interactions, log: Logger): Promise<{ relation: string; report: JsonObject }> {
  const where = 'interactions';
  const user = ident(requireColumn(where, input, op.user).name);
  const item = ident(requireColumn(where, input, op.item).name);
  const quantityType = requireNumeric(where, input, op.quantity, 'a total quantity').type;
  const outputs = ['count', 'quantity', 'weight', 'first_time', 'last_time'];
  const clash = [op.user, op.item].find((c) => outputs.includes(c));
  if (clash !== undefined || op.user === op.item) {
    throw fail(`${where}: "user" and "item" must be different columns, none named ${outputs.map((o) => `"${o}"`).join(', ')}`);
  }
  const time = await timestamp(db, input, op.time); // 1.
  await db.run(`
    CREATE TEMP TABLE lines AS
    SELECT ${user} AS u, ${item} AS i, ${ident(op.quantity)} AS q, ${time} AS t FROM ${input.view}
    WHERE ${user} IS NOT NULL AND ${item} IS NOT NULL AND ${time} IS NOT NULL`);
  const kept = Number(await db.value('SELECT count(*) FROM lines'));
  const skipped = await db.all(`
    SELECT count(*) FILTER (WHERE ${user} IS NULL)::DOUBLE AS no_user, count(*) FILTER (WHERE ${item} IS NULL)::DOUBLE AS no_item,
           count(*) FILTER (WHERE ${time} IS NULL)::DOUBLE AS no_time FROM ${input.view}`);
  const asOf = await referenceTime(db, op.asOf); // 2.
  await db.run(`
    CREATE TEMP TABLE interactions AS
    SELECT u AS ${user}, i AS ${item}, count(*) AS "count", ${exactSum('q', quantityType)} AS quantity,
           sum(pow(0.5, (epoch(${asOf.sql}) - epoch(t)) / 86400.0 / ${op.halfLifeDays})) AS weight,
           min(t) AS first_time, max(t) AS last_time
    FROM lines GROUP BY u, i ORDER BY u, i`); // 3.
  const pairs = Number(await db.value('SELECT count(*) FROM interactions'));
  const s = skipped[0] as { no_user: number; no_item: number; no_time: number };
  if (kept < input.rows) log.warn(`${where}: ${input.rows - kept} rows lack a user, an item or a time and are left out`);
  return {
    relation: 'interactions',
    report: {
      pairs,
      linesUsed: kept,
      rowsLeftOut: { total: input.rows - kept, noUser: s.no_user, noItem: s.no_item, noTime: s.no_time },
      asOf: asOf.text,
      halfLifeDays: op.halfLifeDays,
    },
  };
}

/** A SQL expression for the time column as TIMESTAMP; text that does not cast is an error naming an example. */
async function timestamp(db: Db, input: Input, name: string): Promise<string> {
  const column = requireColumn('interactions', input, name);
  const c = ident(name);
  if (/^(TIMESTAMP|DATE)/.test(column.type)) return `CAST(${c} AS TIMESTAMP)`;
  if (column.type !== 'VARCHAR') throw fail(`interactions: time column "${name}" is ${column.type}; it must be a TIMESTAMP, a DATE or text`);
  const bad = await db.all(`SELECT ${c} AS v, count(*) OVER ()::DOUBLE AS n FROM ${input.view} WHERE ${c} IS NOT NULL AND try_cast(${c} AS TIMESTAMP) IS NULL ORDER BY 1 LIMIT 1`);
  if (bad.length > 0) {
    const n = Number(bad[0]!.n);
    const what = n === 1 ? `value of time column "${name}" is not a time` : `values of time column "${name}" are not times`;
    throw fail(`interactions: ${n} ${what}, e.g. ${JSON.stringify(bad[0]!.v)}`);
  }
  return `try_cast(${c} AS TIMESTAMP)`;
}

async function referenceTime(db: Db, asOf: string | undefined): Promise<{ sql: string; text: string | null }> {
  let sql: string;
  if (asOf === undefined) {
    sql = `(SELECT max(t) FROM lines)`;
  } else {
    if ((await db.value(`SELECT try_cast(${literal(asOf)} AS TIMESTAMP) IS NULL`)) === true) {
      throw fail(`interactions: asOf ${JSON.stringify(asOf)} is not a time (write e.g. "2011-11-01" or "2011-11-01 12:00:00")`);
    }
    sql = `CAST(${literal(asOf)} AS TIMESTAMP)`;
    const [late] = await db.all(`SELECT count(*)::DOUBLE AS n, max(t)::VARCHAR AS latest FROM lines WHERE t > ${sql}`);
    if (Number(late!.n) > 0) {
      throw fail(`interactions: ${late!.n} line${Number(late!.n) === 1 ? ' is' : 's are'} after asOf "${asOf}" (the latest at ${String(late!.latest)}); filter them out first or move asOf`);
    }
  }
  const text = await db.value(`SELECT strftime(${sql}, '%Y-%m-%dT%H:%M:%S')`);
  return { sql: `(${sql})`, text: text === null ? null : String(text) };
}

/**
 * What the ranker knows about the past at one moment (`asOf`): per (user, item) pair, per user and per item
 * purchase statistics, read from invoice lines through DuckDB into typed arrays in one fixed index space (the
 * users and items of all the lines, in DuckDB's text order, as `loadInteractions` numbers them). The same shape
 * serves the internal training snapshot (lines before the label window) and the final one (all lines).
 */
import { ident, literal, type Db } from '../../../engine/data/duckdb.js';
import { invalid } from '../algorithms/common.js';

export interface LineColumns {
  readonly user: string;
  readonly item: string;
  readonly time: string;
  readonly quantity: string;
  readonly price: string;
}

/** Pair statistics in CSR order (user-major, items ascending); ages are in days before `asOf`. */
export interface History {
  readonly nUsers: number;
  readonly nItems: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  /**
   * Per pair: invoice lines, distinct days bought, age of the last and first purchase, log(1 + quantity), and
   * on how many days the user bought something else since the last purchase of this item; distinct days
   * bought in the recent window and in the last quarter.
   */
  readonly pairs: Record<PairStat, Float32Array>;
  readonly userStats: Record<UserStat, Float32Array>;
  readonly itemStats: Record<ItemStat, Float32Array>;
}

export const PAIR_STATS = ['lines', 'days', 'lastAge', 'firstAge', 'logQuantity', 'visitsSince', 'recentDays', 'quarterDays'] as const;
export const USER_STATS = ['lines', 'items', 'days', 'lastAge', 'firstAge', 'recentDays', 'quarterDays'] as const;
export const ITEM_STATS = ['users', 'recentUsers', 'price', 'firstAge', 'weekUsers'] as const;
export type PairStat = (typeof PAIR_STATS)[number];
export type UserStat = (typeof USER_STATS)[number];
export type ItemStat = (typeof ITEM_STATS)[number];

/** "Recent" in statistics: the last this many days before `asOf`; "quarter" and "week" likewise. */
export const RECENT_DAYS = 30;
const QUARTER_DAYS = 91;
const WEEK_DAYS = 7;

/**
 * Numbers the users and items of `relation` (text order, as `loadInteractions`) into temp tables rk_users and
 * rk_items, and copies the lines with those indices into rk_lines (ui, ii, t, q, p). Returns the id lists.
 */
export async function indexLines(db: Db, relation: string, c: LineColumns): Promise<{ users: string[]; items: string[] }> {
  const [u, i] = [ident(c.user), ident(c.item)];
  const known = `${u} IS NOT NULL AND ${i} IS NOT NULL`;
  await db.run(`CREATE OR REPLACE TEMP TABLE rk_users AS SELECT u, CAST(row_number() OVER (ORDER BY u) - 1 AS INTEGER) AS ui
    FROM (SELECT DISTINCT CAST(${u} AS VARCHAR) AS u FROM ${relation} WHERE ${known})`);
  await db.run(`CREATE OR REPLACE TEMP TABLE rk_items AS SELECT i, CAST(row_number() OVER (ORDER BY i) - 1 AS INTEGER) AS ii
    FROM (SELECT DISTINCT CAST(${i} AS VARCHAR) AS i FROM ${relation} WHERE ${known})`);
  await db.run(`CREATE OR REPLACE TEMP TABLE rk_lines AS
    SELECT ux.ui, ix.ii, CAST(${ident(c.time)} AS TIMESTAMP) AS t, CAST(${ident(c.quantity)} AS DOUBLE) AS q, CAST(${ident(c.price)} AS DOUBLE) AS p
    FROM ${relation} JOIN rk_users ux ON CAST(${u} AS VARCHAR) = ux.u JOIN rk_items ix ON CAST(${i} AS VARCHAR) = ix.i
    WHERE ${ident(c.time)} IS NOT NULL`);
  const users = ((await db.connection.runAndReadAll('SELECT u FROM rk_users ORDER BY ui')).getColumns()[0] ?? []) as string[];
  const items = ((await db.connection.runAndReadAll('SELECT i FROM rk_items ORDER BY ii')).getColumns()[0] ?? []) as string[];
  return { users, items };
}

/** The latest line time, as a SQL timestamp literal, and `days` before it. */
export async function timeBefore(db: Db, days: number): Promise<string> {
  const text = await db.value(`SELECT CAST(max(t) - to_microseconds(CAST(${days * 86_400_000_000} AS BIGINT)) AS VARCHAR) FROM rk_lines`);
  if (text === null) invalid('ranker', 'the lines have no time: nothing to learn from');
  return `TIMESTAMP ${literal(String(text))}`;
}

async function columns(db: Db, sql: string): Promise<number[][]> {
  return (await db.connection.runAndReadAll(sql)).getColumns() as number[][];
}

function scatter(n: number, index: number[], values: number[], fill = 0): Float32Array {
  const out = new Float32Array(n).fill(fill);
  index.forEach((at, k) => (out[at] = values[k]!));
  return out;
}

/**
 * Reads the statistics of the lines with t ≤ `asOf` (a SQL timestamp) from rk_lines.
 *
 * 1. Pairs: lines, distinct days, last and first age, log(1 + quantity), and the user's later shopping days
 *    (the rank of the pair's last day among the user's days, newest first), ordered by (user, item) for CSR.
 * 2. Users: lines, distinct items, distinct days, last and first age, shopping days in the recent window and quarter.
 * 3. Items: distinct users (all, recent), median price, first age, users in the last week. Unsold items: NaN ages.
 */
export async function readHistory(db: Db, asOf: string, nUsers: number, nItems: number, strictlyBefore: boolean): Promise<History> {
  const age = `(epoch(${asOf}) - epoch(t)) / 86400.0`;
  await db.run(`CREATE OR REPLACE TEMP TABLE rk_h AS SELECT ui, ii, t, q, p, ${age} AS age FROM rk_lines WHERE t ${strictlyBefore ? '<' : '<='} ${asOf}`);
  // 1.
  const [pu = [], pi = [], ...pv] = await columns(db, `WITH
      days AS (SELECT ui, d, (row_number() OVER (PARTITION BY ui ORDER BY d DESC) - 1)::DOUBLE AS since FROM (SELECT DISTINCT ui, CAST(t AS DATE) AS d FROM rk_h)),
      pairs AS (SELECT ui, ii, count(*)::DOUBLE AS lines, count(DISTINCT CAST(t AS DATE))::DOUBLE AS days, min(age) AS last_age, max(age) AS first_age,
                       ln(1 + greatest(sum(q), 0)) AS lq, CAST(max(t) AS DATE) AS last_day,
                       count(DISTINCT CAST(t AS DATE)) FILTER (WHERE age < ${RECENT_DAYS})::DOUBLE AS recent,
                       count(DISTINCT CAST(t AS DATE)) FILTER (WHERE age < ${QUARTER_DAYS})::DOUBLE AS quarter FROM rk_h GROUP BY ui, ii)
    SELECT pairs.ui, ii, lines, pairs.days, last_age, first_age, lq, since, recent, quarter FROM pairs JOIN days ON pairs.ui = days.ui AND last_day = days.d ORDER BY pairs.ui, ii`);
  const indptr = new Int32Array(nUsers + 1);
  for (const row of pu) indptr[row + 1]!++;
  for (let r = 0; r < nUsers; r++) indptr[r + 1]! += indptr[r]!;
  const pairs = Object.fromEntries(PAIR_STATS.map((name, k) => [name, Float32Array.from(pv[k] ?? [])])) as Record<PairStat, Float32Array>;
  // 2.
  const [uu = [], ...uv] = await columns(db, `SELECT ui, count(*)::DOUBLE, count(DISTINCT ii)::DOUBLE, count(DISTINCT CAST(t AS DATE))::DOUBLE, min(age), max(age),
    count(DISTINCT CAST(t AS DATE)) FILTER (WHERE age < ${RECENT_DAYS})::DOUBLE, count(DISTINCT CAST(t AS DATE)) FILTER (WHERE age < ${QUARTER_DAYS})::DOUBLE
    FROM rk_h GROUP BY ui`);
  const userStats = Object.fromEntries(
    USER_STATS.map((name, k) => [name, scatter(nUsers, uu, uv[k] ?? [], name.endsWith('Age') ? NaN : 0)]),
  ) as Record<UserStat, Float32Array>;
  // 3.
  const [iu = [], ...iv] = await columns(db, `SELECT ii, count(DISTINCT ui)::DOUBLE, count(DISTINCT ui) FILTER (WHERE age < ${RECENT_DAYS})::DOUBLE, median(p), max(age),
    count(DISTINCT ui) FILTER (WHERE age < ${WEEK_DAYS})::DOUBLE FROM rk_h GROUP BY ii`);
  const itemStats = Object.fromEntries(
    ITEM_STATS.map((name, k) => [name, scatter(nItems, iu, iv[k] ?? [], name.endsWith('Users') || name === 'users' ? 0 : NaN)]),
  ) as Record<ItemStat, Float32Array>;
  return { nUsers, nItems, indptr, indices: Int32Array.from(pi), pairs, userStats, itemStats };
}

/** Per user, the items bought at `from` or later and before `to` (SQL timestamps): the labels of training rows. */
export async function readLabels(db: Db, from: string, to: string, nUsers: number): Promise<Set<number>[]> {
  const [lu = [], li = []] = await columns(db, `SELECT DISTINCT ui, ii FROM rk_lines WHERE t >= ${from} AND t < ${to}`);
  const labels: Set<number>[] = Array.from({ length: nUsers }, () => new Set<number>());
  lu.forEach((u, k) => labels[u]!.add(li[k]!));
  return labels;
}

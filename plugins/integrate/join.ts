/**
 * Join: a left-deep chain over the inputs, ((0 ⋈ 1) ⋈ 2) ..., on key columns every input has.
 * The output holds the key columns first, then the left's other columns, then the right's; a right column
 * whose name is taken gets the suffix. Rows are sorted by all columns, so the same inputs give the same bytes.
 * NULL keys never match (SQL semantics); the report counts them. Sample keys in the report are text (VARCHAR),
 * a composite key as a list in `on` order.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import type { JsonObject, JsonValue, Logger } from '../../engine/sdk.js';
import type { Join } from './config.js';
import { fail, isNumeric, requireColumn, type Input } from './inputs.js';

const SAMPLE_KEYS = 10;

export async function join(db: Db, inputs: readonly Input[], op: Join, log: Logger): Promise<{ relation: string; report: JsonObject }> {
  if (inputs.length < 2) throw fail(`join: needs at least 2 inputs wired to "data", got ${inputs.length}`);
  checkKeys(inputs, op.on);
  let left = inputs[0]!;
  const steps: JsonObject[] = [];
  for (const right of inputs.slice(1)) {
    const step = `join step ${right.index} (inputs 0..${right.index - 1} with input ${right.index})`;
    const stats = await joinStats(db, left, right, op.on);
    const table = ident(`joined_${right.index}`);
    await db.run(`CREATE TEMP TABLE ${table} AS ${joinSql(left, right, op)}`);
    const rowsOut = Number(await db.value(`SELECT count(*) FROM ${table}`));
    if (stats.extraRowsFromDuplicates > 0) {
      log.warn(`${step}: keys repeated on the right turned ${stats.matchedRows.left} matched left rows into ${stats.pairs} rows`);
    }
    steps.push({ right: right.index, rows: { left: left.rows, right: right.rows, out: rowsOut }, ...stats.report });
    left = { index: right.index, view: table, columns: await db.columns(table), rows: rowsOut };
  }
  return { relation: left.view, report: { on: op.on, how: op.how, steps } };
}

/** Every input has every key, and a key has the same type everywhere (or a number everywhere). */
function checkKeys(inputs: readonly Input[], on: readonly string[]): void {
  for (const key of on) {
    const first = requireColumn('join', inputs[0]!, key);
    for (const input of inputs.slice(1)) {
      const other = requireColumn('join', input, key);
      if (other.type !== first.type && !(isNumeric(other.type) && isNumeric(first.type))) {
        throw fail(`join: key "${key}" is ${first.type} in input 0 but ${other.type} in input ${input.index}; cast one of them first`);
      }
    }
  }
}

function joinSql(left: Input, right: Input, op: Join): string {
  const keys = new Set(op.on);
  const leftOthers = left.columns.filter((c) => !keys.has(c.name)).map((c) => c.name);
  const rightOthers = right.columns.filter((c) => !keys.has(c.name)).map((c) => c.name);
  const taken = new Set([...left.columns.map((c) => c.name), ...rightOthers]);
  const leftNames = new Set(left.columns.map((c) => c.name));
  const select = [
    ...op.on.map((k) => (op.how === 'full' ? `coalesce(l.${ident(k)}, r.${ident(k)}) AS ${ident(k)}` : `l.${ident(k)}`)),
    ...leftOthers.map((c) => `l.${ident(c)}`),
    ...rightOthers.map((c) => {
      if (!leftNames.has(c)) return `r.${ident(c)}`;
      const renamed = freeName(c, op.suffix, taken);
      taken.add(renamed);
      return `r.${ident(c)} AS ${ident(renamed)}`;
    }),
  ];
  const how = { inner: 'INNER', left: 'LEFT', full: 'FULL OUTER' }[op.how];
  const condition = op.on.map((k) => `l.${ident(k)} = r.${ident(k)}`).join(' AND ');
  return `SELECT ${select.join(', ')} FROM ${left.view} l ${how} JOIN ${right.view} r ON ${condition} ORDER BY ALL`;
}

/** `name<suffix>`, else `name<suffix>2`, `name<suffix>3`, ...: the first that no column has. */
function freeName(name: string, suffix: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const candidate = `${name}${suffix}${n === 1 ? '' : n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * What the join will do, from per-key counts on each side: matched and unmatched rows and keys, rows with a
 * NULL key, keys that repeat, and how many rows repeats on the right add (a left row meeting 3 right rows adds 2).
 */
async function joinStats(db: Db, left: Input, right: Input, on: readonly string[]) {
  const keyList = on.map(ident).join(', ');
  const notNull = on.map((k) => `${ident(k)} IS NOT NULL`).join(' AND ');
  const match = on.map((k) => `lk.${ident(k)} = rk.${ident(k)}`).join(' AND ');
  await db.run(`CREATE OR REPLACE TEMP TABLE lk AS SELECT ${keyList}, count(*) AS __rows FROM ${left.view} WHERE ${notNull} GROUP BY ALL`);
  await db.run(`CREATE OR REPLACE TEMP TABLE rk AS SELECT ${keyList}, count(*) AS __rows FROM ${right.view} WHERE ${notNull} GROUP BY ALL`);
  const [row] = await db.all(`
    WITH m AS (SELECT lk.__rows AS ln, rk.__rows AS rn FROM lk JOIN rk ON ${match})
    SELECT
      (SELECT count(*) FROM m)::DOUBLE AS matched_keys,
      (SELECT coalesce(sum(ln * rn), 0) FROM m)::DOUBLE AS pairs,
      (SELECT coalesce(sum(ln), 0) FROM m)::DOUBLE AS matched_left,
      (SELECT coalesce(sum(rn), 0) FROM m)::DOUBLE AS matched_right,
      (SELECT count(*) FROM lk)::DOUBLE AS left_keys, (SELECT count(*) FROM rk)::DOUBLE AS right_keys,
      (SELECT coalesce(sum(__rows), 0) FROM lk)::DOUBLE AS left_keyed, (SELECT coalesce(sum(__rows), 0) FROM rk)::DOUBLE AS right_keyed,
      (SELECT count(*) FILTER (WHERE __rows > 1) FROM lk)::DOUBLE AS left_dup, (SELECT count(*) FILTER (WHERE __rows > 1) FROM rk)::DOUBLE AS right_dup`);
  const s = Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
  const sample = async (from: string, other: string): Promise<JsonValue[]> => {
    const rows = await db.all(
      `SELECT ${on.map((k) => `CAST(${from}.${ident(k)} AS VARCHAR) AS ${ident(k)}`).join(', ')} FROM ${from} ANTI JOIN ${other} ON ${match} ORDER BY ${on.map((k) => `${from}.${ident(k)}`).join(', ')} LIMIT ${SAMPLE_KEYS}`,
    );
    return rows.map((r) => (on.length === 1 ? r[on[0]!]! : on.map((k) => r[k]!)));
  };
  const matchedRows = { left: s.matched_left!, right: s.matched_right! };
  const report = {
    matchedKeys: s.matched_keys!,
    matchedRows,
    unmatched: {
      left: { rows: left.rows - s.matched_left!, keys: s.left_keys! - s.matched_keys!, sample: await sample('lk', 'rk') },
      right: { rows: right.rows - s.matched_right!, keys: s.right_keys! - s.matched_keys!, sample: await sample('rk', 'lk') },
    },
    nullKeyRows: { left: left.rows - s.left_keyed!, right: right.rows - s.right_keyed! },
    duplicateKeys: { left: s.left_dup!, right: s.right_dup! },
    extraRowsFromDuplicates: s.pairs! - s.matched_left!,
  };
  return { report, matchedRows, pairs: s.pairs!, extraRowsFromDuplicates: report.extraRowsFromDuplicates };
}

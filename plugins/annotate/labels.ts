/**
 * Label columns, added one at a time so that each label may use the ones before it.
 *
 * A "next-window" label answers "does this entity do it again soon?" (will_buy_next_month): for a row of entity k
 * at time t it is true when k has a row matching `where` with time in (t, t + days], false when it has none and
 * the data reaches t + days, and NULL (unknown) when it has none but the data ends before t + days; rows with no
 * key or no time get NULL. It is one window aggregate over (key, time), so it costs a sort, not a self-join.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import { fail, listColumns, requireColumn, ROW, timeExpression } from './columns.js';
import { NEXT_WINDOW_OPTIONS, type LabelConfig } from './config.js';

/** Adds `labels` to `source`; returns the name of the relation that has them all. */
export async function addLabels(db: Db, labels: readonly LabelConfig[], source: string): Promise<string> {
  let previous = source;
  for (const [index, label] of labels.entries()) {
    const where = `label ${index + 1} (${label.name})`;
    const columns = await db.columns(`SELECT * FROM ${previous}`);
    if (columns.some((c) => c.name === label.name)) fail(`${where}: a column named ${JSON.stringify(label.name)} already exists; columns are ${listColumns(columns)}`);
    const value = label.kind === 'next-window' ? await nextWindow(db, label, previous, where) : await expression(db, label, previous, where);
    const next = `annotate_labels_${index + 1}`;
    // Each label is its own table, so that an error found only on the data (a failed cast) names its label.
    await db.run(`CREATE TABLE ${next} AS SELECT *, ${value} AS ${ident(label.name)} FROM ${previous}`).catch((error: Error) => fail(`${where}: ${explain(error)}`));
    if (index > 0) await db.run(`DROP TABLE ${previous}`);
    previous = next;
  }
  return previous;
}

async function expression(db: Db, label: LabelConfig, relation: string, where: string): Promise<string> {
  const stray = NEXT_WINDOW_OPTIONS.find((option) => label[option] !== undefined);
  if (stray) fail(`${where}: "${stray}" applies only to kind "next-window"`);
  await db.checkExpression(label.expression!, userView(relation), where);
  return `(${label.expression})`;
}

async function nextWindow(db: Db, label: LabelConfig, relation: string, where: string): Promise<string> {
  if (label.expression !== undefined) fail(`${where}: "expression" applies only to kind "expression"`);
  const columns = await db.columns(`SELECT * FROM ${relation}`);
  const key = ident(requireColumn(columns, label.key!, `${where} key`).name);
  const time = await timeExpression(db, relation, columns, label.time!, `${where} time`);
  if (label.where !== undefined) await db.checkExpression(label.where, userView(relation), `${where} where`);
  const counted = label.where === undefined ? 'count(*)' : `count(*) FILTER (WHERE ${label.where})`;
  const days = `INTERVAL ${label.days!} DAY`;
  // EXCLUDE GROUP leaves out the row itself and every row at the same time: only strictly later rows count.
  const later = `${counted} OVER (PARTITION BY ${key} ORDER BY ${time} RANGE BETWEEN CURRENT ROW AND ${days} FOLLOWING EXCLUDE GROUP)`;
  const unknown = (label.incompleteWindow ?? 'null') === 'null' ? `WHEN ${time} + ${days} > (SELECT max(${time}) FROM ${relation}) THEN NULL` : '';
  return `(CASE WHEN ${key} IS NULL OR ${time} IS NULL THEN NULL WHEN ${later} > 0 THEN true ${unknown} ELSE false END)`;
}

/** `relation` without the row position, so that DuckDB's "did you mean" names only the user's columns. */
function userView(relation: string): string {
  return `(SELECT * EXCLUDE (${ROW}) FROM ${relation}) AS ${relation}`;
}

function explain(error: Error): string {
  const message = error.message.split('\n')[0]!;
  if (/must appear in the GROUP BY clause/.test(message)) return 'an aggregate gives one value for all rows; a label needs one per row (make it a window: add OVER (...))';
  return message;
}

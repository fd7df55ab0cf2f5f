/**
 * Aggregate: group one input by columns and compute metrics per group. Groups come out sorted by the group
 * columns. NULL is a group like any other value (SQL GROUP BY). Integer sums stay exact BIGINTs; mean is DOUBLE;
 * "last" takes the value on the row with the greatest `orderBy`, and among ties the greatest value, so that the
 * answer does not depend on the order rows happen to be read in.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import type { Aggregate } from './config.js';
import { exactSum, fail, requireColumn, requireNumeric, type Input } from './inputs.js';

export async function aggregate(db: Db, input: Input, op: Aggregate): Promise<{ relation: string; report: JsonObject }> {
  for (const name of op.by) requireColumn('aggregate "by"', input, name);
  const orderBy = op.orderBy === undefined ? undefined : requireColumn('aggregate "orderBy"', input, op.orderBy).name;
  const names = new Set(op.by);
  const metrics = op.metrics.map((m, i) => {
    const where = `aggregate metric ${i + 1} (${m.fn})`;
    if (m.column === undefined && m.fn !== 'count') throw fail(`${where}: needs a "column"`);
    const column = m.column === undefined ? undefined : requireColumn(where, input, m.column);
    const as = m.as ?? (column ? `${m.fn}_${column.name}` : 'count');
    if (names.has(as)) throw fail(`${where}: output column "${as}" is already taken; name it with "as"`);
    names.add(as);
    const c = column ? ident(column.name) : '';
    switch (m.fn) {
      case 'count':
        return `count(${column ? c : '*'}) AS ${ident(as)}`;
      case 'sum':
        return `${exactSum(c, requireNumeric(where, input, column!.name, 'sum').type)} AS ${ident(as)}`;
      case 'mean':
        requireNumeric(where, input, column!.name, 'mean');
        return `avg(${c})::DOUBLE AS ${ident(as)}`;
      case 'min':
      case 'max':
        return `${m.fn}(${c}) AS ${ident(as)}`;
      case 'last':
        if (orderBy === undefined) throw fail(`${where}: "last" needs "orderBy" (the column that says which row is last)`);
        return `last(${c} ORDER BY ${ident(orderBy)} NULLS FIRST, ${c} NULLS FIRST) AS ${ident(as)}`;
    }
  });
  const by = op.by.map(ident);
  const sql = `SELECT ${[...by, ...metrics].join(', ')} FROM ${input.view}${by.length ? ` GROUP BY ${by.join(', ')} ORDER BY ${by.join(', ')}` : ''}`;
  await db.run(`CREATE TEMP TABLE aggregated AS ${sql}`);
  const groups = Number(await db.value('SELECT count(*) FROM aggregated'));
  return { relation: 'aggregated', report: { by: op.by, groups } };
}

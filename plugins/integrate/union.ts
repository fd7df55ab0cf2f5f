/**
 * Union: all inputs stacked in wiring order, columns aligned by name in order of first appearance. A column an
 * input lacks is NULL in its rows. A column whose type differs between inputs is widened to the common numeric
 * type DuckDB picks (INTEGER with DOUBLE gives DOUBLE, INTEGER with DECIMAL(10,2) gives DECIMAL(12,2)); any other
 * difference (text with numbers, dates with text) is an error, since a silent cast to text would hide it.
 */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { fail, isNumeric, type Input } from './inputs.js';

interface Aligned {
  readonly name: string;
  type: string;
  /** The inputs that have the column so far: named in a type clash. */
  readonly seenIn: number[];
}

export async function union(db: Db, inputs: readonly Input[]): Promise<{ relation: string; report: JsonObject }> {
  const columns = new Map<string, Aligned>();
  for (const input of inputs) {
    for (const { name, type } of input.columns) {
      const seen = columns.get(name);
      if (!seen) columns.set(name, { name, type, seenIn: [input.index] });
      else {
        if (seen.type !== type) seen.type = await widen(db, seen, type, input.index);
        seen.seenIn.push(input.index);
      }
    }
  }
  const all = [...columns.values()];
  const selects = inputs.map((input) => {
    const has = new Set(input.columns.map((c) => c.name));
    const list = all.map((c) => `CAST(${has.has(c.name) ? ident(c.name) : 'NULL'} AS ${c.type}) AS ${ident(c.name)}`);
    return `SELECT ${list.join(', ')} FROM ${input.view}`;
  });
  await db.run(`CREATE TEMP TABLE unioned AS ${selects.join(' UNION ALL ')}`);
  const missing = Object.fromEntries(
    inputs.map((input) => [String(input.index), all.filter((c) => !input.columns.some((ic) => ic.name === c.name)).map((c) => c.name)]),
  );
  return { relation: 'unioned', report: { columns: all.map((c) => c.name), filledWithNull: missing } };
}

async function widen(db: Db, seen: Aligned, type: string, index: number): Promise<string> {
  if (!isNumeric(seen.type) || !isNumeric(type)) {
    throw fail(
      `union: column "${seen.name}" is ${seen.type} in input${seen.seenIn.length > 1 ? 's' : ''} ${seen.seenIn.join(', ')} but ${type} in input ${index}; ` +
        `only numbers widen to a common type, so cast one of them first`,
    );
  }
  const common = await db.value(`SELECT typeof(x) FROM (SELECT CAST(NULL AS ${seen.type}) AS x UNION ALL SELECT CAST(NULL AS ${type})) LIMIT 1`);
  return String(common);
}

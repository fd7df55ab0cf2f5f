/** The report: rows per split, what the method decided, and how each label's values fall across the splits. */
import type { Db } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { ASSIGNED, perSplit } from './split.js';

/** A label with more distinct values than this (a score, an amount) lists only its most frequent ones. */
export const MAX_LABEL_VALUES = 20;

export async function buildReport(db: Db, method: string, facts: JsonObject, labels: readonly string[]): Promise<JsonObject> {
  const [rows] = await db.all(`SELECT count(*)::DOUBLE AS input, ${perSplit('count(*)')} FROM ${ASSIGNED}`);
  const labelReports: JsonObject[] = [];
  for (const name of labels) {
    const column = ident(name);
    const distinct = Number(await db.value(`SELECT count(*)::DOUBLE FROM (SELECT DISTINCT ${column} FROM ${ASSIGNED})`));
    const values = await db.all(
      `SELECT ${column} AS value, count(*)::DOUBLE AS rows, ${perSplit('count(*)')} FROM ${ASSIGNED}
       GROUP BY ${column} ORDER BY count(*) DESC, ${column} NULLS LAST LIMIT ${MAX_LABEL_VALUES}`,
    );
    labelReports.push({ name, distinct, values, ...(distinct > MAX_LABEL_VALUES ? { truncated: true } : {}) });
  }
  return { method, rows: rows!, ...facts, labels: labelReports };
}

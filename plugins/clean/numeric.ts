/**
 * The clean rules that compute statistics: missing values, outliers, standardising. Statistics are taken over
 * the rule's input (all its columns at once, before any of them changes) and written into the report, so that
 * the same transform can be applied to new data later.
 */
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import type { Rule } from './schema.js';
import { countWhere, derive, double, fail, filterRows, isInteger, need, needNumeric, stats, type Outcome, type Step } from './step.js';
import type { DatasetColumn } from '../../engine/data/duckdb.js';

type RuleOf<K extends Rule['op']> = Extract<Rule, { op: K }>;

export async function missing(step: Step, rule: RuleOf<'missing'>): Promise<Outcome> {
  const numeric = rule.action === 'mean' || rule.action === 'median';
  const found = numeric ? needNumeric(step, rule.columns, `"${rule.action}"`) : need(step, rule.columns);
  const nulls = await countWhere(step, Object.fromEntries(found.map((c) => [c.name, `${ident(c.name)} IS NULL`])));
  if (rule.action === 'dropRow') {
    await filterRows(step, found.map((c) => `${ident(c.name)} IS NOT NULL`).join(' AND '));
    return { touched: nulls.rows, columns: Object.fromEntries(found.map((c) => [c.name, { missing: nulls.byColumn[c.name]! }])) };
  }
  if (rule.action === 'constant' && rule.value === undefined) fail(step, `"constant" needs a "value" to fill with`);
  const replace = new Map<string, string>();
  const columns: Record<string, JsonObject> = {};
  for (const c of found) {
    const fill = fillSql(step, rule, c);
    const value = (await step.db.all(`SELECT ${fill} AS v`))[0]!.v ?? null;
    const count = nulls.byColumn[c.name]!;
    if (value === null && rule.action === 'constant') {
      fail(step, `the constant ${JSON.stringify(rule.value)} cannot be cast to ${c.type}, the type of column ${JSON.stringify(c.name)}`);
    }
    if (value === null && count > 0) fail(step, `column ${JSON.stringify(c.name)} has no values to take the ${rule.action} of, and ${count} are missing`);
    replace.set(c.name, `coalesce(${ident(c.name)}, ${fill})`);
    columns[c.name] = { filled: count, value };
  }
  await derive(step, replace);
  return { touched: nulls.rows, columns };
}

/** The fill value as a scalar SQL expression of the column's own type (mean and median are rounded for integers). */
function fillSql(step: Step, rule: RuleOf<'missing'>, column: DatasetColumn): string {
  const x = ident(column.name);
  switch (rule.action) {
    case 'mean':
      return `(SELECT CAST(avg(${x}) AS ${column.type}) FROM ${step.from})`;
    case 'median':
      return `(SELECT CAST(median(${x}) AS ${column.type}) FROM ${step.from})`;
    case 'mode':
      // Most frequent value; on a tie the smallest, so that the result does not depend on scan order.
      return `(SELECT ${x} FROM ${step.from} WHERE ${x} IS NOT NULL GROUP BY ${x} ORDER BY count(*) DESC, ${x} LIMIT 1)`;
    default:
      return `TRY_CAST(${literal(String(rule.value))} AS ${column.type})`;
  }
}

interface Bounds {
  readonly lower: number;
  readonly upper: number;
  /** The bounds moved inside the data's range: what clip writes (and always representable in the column's type). */
  readonly clipLower: number;
  readonly clipUpper: number;
}

export async function outliers(step: Step, rule: RuleOf<'outliers'>): Promise<Outcome> {
  const method = rule.method ?? 'zscore';
  const threshold = rule.threshold ?? (method === 'zscore' ? 3 : 1.5);
  const action = rule.action ?? 'flag';
  const found = needNumeric(step, rule.columns, 'outliers');
  const bounds = new Map<string, Bounds | null>();
  const columns: Record<string, JsonObject> = {};
  for (const c of found) {
    const x = ident(c.name);
    const s = await stats(step, {
      min: `min(${x})`,
      max: `max(${x})`,
      ...(method === 'zscore' ? { mean: `avg(${x})`, sd: `stddev_pop(${x})` } : { q1: `quantile_cont(${x}, 0.25)`, q3: `quantile_cont(${x}, 0.75)` }),
    });
    const b = method === 'zscore' ? zBounds(s, threshold) : iqrBounds(s, threshold);
    bounds.set(c.name, b);
    columns[c.name] = { ...s, lower: b?.lower ?? null, upper: b?.upper ?? null };
  }
  const outside = (name: string) => {
    const b = bounds.get(name);
    return b ? `(${ident(name)} < ${double(b.lower)} OR ${ident(name)} > ${double(b.upper)})` : 'false';
  };
  const counts = await countWhere(step, Object.fromEntries(found.map((c) => [c.name, outside(c.name)])));
  for (const c of found) columns[c.name] = { ...columns[c.name], outliers: counts.byColumn[c.name]! };

  if (action === 'drop') {
    await filterRows(step, `NOT coalesce(${found.map((c) => outside(c.name)).join(' OR ')}, false)`);
  } else if (action === 'flag') {
    const added = found.map((c) => `${c.name}_outlier`);
    const taken = added.find((name) => step.columns.some((c) => c.name === name));
    if (taken) fail(step, `cannot add the flag column ${JSON.stringify(taken)}: a column of that name exists`);
    await derive(step, new Map(), { extra: found.map((c, i) => `coalesce(${outside(c.name)}, false) AS ${ident(added[i]!)}`) });
    return { touched: counts.rows, columns, columnsAdded: added };
  } else {
    const clip = (c: DatasetColumn) => {
      const b = bounds.get(c.name);
      if (!b) return ident(c.name);
      // NOTE: an integer column is clipped to the nearest integers inside the bounds, so that it keeps its type.
      const [lo, hi] = isInteger(c) ? [Math.ceil(b.clipLower), Math.floor(b.clipUpper)] : [b.clipLower, b.clipUpper];
      const x = ident(c.name);
      return `CASE WHEN ${x} < ${double(b.lower)} THEN CAST(${double(lo)} AS ${c.type}) WHEN ${x} > ${double(b.upper)} THEN CAST(${double(hi)} AS ${c.type}) ELSE ${x} END`;
    };
    await derive(step, new Map(found.map((c) => [c.name, clip(c)])));
  }
  return { touched: counts.rows, columns };
}

function within(s: Record<string, number | null>, lower: number, upper: number): Bounds {
  return { lower, upper, clipLower: Math.max(lower, s.min!), clipUpper: Math.min(upper, s.max!) };
}

/** mean ± threshold × sd; none when there are no values or they are all equal (no value is anomalous then). */
function zBounds(s: Record<string, number | null>, threshold: number): Bounds | null {
  if (s.mean === null || !s.sd) return null;
  return within(s, s.mean! - threshold * s.sd, s.mean! + threshold * s.sd);
}

function iqrBounds(s: Record<string, number | null>, threshold: number): Bounds | null {
  if (s.q1 === null || s.q3 === null) return null;
  const iqr = s.q3! - s.q1!;
  return within(s, s.q1! - threshold * iqr, s.q3! + threshold * iqr);
}

export async function standardise(step: Step, rule: RuleOf<'standardise'>): Promise<Outcome> {
  const method = rule.method ?? 'zscore';
  const found = needNumeric(step, rule.columns, 'standardise');
  const replace = new Map<string, string>();
  const columns: Record<string, JsonObject> = {};
  for (const c of found) {
    const x = ident(c.name);
    const value = `CAST(${x} AS DOUBLE)`;
    // A constant column (no spread) becomes 0, as scikit-learn's scalers do.
    const zero = `CASE WHEN ${x} IS NULL THEN NULL ELSE 0::DOUBLE END`;
    if (method === 'zscore') {
      const s = await stats(step, { mean: `avg(${x})`, sd: `stddev_pop(${x})` });
      replace.set(c.name, s.sd ? `(${value} - ${double(s.mean!)}) / ${double(s.sd)}` : zero);
      columns[c.name] = s;
    } else {
      const s = await stats(step, { min: `min(${x})`, max: `max(${x})` });
      const range = s.min === null ? 0 : s.max! - s.min!;
      replace.set(c.name, range ? `(${value} - ${double(s.min!)}) / ${double(range)}` : zero);
      columns[c.name] = s;
    }
  }
  const counts = await countWhere(step, Object.fromEntries(found.map((c) => [c.name, `${ident(c.name)} IS NOT NULL`])));
  for (const c of found) columns[c.name] = { ...columns[c.name], values: counts.byColumn[c.name]! };
  await derive(step, replace);
  return { touched: counts.rows, columns };
}

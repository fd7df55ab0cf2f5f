/** Column-wise steps: bucket, one-hot, scale and outlier filtering, each fitted with one aggregate query. */
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { count, dbl, fail, type StepImpl, type StepRun } from './common.js';
import type { StepOf } from './steps.js';

const asDouble = (column: string) => `CAST(${ident(column)} AS DOUBLE)`;

/** One row of aggregates per column (`exprs` use `x` for the column as DOUBLE); fails on a column with no values. */
async function stats(run: StepRun, input: string, column: string, exprs: Record<string, string>): Promise<Record<string, number>> {
  const select = Object.entries(exprs).map(([k, e]) => `${e.replaceAll('{x}', asDouble(column))} AS ${ident(k)}`);
  const row = (await run.db.all(`SELECT count(${ident(column)}) AS n, ${select.join(', ')} FROM ${ident(input)}`))[0]!;
  if (Number(row.n) === 0) fail(`${run.where}: column "${column}" has no non-null values to fit on (${await count(run.db, input)} rows)`);
  return Object.fromEntries(Object.keys(exprs).map((k) => [k, row[k] as number]));
}

export const bucket: StepImpl<StepOf<'bucket'>> = {
  needs: (step) => step.columns.map((column) => ({ column, kind: 'numeric' })),
  async fit(run, input, step) {
    const edges: Record<string, number[]> = {};
    for (const column of step.columns) {
      const cuts = Array.from({ length: step.buckets - 1 }, (_, i) => (i + 1) / step.buckets);
      if (step.method === 'width') {
        const { lo, hi } = await stats(run, input, column, { lo: 'min({x})', hi: 'max({x})' });
        edges[column] = lo === hi ? [] : cuts.map((c) => lo! + (hi! - lo!) * c);
      } else {
        const { q } = (await stats(run, input, column, { q: `quantile_cont({x}, [${cuts.join(', ')}])` })) as unknown as { q: number[] };
        edges[column] = [...new Set(q)];
      }
    }
    return { edges };
  },
  async apply(run, input, output, step, fitted) {
    const edges = fitted.edges as Record<string, number[]>;
    const added = step.columns.map((column) => {
      // The bucket is how many inner edges are <= x: NULL propagates, and values past the fitted range clamp.
      const terms = edges[column]!.map((e) => `(${asDouble(column)} >= ${dbl(e)})::INTEGER`);
      const expr = terms.length ? terms.join(' + ') : `CASE WHEN ${ident(column)} IS NULL THEN NULL ELSE 0 END::INTEGER`;
      return `${expr} AS ${ident(column + step.suffix)}`;
    });
    await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT *, ${added.join(', ')} FROM ${ident(input)}`);
    return { buckets: Object.fromEntries(step.columns.map((c) => [c, edges[c]!.length + 1])) };
  },
};

export const onehot: StepImpl<StepOf<'onehot'>> = {
  needs: (step) => step.columns.map((column) => ({ column, kind: 'any' })),
  async fit(run, input, step) {
    const categories: Record<string, string[]> = {};
    for (const column of step.columns) {
      const rows = await run.db.all(
        `SELECT v FROM (SELECT CAST(${ident(column)} AS VARCHAR) AS v, count(*) AS n FROM ${ident(input)} WHERE ${ident(column)} IS NOT NULL GROUP BY v)
         ORDER BY n DESC, v LIMIT ${step.maxCategories}`,
      );
      if (rows.length === 0) fail(`${run.where}: column "${column}" has no non-null values to fit on (${await count(run.db, input)} rows)`);
      categories[column] = rows.map((r) => String(r.v)).sort();
    }
    return { categories };
  },
  async apply(run, input, output, step, fitted) {
    const categories = fitted.categories as Record<string, string[]>;
    const existing = new Set((await run.db.columns(ident(input))).map((c) => c.name));
    const indicators: string[] = [];
    const unseen: string[] = [];
    for (const column of step.columns) {
      const value = `CAST(${ident(column)} AS VARCHAR)`;
      for (const category of categories[column]!) {
        const name = `${column}_${category}`;
        if (existing.has(name) && !(step.columns.includes(name) && !step.keepOriginal)) {
          fail(`${run.where}: the indicator column "${name}" would clash with an existing column`);
        }
        existing.add(name);
        indicators.push(`coalesce((${value} = ${literal(category)})::INTEGER, 0) AS ${ident(name)}`);
      }
      const known = categories[column]!.map(literal).join(', ');
      unseen.push(`count(*) FILTER (WHERE ${ident(column)} IS NOT NULL AND ${value} NOT IN (${known})) AS ${ident(column)}`);
    }
    const drop = step.keepOriginal ? '' : ` EXCLUDE (${step.columns.map(ident).join(', ')})`;
    await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT *${drop}, ${indicators.join(', ')} FROM ${ident(input)}`);
    const other = (await run.db.all(`SELECT ${unseen.join(', ')} FROM ${ident(input)}`))[0]!;
    return { categories: Object.fromEntries(step.columns.map((c) => [c, categories[c]!.length])), otherValues: numbers(other) };
  },
};

export const scale: StepImpl<StepOf<'scale'>> = {
  needs: (step) => step.columns.map((column) => ({ column, kind: 'numeric' })),
  async fit(run, input, step) {
    const params: Record<string, JsonObject> = {};
    for (const column of step.columns) {
      params[column] =
        step.method === 'zscore'
          ? await stats(run, input, column, { mean: 'avg({x})', std: 'stddev_pop({x})' })
          : await stats(run, input, column, { min: 'min({x})', max: 'max({x})' });
    }
    return { columns: params };
  },
  async apply(run, input, output, step, fitted) {
    const params = fitted.columns as Record<string, Record<string, number>>;
    const replaced = step.columns.map((column) => {
      const p = params[column]!;
      // A zero spread divides by 1 (scikit-learn's choice), so a constant column becomes 0, not NaN.
      const [center, spread] = step.method === 'zscore' ? [p.mean!, p.std!] : [p.min!, p.max! - p.min!];
      return `(${asDouble(column)} - ${dbl(center)}) / ${dbl(spread === 0 ? 1 : spread)} AS ${ident(column)}`;
    });
    await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT * REPLACE (${replaced.join(', ')}) FROM ${ident(input)}`);
    return { scaled: step.columns.length };
  },
};

export const outliers: StepImpl<StepOf<'outliers'>> = {
  needs: (step) => step.columns.map((column) => ({ column, kind: 'numeric' })),
  async fit(run, input, step) {
    const bounds: Record<string, [number, number]> = {};
    for (const column of step.columns) {
      if (step.method === 'iqr') {
        const t = step.threshold ?? 1.5;
        const { q1, q3 } = await stats(run, input, column, { q1: 'quantile_cont({x}, 0.25)', q3: 'quantile_cont({x}, 0.75)' });
        bounds[column] = [q1! - t * (q3! - q1!), q3! + t * (q3! - q1!)];
      } else {
        const t = step.threshold ?? 3;
        const { mean, std } = await stats(run, input, column, { mean: 'avg({x})', std: 'stddev_pop({x})' });
        bounds[column] = [mean! - t * std!, mean! + t * std!];
      }
    }
    return { bounds };
  },
  async apply(run, input, output, step, fitted): Promise<JsonObject> {
    const bounds = fitted.bounds as Record<string, [number, number]>;
    if (run.role === 'apply' && !step.alsoApply) {
      await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT * FROM ${ident(input)}`);
      return { dropped: 0, skipped: 'alsoApply is false' };
    }
    const outside = (c: string) => `(${asDouble(c)} < ${dbl(bounds[c]![0])} OR ${asDouble(c)} > ${dbl(bounds[c]![1])})`;
    const anyOutside = step.columns.map(outside).join(' OR ');
    await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT * FROM ${ident(input)} WHERE NOT coalesce(${anyOutside}, false)`);
    const perColumn = await run.db.all(`SELECT ${step.columns.map((c) => `count(*) FILTER (WHERE ${outside(c)}) AS ${ident(c)}`).join(', ')} FROM ${ident(input)}`);
    return { dropped: (await count(run.db, input)) - (await count(run.db, output)), outsideByColumn: numbers(perColumn[0]!) };
  },
};

function numbers(row: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

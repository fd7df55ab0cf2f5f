/** Steps that change what a row is: RFM (one row per customer) and negative sampling (one row per pair). */
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { count, fail, ROW, type StepImpl } from './common.js';
import type { StepOf } from './steps.js';

export const rfm: StepImpl<StepOf<'rfm'>> = {
  needs: (s) => [
    { column: s.customer, kind: 'any' },
    { column: s.invoice, kind: 'any' },
    { column: s.date, kind: 'temporal' },
    { column: s.quantity, kind: 'numeric' },
    { column: s.price, kind: 'numeric' },
  ],
  async fit(run, input, step) {
    if (step.asOf) return { asOf: step.asOf };
    const latest = await run.db.value(`SELECT CAST(max(${ident(step.date)})::DATE + 1 AS VARCHAR) FROM ${ident(input)}`);
    if (latest === null) fail(`${run.where}: column "${step.date}" has no dates to derive "asOf" from (${await count(run.db, input)} rows); set "asOf"`);
    return { asOf: String(latest) };
  },
  async apply(run, input, output, step, fitted) {
    const [c, d] = [ident(step.customer), ident(step.date)];
    // NOTE: fsum (compensated) rather than sum, so that the order DuckDB's threads add in hardly matters.
    await run.db.run(`CREATE TABLE ${ident(output)} AS
      SELECT row_number() OVER (ORDER BY ${c}) AS ${ident(ROW)}, ${c},
        date_diff('day', max(${d})::DATE, DATE ${literal(String(fitted.asOf))}) AS recency_days,
        count(DISTINCT ${ident(step.invoice)}) AS frequency,
        fsum(CAST(${ident(step.quantity)} AS DOUBLE) * CAST(${ident(step.price)} AS DOUBLE)) AS monetary
      FROM ${ident(input)} WHERE ${c} IS NOT NULL GROUP BY ${c}`);
    const skipped = Number(await run.db.value(`SELECT count(*) FROM ${ident(input)} WHERE ${c} IS NULL`));
    return { asOf: fitted.asOf!, customers: await count(run.db, output), skippedWithoutCustomer: skipped };
  },
};

/**
 * For every distinct positive (user, item): k items the user never interacted with in this dataset, drawn with
 * replacement and uniformly from the dataset's items (those of rows without a user included), by hashing (seed, user, item, draw) with MD5 into an index
 * of the user's candidates. MD5, unlike random() or hash(), is the same on every machine and DuckDB version.
 */
export const negatives: StepImpl<StepOf<'negatives'>> = {
  needs: (s) => [
    { column: s.user, kind: 'any' },
    { column: s.item, kind: 'any' },
  ],
  async fit() {
    return {};
  },
  async apply(run, input, output, step): Promise<JsonObject> {
    const [u, i, label] = [ident(step.user), ident(step.item), ident(step.label)];
    if (step.label === step.user || step.label === step.item) fail(`${run.where}: "label" must differ from the user and item columns`);
    if (run.role === 'apply' && !step.alsoApply) {
      await run.db.run(`CREATE TABLE ${ident(output)} AS SELECT * FROM ${ident(input)}`);
      return { negatives: 0, skipped: 'alsoApply is false' };
    }
    const t = (name: string) => ident(`${output}_${name}`);
    await run.db.run(`CREATE TEMP TABLE ${t('pos')} AS SELECT DISTINCT ${u}, ${i} FROM ${ident(input)} WHERE ${u} IS NOT NULL AND ${i} IS NOT NULL`);
    // 1. Every user's candidates, numbered 0.. in item order: the dataset's items but the user's own.
    await run.db.run(`CREATE TEMP TABLE ${t('cand')} AS
      SELECT us.${u}, it.${i}, row_number() OVER (PARTITION BY us.${u} ORDER BY it.${i}) - 1 AS idx
      FROM (SELECT DISTINCT ${u} FROM ${t('pos')}) us CROSS JOIN (SELECT DISTINCT ${i} FROM ${ident(input)} WHERE ${i} IS NOT NULL) it
      ANTI JOIN ${t('pos')} p ON p.${u} = us.${u} AND p.${i} = it.${i}`);
    // 2. k draws per positive, each an index into its user's candidates; 3. positives (draw -1) and negatives.
    const key = `concat_ws('|', ${literal(String(step.seed))}, CAST(p.${u} AS VARCHAR), CAST(p.${i} AS VARCHAR), CAST(r.j AS VARCHAR))`;
    await run.db.run(`CREATE TABLE ${ident(output)} AS
      WITH sizes AS (SELECT ${u}, count(*) AS n FROM ${t('cand')} GROUP BY ${u}),
      draws AS (
        SELECT p.${u}, p.${i} AS __positive, r.j AS __draw, CAST(md5_number(${key}) % s.n AS BIGINT) AS idx
        FROM ${t('pos')} p JOIN sizes s ON s.${u} = p.${u}, range(${step.k}) r(j)),
      labelled AS (
        SELECT ${u}, ${i}, ${i} AS __positive, -1 AS __draw, 1 AS ${label} FROM ${t('pos')}
        UNION ALL
        SELECT d.${u}, c.${i}, d.__positive, d.__draw, 0 FROM draws d JOIN ${t('cand')} c ON c.${u} = d.${u} AND c.idx = d.idx)
      SELECT row_number() OVER (ORDER BY ${u}, __positive, __draw) AS ${ident(ROW)}, ${u}, ${i}, ${label} FROM labelled`);
    const positives = await count(run.db, `${output}_pos`);
    const withoutCandidates = Number(
      await run.db.value(`SELECT count(*) FROM ${t('pos')} p ANTI JOIN (SELECT DISTINCT ${u} FROM ${t('cand')}) c ON c.${u} = p.${u}`),
    );
    return {
      rowsIn: await count(run.db, input),
      skippedWithNull: Number(await run.db.value(`SELECT count(*) FROM ${ident(input)} WHERE ${u} IS NULL OR ${i} IS NULL`)),
      positives,
      negatives: (await count(run.db, output)) - positives,
      positivesWithoutCandidates: withoutCandidates,
    };
  },
};

/**
 * clean: applies an ordered list of cleaning rules to a dataset inside DuckDB and reports, rule by rule, the rows
 * in and out and what each rule touched. The rules are in rules.ts and numeric.ts; the config schema in schema.ts.
 */
import { withDb, ident, type DatasetColumn } from '../../engine/data/duckdb.js';
import { definePlugin, PluginError, type JsonObject } from '../../engine/sdk.js';
import { applyRule } from './rules.js';
import { CleanConfig } from './schema.js';
import { ROW, ROW_SQL, type Step } from './step.js';

export default definePlugin({
  name: 'clean',
  version: '1.0.0',
  title: 'Clean',
  description:
    'Cleans a dataset with ordered rules: drop or keep rows by a SQL predicate, drop columns, pseudonymise personal data, ' +
    'remove duplicates, handle missing values and outliers, standardise, cast types and tidy text. Reports what each rule touched.',
  category: 'clean',
  inputs: { data: { type: 'dataset', title: 'Data', description: 'The dataset to clean.' } },
  outputs: {
    data: { type: 'dataset', title: 'Clean data', description: 'The cleaned dataset, its rows in their input order.' },
    report: {
      type: 'json',
      title: 'Report',
      description: '{ rowsIn, rowsOut, columnsIn, columnsOut, rules: [{ rule, op, rowsIn, rowsOut, touched, columns?, columnsDropped?, columnsAdded? }] }',
    },
  },
  config: CleanConfig,
  // NOTE: pseudonyms depend on a secret salt that is (rightly) not in the config, so a node that makes them is never
  // served from the cache: a changed or missing salt must not go unnoticed.
  volatile: (config) => config.rules.some((rule) => rule.op === 'pii' && rule.action !== 'drop'),
  async run(ctx) {
    const { rules } = ctx.config;
    return withDb(ctx, async (db) => {
      // 1. Materialise the input with each row's position, the order every later step keeps or restores.
      await db.load('input', ctx.inputs.data);
      const columnsIn = await db.columns('input');
      if (columnsIn.some((c) => c.name === ROW)) throw new PluginError(`the input has a column named ${ROW}, which clean uses itself`, { retryable: false });
      await db.run(`CREATE TABLE source AS SELECT * FROM input`);
      await db.run(`CREATE TABLE t0 AS SELECT *, rowid AS ${ROW_SQL} FROM source`);
      await db.run(`DROP TABLE source`);

      // 2. Apply each rule, from one table to the next, counting rows around it.
      let columns: DatasetColumn[] = columnsIn;
      const rowsIn = Number(await db.value('SELECT count(*) FROM t0'));
      let rows = rowsIn;
      const reports: JsonObject[] = [];
      for (const [i, rule] of rules.entries()) {
        ctx.signal.throwIfAborted();
        const step: Step = { db, where: `rule ${i + 1} (${rule.op})`, from: ident(`t${i}`), to: ident(`t${i + 1}`), columns, rows };
        ctx.progress(i / rules.length, step.where);
        const outcome = await applyRule(step, rule);
        const rowsOut = Number(await db.value(`SELECT count(*) FROM ${step.to}`));
        ctx.log.info(`${step.where}: ${rows} rows in, ${rowsOut} out, ${outcome.touched} touched`);
        reports.push({ rule: i + 1, op: rule.op, rowsIn: rows, rowsOut, ...(outcome as unknown as JsonObject) });
        await db.run(`DROP TABLE ${step.from}`);
        columns = (await db.columns(step.to)).filter((c) => c.name !== ROW);
        rows = rowsOut;
      }

      // 3. Write the rows in their input order, without the position column.
      const last = ident(`t${rules.length}`);
      const data = await db.writeDataset(`SELECT * EXCLUDE (${ROW_SQL}) FROM ${last} ORDER BY ${ROW_SQL}`);
      const report = {
        rowsIn,
        rowsOut: rows,
        columnsIn: columnsIn.map((c) => c.name),
        columnsOut: columns.map((c) => c.name),
        rules: reports,
      };
      ctx.progress(1, 'done');
      return { data, report: await ctx.artifacts.putJson('json', report) };
    });
  },
});

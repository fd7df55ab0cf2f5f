/**
 * annotate: adds label columns to a dataset and splits its rows into train, validation and test.
 *
 * Every input row lands in exactly one split, in input order, with the input's columns and types plus the labels;
 * an empty split is an empty dataset with those columns. The report counts rows per split (and per stratum, key
 * or entity as the method has them) and each label's values per split.
 */
import { withDb } from '../../engine/data/duckdb.js';
import { ident } from '../../engine/data/duckdb.js';
import { definePlugin } from '../../engine/sdk.js';
import { fail, ROW, SPLIT } from './columns.js';
import { Config } from './config.js';
import { addLabels } from './labels.js';
import { buildReport } from './report.js';
import { ASSIGNED, assignSplits } from './split.js';

const SPLITS = ['train', 'validation', 'test'] as const;
const split = (description: string) => ({ type: 'dataset' as const, description });

export default definePlugin({
  name: 'annotate',
  version: '1.0.0',
  title: 'Label and split',
  description:
    'Derives label columns (a SQL expression, or "does this entity act again within N days") and splits the rows into train, validation and test: seeded random, by time, leave-last-N-out per entity, or stratified.',
  category: 'prepare',
  inputs: { data: { type: 'dataset', description: 'The rows to label and split.' } },
  outputs: {
    train: split('Rows for training, with the labels.'),
    validation: split('Rows for validation (may be empty).'),
    test: split('Rows for the final test (may be empty).'),
    report: { type: 'json', description: 'Rows per split, the method\'s details (strata, keys, entities) and label counts per split.' },
  },
  config: Config,
  async run(ctx) {
    const { labels, split: splitConfig } = ctx.config;
    return withDb(ctx, async (db) => {
      // 1. Read the input into a table whose rowid is each row's position: the order ties and outputs follow.
      await db.load('annotate_input', ctx.inputs.data);
      const reserved = (await db.columns('annotate_input')).find((c) => c.name.startsWith('__annotate_'));
      if (reserved) fail(`input: column ${JSON.stringify(reserved.name)} uses the prefix "__annotate_", which annotate keeps for itself`);
      const clash = labels.find((l) => l.name.startsWith('__annotate_'));
      if (clash) fail(`label ${labels.indexOf(clash) + 1} (${clash.name}): the prefix "__annotate_" is kept for annotate itself`);
      await db.run('CREATE TABLE annotate_base AS SELECT * FROM annotate_input');
      await db.run(`CREATE VIEW annotate_rows AS SELECT rowid AS ${ROW}, * FROM annotate_base`);
      ctx.progress(0.1, 'labels');

      // 2. Labels, then the split of every row.
      const labelled = await addLabels(db, labels, 'annotate_rows');
      ctx.progress(0.4, 'split');
      const facts = await assignSplits(db, splitConfig, labelled);
      ctx.progress(0.6, 'writing');

      // 3. One dataset per split, in input order, and the report.
      const columns = (await db.columns(labelled)).filter((c) => c.name !== ROW).map((c) => ident(c.name));
      const outputs = {} as Record<(typeof SPLITS)[number], Awaited<ReturnType<typeof db.writeDataset>>>;
      for (const name of SPLITS) {
        outputs[name] = await db.writeDataset(`SELECT ${columns.join(', ')} FROM ${ASSIGNED} WHERE ${SPLIT} = '${name}' ORDER BY ${ROW}`, { split: name });
      }
      const report = await buildReport(db, splitConfig.method, facts, labels.map((l) => l.name));
      ctx.log.info(`annotate: ${SPLITS.map((s) => `${s} ${String(outputs[s].meta?.rows)}`).join(', ')} rows (${splitConfig.method})`);
      return { ...outputs, report: await ctx.artifacts.putJson('json', report) };
    });
  },
});

/**
 * Integrate: combine and summarise datasets in DuckDB. One plugin, one `operation` per node: join, union,
 * aggregate, and the recommender builders catalogue and interactions. The `data` input takes a list in wiring
 * order; join chains all of them, union stacks all of them, the others read exactly one.
 */
import { withDb } from '../../engine/data/duckdb.js';
import { definePlugin } from '../../engine/sdk.js';
import { aggregate } from './aggregate.js';
import { IntegrateConfig, withDefaults, type Catalogue, type Interactions, type Join } from './config.js';
import { fail, loadInputs, single } from './inputs.js';
import { join } from './join.js';
import { catalogue, interactions } from './recommender.js';
import { union } from './union.js';

export default definePlugin({
  name: 'integrate',
  version: '1.0.0',
  title: 'Integrate datasets',
  description:
    'Joins (inner, left, full on keys), unions with column alignment, aggregates by group, and builds a recommender\'s product ' +
    'catalogue (most frequent description, median price per item) and user–item interactions (count, quantity, recency weight).',
  category: 'transform',
  inputs: {
    data: { type: 'dataset', many: true, description: 'The datasets, in wiring order: join chains them left to right, union stacks them, the others read one.' },
  },
  outputs: {
    data: { type: 'dataset', description: 'The result; its rows are sorted (by the keys or groups) so the same inputs give the same bytes.' },
    report: { type: 'json', description: '{ operation, rowsIn: [per input], rowsOut, ... }: for a join, matched, unmatched and duplicated keys per step.' },
  },
  config: IntegrateConfig,
  async run(ctx) {
    const operation = withDefaults(ctx.config.operation);
    if (ctx.inputs.data.length === 0) throw fail(`${operation.kind}: no dataset is wired to "data"`);
    return withDb(ctx, async (db) => {
      const inputs = await loadInputs(db, ctx.inputs.data);
      ctx.progress(0.1, `${operation.kind}: ${inputs.length} input(s) loaded`);
      const result = await (() => {
        switch (operation.kind) {
          case 'join':
            return join(db, inputs, operation as Join, ctx.log);
          case 'union':
            return union(db, inputs);
          case 'aggregate':
            return aggregate(db, single('aggregate', inputs), operation);
          case 'catalogue':
            return catalogue(db, single('catalogue', inputs), operation as Catalogue, ctx.log);
          case 'interactions':
            return interactions(db, single('interactions', inputs), operation as Interactions, ctx.log);
        }
      })();
      ctx.progress(0.8, `${operation.kind}: writing the result`);
      const data = await db.writeDataset(`SELECT * FROM ${result.relation}`, { operation: operation.kind });
      const rowsOut = Number(data.meta?.rows ?? 0);
      const report = { operation: operation.kind, rowsIn: inputs.map((i) => i.rows), rowsOut, ...result.report };
      ctx.log.info(`${operation.kind}: ${report.rowsIn.join(' + ')} rows in, ${rowsOut} out`);
      return { data, report: await ctx.artifacts.putJson('json', report) };
    });
  },
});

/**
 * classify: fits a binary classifier (one of the base classifiers in plugins/train/classifiers, or a stacked or
 * voting ensemble of them) on a table with a 0/1 label, scores it on a test table against simple baselines, and
 * writes a model file that `loadClassifier` turns back into a predictor (the serving API's predict route).
 * With `snapshot`, the tables are built here from event lines as of a cutoff (see snapshot.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ident, literal, withDb, type Db } from '../../engine/data/duckdb.js';
import { definePlugin, type ArtifactRef, type JsonObject, type RunContext } from '../../engine/sdk.js';
import { encodeModel } from '../evaluate/model-file.js';
import { EnsembleModel } from '../train/classifiers/stacking.js';
import { ClassifyConfig } from './config.js';
import { fitClassifier, memberSpecs } from './ensemble.js';
import { modelFile } from './model.js';
import { baseRate, calibratedBaseline, priorProba, scoreOf } from './scores.js';
import { buildSnapshots } from './snapshot.js';
import { describeFeatures, invalid, readTable, requireBothClasses, selectColumns, type Table } from './table.js';

export { loadClassifier, type LoadedClassifier } from './model.js';

const INPUTS = {
  train: { type: 'dataset', title: 'Train', description: 'One row per example: features and a 0/1 label (with `snapshot`: the event lines to build both tables from).' },
  test: { type: 'dataset', optional: true, title: 'Test', description: 'Rows to score the model on, with the same columns. Leave unwired with `snapshot`.' },
} as const;

type Ctx = RunContext<ClassifyConfig, typeof INPUTS>;

interface Prepared {
  train: Table;
  test?: Table;
  baseline?: { train: Float64Array; eval: Float64Array };
  preprocessing: JsonObject[];
  snapshot?: JsonObject;
}

/** Reads (or builds) the tables and evaluates the baseline expression on them; nothing is fitted yet. */
async function prepare(ctx: Ctx, db: Db): Promise<Prepared> {
  const { config } = ctx;
  await db.load('train_input', ctx.inputs.train);
  let trainRelation = 'train_input';
  let testRelation: string | undefined;
  let snapshot: JsonObject | undefined;
  let id = config.id;
  if (config.snapshot) {
    if (ctx.inputs.test) throw invalid('snapshot builds the test table from the lines wired to "train"; leave "test" unwired');
    if (id !== undefined && id !== config.snapshot.entity) throw invalid(`id "${id}" differs from the snapshot entity "${config.snapshot.entity}", which is the id of every row`);
    const built = await buildSnapshots(db, 'train_input', config.snapshot, config.label);
    [trainRelation, testRelation, snapshot, id] = [built.train, built.test, built.report, config.snapshot.entity];
  } else if (ctx.inputs.test) {
    await db.load('test_input', ctx.inputs.test);
    testRelation = 'test_input';
  }
  const types = await db.columns(trainRelation);
  const columns = selectColumns(types, { label: config.label, ...(id !== undefined ? { id } : {}), ...(config.features ? { features: config.features } : {}) });
  const train = await readTable(db, trainRelation, columns, 'train');
  requireBothClasses(train.data, config.label);
  const test = testRelation === undefined ? undefined : await readTable(db, testRelation, columns, 'test');
  let baseline: Prepared['baseline'];
  if (config.baseline !== undefined) {
    // The label is left out of what the expression sees, so a baseline cannot peek at the answer.
    const score = async (relation: string) => {
      const view = `(SELECT * EXCLUDE (${ident(config.label)}) FROM ${relation}) AS t`;
      await db.checkExpression(config.baseline!, view, 'baseline');
      const rows = await db.connection.runAndReadAll(`SELECT CAST((${config.baseline}) AS DOUBLE) FROM ${view}`);
      return Float64Array.from(rows.getColumns()[0]!, (v) => (v === null ? NaN : Number(v)));
    };
    baseline = { train: await score(trainRelation), eval: await score(testRelation ?? trainRelation) };
  }
  return { train, ...(test ? { test } : {}), ...(baseline ? { baseline } : {}), preprocessing: describeFeatures(train, types), ...(snapshot ? { snapshot } : {}) };
}

/** The rows scored, one per line: id (when there is one), label, probability, predicted class, baseline probability. */
async function writePredictions(ctx: Ctx, table: Table, proba: Float64Array, baseline: Float64Array | undefined): Promise<ArtifactRef> {
  const quote = (s: string | null) => (s === null ? '' : `"${s.replace(/"/g, '""')}"`);
  const header = [...(table.ids ? ['id'] : []), 'label', 'probability', 'predicted', ...(baseline ? ['baseline'] : [])];
  const lines = [header.join(',')];
  for (let i = 0; i < table.data.n; i++) {
    const cells = [table.data.labels[i], proba[i], proba[i]! >= ctx.config.threshold ? 1 : 0, ...(baseline ? [baseline[i]] : [])].map(String);
    lines.push([...(table.ids ? [quote(table.ids[i]!)] : []), ...cells].join(','));
  }
  const file = join(ctx.scratchDir, 'predictions.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  const types = { id: 'VARCHAR', label: 'INTEGER', probability: 'DOUBLE', predicted: 'INTEGER', baseline: 'DOUBLE' } as Record<string, string>;
  const columns = header.map((c) => `${literal(c)}: ${literal(types[c]!)}`).join(', ');
  return withDb(ctx, (db) => db.writeDataset(`SELECT * FROM read_csv(${literal(file)}, header = true, columns = {${columns}})`));
}

export default definePlugin({
  name: 'classify',
  version: '1.0.0',
  title: 'Classify (yes/no)',
  description:
    'Fits a binary classifier (naive Bayes, logistic regression, a tree, a random forest, gradient-boosted trees, or a stacked or voting ensemble of them) ' +
    'on a table with a 0/1 label, e.g. "will this customer buy again next month", scores it on the test table against the prior and a simple baseline ' +
    '(accuracy, F1, ROC AUC, log loss, each member\'s AUC), and writes a model file the serving API predicts with. With `snapshot` it builds per-entity ' +
    'train and test tables from event lines as of a cutoff itself, features strictly before each as-of date.',
  category: 'train',
  inputs: INPUTS,
  outputs: {
    model: { type: 'model', title: 'Model', description: 'LOOMMDL1, algorithm "classifier": feature names in order, their preprocessing, lineage.' },
    metrics: { type: 'json', title: 'Metrics', description: 'On the test rows (or, without them, the train rows): the model, its members and the baselines.' },
    predictions: { type: 'dataset', optional: true, title: 'Predictions', description: 'id, label, probability, predicted (and baseline) per scored row.' },
  },
  config: ClassifyConfig,
  async run(ctx) {
    const { config } = ctx;
    const started = Date.now();
    memberSpecs(config.model); // a typo in a param name fails before any data is read
    // 1. Tables, 0 → 10 %.
    ctx.progress(0, 'reading the tables');
    const prepared = await withDb(ctx, (db) => prepare(ctx, db));
    const { train, test } = prepared;
    const scored = test ?? train;
    ctx.log.info(`classify: ${train.data.n} train rows × ${train.data.d} features (${train.data.names.join(', ')})${test ? `, ${test.data.n} test rows` : ''}`);
    // 2. Fit, 10 → 90 %.
    const fitStarted = Date.now();
    const fitContext = { signal: ctx.signal, seed: config.seed, progress: (f: number, m?: string) => ctx.progress(0.1 + 0.8 * f, m) };
    const model = await fitClassifier(config.model, train.data, fitContext);
    const fitSeconds = (Date.now() - fitStarted) / 1000;
    // 3. Scores on the test rows (the train rows when there are none), 90 → 100 %.
    ctx.progress(0.9, 'scoring');
    const { labels } = scored.data;
    const proba = model.predictProba(scored.data.features, scored.data.n);
    const members = model instanceof EnsembleModel ? model.members : [model];
    const baselines: JsonObject[] = [{ name: 'prior', ...scoreOf(labels, priorProba(train.data.labels, scored.data.n), config.threshold) }];
    let baseline: Float64Array | undefined;
    if (prepared.baseline) {
      const quiet = { signal: ctx.signal, seed: config.seed, progress: () => {} };
      baseline = calibratedBaseline(prepared.baseline.train, train.data.labels, prepared.baseline.eval, quiet);
      baselines.push({ name: 'baseline', expression: config.baseline!, ...scoreOf(labels, baseline, config.threshold) });
    }
    const summary = scoreOf(labels, proba, config.threshold);
    const metrics: JsonObject = {
      evaluatedOn: test ? 'test' : 'train (in-sample: optimistic)',
      label: config.label,
      threshold: config.threshold,
      features: [...train.data.names],
      rows: { train: train.data.n, ...(test ? { test: test.data.n } : {}) },
      baseRate: { train: baseRate(train.data.labels), ...(test ? { test: baseRate(test.data.labels) } : {}) },
      model: { kind: model.kind, ...summary },
      members: members.map((m) => {
        // A single classifier is its own only member: its probabilities are already in hand.
        const s = scoreOf(labels, m === model ? proba : m.predictProba(scored.data.features, scored.data.n), config.threshold);
        return { kind: m.kind, rocAuc: s.rocAuc!, logLoss: s.logLoss! };
      }),
      baselines,
      ...(prepared.snapshot ? { snapshot: prepared.snapshot } : {}),
      fitSeconds,
    };
    const name = config.name ?? ctx.nodeId;
    const file = modelFile(model, {
      features: train.data.names,
      preprocessing: prepared.preprocessing,
      threshold: config.threshold,
      label: config.label,
      seed: config.seed,
      lineage: {
        name,
        node: ctx.nodeId,
        run: ctx.runId,
        workflow: ctx.workflow,
        train: ctx.inputs.train.sha256,
        ...(ctx.inputs.test ? { test: ctx.inputs.test.sha256 } : {}),
        ...(prepared.snapshot ? { snapshot: prepared.snapshot } : {}),
      },
      metrics: { evaluatedOn: metrics.evaluatedOn!, baseRate: metrics.baseRate!, ...summary, fitSeconds },
    });
    const meta = { format: 'loom-model/1', algorithm: 'classifier', kind: model.kind, name, features: train.data.d };
    const outputs = {
      model: await ctx.artifacts.putBytes('model', encodeModel(file.header, file.arrays), meta),
      metrics: await ctx.artifacts.putJson('json', { ...metrics, seconds: (Date.now() - started) / 1000 }),
      predictions: await writePredictions(ctx, scored, proba, baseline),
    };
    ctx.progress(1, `ROC AUC ${summary.rocAuc ?? 'n/a'} on ${scored.data.n} ${test ? 'test' : 'train'} rows`);
    return outputs;
  },
});

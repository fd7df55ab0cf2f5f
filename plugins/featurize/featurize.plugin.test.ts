import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import featurize from './featurize.plugin.js';
import { fixture, rows, runFeaturize, values } from './testing.js';

pluginContract(asAnyPlugin(featurize));
const test = loomTest([asAnyPlugin(fixture), asAnyPlugin(featurize)]);

const TRAIN = values('id, x, y, color', "(1, 1, 0, 'red')", "(2, 2, 10, 'blue')", "(3, 3, 20, 'red')", "(4, 4, 40, NULL)");
const TEST = values('id, x, y, color', "(5, 2.5, 20, 'green')", "(6, 5, 50, 'red')");

describe('fit on data, apply to the other split', () => {
  test('scaling applies the train statistics to the test split', async ({ loom }) => {
    const steps = [{ op: 'scale', columns: ['x'] }, { op: 'scale', columns: ['y'], method: 'minmax' }];
    const run = await runFeaturize(loom, { train: TRAIN, test: TEST, steps });
    expect(run.status).toBe('succeeded');
    // train x = 1..4: mean 2.5, population std sqrt(1.25); train y: min 0, max 40.
    expect(await rows(loom, run.outputs.data!, 'SELECT id, x, y FROM t')).toEqual([
      { id: 1, x: -1.3416407864998738, y: 0 },
      { id: 2, x: -0.4472135954999579, y: 0.25 },
      { id: 3, x: 0.4472135954999579, y: 0.5 },
      { id: 4, x: 1.3416407864998738, y: 1 },
    ]);
    expect(await rows(loom, run.outputs.applied!, 'SELECT id, x, y FROM t')).toEqual([
      { id: 5, x: 0, y: 0.5 },
      { id: 6, x: Math.sqrt(5), y: 1.25 },
    ]);
    expect((await loom.artifacts.readJson<{ steps: unknown[] }>(run.outputs.fitted!)).steps).toEqual([
      { step: { op: 'scale', columns: ['x'], method: 'zscore' }, fitted: { columns: { x: { mean: 2.5, std: Math.sqrt(1.25) } } } },
      { step: { op: 'scale', columns: ['y'], method: 'minmax' }, fitted: { columns: { y: { min: 0, max: 40 } } } },
    ]);
  });

  test('a constant column scales to 0, not NaN', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: values('x', '(7)', '(7)'), test: values('x', '(9)'), steps: [{ op: 'scale', columns: ['x'] }] });
    expect(await rows(loom, run.outputs.data!)).toEqual([{ x: 0 }, { x: 0 }]);
    expect(await rows(loom, run.outputs.applied!)).toEqual([{ x: 2 }]);
  });

  test('buckets: equal width between the train min and max, or at the train quantiles; outside values clamp', async ({ loom }) => {
    const steps = [
      { op: 'bucket', columns: ['x'], buckets: 3 },
      { op: 'bucket', columns: ['y'], method: 'quantile', buckets: 4, suffix: '_q' },
    ];
    const run = await runFeaturize(loom, { train: TRAIN, test: values('x, y', '(-10, 100)', '(NULL, 7.5::DOUBLE)'), steps });
    expect(await rows(loom, run.outputs.data!, 'SELECT x, x_bucket, y, y_q FROM t')).toEqual([
      { x: 1, x_bucket: 0, y: 0, y_q: 0 },
      { x: 2, x_bucket: 1, y: 10, y_q: 1 },
      { x: 3, x_bucket: 2, y: 20, y_q: 2 },
      { x: 4, x_bucket: 2, y: 40, y_q: 3 },
    ]);
    expect(await rows(loom, run.outputs.applied!)).toEqual([
      { x: -10, y: 100, x_bucket: 0, y_q: 3 },
      { x: null, y: 7.5, x_bucket: null, y_q: 1 },
    ]);
    const fitted = await loom.artifacts.readJson<{ steps: Array<{ fitted: unknown }> }>(run.outputs.fitted!);
    expect(fitted.steps.map((s) => s.fitted)).toEqual([{ edges: { x: [2, 3] } }, { edges: { y: [7.5, 15, 25] } }]);
  });

  test('one-hot keeps the most frequent categories (ties by value); other, unseen and NULL values are all zeros', async ({ loom }) => {
    const train = values('color', "('red')", "('blue')", "('red')", '(NULL)', "('green')");
    const run = await runFeaturize(loom, { train, test: values('color', "('purple')", "('red')"), steps: [{ op: 'onehot', columns: ['color'], maxCategories: 2 }] });
    expect(await rows(loom, run.outputs.data!)).toEqual([
      { color_blue: 0, color_red: 1 },
      { color_blue: 1, color_red: 0 },
      { color_blue: 0, color_red: 1 },
      { color_blue: 0, color_red: 0 },
      { color_blue: 0, color_red: 0 },
    ]);
    expect(await rows(loom, run.outputs.applied!)).toEqual([{ color_blue: 0, color_red: 0 }, { color_blue: 0, color_red: 1 }]);
    const report = await loom.artifacts.readJson<Record<string, { steps: unknown[] }>>(run.outputs.report!);
    expect(report.data!.steps).toEqual([{ step: 'step 1 (onehot)', categories: { color: 2 }, otherValues: { color: 1 }, rows: 5 }]);
    expect(report.applied!.steps).toEqual([{ step: 'step 1 (onehot)', categories: { color: 2 }, otherValues: { color: 1 }, rows: 2 }]);
  });

  test('outliers: rows outside the train IQR bounds are dropped from data (NULL kept), and from apply only when asked', async ({ loom }) => {
    const train = values('id, x', '(1, 1)', '(2, 2)', '(3, 3)', '(4, 4)', '(5, 100)', '(6, NULL)');
    const test_ = values('id, x', '(7, 8)', '(8, 6)');
    const kept = await runFeaturize(loom, { train, test: test_, steps: [{ op: 'outliers', columns: ['x'] }] });
    // q1 = 2, q3 = 4: bounds [2 - 1.5 * 2, 4 + 1.5 * 2] = [-1, 7].
    expect(await rows(loom, kept.outputs.data!, 'SELECT id FROM t')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 6 }]);
    expect(await rows(loom, kept.outputs.applied!, 'SELECT id FROM t')).toEqual([{ id: 7 }, { id: 8 }]);
    const report = await loom.artifacts.readJson<Record<string, unknown>>(kept.outputs.report!);
    expect(report.data).toEqual({ rowsIn: 6, rowsOut: 5, steps: [{ step: 'step 1 (outliers)', dropped: 1, outsideByColumn: { x: 1 }, rows: 5 }] });

    const filtered = await runFeaturize(loom, { train, test: test_, steps: [{ op: 'outliers', columns: ['x'], alsoApply: true }] });
    expect(await rows(loom, filtered.outputs.applied!, 'SELECT id FROM t')).toEqual([{ id: 8 }]);
    // mean 22, population std sqrt(1522) = 39.01: with t = 1, only 100 is outside.
    const z = await runFeaturize(loom, { train, steps: [{ op: 'outliers', columns: ['x'], method: 'zscore', threshold: 1 }] });
    expect((await loom.artifacts.readJson<{ steps: Array<{ fitted: unknown }> }>(z.outputs.fitted!)).steps[0]!.fitted).toEqual({
      bounds: { x: [22 - Math.sqrt(1522), 22 + Math.sqrt(1522)] },
    });
    expect(await rows(loom, z.outputs.data!, 'SELECT id FROM t')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 6 }]);
  });
});

describe('the fitted transform', () => {
  test('reused on new data, it gives the very same bytes as applying it in the node that fitted it', async ({ loom }) => {
    //   train ──▶ fit ◀── test          train ──▶ again (fitted from fit)
    //              │ fitted                test ──▶ serve (fitted from fit)
    const steps = [
      { op: 'outliers', columns: ['y'] },
      { op: 'bucket', columns: ['x'], method: 'quantile', buckets: 3 },
      { op: 'onehot', columns: ['color'], keepOriginal: true },
      { op: 'scale', columns: ['x', 'y'] },
      { op: 'tfidf', column: 'color', minTokenLength: 1 },
    ];
    const doc = workflow()
      .node('train', 'fixture', { config: { sql: TRAIN } })
      .node('test', 'fixture', { config: { sql: TEST } })
      .node('fit', 'featurize', { inputs: { data: 'train.data', apply: 'test.data' }, config: { steps } })
      .node('again', 'featurize', { inputs: { data: 'train.data', fitted: 'fit.fitted' } })
      .node('serve', 'featurize', { inputs: { data: 'test.data', fitted: 'fit.fitted' }, config: { steps } })
      .build();
    const state = await runDoc(loom, doc);
    expect(Object.values(state.nodes).map((n) => n.error?.message ?? n.status)).toEqual(Array(5).fill('succeeded'));
    const [fit, again, serve] = [state.nodes.fit!.outputs!, state.nodes.again!.outputs!, state.nodes.serve!.outputs!];
    expect(serve.data!.sha256).toBe(fit.applied!.sha256);
    expect(again.data!.sha256).toBe(fit.data!.sha256);
    expect(serve.fitted!.sha256).toBe(fit.fitted!.sha256);
    expect(await loom.artifacts.readJson(serve.report!)).toMatchObject({ fitted: 'taken from the "fitted" input' });
  });

  test('on empty data it transforms to an empty dataset with the same columns', async ({ loom }) => {
    const fitted = { kind: 'featurize.fitted', format: 1, steps: [{ step: { op: 'scale', columns: ['x'], method: 'zscore' }, fitted: { columns: { x: { mean: 2, std: 4 } } } }] };
    const run = await runFeaturize(loom, { train: 'SELECT 1 AS id, 1.5 AS x WHERE false', test: values('id, x', '(1, 10)'), steps: [], fitted });
    expect(run.status).toBe('succeeded');
    expect(run.outputs.data!.meta).toMatchObject({ rows: 0, columns: [{ name: 'id', type: 'INTEGER' }, { name: 'x', type: 'DOUBLE' }] });
    expect(await rows(loom, run.outputs.applied!)).toEqual([{ id: 1, x: 2 }]);
  });

  test('config steps that differ from the fitted ones are refused', async ({ loom }) => {
    const fitted = { kind: 'featurize.fitted', format: 1, steps: [{ step: { op: 'scale', columns: ['x'], method: 'zscore' }, fitted: { columns: { x: { mean: 2, std: 4 } } } }] };
    const run = await runFeaturize(loom, { train: TRAIN, steps: [{ op: 'scale', columns: ['x'], method: 'minmax' }], fitted });
    expect(run.error).toBe('config "steps" differ from those of the "fitted" input (step 1 (scale) differs); leave "steps" empty to use the fitted ones');
  });

  test('a json that featurize did not write, or a step edited into nonsense, is refused', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: TRAIN, steps: [], fitted: { steps: 3 } });
    expect(run.error).toBe(
      'input "fitted": not a transform fitted by featurize (expected {"kind": "featurize.fitted", "format": 1, "steps": [{"step": {...}, "fitted": {...}}, ...]})',
    );
    const edited = { kind: 'featurize.fitted', format: 1, steps: [{ step: { op: 'scale', columns: 'x' }, fitted: {} }] };
    expect((await runFeaturize(loom, { train: TRAIN, steps: [], fitted: edited })).error).toBe(
      'input "fitted": step 1: {"op":"scale","columns":"x"} is not a step object whose "op" is "bucket", "onehot", "scale", "tfidf", "rfm", "outliers" or "negatives", with that op\'s fields',
    );
  });
});

describe('bad input is a clear, non-retryable error', () => {
  test('a missing column names the step and the columns there are', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: TRAIN, steps: [{ op: 'scale', columns: ['x'] }, { op: 'scale', columns: ['Price'] }] });
    expect(run.status).toBe('failed');
    expect(run.error).toBe('step 2 (scale): column "Price" not found; columns are "id", "x", "y", "color"');
  });

  test('a column missing only from the apply split says so', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: TRAIN, test: values('id', '(1)'), steps: [{ op: 'bucket', columns: ['x'] }] });
    expect(run.error).toBe('apply: step 1 (bucket): column "x" not found; columns are "id"');
  });

  test('a column of the wrong type names its type and the type wanted', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: TRAIN, steps: [{ op: 'scale', columns: ['color'] }] });
    expect(run.error).toBe('step 1 (scale): column "color" is VARCHAR; it must be a number');
  });

  test('fitting on empty data says there is nothing to fit on', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: 'SELECT 1.5 AS x WHERE false', steps: [{ op: 'scale', columns: ['x'] }] });
    expect(run.error).toBe('step 1 (scale): column "x" has no non-null values to fit on (0 rows)');
  });

  test('an unknown op is a validation error before the run', async ({ loom }) => {
    await expect(runFeaturize(loom, { train: TRAIN, steps: [{ op: 'explode', columns: ['x'] }] })).rejects.toThrow(
      '/nodes/1/config/steps/0/op: must be one of "bucket", "onehot", "scale", "tfidf", "rfm", "outliers", "negatives", not "explode" (config of plugin "featurize")',
    );
  });
});

/**
 * featurize: an ordered list of feature steps, fitted on one dataset and applied, identically, to others.
 *
 * 1. Each step is fitted on the output of the step before it, on `data` (or taken from the `fitted` input),
 *    and applied to `data`; the result feeds the next step.
 * 2. The `apply` dataset goes through the same steps with the same fitted parameters, never refitted.
 * 3. `fitted` holds every step with its parameters: wiring it into another featurize node (its `fitted`
 *    input) transforms new data exactly as this node did, e.g. a third split or serving data.
 *
 * NOTE: `apply` takes one dataset, not many: an output port carries one artifact, so a list of applied splits
 * would have to share one table. For more splits, wire more featurize nodes to this node's `fitted`.
 */
import { datasetMeta, ident, literal, type Db } from '../../engine/data/duckdb.js';
import { withDb } from '../../engine/data/duckdb.js';
import { definePlugin, PluginError, Type, type ArtifactRef, type JsonObject, type JsonValue } from '../../engine/sdk.js';
import { checkColumns, count, ROW, type StepImpl, type StepRun } from './common.js';
import { bucket, onehot, outliers, scale } from './numeric.js';
import { negatives, rfm } from './rows.js';
import { StepConfig, withDefaults, type Step } from './steps.js';
import { tfidf } from './tfidf.js';

const IMPLS: { [O in Step['op']]: StepImpl<Extract<Step, { op: O }>> } = { bucket, onehot, scale, tfidf, rfm, outliers, negatives };
const FITTED_KIND = 'featurize.fitted';

interface FittedStep {
  step: Step;
  fitted: JsonObject;
}
interface Fitted {
  kind: typeof FITTED_KIND;
  format: 1;
  steps: FittedStep[];
}

const impl = (step: Step) => IMPLS[step.op] as StepImpl<Step>;
const stepName = (step: Step, index: number) => `step ${index + 1} (${step.op})`;

/** JSON with sorted keys, so that two step lists compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function readFitted(value: JsonValue): Fitted {
  const fitted = value as unknown as Fitted;
  const stepsOk = Array.isArray(fitted?.steps) && fitted.steps.every((s) => typeof s?.fitted === 'object' && s.fitted !== null && !Array.isArray(s.fitted));
  if (fitted?.kind !== FITTED_KIND || fitted.format !== 1 || !stepsOk) {
    throw new PluginError(`input "fitted": not a transform fitted by featurize (expected {"kind": "${FITTED_KIND}", "format": 1, "steps": [{"step": {...}, "fitted": {...}}, ...]})`, { retryable: false });
  }
  return fitted;
}

/** The steps to run: the config's, or those of the `fitted` input (the config's must then be empty or the same). */
function resolveSteps(configured: Step[], given: Fitted | undefined): Step[] {
  const steps = configured.map((s, i) => withDefaults(s, `step ${i + 1}`));
  if (!given) return steps;
  const fittedSteps = given.steps.map((s, i) => withDefaults(s.step, `input "fitted": step ${i + 1}`));
  if (steps.length === 0) return fittedSteps;
  const mismatch = steps.findIndex((s, i) => canonical(s) !== canonical(fittedSteps[i]));
  if (mismatch !== -1 || steps.length !== fittedSteps.length) {
    const at = mismatch === -1 ? `it has ${fittedSteps.length} steps, the config ${steps.length}` : `${stepName(steps[mismatch]!, mismatch)} differs`;
    throw new PluginError(`config "steps" differ from those of the "fitted" input (${at}); leave "steps" empty to use the fitted ones`, { retryable: false });
  }
  return steps;
}

/** Loads a dataset as table `<role>_0` with the hidden ROW column numbering its rows in file order. */
async function load(db: Db, role: string, ref: ArtifactRef, path: string): Promise<string> {
  const names = datasetMeta(ref)?.columns.map((c) => c.name) ?? [];
  const reserved = names.find((n) => n === ROW || n === 'file_row_number');
  if (reserved) throw new PluginError(`input "${role}": column "${reserved}" is reserved by featurize; rename it first`, { retryable: false });
  const table = `${role}_0`;
  await db.run(`CREATE TABLE ${ident(table)} AS SELECT * RENAME (file_row_number AS ${ident(ROW)}) FROM read_parquet(${literal(path)}, file_row_number = true)`);
  return table;
}

export default definePlugin({
  name: 'featurize',
  version: '1.0.0',
  title: 'Featurize',
  description:
    'Builds features in steps (bucketing, one-hot, scaling, TF-IDF, RFM, outlier filtering, negative sampling), fitted on one dataset and applied identically to another split or, through "fitted", to serving data.',
  category: 'transform',
  inputs: {
    data: { type: 'dataset', description: 'The data to fit the steps on (e.g. train), transformed by them.' },
    apply: { type: 'dataset', optional: true, description: 'Another split, transformed with what was fitted on data (never refitted).' },
    fitted: { type: 'json', optional: true, description: 'A "fitted" output of featurize to reuse instead of fitting (e.g. at serving time).' },
  },
  outputs: {
    data: { type: 'dataset', description: 'data after every step, in its original row order.' },
    applied: { type: 'dataset', optional: true, description: 'The apply input after every step; present when apply is wired.' },
    fitted: { type: 'json', description: 'Every step with what was fitted: bucket edges, categories, scaling stats, TF-IDF vocabulary with df and idf, outlier bounds, RFM asOf.' },
    report: { type: 'json', description: 'Rows in and out, and per step what it did (counts), for data and applied.' },
  },
  config: Type.Object(
    {
      steps: Type.Array(StepConfig, {
        default: [],
        description: 'The steps, in order; each sees the output of the one before. Empty with a "fitted" input: use its steps.',
      }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    const given = ctx.inputs.fitted ? readFitted(await ctx.artifacts.readJson(ctx.inputs.fitted)) : undefined;
    const steps = resolveSteps(ctx.config.steps as Step[], given);
    const datasets = [['data', ctx.inputs.data], ...(ctx.inputs.apply ? [['apply', ctx.inputs.apply]] : [])] as Array<['data' | 'apply', ArtifactRef]>;
    const total = Math.max(1, steps.length * datasets.length);
    let done = 0;

    return withDb(ctx, async (db) => {
      const fitted: FittedStep[] = [];
      const outputs: Record<string, ArtifactRef> = {};
      const report: JsonObject = { fitted: given ? 'taken from the "fitted" input' : 'on data' };
      for (const [role, ref] of datasets) {
        let table = await load(db, role, ref, ctx.artifacts.path(ref));
        const rowsIn = await count(db, table);
        const stepReports: JsonObject[] = [];
        for (const [index, step] of steps.entries()) {
          const run: StepRun = { db, role, where: `${role === 'apply' ? 'apply: ' : ''}${stepName(step, index)}` };
          await checkColumns(db, table, run.where, impl(step).needs(step));
          if (role === 'data') fitted.push({ step, fitted: given ? given.steps[index]!.fitted : await impl(step).fit(run, table, step) });
          const next = `${role}_${index + 1}`;
          stepReports.push({ step: stepName(step, index), ...(await impl(step).apply(run, table, next, step, fitted[index]!.fitted)), rows: await count(db, next) });
          table = next;
          ctx.progress(++done / total, `${role}: ${stepName(step, index)}`);
        }
        report[role === 'data' ? 'data' : 'applied'] = { rowsIn, rowsOut: await count(db, table), steps: stepReports };
        outputs[role === 'data' ? 'data' : 'applied'] = await db.writeDataset(`SELECT * EXCLUDE (${ident(ROW)}) FROM ${ident(table)} ORDER BY ${ident(ROW)}`);
      }
      const fittedJson: Fitted = { kind: FITTED_KIND, format: 1, steps: fitted };
      return {
        data: outputs.data!,
        ...(outputs.applied ? { applied: outputs.applied } : {}),
        fitted: await ctx.artifacts.putJson('json', fittedJson as unknown as JsonValue),
        report: await ctx.artifacts.putJson('json', report),
      };
    });
  },
});

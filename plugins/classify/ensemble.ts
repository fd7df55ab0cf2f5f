/**
 * Fits the configured classifier without blocking the event loop for the whole fit: the library's fitStacking
 * and fitVoting are synchronous, so a cancellation could not reach them until they end. This driver does the
 * same steps (the same folds, member seeds and combiner, so its model equals fitStacking's for a seed) but
 * yields between member fits, and boosts with fitGbtAsync, which yields between rounds.
 */
import { checkDataset, checkParam, classifierError, subset, type Classifier, type Dataset } from '../train/classifiers/dataset.js';
import { forestDefaults } from '../train/classifiers/forest.js';
import { fitGbtAsync, gbtDefaults } from '../train/classifiers/gbt.js';
import { fitLogistic, logisticDefaults } from '../train/classifiers/logistic.js';
import { naiveBayesDefaults } from '../train/classifiers/naive-bayes.js';
import { fitBase, type BaseKind, type BaseSpec } from '../train/classifiers/registry.js';
import { EnsembleModel, logit, slice, stackingDefaults, stratifiedFolds } from '../train/classifiers/stacking.js';
import { treeDefaults } from '../train/classifiers/tree.js';
import type { FitContext } from '../train/matrix.js';
import type { ModelConfig } from './config.js';

const KNOWN: Record<BaseKind | 'stacking' | 'voting', readonly string[]> = {
  'naive-bayes': Object.keys(naiveBayesDefaults),
  logistic: Object.keys(logisticDefaults),
  tree: Object.keys(treeDefaults),
  forest: Object.keys(forestDefaults),
  gbt: Object.keys(gbtDefaults),
  stacking: Object.keys(stackingDefaults),
  voting: ['weights'],
};

/** Unknown param names are a typo that would otherwise be ignored silently. */
function checkNames(where: string, kind: keyof typeof KNOWN, params: Record<string, unknown>): void {
  const unknown = Object.keys(params).find((k) => !KNOWN[kind].includes(k));
  if (unknown !== undefined) throw classifierError(`${where}: unknown param "${unknown}"; ${kind} takes ${KNOWN[kind].join(', ')}`);
}

/** The members an ensemble combines, or the one classifier, as base specs with their params checked by name. */
export function memberSpecs(model: ModelConfig): BaseSpec[] {
  checkNames(`model (${model.kind})`, model.kind, model.params);
  if (model.kind !== 'stacking' && model.kind !== 'voting') return [{ kind: model.kind, params: model.params } as BaseSpec];
  return model.members.map((m, k) => {
    checkNames(`model member ${k + 1} (${m.kind})`, m.kind, m.params);
    return { kind: m.kind, params: m.params } as BaseSpec;
  });
}

/**
 * Fits what `model` names on `data`.
 * @example await fitClassifier({ kind: 'stacking', members, params: { folds: 5 } }, data, ctx)
 */
export async function fitClassifier(model: ModelConfig, data: Dataset, ctx: FitContext): Promise<Classifier> {
  const specs = memberSpecs(model);
  if (model.kind === 'stacking') return fitStackingAsync(data, specs, model.params, ctx);
  if (model.kind === 'voting') return fitVotingAsync(data, specs, model.params.weights, ctx);
  return fitMember(specs[0]!, data, ctx);
}

async function fitMember(spec: BaseSpec, data: Dataset, ctx: FitContext): Promise<Classifier> {
  await new Promise((resolve) => setImmediate(resolve));
  ctx.signal.throwIfAborted();
  return spec.kind === 'gbt' ? fitGbtAsync(data, spec.params ?? {}, ctx) : fitBase(spec, data, ctx);
}

async function fitVotingAsync(data: Dataset, specs: BaseSpec[], given: unknown, ctx: FitContext): Promise<EnsembleModel> {
  checkDataset(data, 'voting');
  const weights = given === undefined ? specs.map(() => 1) : given;
  if (!Array.isArray(weights) || weights.length !== specs.length || !weights.every((w) => typeof w === 'number' && w >= 0) || !weights.some((w) => w > 0)) {
    throw classifierError(`voting: weights ${JSON.stringify(weights)} must be ${specs.length} numbers ≥ 0, not all 0`);
  }
  const K = specs.length;
  const members: Classifier[] = [];
  for (const [m, spec] of specs.entries()) members.push(await fitMember(spec, data, slice(ctx, m / K, (m + 1) / K, `member ${m} (${spec.kind})`, m)));
  return new EnsembleModel('voting', data.names, data.d, members, { weights: [...(weights as number[])] }, null);
}

/** fitStacking's steps, numbered as there, with a yield before every member fit. */
async function fitStackingAsync(data: Dataset, specs: BaseSpec[], params: Record<string, unknown>, ctx: FitContext): Promise<EnsembleModel> {
  const folds = (params.folds ?? stackingDefaults.folds) as number;
  const metaLambda = (params.metaLambda ?? stackingDefaults.metaLambda) as number;
  checkDataset(data, 'stacking');
  checkParam('stacking', 'folds', folds, 2, data.n);
  if (!Number.isInteger(folds)) throw classifierError(`stacking: param folds is ${folds}, expected an integer`);
  const K = specs.length;
  const { n } = data;
  // 1. Stratified folds, as fitStacking deals them (so both give the same model for a seed).
  const fold = stratifiedFolds(data, folds, ctx.seed);
  // 2. Out-of-fold log-odds of each member: fit on the other folds, predict the held-out one.
  const oof = new Float64Array(n * K);
  const steps = K * (folds + 1) + 1;
  for (let m = 0; m < K; m++) {
    for (let f = 0; f < folds; f++) {
      const train: number[] = [];
      const held: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? held : train).push(i);
      const step = m * folds + f;
      const model = await fitMember(specs[m]!, subset(data, train), slice(ctx, step / steps, (step + 1) / steps, `member ${m} fold ${f}`, m));
      const proba = model.predictProba(subset(data, held).features, held.length);
      held.forEach((i, k) => (oof[i * K + m] = logit(proba[k]!)));
    }
  }
  // 3. The combiner: logistic regression on the out-of-fold log-odds.
  const names = specs.map((s, m) => `${m}:${s.kind}`);
  const metaData: Dataset = { features: oof, n, d: K, names, labels: data.labels, ...(data.weights ? { weights: data.weights } : {}) };
  const meta = fitLogistic(metaData, { lambda: metaLambda }, slice(ctx, (K * folds) / steps, (K * folds + 1) / steps, 'combiner', 0));
  // 4. Refit every member on all rows.
  const members: Classifier[] = [];
  for (const [m, spec] of specs.entries()) {
    const step = K * folds + 1 + m;
    members.push(await fitMember(spec, data, slice(ctx, step / steps, (step + 1) / steps, `member ${m} (${spec.kind})`, m)));
  }
  return new EnsembleModel('stacking', data.names, data.d, members, { folds, metaLambda }, meta);
}

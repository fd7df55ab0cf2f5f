/**
 * Gradient-boosted trees for log loss, XGBoost style: each round fits a regression tree to the gradients and
 * hessians of the loss at the current scores (second-order split gain and leaf weight −G/(H + λ)), shrinks it
 * by the learning rate and adds it. Rows may be subsampled per round (stochastic gradient boosting) and
 * features per split; both draws are seeded by (ctx.seed, round).
 *
 * Missing values (NaN): as in tree.ts, each split learns where NaN rows go.
 */
import type { FitContext } from '../matrix.js';
import { binFeatures } from './bins.js';
import {
  checkDataset,
  checkParam,
  checkRows,
  classifierError,
  partArray,
  partNumber,
  Rng,
  sigmoid,
  sigmoidInPlace,
  weightOf,
  type Classifier,
  type Dataset,
  type ModelParts,
} from './dataset.js';
import { packTrees, treeValue, unpackTrees, type FlatTree } from './flat-tree.js';
import { growTree, type GrowOptions } from './grow.js';
import { checkTreeParams, namesOf, resolveMaxFeatures, weightedRows, type MaxFeatures } from './tree.js';

export interface GbtParams {
  readonly nRounds: number;
  /** Shrinkage applied to every tree's leaf values. */
  readonly learningRate: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly minSamplesSplit: number;
  /** Least hessian sum in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  /** L2 penalty on leaf values (XGBoost's lambda). */
  readonly lambda: number;
  /** Least loss reduction for a split (XGBoost's gamma). */
  readonly minGain: number;
  /** Fraction of rows drawn (without replacement) per round. */
  readonly subsample: number;
  readonly maxFeatures: MaxFeatures;
  readonly maxBins: number;
}

export const gbtDefaults: GbtParams = {
  nRounds: 100,
  learningRate: 0.1,
  maxDepth: 4,
  minSamplesLeaf: 20,
  minSamplesSplit: 2,
  minChildWeight: 1e-3,
  lambda: 1,
  minGain: 0,
  subsample: 1,
  maxFeatures: 'all',
  maxBins: 64,
};

/**
 * Fits gradient-boosted trees; `model.trainLoss[r]` is the training log loss after round r.
 * @example fitGbt(data, { nRounds: 100, learningRate: 0.1, maxDepth: 4 }, ctx).predictProba(x, n)
 */
export function fitGbt(data: Dataset, params: Partial<GbtParams>, ctx: FitContext): GbtModel {
  const rounds = boost(data, params, ctx);
  for (;;) {
    const step = rounds.next();
    if (step.done) return step.value;
  }
}

/**
 * The same fit, letting the event loop run between rounds (at most every 40 ms), so that a cancellation from a
 * timer, a signal or the network reaches it within a round, not after the whole fit.
 */
export async function fitGbtAsync(data: Dataset, params: Partial<GbtParams>, ctx: FitContext): Promise<GbtModel> {
  const rounds = boost(data, params, ctx);
  let since = Date.now();
  for (;;) {
    const step = rounds.next();
    if (step.done) return step.value;
    if (Date.now() - since >= 40) {
      await new Promise((resolve) => setImmediate(resolve));
      ctx.signal.throwIfAborted();
      since = Date.now();
    }
  }
}

/** The boosting loop, one round per step. */
function* boost(data: Dataset, params: Partial<GbtParams>, ctx: FitContext): Generator<void, GbtModel> {
  const p: GbtParams = { ...gbtDefaults, ...params };
  checkDataset(data, 'boosting');
  checkParam('boosting', 'nRounds', p.nRounds, 1, 100_000);
  checkParam('boosting', 'learningRate', p.learningRate, 1e-9, 1);
  checkParam('boosting', 'minChildWeight', p.minChildWeight, 0);
  checkParam('boosting', 'lambda', p.lambda, 0);
  checkParam('boosting', 'minGain', p.minGain, 0);
  checkParam('boosting', 'subsample', p.subsample, 1e-9, 1);
  checkTreeParams('boosting', p);
  const { n, d, labels, features } = data;
  const options: GrowOptions = {
    mode: 'newton',
    maxDepth: p.maxDepth,
    minSamplesLeaf: p.minSamplesLeaf,
    minSamplesSplit: p.minSamplesSplit,
    minChildWeight: p.minChildWeight,
    minGain: p.minGain,
    maxFeatures: resolveMaxFeatures(p.maxFeatures, d, 'boosting'),
    lambda: p.lambda,
  };
  // 1. Start every score at the log-odds of the weighted base rate.
  let total = 0;
  let positive = 0;
  for (let i = 0; i < n; i++) {
    total += weightOf(data, i);
    positive += weightOf(data, i) * labels[i]!;
  }
  const rate = Math.min(Math.max(positive / total, 1e-12), 1 - 1e-12);
  const baseScore = Math.log(rate / (1 - rate));
  const score = new Float64Array(n).fill(baseScore);
  const binned = binFeatures(data, p.maxBins, ctx.signal);
  const pool = weightedRows(data);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: FlatTree[] = [];
  const trainLoss = new Float64Array(p.nRounds);
  for (let round = 0; round < p.nRounds; round++) {
    ctx.signal.throwIfAborted();
    // 2. Gradient and hessian of the weighted log loss at the current scores: w·(p − y) and w·p·(1 − p).
    for (let i = 0; i < n; i++) {
      const pi = sigmoid(score[i]!);
      const w = weightOf(data, i);
      grad[i] = w * (pi - labels[i]!);
      hess[i] = w * pi * (1 - pi);
    }
    // 3. This round's rows, then a regression tree on (hessian, gradient), shrunk by the learning rate.
    const rng = new Rng(ctx.seed, round + 1);
    const rows = p.subsample < 1 ? sampleWithoutReplacement(pool, Math.max(1, Math.round(p.subsample * pool.length)), rng) : pool;
    const tree = growTree(binned, rows, hess, grad, options, rng, ctx.signal);
    for (let k = 0; k < tree.value.length; k++) tree.value[k]! *= p.learningRate;
    trees.push(tree);
    // 4. Add the tree to every row's score (sampled out or not) and record the training loss.
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const s = (score[i]! += treeValue(tree, features, d, i));
      loss += weightOf(data, i) * (Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - labels[i]! * s);
    }
    trainLoss[round] = loss / total;
    ctx.progress((round + 1) / p.nRounds, `boosting: round ${round + 1} of ${p.nRounds}, train log loss ${trainLoss[round]!.toFixed(4)}`);
    yield;
  }
  return new GbtModel(p, data.names, d, baseScore, trees, trainLoss);
}

/** m of the pool's rows, each equally likely, in ascending order (Knuth's selection sampling, algorithm S). */
function sampleWithoutReplacement(pool: Int32Array, m: number, rng: Rng): Int32Array {
  const out = new Int32Array(m);
  let chosen = 0;
  for (let k = 0; k < pool.length && chosen < m; k++) {
    if ((pool.length - k) * rng.next() < m - chosen) out[chosen++] = pool[k]!;
  }
  return out;
}

export class GbtModel implements Classifier {
  readonly kind = 'gbt';

  constructor(
    readonly params: GbtParams,
    readonly names: readonly string[],
    readonly d: number,
    /** The log-odds every score starts from. */
    readonly baseScore: number,
    /** Leaf values already include the learning rate. */
    readonly trees: readonly FlatTree[],
    readonly trainLoss: Float64Array,
  ) {}

  /** The summed log-odds for each row. */
  decisionFunction(features: Float64Array, n: number): Float64Array {
    checkRows(features, n, this.d, 'boosting predict');
    const out = new Float64Array(n).fill(this.baseScore);
    for (const tree of this.trees) for (let i = 0; i < n; i++) out[i]! += treeValue(tree, features, this.d, i);
    return out;
  }

  predictProba(features: Float64Array, n: number): Float64Array {
    return sigmoidInPlace(this.decisionFunction(features, n));
  }

  toParts(): ModelParts {
    return {
      params: { ...this.params, d: this.d, baseScore: this.baseScore, names: [...this.names] },
      arrays: { ...packTrees(this.trees), trainLoss: this.trainLoss },
    };
  }

  /** Rebuilds a model from `toParts()` output, checking every tree's structure. */
  static fromParts(parts: ModelParts): GbtModel {
    const d = partNumber(parts, 'd');
    const trees = unpackTrees(parts, d);
    if (trees.length === 0) throw classifierError('model parts: a boosted model holds no trees');
    const params = { ...gbtDefaults } as Record<string, unknown>;
    for (const key of Object.keys(gbtDefaults)) if (parts.params[key] !== undefined) params[key] = parts.params[key];
    const trainLoss = partArray(parts, 'trainLoss', Float64Array);
    return new GbtModel(params as unknown as GbtParams, namesOf(parts), d, partNumber(parts, 'baseScore'), trees, trainLoss);
  }
}

/**
 * Gaussian naive Bayes for a binary label, in log space. Each feature is a normal per class; variance smoothing
 * adds `varSmoothing × (largest feature variance)` to every class variance, as scikit-learn's GaussianNB does,
 * so a feature that is constant within a class cannot produce an infinite log-likelihood.
 *
 * Missing values (NaN): a fit ignores them when it estimates a class's mean and variance; a prediction leaves
 * the missing feature out of the sum of log-likelihoods, which under the independence assumption is exactly
 * marginalising it out. A feature with no observed value in one of the classes is left out entirely.
 */
import type { FitContext } from '../matrix.js';
import {
  checkDataset,
  checkParam,
  checkRows,
  partArray,
  partNumber,
  weightOf,
  type Classifier,
  type Dataset,
  type ModelParts,
} from './dataset.js';

export interface NaiveBayesParams {
  /** Fraction of the largest feature variance added to every variance (scikit-learn's default 1e-9). */
  readonly varSmoothing: number;
}

export const naiveBayesDefaults: NaiveBayesParams = { varSmoothing: 1e-9 };

const LOG_2PI = Math.log(2 * Math.PI);
const CHECK_ROWS = 1 << 16;

/**
 * Fits Gaussian naive Bayes.
 * @example const model = fitNaiveBayes(data, { varSmoothing: 1e-9 }, ctx); model.predictProba(x, 1)
 */
export function fitNaiveBayes(data: Dataset, params: Partial<NaiveBayesParams>, ctx: FitContext): NaiveBayesModel {
  const p: NaiveBayesParams = { ...naiveBayesDefaults, ...params };
  checkDataset(data, 'naive Bayes');
  checkParam('naive Bayes', 'varSmoothing', p.varSmoothing, 0);
  const { n, d, features, labels } = data;
  // 1. Weighted sums per class and feature over the observed (non-NaN) values, and over both classes together.
  const weight = new Float64Array(2 * d); // [class * d + j]
  const sum = new Float64Array(2 * d);
  const classWeight = [0, 0];
  for (let i = 0; i < n; i++) {
    if (i % CHECK_ROWS === 0) ctx.signal.throwIfAborted();
    const w = weightOf(data, i);
    const c = labels[i]!;
    classWeight[c]! += w;
    for (let j = 0; j < d; j++) {
      const x = features[i * d + j]!;
      if (Number.isNaN(x)) continue;
      weight[c * d + j]! += w;
      sum[c * d + j]! += w * x;
    }
  }
  const mean = new Float64Array(2 * d);
  for (let k = 0; k < 2 * d; k++) mean[k] = weight[k]! > 0 ? sum[k]! / weight[k]! : 0;
  // 2. Second pass: squared deviations (two passes keep the variance exact when the mean is large).
  const variance = new Float64Array(2 * d);
  const allMean = new Float64Array(d);
  const allVar = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const w = weight[j]! + weight[d + j]!;
    allMean[j] = w > 0 ? (sum[j]! + sum[d + j]!) / w : 0;
  }
  for (let i = 0; i < n; i++) {
    if (i % CHECK_ROWS === 0) ctx.signal.throwIfAborted();
    const w = weightOf(data, i);
    const c = labels[i]!;
    for (let j = 0; j < d; j++) {
      const x = features[i * d + j]!;
      if (Number.isNaN(x)) continue;
      variance[c * d + j]! += w * (x - mean[c * d + j]!) ** 2;
      allVar[j]! += w * (x - allMean[j]!) ** 2;
    }
  }
  // 3. Smooth: epsilon = varSmoothing × the largest overall variance (1 when every feature is constant).
  let maxVar = 0;
  for (let j = 0; j < d; j++) {
    const w = weight[j]! + weight[d + j]!;
    if (w > 0) maxVar = Math.max(maxVar, allVar[j]! / w);
  }
  const epsilon = p.varSmoothing * (maxVar > 0 ? maxVar : 1);
  const used = new Int32Array(d);
  for (let j = 0; j < d; j++) {
    used[j] = weight[j]! > 0 && weight[d + j]! > 0 ? 1 : 0;
    for (let c = 0; c < 2; c++) {
      const k = c * d + j;
      variance[k] = (weight[k]! > 0 ? variance[k]! / weight[k]! : 0) + epsilon;
    }
  }
  // 4. Class log-priors from the (weighted) class shares; an absent class gets −∞.
  const total = classWeight[0]! + classWeight[1]!;
  const logPrior = new Float64Array([Math.log(classWeight[0]! / total), Math.log(classWeight[1]! / total)]);
  ctx.progress(1, 'naive Bayes fitted');
  return new NaiveBayesModel(p, data.names, logPrior, mean, variance, used);
}

export class NaiveBayesModel implements Classifier {
  readonly kind = 'naive-bayes';
  readonly d: number;

  constructor(
    readonly params: NaiveBayesParams,
    readonly names: readonly string[],
    /** log P(class), for class 0 and 1. */
    readonly logPrior: Float64Array,
    /** Per class and feature, at [class × d + feature]. */
    readonly mean: Float64Array,
    readonly variance: Float64Array,
    /** 1 where the feature enters the likelihood. */
    readonly used: Int32Array,
  ) {
    this.d = used.length;
  }

  /** The joint log-likelihood log P(class) + Σ_j log N(x_j; μ_cj, σ²_cj) for each class, skipping NaN. */
  jointLogLikelihood(features: Float64Array, n: number): Float64Array {
    const { d } = this;
    checkRows(features, n, d, 'naive Bayes predict');
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 2; c++) {
        let ll = this.logPrior[c]!;
        for (let j = 0; j < d; j++) {
          const x = features[i * d + j]!;
          if (this.used[j] === 0 || Number.isNaN(x)) continue;
          const v = this.variance[c * d + j]!;
          ll -= 0.5 * (LOG_2PI + Math.log(v) + (x - this.mean[c * d + j]!) ** 2 / v);
        }
        out[2 * i + c] = ll;
      }
    }
    return out;
  }

  predictProba(features: Float64Array, n: number): Float64Array {
    const jll = this.jointLogLikelihood(features, n);
    const out = new Float64Array(n);
    // P(1) = 1 / (1 + exp(ll0 − ll1)), written so that neither exp overflows (the log-sum-exp trick).
    for (let i = 0; i < n; i++) {
      const l0 = jll[2 * i]!;
      const l1 = jll[2 * i + 1]!;
      const top = Math.max(l0, l1);
      const e0 = Math.exp(l0 - top);
      const e1 = Math.exp(l1 - top);
      out[i] = e1 / (e0 + e1);
    }
    return out;
  }

  toParts(): ModelParts {
    return {
      params: { ...this.params, names: [...this.names] },
      arrays: { logPrior: this.logPrior, mean: this.mean, variance: this.variance, used: this.used },
    };
  }

  /** Rebuilds a model from `toParts()` output, checking every array. */
  static fromParts(parts: ModelParts): NaiveBayesModel {
    const used = partArray(parts, 'used', Int32Array);
    const d = used.length;
    const names = Array.isArray(parts.params.names) ? parts.params.names.map(String) : [];
    return new NaiveBayesModel(
      { varSmoothing: partNumber(parts, 'varSmoothing') },
      names,
      partArray(parts, 'logPrior', Float64Array, 2),
      partArray(parts, 'mean', Float64Array, 2 * d),
      partArray(parts, 'variance', Float64Array, 2 * d),
      used,
    );
  }
}

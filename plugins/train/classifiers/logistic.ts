/**
 * L2-regularised logistic regression fitted by full-batch Newton's method (IRLS) with a backtracking line
 * search. Features are standardised with the training mean and standard deviation first, so one `lambda` means
 * the same for every feature; the intercept is not penalised.
 *
 * Objective: (1/W) Σ w_i · logloss_i + (λ/2) · ‖β‖² over the standardised features (W = Σ w_i), so λ ≈ 1/n
 * matches scikit-learn's C = 1. Newton costs n·d² per iteration, fine for the tens to hundreds of features of
 * a ranking table; it converges in a handful of iterations.
 *
 * Missing values (NaN) are imputed with the training mean (0 after standardising), both in fit and predict.
 */
import type { FitContext } from '../matrix.js';
import {
  checkDataset,
  checkParam,
  checkRows,
  classifierError,
  partArray,
  partNumber,
  sigmoid,
  sigmoidInPlace,
  weightOf,
  type Classifier,
  type Dataset,
  type ModelParts,
} from './dataset.js';

export interface LogisticParams {
  /** L2 penalty on the standardised coefficients (not the intercept). */
  readonly lambda: number;
  /** Stop when the largest gradient component is below this. */
  readonly tolerance: number;
  readonly maxIterations: number;
}

export const logisticDefaults: LogisticParams = { lambda: 1e-3, tolerance: 1e-8, maxIterations: 100 };

const CHECK_ROWS = 4096;

/**
 * Fits logistic regression; `model.iterations` says how many Newton steps it took.
 * @example const model = fitLogistic(data, { lambda: 1e-3 }, ctx); model.predictProba(x, n)
 */
export function fitLogistic(data: Dataset, params: Partial<LogisticParams>, ctx: FitContext): LogisticModel {
  const p: LogisticParams = { ...logisticDefaults, ...params };
  checkDataset(data, 'logistic regression');
  checkParam('logistic regression', 'lambda', p.lambda, 0);
  checkParam('logistic regression', 'tolerance', p.tolerance, 0);
  checkParam('logistic regression', 'maxIterations', p.maxIterations, 1);
  const { n, d, labels } = data;
  // 1. Standardise: weighted mean and standard deviation of the observed values; NaN becomes 0 (= the mean).
  const { mean, scale } = standardiser(data);
  const z = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const x = data.features[i]!;
    z[i] = Number.isNaN(x) ? 0 : (x - mean[i % d]!) / scale[i % d]!;
  }
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += weightOf(data, i);
  if (!(totalWeight > 0)) throw classifierError('logistic regression: every row has weight 0');
  const m = d + 1; // coefficient 0 is the intercept
  const beta = new Float64Array(m);
  const objective = (b: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const s = margin(z, d, b, i);
      // log(1 + e^s) − y·s, computed without overflow
      loss += weightOf(data, i) * (Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - labels[i]! * s);
    }
    let penalty = 0;
    for (let j = 1; j < m; j++) penalty += b[j]! ** 2;
    return loss / totalWeight + 0.5 * p.lambda * penalty;
  };
  let current = objective(beta);
  let iterations = 0;
  const grad = new Float64Array(m);
  const hess = new Float64Array(m * m);
  const row = new Float64Array(m);
  for (; iterations < p.maxIterations; iterations++) {
    ctx.signal.throwIfAborted();
    // 2. Gradient and Hessian (upper triangle) of the objective at beta.
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      if (i % CHECK_ROWS === 0) ctx.signal.throwIfAborted();
      const w = weightOf(data, i) / totalWeight;
      if (w === 0) continue;
      const pi = sigmoid(margin(z, d, beta, i));
      const r = w * (pi - labels[i]!);
      const h = w * pi * (1 - pi);
      row[0] = 1;
      for (let j = 0; j < d; j++) row[j + 1] = z[i * d + j]!;
      for (let a = 0; a < m; a++) {
        grad[a]! += r * row[a]!;
        const ha = h * row[a]!;
        for (let b = a; b < m; b++) hess[a * m + b]! += ha * row[b]!;
      }
    }
    // The tiny ridge on the intercept keeps the Hessian invertible when every prediction saturates.
    hess[0]! += 1e-12;
    for (let j = 1; j < m; j++) {
      grad[j]! += p.lambda * beta[j]!;
      hess[j * m + j]! += p.lambda;
    }
    let gmax = 0;
    for (let j = 0; j < m; j++) gmax = Math.max(gmax, Math.abs(grad[j]!));
    ctx.progress(Math.min(1, iterations / p.maxIterations), `logistic regression: iteration ${iterations}, |grad| ${gmax.toExponential(2)}`);
    if (gmax < p.tolerance) break;
    // 3. Newton direction: solve H·step = grad by Cholesky.
    const step = choleskySolve(hess, grad, m);
    // 4. Backtracking line search: halve the step until the objective decreases (Armijo condition).
    let slope = 0;
    for (let j = 0; j < m; j++) slope -= grad[j]! * step[j]!;
    let t = 1;
    const next = new Float64Array(m);
    for (; t > 1e-10; t /= 2) {
      for (let j = 0; j < m; j++) next[j] = beta[j]! - t * step[j]!;
      const value = objective(next);
      if (value <= current + 1e-4 * t * slope) {
        current = value;
        break;
      }
    }
    if (t <= 1e-10) break; // no decrease possible: at the optimum up to rounding
    beta.set(next);
  }
  ctx.progress(1, `logistic regression fitted in ${iterations} iterations`);
  return new LogisticModel(p, data.names, mean, scale, beta, iterations);
}

/** Weighted mean and standard deviation of each feature's observed values (scale 1 for a constant feature). */
function standardiser(data: Dataset): { mean: Float64Array; scale: Float64Array } {
  const { n, d, features } = data;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  const weight = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const x = features[i * d + j]!;
      if (Number.isNaN(x)) continue;
      weight[j]! += weightOf(data, i);
      mean[j]! += weightOf(data, i) * x;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = weight[j]! > 0 ? mean[j]! / weight[j]! : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const x = features[i * d + j]!;
      if (!Number.isNaN(x)) scale[j]! += weightOf(data, i) * (x - mean[j]!) ** 2;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = weight[j]! > 0 ? Math.sqrt(scale[j]! / weight[j]!) : 0;
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

function margin(z: Float64Array, d: number, beta: Float64Array, i: number): number {
  let s = beta[0]!;
  for (let j = 0; j < d; j++) s += beta[j + 1]! * z[i * d + j]!;
  return s;
}

/** Solves A·x = b for a symmetric positive definite A given by its upper triangle (row-major m × m). */
export function choleskySolve(upper: Float64Array, b: Float64Array, m: number): Float64Array {
  // 1. A = L·Lᵀ, L lower triangular (read A[i][j] for j ≥ i from the upper triangle).
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = upper[j * m + i]!;
      for (let k = 0; k < j; k++) s -= L[i * m + k]! * L[j * m + k]!;
      if (i === j) {
        if (!(s > 0)) throw classifierError(`logistic regression: Hessian is not positive definite (pivot ${i} = ${s})`);
        L[i * m + i] = Math.sqrt(s);
      } else {
        L[i * m + j] = s / L[j * m + j]!;
      }
    }
  }
  // 2. Forward substitution L·y = b, then back substitution Lᵀ·x = y.
  const x = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * m + k]! * x[k]!;
    x[i] = s / L[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= L[k * m + i]! * x[k]!;
    x[i] = s / L[i * m + i]!;
  }
  return x;
}

export class LogisticModel implements Classifier {
  readonly kind = 'logistic';
  readonly d: number;

  constructor(
    readonly params: LogisticParams,
    readonly names: readonly string[],
    readonly mean: Float64Array,
    readonly scale: Float64Array,
    /** [intercept, β_1 … β_d] on the standardised features. */
    readonly coef: Float64Array,
    readonly iterations: number,
  ) {
    this.d = mean.length;
  }

  /** The log-odds for each row. */
  decisionFunction(features: Float64Array, n: number): Float64Array {
    const { d } = this;
    checkRows(features, n, d, 'logistic regression predict');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = this.coef[0]!;
      for (let j = 0; j < d; j++) {
        const x = features[i * d + j]!;
        if (!Number.isNaN(x)) s += (this.coef[j + 1]! * (x - this.mean[j]!)) / this.scale[j]!;
      }
      out[i] = s;
    }
    return out;
  }

  predictProba(features: Float64Array, n: number): Float64Array {
    return sigmoidInPlace(this.decisionFunction(features, n));
  }

  toParts(): ModelParts {
    return {
      params: { ...this.params, iterations: this.iterations, names: [...this.names] },
      arrays: { mean: this.mean, scale: this.scale, coef: this.coef },
    };
  }

  /** Rebuilds a model from `toParts()` output, checking every array. */
  static fromParts(parts: ModelParts): LogisticModel {
    const mean = partArray(parts, 'mean', Float64Array);
    const d = mean.length;
    const names = Array.isArray(parts.params.names) ? parts.params.names.map(String) : [];
    const params: LogisticParams = {
      lambda: partNumber(parts, 'lambda'),
      tolerance: partNumber(parts, 'tolerance'),
      maxIterations: partNumber(parts, 'maxIterations'),
    };
    return new LogisticModel(
      params,
      names,
      mean,
      partArray(parts, 'scale', Float64Array, d),
      partArray(parts, 'coef', Float64Array, d + 1),
      partNumber(parts, 'iterations'),
    );
  }
}

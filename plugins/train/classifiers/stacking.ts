/**
 * Ensembles of base classifiers:
 * - soft voting: a weighted average of the members' probabilities;
 * - stacking: a logistic regression over the members' out-of-fold log-odds (k stratified folds, seeded), so the
 *   combiner learns how far to trust each member from predictions on rows that member never saw; the members
 *   are then refitted on all rows. Log-odds rather than probabilities let the combiner sharpen or damp a member.
 *
 * Missing values (NaN) are passed to the members, which handle them as each documents.
 */
import type { FitContext } from '../matrix.js';
import { checkDataset, checkParam, checkRows, classifierError, partNumber, Rng, subset, type Classifier, type ClassifierKind, type Dataset, type ModelParts, type PartArray } from './dataset.js';
import { fitLogistic, LogisticModel } from './logistic.js';
import { baseFromParts, fitBase, type BaseSpec } from './registry.js';

export interface VotingParams {
  readonly members: readonly BaseSpec[];
  /** One weight ≥ 0 per member; equal weights when absent. */
  readonly weights?: readonly number[];
}

export interface StackingParams {
  readonly members: readonly BaseSpec[];
  readonly folds: number;
  /** The combiner's L2 penalty. */
  readonly metaLambda: number;
}

export const stackingDefaults: Omit<StackingParams, 'members'> = { folds: 5, metaLambda: 1e-3 };

/** Member probabilities are clipped to [CLIP, 1 − CLIP] before taking log-odds. */
const CLIP = 1e-6;

/**
 * Fits every member on all rows and averages their probabilities with the given weights.
 * @example fitVoting(data, { members: [{ kind: 'logistic' }, { kind: 'forest' }], weights: [1, 2] }, ctx)
 */
export function fitVoting(data: Dataset, params: VotingParams, ctx: FitContext): EnsembleModel {
  checkDataset(data, 'voting');
  checkMembers('voting', params.members);
  const weights = params.weights ?? params.members.map(() => 1);
  if (weights.length !== params.members.length || !weights.every((w) => w >= 0) || !weights.some((w) => w > 0)) {
    throw classifierError(`voting: weights [${weights.join(', ')}] must be ${params.members.length} numbers ≥ 0, not all 0`);
  }
  const K = params.members.length;
  const members = params.members.map((spec, m) => fitBase(spec, data, slice(ctx, m / K, (m + 1) / K, `member ${m} (${spec.kind})`, m)));
  return new EnsembleModel('voting', data.names, data.d, members, { weights: [...weights] }, null);
}

/**
 * Fits a stacked ensemble: out-of-fold member predictions train a logistic combiner, then members are refitted.
 * @example fitStacking(data, { members: [{ kind: 'logistic' }, { kind: 'gbt' }], folds: 5, metaLambda: 1e-3 }, ctx)
 */
export function fitStacking(data: Dataset, params: Partial<StackingParams> & Pick<StackingParams, 'members'>, ctx: FitContext): EnsembleModel {
  const p: StackingParams = { ...stackingDefaults, ...params };
  checkDataset(data, 'stacking');
  checkMembers('stacking', p.members);
  checkParam('stacking', 'folds', p.folds, 2, data.n);
  const K = p.members.length;
  const { n } = data;
  // 1. Stratified folds.
  const fold = stratifiedFolds(data, p.folds, ctx.seed);
  // 2. Out-of-fold log-odds of each member: fit on the other folds, predict the held-out one.
  const oof = new Float64Array(n * K);
  const steps = K * (p.folds + 1) + 1;
  for (let m = 0; m < K; m++) {
    for (let f = 0; f < p.folds; f++) {
      const train: number[] = [];
      const held: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? held : train).push(i);
      const step = m * p.folds + f;
      const model = fitBase(p.members[m]!, subset(data, train), slice(ctx, step / steps, (step + 1) / steps, `member ${m} fold ${f}`, m));
      const proba = model.predictProba(subset(data, held).features, held.length);
      held.forEach((i, k) => (oof[i * K + m] = logit(proba[k]!)));
    }
  }
  // 3. The combiner: logistic regression on the out-of-fold log-odds.
  const names = p.members.map((s, m) => `${m}:${s.kind}`);
  const metaData: Dataset = { features: oof, n, d: K, names, labels: data.labels, ...(data.weights ? { weights: data.weights } : {}) };
  const meta = fitLogistic(metaData, { lambda: p.metaLambda }, slice(ctx, (K * p.folds) / steps, (K * p.folds + 1) / steps, 'combiner', 0));
  // 4. Refit every member on all rows.
  const members = p.members.map((spec, m) => {
    const step = K * p.folds + 1 + m;
    return fitBase(spec, data, slice(ctx, step / steps, (step + 1) / steps, `member ${m} (${spec.kind})`, m));
  });
  return new EnsembleModel('stacking', data.names, data.d, members, { folds: p.folds, metaLambda: p.metaLambda }, meta);
}

export class EnsembleModel implements Classifier {
  constructor(
    readonly kind: 'voting' | 'stacking',
    readonly names: readonly string[],
    readonly d: number,
    readonly members: readonly Classifier[],
    /** Voting: `weights`; stacking: `folds`, `metaLambda`. */
    readonly settings: Record<string, unknown>,
    /** The stacking combiner (null for voting). */
    readonly meta: LogisticModel | null,
  ) {}

  predictProba(features: Float64Array, n: number): Float64Array {
    checkRows(features, n, this.d, `${this.kind} predict`);
    const K = this.members.length;
    const probs = this.members.map((m) => m.predictProba(features, n));
    if (this.meta === null) {
      const weights = this.settings.weights as number[];
      const total = weights.reduce((s, w) => s + w, 0);
      const out = new Float64Array(n);
      probs.forEach((p, m) => {
        for (let i = 0; i < n; i++) out[i]! += (weights[m]! * p[i]!) / total;
      });
      return out;
    }
    const z = new Float64Array(n * K);
    probs.forEach((p, m) => {
      for (let i = 0; i < n; i++) z[i * K + m] = logit(p[i]!);
    });
    return this.meta.predictProba(z, n);
  }

  /** Member k's arrays are stored as `k.name`, the combiner's as `meta.name`. */
  toParts(): ModelParts {
    const arrays: Record<string, PartArray> = {};
    const members = this.members.map((member, k) => {
      const parts = member.toParts();
      for (const [name, a] of Object.entries(parts.arrays)) arrays[`${k}.${name}`] = a;
      return { kind: member.kind, params: parts.params };
    });
    const params: Record<string, unknown> = { ...this.settings, d: this.d, names: [...this.names], members };
    if (this.meta !== null) {
      const parts = this.meta.toParts();
      for (const [name, a] of Object.entries(parts.arrays)) arrays[`meta.${name}`] = a;
      params.meta = parts.params;
    }
    return { params, arrays };
  }
}

/**
 * Loads any classifier in this folder from the kind and parts a model file stored.
 * @example classifierFromParts(model.kind, model.toParts()).predictProba(x, n)
 */
export function classifierFromParts(kind: ClassifierKind | string, parts: ModelParts): Classifier {
  if (kind !== 'voting' && kind !== 'stacking') return baseFromParts(kind, parts);
  const list = parts.params.members;
  if (!Array.isArray(list) || list.length === 0) throw classifierError(`model parts: ${kind} ensemble has no members`);
  const d = partNumber(parts, 'd');
  const names = Array.isArray(parts.params.names) ? parts.params.names.map(String) : [];
  const members = list.map((entry: { kind?: unknown; params?: Record<string, unknown> }, k) =>
    baseFromParts(String(entry?.kind), { params: entry?.params ?? {}, arrays: prefixed(parts, `${k}.`) }),
  );
  if (kind === 'voting') {
    const weights = parts.params.weights;
    if (!Array.isArray(weights) || weights.length !== members.length) throw classifierError('model parts: voting weights do not match its members');
    return new EnsembleModel('voting', names, d, members, { weights }, null);
  }
  const meta = LogisticModel.fromParts({ params: (parts.params.meta ?? {}) as Record<string, unknown>, arrays: prefixed(parts, 'meta.') });
  if (meta.d !== members.length) throw classifierError(`model parts: stacking combiner takes ${meta.d} inputs for ${members.length} members`);
  return new EnsembleModel('stacking', names, d, members, { folds: parts.params.folds, metaLambda: parts.params.metaLambda }, meta);
}

function prefixed(parts: ModelParts, prefix: string): Record<string, PartArray> {
  const out: Record<string, PartArray> = {};
  for (const [name, a] of Object.entries(parts.arrays)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = a;
  return out;
}

function checkMembers(where: string, members: readonly BaseSpec[]): void {
  if (!Array.isArray(members) || members.length === 0) throw classifierError(`${where}: needs at least one member`);
}

/** Log-odds of a member probability, clipped to [CLIP, 1 − CLIP] first. */
export function logit(p: number): number {
  const q = Math.min(Math.max(p, CLIP), 1 - CLIP);
  return Math.log(q / (1 - q));
}

/** A context for one part of a fit: progress mapped into [from, to], member m seeded apart from the others. */
export function slice(ctx: FitContext, from: number, to: number, label: string, m: number): FitContext {
  return {
    signal: ctx.signal,
    seed: (ctx.seed + 7919 * m) | 0,
    progress: (fraction, message) => ctx.progress(from + (to - from) * fraction, message === undefined ? label : `${label}: ${message}`),
  };
}

/** Each row's fold: each class's rows shuffled with the seed, then dealt round-robin, so every fold keeps the class balance. */
export function stratifiedFolds(data: Dataset, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(data.n);
  const rng = new Rng(seed, 0);
  for (const label of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < data.n; i++) if (data.labels[i] === label) rows.push(i);
    for (let t = rows.length - 1; t > 0; t--) {
      const s = rng.int(t + 1);
      [rows[t], rows[s]] = [rows[s]!, rows[t]!];
    }
    rows.forEach((i, k) => (fold[i] = k % folds));
  }
  return fold;
}

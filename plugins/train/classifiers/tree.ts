/**
 * A CART classification tree (Gini or entropy) on histogram-binned features, stored as flat typed arrays.
 * The growing itself is in grow.ts (shared with the forest and boosting); binning in bins.ts.
 *
 * Missing values (NaN): learned per split: NaN rows go to whichever side gains more, and a split may separate
 * "missing" from "observed"; a split that saw no NaN in training sends them to its larger child.
 */
import type { FitContext } from '../matrix.js';
import { binFeatures } from './bins.js';
import {
  checkDataset,
  checkParam,
  checkRows,
  classifierError,
  partNumber,
  Rng,
  weightOf,
  type Classifier,
  type Dataset,
  type ModelParts,
} from './dataset.js';
import { packTrees, treeValue, unpackTrees, type FlatTree } from './flat-tree.js';
import { growTree, type GrowOptions } from './grow.js';

/** Features tried per split: all, √d, log2 d, a count (≥ 1), or a fraction of d (in (0, 1)). */
export type MaxFeatures = 'all' | 'sqrt' | 'log2' | number;

export interface TreeParams {
  readonly criterion: 'gini' | 'entropy';
  /** The root has depth 0; a tree of maxDepth 1 is a stump. */
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly minSamplesSplit: number;
  /** As scikit-learn: a split must decrease (node weight / total weight) × impurity by at least this. */
  readonly minImpurityDecrease: number;
  readonly maxFeatures: MaxFeatures;
  /** Histogram bins per feature (2 … 255). */
  readonly maxBins: number;
}

export const treeDefaults: TreeParams = {
  criterion: 'gini',
  maxDepth: 10,
  minSamplesLeaf: 1,
  minSamplesSplit: 2,
  minImpurityDecrease: 0,
  maxFeatures: 'all',
  maxBins: 64,
};

/** The number of features tried per split for d features. */
export function resolveMaxFeatures(spec: MaxFeatures, d: number, where: string): number {
  if (spec === 'all') return d;
  if (spec === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (spec === 'log2') return Math.max(1, Math.floor(Math.log2(d)));
  if (typeof spec === 'number' && spec > 0 && spec < 1) return Math.max(1, Math.floor(spec * d));
  if (typeof spec === 'number' && Number.isInteger(spec) && spec >= 1) return Math.min(spec, d);
  throw classifierError(`${where}: param maxFeatures is ${String(spec)}, expected 'all', 'sqrt', 'log2', a count or a fraction`);
}

/** Checks the tree params shared by the tree, the forest and boosting. */
export function checkTreeParams(where: string, p: Omit<TreeParams, 'criterion' | 'minImpurityDecrease'>): void {
  checkParam(where, 'maxDepth', p.maxDepth, 0, 64);
  checkParam(where, 'minSamplesLeaf', p.minSamplesLeaf, 1);
  checkParam(where, 'minSamplesSplit', p.minSamplesSplit, 2);
  checkParam(where, 'maxBins', p.maxBins, 2, 255);
}

/** Rows with a positive weight, each once (the tree's and boosting's training rows). */
export function weightedRows(data: Dataset): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < data.n; i++) if (weightOf(data, i) > 0) rows.push(i);
  if (rows.length === 0) throw classifierError('tree: every row has weight 0');
  return Int32Array.from(rows);
}

/** The classification grow options for tree params, given the total training weight. */
export function classificationOptions(p: TreeParams, d: number, totalWeight: number, where: string): GrowOptions {
  if (p.criterion !== 'gini' && p.criterion !== 'entropy') {
    throw classifierError(`${where}: param criterion is ${String(p.criterion)}, expected 'gini' or 'entropy'`);
  }
  checkTreeParams(where, p);
  checkParam(where, 'minImpurityDecrease', p.minImpurityDecrease, 0);
  return {
    mode: p.criterion,
    maxDepth: p.maxDepth,
    minSamplesLeaf: p.minSamplesLeaf,
    minSamplesSplit: p.minSamplesSplit,
    minChildWeight: 0,
    minGain: p.minImpurityDecrease * totalWeight,
    maxFeatures: resolveMaxFeatures(p.maxFeatures, d, where),
    lambda: 0,
  };
}

/**
 * Fits one classification tree (feature subsampling, if any, seeded by ctx.seed).
 * @example fitTree(data, { maxDepth: 3 }, ctx).tree.threshold[0]
 */
/** Per-row statistics for growing classification trees: a = the row's weight, b = weight × label, and their total. */
export function classStatistics(data: Dataset): { a: Float64Array; b: Float64Array; total: number } {
  const a = new Float64Array(data.n);
  const b = new Float64Array(data.n);
  let total = 0;
  for (let i = 0; i < data.n; i++) {
    a[i] = weightOf(data, i);
    b[i] = a[i]! * data.labels[i]!;
    total += a[i]!;
  }
  return { a, b, total };
}

export function fitTree(data: Dataset, params: Partial<TreeParams>, ctx: FitContext): TreeModel {
  const p: TreeParams = { ...treeDefaults, ...params };
  checkDataset(data, 'tree');
  // 1. Bin the features; per-row statistics a = w, b = w·y.
  const binned = binFeatures(data, p.maxBins, ctx.signal);
  const { a, b, total } = classStatistics(data);
  // 2. Grow over every row with positive weight.
  const options = classificationOptions(p, data.d, total, 'tree');
  const tree = growTree(binned, weightedRows(data), a, b, options, new Rng(ctx.seed), ctx.signal);
  ctx.progress(1, `tree fitted: ${tree.feature.length} nodes`);
  return new TreeModel(p, data.names, data.d, tree);
}

export class TreeModel implements Classifier {
  readonly kind = 'tree';

  constructor(
    readonly params: TreeParams,
    readonly names: readonly string[],
    readonly d: number,
    readonly tree: FlatTree,
  ) {}

  predictProba(features: Float64Array, n: number): Float64Array {
    checkRows(features, n, this.d, 'tree predict');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = treeValue(this.tree, features, this.d, i);
    return out;
  }

  toParts(): ModelParts {
    return { params: { ...this.params, d: this.d, names: [...this.names] }, arrays: packTrees([this.tree]) };
  }

  /** Rebuilds a tree from `toParts()` output, checking its structure. */
  static fromParts(parts: ModelParts): TreeModel {
    const d = partNumber(parts, 'd');
    const trees = unpackTrees(parts, d);
    if (trees.length !== 1) throw classifierError(`model parts: a tree model holds ${trees.length} trees, expected 1`);
    return new TreeModel(treeParamsOf(parts), namesOf(parts), d, trees[0]!);
  }
}

/** The tree params stored in model parts (missing ones take their defaults). */
export function treeParamsOf(parts: ModelParts): TreeParams {
  const pick = <K extends keyof TreeParams>(key: K): TreeParams[K] => (parts.params[key] ?? treeDefaults[key]) as TreeParams[K];
  return {
    criterion: pick('criterion'),
    maxDepth: pick('maxDepth'),
    minSamplesLeaf: pick('minSamplesLeaf'),
    minSamplesSplit: pick('minSamplesSplit'),
    minImpurityDecrease: pick('minImpurityDecrease'),
    maxFeatures: pick('maxFeatures'),
    maxBins: pick('maxBins'),
  };
}

/** The feature names stored in model parts. */
export function namesOf(parts: ModelParts): string[] {
  return Array.isArray(parts.params.names) ? parts.params.names.map(String) : [];
}

/**
 * A random forest: classification trees on bootstrap samples with features drawn at each split, averaging the
 * trees' leaf probabilities (scikit-learn's RandomForestClassifier, on binned features). The features are binned
 * once for all trees. Tree t draws from its own generator seeded by (ctx.seed, t), so a forest is the same
 * whatever order its trees are grown in.
 *
 * Missing values (NaN): as in tree.ts, each split learns where NaN rows go.
 */
import type { FitContext } from '../matrix.js';
import { binFeatures } from './bins.js';
import { checkDataset, checkParam, checkRows, classifierError, partNumber, Rng, type Classifier, type Dataset, type ModelParts } from './dataset.js';
import { packTrees, treeValue, unpackTrees, type FlatTree } from './flat-tree.js';
import { growTree } from './grow.js';
import { classificationOptions, classStatistics, namesOf, treeDefaults, treeParamsOf, weightedRows, type TreeParams } from './tree.js';

export interface ForestParams extends TreeParams {
  readonly nTrees: number;
  /** Draw each tree's rows with replacement (false: every tree sees every row; only the feature draws differ). */
  readonly bootstrap: boolean;
  /** Bootstrap sample size as a fraction of the rows. */
  readonly maxSamples: number;
}

export const forestDefaults: ForestParams = {
  ...treeDefaults,
  maxDepth: 16,
  maxFeatures: 'sqrt',
  nTrees: 100,
  bootstrap: true,
  maxSamples: 1,
};

/**
 * Fits a random forest.
 * @example fitForest(data, { nTrees: 100, maxFeatures: 'sqrt' }, ctx).predictProba(x, n)
 */
export function fitForest(data: Dataset, params: Partial<ForestParams>, ctx: FitContext): ForestModel {
  const p: ForestParams = { ...forestDefaults, ...params };
  checkDataset(data, 'forest');
  checkParam('forest', 'nTrees', p.nTrees, 1, 100_000);
  checkParam('forest', 'maxSamples', p.maxSamples, 1e-9, 1);
  // 1. Bin once; per-row statistics a = w, b = w·y as for one tree.
  const binned = binFeatures(data, p.maxBins, ctx.signal);
  const { a, b, total } = classStatistics(data);
  const options = classificationOptions(p, data.d, total, 'forest');
  const pool = weightedRows(data);
  const sampleSize = Math.max(1, Math.round(p.maxSamples * pool.length));
  const counts = new Int32Array(data.n);
  const trees: FlatTree[] = [];
  for (let t = 0; t < p.nTrees; t++) {
    ctx.signal.throwIfAborted();
    const rng = new Rng(ctx.seed, t + 1);
    // 2. Bootstrap: count the draws per row, then list rows in ascending order (repeats kept) for locality.
    let rows = pool;
    if (p.bootstrap) {
      counts.fill(0);
      for (let k = 0; k < sampleSize; k++) counts[pool[rng.int(pool.length)]!]!++;
      rows = new Int32Array(sampleSize);
      let at = 0;
      for (let i = 0; i < data.n; i++) for (let c = counts[i]!; c > 0; c--) rows[at++] = i;
    }
    // 3. Grow the tree with per-split feature draws from the same generator.
    trees.push(growTree(binned, rows, a, b, options, rng, ctx.signal));
    ctx.progress((t + 1) / p.nTrees, `forest: ${t + 1} of ${p.nTrees} trees`);
  }
  return new ForestModel(p, data.names, data.d, trees);
}

export class ForestModel implements Classifier {
  readonly kind = 'forest';

  constructor(
    readonly params: ForestParams,
    readonly names: readonly string[],
    readonly d: number,
    readonly trees: readonly FlatTree[],
  ) {}

  /** The mean of the trees' leaf probabilities. */
  predictProba(features: Float64Array, n: number): Float64Array {
    checkRows(features, n, this.d, 'forest predict');
    const out = new Float64Array(n);
    for (const tree of this.trees) for (let i = 0; i < n; i++) out[i]! += treeValue(tree, features, this.d, i);
    for (let i = 0; i < n; i++) out[i]! /= this.trees.length;
    return out;
  }

  toParts(): ModelParts {
    return { params: { ...this.params, d: this.d, names: [...this.names] }, arrays: packTrees(this.trees) };
  }

  /** Rebuilds a forest from `toParts()` output, checking every tree's structure. */
  static fromParts(parts: ModelParts): ForestModel {
    const d = partNumber(parts, 'd');
    const trees = unpackTrees(parts, d);
    if (trees.length === 0) throw classifierError('model parts: a forest holds no trees');
    const params: ForestParams = {
      ...treeParamsOf(parts),
      nTrees: trees.length,
      bootstrap: parts.params.bootstrap !== false,
      maxSamples: typeof parts.params.maxSamples === 'number' ? parts.params.maxSamples : 1,
    };
    return new ForestModel(params, namesOf(parts), d, trees);
  }
}

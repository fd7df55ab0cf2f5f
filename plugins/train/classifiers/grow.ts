/**
 * Grows one decision tree on binned features, depth first. Two kinds of node statistic, both sums over rows:
 * - classification (`gini` / `entropy`): a = Σ w, b = Σ w·y; a leaf predicts b / a = P(y = 1);
 * - boosting (`newton`): a = Σ hessian, b = Σ gradient; a leaf predicts −b / (a + λ) (XGBoost's leaf weight).
 * A split's gain is score(parent) − score(left) − score(right), for a per-node score that is the weighted
 * impurity (Gini 2·b·(a − b)/a, or entropy in bits), or −½·b²/(a + λ) for boosting.
 *
 * Missing values: every split tries sending the node's NaN rows left and right and keeps the better; it also
 * tries "observed left, NaN right" (threshold +∞). A node that saw no NaN sends them to its larger child.
 */
import { MISSING, type Binned } from './bins.js';
import type { FlatTree } from './flat-tree.js';
import type { Rng } from './dataset.js';

export type SplitMode = 'gini' | 'entropy' | 'newton';

export interface GrowOptions {
  readonly mode: SplitMode;
  /** The root has depth 0; a node at maxDepth is a leaf. */
  readonly maxDepth: number;
  /** Least number of rows (bootstrap repeats count) in each child. */
  readonly minSamplesLeaf: number;
  readonly minSamplesSplit: number;
  /** Least statistic `a` (weight, or hessian when boosting) in each child. */
  readonly minChildWeight: number;
  /** Least gain for a split; for classification a zero-gain split is allowed when this is 0 (as in CART). */
  readonly minGain: number;
  /** Features drawn (without replacement) at each node; d means all. */
  readonly maxFeatures: number;
  /** L2 penalty on boosting leaf values. */
  readonly lambda: number;
}

interface Split {
  gain: number;
  feature: number;
  bin: number; // left = codes ≤ bin; bin = number of edges means "every observed value"
  nanLeft: boolean;
}

/**
 * Grows a tree over `rows` (row indices into the binned matrix, repeats allowed) with per-row statistics a, b.
 * @example growTree(binFeatures(data, 64), rows, weights, weightedLabels, options, new Rng(seed), signal)
 */
export function growTree(
  binned: Binned,
  rows: Int32Array,
  a: Float64Array,
  b: Float64Array,
  options: GrowOptions,
  rng: Rng,
  signal: AbortSignal,
): FlatTree {
  const { n, d, codes, edges } = binned;
  const missing = MISSING; // a local: module bindings can compile to getters, too slow in the histogram loop
  const nodes = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], nanLeft: [] as number[], value: [] as number[] };
  const order = rows.slice();
  const scratch = new Int32Array(order.length);
  const perm = Int32Array.from({ length: d }, (_, j) => j);
  const maxBins = edges.reduce((m, e) => Math.max(m, e.length + 1), 1);
  const histCount = new Float64Array(maxBins);
  const histA = new Float64Array(maxBins);
  const histB = new Float64Array(maxBins);
  const score = scoreFunction(options);
  const minLeaf = options.minSamplesLeaf;
  const minWeight = options.minChildWeight;
  const newNode = (): number => {
    for (const list of Object.values(nodes)) list.push(0);
    return nodes.feature.length - 1;
  };
  // 1. Depth-first over (node, row range, depth); the root covers every row.
  const stack: [node: number, from: number, to: number, depth: number][] = [[newNode(), 0, order.length, 0]];
  while (stack.length > 0) {
    signal.throwIfAborted();
    const [node, from, to, depth] = stack.pop()!;
    let sumA = 0;
    let sumB = 0;
    for (let k = from; k < to; k++) {
      sumA += a[order[k]!]!;
      sumB += b[order[k]!]!;
    }
    nodes.feature[node] = -1;
    // A saturated boosting node can have a = 0 (hessians underflow) and λ = 0: its step is then 0, not 0 / 0.
    const denominator = options.mode === 'newton' ? sumA + options.lambda : sumA;
    nodes.value[node] = denominator > 0 ? (options.mode === 'newton' ? -sumB : sumB) / denominator : options.mode === 'newton' ? 0 : 0.5;
    const count = to - from;
    const pure = options.mode !== 'newton' && (sumB <= 0 || sumB >= sumA);
    if (depth >= options.maxDepth || count < options.minSamplesSplit || count < 2 * options.minSamplesLeaf || pure) continue;
    // 2. Draw the node's features (a partial Fisher–Yates shuffle), ascending so that ties pick the lowest index.
    const k = Math.min(options.maxFeatures, d);
    if (k < d) {
      for (let t = 0; t < k; t++) {
        const s = t + rng.int(d - t);
        const tmp = perm[t]!;
        perm[t] = perm[s]!;
        perm[s] = tmp;
      }
    }
    const candidates = k < d ? perm.slice(0, k).sort() : perm;
    // 3. For each drawn feature: a histogram of the node's rows, then a scan over its edges.
    const parent = score(sumA, sumB);
    const best: Split = { gain: -Infinity, feature: -1, bin: 0, nanLeft: false };
    for (const f of candidates) {
      const nb = edges[f]!.length + 1;
      histCount.fill(0, 0, nb);
      histA.fill(0, 0, nb);
      histB.fill(0, 0, nb);
      let missCount = 0;
      let missA = 0;
      let missB = 0;
      const base = f * n;
      for (let r = from; r < to; r++) {
        const i = order[r]!;
        const c = codes[base + i]!;
        if (c === missing) {
          missCount++;
          missA += a[i]!;
          missB += b[i]!;
        } else {
          histCount[c]!++;
          histA[c]! += a[i]!;
          histB[c]! += b[i]!;
        }
      }
      // Empty bins are skipped: their partitions repeat the previous bin's (ties keep the lower threshold).
      // The last bin is never a left side on its own unless NaN rows go right (the threshold +∞ split).
      const lastBin = missCount > 0 ? nb - 1 : nb - 2;
      let cL = 0;
      let aL = 0;
      let bL = 0;
      for (let bin = 0; bin <= lastBin; bin++) {
        if (histCount[bin] === 0) continue;
        cL += histCount[bin]!;
        aL += histA[bin]!;
        bL += histB[bin]!;
        // side 0: NaN rows right; side 1: NaN rows left (only when there are some and observed rows remain right)
        const sides = missCount > 0 && bin < nb - 1 ? 2 : 1;
        for (let side = 0; side < sides; side++) {
          const c = side === 0 ? cL : cL + missCount;
          const sa = side === 0 ? aL : aL + missA;
          const sb = side === 0 ? bL : bL + missB;
          if (c < minLeaf || count - c < minLeaf || sa < minWeight || sumA - sa < minWeight) continue;
          const gain = parent - score(sa, sb) - score(sumA - sa, sumB - sb);
          if (gain > best.gain) {
            best.gain = gain;
            best.feature = f;
            best.bin = bin;
            best.nanLeft = side === 1;
          }
        }
      }
    }
    // 4. Keep the best split if it gains enough (classification: ≥ minGain up to rounding; boosting: > minGain).
    const tolerance = 1e-12 * Math.max(1, Math.abs(parent));
    const enough = options.mode === 'newton' ? best.gain > options.minGain + tolerance : best.gain >= options.minGain - tolerance;
    if (best.feature < 0 || !enough) continue;
    // 5. Stable partition of the node's rows: left ones first, in their current order.
    const fEdges = edges[best.feature]!;
    const base = best.feature * n;
    let l = from;
    let r = 0;
    let sawNaN = false;
    for (let t = from; t < to; t++) {
      const i = order[t]!;
      const c = codes[base + i]!;
      if (c === missing) sawNaN = true;
      const goLeft = c === missing ? best.nanLeft : c <= best.bin;
      if (goLeft) order[l++] = i;
      else scratch[r++] = i;
    }
    order.set(scratch.subarray(0, r), l);
    const left = newNode();
    const right = newNode();
    nodes.feature[node] = best.feature;
    nodes.threshold[node] = best.bin < fEdges.length ? fEdges[best.bin]! : Infinity;
    nodes.left[node] = left;
    nodes.right[node] = right;
    nodes.nanLeft[node] = (sawNaN ? best.nanLeft : l - from >= to - l) ? 1 : 0;
    // Right pushed first so the left subtree is grown first (node numbering then reads depth first).
    stack.push([right, l, to, depth + 1], [left, from, l, depth + 1]);
  }
  return {
    feature: Int32Array.from(nodes.feature),
    threshold: Float64Array.from(nodes.threshold),
    left: Int32Array.from(nodes.left),
    right: Int32Array.from(nodes.right),
    nanLeft: Int32Array.from(nodes.nanLeft),
    value: Float64Array.from(nodes.value),
  };
}

/** The per-node score whose decrease is a split's gain. */
function scoreFunction(options: GrowOptions): (a: number, b: number) => number {
  switch (options.mode) {
    case 'gini':
      return (a, b) => (a > 0 ? (2 * b * (a - b)) / a : 0);
    case 'entropy':
      return (a, b) => (a > 0 ? -xlog2(b / a) * a - xlog2((a - b) / a) * a : 0);
    case 'newton': {
      const { lambda } = options;
      return (a, b) => (-0.5 * b * b) / (a + lambda);
    }
  }
}

function xlog2(p: number): number {
  return p > 0 ? p * Math.log2(p) : 0;
}

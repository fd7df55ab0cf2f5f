/**
 * A fitted decision tree as flat typed arrays (one entry per node), and packing several of them into one set
 * of model-file arrays. Children always have larger indices than their parent (the grower numbers nodes in
 * creation order), which `unpackTrees` checks so that a corrupt model file cannot make prediction loop.
 */
import { classifierError, partArray, type ModelParts, type PartArray } from './dataset.js';

export interface FlatTree {
  /** The split feature, or −1 for a leaf. */
  readonly feature: Int32Array;
  /** Go left when x ≤ threshold (threshold may be +∞: "every observed value left, NaN right"). */
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** 1 when a NaN goes left. */
  readonly nanLeft: Int32Array;
  /** The leaf's output: P(label = 1) for a classification tree, a raw score step for a boosting tree. */
  readonly value: Float64Array;
}

/** The value of the leaf that row i of a row-major matrix (d columns) falls in. */
export function treeValue(tree: FlatTree, features: Float64Array, d: number, i: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node]!;
    if (f < 0) return tree.value[node]!;
    const x = features[i * d + f]!;
    const goLeft = Number.isNaN(x) ? tree.nanLeft[node] === 1 : x <= tree.threshold[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
}

/** The depth of the deepest leaf (a lone leaf has depth 0). */
export function treeDepth(tree: FlatTree): number {
  const depth = new Int32Array(tree.feature.length);
  let max = 0;
  for (let k = 0; k < tree.feature.length; k++) {
    max = Math.max(max, depth[k]!);
    if (tree.feature[k]! >= 0) depth[tree.left[k]!] = depth[tree.right[k]!] = depth[k]! + 1;
  }
  return max;
}

/** Concatenates trees into one set of arrays; `treeStart[t]` is tree t's first node, child indices stay local. */
export function packTrees(trees: readonly FlatTree[]): Record<string, PartArray> {
  const treeStart = new Int32Array(trees.length + 1);
  trees.forEach((t, k) => (treeStart[k + 1] = treeStart[k]! + t.feature.length));
  const total = treeStart[trees.length]!;
  const out = {
    treeStart,
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    nanLeft: new Int32Array(total),
    value: new Float64Array(total),
  };
  trees.forEach((t, k) => {
    const at = treeStart[k]!;
    out.feature.set(t.feature, at);
    out.threshold.set(t.threshold, at);
    out.left.set(t.left, at);
    out.right.set(t.right, at);
    out.nanLeft.set(t.nanLeft, at);
    out.value.set(t.value, at);
  });
  return out;
}

/** The inverse of `packTrees`, checking that every tree is well formed for `d` features. */
export function unpackTrees(parts: ModelParts, d: number): FlatTree[] {
  const treeStart = partArray(parts, 'treeStart', Int32Array);
  const total = treeStart[treeStart.length - 1] ?? 0;
  const all = {
    feature: partArray(parts, 'feature', Int32Array, total),
    threshold: partArray(parts, 'threshold', Float64Array, total),
    left: partArray(parts, 'left', Int32Array, total),
    right: partArray(parts, 'right', Int32Array, total),
    nanLeft: partArray(parts, 'nanLeft', Int32Array, total),
    value: partArray(parts, 'value', Float64Array, total),
  };
  const trees: FlatTree[] = [];
  for (let t = 0; t + 1 < treeStart.length; t++) {
    const from = treeStart[t]!;
    const to = treeStart[t + 1]!;
    if (!(from >= 0 && to > from && to <= total)) throw classifierError(`model parts: tree ${t} has bad bounds ${from}…${to}`);
    const tree: FlatTree = {
      feature: all.feature.subarray(from, to),
      threshold: all.threshold.subarray(from, to),
      left: all.left.subarray(from, to),
      right: all.right.subarray(from, to),
      nanLeft: all.nanLeft.subarray(from, to),
      value: all.value.subarray(from, to),
    };
    const size = to - from;
    for (let k = 0; k < size; k++) {
      const f = tree.feature[k]!;
      if (f >= d || f < -1) throw classifierError(`model parts: tree ${t} node ${k} splits on feature ${f} of ${d}`);
      if (f >= 0 && !(tree.left[k]! > k && tree.left[k]! < size && tree.right[k]! > k && tree.right[k]! < size)) {
        throw classifierError(`model parts: tree ${t} node ${k} has children outside (${k}, ${size})`);
      }
    }
    trees.push(tree);
  }
  return trees;
}

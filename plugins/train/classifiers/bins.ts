/**
 * Histogram binning for the tree learners: each feature's values become small integer codes once per fit, so
 * a split search is a pass over bytes instead of a sort per node (the LightGBM / scikit-learn
 * HistGradientBoosting idea). Bin edges are midpoints between adjacent distinct values, so with few distinct
 * values a split lands exactly where exact CART would put it: on 1-D data {1, 2, 3} the candidates are 1.5, 2.5.
 */
import { classifierError, type Dataset } from './dataset.js';

/** The code of a missing (NaN) value; real codes are 0 … maxBins − 1 ≤ 254. */
export const MISSING = 255;

/** Binned features, column-major so that scanning one feature over a node's rows stays in one small block. */
export interface Binned {
  readonly n: number;
  readonly d: number;
  /** codes[j × n + i]: the bin of row i, feature j; MISSING for NaN. */
  readonly codes: Uint8Array;
  /**
   * Per feature, ascending edges: bin b holds values in (edges[b − 1], edges[b]], the last bin the values above
   * the last edge. So `x ≤ edges[b]` ⇔ `code(x) ≤ b`, which lets a tree store a real threshold.
   */
  readonly edges: readonly Float64Array[];
}

/** Values sorted per feature to place edges; above this many rows a fixed stride sample is used. */
const MAX_SAMPLE = 1 << 18;

/**
 * Bins every feature into at most `maxBins` (2 … 255) bins placed at quantiles of its observed values.
 * @example binFeatures(data, 64).codes[j * data.n + i]
 */
export function binFeatures(data: Dataset, maxBins: number, signal?: AbortSignal): Binned {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw classifierError(`binning: maxBins is ${maxBins}, expected an integer in [2, 255]`);
  }
  const { n, d, features } = data;
  const codes = new Uint8Array(n * d);
  const edges: Float64Array[] = [];
  const stride = Math.max(1, Math.ceil(n / MAX_SAMPLE));
  for (let j = 0; j < d; j++) {
    signal?.throwIfAborted();
    // 1. The feature's observed values (a stride sample for very large n), sorted.
    const values: number[] = [];
    for (let i = 0; i < n; i += stride) {
      const x = features[i * d + j]!;
      if (!Number.isNaN(x)) values.push(x);
    }
    const sorted = Float64Array.from(values).sort();
    const e = quantileEdges(sorted, maxBins);
    edges.push(e);
    // 2. Each value's code: the first edge it does not exceed (binary search).
    for (let i = 0; i < n; i++) {
      const x = features[i * d + j]!;
      codes[j * n + i] = Number.isNaN(x) ? MISSING : binOf(e, x);
    }
  }
  return { n, d, codes, edges };
}

/** The bin of x: the smallest b with x ≤ edges[b], or edges.length when x is above every edge. */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Edges between adjacent distinct values: all of them when there are few, else at evenly spaced ranks. */
function quantileEdges(sorted: Float64Array, maxBins: number): Float64Array {
  // 1. Distinct values and the rank just past each one.
  const distinct: number[] = [];
  const rankEnd: number[] = [];
  for (let k = 0; k < sorted.length; k++) {
    if (k === 0 || sorted[k] !== sorted[k - 1]) distinct.push(sorted[k]!);
    rankEnd[distinct.length - 1] = k + 1;
  }
  const midpoint = (t: number): number => {
    const a = distinct[t]!;
    const b = distinct[t + 1]!;
    const m = a + (b - a) / 2;
    return m < b ? m : a; // adjacent floats: keep a so that b stays right of the edge
  };
  if (distinct.length <= maxBins) return Float64Array.from(distinct.slice(0, -1), (_, t) => midpoint(t));
  // 2. Too many: cut after the distinct value holding rank q·len/maxBins, q = 1 … maxBins − 1, without repeats.
  const out: number[] = [];
  let t = 0;
  for (let q = 1; q < maxBins; q++) {
    const target = (q * sorted.length) / maxBins;
    while (t < distinct.length - 1 && rankEnd[t]! < target) t++;
    if (t >= distinct.length - 1) break;
    const edge = midpoint(t);
    if (out.length === 0 || edge > out[out.length - 1]!) out.push(edge);
  }
  return Float64Array.from(out);
}

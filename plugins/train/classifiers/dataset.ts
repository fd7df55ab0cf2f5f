/**
 * What every binary classifier in this folder shares: the dense dataset it fits on, the plain `ModelParts` a
 * model file stores (JSON params + typed arrays, never code), and small helpers (validation, a seeded random
 * generator, log loss). Missing values are NaN; each model documents what it does with them.
 */
import { PluginError } from '../../../engine/sdk.js';

/** A dense n × d feature matrix (row-major; NaN = missing) with 0/1 labels and optional per-row weights. */
export interface Dataset {
  readonly features: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly names: readonly string[];
  readonly labels: Uint8Array;
  /** Per-row weights (> 0 counts, = 0 ignores the row); absent means every row weighs 1. */
  readonly weights?: Float64Array;
}

export type PartArray = Float32Array | Int32Array | Float64Array;

/** A fitted model as plain data: JSON-able params and named typed arrays, so a model file can store it. */
export interface ModelParts {
  readonly params: Record<string, unknown>;
  readonly arrays: Record<string, PartArray>;
}

/** A fitted binary classifier. */
export interface Classifier {
  readonly kind: ClassifierKind;
  /** The number of features it expects per row. */
  readonly d: number;
  /** P(label = 1) for each of the n rows of a row-major n × d matrix. */
  predictProba(features: Float64Array, n: number): Float64Array;
  toParts(): ModelParts;
}

export type ClassifierKind = 'naive-bayes' | 'logistic' | 'tree' | 'forest' | 'gbt' | 'voting' | 'stacking';

/** A bad dataset, bad params or a corrupt model file: trying again cannot help. */
export function classifierError(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

/** Checks the dataset's shapes and labels; throws a clear error naming what is wrong. */
export function checkDataset(data: Dataset, where: string): void {
  const { n, d } = data;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) {
    throw classifierError(`${where}: dataset needs n ≥ 1 rows and d ≥ 1 features, got n=${n}, d=${d}`);
  }
  if (data.features.length !== n * d) {
    throw classifierError(`${where}: features has ${data.features.length} values, expected n × d = ${n * d}`);
  }
  if (data.labels.length !== n) throw classifierError(`${where}: labels has ${data.labels.length} values, expected ${n}`);
  if (data.names.length !== d) throw classifierError(`${where}: names has ${data.names.length} entries, expected ${d}`);
  for (let i = 0; i < n; i++) {
    if (data.labels[i]! > 1) throw classifierError(`${where}: label of row ${i} is ${data.labels[i]}, expected 0 or 1`);
  }
  if (data.weights !== undefined) {
    if (data.weights.length !== n) throw classifierError(`${where}: weights has ${data.weights.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) {
      const w = data.weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw classifierError(`${where}: weight of row ${i} is ${w}, expected ≥ 0`);
    }
  }
}

/** Checks a prediction input against the model's feature count. */
export function checkRows(features: Float64Array, n: number, d: number, where: string): void {
  if (!Number.isInteger(n) || n < 0 || features.length !== n * d) {
    throw classifierError(`${where}: features has ${features.length} values, expected n × d = ${n} × ${d}`);
  }
}

/** Row weight i (1 when the dataset has none). */
export function weightOf(data: Dataset, i: number): number {
  return data.weights === undefined ? 1 : data.weights[i]!;
}

/** Reads one typed array from model parts, checking its type and (optionally) its length. */
export function partArray<T extends PartArray>(
  parts: ModelParts,
  name: string,
  type: { new (length: number): T; readonly name: string },
  length?: number,
): T {
  const a = parts.arrays[name];
  if (!(a instanceof type)) throw classifierError(`model parts: array "${name}" is missing or not a ${type.name}`);
  if (length !== undefined && a.length !== length) {
    throw classifierError(`model parts: array "${name}" has ${a.length} values, expected ${length}`);
  }
  return a;
}

/** Reads one numeric param from model parts. */
export function partNumber(parts: ModelParts, name: string): number {
  const v = parts.params[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw classifierError(`model parts: param "${name}" is not a number`);
  return v;
}

/** Throws a clear error unless `value` is a finite number within [min, max]. */
export function checkParam(where: string, name: string, value: number, min: number, max = Infinity): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw classifierError(`${where}: param ${name} is ${value}, expected a number in [${min}, ${max}]`);
  }
}

/**
 * A small seeded generator (mulberry32 over a splitmix-style hash of seed and stream), so that e.g. tree t of a
 * forest draws the same numbers whatever order trees are fitted in.
 */
export class Rng {
  private state: number;

  constructor(seed: number, stream = 0) {
    let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.state = (h ^ (h >>> 16)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Mean (weighted) log loss of probabilities against 0/1 labels, with p clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(labels: Uint8Array, proba: Float64Array, weights?: Float64Array): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights === undefined ? 1 : weights[i]!;
    const p = Math.min(Math.max(proba[i]!, 1e-15), 1 - 1e-15);
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    total += w;
  }
  return sum / total;
}

/** Fraction of rows where (p ≥ 0.5) matches the label. */
export function accuracy(labels: Uint8Array, proba: Float64Array): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) hits += (proba[i]! >= 0.5 ? 1 : 0) === labels[i] ? 1 : 0;
  return hits / labels.length;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Turns decision values (log-odds) into probabilities, in place. */
export function sigmoidInPlace(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] = sigmoid(values[i]!);
  return values;
}

/** The rows of `data` at `rows`, as a new dataset (for folds and subsamples). */
export function subset(data: Dataset, rows: ArrayLike<number>): Dataset {
  const { d } = data;
  const features = new Float64Array(rows.length * d);
  const labels = new Uint8Array(rows.length);
  const weights = data.weights === undefined ? undefined : new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    features.set(data.features.subarray(i * d, i * d + d), k * d);
    labels[k] = data.labels[i]!;
    if (weights !== undefined) weights[k] = data.weights![i]!;
  }
  return { features, n: rows.length, d, names: data.names, labels, ...(weights === undefined ? {} : { weights }) };
}

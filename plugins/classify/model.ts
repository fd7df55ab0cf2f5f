/**
 * The classifier's model file: algorithm "classifier", the feature names in order (`ids.features`), their
 * preprocessing, and the classifier's parts. The file format stores float32 and int32 arrays only, and the
 * classifiers keep thresholds and leaf values in float64 (rounding a split threshold could send a value to the
 * other side), so a float64 array is stored bit for bit as little-endian int32 pairs under `<name>:f64`.
 */
import type { JsonObject } from '../../engine/sdk.js';
import type { ModelArray, ModelHeader, ModelHeaderInput } from '../evaluate/model-file.js';
import type { Classifier, ModelParts, PartArray } from '../train/classifiers/dataset.js';
import { classifierFromParts } from '../train/classifiers/stacking.js';
import { invalid } from './table.js';

export const ALGORITHM = 'classifier';

/** The header fields and arrays for `encodeModel`. */
export function modelFile(
  model: Classifier,
  info: { features: readonly string[]; preprocessing: JsonObject[]; threshold: number; label: string; seed: number; lineage: JsonObject; metrics: JsonObject },
): { header: ModelHeaderInput; arrays: Record<string, ModelArray> } {
  const parts = model.toParts();
  const arrays: Record<string, ModelArray> = {};
  for (const [name, a] of Object.entries(parts.arrays)) {
    if (a instanceof Float64Array) arrays[`${name}:f64`] = float64Bits(a);
    else arrays[name] = a;
  }
  const params = {
    kind: model.kind,
    label: info.label,
    threshold: info.threshold,
    seed: info.seed,
    preprocessing: {
      booleans: 'read as 0/1',
      missing: 'NULL, NaN and ±Infinity are NaN (missing): trees learn where it goes, logistic regression imputes its training mean, naive Bayes leaves the feature out',
      features: info.preprocessing,
    },
    classifier: parts.params,
  } as unknown as JsonObject;
  return {
    header: { algorithm: ALGORITHM, params, ids: { features: [...info.features] }, lineage: info.lineage, metrics: info.metrics, createdBy: 'loom classify@1.0.0' },
    arrays,
  };
}

export interface LoadedClassifier {
  /** The feature names, in the order the model reads them. */
  readonly features: string[];
  readonly kind: string;
  readonly threshold: number;
  /** P(label = 1) per row; a row must name every feature (null, NaN and non-finite values are missing). */
  predict(rows: Record<string, number>[]): Float64Array;
}

/**
 * Rebuilds a classifier from a decoded model file, checking that it is one and that its parts fit its features.
 * @example const { header, arrays } = decodeModel(bytes); loadClassifier(header, arrays).predict([{ recency_days: 3, frequency: 5 }])
 */
export function loadClassifier(header: Pick<ModelHeader, 'algorithm' | 'params' | 'ids'>, arrays: Readonly<Record<string, ModelArray>>): LoadedClassifier {
  if (header.algorithm !== ALGORITHM) throw invalid(`model file: algorithm is "${header.algorithm}", not "${ALGORITHM}"`);
  const features = header.ids.features;
  if (!Array.isArray(features) || features.length === 0) throw invalid('model file: ids.features must list the feature names');
  const params = header.params as Record<string, unknown>;
  const kind = String(params.kind);
  const threshold = typeof params.threshold === 'number' ? params.threshold : 0.5;
  const parts: ModelParts = { params: (params.classifier ?? {}) as Record<string, unknown>, arrays: unpackArrays(arrays) };
  const model = classifierFromParts(kind, parts);
  if (model.d !== features.length) throw invalid(`model file: the ${kind} model reads ${model.d} features but ids.features names ${features.length}`);
  const names = [...features];
  return {
    features: names,
    kind,
    threshold,
    predict(rows) {
      const d = names.length;
      const x = new Float64Array(rows.length * d);
      rows.forEach((row, i) => {
        names.forEach((name, j) => {
          const v = (row as Record<string, unknown>)[name];
          if (v === undefined) throw invalid(`row ${i}: feature "${name}" is missing; the model reads ${names.join(', ')}`);
          const value = v === null ? NaN : typeof v === 'boolean' ? Number(v) : v;
          if (typeof value !== 'number') throw invalid(`row ${i}: feature "${name}" is ${JSON.stringify(v)}, not a number`);
          x[i * d + j] = Number.isFinite(value) ? value : NaN;
        });
      });
      return model.predictProba(x, rows.length);
    },
  };
}

function float64Bits(a: Float64Array): Int32Array {
  const view = new DataView(new ArrayBuffer(a.length * 8));
  a.forEach((v, i) => view.setFloat64(8 * i, v, true));
  const out = new Int32Array(a.length * 2);
  for (let k = 0; k < out.length; k++) out[k] = view.getInt32(4 * k, true);
  return out;
}

function unpackArrays(arrays: Readonly<Record<string, ModelArray>>): Record<string, PartArray> {
  const out: Record<string, PartArray> = {};
  for (const [name, a] of Object.entries(arrays)) {
    if (!name.endsWith(':f64')) {
      out[name] = a;
      continue;
    }
    if (!(a instanceof Int32Array) || a.length % 2 !== 0) throw invalid(`model file: array "${name}" must be an int32 array of even length`);
    const view = new DataView(new ArrayBuffer(a.length * 4));
    a.forEach((v, k) => view.setInt32(4 * k, v, true));
    out[name.slice(0, -4)] = Float64Array.from({ length: a.length / 2 }, (_, i) => view.getFloat64(8 * i, true));
  }
  return out;
}

/**
 * Nesting sub-models' parts inside the ranker's parts. A model file stores only float32 and int32 arrays, but
 * the classifiers keep thresholds and leaf values in float64: rounding a threshold to float32 could send a
 * value to the other side of a split, so a float64 array is stored bit for bit as an int32 array of twice the
 * length, under its name with the suffix `:f64`.
 */
import { invalid, type ModelArrays } from '../algorithms/common.js';

type AnyArray = Float32Array | Int32Array | Float64Array;

/** `arrays` under `prefix.`, float64 arrays reinterpreted as int32 pairs. */
export function nest(prefix: string, arrays: Readonly<Record<string, AnyArray>>): ModelArrays {
  const out: ModelArrays = {};
  for (const [name, a] of Object.entries(arrays)) {
    if (a instanceof Float64Array) out[`${prefix}.${name}:f64`] = new Int32Array(a.slice().buffer);
    else out[`${prefix}.${name}`] = a;
  }
  return out;
}

/** The arrays under `prefix.`, with the prefix removed and `:f64` arrays turned back into float64. */
export function unnest(prefix: string, arrays: ModelArrays): Record<string, AnyArray> {
  const out: Record<string, AnyArray> = {};
  for (const [name, a] of Object.entries(arrays)) {
    if (!name.startsWith(`${prefix}.`)) continue;
    const rest = name.slice(prefix.length + 1);
    if (!rest.endsWith(':f64')) {
      out[rest] = a;
      continue;
    }
    if (!(a instanceof Int32Array) || a.length % 2 !== 0) invalid('ranker.fromParts', `array "${name}" must be an Int32Array of even length`);
    out[rest.slice(0, -4)] = new Float64Array(a.slice().buffer);
  }
  return out;
}

/**
 * What the collaborative-filtering modules share: the saved shape of a fitted model (`ModelParts`), checks
 * for params and for loaded parts, a seeded PRNG, a CSR transpose, and the `Pacer` that keeps long fits
 * cancellable.
 *
 * NOTE: every fit is `async`. A synchronous loop blocks the event loop, so an abort fired by a timer, an HTTP
 * request or a Temporal cancellation could never run, and `signal.aborted` would stay false until the fit
 * ended. The `Pacer` gives the event loop a turn every few tens of milliseconds instead.
 */
import { PluginError } from '../../../engine/sdk.js';
import type { FitContext, Interactions, Recommender } from '../matrix.js';

export type ModelArrays = Record<string, Float32Array | Int32Array>;

/** Everything a model file needs to save a fitted model: JSON-able params and named typed arrays. */
export interface ModelParts<P> {
  readonly params: P;
  readonly arrays: ModelArrays;
}

/** A fitted model that can be taken apart for saving; each module's class also has `static fromParts`. */
export interface FittedRecommender<P> extends Recommender {
  readonly params: P;
  toParts(): ModelParts<P>;
}

/** A sparse row-major matrix: row r's entries are at indptr[r] .. indptr[r+1]. */
export interface Rows {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Bad params or bad saved parts: trying again cannot help. */
export function invalid(where: string, message: string): never {
  throw new PluginError(`${where}: ${message}`, { retryable: false });
}

/** Checks that `value` is a number (an integer if asked) not below `min`; returns it. */
export function checkNumber(where: string, name: string, value: unknown, min: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    invalid(where, `"${name}" must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, name: string, value: unknown, options: readonly T[]): T {
  if (!options.includes(value as T)) {
    invalid(where, `"${name}" must be one of ${options.map((o) => `"${o}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Merges `given` over `defaults`, refusing keys the algorithm does not know (a typo would be ignored silently). */
export function withDefaults<P extends object>(where: string, given: unknown, defaults: P): P {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) invalid(where, 'params must be an object');
  for (const key of Object.keys(given)) {
    if (!(key in defaults)) invalid(where, `unknown param "${key}" (known: ${Object.keys(defaults).join(', ')})`);
  }
  return { ...defaults, ...(given as Partial<P>) };
}

/** Reads one saved array, checking its type and length, so a corrupt file fails here and not in `score`. */
export function partArray<T extends Float32Array | Int32Array>(
  where: string,
  arrays: ModelArrays,
  name: string,
  type: new (n: number) => T,
  length: number,
): T {
  const array = arrays[name];
  if (!(array instanceof type)) invalid(where, `array "${name}" is missing or not a ${type.name}`);
  if (array.length !== length) invalid(where, `array "${name}" has length ${array.length}, expected ${length}`);
  return array;
}

/** Reads a saved CSR matrix with `nRows` rows and checks its structure (monotone indptr, columns in range). */
export function partRows(where: string, arrays: ModelArrays, prefix: string, nRows: number, nCols: number): Rows {
  const indptr = partArray(where, arrays, `${prefix}Indptr`, Int32Array, nRows + 1);
  const nnz = indptr[nRows]!;
  const indices = partArray(where, arrays, `${prefix}Indices`, Int32Array, nnz);
  const values = partArray(where, arrays, `${prefix}Values`, Float32Array, nnz);
  for (let r = 0; r < nRows; r++) if (indptr[r]! > indptr[r + 1]!) invalid(where, `"${prefix}Indptr" decreases at row ${r}`);
  if (indptr[0] !== 0) invalid(where, `"${prefix}Indptr" must start at 0`);
  for (const c of indices) if (c < 0 || c >= nCols) invalid(where, `"${prefix}Indices" holds ${c}, outside 0..${nCols - 1}`);
  return { indptr, indices, values };
}

export function rowsToArrays(prefix: string, rows: Rows): ModelArrays {
  return { [`${prefix}Indptr`]: rows.indptr, [`${prefix}Indices`]: rows.indices, [`${prefix}Values`]: rows.values };
}

/** Checks the matrix's arrays agree with each other before any loop trusts them. */
export function checkMatrix(where: string, m: Interactions): void {
  if (m.indptr.length !== m.users.length + 1) invalid(where, `indptr has length ${m.indptr.length}, expected users + 1 = ${m.users.length + 1}`);
  const nnz = m.indptr[m.users.length]!;
  if (m.indices.length !== nnz || m.values.length !== nnz) invalid(where, `indices/values must have indptr[users] = ${nnz} entries`);
}

/** mulberry32: a tiny, fast, seeded PRNG with uniform floats in [0, 1); the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The transpose of a CSR matrix (rows × cols) with `values` in place of its own; row indices stay ascending. */
export function transpose(m: { indptr: Int32Array; indices: Int32Array }, nCols: number, values: Float32Array): Rows {
  const nRows = m.indptr.length - 1;
  const indptr = new Int32Array(nCols + 1);
  for (let k = 0; k < m.indices.length; k++) indptr[m.indices[k]! + 1]!++;
  for (let c = 0; c < nCols; c++) indptr[c + 1]! += indptr[c]!;
  const next = indptr.slice(0, nCols);
  const indices = new Int32Array(m.indices.length);
  const out = new Float32Array(m.indices.length);
  for (let r = 0; r < nRows; r++) {
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) {
      const at = next[m.indices[k]!]!++;
      indices[at] = r;
      out[at] = values[k]!;
    }
  }
  return { indptr, indices, values: out };
}

/**
 * Gives the event loop a turn every `sliceMs` of work and then throws `signal.reason` if the fit was aborted.
 * Use as `if (pacer.due()) await pacer.pause();` inside a long loop; `due()` is cheap enough for every row.
 */
export class Pacer {
  private last = performance.now();

  constructor(
    private readonly ctx: FitContext,
    private readonly sliceMs = 40,
  ) {
    ctx.signal.throwIfAborted();
  }

  due(): boolean {
    return performance.now() - this.last >= this.sliceMs;
  }

  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.ctx.signal.throwIfAborted();
    this.last = performance.now();
  }
}

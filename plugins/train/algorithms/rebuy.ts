/**
 * Personal re-buy: recommend to each user what they bought before, most-bought (or most recently bought)
 * first. On wholesale data such as Online Retail most of what a customer buys next is a repeat, so this is
 * the bar a model must clear (NDCG@10 ≈ 0.357 in the research notes).
 *
 * 1. Own score of each (user, item) = the interaction value (a count), times 0.5^(age / halfLife) when
 *    last-purchase ages are given, so an item bought a half-life ago counts half.
 * 2. Items the user never bought score -Infinity (`fallback: 'none'`), or their popularity (distinct users)
 *    rescaled into [-2, -1] (`fallback: 'popularity'`): ranked by popularity but always below every own item,
 *    whose scores are >= 0.
 */
import type { FitContext, Interactions } from '../matrix.js';
import {
  checkMatrix,
  checkNumber,
  checkOneOf,
  invalid,
  partArray,
  partRows,
  rowsToArrays,
  withDefaults,
  type FittedRecommender,
  type ModelArrays,
  type ModelParts,
  type Rows,
} from './common.js';
import { popularityScores } from './popularity.js';

export interface RebuyParams {
  readonly fallback: 'none' | 'popularity';
  /** Half-life of the recency decay, in the unit of `ages` (e.g. days); null = no decay. Needs `ages`. */
  readonly halfLife: number | null;
}

export interface RebuySaved extends RebuyParams {
  readonly nUsers: number;
  readonly nItems: number;
}

/**
 * The matrix, plus optionally how long ago each interaction last happened: `ages[k]` belongs to the entry
 * at CSR position k (user u's item `indices[k]`), is >= 0, and is in the unit of `halfLife` (for example
 * days between the user's last purchase of the item and the training cutoff).
 */
export type RebuyInput = Interactions & { readonly ages?: Float32Array };

export const REBUY_DEFAULTS: RebuyParams = { fallback: 'popularity', halfLife: null };

const WHERE = 'rebuy';

function resolve(given: unknown): RebuyParams {
  const p = withDefaults(WHERE, given, REBUY_DEFAULTS);
  const halfLife = p.halfLife === null ? null : checkNumber(WHERE, 'halfLife', p.halfLife, Number.MIN_VALUE);
  return { fallback: checkOneOf(WHERE, 'fallback', p.fallback, ['none', 'popularity'] as const), halfLife };
}

export class RebuyModel implements FittedRecommender<RebuySaved> {
  readonly algorithm = 'rebuy';

  /** `own` holds each user's items and their decayed scores; `fallback` is empty when `fallback: 'none'`. */
  constructor(
    readonly params: RebuySaved,
    readonly own: Rows,
    readonly fallback: Float32Array,
  ) {}

  score(user: number, out: Float32Array): void {
    if (this.fallback.length > 0) out.set(this.fallback);
    else out.fill(-Infinity);
    if (!(user >= 0 && user < this.params.nUsers)) return;
    const { indptr, indices, values } = this.own;
    for (let k = indptr[user]!; k < indptr[user + 1]!; k++) out[indices[k]!] = values[k]!;
  }

  toParts(): ModelParts<RebuySaved> {
    const arrays: ModelArrays = rowsToArrays('own', this.own);
    if (this.fallback.length > 0) arrays.fallback = this.fallback;
    return { params: { ...this.params }, arrays };
  }

  static fromParts(parts: ModelParts<unknown>): RebuyModel {
    const where = `${WHERE}.fromParts`;
    const { nUsers, nItems, ...rest } = (parts.params ?? {}) as Partial<RebuySaved>;
    const users = checkNumber(where, 'nUsers', nUsers, 0, true);
    const items = checkNumber(where, 'nItems', nItems, 0, true);
    const params = resolve(rest);
    const own = partRows(where, parts.arrays, 'own', users, items);
    const fallback = params.fallback === 'popularity' ? partArray(where, parts.arrays, 'fallback', Float32Array, items) : new Float32Array(0);
    return new RebuyModel({ ...params, nUsers: users, nItems: items }, own, fallback);
  }
}

/**
 * Fits the re-buy baseline. O(nnz), so it only checks the signal before it starts.
 *
 * @example
 * // values = number of invoices per (customer, item); ages = days from the last of them to the cutoff
 * const model = await fitRebuy({ ...matrix, ages }, { halfLife: 60, fallback: 'popularity' }, ctx);
 */
export async function fitRebuy(matrix: RebuyInput, params: Partial<RebuyParams>, ctx: FitContext): Promise<RebuyModel> {
  ctx.signal.throwIfAborted();
  checkMatrix(WHERE, matrix);
  const p = resolve(params);
  const { ages } = matrix;
  const nnz = matrix.values.length;
  if (p.halfLife !== null && !ages) invalid(WHERE, '"halfLife" needs the `ages` array beside the matrix');
  if (ages && p.halfLife === null) invalid(WHERE, 'the `ages` array was given but "halfLife" is null; set a half-life or drop the ages');
  if (ages && ages.length !== nnz) invalid(WHERE, `ages has length ${ages.length}, expected one per nonzero (${nnz})`);

  // 1. Own scores, decayed by age when asked.
  const own = new Float32Array(nnz);
  for (let k = 0; k < nnz; k++) {
    if (!ages || p.halfLife === null) {
      own[k] = matrix.values[k]!;
      continue;
    }
    const age = ages[k]!;
    if (!(age >= 0)) invalid(WHERE, `ages[${k}] is ${age}; ages must be >= 0`);
    own[k] = matrix.values[k]! * 0.5 ** (age / p.halfLife);
  }

  // 2. The fallback below every own item: popularity rescaled into [-2, -1].
  let fallback: Float32Array = new Float32Array(0);
  if (p.fallback === 'popularity') {
    fallback = popularityScores(matrix, 'users');
    const max = fallback.reduce((a, b) => Math.max(a, b), 0);
    for (let i = 0; i < fallback.length; i++) fallback[i] = (max > 0 ? fallback[i]! / max : 0) - 2;
  }

  const saved = { ...p, nUsers: matrix.users.length, nItems: matrix.items.length };
  const model = new RebuyModel(saved, { indptr: matrix.indptr, indices: matrix.indices, values: own }, fallback);
  ctx.progress(1, `re-buy over ${matrix.users.length} users${p.halfLife === null ? '' : `, half-life ${p.halfLife}`}`);
  return model;
}

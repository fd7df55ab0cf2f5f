/**
 * TopPop: every user gets the same ranking, the items most bought overall. The floor any personal model must
 * beat, and the fallback for users the other models know nothing about.
 */
import type { FitContext, Interactions } from '../matrix.js';
import { checkMatrix, checkNumber, checkOneOf, invalid, partArray, withDefaults, type FittedRecommender, type ModelParts } from './common.js';

export interface PopularityParams {
  /** `users`: how many distinct users have the item; `values`: the sum of their interaction values. */
  readonly by: 'users' | 'values';
}

export interface PopularitySaved extends PopularityParams {
  readonly nItems: number;
}

export const POPULARITY_DEFAULTS: PopularityParams = { by: 'users' };

const WHERE = 'popularity';

function resolve(given: unknown): PopularityParams {
  const p = withDefaults(WHERE, given, POPULARITY_DEFAULTS);
  return { by: checkOneOf(WHERE, 'by', p.by, ['users', 'values'] as const) };
}

/** Item popularity over a CSR matrix, counted per `by`; a building block for other models' fallbacks. */
export function popularityScores(matrix: Interactions, by: PopularityParams['by']): Float32Array {
  const sums = new Float64Array(matrix.items.length);
  for (let k = 0; k < matrix.indices.length; k++) sums[matrix.indices[k]!]! += by === 'users' ? 1 : matrix.values[k]!;
  return Float32Array.from(sums);
}

export class PopularityModel implements FittedRecommender<PopularitySaved> {
  readonly algorithm = 'popularity';

  constructor(
    readonly params: PopularitySaved,
    readonly scores: Float32Array,
  ) {}

  /** The same scores for every user, known or not. */
  score(_user: number, out: Float32Array): void {
    out.set(this.scores);
  }

  toParts(): ModelParts<PopularitySaved> {
    return { params: { ...this.params }, arrays: { scores: this.scores } };
  }

  static fromParts(parts: ModelParts<unknown>): PopularityModel {
    const { nItems, ...rest } = (parts.params ?? {}) as Partial<PopularitySaved>;
    const where = `${WHERE}.fromParts`;
    const n = checkNumber(where, 'nItems', nItems, 0, true);
    const params = resolve(rest);
    return new PopularityModel({ ...params, nItems: n }, partArray(where, parts.arrays, 'scores', Float32Array, n));
  }
}

/**
 * Fits TopPop. O(nnz), so it only checks the signal before it starts.
 *
 * @example
 * const model = await fitPopularity(matrix, { by: 'users' }, ctx);
 * model.score(0, out); // out[i] = number of users who bought item i
 */
export async function fitPopularity(matrix: Interactions, params: Partial<PopularityParams>, ctx: FitContext): Promise<PopularityModel> {
  ctx.signal.throwIfAborted();
  checkMatrix(WHERE, matrix);
  const p = resolve(params);
  if (matrix.items.length === 0) invalid(WHERE, 'the matrix has no items');
  const model = new PopularityModel({ ...p, nItems: matrix.items.length }, popularityScores(matrix, p.by));
  ctx.progress(1, `popularity by ${p.by} over ${matrix.items.length} items`);
  return model;
}

/**
 * Item-kNN: items are alike when the same users have them; a user's score for item j is the sum, over the
 * items i the user has, of similarity(i, j) × the user's value for i (as `implicit`'s ItemItemRecommender:
 * `user_items · S`, where row i of S keeps only i's top `neighbours`, so S is not symmetric).
 *
 * 1. Weight the user × item matrix: `cosine` uses the values, `jaccard` uses 1 for every nonzero, `bm25`
 *    uses `implicit`'s bm25_weight with items as documents and users as terms:
 *      w = v·(K1 + 1) / (K1·lengthNorm(item) + v) · idf(user),
 *      lengthNorm(item) = (1 − B) + B·(sum of the item's values) / (mean of that sum over all items),
 *      idf(user) = ln(items) − ln(1 + items the user has).
 * 2. Per item, the norm of its weighted column: the L2 norm (cosine, bm25) or the number of users (jaccard).
 * 3. For each item i, accumulate dot(i, j) for every j sharing a user with i, walking i's users' rows, and
 *    turn it into a similarity: dot / (‖i‖·‖j‖ + shrink) for cosine and bm25, or
 *    |i ∩ j| / (|i| + |j| − |i ∩ j| + shrink) for jaccard.
 * 4. Keep the `neighbours` largest positive similarities (ties by item index) with a min-heap; an item is
 *    never its own neighbour.
 *
 * NOTE: `implicit`'s BM25Recommender ranks by the raw dot product of the BM25-weighted columns; here bm25 is
 * the cosine of those columns (with `shrink` 0 the two differ only by the per-item norms).
 */
import type { FitContext, Interactions } from '../matrix.js';
import {
  checkMatrix,
  checkNumber,
  checkOneOf,
  invalid,
  Pacer,
  partRows,
  rowsToArrays,
  transpose,
  withDefaults,
  type FittedRecommender,
  type ModelParts,
  type Rows,
} from './common.js';

export interface ItemKnnParams {
  readonly similarity: 'cosine' | 'jaccard' | 'bm25';
  /** How many most similar items each item keeps. */
  readonly neighbours: number;
  /** Added to the similarity's denominator: damps similarities resting on few shared users. */
  readonly shrink: number;
  /** BM25 term-frequency saturation and length normalisation (`implicit`'s BM25Recommender defaults). */
  readonly K1: number;
  readonly B: number;
}

export interface ItemKnnSaved extends ItemKnnParams {
  readonly nUsers: number;
  readonly nItems: number;
}

export const ITEMKNN_DEFAULTS: ItemKnnParams = { similarity: 'cosine', neighbours: 100, shrink: 0, K1: 1.2, B: 0.75 };

const WHERE = 'itemknn';

function resolve(given: unknown): ItemKnnParams {
  const p = withDefaults(WHERE, given, ITEMKNN_DEFAULTS);
  const B = checkNumber(WHERE, 'B', p.B, 0);
  if (B > 1) invalid(WHERE, `"B" must be between 0 and 1, got ${B}`);
  return {
    similarity: checkOneOf(WHERE, 'similarity', p.similarity, ['cosine', 'jaccard', 'bm25'] as const),
    neighbours: checkNumber(WHERE, 'neighbours', p.neighbours, 1, true),
    shrink: checkNumber(WHERE, 'shrink', p.shrink, 0),
    K1: checkNumber(WHERE, 'K1', p.K1, 0),
    B,
  };
}

export class ItemKnnModel implements FittedRecommender<ItemKnnSaved> {
  readonly algorithm = 'itemknn';

  /** `history`: the training user × item matrix; `similar`: item × item, each row its kept neighbours, best first. */
  constructor(
    readonly params: ItemKnnSaved,
    readonly history: Rows,
    readonly similar: Rows,
  ) {}

  /** Unknown users (and users with no history) score 0 everywhere. */
  score(user: number, out: Float32Array): void {
    out.fill(0);
    if (!(user >= 0 && user < this.params.nUsers)) return;
    const h = this.history;
    const s = this.similar;
    for (let k = h.indptr[user]!; k < h.indptr[user + 1]!; k++) {
      const i = h.indices[k]!;
      const value = h.values[k]!;
      for (let n = s.indptr[i]!; n < s.indptr[i + 1]!; n++) out[s.indices[n]!]! += s.values[n]! * value;
    }
  }

  toParts(): ModelParts<ItemKnnSaved> {
    return { params: { ...this.params }, arrays: { ...rowsToArrays('history', this.history), ...rowsToArrays('similar', this.similar) } };
  }

  static fromParts(parts: ModelParts<unknown>): ItemKnnModel {
    const where = `${WHERE}.fromParts`;
    const { nUsers, nItems, ...rest } = (parts.params ?? {}) as Partial<ItemKnnSaved>;
    const users = checkNumber(where, 'nUsers', nUsers, 0, true);
    const items = checkNumber(where, 'nItems', nItems, 0, true);
    const params = resolve(rest);
    const history = partRows(where, parts.arrays, 'history', users, items);
    const similar = partRows(where, parts.arrays, 'similar', items, items);
    return new ItemKnnModel({ ...params, nUsers: users, nItems: items }, history, similar);
  }
}

/** 1. The weight of every nonzero, in CSR order. */
function weights(m: Interactions, p: ItemKnnParams): Float32Array {
  const nItems = m.items.length;
  const w = new Float32Array(m.values.length);
  if (p.similarity === 'cosine') w.set(m.values);
  else if (p.similarity === 'jaccard') w.fill(1);
  else {
    const itemSums = new Float64Array(nItems);
    for (let k = 0; k < m.values.length; k++) itemSums[m.indices[k]!]! += m.values[k]!;
    const mean = itemSums.reduce((a, b) => a + b, 0) / nItems;
    for (let u = 0; u < m.users.length; u++) {
      const start = m.indptr[u]!;
      const end = m.indptr[u + 1]!;
      const idf = Math.log(nItems) - Math.log1p(end - start);
      for (let k = start; k < end; k++) {
        const v = m.values[k]!;
        const lengthNorm = 1 - p.B + (p.B * itemSums[m.indices[k]!]!) / mean;
        w[k] = ((v * (p.K1 + 1)) / (p.K1 * lengthNorm + v)) * idf;
      }
    }
  }
  return w;
}

/** A bounded min-heap of (item, similarity) whose root is the worst kept: lowest similarity, then highest index. */
class TopHeap {
  readonly items: Int32Array;
  readonly sims: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.items = new Int32Array(capacity);
    this.sims = new Float64Array(capacity);
  }

  private worse(a: number, b: number): boolean {
    const sa = this.sims[a]!;
    const sb = this.sims[b]!;
    return sa < sb || (sa === sb && this.items[a]! > this.items[b]!);
  }

  private swap(a: number, b: number): void {
    const i = this.items[a]!;
    const s = this.sims[a]!;
    this.items[a] = this.items[b]!;
    this.sims[a] = this.sims[b]!;
    this.items[b] = i;
    this.sims[b] = s;
  }

  push(item: number, sim: number): void {
    if (this.size === this.capacity) {
      const rootSim = this.sims[0]!;
      if (sim < rootSim || (sim === rootSim && item > this.items[0]!)) return;
      this.items[0] = item;
      this.sims[0] = sim;
      this.down(0);
      return;
    }
    let at = this.size++;
    this.items[at] = item;
    this.sims[at] = sim;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.worse(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  private down(at: number): void {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let worst = at;
      if (l < this.size && this.worse(l, worst)) worst = l;
      if (r < this.size && this.worse(r, worst)) worst = r;
      if (worst === at) return;
      this.swap(at, worst);
      at = worst;
    }
  }

  /** Empties the heap into `items`/`sims` from `offset`, best first. */
  drain(items: Int32Array, sims: Float32Array, offset: number): void {
    for (let n = this.size - 1; n >= 0; n--) {
      items[offset + n] = this.items[0]!;
      sims[offset + n] = this.sims[0]!;
      this.size--;
      if (this.size > 0) {
        this.items[0] = this.items[this.size]!;
        this.sims[0] = this.sims[this.size]!;
        this.down(0);
      }
    }
  }
}

/**
 * Fits item-kNN. Cost is the sum over users of (items per user)², about 10⁸ steps at Online Retail scale.
 *
 * @example
 * const model = await fitItemKnn(matrix, { similarity: 'bm25', neighbours: 200 }, ctx);
 */
export async function fitItemKnn(matrix: Interactions, params: Partial<ItemKnnParams>, ctx: FitContext): Promise<ItemKnnModel> {
  const pacer = new Pacer(ctx);
  checkMatrix(WHERE, matrix);
  const p = resolve(params);
  const nItems = matrix.items.length;
  const jaccard = p.similarity === 'jaccard';

  // 1. + 2. Weights in CSR order and by item (the transpose), and each item's norm.
  const w = weights(matrix, p);
  const byItem = transpose(matrix, nItems, w);
  const norms = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    for (let k = byItem.indptr[i]!; k < byItem.indptr[i + 1]!; k++) s += byItem.values[k]! ** 2;
    norms[i] = jaccard ? byItem.indptr[i + 1]! - byItem.indptr[i]! : Math.sqrt(s);
  }

  // 3. + 4. Dots of item i with every co-occurring j, turned into similarities and cut to the best `neighbours`.
  const dots = new Float64Array(nItems);
  const seen = new Int32Array(nItems).fill(-1);
  const touched = new Int32Array(nItems);
  const heap = new TopHeap(Math.min(p.neighbours, Math.max(nItems - 1, 1)));
  const indptr = new Int32Array(nItems + 1);
  const indices = new Int32Array(nItems * heap.capacity);
  const values = new Float32Array(nItems * heap.capacity);
  for (let i = 0; i < nItems; i++) {
    if (pacer.due()) {
      ctx.progress(i / nItems, `similarities of ${i} of ${nItems} items`);
      await pacer.pause();
    }
    let nTouched = 0;
    for (let a = byItem.indptr[i]!; a < byItem.indptr[i + 1]!; a++) {
      const u = byItem.indices[a]!;
      const wi = byItem.values[a]!;
      for (let k = matrix.indptr[u]!; k < matrix.indptr[u + 1]!; k++) {
        const j = matrix.indices[k]!;
        if (j === i) continue;
        if (seen[j] !== i) {
          seen[j] = i;
          dots[j] = 0;
          touched[nTouched++] = j;
        }
        dots[j]! += wi * w[k]!;
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!;
      const dot = dots[j]!;
      const sim = jaccard ? dot / (norms[i]! + norms[j]! - dot + p.shrink) : dot / (norms[i]! * norms[j]! + p.shrink);
      if (sim > 0) heap.push(j, sim);
    }
    const kept = heap.size;
    heap.drain(indices, values, indptr[i]!);
    indptr[i + 1] = indptr[i]! + kept;
  }
  const nnz = indptr[nItems]!;
  const similar = { indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
  const history = { indptr: matrix.indptr, indices: matrix.indices, values: matrix.values };
  ctx.progress(1, `${p.similarity} item-kNN: ${nnz} similarities over ${nItems} items`);
  return new ItemKnnModel({ ...p, nUsers: matrix.users.length, nItems }, history, similar);
}

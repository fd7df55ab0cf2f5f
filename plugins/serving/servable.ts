/**
 * What the serving API holds in memory for one model version: the decrypted, verified, loaded recommender with
 * its id maps and one score buffer, answering `recommend` synchronously without allocating per item.
 */
import { PluginError, type JsonObject } from '../../engine/sdk.js';
import type { ModelHeader } from '../evaluate/model-file.js';
import { openModel, type OpenedModel, type OpenModelOptions } from '../encrypt/open-model.js';
import { ALGORITHM as CLASSIFIER, loadClassifier } from '../classify/model.js';
import { load, type FittedRecommender } from '../train/algorithms/index.js';

export const MAX_K = 1000;

export interface ScoredItem {
  readonly item: string;
  readonly score: number;
}

export interface Recommendation {
  readonly items: ScoredItem[];
  /** True when the customer is unknown to the model and the items are its fallback (popular items). */
  readonly fallback: boolean;
}

export interface ServableModel {
  /** The registry name: the binding's model, else the expected one, else the model's lineage name or algorithm. */
  readonly name: string;
  readonly algorithm: string;
  /** Whether the model has a row for this customer. */
  knows(customer: string): boolean;
  /**
   * The k best items of the whole catalogue for a customer, highest score first, ties by item id order; `exclude`
   * removes items (ids the model does not know are ignored). An unknown customer gets the fallback, never an error.
   */
  recommend(customer: string, k: number, opts?: { readonly exclude?: readonly string[] }): Recommendation;
  /**
   * Precomputes every known customer's best items, in slices that yield to the event loop, so that a request is a
   * lookup instead of scoring the catalogue. Call it before the model takes requests (the server's loader does).
   */
  warm?(): Promise<void>;
  /** Classifiers only: a probability per row of named numeric features. */
  predict?(rows: readonly Record<string, number>[]): ArrayLike<number>;
  /** JSON facts for `GET /api/models`: algorithm, users, items, params, binding, signer, fallback size. */
  describe(): JsonObject;
}

/** A bad request to a loaded model (k out of range): the HTTP layer answers 400. */
export class RecommendError extends PluginError {
  readonly status = 400;

  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** Algorithms whose `score(-1, out)` is a meaningful non-personal ranking (popularity, or a popularity fallback). */
function scoresUnknownUsers(header: ModelHeader): boolean {
  if (header.algorithm === 'popularity' || header.algorithm === 'ranker') return true;
  return header.algorithm === 'rebuy' && header.arrays.some((a) => a.name === 'fallback' && a.length > 0);
}

/**
 * A binary min-heap of item indices by (score, -index): the root is the worst of the best k, so each candidate
 * costs one comparison and, when it enters, log k swaps. Its storage is allocated once per model.
 */
class TopK {
  readonly #heap = new Int32Array(MAX_K);
  #size = 0;
  #k = 0;

  constructor(private readonly scores: Float32Array) {}

  /** a is worse than b: a lower score, or the same score and a later item. */
  #worse(a: number, b: number): boolean {
    const s = this.scores;
    return s[a]! < s[b]! || (s[a] === s[b] && a > b);
  }

  /** The best k finite-scored indices, best first. */
  run(k: number): number[] {
    this.#size = 0;
    this.#k = k;
    const s = this.scores;
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i]!)) continue;
      if (this.#size < this.#k) this.#push(i);
      else if (this.#worse(this.#heap[0]!, i)) this.#replaceRoot(i);
    }
    const out = new Array<number>(this.#size);
    for (let n = this.#size - 1; n >= 0; n--) {
      out[n] = this.#heap[0]!;
      this.#replaceRoot(this.#heap[--this.#size]!);
    }
    return out;
  }

  #push(i: number): void {
    const h = this.#heap;
    let at = this.#size++;
    h[at] = i;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.#worse(h[at]!, h[parent]!)) break;
      [h[at], h[parent]] = [h[parent]!, h[at]!];
      at = parent;
    }
  }

  #replaceRoot(i: number): void {
    const h = this.#heap;
    h[0] = i;
    for (let at = 0; ;) {
      const [l, r] = [2 * at + 1, 2 * at + 2];
      let least = at;
      if (l < this.#size && this.#worse(h[l]!, h[least]!)) least = l;
      if (r < this.#size && this.#worse(h[r]!, h[least]!)) least = r;
      if (least === at) return;
      [h[at], h[least]] = [h[least]!, h[at]!];
      at = least;
    }
  }
}

/** How many items per customer `warm` keeps: requests for more, or excluding too many of them, are scored live. */
export const PRECOMPUTED = 100;
/** The most memory the precomputed lists may take (item index + score per entry). */
const PRECOMPUTED_BYTES = 256 * 1024 * 1024;

/** Every customer's best PRECOMPUTED items and scores, row-major; -1 pads a row the model could fill less. */
interface Precomputed {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new RecommendError(`k must be an integer from 1 to ${MAX_K}, got ${k}`);
}

/** The registry name: the binding's model, else the expected one, else the model's lineage name or algorithm. */
function servableName(opened: OpenedModel, options: OpenModelOptions): string {
  const { header } = opened;
  return opened.binding?.model ?? options.expect?.model ?? (typeof header.lineage.name === 'string' ? header.lineage.name : header.algorithm);
}

/** A classifier (the classify plugin's model) serves predictions; asked to recommend, it says so. */
function classifierServable(opened: OpenedModel, options: OpenModelOptions): ServableModel {
  const { header } = opened;
  const classifier = loadClassifier(header, opened.arrays);
  const name = servableName(opened, options);
  return {
    name,
    algorithm: header.algorithm,
    knows: () => false,
    recommend() {
      throw new RecommendError(`model "${name}" is a classifier over ${classifier.features.length} features and cannot recommend; POST rows of features to its predict route`);
    },
    predict: (rows) => classifier.predict(rows as Record<string, number>[]),
    describe: () => ({
      name,
      algorithm: header.algorithm,
      features: [...classifier.features],
      params: header.params,
      encrypted: opened.encrypted,
      binding: opened.binding ? { ...opened.binding } : null,
      signer: opened.signer ?? null,
      lineage: header.lineage,
      metrics: header.metrics,
      createdBy: header.createdBy,
    }),
  };
}

/**
 * Opens (decrypts, verifies) and loads a model artifact for serving.
 *
 * @example const model = openServable(bytes, { keyring, expect: { model: 'retail' }, requireSignature: true }); model.recommend('12347', 10)
 */
export function openServable(bytes: Uint8Array, options: OpenModelOptions): ServableModel {
  const opened = openModel(bytes, options);
  const { header } = opened;
  if (header.algorithm === CLASSIFIER) return classifierServable(opened, options);
  const users = header.ids.users ?? [];
  const items = header.ids.items ?? [];
  const model: FittedRecommender<unknown> = load(header.algorithm, { params: header.params, arrays: opened.arrays });
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const itemIndex = new Map(items.map((it, i) => [it, i]));
  const scores = new Float32Array(items.length);
  const top = new TopK(scores);
  const fallbackItems = Int32Array.from((header.fallback ?? []).map((id) => itemIndex.get(id)!));
  const unknownUsers = fallbackItems.length === 0 && scoresUnknownUsers(header);
  const name = servableName(opened, options);

  const ranked = (k: number): ScoredItem[] => top.run(k).map((i) => ({ item: items[i]!, score: scores[i]! }));
  const drop = (exclude: readonly string[] | undefined) => {
    for (const id of exclude ?? []) {
      const i = itemIndex.get(id);
      if (i !== undefined) scores[i] = -Infinity;
    }
  };

  function fallback(k: number, exclude: readonly string[] | undefined): Recommendation {
    if (fallbackItems.length === 0) {
      if (!unknownUsers) return { items: [], fallback: true };
      model.score(-1, scores);
      drop(exclude);
      return { items: ranked(k), fallback: true };
    }
    // The popular list in its order; scores fall from 1 towards 0 so that a client can merge lists if it wants.
    const skip = new Set(exclude ?? []);
    const out: ScoredItem[] = [];
    const n = fallbackItems.length;
    for (let r = 0; r < n && out.length < k; r++) {
      const item = items[fallbackItems[r]!]!;
      if (!skip.has(item)) out.push({ item, score: (n - r) / n });
    }
    return { items: out, fallback: true };
  }

  let precomputed: Precomputed | undefined;

  /** The cached answer, when the first `k` items left after `exclude` are all within the customer's cached row. */
  function cached(user: number, k: number, exclude: readonly string[] | undefined): ScoredItem[] | undefined {
    if (!precomputed || k > PRECOMPUTED) return undefined;
    const skip = exclude && exclude.length > 0 ? new Set(exclude) : undefined;
    const out: ScoredItem[] = [];
    for (let r = user * PRECOMPUTED, end = r + PRECOMPUTED; r < end && out.length < k; r++) {
      const i = precomputed.items[r]!;
      if (i < 0) return out; // the row holds every item the model scored: nothing more to find live
      const item = items[i]!;
      if (!skip?.has(item)) out.push({ item, score: precomputed.scores[r]! });
    }
    return out.length === k ? out : undefined;
  }

  return {
    name,
    algorithm: header.algorithm,
    knows: (customer) => userIndex.has(customer),
    recommend(customer, k, opts) {
      checkK(k);
      const user = userIndex.get(customer);
      if (user === undefined) return fallback(k, opts?.exclude);
      const hit = cached(user, k, opts?.exclude);
      if (hit) return { items: hit, fallback: false };
      model.score(user, scores);
      drop(opts?.exclude);
      return { items: ranked(k), fallback: false };
    },
    async warm() {
      if (precomputed || users.length * PRECOMPUTED * 8 > PRECOMPUTED_BYTES) return;
      const rows: Precomputed = { items: new Int32Array(users.length * PRECOMPUTED).fill(-1), scores: new Float32Array(users.length * PRECOMPUTED) };
      for (let user = 0; user < users.length; user++) {
        // NOTE: the server loads a new version while the old one serves: yield often so requests keep flowing.
        if (user % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
        model.score(user, scores);
        top.run(PRECOMPUTED).forEach((i, n) => {
          rows.items[user * PRECOMPUTED + n] = i;
          rows.scores[user * PRECOMPUTED + n] = scores[i]!;
        });
      }
      precomputed = rows;
    },
    describe: () => ({
      name,
      algorithm: header.algorithm,
      users: users.length,
      items: items.length,
      params: header.params,
      encrypted: opened.encrypted,
      binding: opened.binding ? { ...opened.binding } : null,
      signer: opened.signer ?? null,
      digest: opened.digest ?? null,
      fallback: fallbackItems.length,
      lineage: header.lineage,
      metrics: header.metrics,
      createdBy: header.createdBy,
    }),
  };
}

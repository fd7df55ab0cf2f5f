/**
 * Top-k ranking metrics for recommendation, per user and averaged over users (macro average).
 *
 * Conventions, as the research notes fix them (shared/research/ml.md §1.3):
 * - `recall` is hits / |relevant| (the denominator the reference figures use, e.g. Microsoft Recommenders' R@10).
 * - `cappedRecall` is hits / min(k, |relevant|), so a user with more relevant items than k can still reach 1.
 *   Summed over users before dividing, it is what `implicit`'s `ranking_metrics_at_k` calls "precision".
 * - `precision` is hits / k, even when fewer than k items were recommended.
 * - `map` averages, over relevant items found, the precision at their rank, divided by min(k, |relevant|).
 * - `ndcg` discounts rank r (1-based) by log2(r + 1); its ideal DCG puts the user's relevant items first,
 *   capped at k. Binary gains by default; with `graded`, an item's gain is its relevance count (e.g. how many
 *   times it was bought), and the ideal ranking sorts the counts in decreasing order.
 * Only the first k recommended items count, and an item repeated in a ranking counts once (at its first rank).
 * Users with no relevant item are skipped when averaging, as `implicit` does, and counted in `skipped`.
 */
import { PluginError } from '../../engine/sdk.js';

/** A user's relevant items: a set (binary relevance) or item → count (graded relevance, repeat purchases). */
export type Relevant = ReadonlySet<number> | ReadonlyMap<number, number>;

/** One evaluated user: the recommended item indices, best first, and the items that were relevant. */
export interface UserRanking {
  readonly ranked: ArrayLike<number>;
  readonly relevant: Relevant;
}

export const RANKING_METRICS = ['ndcg', 'recall', 'cappedRecall', 'precision', 'hitRate', 'map'] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];

/** One user's scores at k, each in [0, 1]. `map` is this user's average precision. */
export type UserScores = Record<RankingMetric, number>;

export interface RankingOptions {
  /** Use relevance counts as NDCG gains instead of 1 per relevant item. Other metrics stay binary. */
  readonly graded?: boolean;
}

export interface RankingReport {
  readonly k: number;
  /** Users averaged over (at least one relevant item), and users skipped (none). */
  readonly users: number;
  readonly skipped: number;
  /** Each metric averaged over evaluated users; NaN when no user had a relevant item. */
  readonly mean: UserScores;
  /** Distinct items recommended in anyone's top k (skipped users included) / catalogue size. */
  readonly coverage: number;
  /** Per-user scores, aligned with `evaluated`: the input positions of the evaluated users. */
  readonly perUser: Record<RankingMetric, Float64Array>;
  readonly evaluated: Int32Array;
}

function invalid(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw invalid(`ranking metrics: k must be a positive integer, got ${k}`);
}

/** The relevance count of an item: 0 when not relevant, 1 in a set, the count in a map. */
function gainOf(relevant: Relevant, item: number): number {
  if (relevant instanceof Map) return (relevant as ReadonlyMap<number, number>).get(item) ?? 0;
  return relevant.has(item) ? 1 : 0;
}

/** The ideal DCG at k: the user's gains sorted decreasing, the first k of them discounted. */
function idealDcg(relevant: Relevant, k: number, graded: boolean): number {
  const n = Math.min(k, relevant.size);
  let idcg = 0;
  if (graded && relevant instanceof Map) {
    const gains = [...(relevant as ReadonlyMap<number, number>).values()].sort((a, b) => b - a);
    for (let i = 0; i < n; i++) idcg += gains[i]! / Math.log2(i + 2);
  } else {
    for (let i = 0; i < n; i++) idcg += 1 / Math.log2(i + 2);
  }
  return idcg;
}

function checkCounts(relevant: Relevant): void {
  if (!(relevant instanceof Map)) return;
  for (const [item, count] of relevant as ReadonlyMap<number, number>) {
    if (!(count > 0) || !Number.isFinite(count)) {
      throw invalid(`ranking metrics: item ${item} has relevance count ${count}; counts must be finite and > 0`);
    }
  }
}

/**
 * Scores one user's ranking at k. A user with no relevant item scores 0 everywhere.
 *
 * @example scoreUser([3, 1, 2], new Set([1, 5]), 3).recall // 0.5: one of the two relevant items is in the top 3
 */
export function scoreUser(ranked: ArrayLike<number>, relevant: Relevant, k: number, options: RankingOptions = {}): UserScores {
  checkK(k);
  checkCounts(relevant);
  const graded = options.graded === true;
  const n = relevant.size;
  if (n === 0) return { ndcg: 0, recall: 0, cappedRecall: 0, precision: 0, hitRate: 0, map: 0 };
  // 1. Walk the top k once: count hits, sum discounted gains and the precision at each hit.
  const seen = new Set<number>();
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  const depth = Math.min(k, ranked.length);
  for (let i = 0; i < depth; i++) {
    const item = ranked[i]!;
    if (seen.has(item)) continue;
    seen.add(item);
    const gain = gainOf(relevant, item);
    if (gain === 0) continue;
    hits++;
    dcg += (graded ? gain : 1) / Math.log2(i + 2);
    precisionSum += hits / (i + 1);
  }
  // 2. Normalise: NDCG by the ideal DCG, the recalls and MAP by their two denominators.
  const capped = Math.min(k, n);
  return {
    ndcg: dcg / idealDcg(relevant, k, graded),
    recall: hits / n,
    cappedRecall: hits / capped,
    precision: hits / k,
    hitRate: hits > 0 ? 1 : 0,
    map: precisionSum / capped,
  };
}

/**
 * Scores every user at k, averages over the users with at least one relevant item, and measures catalogue
 * coverage. Item indices must lie in [0, catalogueSize), unless `outside` is "miss": then an index past the
 * catalogue (an item the catalogue lacks, from a model trained on other data) takes its rank as a miss and does
 * not count towards coverage.
 *
 * @example evaluateRankings(users, 10, { catalogueSize: interactions.items.length }).mean.ndcg
 */
export function evaluateRankings(
  users: readonly UserRanking[],
  k: number,
  options: RankingOptions & { readonly catalogueSize: number; readonly outside?: 'error' | 'miss' },
): RankingReport {
  checkK(k);
  const { catalogueSize } = options;
  if (!Number.isInteger(catalogueSize) || catalogueSize < 1) {
    throw invalid(`ranking metrics: catalogueSize must be a positive integer, got ${catalogueSize}`);
  }
  // 1. Coverage counts every user's top k, including users who have nothing relevant to find.
  const recommended = new Uint8Array(catalogueSize);
  let distinct = 0;
  users.forEach((user, u) => {
    const depth = Math.min(k, user.ranked.length);
    for (let i = 0; i < depth; i++) {
      const item = user.ranked[i]!;
      if (options.outside === 'miss' && Number.isInteger(item) && item >= catalogueSize) continue;
      if (!Number.isInteger(item) || item < 0 || item >= catalogueSize) {
        throw invalid(`ranking metrics: user ${u} was recommended item ${item}, outside the catalogue [0, ${catalogueSize})`);
      }
      if (recommended[item] === 0) distinct++;
      recommended[item] = 1;
    }
  });
  // 2. Score the users with relevant items, keeping per-user values for the bootstrap.
  const evaluatedList: number[] = [];
  users.forEach((user, u) => {
    if (user.relevant.size > 0) evaluatedList.push(u);
  });
  const evaluated = Int32Array.from(evaluatedList);
  const perUser = Object.fromEntries(RANKING_METRICS.map((m) => [m, new Float64Array(evaluated.length)])) as Record<
    RankingMetric,
    Float64Array
  >;
  evaluated.forEach((u, row) => {
    const user = users[u]!;
    const scores = scoreUser(user.ranked, user.relevant, k, options);
    for (const m of RANKING_METRICS) perUser[m][row] = scores[m];
  });
  // 3. Macro-average: every evaluated user weighs the same.
  const mean = Object.fromEntries(
    RANKING_METRICS.map((m) => [m, evaluated.length === 0 ? Number.NaN : sum(perUser[m]) / evaluated.length]),
  ) as UserScores;
  return {
    k,
    users: evaluated.length,
    skipped: users.length - evaluated.length,
    mean,
    coverage: distinct / catalogueSize,
    perUser,
    evaluated,
  };
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

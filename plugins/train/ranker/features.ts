/**
 * Stage 1 of the ranker for one user: gather candidates from several recommenders and describe each
 * (user, item) candidate by a row of features for the stage-2 classifier. The same code runs on the internal
 * training snapshot and at scoring time, so a feature means the same thing in both.
 *
 * 1. Re-buy: the user's own items by count · 0.5^(lastAge / halfLife), best `rebuyCandidates` of them.
 * 2. iALS and item-kNN: each scores the whole catalogue; every item gets its rank, the best of each join.
 * 3. Popularity: the items most bought recently (distinct users in the recent window), the same for everyone.
 * 4. One feature row per candidate (names in FEATURES): the pair's history, the user's and the item's
 *    activity, and each recommender's score and rank. Missing (never bought) is NaN where 0 would lie.
 *    Scores that grow with the length of a history are divided by it (item-kNN sums over the user's lines),
 *    since the classifier learns on a shorter past than it scores on.
 */
import { invalid } from '../algorithms/common.js';
import type { IalsModel } from '../algorithms/ials.js';
import type { ItemKnnModel } from '../algorithms/itemknn.js';
import { RECENT_DAYS, type History } from './history.js';

export const FEATURES = [
  'own.lines', 'own.days', 'own.lastAge', 'own.firstAge', 'own.logQuantity', 'own.rebuy', 'own.rebuyRank', 'own.dueRatio', 'own.share',
  'own.visitsSince', 'own.basketShare', 'own.sinceUserLast', 'own.recentDays', 'own.quarterDays', 'own.quarterShare',
  'user.lines', 'user.items', 'user.days', 'user.lastAge', 'user.firstAge', 'user.recentDays', 'user.quarterDays', 'user.repeatRate', 'user.recentRebuyRate', 'user.meanGap',
  'item.users', 'item.recentUsers', 'item.weekUsers', 'item.trend', 'item.price', 'item.firstAge', 'item.popRank', 'item.repeatRate', 'item.recentRebuyRate',
  'ials.score', 'ials.rank', 'ials.gap', 'itemknn.mean', 'itemknn.rank', 'itemknn.relative',
] as const;

export interface CandidateParams {
  /** Half-life in days of the re-buy score's recency decay. */
  readonly halfLife: number;
  readonly rebuyCandidates: number;
  readonly ialsCandidates: number;
  readonly itemknnCandidates: number;
  readonly popularCandidates: number;
}

export interface Signals {
  readonly history: History;
  readonly ials: IalsModel;
  readonly itemknn: ItemKnnModel;
}

/** The candidates of one user and their feature rows (row-major, FEATURES.length per row). */
export interface UserRows {
  readonly items: Int32Array;
  readonly features: Float64Array;
  readonly n: number;
}

/** Every item's rank (0 = best) under `scores`, ties by item index; `order` receives the items best first. */
function rankAll(scores: Float32Array, order: Int32Array, rankOf: Int32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  for (let r = 0; r < order.length; r++) rankOf[order[r]!] = r;
}

export class Featurizer {
  readonly d = FEATURES.length;
  private readonly popOrder: Int32Array;
  private readonly popRank: Int32Array;
  private readonly ialsScores: Float32Array;
  private readonly knnScores: Float32Array;
  private readonly ialsOrder: Int32Array;
  private readonly ialsRank: Int32Array;
  private readonly knnOrder: Int32Array;
  private readonly knnRank: Int32Array;
  /** Position of the item in the user's own row (CSR offset), or -1; reset after each user. */
  private readonly ownAt: Int32Array;
  private readonly chosen: Uint8Array;
  /** Fraction of a user's items (of an item's buyers) bought on two days or more: how much they repeat. */
  private readonly userRepeat: Float32Array;
  private readonly itemRepeat: Float32Array;
  /** Of the pairs first bought before the recent window, the fraction bought again within it, per user and item. */
  private readonly userRebuy: Float32Array;
  private readonly itemRebuy: Float32Array;

  constructor(
    readonly signals: Signals,
    readonly params: CandidateParams,
  ) {
    const n = signals.history.nItems;
    const { users, recentUsers } = signals.history.itemStats;
    this.popOrder = new Int32Array(n);
    this.popRank = new Int32Array(n);
    const pop = Float32Array.from(recentUsers, (r, i) => r + users[i]! * 1e-4);
    rankAll(pop, this.popOrder, this.popRank);
    this.ialsScores = new Float32Array(n);
    this.knnScores = new Float32Array(n);
    this.ialsOrder = new Int32Array(n);
    this.ialsRank = new Int32Array(n);
    this.knnOrder = new Int32Array(n);
    this.knnRank = new Int32Array(n);
    this.ownAt = new Int32Array(n).fill(-1);
    this.chosen = new Uint8Array(n);
    const h = signals.history;
    this.userRepeat = new Float32Array(h.nUsers).fill(NaN);
    this.userRebuy = new Float32Array(h.nUsers).fill(NaN);
    const repeats = new Float32Array(n);
    const [itemOld, itemAgain] = [new Float32Array(n), new Float32Array(n)];
    for (let u = 0; u < h.nUsers; u++) {
      let [r, old, again] = [0, 0, 0];
      for (let k = h.indptr[u]!; k < h.indptr[u + 1]!; k++) {
        const i = h.indices[k]!;
        const repeat = h.pairs.days[k]! > 1 ? 1 : 0;
        r += repeat;
        repeats[i]! += repeat;
        if (h.pairs.firstAge[k]! < RECENT_DAYS) continue;
        const rebought = h.pairs.recentDays[k]! > 0 ? 1 : 0;
        old++;
        again += rebought;
        itemOld[i]!++;
        itemAgain[i]! += rebought;
      }
      if (h.indptr[u + 1]! > h.indptr[u]!) this.userRepeat[u] = r / (h.indptr[u + 1]! - h.indptr[u]!);
      if (old > 0) this.userRebuy[u] = again / old;
    }
    this.itemRepeat = Float32Array.from(repeats, (r, i) => (users[i]! > 0 ? r / users[i]! : NaN));
    this.itemRebuy = Float32Array.from(itemAgain, (a, i) => (itemOld[i]! > 0 ? a / itemOld[i]! : NaN));
  }

  /** The candidates of user `u` (an index in the history's space) with their features. */
  rows(u: number): UserRows {
    const { history: h, ials, itemknn } = this.signals;
    const p = this.params;
    const start = h.indptr[u]!;
    const end = h.indptr[u + 1]!;
    const items: number[] = [];
    const add = (i: number) => {
      if (this.chosen[i] === 0) {
        this.chosen[i] = 1;
        items.push(i);
      }
    };
    // 1. Own items by decayed count.
    const rebuy = new Float32Array(end - start);
    for (let k = start; k < end; k++) {
      this.ownAt[h.indices[k]!] = k;
      rebuy[k - start] = h.pairs.lines[k]! * 0.5 ** (h.pairs.lastAge[k]! / p.halfLife);
    }
    const ownOrder = Int32Array.from({ length: end - start }, (_, k) => k).sort((a, b) => rebuy[b]! - rebuy[a]! || a - b);
    const ownRank = new Int32Array(end - start);
    ownOrder.forEach((k, r) => (ownRank[k] = r));
    for (let r = 0; r < Math.min(p.rebuyCandidates, ownOrder.length); r++) add(h.indices[start + ownOrder[r]!]!);
    // 2. iALS and item-kNN over the whole catalogue.
    ials.score(u, this.ialsScores);
    rankAll(this.ialsScores, this.ialsOrder, this.ialsRank);
    itemknn.score(u, this.knnScores);
    rankAll(this.knnScores, this.knnOrder, this.knnRank);
    for (let r = 0; r < Math.min(p.ialsCandidates, h.nItems); r++) add(this.ialsOrder[r]!);
    if (end > start) for (let r = 0; r < Math.min(p.itemknnCandidates, h.nItems); r++) add(this.knnOrder[r]!);
    // 3. Recently popular.
    for (let r = 0; r < Math.min(p.popularCandidates, h.nItems); r++) add(this.popOrder[r]!);
    // 4. Features.
    const d = this.d;
    const features = new Float64Array(items.length * d);
    const ialsTop = this.ialsScores[this.ialsOrder[0]!]!;
    const knnTop = this.knnScores[this.knnOrder[0]!]!;
    const us = h.userStats;
    const is = h.itemStats;
    const userGap = us.days[u]! > 1 ? (us.firstAge[u]! - us.lastAge[u]!) / (us.days[u]! - 1) : NaN;
    items.forEach((i, row) => {
      const k = this.ownAt[i]!;
      const owned = k >= 0;
      const lines = owned ? h.pairs.lines[k]! : 0;
      const days = owned ? h.pairs.days[k]! : 0;
      const lastAge = owned ? h.pairs.lastAge[k]! : NaN;
      const firstAge = owned ? h.pairs.firstAge[k]! : NaN;
      const quarter = owned ? h.pairs.quarterDays[k]! : 0;
      const gap = days > 1 ? (firstAge - lastAge) / (days - 1) : NaN;
      const f = [
        lines, days, lastAge, firstAge, owned ? h.pairs.logQuantity[k]! : 0, owned ? rebuy[k - start]! : 0,
        owned ? ownRank[k - start]! : NaN, gap > 0 ? lastAge / gap : NaN, us.lines[u]! > 0 ? lines / us.lines[u]! : 0,
        owned ? h.pairs.visitsSince[k]! : NaN, us.days[u]! > 0 ? days / us.days[u]! : 0, lastAge - us.lastAge[u]!,
        owned ? h.pairs.recentDays[k]! : 0, quarter, us.quarterDays[u]! > 0 ? quarter / us.quarterDays[u]! : NaN,
        us.lines[u]!, us.items[u]!, us.days[u]!, us.lastAge[u]!, us.firstAge[u]!, us.recentDays[u]!, us.quarterDays[u]!, this.userRepeat[u]!, this.userRebuy[u]!, userGap,
        is.users[i]!, is.recentUsers[i]!, is.weekUsers[i]!, is.users[i]! > 0 ? is.recentUsers[i]! / is.users[i]! : NaN, is.price[i]!, is.firstAge[i]!, this.popRank[i]!, this.itemRepeat[i]!, this.itemRebuy[i]!,
        this.ialsScores[i]!, this.ialsRank[i]!, this.ialsScores[i]! - ialsTop,
        us.lines[u]! > 0 ? this.knnScores[i]! / us.lines[u]! : 0, this.knnRank[i]!, knnTop > 0 ? this.knnScores[i]! / knnTop : NaN,
      ];
      if (f.length !== d) invalid('ranker', `a feature row has ${f.length} values for ${d} names`);
      features.set(f, row * d);
    });
    for (let k = start; k < end; k++) this.ownAt[h.indices[k]!] = -1;
    for (const i of items) this.chosen[i] = 0;
    return { items: Int32Array.from(items), features, n: items.length };
  }
}

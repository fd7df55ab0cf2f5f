/**
 * A two-stage ranker: recommenders propose candidates (stage 1, features.ts) and gradient-boosted trees
 * reorder them by the probability that the user buys the item next (stage 2). The trees learn from the data
 * itself: the last `labelDays` before the latest line play the future, the lines before them the past (and
 * with `windows` > 1, the `labelDays` before those too, each window with its own past).
 *
 * 1. Number users and items as the baselines' `loadInteractions` does, so that models compare cell by cell.
 * 2. Per window w = 1 … windows, snapshot the past at T = latest time − w·labelDays: pair, user and item
 *    statistics of the lines before T, and, as labels, what each user bought in [T, T + labelDays).
 * 3. Fit iALS and item-kNN on that past (counts of lines per user and item).
 * 4. For every user with a past and a purchase in the window, the candidates and their features; keep users
 *    whose candidates hold at least one purchase; keep each negative with probability `negativeRate` (seeded).
 * 5. Fit the classifier on the rows of all windows.
 * 6. Refit iALS and item-kNN on all the lines and take the statistics at the latest time: the model scores
 *    with these, so features keep their meaning (ages count from the end of the data, as they did from T).
 */
import { ident, type Db } from '../../../engine/data/duckdb.js';
import { fitIals, IalsModel, type IalsParams } from '../algorithms/ials.js';
import { fitItemKnn, ItemKnnModel, type ItemKnnParams } from '../algorithms/itemknn.js';
import { checkNumber, invalid, mulberry32, Pacer, withDefaults, type FittedRecommender, type ModelArrays, type ModelParts } from '../algorithms/common.js';
import { fitGbtAsync, GbtModel, type GbtParams } from '../classifiers/gbt.js';
import { loadInteractions } from '../load.js';
import type { FitContext, Interactions } from '../matrix.js';
import { Featurizer, FEATURES, type CandidateParams } from './features.js';
import { indexLines, readHistory, readLabels, timeBefore, type History, type LineColumns } from './history.js';
import { RowsBuilder } from './rows.js';
import { historyArrays, historyFromArrays } from './saved.js';
import { nest, unnest } from './parts.js';

export interface RankerParams extends CandidateParams {
  /** The internal label window: the last this many days of the lines. */
  readonly labelDays: number;
  /** How many consecutive label windows (each with its own past) give training rows. */
  readonly windows: number;
  /** Probability of keeping a training row whose label is 0. */
  readonly negativeRate: number;
  /** Weigh each training user's rows to sum to 1 (NDCG averages over users) instead of 1 per row. */
  readonly userWeights: boolean;
  readonly ials: Partial<IalsParams>;
  readonly itemknn: Partial<ItemKnnParams>;
  readonly gbt: Partial<GbtParams>;
}

export const RANKER_DEFAULTS: RankerParams = {
  labelDays: 30,
  halfLife: 90,
  rebuyCandidates: 100,
  ialsCandidates: 30,
  itemknnCandidates: 30,
  popularCandidates: 20,
  windows: 3,
  negativeRate: 0.3,
  userWeights: false,
  ials: { factors: 64, iterations: 15, regularization: 0.01, alpha: 1 },
  itemknn: { similarity: 'cosine', neighbours: 100 },
  gbt: { nRounds: 150, learningRate: 0.05, maxDepth: 6, minSamplesLeaf: 50, subsample: 0.8 },
};

export interface RankerSaved extends RankerParams {
  readonly nUsers: number;
  readonly nItems: number;
  readonly features: readonly string[];
  /** The classifier's own params (its parts' JSON side). */
  readonly classifier: Record<string, unknown>;
  readonly training: { readonly rows: number; readonly positives: number; readonly users: number };
}

const WHERE = 'ranker';

function resolve(given: unknown): RankerParams {
  const p = withDefaults(WHERE, given, RANKER_DEFAULTS);
  for (const key of ['rebuyCandidates', 'ialsCandidates', 'itemknnCandidates', 'popularCandidates'] as const) checkNumber(WHERE, key, p[key], 0, true);
  checkNumber(WHERE, 'labelDays', p.labelDays, 1);
  checkNumber(WHERE, 'windows', p.windows, 1, true);
  checkNumber(WHERE, 'halfLife', p.halfLife, Number.MIN_VALUE);
  if (checkNumber(WHERE, 'negativeRate', p.negativeRate, Number.MIN_VALUE) > 1) invalid(WHERE, '"negativeRate" must be at most 1');
  return { ...p, ials: { ...RANKER_DEFAULTS.ials, ...p.ials }, itemknn: { ...RANKER_DEFAULTS.itemknn, ...p.itemknn }, gbt: { ...RANKER_DEFAULTS.gbt, ...p.gbt } };
}

/** A context for one part of the fit: progress mapped into [from, to) of the whole. */
function slice(ctx: FitContext, from: number, to: number, what: string): FitContext {
  return { signal: ctx.signal, seed: ctx.seed, progress: (f, m) => ctx.progress(from + (to - from) * f, m ? `${what}: ${m}` : what) };
}

export class RankerModel implements FittedRecommender<RankerSaved> {
  readonly algorithm = 'ranker';
  private readonly featurizer: Featurizer;

  constructor(
    readonly params: RankerSaved,
    readonly users: string[],
    readonly items: string[],
    readonly history: History,
    readonly ials: IalsModel,
    readonly itemknn: ItemKnnModel,
    readonly classifier: GbtModel,
  ) {
    this.featurizer = new Featurizer({ history, ials, itemknn }, params);
  }

  /**
   * Candidates score 1 + P(buy) in (1, 2); every other item scores in [-1, 0), by recent popularity, so it
   * ranks below all candidates. Unknown users get the popularity order alone.
   */
  score(user: number, out: Float32Array): void {
    const n = this.params.nItems;
    const { recentUsers, users } = this.history.itemStats;
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, recentUsers[i]! + users[i]! * 1e-4);
    for (let i = 0; i < n; i++) out[i] = (recentUsers[i]! + users[i]! * 1e-4) / (max || 1) - 1.0001;
    if (!(user >= 0 && user < this.params.nUsers)) return;
    const rows = this.featurizer.rows(user);
    const p = this.classifier.predictProba(rows.features, rows.n);
    for (let r = 0; r < rows.n; r++) out[rows.items[r]!] = 1 + p[r]!;
  }

  toParts(): ModelParts<RankerSaved> {
    const gbt = this.classifier.toParts();
    const arrays: ModelArrays = {
      ...historyArrays(this.history),
      ...nest('ials', this.ials.toParts().arrays),
      ...nest('itemknn', this.itemknn.toParts().arrays),
      ...nest('gbt', gbt.arrays),
    };
    return { params: { ...this.params, classifier: gbt.params, ials: this.ials.toParts().params, itemknn: this.itemknn.toParts().params }, arrays };
  }

  /** Rebuilds a saved ranker; `users` and `items` come from the model file's ids. */
  static fromParts(parts: ModelParts<unknown>, ids?: { users: string[]; items: string[] }): RankerModel {
    const where = `${WHERE}.fromParts`;
    const saved = (parts.params ?? {}) as RankerSaved & { users?: string[]; items?: string[] };
    const nUsers = checkNumber(where, 'nUsers', saved.nUsers, 0, true);
    const nItems = checkNumber(where, 'nItems', saved.nItems, 0, true);
    if (JSON.stringify(saved.features) !== JSON.stringify(FEATURES)) invalid(where, 'the saved feature list differs from this version\'s');
    checkNumber(where, 'halfLife', saved.halfLife, Number.MIN_VALUE);
    for (const key of ['rebuyCandidates', 'ialsCandidates', 'itemknnCandidates', 'popularCandidates'] as const) checkNumber(where, key, saved[key], 0, true);
    const history = historyFromArrays(parts.arrays, nUsers, nItems);
    const ials = IalsModel.fromParts({ params: saved.ials, arrays: unnest('ials', parts.arrays) as ModelArrays });
    const itemknn = ItemKnnModel.fromParts({ params: saved.itemknn, arrays: unnest('itemknn', parts.arrays) as ModelArrays });
    const classifier = GbtModel.fromParts({ params: saved.classifier ?? {}, arrays: unnest('gbt', parts.arrays) });
    if (classifier.d !== FEATURES.length) invalid(where, `the classifier expects ${classifier.d} features, not ${FEATURES.length}`);
    // NOTE: the ids live in the model file's header, not in the parts; without them the lists stay empty.
    const users = ids?.users ?? [];
    const items = ids?.items ?? [];
    if (ids && (users.length !== nUsers || items.length !== nItems)) invalid(where, `ids for ${users.length} × ${items.length}, expected ${nUsers} × ${nItems}`);
    return new RankerModel(saved, users, items, history, ials, itemknn, classifier);
  }
}

/** CSR interactions (value = lines) from a history snapshot, in its index space. */
function linesMatrix(h: History, users: readonly string[], items: readonly string[]): Interactions {
  return { users, items, indptr: h.indptr, indices: h.indices, values: h.pairs.lines };
}

/**
 * 2. The past before `from` and, as labels, what each user bought from `from` until `to`; 3. stage-1
 * recommenders fitted on that past; 4. the candidate rows of every user with a past and a purchase in the window.
 */
async function snapshotRows(db: Db, from: string, to: string, ids: { users: string[]; items: string[] }, p: RankerParams, out: RowsBuilder, random: () => number, ctx: FitContext): Promise<void> {
  const pacer = new Pacer(ctx);
  const nUsers = ids.users.length;
  const past = await readHistory(db, from, nUsers, ids.items.length, true);
  const labels = await readLabels(db, from, to, nUsers);
  const pastMatrix = linesMatrix(past, ids.users, ids.items);
  const ials = await fitIals(pastMatrix, p.ials, slice(ctx, 0, 0.6, 'iALS on the past'));
  const itemknn = await fitItemKnn(pastMatrix, p.itemknn, slice(ctx, 0.6, 0.75, 'item-kNN on the past'));
  const featurizer = new Featurizer({ history: past, ials, itemknn }, p);
  for (let u = 0; u < nUsers; u++) {
    if (pacer.due()) {
      ctx.progress(0.75 + (0.25 * u) / nUsers, `candidates of ${u} of ${nUsers} users`);
      await pacer.pause();
    }
    const bought = labels[u]!;
    if (bought.size === 0 || past.indptr[u] === past.indptr[u + 1]) continue;
    const rows = featurizer.rows(u);
    if (!rows.items.some((i) => bought.has(i))) continue;
    out.addUser(rows, bought, p.negativeRate, random);
  }
}

/**
 * Fits the two-stage ranker on the invoice lines of `relation` (one row per line).
 *
 * @example
 * const model = await fitRanker(db, 'train_lines', { user: 'CustomerID', item: 'StockCode', time: 'InvoiceDate',
 *   quantity: 'Quantity', price: 'UnitPrice' }, { labelDays: 30 }, ctx);
 */
export async function fitRanker(db: Db, relation: string, columns: LineColumns, params: Partial<RankerParams>, ctx: FitContext): Promise<RankerModel> {
  const pacer = new Pacer(ctx);
  const p = resolve(params);
  // 1. The baselines' index space, checked against ours.
  const { user, item } = columns;
  await db.run(`CREATE OR REPLACE TEMP VIEW rk_cells AS SELECT ${ident(user)} AS u_, ${ident(item)} AS i_, count(*) AS n_ FROM ${relation} GROUP BY ALL`);
  const matrix = await loadInteractions(db, 'rk_cells', { user: 'u_', item: 'i_', value: 'n_' });
  const { users, items } = await indexLines(db, relation, columns);
  if (users.join('\u0000') !== matrix.users.join('\u0000') || items.join('\u0000') !== matrix.items.join('\u0000')) {
    invalid(WHERE, 'the users or items of the lines differ from those loadInteractions numbers (lines without a time?)');
  }
  const nUsers = users.length;
  const nItems = items.length;
  if (nUsers === 0 || nItems === 0) invalid(WHERE, 'the lines are empty: nothing to train on');
  ctx.progress(0.02, `ranker: ${nUsers} users × ${nItems} items`);

  // 2. – 4. One snapshot per label window, newest first, their rows stacked.
  const random = mulberry32(ctx.seed ^ 0x5eed);
  const rows = new RowsBuilder();
  for (let w = 0; w < p.windows; w++) {
    const from = await timeBefore(db, p.labelDays * (w + 1));
    const to = w === 0 ? `(${await timeBefore(db, 0)} + INTERVAL 1 SECOND)` : await timeBefore(db, p.labelDays * w);
    const span = 0.55 / p.windows;
    await snapshotRows(db, from, to, { users, items }, p, rows, random, slice(ctx, 0.02 + w * span, 0.02 + (w + 1) * span, `window ${w + 1}`));
  }
  const data = rows.dataset(p.userWeights);
  if (data.n === 0) invalid(WHERE, `no user bought a candidate in the last ${p.labelDays * p.windows} days: nothing to learn from`);

  // 5. The classifier.
  const positives = data.labels.reduce((a, b) => a + b, 0);
  ctx.progress(0.57, `ranker: ${data.n} rows (${positives} bought) from ${rows.users} users`);
  await pacer.pause();
  const classifier = await fitGbtAsync(data, p.gbt, slice(ctx, 0.57, 0.7, 'boosting'));

  // 6. Refit on all the lines, statistics at the latest time.
  const now = await timeBefore(db, 0);
  const all = await readHistory(db, now, nUsers, nItems, false);
  if (all.indices.length !== matrix.indices.length || all.indices.some((i, k) => i !== matrix.indices[k])) invalid(WHERE, 'the pair statistics do not line up with the interactions');
  const finalIals = await fitIals(matrix, p.ials, slice(ctx, 0.7, 0.92, 'iALS on all lines'));
  const finalKnn = await fitItemKnn(matrix, p.itemknn, slice(ctx, 0.92, 1, 'item-kNN on all lines'));
  const saved: RankerSaved = {
    ...p,
    nUsers,
    nItems,
    features: [...FEATURES],
    classifier: classifier.toParts().params,
    training: { rows: data.n, positives, users: rows.users },
  };
  ctx.progress(1, `ranker: trained on ${data.n} rows from ${rows.users} users`);
  return new RankerModel(saved, users, items, all, finalIals, finalKnn, classifier);
}

/**
 * train: fits a recommender on a user-item interactions dataset and writes it as a model artifact (a JSON header
 * and raw little-endian arrays: plugins/evaluate/model-file.ts). Algorithms are modules in ./algorithms.
 */
import { ident, withDb } from '../../engine/data/duckdb.js';
import { definePlugin, PluginError, Type, type JsonObject, type RunContext, type Static } from '../../engine/sdk.js';
import { encodeModel } from '../evaluate/model-file.js';
import { fitIals, fitItemKnn, fitPopularity, fitRebuy, type FittedRecommender } from './algorithms/index.js';
import { fitContent } from './content.js';
import type { TextSimilarity } from './text-similarity.js';
import { fitRanker } from './ranker/ranker.js';
import { loadInteractions } from './load.js';
import type { FitContext, Interactions } from './matrix.js';

/** How many popular items a model file carries for customers it does not know (serving's fallback). */
const FALLBACK_ITEMS = 100;

/** The items bought by the most distinct users, ties by id (the matrix's items are in id order), most first. */
function popularItems(matrix: Interactions, n = FALLBACK_ITEMS): string[] {
  const users = new Int32Array(matrix.items.length);
  // Cells are unique per user and item, so counting an item's cells counts its distinct users.
  for (const i of matrix.indices) users[i]!++;
  const order = Array.from(users.keys()).filter((i) => users[i]! > 0);
  order.sort((a, b) => users[b]! - users[a]! || a - b);
  return order.slice(0, n).map((i) => matrix.items[i]!);
}

const ALGORITHMS = ['popularity', 'rebuy', 'itemknn', 'ials', 'content', 'ranker'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

async function fit(algorithm: Algorithm, matrix: Interactions & { ages?: Float32Array }, params: Record<string, unknown>, ctx: FitContext): Promise<FittedRecommender<unknown>> {
  switch (algorithm) {
    case 'popularity':
      return fitPopularity(matrix, params, ctx);
    case 'rebuy':
      // Recency decay needs each cell's age; without a half-life the ages are not passed (and not needed).
      return fitRebuy(params.halfLife ? matrix : { ...matrix, ages: undefined }, params, ctx);
    case 'itemknn':
      return fitItemKnn(matrix, params, ctx);
    case 'ials':
      return fitIals(matrix, params, ctx);
    case 'content':
    case 'ranker':
      throw new Error(`${algorithm} is fitted inside the data plane (fitContent, fitRanker)`);
  }
}

const TrainConfig = Type.Object(
    {
      algorithm: Type.Union(ALGORITHMS.map((a) => Type.Literal(a)), { default: 'ials', description: 'Which recommender to fit.' }),
      name: Type.Optional(Type.String({ minLength: 1, description: 'How evaluate and the registry call this model (default: the algorithm).' })),
      user: Type.String({ default: 'CustomerID', description: 'The user column.' }),
      item: Type.String({ default: 'StockCode', description: 'The item column.' }),
      value: Type.String({ default: 'count', description: 'The interaction strength column (summed per user and item).' }),
      time: Type.Optional(Type.String({ description: 'A time column: last_time for re-buy with a half-life; InvoiceDate (the default) for the ranker.' })),
      quantity: Type.String({ default: 'Quantity', description: 'For "ranker", which reads invoice lines: the quantity column.' }),
      price: Type.String({ default: 'UnitPrice', description: 'For "ranker": the unit price column.' }),
      params: Type.Record(Type.String(), Type.Unknown(), {
        default: {},
        description:
          'The algorithm\'s settings. popularity: by ("users" | "values"). rebuy: fallback ("popularity" | "none"), halfLife (days or null). ' +
          'itemknn: similarity ("cosine" | "jaccard" | "bm25"), neighbours, shrink, K1, B. ials: factors, iterations, regularization, alpha, cgSteps, initScale. ' +
          'content: neighbours, similarity ("cosine" of TF-IDF vectors | "jaccard" of term sets | "edit" distance of the sorted terms).',
      }),
      seed: Type.Integer({ default: 0, description: 'Seeds every random choice: the same seed and data give the same model.' }),
      text: Type.Object(
        { item: Type.String({ default: 'StockCode' }), term: Type.String({ default: 'term' }), weight: Type.String({ default: 'weight' }) },
        { additionalProperties: false, default: {}, description: 'For "content": the columns of the item vectors.' },
      ),
    },
    { additionalProperties: false },
  );

const INPUTS = {
    interactions: { type: 'dataset', title: 'Interactions', description: 'One row per user and item (e.g. from integrate "interactions").' },
    items: { type: 'dataset', optional: true, title: 'Item vectors', description: 'For "content": TF-IDF vectors of item descriptions (featurize tfidf, format "long").' },
  } as const;

type TrainContext = RunContext<Static<typeof TrainConfig>, typeof INPUTS>;

/** The ranker reads invoice lines (the ids it numbers match `loadInteractions` on the same lines) and writes its file. */
async function writeRanker(ctx: TrainContext, params: Record<string, unknown>, seed: number) {
  const started = Date.now();
  const columns = { user: ctx.config.user, item: ctx.config.item, time: ctx.config.time ?? 'InvoiceDate', quantity: ctx.config.quantity, price: ctx.config.price };
  const { model, fallback } = await withDb(ctx, async (db) => {
    await db.load('lines', ctx.inputs.interactions);
    const model = await fitRanker(db, 'lines', columns, params, { signal: ctx.signal, progress: (f, m) => ctx.progress(f, m), seed });
    // The same count as `popularItems`, on the lines: distinct customers per item, ties by id.
    const [u, i] = [ident(columns.user), ident(columns.item)];
    const rows = await db.all(`SELECT CAST(${i} AS VARCHAR) AS item, count(DISTINCT CAST(${u} AS VARCHAR)) AS users FROM lines
      WHERE ${u} IS NOT NULL AND ${i} IS NOT NULL GROUP BY 1 ORDER BY users DESC, item LIMIT ${FALLBACK_ITEMS}`);
    const known = new Set(model.items);
    return { model, fallback: rows.map((r) => String(r.item)).filter((id) => known.has(id)) };
  });
  const seconds = (Date.now() - started) / 1000;
  const parts = model.toParts();
  const name = ctx.config.name ?? 'ranker';
  const bytes = encodeModel(
    {
      algorithm: model.algorithm,
      params: parts.params as unknown as JsonObject,
      ids: { users: model.users, items: model.items },
      lineage: { name, trainedAs: 'ranker', node: ctx.nodeId, run: ctx.runId, lines: ctx.inputs.interactions.sha256 },
      metrics: { fitSeconds: seconds },
      createdBy: 'loom train@1.0.0',
      fallback,
    },
    parts.arrays,
  );
  const meta = { format: 'loom-model/1', algorithm: model.algorithm, name, users: model.users.length, items: model.items.length };
  return {
    model: await ctx.artifacts.putBytes('model', bytes, meta),
    report: await ctx.artifacts.putJson('json', { ...meta, seconds }),
  };
}

export default definePlugin({
  name: 'train',
  version: '1.0.0',
  title: 'Train a recommender',
  description:
    'Fits a recommender on user-item interactions: popularity, personal re-buy (with recency decay), item-kNN (cosine, Jaccard, BM25) ' +
    'implicit ALS (conjugate gradient), content similarity (cosine of TF-IDF description vectors), or a two-stage ranker (candidates from those, ' +
    'scored by gradient-boosted trees on customer-item features; it reads invoice lines, not interactions), and writes a model artifact that evaluate and serving load.',
  category: 'train',
  inputs: INPUTS,
  outputs: {
    model: { type: 'model', title: 'Model' },
    report: { type: 'json', title: 'Report', description: '{ algorithm, users, items, cells, seconds, params }' },
  },
  config: TrainConfig,
  async run(ctx) {
    const { algorithm, seed } = ctx.config;
    const params = ctx.config.params as Record<string, unknown>;
    if (algorithm === 'rebuy' && params.halfLife && !ctx.config.time) {
      throw new PluginError('re-buy with a halfLife needs a "time" column (e.g. "last_time")', { retryable: false });
    }
    if (algorithm === 'content' && !ctx.inputs.items) throw new PluginError('"content" needs the item vectors wired to the "items" input', { retryable: false });
    const started = Date.now();
    if (algorithm === 'ranker') return writeRanker(ctx, params, seed);
    const { matrix, content } = await withDb(ctx, async (db) => {
      await db.load('interactions', ctx.inputs.interactions);
      const matrix = await loadInteractions(db, 'interactions', { user: ctx.config.user, item: ctx.config.item, value: ctx.config.value, ...(ctx.config.time ? { time: ctx.config.time } : {}) });
      if (matrix.users.length === 0) throw new PluginError('the interactions are empty: nothing to train on', { retryable: false });
      if (algorithm !== 'content') return { matrix, content: undefined };
      await db.load('items', ctx.inputs.items!);
      const text = { item: 'StockCode', term: 'term', weight: 'weight', ...(ctx.config.text as Partial<{ item: string; term: string; weight: string }>) };
      return { matrix, content: await fitContent(db, 'items', text, matrix, Number(params.neighbours ?? 100), (params.similarity ?? 'cosine') as TextSimilarity) };
    });
    ctx.log.info(`${algorithm}: ${matrix.users.length} users × ${matrix.items.length} items, ${matrix.values.length} cells`);
    const model = content ?? (await fit(algorithm, matrix, params, { signal: ctx.signal, progress: (f, m) => ctx.progress(f, m), seed }));
    const seconds = (Date.now() - started) / 1000;
    const parts = model.toParts();
    const name = ctx.config.name ?? algorithm;
    const bytes = encodeModel(
      {
        // A content model is an item-kNN model with neighbours from text: it loads as one.
        algorithm: model.algorithm,
        params: parts.params as JsonObject,
        ids: { users: matrix.users, items: matrix.items },
        lineage: {
          name,
          trainedAs: algorithm,
          node: ctx.nodeId,
          run: ctx.runId,
          interactions: ctx.inputs.interactions.sha256,
          ...(ctx.inputs.items ? { items: ctx.inputs.items.sha256 } : {}),
          ...(matrix.asOf ? { asOf: matrix.asOf } : {}),
        },
        metrics: { fitSeconds: seconds },
        createdBy: 'loom train@1.0.0',
        fallback: popularItems(matrix),
      },
      parts.arrays,
    );
    const meta = { format: 'loom-model/1', algorithm, name, users: matrix.users.length, items: matrix.items.length };
    return {
      model: await ctx.artifacts.putBytes('model', bytes, meta),
      report: await ctx.artifacts.putJson('json', { ...meta, cells: matrix.values.length, seconds, params: parts.params as JsonObject }),
    };
  },
});

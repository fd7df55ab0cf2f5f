/**
 * evaluate: the project's one evaluation protocol for recommenders. Every model ranks the full catalogue for each
 * user it was trained on who buys in the test data; relevant items are what that user bought then, repeat purchases
 * included; metrics at k are averaged over those users; the candidate is compared with each baseline by a paired
 * bootstrap interval on the per-user difference, and a gate says whether it may replace them.
 */
import { withDb, ident } from '../../engine/data/duckdb.js';
import { definePlugin, PluginError, Type, type ArtifactRef, type ArtifactStore, type JsonObject, type ModelRegistry } from '../../engine/sdk.js';
import { load, type FittedRecommender } from '../train/algorithms/index.js';
import { alignedRanker } from './align.js';
import { gate, pairedBootstrap } from './bootstrap.js';
import { evaluateRankings, RANKING_METRICS, type RankingMetric, type RankingReport, type UserRanking } from './metrics.js';
import { decodeModel, type ModelHeader } from './model-file.js';
import { loadKeyring } from '../encrypt/keys.js';
import { isEnvelope, openModel } from '../encrypt/open-model.js';

interface LoadedModel {
  readonly name: string;
  readonly header: ModelHeader;
  readonly model: FittedRecommender<unknown>;
}

/** Plain or sealed (a registered model usually is: it is decrypted and verified in memory with the keyring). */
async function loadModel(bytes: Uint8Array, where: string, name?: string): Promise<LoadedModel> {
  const { header, arrays } = isEnvelope(bytes) ? openModel(bytes, { keyring: loadKeyring() }) : decodeModel(bytes);
  try {
    return { name: name ?? String(header.lineage.name ?? header.algorithm), header, model: load(header.algorithm, { params: header.params, arrays }) };
  } catch (error) {
    throw new PluginError(`${where}: ${(error as Error).message}`, { retryable: false });
  }
}

/** The version holding the alias, loaded, or undefined when the model or the alias does not exist yet. */
async function loadProduction(ctx: { models: ModelRegistry; artifacts: ArtifactStore }, model: string, alias: string) {
  const version = await ctx.models.resolve(model, alias);
  if (!version) return undefined;
  const where = `production model "${model}" version ${version.version}`;
  const loaded = await loadModel(await ctx.artifacts.readBytes(version.artifact), where, `${model}@${version.version} (${alias})`);
  return { loaded, version };
}

export default definePlugin({
  name: 'evaluate',
  version: '1.0.0',
  title: 'Evaluate recommenders',
  description:
    'Ranks the full catalogue for every trained user who buys in the test data and reports NDCG, recall, precision, hit rate and MAP at k ' +
    'and catalogue coverage, for a candidate and its baselines, with paired bootstrap intervals and a pass/fail gate.',
  category: 'evaluate',
  // Comparing with the registry reads state outside the run: the result must not come from the cache.
  volatile: (config) => config.production !== undefined,
  inputs: {
    candidate: { type: 'model', title: 'Candidate' },
    baselines: { type: 'model', many: true, optional: true, title: 'Baselines', description: 'The models the candidate must beat.' },
    test: { type: 'dataset', title: 'Test interactions', description: 'What users bought after the cutoff, one row per user and item.' },
  },
  outputs: { metrics: { type: 'metrics', title: 'Metrics' } },
  config: Type.Object(
    {
      k: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'The length of each ranked list.' }),
      user: Type.String({ default: 'CustomerID' }),
      item: Type.String({ default: 'StockCode' }),
      value: Type.String({ default: 'count', description: 'How often the user bought the item in the test window (graded relevance).' }),
      graded: Type.Boolean({ default: false, description: 'Use those counts as NDCG gains instead of 1 per item bought.' }),
      resamples: Type.Integer({ minimum: 100, maximum: 100_000, default: 1000, description: 'Bootstrap resamples.' }),
      seed: Type.Integer({ default: 0 }),
      production: Type.Optional(
        Type.Object(
          {
            model: Type.String({ description: 'The registered model name.' }),
            alias: Type.String({ default: 'production' }),
          },
          {
            additionalProperties: false,
            description:
              'Also compare with the version this alias points at in the model registry (matched by customer and item ids, so a model trained on older data counts). ' +
              'publish promotes a model over the one in production only when this comparison passed.',
          },
        ),
      ),
      gate: Type.Object(
        {
          metric: Type.Union(RANKING_METRICS.map((m) => Type.Literal(m)), { default: 'ndcg' }),
          minDelta: Type.Number({ default: 0, description: 'The smallest mean gain over each baseline that passes.' }),
          requireIntervalAboveZero: Type.Boolean({ default: true, description: 'Also require the 95% interval of the gain to lie above zero.' }),
        },
        { additionalProperties: false, default: {} },
      ),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    const { k, graded, resamples, seed } = ctx.config;
    const given = ctx.config.gate as Partial<typeof ctx.config.gate>;
    const gateRule = { metric: (given.metric ?? 'ndcg') as RankingMetric, minDelta: given.minDelta ?? 0, requireIntervalAboveZero: given.requireIntervalAboveZero ?? true };
    // 1. Load the models: they must have been trained on the same users and items.
    const refs: ArtifactRef[] = [ctx.inputs.candidate, ...(ctx.inputs.baselines ?? [])];
    const models = await Promise.all(refs.map(async (ref, i) => loadModel(await ctx.artifacts.readBytes(ref), i === 0 ? 'candidate' : `baseline ${i}`)));
    const wanted = ctx.config.production;
    const production = wanted && (await loadProduction(ctx, wanted.model, wanted.alias ?? 'production'));
    if (production) models.push(production.loaded);
    else if (wanted) ctx.log.info(`"${wanted.model}" has no "${wanted.alias ?? 'production'}" version yet: comparing with the baselines only`);
    const { users, items } = models[0]!.header.ids as { users: string[]; items: string[] };
    // 2. What each trained user bought in the test window (items outside the trained catalogue cannot be ranked).
    const userIndex = new Map(users.map((u, i) => [u, i]));
    const itemIndex = new Map(items.map((it, i) => [it, i]));
    const relevant = new Map<number, Map<number, number>>();
    let unknownItems = 0;
    await withDb(ctx, async (db) => {
      await db.load('test', ctx.inputs.test);
      const columns = (await db.columns('test')).map((c) => c.name);
      for (const c of [ctx.config.user, ctx.config.item, ctx.config.value]) {
        if (!columns.includes(c)) throw new PluginError(`the test data has no column "${c}"; its columns are ${columns.map((x) => `"${x}"`).join(', ')}`, { retryable: false });
      }
      const reader = await db.connection.runAndReadAll(
        `SELECT CAST(${ident(ctx.config.user)} AS VARCHAR), CAST(${ident(ctx.config.item)} AS VARCHAR), CAST(sum(${ident(ctx.config.value)}) AS DOUBLE) FROM test GROUP BY 1, 2`,
      );
      const [us = [], is = [], vs = []] = reader.getColumns() as [string[], string[], number[]];
      us.forEach((u, row) => {
        const ui = userIndex.get(u);
        if (ui === undefined) return;
        const ii = itemIndex.get(is[row]!);
        if (ii === undefined) return void unknownItems++;
        const set = relevant.get(ui) ?? new Map<number, number>();
        set.set(ii, (set.get(ii) ?? 0) + vs[row]!);
        relevant.set(ui, set);
      });
    });
    const evaluatedUsers = [...relevant.keys()].sort((a, b) => a - b);
    if (evaluatedUsers.length === 0) throw new PluginError('no trained user buys a trained item in the test data: nothing to evaluate', { retryable: false });
    // 3. Rank the whole catalogue for each of those users, with every model.
    const reports: RankingReport[] = [];
    for (const [m, { name, header, model }] of models.entries()) {
      const rank = alignedRanker({ ids: header.ids, model, ...(header.fallback ? { fallback: header.fallback } : {}) }, users, items, items.length);
      const rankings: UserRanking[] = [];
      for (const [n, u] of evaluatedUsers.entries()) {
        if (n % 256 === 0) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          ctx.progress((m + n / evaluatedUsers.length) / models.length, `ranking for ${name}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        rankings.push({ ranked: rank(u, k), relevant: graded ? relevant.get(u)! : new Set(relevant.get(u)!.keys()) });
      }
      reports.push(evaluateRankings(rankings, k, { catalogueSize: items.length, graded, outside: 'miss' }));
    }
    // 4. Compare the candidate with each baseline, user by user.
    const candidate = reports[0]!;
    const comparisons = models.slice(1).map(({ name }, b) => {
      const result = pairedBootstrap(candidate.perUser[gateRule.metric], reports[b + 1]!.perUser[gateRule.metric], { resamples, seed, signal: ctx.signal });
      const verdict = gate({ metric: `${gateRule.metric}@${k}`, baseline: name, minDelta: gateRule.minDelta, requireIntervalAboveZero: gateRule.requireIntervalAboveZero }, result);
      return { baseline: name, metric: gateRule.metric, meanDelta: result.meanDelta, lower: result.lower, upper: result.upper, pass: verdict.pass, reason: verdict.reason };
    });
    const pass = comparisons.every((c) => c.pass);
    const summary = models.map(({ name, header }, i) => ({ name, algorithm: header.algorithm, ...reports[i]!.mean, coverage: reports[i]!.coverage }));
    for (const s of summary) ctx.log.info(`${s.name}: ndcg@${k} ${s.ndcg.toFixed(4)}, recall@${k} ${s.recall.toFixed(4)}, hit rate ${s.hitRate.toFixed(4)}`);
    for (const c of comparisons) ctx.log.info(c.reason);
    const metrics = {
      ...(production ? { production: { model: wanted!.model, alias: wanted!.alias ?? 'production', version: production.version.version } } : {}),
      k,
      users: evaluatedUsers.length, testItemsOutsideCatalogue: unknownItems, models: summary, comparisons, pass, reason: comparisons.length === 0 ? 'no baseline to compare with' : comparisons.map((c) => c.reason).join('; ') };
    return { metrics: await ctx.artifacts.putJson('metrics', metrics as unknown as JsonObject) };
  },
});

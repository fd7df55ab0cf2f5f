/**
 * `/api/models`: the registry read over HTTP, recommendations and predictions from the served version, and the
 * admin moves (rollback, alias) that are written to the alias history and the audit log and picked up by the
 * model cache at once. Every response that used a model names the version that served it.
 */
import { Router } from 'express';
import { LoomError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { AliasMove, ModelRegistry, ModelVersion } from '../registry/types.js';
import { principalOf, type accessGuard } from './auth.js';
import { badRequest } from './errors.js';
import { bodyObject, param } from './request.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelCache } from './model-cache.js';

const MAX_K = 1000;
const MAX_EXCLUDE = 1000;
const MAX_ROWS = 10_000;

function positiveInt(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw badRequest(`${what} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

function reasonOf(body: Record<string, unknown>): string {
  const reason = body.reason;
  if (typeof reason !== 'string' || reason.trim() === '') throw badRequest('"reason" is required: say why (it is kept in the alias history and the audit log)');
  return reason.trim();
}

function queryString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`query parameter "${what}" must be given once`);
  return value;
}

/** Rows of named numeric features; the first bad cell is named with its row and feature. */
function featureRows(rows: unknown): Record<string, number>[] {
  if (!Array.isArray(rows) || rows.length === 0) throw badRequest('"rows" must be a non-empty array of objects of numeric features, e.g. {"rows": [{"age": 31, "spend": 12.5}]}');
  if (rows.length > MAX_ROWS) throw badRequest(`"rows" has ${rows.length} rows; at most ${MAX_ROWS} per request`);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw badRequest(`rows[${i}] must be an object of numeric features`);
    for (const [feature, value] of Object.entries(row)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`rows[${i}].${feature} must be a finite number, got ${JSON.stringify(value)}`);
    }
  });
  return rows as Record<string, number>[];
}

const versionSummary = (v: ModelVersion): JsonObject => ({ version: v.version, algorithm: v.algorithm, encrypted: v.encrypted, metrics: v.metrics, tags: v.tags, createdAt: v.createdAt, createdBy: v.createdBy });

/** A model's own refusal of the request (a missing feature, a recommender asked to predict): the caller's 400. */
function asBadRequest<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof LoomError && !error.retryable) throw badRequest(error.message);
    throw error;
  }
}

export interface ModelRoutesOptions {
  readonly registry: ModelRegistry;
  readonly cache: ModelCache;
  readonly guard: ReturnType<typeof accessGuard>;
  readonly metrics: ServerMetrics;
}

export function modelRoutes({ registry, cache, guard, metrics }: ModelRoutesOptions): Router {
  const router = Router();
  const viewer = guard.need('viewer');
  const admin = guard.need('admin');
  const serving = (name: string) => {
    const served = cache.serving(name);
    return served ? { version: served.version.version, loadedAt: served.loadedAt } : null;
  };

  router.get('/', viewer, async (_req, res) => {
    const models = await registry.models();
    res.json({ models: models.map((m) => ({ ...m, serving: serving(m.name) })) });
  });

  router.get('/:name', viewer, async (req, res) => {
    const model = await registry.model(param(req, 'name'));
    const latest = await registry.version(model.name, model.latest);
    res.json({ ...model, latestVersion: latest, serving: serving(model.name) });
  });

  router.get('/:name/versions', viewer, async (req, res) => {
    const versions = await registry.versions(param(req, 'name'));
    res.json({ name: param(req, 'name'), versions: versions.map(versionSummary) });
  });

  // A number, or an alias name: /versions/production is the version production points at.
  router.get('/:name/versions/:version', viewer, async (req, res) => {
    const [name, version] = [param(req, 'name'), param(req, 'version')];
    if (/^\d+$/.test(version)) return void res.json(await registry.version(name, positiveInt(version, 'version')));
    const resolved = await registry.resolve(name, version);
    if (resolved) return void res.json(resolved);
    await registry.model(name);
    throw badRequest(`"${version}" is neither a version number nor an alias of model "${name}"`);
  });

  router.get('/:name/history', viewer, async (req, res) => {
    const alias = queryString(req.query.alias, 'alias');
    res.json({ name: param(req, 'name'), moves: await registry.history(param(req, 'name'), alias) });
  });

  router.get('/:name/recommend', viewer, async (req, res) => {
    const customer = queryString(req.query.customer, 'customer');
    if (!customer) throw badRequest('query parameter "customer" is required, e.g. ?customer=12347&k=10');
    const k = req.query.k === undefined ? 10 : positiveInt(req.query.k, 'k');
    if (k > MAX_K) throw badRequest(`k must be at most ${MAX_K}, got ${k}`);
    const exclude = queryString(req.query.exclude, 'exclude')?.split(',').filter((item) => item !== '') ?? [];
    if (exclude.length > MAX_EXCLUDE) throw badRequest(`exclude lists ${exclude.length} items; at most ${MAX_EXCLUDE}`);
    const served = await cache.get(param(req, 'name'));
    const result = asBadRequest(() => served.model.recommend(customer, k, { exclude }));
    metrics.recommendations.inc({ model: served.version.name, fallback: String(result.fallback) });
    res.json({ model: served.version.name, version: served.version.version, customer, k, fallback: result.fallback, items: result.items });
  });

  router.post('/:name/predict', viewer, async (req, res) => {
    const rows = featureRows(bodyObject(req.body).rows);
    const served = await cache.get(param(req, 'name'));
    const { model, version } = served;
    if (!model.predict) {
      throw badRequest(`model "${version.name}" version ${version.version} (${version.algorithm}) is a recommender and cannot predict; use GET /api/models/${version.name}/recommend?customer=<id>`);
    }
    const predictions = Array.from(asBadRequest(() => model.predict!(rows)));
    res.json({ model: version.name, version: version.version, predictions });
  });

  /** After a move: the audit entry, the served model reloaded at once when the served alias moved, and the answer. */
  const moved = async (move: AliasMove, action: string) => {
    await registry.audit({ actor: move.actor, action, target: `${move.name}:${move.alias}`, detail: { from: move.from, to: move.to, reason: move.reason } });
    if (move.alias === cache.alias) await cache.refresh(move.name);
    return { move, serving: serving(move.name) };
  };

  router.post('/:name/rollback', admin, async (req, res) => {
    const body = bodyObject(req.body ?? {});
    const reason = reasonOf(body);
    const to = body.to === undefined ? undefined : positiveInt(body.to, '"to"');
    if (body.alias !== undefined && typeof body.alias !== 'string') throw badRequest('"alias" must be a string');
    const move = await registry.rollback({ name: param(req, 'name'), alias: body.alias as string | undefined, to, actor: principalOf(res).name, reason });
    res.json(await moved(move, 'model.rollback'));
  });

  router.put('/:name/aliases/:alias', admin, async (req, res) => {
    const body = bodyObject(req.body);
    const reason = reasonOf(body);
    const to = body.version === null ? null : positiveInt(body.version, '"version"');
    const move = await registry.moveAlias({ name: param(req, 'name'), alias: param(req, 'alias'), to, actor: principalOf(res).name, reason });
    res.json(await moved(move, 'alias.move'));
  });

  return router;
}

/** `GET /api/audit?limit=100`: the audit log, newest first (admin). */
export function auditRoutes({ registry, guard }: Pick<ModelRoutesOptions, 'registry' | 'guard'>): Router {
  const router = Router();
  router.get('/', guard.need('admin'), async (req, res) => {
    const limit = req.query.limit === undefined ? 100 : positiveInt(req.query.limit, 'limit');
    res.json({ entries: await registry.auditLog({ limit: Math.min(limit, 1000) }) });
  });
  return router;
}

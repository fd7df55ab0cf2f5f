/**
 * `/api/runs`: start runs of saved or inline workflows on either engine, list them, read one's node states, cancel
 * it, decide its approval gates, preview a node's output and read a node's logs. Editors start and control runs;
 * viewers read. Starts, cancels and decisions go to the audit log under the token's name.
 */
import { Router } from 'express';
import { isPlainObject, type JsonObject } from '../json.js';
import type { AppContext } from './app.js';
import { principalOf } from './auth.js';
import { badRequest } from './errors.js';
import { bodyObject, param } from './request.js';
import { ENGINES, type EngineName, type RunService, type StartRequest } from './run-service.js';

const MAX_PREVIEW_ROWS = 1000;
const MAX_LIST = 500;
const MAX_CONCURRENCY = 64;

/** A whole number in [min, max] from a query string or a JSON body; `fallback` when absent. */
function wholeNumber(value: unknown, what: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function engineOf(value: unknown): EngineName | undefined {
  if (value === undefined) return undefined;
  if (!ENGINES.includes(value as EngineName)) throw badRequest(`"engine" must be ${ENGINES.map((e) => `"${e}"`).join(' or ')}, got ${JSON.stringify(value)}`);
  return value as EngineName;
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`"${what}" must be a string`);
  return value;
}

/** `{ workflow | name, params?, engine?, concurrency? }`, checked field by field. */
function startRequest(raw: unknown): StartRequest {
  const body = bodyObject(raw);
  const known = ['name', 'workflow', 'params', 'engine', 'concurrency'];
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; a run is started with ${known.map((k) => `"${k}"`).join(', ')}`);
  if ((body.name === undefined) === (body.workflow === undefined)) throw badRequest('give exactly one of "name" (a saved workflow) and "workflow" (a workflow document)');
  if (body.name !== undefined && typeof body.name !== 'string') throw badRequest('"name" must be a string');
  if (body.params !== undefined && !isPlainObject(body.params)) throw badRequest('"params" must be an object of param values, e.g. {"minQuantity": 2}');
  return {
    ...(body.name !== undefined ? { name: body.name as string } : { workflow: body.workflow }),
    ...(body.params !== undefined ? { params: body.params as Record<string, unknown> } : {}),
    ...(body.engine !== undefined ? { engine: engineOf(body.engine) } : {}),
    ...(body.concurrency !== undefined ? { concurrency: wholeNumber(body.concurrency, '"concurrency"', 1, MAX_CONCURRENCY, 1) } : {}),
  };
}

/**
 * The router factory for `createApp({ routers: [{ path: '/runs', router: runRoutes(service) }] })`.
 * @example runRoutes(new RunService({ loom, workflowsDir: 'workflows' }))
 */
export function runRoutes(service: RunService): (ctx: AppContext) => Router {
  return ({ guard, audit }) => {
    const router = Router();
    const viewer = guard.need('viewer');
    const editor = guard.need('editor');

    router.post('/', editor, async (req, res) => {
      const request = startRequest(req.body);
      const started = await service.start(request);
      await audit({
        actor: principalOf(res).name,
        action: 'run.start',
        target: started.runId,
        detail: { workflow: started.workflow, engine: started.engine, source: request.name !== undefined ? 'saved' : 'inline', params: (request.params ?? {}) as JsonObject },
      });
      res.status(202).location(`${req.baseUrl}/${started.runId}`).json(started);
    });

    router.get('/', viewer, async (req, res) => {
      const limit = wholeNumber(req.query.limit, 'limit', 1, MAX_LIST, 50);
      res.json(await service.list({ limit, engine: engineOf(req.query.engine) }));
    });

    router.get('/:id', viewer, async (req, res) => {
      res.json(await service.get(param(req, 'id')));
    });

    router.post('/:id/cancel', editor, async (req, res) => {
      const body = bodyObject(req.body ?? {});
      const actor = principalOf(res).name;
      const reason = optionalText(body.reason, 'reason') || `cancelled by ${actor}`;
      const result = await service.cancel(param(req, 'id'), reason);
      await audit({ actor, action: 'run.cancel', target: result.runId, detail: { reason } });
      res.status(202).json(result);
    });

    router.post('/:id/approve', editor, async (req, res) => {
      const body = bodyObject(req.body);
      const node = optionalText(body.node, 'node');
      if (!node) throw badRequest('"node" is required: the id of the approval node to decide');
      if (body.approve !== undefined && typeof body.approve !== 'boolean') throw badRequest('"approve" must be true (let the gate pass) or false (reject it)');
      const approved = body.approve !== false;
      const reason = optionalText(body.reason, 'reason') ?? '';
      const by = principalOf(res).name;
      await service.decide(param(req, 'id'), { nodeId: node, approved, reason, by });
      await audit({ actor: by, action: approved ? 'run.approve' : 'run.reject', target: param(req, 'id'), detail: { node, reason } });
      res.status(202).json({ runId: param(req, 'id'), node, approved, by });
    });

    router.get('/:id/nodes/:node/outputs/:port/preview', viewer, async (req, res) => {
      const rows = wholeNumber(req.query.rows, 'rows', 1, MAX_PREVIEW_ROWS, 50);
      res.json(await service.preview(param(req, 'id'), param(req, 'node'), param(req, 'port'), rows));
    });

    router.get('/:id/nodes/:node/logs', viewer, async (req, res) => {
      res.json(await service.logs(param(req, 'id'), param(req, 'node')));
    });

    return router;
  };
}

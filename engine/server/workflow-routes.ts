/**
 * `/api/workflows`: the workflow files of one directory. Viewers list, read and validate; editors save and
 * delete. A save is validated exactly as `loom validate` does and refused with every located problem; saves and
 * deletions go to the audit log under the token's name.
 */
import { resolve } from 'node:path';
import { Router, type Request } from 'express';
import { WorkflowInvalidError } from '../errors.js';
import { isPlainObject } from '../json.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { AppContext } from './app.js';
import { principalOf } from './auth.js';
import { badRequest, HttpError } from './errors.js';
import { checkWorkflowName, WorkflowStore } from './workflow-store.js';

export interface WorkflowRoutesOptions {
  /** The plugins documents are checked against (`loom.registry`). */
  readonly plugins: PluginRegistry;
  /** The workflows directory; default `workflows/` under the current directory (`loom serve --workflows <dir>`). */
  readonly dir?: string;
}

/** The body as a document; an absent body (no JSON content type) is the caller's mistake, any JSON value is not. */
function documentOf(req: Request): unknown {
  if (req.body === undefined) throw badRequest('the request body must be a workflow document (Content-Type: application/json)');
  return req.body;
}

/** The document with `name` filled in after `version` (where `loom` writes it) when it has none. */
function withName(doc: unknown, name: string): unknown {
  if (!isPlainObject(doc) || doc.name !== undefined) return doc;
  const entries = Object.entries(doc);
  const at = entries.findIndex(([key]) => key === 'version') + 1;
  return Object.fromEntries([...entries.slice(0, at), ['name', name], ...entries.slice(at)]);
}

/**
 * The router factory for `createApp({ routers: [{ path: '/workflows', router: workflowRoutes({ plugins }) }] })`.
 * @example workflowRoutes({ plugins: loom.registry, dir: flags.workflows })
 */
export function workflowRoutes(options: WorkflowRoutesOptions): (ctx: AppContext) => Router {
  const store = new WorkflowStore(resolve(options.dir ?? 'workflows'), options.plugins);
  return (ctx) => workflowRouter(store, ctx);
}

export function workflowRouter(store: WorkflowStore, { guard, audit }: AppContext): Router {
  const router = Router();
  const viewer = guard.need('viewer');
  const editor = guard.need('editor');
  const name = (req: Request) => checkWorkflowName(String(req.params.name));

  router.get('/', viewer, async (_req, res) => {
    res.json({ workflows: await store.list() });
  });

  // Always 200 for a document that arrived: the answer is the verdict, as `loom validate` prints it.
  router.post('/validate', viewer, (req, res) => {
    const result = store.validate(documentOf(req));
    if (result.ok) return void res.json({ valid: true, name: result.doc.name, nodes: result.workflow.nodes.length, problems: [] });
    res.json({ valid: false, problems: result.problems.map(({ pointer, message }) => ({ pointer, message })) });
  });

  router.get('/:name', viewer, async (req, res) => {
    const { doc, modified } = await store.read(name(req));
    res.set('Last-Modified', modified.toUTCString()).json(doc);
  });

  router.put('/:name', editor, async (req, res) => {
    const saveAs = name(req);
    const doc = withName(documentOf(req), saveAs);
    const result = store.validate(doc, saveAs);
    if (!result.ok) throw new WorkflowInvalidError(saveAs, result.problems);
    const { created, summary } = await store.write(saveAs, doc);
    await audit({ actor: principalOf(res).name, action: 'workflow.save', target: saveAs, detail: { created } });
    res.status(created ? 201 : 200).json(summary);
  });

  router.delete('/:name', editor, async (req, res) => {
    const target = name(req);
    await store.remove(target);
    await audit({ actor: principalOf(res).name, action: 'workflow.delete', target, detail: {} });
    res.status(204).end();
  });

  // `/api/workflows/a/b` (a `..%2F` stays inside one segment and reaches `name()` above): a name never holds a slash.
  router.all('/{*rest}', viewer, (req, _res, next) => {
    if (!req.path.slice(1).includes('/')) return next();
    throw new HttpError(400, 'INVALID_WORKFLOW_NAME', `${JSON.stringify(req.path.slice(1, 141))} is not a workflow name: a name cannot contain "/"`);
  });

  return router;
}

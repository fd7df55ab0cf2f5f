/**
 * The OpenAPI 3.1 description of every route `loom serve` answers, as a typed object, served without a token at
 * `GET /api/openapi.json`. Each operation names the role it needs in `x-loom-role`; the socket.io protocol, which
 * OpenAPI cannot describe, is in `x-socketio`. openapi.test.ts checks that every route the routers register is here.
 */
import { Router } from 'express';
import { WorkflowSchema } from '../workflow/schema.js';
import type { Role } from './auth.js';
import { WORKFLOW_NAME_PATTERN } from './workflow-store.js';

type Schema = { readonly [key: string]: unknown };

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema: Schema;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: Record<string, { readonly schema: Schema }> };
  readonly responses: Record<string, { readonly description: string; readonly content?: Record<string, { readonly schema: Schema }> } | Schema>;
  readonly 'x-loom-role'?: Role;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete';

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  readonly components: { readonly schemas: Record<string, Schema>; readonly responses: Record<string, Schema>; readonly securitySchemes: Record<string, Schema> };
  readonly security: readonly Record<string, readonly string[]>[];
  readonly 'x-socketio': Schema;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema) => ({ description, content: json(schema) });
const obj = (properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties), extra: Schema = {}): Schema => ({ type: 'object', properties, required, ...extra });
const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Schema => ({ type: 'integer', ...(description ? { description } : {}) });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const array = (items: Schema): Schema => ({ type: 'array', items });
const anyObject: Schema = { type: 'object', additionalProperties: true };

const path = (name: string, description: string, schema: Schema = str()): OpenApiParameter => ({ name, in: 'path', required: true, description, schema });
const query = (name: string, description: string, schema: Schema = str()): OpenApiParameter => ({ name, in: 'query', description, schema });
const body = (schema: Schema) => ({ required: true, content: json(schema) });
const fail = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));

/** An operation behind a role: the bearer scheme, and the 401/403 every guarded route can answer. */
function op(role: Role, operationId: string, tag: string, summary: string, rest: Omit<OpenApiOperation, 'operationId' | 'summary' | 'tags' | 'x-loom-role'>): OpenApiOperation {
  return { operationId, summary, tags: [tag], 'x-loom-role': role, ...rest, responses: { ...rest.responses, ...fail(401, 403) } };
}
/** An operation without a token (probes, metrics, this document). */
const open = (operationId: string, tag: string, summary: string, responses: OpenApiOperation['responses'], description?: string): OpenApiOperation => ({
  operationId, summary, tags: [tag], security: [], responses, ...(description ? { description } : {}),
});

const modelName = path('name', 'The model name.');
const workflowName = path('name', 'The workflow name; the file is `<name>.json` in the workflows directory.', { type: 'string', pattern: WORKFLOW_NAME_PATTERN });
const runId = path('id', 'The run id.');
const reason = str('Why; kept in the alias history and the audit log.');

const schemas: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str('Stable, e.g. WORKFLOW_INVALID, NOT_FOUND, UNAUTHORIZED.'), message: str('A sentence naming what and why.'), details: anyObject }, ['code', 'message']) }),
  Problem: obj({ pointer: str('JSON pointer into the document; "" is the whole document.'), message: str() }),
  Port: obj({ name: str(), type: { type: 'string', enum: ['dataset', 'model', 'metrics', 'json', 'file', 'any'] }, title: str(), description: str(), optional: { type: 'boolean' }, many: { type: 'boolean', description: 'Accepts a list of connections.' } }),
  Plugin: obj({
    name: str(), version: str(), title: str(), description: str(), category: str(),
    inputs: array(ref('Port')), outputs: array(ref('Port')),
    config: { type: 'object', description: "The config's JSON Schema: the editor builds the node's form from it." },
    volatile: { oneOf: [{ type: 'boolean' }, { const: 'config' }], description: 'true: never cached; false: cached; "config": decided per node from its config.' },
  }),
  Workflow: JSON.parse(JSON.stringify(WorkflowSchema)) as Schema,
  WorkflowSummary: obj({
    name: str(), title: nullable(str()), description: nullable(str()), nodes: nullable(int('null when the file is not an object with a nodes list.')),
    modified: { type: 'string', format: 'date-time' }, valid: { type: 'boolean' }, problems: array(ref('Problem')),
  }),
  Validation: {
    oneOf: [
      obj({ valid: { const: true }, name: str(), nodes: int(), problems: { type: 'array', maxItems: 0 } }),
      obj({ valid: { const: false }, problems: array(ref('Problem')) }),
    ],
  },
  ErrorInfo: obj({ code: str(), message: str(), retryable: { type: 'boolean' } }),
  NodeState: obj(
    {
      status: { type: 'string', enum: ['pending', 'running', 'succeeded', 'cached', 'failed', 'skipped', 'cancelled'] }, cached: { type: 'boolean' }, attempts: int(),
      startedAt: str(), finishedAt: str(), durationMs: int(), progress: { type: 'number' }, message: str(), outputs: anyObject, error: ref('ErrorInfo'), reason: str(),
    },
    ['status', 'cached', 'attempts'],
  ),
  RunState: obj(
    { runId: str(), workflow: str(), status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] }, startedAt: str(), finishedAt: str(), error: ref('ErrorInfo'), nodes: { type: 'object', additionalProperties: ref('NodeState') } },
    ['runId', 'workflow', 'status', 'nodes'],
  ),
  RunView: obj(
    {
      runId: str(), engine: { type: 'string', enum: ['embedded', 'temporal'] },
      status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'], description: 'interrupted: its process died and nobody resumed it yet.' },
      workflow: str(), createdAt: nullable(str()), startedAt: nullable(str()), finishedAt: nullable(str()), error: nullable(ref('ErrorInfo')), nodes: { type: 'object', additionalProperties: ref('NodeState') },
    },
  ),
  RunEvent: obj(
    {
      type: { type: 'string', enum: ['run.started', 'run.resumed', 'run.cancelling', 'run.finished', 'node.started', 'node.waiting', 'node.progress', 'node.log', 'node.retrying', 'node.succeeded', 'node.cached', 'node.failed', 'node.skipped', 'node.cancelled'] },
      runId: str(), at: { type: 'string', format: 'date-time' }, nodeId: str('On node.* events.'),
    },
    ['type', 'runId', 'at'],
    { additionalProperties: true, description: "The engine's run event union (engine/run/events.ts), unchanged; each type adds its own fields." },
  ),
  Preview: {
    oneOf: [
      obj({ kind: { const: 'dataset' }, rows: int('Rows in the whole dataset.'), columns: array(obj({ name: str(), type: str() })), preview: obj({ columns: array(str()), rows: array({ type: 'array' }) }) }),
      obj({ kind: { const: 'json' }, value: {} }),
      obj({ kind: { const: 'file' }, bytes: int(), sha256: str() }),
    ],
  },
  RegisteredModel: obj({ name: str(), versions: int(), latest: int(), aliases: { type: 'object', additionalProperties: { type: 'integer' } }, createdAt: str(), updatedAt: str() }, ['name', 'versions', 'latest', 'aliases']),
  ModelVersion: obj({ name: str(), version: int(), artifact: anyObject, algorithm: str(), encrypted: { type: 'boolean' }, metrics: anyObject, params: anyObject, lineage: anyObject, tags: anyObject, createdAt: str(), createdBy: str() }),
  Serving: nullable(obj({ version: int(), loadedAt: str() })),
  AliasMove: obj({ id: int(), name: str(), alias: str(), kind: { type: 'string', enum: ['move', 'rollback'] }, from: nullable(int()), to: nullable(int()), actor: str(), reason: str(), at: str() }),
};

const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const responses: Record<string, Schema> = {
  E400: errorResponse('The request is malformed or refused; `details` says where (e.g. `details.problems` for an invalid workflow).'),
  E401: errorResponse('No bearer token, or one the server does not know (`WWW-Authenticate: Bearer`).'),
  E403: errorResponse("The token's role is below the one the route needs; `details` has `needed` and `role`."),
  E404: errorResponse('No such model, version, plugin, workflow, run, node or output.'),
  E409: errorResponse('The request conflicts with the current state.'),
  E413: errorResponse('The request body is larger than the limit (default 1 MB).'),
  E422: errorResponse('The workflow file exists but is not a JSON document; `details.problems` has the line and column.'),
  E503: errorResponse('The model or the engine is not available yet.'),
};

const health: OpenApiDocument['paths'] = {
  '/healthz': { get: open('healthz', 'health', 'The process answers', { 200: ok('Alive', obj({ status: { const: 'ok' }, uptimeSeconds: int() })) }) },
  '/readyz': { get: open('readyz', 'health', 'The registry is readable and every served model is loaded', { 200: ok('Ready', anyObject), 503: ok('Not ready; `reasons` says why', anyObject) }) },
  '/metrics': { get: open('metrics', 'health', 'Prometheus metrics', { 200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: str() } } } }) },
  '/api/openapi.json': { get: open('openapi', 'meta', 'This document', { 200: ok('OpenAPI 3.1', anyObject) }) },
};

const models: OpenApiDocument['paths'] = {
  '/api/models': { get: op('viewer', 'listModels', 'models', 'Every model with its aliases and the version served', { responses: { 200: ok('Models', obj({ models: array(ref('RegisteredModel')) })) } }) },
  '/api/models/{name}': { get: op('viewer', 'getModel', 'models', 'One model, its latest version and what is served', { parameters: [modelName], responses: { 200: ok('The model', anyObject), ...fail(404) } }) },
  '/api/models/{name}/versions': { get: op('viewer', 'listVersions', 'models', "A model's versions", { parameters: [modelName], responses: { 200: ok('Versions', obj({ name: str(), versions: array(anyObject) })), ...fail(404) } }) },
  '/api/models/{name}/versions/{version}': {
    get: op('viewer', 'getVersion', 'models', 'One version, by number or by alias (`production`)', { parameters: [modelName, path('version', 'A version number or an alias name.')], responses: { 200: ok('The version', ref('ModelVersion')), ...fail(400, 404) } }),
  },
  '/api/models/{name}/history': {
    get: op('viewer', 'aliasHistory', 'models', "A model's alias moves", { parameters: [modelName, query('alias', 'Only this alias.')], responses: { 200: ok('Moves', obj({ name: str(), moves: array(ref('AliasMove')) })), ...fail(400, 404) } }),
  },
  '/api/models/{name}/recommend': {
    get: op('viewer', 'recommend', 'models', 'Top-k items for a customer from the served version', {
      parameters: [modelName, { ...query('customer', 'The customer id.'), required: true }, query('k', 'How many items (1-1000, default 10).', int()), query('exclude', 'Comma-separated items to leave out.')],
      responses: { 200: ok('Recommendations, naming the version that made them', anyObject), ...fail(400, 404, 503) },
    }),
  },
  '/api/models/{name}/predict': {
    post: op('viewer', 'predict', 'models', 'Predictions for rows of numeric features', { parameters: [modelName], requestBody: body(obj({ rows: array({ type: 'object', additionalProperties: { type: 'number' } }) })), responses: { 200: ok('Predictions', anyObject), ...fail(400, 404, 413, 503) } }),
  },
  '/api/models/{name}/rollback': {
    post: op('admin', 'rollback', 'models', 'Move an alias back (default production, to the version before)', {
      parameters: [modelName], requestBody: body(obj({ reason, to: int(), alias: str() }, ['reason'])), responses: { 200: ok('The move and what is served', obj({ move: ref('AliasMove'), serving: ref('Serving') })), ...fail(400, 404, 409) },
    }),
  },
  '/api/models/{name}/aliases/{alias}': {
    put: op('admin', 'moveAlias', 'models', 'Point an alias at a version (null removes it)', {
      parameters: [modelName, path('alias', 'The alias name.')], requestBody: body(obj({ version: nullable(int()), reason })), responses: { 200: ok('The move and what is served', obj({ move: ref('AliasMove'), serving: ref('Serving') })), ...fail(400, 404) },
    }),
  },
  '/api/audit': { get: op('admin', 'auditLog', 'models', 'The audit log, newest first', { parameters: [query('limit', 'At most this many (default 100, at most 1000).', int())], responses: { 200: ok('Entries', obj({ entries: array(anyObject) })), ...fail(400) } }) },
};

const pluginOne = (operationId: string, parameters: OpenApiParameter[]) =>
  op('viewer', operationId, 'plugins', 'One plugin (its newest version, or the newest matching `name@range`)', { parameters, responses: { 200: ok('The plugin', ref('Plugin')), ...fail(404) } });

const plugins: OpenApiDocument['paths'] = {
  '/api/plugins': { get: op('viewer', 'listPlugins', 'plugins', 'Every plugin, by category then name: the editor palette and forms', { responses: { 200: ok('Plugins', obj({ plugins: array(ref('Plugin')) })) } }) },
  '/api/plugins/{name}': { get: pluginOne('getPlugin', [path('name', 'A plugin name, optionally `@range`; a scoped name may be sent as `@scope%2Fname`.')]) },
  '/api/plugins/{scope}/{name}': { get: pluginOne('getScopedPlugin', [path('scope', 'The npm scope, with its @.'), path('name', 'The name inside the scope.')]) },
};

const workflows: OpenApiDocument['paths'] = {
  '/api/workflows': {
    get: op('viewer', 'listWorkflows', 'workflows', 'The workflow files, by name, each checked', {
      description: 'Every `<name>.json` of the workflows directory (not `*.schema.json`). A file that is not JSON, or not a valid workflow, is listed with `valid: false` and its problems.',
      responses: { 200: ok('Workflows', obj({ workflows: array(ref('WorkflowSummary')) })) },
    }),
  },
  '/api/workflows/validate': {
    post: op('viewer', 'validateWorkflow', 'workflows', 'Check a document as `loom validate` does', {
      description: 'Always 200 for a document that arrived: the body says whether it is valid and lists the located problems (the editor calls this as the user types).',
      requestBody: body({ description: 'A workflow document (any JSON is accepted and judged).' }), responses: { 200: ok('The verdict', ref('Validation')), ...fail(400, 413) },
    }),
  },
  '/api/workflows/{name}': {
    get: op('viewer', 'getWorkflow', 'workflows', 'The document as saved', { parameters: [workflowName], responses: { 200: ok('The document', ref('Workflow')), ...fail(400, 404, 409, 422) } }),
    put: op('editor', 'saveWorkflow', 'workflows', 'Save a document (validated; written atomically as 2-space JSON)', {
      description: "The document's `name` must be the URL's name, or is filled in from it. An invalid document is refused with 400 `WORKFLOW_INVALID` and `details.problems`. 201 when the file is new, 200 when it replaced one.",
      parameters: [workflowName], requestBody: body(ref('Workflow')),
      responses: { 200: ok('Replaced', ref('WorkflowSummary')), 201: ok('Created', ref('WorkflowSummary')), ...fail(400, 409, 413) },
    }),
    delete: op('editor', 'deleteWorkflow', 'workflows', 'Delete a workflow file', { parameters: [workflowName], responses: { 204: { description: 'Deleted' }, ...fail(400, 404, 409) } }),
  },
};

const engine: Schema = { type: 'string', enum: ['embedded', 'temporal'] };
const runs: OpenApiDocument['paths'] = {
  '/api/runs': {
    post: op('editor', 'startRun', 'runs', 'Start a run of a document or of a saved workflow', {
      description: 'Give `workflow` (a document) or `name` (a saved workflow), not both. The document is validated with the params first (every param needs a value), so a bad one is a 400 with `details.problems`. `Location` names the new run.',
      requestBody: body(obj({ workflow: ref('Workflow'), name: str('A saved workflow, instead of `workflow`.'), params: anyObject, engine: { ...engine, default: 'embedded' } }, [])),
      responses: { 202: ok('Accepted', obj({ runId: str(), engine, status: { type: 'string', enum: ['running', 'queued'] }, workflow: str() })), ...fail(400, 404, 413, 503) },
    }),
    get: op('viewer', 'listRuns', 'runs', 'Runs, newest first', {
      parameters: [query('limit', 'At most this many (1-500, default 50).', int()), query('engine', 'Only runs on this engine.', engine)],
      responses: { 200: ok('Runs', obj({ runs: array(anyObject), temporal: obj({ error: str() }) }, ['runs'])), ...fail(400) },
    }),
  },
  '/api/runs/{id}': { get: op('viewer', 'getRun', 'runs', 'A run: node states, timings, cache hits, errors', { parameters: [runId], responses: { 200: ok('The run', ref('RunView')), ...fail(404, 503) } }) },
  '/api/runs/{id}/cancel': {
    post: op('editor', 'cancelRun', 'runs', 'Ask a run to stop', {
      parameters: [runId], requestBody: { required: false, content: json(obj({ reason: str() }, [])) },
      responses: { 202: ok('Asked', obj({ runId: str(), status: { const: 'cancelling' } })), ...fail(400, 404, 409) },
    }),
  },
  '/api/runs/{id}/approve': {
    post: op('editor', 'approveNode', 'runs', 'Approve (or reject) a node that waits for a person', {
      parameters: [runId], requestBody: body(obj({ node: str(), approve: { type: 'boolean', default: true }, reason: str() }, ['node'])),
      responses: { 202: ok('Decided', obj({ runId: str(), node: str(), approved: { type: 'boolean' }, by: str() })), ...fail(400, 404, 409) },
    }),
  },
  '/api/runs/{id}/nodes/{node}/outputs/{port}/preview': {
    get: op('viewer', 'previewOutput', 'runs', "A node output's schema and first rows (or its JSON)", {
      parameters: [runId, path('node', 'The node id.'), path('port', 'The output port.'), query('rows', 'Rows to show (1-1000, default 50).', int())],
      responses: { 200: ok('The preview', obj({ runId: str(), node: str(), port: str(), ref: anyObject, preview: ref('Preview') })), ...fail(400, 404) },
    }),
  },
  '/api/runs/{id}/nodes/{node}/logs': {
    get: op('viewer', 'nodeLogs', 'runs', "A node's log lines and progress messages", {
      parameters: [runId, path('node', 'The node id.')],
      responses: { 200: ok('Log lines', obj({ runId: str(), node: str(), entries: array(obj({ at: str(), kind: { type: 'string', enum: ['log', 'progress'] }, level: str(), message: str(), fraction: { type: 'number' } }, ['at', 'kind', 'level', 'message'])) })), ...fail(404) },
    }),
  },
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Loom',
    version: '1',
    description:
      'Workflows, runs, plugins and the model registry over HTTP. Every error is `{ "error": { "code", "message", "details"? } }`. ' +
      'Send `Authorization: Bearer <token>`; each token has a role, and each operation names the least role it needs in `x-loom-role`: ' +
      'viewer reads everything and may recommend/predict and validate; editor also saves and deletes workflows and starts, cancels and approves runs; ' +
      'admin also rolls back, moves aliases and reads the audit log. `loom serve --no-auth` serves every request as an admin (local use only). ' +
      'Probes, /metrics and this document need no token. Live run events travel over socket.io: see `x-socketio`.',
  },
  tags: [
    { name: 'health', description: 'Probes and metrics (no token)' },
    { name: 'meta', description: 'This document' },
    { name: 'plugins', description: 'What the editor palette and forms are built from' },
    { name: 'workflows', description: 'Workflow files in the workflows directory' },
    { name: 'runs', description: 'Starting, following and controlling runs' },
    { name: 'models', description: 'The model registry and the served models' },
  ],
  paths: { ...health, ...plugins, ...workflows, ...runs, ...models },
  components: {
    schemas,
    responses,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from LOOM_TOKENS or LOOM_TOKENS_FILE; its role (viewer < editor < admin) decides what it may do.' } },
  },
  security: [{ bearer: [] }],
  'x-socketio': {
    description:
      'socket.io on the same port (path /socket.io). The handshake needs the same bearer token (socket.io `auth: { token }`, or the Authorization header); ' +
      "a socket without a valid one is refused. A client subscribes to one run (and gets a replay of the events so far, so a late subscriber sees the current state) " +
      "or to all runs (from now on), and receives the engine's run events unchanged as `run.event` until `run.finished`. Every client message takes an acknowledgement " +
      'callback; a failure acknowledges `{ ok: false, error: { code, message } }`.',
    path: '/socket.io',
    clientToServer: {
      subscribe: { payload: { oneOf: [obj({ runId: str() }), obj({ all: { const: true } })] }, ack: { description: '{ ok: true, runId, source, events } for one run (the replay); { ok: true } for all' } },
      unsubscribe: { payload: { oneOf: [obj({ runId: str() }), obj({ all: { const: true } })] }, ack: { description: '{ ok: true }' } },
      state: { payload: obj({ runId: str() }), ack: { description: "{ ok: true, runId, source, state }: the run's RunState folded from its events", state: ref('RunState') } },
    },
    serverToClient: { 'run.event': { payload: ref('RunEvent') } },
  },
};

/** `GET /api/openapi.json`, mounted with `{ path: '/openapi.json', router: openApiRoutes() }` (no token). */
export function openApiRoutes(document: OpenApiDocument = openApiDocument): () => Router {
  return () => Router().get('/', (_req, res) => void res.json(document));
}

/**
 * The OpenAPI document: OpenAPI-shaped (a small meta-schema of our own and structural checks), complete (every
 * route the app's routers register is described, found by walking express's router stack), honest about roles
 * (a viewer is refused what needs more), and true to the bodies the routes really send.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinPlugins } from '../../plugins/builtin.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { createAjv } from '../ajv.js';
import { createLoom, type Loom } from '../loom.js';
import { createApp, type LoomApp } from './app.js';
import { TokenSet } from './auth.js';
import { openApiDocument, openApiRoutes, type HttpMethod } from './openapi.js';
import { pluginRoutes } from './plugin-routes.js';
import { runRoutes } from './run-routes.js';
import { RunService } from './run-service.js';
import { workflowRoutes } from './workflow-routes.js';

const TOKENS = { viewer: 'viewer-token-0123456789', editor: 'editor-token-0123456789' };
const doc = openApiDocument;

let home: string;
let loom: Loom;
let server: LoomApp;
let runs: RunService;

beforeAll(async () => {
  home = await tempDir('loom-openapi-');
  await mkdir(join(home, 'workflows'));
  loom = createLoom({ home: join(home, 'data'), plugins: builtinPlugins });
  runs = new RunService({ loom, workflowsDir: join(home, 'workflows') });
  server = createApp({
    registry: loom.models,
    artifacts: loom.artifacts,
    opener: async () => {
      throw new Error('no models in these tests');
    },
    access: { mode: 'tokens', tokens: new TokenSet([{ name: 'vera', role: 'viewer', token: TOKENS.viewer }, { name: 'ed', role: 'editor', token: TOKENS.editor }]) },
    pollMs: 0,
    processMetrics: false,
    log: () => {},
    // The routers `loom serve` mounts.
    routers: [
      { path: '/runs', router: runRoutes(runs) },
      { path: '/openapi.json', router: openApiRoutes() },
      { path: '/plugins', router: pluginRoutes({ plugins: loom.registry }) },
      { path: '/workflows', router: workflowRoutes({ plugins: loom.registry, dir: join(home, 'workflows') }) },
    ],
  });
});
afterAll(async () => {
  await server.close();
  await runs.close();
  loom.close();
  await rm(home, { recursive: true, force: true });
});

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every `METHOD /path` an express router registers, mounted routers included; catch-alls (`all`, `*`) left out. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/(.)\/$/, '$1').replace(/:(\w+)/g, '{$1}');
      if (path.includes('{*')) return [];
      return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${path}`);
    }
    if (layer.handle.stack) return routesOf(layer.handle.stack, layer.rawPath && layer.rawPath !== '/' ? `${prefix}${layer.rawPath}` : prefix);
    return [];
  });
}

const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method as HttpMethod, op: op! })));

describe('the document is OpenAPI 3.1', () => {
  // Enough of the OpenAPI 3.1 schema to catch a malformed document; not the whole specification.
  const metaSchema = {
    type: 'object',
    required: ['openapi', 'info', 'paths', 'components'],
    properties: {
      openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
      info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' } } },
      paths: {
        type: 'object',
        propertyNames: { pattern: '^/' },
        additionalProperties: {
          type: 'object',
          propertyNames: { enum: ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] },
          additionalProperties: {
            type: 'object',
            required: ['operationId', 'summary', 'responses'],
            properties: {
              operationId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
              parameters: { type: 'array', items: { type: 'object', required: ['name', 'in', 'schema'], properties: { in: { enum: ['path', 'query', 'header', 'cookie'] } } } },
              requestBody: { type: 'object', required: ['content'] },
              responses: {
                type: 'object',
                minProperties: 1,
                propertyNames: { pattern: '^([1-5]\\d\\d|default)$' },
                additionalProperties: { oneOf: [{ type: 'object', required: ['$ref'] }, { type: 'object', required: ['description'], not: { required: ['$ref'] } }] },
              },
              security: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
              'x-loom-role': { enum: ['viewer', 'editor', 'admin'] },
            },
          },
        },
      },
      components: { type: 'object', properties: { securitySchemes: { type: 'object', additionalProperties: { type: 'object', required: ['type'] } } } },
    },
  };

  test('it passes a minimal OpenAPI 3.1 meta-schema and survives JSON', () => {
    const check = createAjv().compile(metaSchema);
    expect(check(doc) ? [] : check.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  test('operation ids are unique; every path template parameter is declared as a required path parameter, and only those', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect([method, path, declared.map((p) => p.name).sort()]).toEqual([method, path, inTemplate]);
      expect(declared.every((p) => p.required === true)).toBe(true);
    }
  });

  test('every $ref points at something in the document', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], doc);
      expect([ref, target !== undefined]).toEqual([ref, true]);
    }
  });

  test('bearer auth is the default scheme; every guarded operation names its role, open ones say security: []', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { path, op } of operations) {
      const open = op.security !== undefined && op.security.length === 0;
      expect([path, open ? 'open' : op['x-loom-role']]).toEqual([path, ['/healthz', '/readyz', '/metrics', '/api/openapi.json'].includes(path) ? 'open' : expect.stringMatching(/^(viewer|editor|admin)$/)]);
    }
    expect(doc.info.description).toContain('viewer reads everything');
  });
});

describe('the document covers the server', () => {
  test('every route the app registers is described, and every described route exists', () => {
    const registered = routesOf((server.app as unknown as { router: Router & { stack: Layer[] } }).router.stack);
    expect(registered).toContain('GET /api/models/{name}/versions/{version}');
    expect(registered).toContain('PUT /api/workflows/{name}');
    expect(registered.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !registered.includes(r))).toEqual([]);
  });

  test('the run routes and the socket.io events of the issue are described', () => {
    expect(documented.filter((r) => / \/api\/runs/.test(r)).sort()).toEqual([
      'GET /api/runs',
      'GET /api/runs/{id}',
      'GET /api/runs/{id}/nodes/{node}/logs',
      'GET /api/runs/{id}/nodes/{node}/outputs/{port}/preview',
      'POST /api/runs',
      'POST /api/runs/{id}/approve',
      'POST /api/runs/{id}/cancel',
    ]);
    expect(Object.keys(doc['x-socketio'].clientToServer as object)).toEqual(['subscribe', 'unsubscribe', 'state']);
    expect(Object.keys(doc['x-socketio'].serverToClient as object)).toEqual(['run.event']);
  });

  test('GET /api/openapi.json serves it without a token', async () => {
    const res = await request(server.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  test('the roles are the ones the routes enforce: no token is 401, a viewer is refused what needs more', async () => {
    const registered = new Set(routesOf((server.app as unknown as { router: { stack: Layer[] } }).router.stack));
    for (const { path, method, op } of operations) {
      if (!op['x-loom-role'] || !registered.has(`${method.toUpperCase()} ${path}`)) continue;
      const url = path.replace(/\{(\w+)\}/g, 'x');
      expect([method, path, (await request(server.app)[method](url)).status]).toEqual([method, path, 401]);
      const asViewer = await request(server.app)[method](url).set('Authorization', `Bearer ${TOKENS.viewer}`);
      expect([method, path, asViewer.status === 403]).toEqual([method, path, op['x-loom-role'] !== 'viewer']);
    }
  });
});

describe('the routes send what the document says', () => {
  const ajv = createAjv();
  ajv.addSchema({ $id: 'loom-openapi', ...doc });
  // A response's schema, with its `#/components/…` references pointed at the document added above.
  const conforms = (path: string, method: HttpMethod, status: number, body: unknown) => {
    let response = doc.paths[path]![method]!.responses[String(status)] as { $ref?: string; content?: Record<string, { schema: object }> };
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').at(-1)!] as typeof response;
    const schema = JSON.parse(JSON.stringify(response.content!['application/json']!.schema).replaceAll('"#/components/', '"loom-openapi#/components/')) as object;
    const check = ajv.compile(schema);
    expect([path, method, status, check(body) ? [] : check.errors]).toEqual([path, method, status, []]);
  };

  test('plugins, workflows, runs and their errors match their schemas', async () => {
    const as = (role: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[role]}` });
    const workflow = { version: 1, name: 'w', nodes: [{ id: 'a', plugin: 'constant', config: {} }] };
    const cases: [string, HttpMethod, () => Promise<request.Response>][] = [
      ['/api/plugins', 'get', () => request(server.app).get('/api/plugins').set(as('viewer'))],
      ['/api/plugins/{name}', 'get', () => request(server.app).get('/api/plugins/constant').set(as('viewer'))],
      ['/api/plugins/{name}', 'get', () => request(server.app).get('/api/plugins/nope').set(as('viewer'))],
      ['/api/workflows/{name}', 'put', () => request(server.app).put('/api/workflows/w').set(as('editor')).send(workflow)],
      ['/api/workflows/{name}', 'put', () => request(server.app).put('/api/workflows/w').set(as('editor')).send({ ...workflow, nodes: [{ id: 'a', plugin: 'x' }] })],
      ['/api/workflows/{name}', 'put', () => request(server.app).put('/api/workflows/w').set(as('viewer')).send(workflow)],
      ['/api/workflows/{name}', 'get', () => request(server.app).get('/api/workflows/w').set(as('viewer'))],
      ['/api/workflows/{name}', 'get', () => request(server.app).get('/api/workflows/..%2Fx').set(as('viewer'))],
      ['/api/workflows', 'get', () => request(server.app).get('/api/workflows').set(as('viewer'))],
      ['/api/workflows/validate', 'post', () => request(server.app).post('/api/workflows/validate').set(as('viewer')).send(workflow)],
      ['/api/workflows/validate', 'post', () => request(server.app).post('/api/workflows/validate').set(as('viewer')).send({})],
      ['/api/workflows/{name}', 'delete', () => request(server.app).delete('/api/workflows/w').set(as('editor'))],
      ['/api/workflows/{name}', 'delete', () => request(server.app).delete('/api/workflows/w').set(as('editor'))],
      ['/api/workflows', 'get', () => request(server.app).get('/api/workflows')],
      ['/api/runs', 'get', () => request(server.app).get('/api/runs').set(as('viewer'))],
      ['/api/runs/{id}', 'get', () => request(server.app).get('/api/runs/nope').set(as('viewer'))],
    ];
    const statuses: number[] = [];
    for (const [path, method, send] of cases) {
      const res = await send();
      statuses.push(res.status);
      if (res.status !== 204) conforms(path, method, res.status, res.body);
    }
    expect(statuses).toEqual([200, 200, 404, 201, 400, 403, 200, 400, 200, 200, 200, 204, 404, 401, 200, 404]);
  });
});

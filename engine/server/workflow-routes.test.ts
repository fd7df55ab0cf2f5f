/**
 * `/api/workflows` in process (supertest) over a real app, a real SQLite registry (the audit log) and a
 * temporary workflows directory that every test starts empty. The documents wire two builtin plugins:
 *
 *   one (constant) ──out──▶ pass (noop)
 */
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { builtinPlugins } from '../../plugins/builtin.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { createLoom, type Loom } from '../loom.js';
import { validateWorkflow } from '../workflow/validate.js';
import { createApp, type LoomApp } from './app.js';
import { TokenSet } from './auth.js';
import { workflowRoutes } from './workflow-routes.js';
import { WorkflowStore } from './workflow-store.js';

const TOKENS = { viewer: 'viewer-token-0123456789', editor: 'editor-token-0123456789', admin: 'admin-token-0123456789' };
const as = (role: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[role]}` });

let home: string;
let dir: string;
let loom: Loom;
let server: LoomApp;

beforeAll(async () => {
  home = await tempDir('loom-workflows-');
  dir = join(home, 'workflows');
  await mkdir(dir);
  loom = createLoom({ home: join(home, 'data'), plugins: builtinPlugins });
  const tokens = new TokenSet([
    { name: 'vera', role: 'viewer', token: TOKENS.viewer },
    { name: 'ed', role: 'editor', token: TOKENS.editor },
    { name: 'ada', role: 'admin', token: TOKENS.admin },
  ]);
  server = createApp({
    registry: loom.models,
    artifacts: loom.artifacts,
    opener: async () => {
      throw new Error('no models in these tests');
    },
    access: { mode: 'tokens', tokens },
    pollMs: 0,
    processMetrics: false,
    log: () => {},
    routers: [{ path: '/workflows', router: workflowRoutes({ plugins: loom.registry, dir }) }],
  });
});
afterAll(async () => {
  await server.close();
  loom.close();
  await rm(home, { recursive: true, force: true });
});
// The directory itself stays (atomic.ts remembers the directories it made); only its contents go.
beforeEach(async () => {
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
});

const doc = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'pipeline',
  title: 'A pipeline',
  nodes: [
    { id: 'one', plugin: 'constant', config: { answer: 42 } },
    { id: 'pass', plugin: 'noop', inputs: { in: 'one.out' } },
  ],
  ...extra,
});
const invalid = {
  version: 1,
  name: 'broken',
  nodes: [
    { id: 'one', plugin: 'constnt' },
    { id: 'pass', plugin: 'noop', inputs: { in: 'two.out' } },
  ],
};
const INVALID_PROBLEMS = [
  { pointer: '/nodes/0/plugin', message: 'unknown plugin "constnt"; did you mean "constant"?' },
  { pointer: '/nodes/1/inputs/in', message: 'unknown node "two"' },
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const api = () => request(server.app);
const put = (name: string, body: unknown, role: keyof typeof TOKENS = 'editor') => api().put(`/api/workflows/${name}`).set(as(role)).send(body as object);
const files = async () => (await readdir(dir)).sort();

describe('saving and reading', () => {
  test('PUT creates (201), fills in the name after version, writes 2-space JSON; a second PUT replaces (200)', async () => {
    const { name: _, ...unnamed } = doc();
    const created = await put('pipeline', unnamed);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'pipeline', title: 'A pipeline', description: null, nodes: 2, modified: expect.stringMatching(ISO), valid: true, problems: [] });
    expect(await readFile(join(dir, 'pipeline.json'), 'utf8')).toBe(`${JSON.stringify(doc(), null, 2)}\n`);
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'pipeline.json'), 'utf8')))).toEqual(['version', 'name', 'title', 'nodes']);

    const replaced = await put('pipeline', doc({ title: 'Renamed' }));
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: 'pipeline', title: 'Renamed', valid: true });
    const read = await api().get('/api/workflows/pipeline').set(as('viewer'));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(doc({ title: 'Renamed' }));
    expect(read.headers['last-modified']).toBeDefined();
    expect(await files()).toEqual(['pipeline.json']);
  });

  test('GET /api/workflows lists every file by name; broken ones with their problems; schemas and stray files left out', async () => {
    await put('b-second', doc({ name: 'b-second', description: 'the second' }));
    await put('a-first', doc({ name: 'a-first' }));
    await writeFile(join(dir, 'malformed.json'), '{\n  "version": 1,\n  nodes: []\n}\n');
    await writeFile(join(dir, 'broken.json'), JSON.stringify(invalid));
    await writeFile(join(dir, 'misnamed.json'), JSON.stringify(doc({ name: 'other' })));
    await writeFile(join(dir, 'empty.json'), '');
    await writeFile(join(dir, 'workflow.schema.json'), '{}');
    await writeFile(join(dir, 'notes.txt'), 'not a workflow');
    await writeFile(join(dir, 'has space.json'), '{}');
    await mkdir(join(dir, 'folder.json'));

    const res = await api().get('/api/workflows').set(as('viewer'));
    expect(res.status).toBe(200);
    const modified = expect.stringMatching(ISO);
    expect(res.body).toEqual({
      workflows: [
        { name: 'a-first', title: 'A pipeline', description: null, nodes: 2, modified, valid: true, problems: [] },
        { name: 'b-second', title: 'A pipeline', description: 'the second', nodes: 2, modified, valid: true, problems: [] },
        { name: 'broken', title: null, description: null, nodes: 2, modified, valid: false, problems: INVALID_PROBLEMS },
        { name: 'empty', title: null, description: null, nodes: null, modified, valid: false, problems: [{ pointer: '', message: 'the file is empty; a workflow is a JSON object' }] },
        { name: 'malformed', title: null, description: null, nodes: null, modified, valid: false, problems: [{ pointer: '', message: 'not valid JSON at line 3, column 3: unexpected character' }] },
        {
          name: 'misnamed', title: 'A pipeline', description: null, nodes: 2, modified, valid: false,
          problems: [{ pointer: '/name', message: 'the document is named "other" but is saved as "misnamed"; the two must be the same' }],
        },
      ],
    });
  });

  test('a file that is not JSON reads as 422 with its line and column', async () => {
    await writeFile(join(dir, 'malformed.json'), '{\n  "version": 1,\n  nodes: []\n}\n');
    const res = await api().get('/api/workflows/malformed').set(as('viewer'));
    expect(res.status).toBe(422);
    const problem = { pointer: '', message: 'not valid JSON at line 3, column 3: unexpected character' };
    expect(res.body).toEqual({ error: { code: 'WORKFLOW_UNREADABLE', message: `workflow "malformed" is saved but is not a JSON document: ${problem.message}`, details: { name: 'malformed', problems: [problem] } } });
  });

  test('an invalid document is refused with 400 and every located problem, and nothing is written', async () => {
    const res = await put('broken', invalid);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'WORKFLOW_INVALID',
        message: 'workflow "broken" is invalid (2 problems):\n/nodes/0/plugin: unknown plugin "constnt"; did you mean "constant"?\n/nodes/1/inputs/in: unknown node "two"',
        details: { workflow: 'broken', problems: INVALID_PROBLEMS },
      },
    });
    expect(await files()).toEqual([]);
  });

  test("a document named otherwise than its URL is refused at /name; a body that is not a document is refused", async () => {
    const res = await put('pipeline', doc({ name: 'elsewhere' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.problems).toEqual([{ pointer: '/name', message: 'the document is named "elsewhere" but is saved as "pipeline"; the two must be the same' }]);
    const array = await put('pipeline', [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.error.details.problems).toEqual([{ pointer: '', message: 'must be an object, not an array' }]);
    const none = await api().put('/api/workflows/pipeline').set(as('editor'));
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'the request body must be a workflow document (Content-Type: application/json)' } });
    expect(await files()).toEqual([]);
  });

  test('DELETE removes (204); a missing workflow is 404, with the name meant when the caller added ".json"', async () => {
    await put('pipeline', doc());
    const gone = await api().delete('/api/workflows/pipeline').set(as('editor'));
    expect([gone.status, gone.body]).toEqual([204, {}]);
    expect(await files()).toEqual([]);
    const again = await api().delete('/api/workflows/pipeline').set(as('editor'));
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: { code: 'WORKFLOW_NOT_FOUND', message: 'no workflow named "pipeline"', details: { name: 'pipeline' } } });
    await put('pipeline', doc());
    const typed = await api().get('/api/workflows/pipeline.json').set(as('viewer'));
    expect(typed.status).toBe(404);
    expect(typed.body.error.message).toBe('no workflow named "pipeline.json"; did you mean "pipeline"?');
  });

  test('saves and deletions are in the audit log under the token name', async () => {
    await put('pipeline', doc());
    await put('pipeline', doc());
    await api().delete('/api/workflows/pipeline').set(as('admin'));
    const log = await loom.models.auditLog({ limit: 3 });
    expect(log.map((e) => [e.actor, e.action, e.target, e.detail])).toEqual([
      ['ada', 'workflow.delete', 'pipeline', {}],
      ['ed', 'workflow.save', 'pipeline', { created: false }],
      ['ed', 'workflow.save', 'pipeline', { created: true }],
    ]);
  });
});

describe('validation', () => {
  test('POST /validate answers 200 with the verdict: the same located problems as `loom validate`', async () => {
    const good = await api().post('/api/workflows/validate').set(as('viewer')).send(doc());
    expect([good.status, good.body]).toEqual([200, { valid: true, name: 'pipeline', nodes: 2, problems: [] }]);
    const bad = await api().post('/api/workflows/validate').set(as('viewer')).send(invalid);
    expect([bad.status, bad.body]).toEqual([200, { valid: false, problems: INVALID_PROBLEMS }]);
    const direct = validateWorkflow(invalid, loom.registry);
    expect(bad.body.problems).toEqual(direct.problems);
    const notObject = await api().post('/api/workflows/validate').set(as('viewer')).send([]);
    expect(notObject.body).toEqual({ valid: false, problems: [{ pointer: '', message: 'must be an object, not an array' }] });
    const none = await api().post('/api/workflows/validate').set(as('viewer'));
    expect(none.status).toBe(400);
    expect(await files()).toEqual([]);
  });
});

describe('refusals', () => {
  test('no token is 401, a viewer saving or deleting is 403, an editor may', async () => {
    expect((await api().get('/api/workflows')).status).toBe(401);
    expect((await api().post('/api/workflows/validate').send(doc())).status).toBe(401);
    const viewerPut = await put('pipeline', doc(), 'viewer');
    expect(viewerPut.status).toBe(403);
    expect(viewerPut.body).toEqual({ error: { code: 'FORBIDDEN', message: 'this needs the editor role; token "vera" has the viewer role', details: { needed: 'editor', role: 'viewer' } } });
    expect((await api().delete('/api/workflows/pipeline').set(as('viewer'))).status).toBe(403);
    expect(await files()).toEqual([]);
  });

  test('a body over the limit is 413', async () => {
    const res = await put('pipeline', doc({ description: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await files()).toEqual([]);
  });

  // Each of these must be refused before a path is built: a file outside the directory stays as it was.
  const TRAVERSALS = [
    '%2e%2e',
    '..%2Fsecret',
    '%2E%2E%2F%2E%2E%2Fsecret',
    '..%5Csecret',
    '%2Fetc%2Fpasswd',
    '%252e%252e%252fsecret',
    'a%00b',
    '.hidden',
    '-dash',
    'x'.repeat(129),
    'caf%C3%A9',
    'workflow.schema',
  ];
  test.each(TRAVERSALS)('the name %s is a 400 for GET, PUT and DELETE', async (raw) => {
    await writeFile(join(home, 'secret.json'), '{"keep": true}');
    for (const method of ['get', 'put', 'delete'] as const) {
      const res = await api()[method](`/api/workflows/${raw}`).set(as('admin')).send(method === 'put' ? doc() : undefined!);
      expect([method, res.status, res.body.error.code]).toEqual([method, 400, 'INVALID_WORKFLOW_NAME']);
    }
    expect(await readFile(join(home, 'secret.json'), 'utf8')).toBe('{"keep": true}');
    expect(await files()).toEqual([]);
  });

  test('a path with a slash in it is a 400 too', async () => {
    for (const raw of ['../secret', 'a/b', '..%2F../secret']) {
      const res = await api().put(`/api/workflows/${raw}`).set(as('editor')).send(doc());
      expect([raw, res.status, res.body.error?.code]).toEqual([raw, 400, 'INVALID_WORKFLOW_NAME']);
    }
  });

  test('a symbolic link out of the directory is refused for reading, writing, deleting and in the listing; one inside is followed', async () => {
    await writeFile(join(home, 'secret.json'), JSON.stringify(doc({ name: 'escape' })));
    await symlink(join(home, 'secret.json'), join(dir, 'escape.json'));
    const message = '"escape.json" is a symbolic link to a file outside the workflows directory; it is not served';
    for (const method of ['get', 'put', 'delete'] as const) {
      const res = await api()[method]('/api/workflows/escape').set(as('admin')).send(method === 'put' ? doc({ name: 'escape', title: 'overwritten' }) : undefined!);
      expect([method, res.status, res.body]).toEqual([method, 400, { error: { code: 'WORKFLOW_OUTSIDE_DIRECTORY', message, details: { name: 'escape' } } }]);
    }
    expect(JSON.parse(await readFile(join(home, 'secret.json'), 'utf8')).title).toBe('A pipeline');
    expect((await lstat(join(dir, 'escape.json'))).isSymbolicLink()).toBe(true);
    const listed = await api().get('/api/workflows').set(as('viewer'));
    expect(listed.body.workflows).toEqual([{ name: 'escape', title: null, description: null, nodes: null, modified: expect.stringMatching(ISO), valid: false, problems: [{ pointer: '', message }] }]);

    await put('real', doc({ name: 'real' }));
    await symlink('real.json', join(dir, 'alias.json'));
    expect((await api().get('/api/workflows/alias').set(as('viewer'))).body).toEqual(doc({ name: 'real' }));
  });
});

describe('atomic writes', () => {
  test('twenty concurrent PUTs of one name leave one whole document of the twenty, and no temporary file', async () => {
    const docs = Array.from({ length: 20 }, (_, i) => doc({ title: `version ${i}`, description: 'x'.repeat(5_000 + i) }));
    const results = await Promise.all(docs.map((d) => put('pipeline', d)));
    expect(results.map((r) => (r.status === 201 ? 200 : r.status))).toEqual(docs.map(() => 200));
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    const saved = await readFile(join(dir, 'pipeline.json'), 'utf8');
    expect(docs.map((d) => `${JSON.stringify(d, null, 2)}\n`)).toContain(saved);
    expect(await files()).toEqual(['pipeline.json']);
  });

  test('a directory that does not exist yet lists as empty', async () => {
    expect(await new WorkflowStore(join(home, 'not-yet'), loom.registry).list()).toEqual([]);
  });
});

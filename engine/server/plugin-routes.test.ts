/**
 * `/api/plugins` in process (supertest): exact bodies over three small test plugins, and the order and shape
 * over the builtin plugins (mounted a second time at /api/builtin-plugins for that).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinPlugins } from '../../plugins/builtin.js';
import { tempDir } from '../../test/fixtures/loom.js';
import { createLoom, type Loom } from '../loom.js';
import { asAnyPlugin } from '../plugin/define.js';
import { PluginRegistry } from '../plugin/registry.js';
import { tagSource } from '../plugin/source.js';
import { definePlugin, Type } from '../sdk.js';
import { createApp, type LoomApp } from './app.js';
import { TokenSet } from './auth.js';
import { pluginRoutes } from './plugin-routes.js';

const VIEWER = 'viewer-token-0123456789';

const reader = definePlugin({
  name: 'reader',
  version: '1.2.0',
  title: 'Reader',
  description: 'Reads a file.',
  category: 'input',
  outputs: { data: { type: 'dataset', title: 'Rows', description: 'What was read.' } },
  config: Type.Object({ path: Type.String({ description: 'The file.' }), pinned: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
  volatile: (config) => config.pinned !== true,
  async run() {
    throw new Error('not run in these tests');
  },
});
const older = { ...reader, version: '1.0.0' };
const dedupe = definePlugin({
  name: '@acme/dedupe',
  version: '2.0.0',
  title: 'Dedupe',
  description: 'Drops repeated rows.',
  category: 'clean',
  inputs: { data: { type: 'dataset' }, also: { type: 'dataset', optional: true, many: true } },
  outputs: { data: { type: 'dataset' } },
  capabilities: { network: true, secrets: ['DEDUPE_API_KEY'] },
  async run() {
    throw new Error('not run in these tests');
  },
});
// As discovery tags a plugin loaded from an installed package.
tagSource(asAnyPlugin(dedupe), { kind: 'package', name: '@acme/loom-dedupe', version: '2.0.1', path: '/srv/shop/node_modules/@acme/loom-dedupe', entry: '/srv/shop/node_modules/@acme/loom-dedupe/index.js' });
const clock = definePlugin({
  name: 'clock',
  version: '1.0.0',
  title: 'Clock',
  description: 'The time now.',
  category: 'input',
  outputs: { now: { type: 'json' } },
  volatile: true,
  async run() {
    throw new Error('not run in these tests');
  },
});

const READER = {
  name: 'reader',
  version: '1.2.0',
  title: 'Reader',
  description: 'Reads a file.',
  category: 'input',
  inputs: [],
  outputs: [{ name: 'data', type: 'dataset', title: 'Rows', description: 'What was read.', optional: false, many: false }],
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: { path: { type: 'string', description: 'The file.' }, pinned: { type: 'boolean', default: false } },
  },
  volatile: 'config',
  capabilities: { network: false, files: false, secrets: [] },
  source: { kind: 'builtin' },
};
const DEDUPE = {
  name: '@acme/dedupe',
  version: '2.0.0',
  title: 'Dedupe',
  description: 'Drops repeated rows.',
  category: 'clean',
  inputs: [
    { name: 'data', type: 'dataset', title: 'data', description: '', optional: false, many: false },
    { name: 'also', type: 'dataset', title: 'also', description: '', optional: true, many: true },
  ],
  outputs: [{ name: 'data', type: 'dataset', title: 'data', description: '', optional: false, many: false }],
  config: { type: 'object', properties: {}, additionalProperties: false },
  volatile: false,
  capabilities: { network: true, files: false, secrets: ['DEDUPE_API_KEY'] },
  source: { kind: 'package', name: '@acme/loom-dedupe', version: '2.0.1', path: '/srv/shop/node_modules/@acme/loom-dedupe' },
};

let home: string;
let loom: Loom;
let server: LoomApp;

beforeAll(async () => {
  home = await tempDir('loom-plugins-');
  loom = createLoom({ home: join(home, 'data'), plugins: builtinPlugins });
  server = createApp({
    registry: loom.models,
    artifacts: loom.artifacts,
    opener: async () => {
      throw new Error('no models in these tests');
    },
    access: { mode: 'tokens', tokens: new TokenSet([{ name: 'vera', role: 'viewer', token: VIEWER }]) },
    pollMs: 0,
    processMetrics: false,
    log: () => {},
    routers: [
      { path: '/plugins', router: pluginRoutes({ plugins: new PluginRegistry([asAnyPlugin(reader), asAnyPlugin(older), asAnyPlugin(dedupe), asAnyPlugin(clock)]) }) },
      { path: '/builtin-plugins', router: pluginRoutes({ plugins: loom.registry }) },
    ],
  });
});
afterAll(async () => {
  await server.close();
  loom.close();
  await rm(home, { recursive: true, force: true });
});

const get = (path: string) => request(server.app).get(path).set('Authorization', `Bearer ${VIEWER}`);

describe('GET /api/plugins', () => {
  test('every plugin (newest version) by category then name, with ports, config schema, volatile, capabilities and source', async () => {
    const res = await get('/api/plugins');
    expect(res.status).toBe(200);
    expect(res.body.plugins.map((p: { category: string; name: string }) => `${p.category}/${p.name}`)).toEqual(['clean/@acme/dedupe', 'input/clock', 'input/reader']);
    expect(res.body.plugins[0]).toEqual(DEDUPE);
    expect(res.body.plugins[1]).toMatchObject({ name: 'clock', volatile: true });
    expect(res.body.plugins[2]).toEqual(READER);
  });

  test('the builtin plugins come sorted, each with what the editor needs', async () => {
    const { body } = await get('/api/builtin-plugins');
    const keys = body.plugins.map((p: { category: string; name: string }) => [p.category, p.name]);
    expect(keys).toEqual([...keys].sort(([c1, n1]: string[], [c2, n2]: string[]) => c1!.localeCompare(c2!) || n1!.localeCompare(n2!)));
    expect(body.plugins).toHaveLength(builtinPlugins.length);
    for (const plugin of body.plugins) {
      expect(Object.keys(plugin)).toEqual(['name', 'version', 'title', 'description', 'category', 'inputs', 'outputs', 'config', 'volatile', 'capabilities', 'source']);
      expect(plugin.source).toEqual({ kind: 'builtin' });
      expect(plugin.config.type).toBe('object');
    }
  });

  test('no token is 401', async () => {
    expect((await request(server.app).get('/api/plugins')).status).toBe(401);
    expect((await request(server.app).get('/api/plugins/reader')).status).toBe(401);
  });
});

describe('GET /api/plugins/:name', () => {
  test('one plugin; a range picks the newest matching version; a scoped name as two segments or encoded', async () => {
    expect((await get('/api/plugins/reader')).body).toEqual(READER);
    expect((await get('/api/plugins/reader@~1.0')).body).toMatchObject({ name: 'reader', version: '1.0.0' });
    expect((await get('/api/plugins/@acme/dedupe')).body).toEqual(DEDUPE);
    expect((await get('/api/plugins/@acme%2Fdedupe')).body).toEqual(DEDUPE);
  });

  test('an unknown plugin is 404 with the name meant', async () => {
    const res = await get('/api/plugins/raeder');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'PLUGIN_NOT_FOUND', message: 'no plugin named "raeder"; did you mean "reader"?', details: { plugin: 'raeder', suggestion: 'reader' } } });
    expect((await get('/api/plugins/zzz')).body).toEqual({ error: { code: 'PLUGIN_NOT_FOUND', message: 'no plugin named "zzz"', details: { plugin: 'zzz' } } });
    expect((await get('/api/plugins/reader@^3')).body.error.message).toBe('plugin "reader" has version 1.2.0, 1.0.0, which does not satisfy "^3"');
    expect((await get('/api/plugins/acme/dedupe')).status).toBe(404);
  });
});

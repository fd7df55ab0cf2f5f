import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tempDir } from '../../test/fixtures/loom.js';
import { SqliteRegistry } from '../store/sqlite-registry.js';
import { createApp, type LoomApp } from './app.js';

let dir: string;
let server: LoomApp;
let registry: SqliteRegistry;
beforeAll(async () => {
  dir = await tempDir('loom-editor-');
  await mkdir(join(dir, 'ui', 'assets'), { recursive: true });
  await writeFile(join(dir, 'ui', 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(join(dir, 'ui', 'assets', 'app.js'), 'console.log(1)');
  registry = new SqliteRegistry(join(dir, 'registry.db'));
  server = createApp({ registry, artifacts: { readBytes: async () => new Uint8Array() }, opener: async () => { throw new Error('no models here'); }, access: { mode: 'off' }, editor: join(dir, 'ui'), processMetrics: false, log: () => {} });
});
afterAll(async () => {
  await server.close();
  registry.close();
  await rm(dir, { recursive: true, force: true });
});

test('the editor is served at / and its own routes reload index.html; the API keeps its JSON 404', async () => {
  expect((await request(server.app).get('/').expect(200)).text).toContain('<div id="root">');
  expect((await request(server.app).get('/workflows/recommender').expect(200)).text).toContain('<div id="root">');
  expect((await request(server.app).get('/assets/app.js').expect(200)).text).toBe('console.log(1)');
  expect((await request(server.app).get('/api/nothing').expect(404)).body.error.code).toBe('NOT_FOUND');
  await request(server.app).get('/healthz').expect(200);
});

test('an editor directory without index.html is a clear error at start-up', async () => {
  expect(() => createApp({ registry, artifacts: { readBytes: async () => new Uint8Array() }, opener: async () => { throw new Error('x'); }, access: { mode: 'off' }, editor: join(dir, 'nope'), processMetrics: false })).toThrow(
    /the editor is not built: .*nope\/index\.html is missing \(run npm run build\)/,
  );
});

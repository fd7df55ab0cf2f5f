/**
 * `loom serve` as a user starts it: the built binary on a free port over a data home with trained models. It
 * refuses to start without tokens, answers /healthz and /recommend, enforces tokens, and exits 0 on SIGTERM/SIGINT.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLoom } from '../engine/loom.js';
import { trainedHome } from './fixtures/trained-models.js';
import { loom, spawnLoom, waitFor } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await tempDir('loom-serve-');
  // Empty token variables, so that none leak in from the environment the tests run in.
  env = { LOOM_HOME: join(dir, 'home'), LOOM_TOKENS: '', LOOM_TOKENS_FILE: '' };
  (await trainedHome(env.LOOM_HOME!)).loom.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts `loom serve --port 0 …` and waits for the URL it prints. */
async function startServer(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawnLoom(['serve', '--port', '0', ...args], { ...env, ...extraEnv });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /http:\/\/\S+:\d+/.test(out) || child.exitCode !== null, 'loom serve to print its URL', 20_000);
  const url = /(http:\/\/\S+:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`loom serve did not start: ${JSON.stringify(await child.result)}`);
  return { child, url, output: () => out };
}

test('without tokens and without --no-auth it refuses to start and says how to configure tokens', async () => {
  const result = await loom(['serve', '--port', '0'], env);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^loom: serve: no API tokens are configured, so every request would be refused; set LOOM_TOKENS="name:role:token,…" .* or LOOM_TOKENS_FILE=.*or pass --no-auth for local use only\n$/);
});

test('--no-auth: warns, prints the URL, answers /healthz and /recommend, and exits 0 on SIGTERM', async () => {
  const { child, url, output } = await startServer(['--no-auth']);
  expect(output()).toMatch(/^loom serving http:\/\/127\.0\.0\.1:\d+ \(auth off; data home .*home\)\n$/);
  expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
  const recommend = await (await fetch(`${url}/api/models/recs/recommend?customer=ann&k=2`)).json();
  expect(recommend).toMatchObject({ model: 'recs', version: 2, fallback: false, items: [{ item: 'x' }, { item: 'y' }] });
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, '/readyz', 5000);
  child.kill('SIGTERM');
  const result = await child.result;
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/SIGTERM: shutting down\n$/);
  const [warning, ...logLines] = result.stderr.trimEnd().split('\n');
  expect(warning).toBe('loom: WARNING: --no-auth: every request is served as an admin (rollback, alias moves, the audit log); use it for local work only');
  // Then one JSON log line per event.
  expect(logLines.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ level: 'info', message: 'model "recs": serving version 2' }));
});

test('with LOOM_TOKENS: 401 without a token, a rollback by an admin token recorded under its name; SIGINT exits 0', async () => {
  const { child, url, output } = await startServer([], { LOOM_TOKENS: 'dash:viewer:viewer-token-0123456789,ops:admin:admin-token-0123456789' });
  expect(output()).toContain('(2 API tokens: dash, ops;');
  expect((await fetch(`${url}/api/models`)).status).toBe(401);
  const viewer = { Authorization: 'Bearer viewer-token-0123456789' };
  expect((await fetch(`${url}/api/models`, { headers: viewer })).status).toBe(200);
  const forbidden = await fetch(`${url}/api/models/recs/rollback`, { method: 'POST', headers: { ...viewer, 'Content-Type': 'application/json' }, body: '{"reason":"x"}' });
  expect(forbidden.status).toBe(403);
  const rollback = await fetch(`${url}/api/models/recs/rollback`, {
    method: 'POST',
    headers: { Authorization: 'Bearer admin-token-0123456789', 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason: 'rolled back over HTTP' }),
  });
  expect(await rollback.json()).toMatchObject({ move: { from: 2, to: 1, actor: 'ops' }, serving: { version: 1 } });
  child.kill('SIGINT');
  expect((await child.result).code).toBe(0);

  const registry = createLoom({ home: env.LOOM_HOME!, plugins: [] });
  try {
    expect((await registry.models.history('recs')).at(-1)).toMatchObject({ kind: 'rollback', to: 1, actor: 'ops', reason: 'rolled back over HTTP' });
    expect((await registry.models.auditLog({ limit: 3 })).map((a) => [a.actor, a.action])).toEqual([
      ['ops', 'model.rollback'],
      ['dash', 'request.refused'],
      ['anonymous', 'request.refused'],
    ]);
  } finally {
    registry.close();
  }
});

/**
 * A run started through `loom serve` survives the server being killed: the built binary is SIGKILLed while a slow
 * node runs, a new `loom serve` on the same data home resumes the run before it listens, and the run finishes
 * with every counting node having run exactly once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunEvent } from '../engine/run/events.js';
import { SqliteJournal } from '../engine/store/sqlite-journal.js';
import { COUNTING_PLUGINS, spawnLoom, waitFor } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

const TOKEN = 'editor-token-0123456789';
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

let dir: string;
let env: Record<string, string>;
let counters: string;
beforeAll(async () => {
  dir = await tempDir('loom-server-restart-');
  counters = join(dir, 'counters');
  await mkdir(counters);
  await mkdir(join(dir, 'workflows'));
  //   first (count) ──► nap (sleep 2 s) ──► last (count)
  const doc = {
    version: 1,
    name: 'slow',
    nodes: [
      { id: 'first', plugin: 'count', config: { dir: counters, add: 1 } },
      { id: 'nap', plugin: 'sleep', inputs: { in: 'first.out' }, config: { ms: 2000 } },
      { id: 'last', plugin: 'count', inputs: { in: 'first.out' }, after: ['nap'], config: { dir: counters, add: 10 } },
    ],
  };
  await writeFile(join(dir, 'workflows', 'slow.json'), JSON.stringify(doc));
  env = { LOOM_HOME: join(dir, 'home'), LOOM_PLUGINS: COUNTING_PLUGINS, LOOM_TOKENS: `ci:editor:${TOKEN}`, LOOM_TOKENS_FILE: '' };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startServer() {
  const child = spawnLoom(['serve', '--port', '0', '--workflows', join(dir, 'workflows')], env);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /http:\/\/\S+:\d+/.test(out) || child.exitCode !== null, 'loom serve to print its URL', 20_000);
  const url = /(http:\/\/\S+:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`loom serve did not start: ${JSON.stringify(await child.result)}`);
  return { child, url, output: () => out };
}

const executions = (node: string) => (existsSync(join(counters, `${node}.count`)) ? readFileSync(join(counters, `${node}.count`), 'utf8').trim().split('\n').length : 0);

async function runState(url: string, runId: string) {
  return (await (await fetch(`${url}/api/runs/${runId}`, { headers })).json()) as { status: string; nodes: Record<string, { status: string }> };
}

test('SIGKILL during a run; the restarted server resumes it and every finished node ran exactly once', async () => {
  const first = await startServer();
  const started = await fetch(`${first.url}/api/runs`, { method: 'POST', headers, body: JSON.stringify({ name: 'slow' }) });
  expect(started.status).toBe(202);
  const { runId } = (await started.json()) as { runId: string };
  await waitFor(async () => (await runState(first.url, runId)).nodes.nap?.status === 'running', 'the slow node to start', 20_000);
  first.child.kill('SIGKILL');
  expect((await first.child.result).signal).toBe('SIGKILL');
  expect([executions('first'), executions('last')]).toEqual([1, 0]);

  const second = await startServer();
  try {
    await waitFor(() => second.output().includes('resumed 1 run'), 'the resume line', 5000);
    expect(second.output()).toContain(`resumed 1 run a previous server left: ${runId}\n`);
    await waitFor(async () => (await runState(second.url, runId)).status !== 'running', 'the run to finish', 30_000);
    const state = await runState(second.url, runId);
    expect(state.status).toBe('succeeded');
    expect(Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, n.status]))).toEqual({ first: 'succeeded', nap: 'succeeded', last: 'succeeded' });
  } finally {
    second.child.kill('SIGTERM');
    expect((await second.child.result).code).toBe(0);
  }
  // `first` had finished before the kill and `last` ran after the restart: once each. `nap` was cut off and ran again.
  expect([executions('first'), executions('last')]).toEqual([1, 1]);
  const journal = new SqliteJournal(join(env.LOOM_HOME!, 'journal.db'));
  let events: RunEvent[];
  try {
    events = journal.events(runId);
  } finally {
    journal.close();
  }
  const started_ = (node: string) => events.filter((e) => e.type === 'node.started' && e.nodeId === node).length;
  expect([started_('first'), started_('nap'), started_('last')]).toEqual([1, 2, 1]);
  expect(events.filter((e) => e.type === 'run.resumed')).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
});

test('SIGTERM with a run in flight: exits 0 saying the next server resumes it, and the next one does', async () => {
  const first = await startServer();
  const body = JSON.stringify({ workflow: { version: 1, name: 'long', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 60_000 } }] } });
  const { runId } = (await (await fetch(`${first.url}/api/runs`, { method: 'POST', headers, body })).json()) as { runId: string };
  await waitFor(async () => (await runState(first.url, runId)).nodes.nap?.status === 'running', 'the node to start', 20_000);
  first.child.kill('SIGTERM');
  const stopped = await first.child.result;
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toMatch(/SIGTERM: shutting down\n1 run was still running; the next `loom serve` on this data home resumes them\n$/);

  const second = await startServer();
  try {
    await waitFor(() => second.output().includes(`resumed 1 run a previous server left: ${runId}`), 'the resume line', 5000);
    // The other areas are mounted in the same server: workflows from --workflows, plugins, the OpenAPI file.
    expect(((await (await fetch(`${second.url}/api/workflows`, { headers })).json()) as { workflows: { name: string }[] }).workflows.map((w) => w.name)).toEqual(['slow']);
    expect((await fetch(`${second.url}/api/plugins/count`, { headers })).status).toBe(200);
    expect((await fetch(`${second.url}/api/openapi.json`)).status).toBe(200);
    const cancel = await fetch(`${second.url}/api/runs/${runId}/cancel`, { method: 'POST', headers, body: '{}' });
    expect(cancel.status).toBe(202);
    await waitFor(async () => (await runState(second.url, runId)).status === 'cancelled', 'the run to be cancelled', 10_000);
  } finally {
    second.child.kill('SIGTERM');
    expect((await second.child.result).code).toBe(0);
  }
});

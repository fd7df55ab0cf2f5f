/** `loom` against a real Temporal server, as a user drives it: a worker process, runs, approvals, cancels, schedules. */
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { TemporalClient } from '../../engine/temporal/client.js';
import { temporalSettings } from '../../engine/temporal/connection.js';
import { backgroundRun, loom, spawnLoom, waitFor } from '../cli-helpers.js';
import { tempDir } from '../fixtures/loom.js';
import { uniqueQueue } from './fixture.js';

let dir: string;
let flags: string[];
let env: Record<string, string>;
let worker: ReturnType<typeof spawnLoom>;

beforeAll(async () => {
  dir = await tempDir('loom-cli-temporal-');
  const queue = uniqueQueue();
  flags = ['--address', inject('temporalAddress'), '--task-queue', queue];
  env = { LOOM_HOME: join(dir, 'home') };
  worker = spawnLoom(['worker', ...flags], env);
  let out = '';
  worker.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('worker polling'), 'the worker to start');
});

afterAll(async () => {
  worker.kill('SIGTERM');
  await worker.result;
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, doc: object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(doc));
  return path;
}

const gated = { version: 1, name: 'gated', nodes: [{ id: 'model', plugin: 'constant', config: { auc: 0.91 } }, { id: 'gate', plugin: 'approve', inputs: { in: 'model.out' }, config: { message: 'publish?' } }, { id: 'publish', plugin: 'noop', inputs: { in: 'gate.out' } }] };

describe('loom run --engine temporal', () => {
  test('runs a workflow through a worker process, with a JSON summary', async () => {
    const path = await file('ok.json', { version: 1, name: 'ok', nodes: [{ id: 'a', plugin: 'constant', config: { x: 1 } }, { id: 'b', plugin: 'sleep', inputs: { in: 'a.out' }, config: { ms: 300 } }] });
    const result = await loom(['run', path, '--engine', 'temporal', '--json', ...flags], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded', nodes: { a: { status: 'succeeded' }, b: { status: 'succeeded' } } });
  });

  test("a failing node: exit 1, and its own error in the output and in `loom runs`", async () => {
    const path = await file('failing.json', { version: 1, name: 'failing', nodes: [{ id: 'boom', plugin: 'fail', config: { times: 5, message: 'disk full' } }] });
    const result = await loom(['run', path, '--engine', 'temporal', ...flags], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/boom failed: disk full \(attempt 1 of the first 5\)/);
    const runId = /^run (\S+) started/m.exec(result.stdout)![1];
    const runs = JSON.parse((await loom(['runs', '--engine', 'temporal', '--json', ...flags], env)).stdout) as { runId: string; status: string; error: string }[];
    expect(runs.find((r) => r.runId === runId)).toMatchObject({ status: 'failed', error: 'boom: disk full (attempt 1 of the first 5)' });
  });

  test('loom approve lets the gate pass; --reject fails it with the reason', async () => {
    const path = await file('gated.json', gated);
    const yes = await backgroundRun([path, '--engine', 'temporal', ...flags], env);
    await waitFor(() => yes.output().includes('gate waiting: publish?'), 'the gate to wait');
    expect((await loom(['approve', yes.runId, 'gate', '--reason', 'fine', '--by', 'alice', ...flags], env)).code).toBe(0);
    expect((await yes.child.result).code).toBe(0);

    const no = await backgroundRun([path, '--engine', 'temporal', ...flags], env);
    await waitFor(() => no.output().includes('gate waiting'), 'the gate to wait');
    expect((await loom(['approve', no.runId, 'gate', '--reject', '--reason', 'AUC regressed', '--by', 'bob', ...flags], env)).code).toBe(0);
    const rejected = await no.child.result;
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/gate failed: node "gate" was rejected by bob: AUC regressed/);
  });

  test('loom cancel cancels a running workflow', async () => {
    const path = await file('long.json', { version: 1, name: 'long', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 120_000 } }] });
    const run = await backgroundRun([path, '--engine', 'temporal', ...flags], env);
    await waitFor(() => run.output().includes('nap started'), 'the node to start');
    expect((await loom(['cancel', run.runId, '--reason', 'enough', ...flags], env)).code).toBe(0);
    const result = await run.child.result;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/nap cancelled/);
  });

  test('approving a node that is not a waiting gate is a clear error', async () => {
    const result = await loom(['approve', 'no-such-run', 'gate', ...flags], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`loom: no run "no-such-run" on Temporal at ${inject('temporalAddress')}\n`);
  });
});

describe('loom schedule', () => {
  test('create, list, trigger (a run happens), delete', async () => {
    const path = await file('nightly.json', { version: 1, name: 'nightly', nodes: [{ id: 'a', plugin: 'constant', config: { night: true } }] });
    const id = `nightly-${Date.now()}`;
    expect((await loom(['schedule', 'create', path, '--cron', '0 3 * * *', '--id', id, ...flags], env)).stdout).toBe(`schedule ${id} created: nightly at "0 3 * * *"\n`);
    const listed = JSON.parse((await loom(['schedule', 'list', '--json', ...flags], env)).stdout) as { id: string; cron: string; nextRuns: string[] }[];
    expect(listed.find((s) => s.id === id)).toMatchObject({ cron: '0 3 * * *' });
    expect(listed.find((s) => s.id === id)!.nextRuns[0]).toMatch(/T03:00:00/);

    const client = await TemporalClient.connect(temporalSettings({ address: flags[1], taskQueue: flags[3] }));
    try {
      await client.client.schedule.getHandle(id).trigger();
      let runs: { workflow: string; status: string }[] = [];
      for (let i = 0; i < 120 && !runs.some((r) => r.workflow === 'nightly' && r.status === 'succeeded'); i++) {
        await wait(500);
        runs = JSON.parse((await loom(['runs', '--engine', 'temporal', '--json', ...flags], env)).stdout);
      }
      expect(runs.some((r) => r.workflow === 'nightly' && r.status === 'succeeded')).toBe(true);
    } finally {
      await client.close();
    }
    expect((await loom(['schedule', 'delete', id, ...flags], env)).code).toBe(0);
    const after = JSON.parse((await loom(['schedule', 'list', '--json', ...flags], env)).stdout) as { id: string }[];
    expect(after.find((s) => s.id === id)).toBeUndefined();
  });
});

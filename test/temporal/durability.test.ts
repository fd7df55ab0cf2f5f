/**
 * Durability on Temporal, with real processes: a worker SIGKILLed mid-activity, and the Temporal server itself
 * killed and restarted mid-run (same database file). Either way the run completes, and no node that had
 * finished runs again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { createLoom, type Loom } from '../../engine/loom.js';
import { TemporalClient } from '../../engine/temporal/client.js';
import { temporalSettings } from '../../engine/temporal/connection.js';
import { createWorker } from '../../engine/temporal/worker.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { COUNTING_PLUGINS, spawnLoom, waitFor } from '../cli-helpers.js';
import { count } from '../fixtures/counting-plugins.mjs';
import { tempDir } from '../fixtures/loom.js';
import { startDevServer } from './dev-server.js';
import { compile, uniqueQueue, workflowBundle } from './fixture.js';

//   a ──► b ──────► d ──► e
//   └───► c (slow) ─┘
function diamond(dir: string, slowMs: number) {
  const node = (id: string, ms: number, inputs: string[], add: number) => ({ id, plugin: 'count', ...(inputs.length ? { inputs: { in: inputs } } : {}), config: { dir, ms, add } });
  return {
    version: 1,
    name: 'diamond',
    nodes: [node('a', 100, [], 1), node('b', 200, ['a.out'], 10), node('c', slowMs, ['a.out'], 100), node('d', 100, ['b.out', 'c.out'], 1000), node('e', 100, ['d.out'], 10000)],
  };
}

function executions(counters: string, node: string): number {
  const file = join(counters, `${node}.count`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
}

let root: string;
let loom: Loom;
beforeEach(async () => {
  root = await tempDir('loom-durable-');
  await mkdir(join(root, 'counters'));
  loom = createLoom({ home: join(root, 'home'), plugins: [...builtinPlugins, count] });
});
afterEach(async () => {
  loom.close();
  await rm(root, { recursive: true, force: true });
});

describe('Temporal durability', () => {
  test('SIGKILL the worker mid-activity: a new worker completes the run; finished nodes do not run again', async () => {
    const counters = join(root, 'counters');
    const settings = temporalSettings({ address: inject('temporalAddress'), taskQueue: uniqueQueue(), heartbeatTimeoutMs: 3000 });
    const env = { LOOM_HOME: loom.home, LOOM_PLUGINS: COUNTING_PLUGINS };
    const workerArgs = ['worker', '--address', settings.address, '--task-queue', settings.taskQueue];
    const startWorker = async () => {
      const child = spawnLoom(workerArgs, env);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('worker polling'), 'the worker to start');
      return child;
    };
    const client = await TemporalClient.connect(settings);
    const first = await startWorker();
    try {
      const runId = await client.start(compile(loom, diamond(counters, 4000)));
      await waitFor(async () => {
        const state = await client.state(runId).catch(() => undefined);
        return state?.nodes.b?.status === 'succeeded' && executions(counters, 'c') === 1;
      }, 'b to finish and c to start');
      first.kill('SIGKILL');
      await first.result;
      const second = await startWorker();
      try {
        const state = await client.follow(runId);
        expect(state.status).toBe('succeeded');
        expect(['a', 'b', 'c', 'd', 'e'].map((n) => executions(counters, n))).toEqual([1, 1, 2, 1, 1]);
        expect(await loom.artifacts.readJson(state.nodes.e!.outputs!.out!)).toEqual({ value: 11112 }); // 10000 + (1000 + (10 + 1) + (100 + 1))
      } finally {
        second.kill('SIGTERM');
        await second.result;
      }
    } finally {
      first.kill('SIGKILL');
      await client.close();
    }
  });

  test('the Temporal server is killed and restarted mid-run (same database): the run completes', async () => {
    const server = await startDevServer(root);
    const settings = temporalSettings({ address: server.address, taskQueue: uniqueQueue(), heartbeatTimeoutMs: 5000 });
    const worker = await createWorker(loom, settings, { workflowBundle: await workflowBundle() });
    const running = worker.run();
    const client = await TemporalClient.connect(settings);
    try {
      const counters = join(root, 'counters');
      const runId = await client.start(compile(loom, diamond(counters, 3000)));
      await waitFor(() => executions(counters, 'c') === 1, 'c to start');
      await server.kill();
      await wait(1000);
      await server.restart();
      const state = await client.follow(runId);
      expect(state.status).toBe('succeeded');
      expect(executions(counters, 'a')).toBe(1);
      expect(executions(counters, 'b')).toBe(1);
      expect(executions(counters, 'e')).toBe(1);
    } finally {
      worker.shutdown();
      await running.catch(() => {});
      await client.close();
      await server.stop();
    }
  });
});

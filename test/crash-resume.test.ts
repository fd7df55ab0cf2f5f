/**
 * A run survives its process being killed: `loom run` is SIGKILLed while a node runs, `loom resume` completes
 * it, no node that had finished runs again, and the outputs equal those of a run that was never interrupted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteJournal } from '../engine/store/sqlite-journal.js';
import type { RunEvent } from '../engine/run/events.js';
import { COUNTING_PLUGINS, loom, spawnLoom, startedRunId, waitFor } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

//   a ──► b ──────► d ──► e
//   └───► c (slow) ─┘
function diamond(dir: string, slowMs: number) {
  const node = (id: string, ms: number, inputs: string[], add: number) => ({
    id,
    plugin: 'count',
    ...(inputs.length ? { inputs: { in: inputs } } : {}),
    config: { dir, ms, add },
  });
  return {
    version: 1,
    name: 'diamond',
    nodes: [node('a', 100, [], 1), node('b', 200, ['a.out'], 10), node('c', slowMs, ['a.out'], 100), node('d', 100, ['b.out', 'c.out'], 1000), node('e', 100, ['d.out'], 10000)],
  };
}

let root: string;
beforeEach(async () => {
  root = await tempDir('loom-crash-');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setUp(name: string, slowMs: number) {
  const home = join(root, name, 'home');
  const counters = join(root, name, 'counters');
  await mkdir(counters, { recursive: true });
  const file = join(root, name, 'diamond.json');
  await writeFile(file, JSON.stringify(diamond(counters, slowMs)));
  return { home, counters, file, env: { LOOM_HOME: home, LOOM_PLUGINS: COUNTING_PLUGINS } };
}

function executions(counters: string, node: string): number {
  const file = join(counters, `${node}.count`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
}

function journalEvents(home: string, runId: string): RunEvent[] {
  const journal = new SqliteJournal(join(home, 'journal.db'));
  try {
    return journal.events(runId);
  } finally {
    journal.close();
  }
}

async function uninterruptedOutputs(slowMs = 1500): Promise<Record<string, string>> {
  const clean = await setUp(`clean-${slowMs}`, slowMs);
  const result = await loom(['run', clean.file, '--json'], clean.env);
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as { nodes: Record<string, { outputs: { out: { sha256: string } } }> };
  return Object.fromEntries(Object.entries(summary.nodes).map(([id, n]) => [id, n.outputs.out.sha256]));
}

describe('crash and resume', () => {
  test('SIGKILL while a node runs; resume finishes without re-running finished nodes; outputs equal an uninterrupted run', async () => {
    const expected = await uninterruptedOutputs();
    const { file, env, counters, home } = await setUp('killed', 1500);

    const child = spawnLoom(['run', file], env);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    await waitFor(() => executions(counters, 'c') === 1 && executions(counters, 'b') === 1 && /b succeeded/.test(stdout), 'c to start and b to finish');
    child.kill('SIGKILL');
    const killed = await child.result;
    expect(killed.signal).toBe('SIGKILL');
    const runId = startedRunId(killed.stdout)!;

    const runs = JSON.parse((await loom(['runs', '--json'], env)).stdout) as { runId: string; status: string }[];
    expect(runs.find((r) => r.runId === runId)?.status).toBe('interrupted');

    const resumed = await loom(['resume', runId, '--json'], env);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { status: string; nodes: Record<string, { outputs: { out: { sha256: string } } }> };
    expect(summary.status).toBe('succeeded');
    expect(Object.fromEntries(Object.entries(summary.nodes).map(([id, n]) => [id, n.outputs.out.sha256]))).toEqual(expected);

    // a and b had finished: they ran once. c was killed mid-run: it ran again. d and e ran once, after the resume.
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => executions(counters, n))).toEqual([1, 1, 2, 1, 1]);
    const events = journalEvents(home, runId);
    expect(events.filter((e) => e.type === 'run.resumed')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  });

  test('killed at random moments, again and again, the run still completes with the same outputs', async () => {
    const expected = await uninterruptedOutputs(600);
    const { file, env, counters, home } = await setUp('random', 600);
    let runId: string | undefined;
    let finished = false;
    let kills = 0;
    // Fixed "random" kill times, spread over start-up, node starts, node ends and the journal writes.
    const delays = [450, 700, 380, 900, 520, 610];
    for (let round = 0; round < delays.length && !finished; round++) {
      const child = spawnLoom(runId ? ['resume', runId] : ['run', file], env);
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      if (!runId) await waitFor(() => startedRunId(stdout) !== undefined, 'the run to start');
      runId ??= startedRunId(stdout);
      await wait(delays[round]!);
      child.kill('SIGKILL');
      const result = await child.result;
      finished = result.code === 0;
      if (result.signal === 'SIGKILL') kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const last = await loom(['resume', runId!, '--json'], env);
    expect(last.code).toBe(0);
    const summary = JSON.parse(last.stdout) as { nodes: Record<string, { outputs: { out: { sha256: string } } }> };
    expect(Object.fromEntries(Object.entries(summary.nodes).map(([id, n]) => [id, n.outputs.out.sha256]))).toEqual(expected);

    // Every node succeeded exactly once (or was found in the cache, if the kill fell between storing its result
    // and journalling it), and none was started again after that.
    const events = journalEvents(home, runId!);
    const done = (e: RunEvent) => e.type === 'node.succeeded' || e.type === 'node.cached';
    for (const node of ['a', 'b', 'c', 'd', 'e']) {
      const mine = events.filter((e) => 'nodeId' in e && e.nodeId === node);
      const success = mine.findIndex(done);
      expect(mine.filter(done), node).toHaveLength(1);
      expect(mine.slice(success + 1).filter((e) => e.type === 'node.started'), node).toEqual([]);
      expect(executions(counters, node), node).toBeLessThanOrEqual(mine.filter((e) => e.type === 'node.started').length);
    }
  });

  test('resume refuses a run that another live process is driving', async () => {
    const { file, env, counters } = await setUp('busy', 5000);
    const child = spawnLoom(['run', file], env);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    await waitFor(() => executions(counters, 'c') === 1, 'c to start');
    const runId = startedRunId(stdout)!;
    const second = await loom(['resume', runId], env);
    child.kill('SIGKILL');
    await child.result;
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`loom: run "${runId}" is still being driven by process ${child.pid}; stop it first\n`);
  });
});

/**
 * A 2,000-node workflow on Temporal: history grows past the server's continue-as-new hint, so the interpreter
 * continues as new (carrying the run so far) and the run still completes with every node.
 */
import { expect } from 'vitest';
import type { NodeDoc } from '../../engine/workflow/schema.js';
import { compile, temporalTest } from './fixture.js';

const test = temporalTest();

test('2,000 nodes in layers of 40 complete, across continue-as-new', { timeout: 600_000 }, async ({ loom, temporal }) => {
  const width = 40;
  const nodes: NodeDoc[] = Array.from({ length: 2000 }, (_, i) => {
    const layer = Math.floor(i / width);
    const base = { id: `n${i}`, plugin: 'noop' };
    return layer === 0 ? base : { ...base, inputs: { in: `n${(layer - 1) * width + (i % width)}.out` }, after: [`n${(layer - 1) * width + ((i + 7) % width)}`] };
  });
  const runId = await temporal.client.start(compile(loom, { version: 1, name: 'large', nodes }), { concurrency: 40 });
  let executions = 0;
  const finished = new Map<string, number>();
  const state = await temporal.client.follow(runId, (e) => {
    if (e.type === 'node.succeeded' || e.type === 'node.cached') finished.set(e.nodeId, (finished.get(e.nodeId) ?? 0) + 1);
  });
  // A follower sees each node finish exactly once, even across continue-as-new.
  expect(finished.size).toBe(2000);
  expect([...finished.values()].every((n) => n === 1)).toBe(true);
  expect(state.status).toBe('succeeded');
  expect(Object.values(state.nodes).filter((n) => n.status === 'succeeded' || n.status === 'cached')).toHaveLength(2000);
  const page = await temporal.client.handle(runId).query<{ execution: number }, [number]>('events', 0);
  executions = page.execution;
  expect(executions).toBeGreaterThan(0);
  const description = await temporal.client.handle(runId).describe();
  expect(description.historyLength).toBeLessThan(51_200);
});

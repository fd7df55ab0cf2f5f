import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY, type CompiledNode, type CompiledWorkflow } from '../workflow/compiled.js';
import type { RunEvent, RunEventInput } from './events.js';
import { Planner, type PlanAction } from './plan.js';

const ref = (sha: string) => ({ type: 'json' as const, uri: `loom://artifacts/${sha}`, sha256: sha.padEnd(64, '0'), bytes: 1 });

/** `node('b', 'a')`: b reads a's `out` on its `in` port. */
function node(id: string, ...deps: string[]): CompiledNode {
  return {
    id, plugin: 'noop', version: '1.0.0', config: {},
    inputs: deps.length ? [{ port: 'in', many: true, sources: deps.map((d) => ({ node: d, port: 'out' })) }] : [],
    dependsOn: deps, retry: DEFAULT_RETRY, timeoutMs: undefined, cache: true,
  };
}

function flow(...nodes: CompiledNode[]): CompiledWorkflow {
  return { name: 'plan', baseDir: '/', params: {}, nodes };
}

function event(input: RunEventInput): RunEvent {
  return { ...input, runId: 'r', at: '2026-01-01T00:00:00.000Z' } as RunEvent;
}

const started = (nodeId: string, attempt = 1) => event({ type: 'node.started', nodeId, attempt, cacheKey: 'k' });
const succeeded = (nodeId: string) => event({ type: 'node.succeeded', nodeId, attempt: 1, durationMs: 1, outputs: { out: ref(nodeId) } });
const failed = (nodeId: string) => event({ type: 'node.failed', nodeId, attempt: 1, durationMs: 1, error: { code: 'PLUGIN_FAILED', message: 'x', retryable: true } });

function summary(actions: PlanAction[]): string[] {
  return actions.map((a) => (a.kind === 'start' ? `start ${a.node.id}` : a.kind === 'skip' ? `skip ${a.nodeId}: ${a.reason}` : `finish ${a.status}`));
}

describe('Planner', () => {
  // a ─► b ─► d
  // └──► c ─┘
  const diamond = flow(node('a'), node('b', 'a'), node('c', 'a'), node('d', 'b', 'c'));

  test('hands out each node once, when all its dependencies are done, then finishes', () => {
    const planner = new Planner(diamond);
    expect(summary(planner.next())).toEqual(['start a']);
    expect(summary(planner.next())).toEqual([]);
    planner.apply(started('a'));
    planner.apply(succeeded('a'));
    expect(summary(planner.next())).toEqual(['start b', 'start c']);
    planner.apply(started('b'));
    planner.apply(succeeded('b'));
    expect(summary(planner.next())).toEqual([]);
    planner.apply(started('c'));
    planner.apply(succeeded('c'));
    const [start] = planner.next();
    expect(start).toMatchObject({ kind: 'start', node: { id: 'd' }, inputs: { in: [ref('b'), ref('c')] } });
    planner.apply(started('d'));
    planner.apply(succeeded('d'));
    expect(summary(planner.next())).toEqual(['finish succeeded']);
    expect(summary(planner.next())).toEqual([]);
  });

  test('a node whose plugin asks for lineage gets every upstream output, farthest first; others get none', () => {
    // a ─► b ─► d (lineage), c is d's other input and shares a with b
    const withLineage = flow(node('a'), node('b', 'a'), node('c', 'a'), { ...node('d', 'b', 'c'), lineage: true });
    const planner = new Planner(withLineage);
    for (const batch of [['a'], ['b', 'c']]) {
      const starts = planner.next();
      for (const s of starts) expect(s).not.toHaveProperty('lineage');
      for (const id of batch) {
        planner.apply(started(id));
        planner.apply(succeeded(id));
      }
    }
    const [d] = planner.next();
    expect(d).toMatchObject({ kind: 'start', node: { id: 'd' } });
    expect((d as Extract<PlanAction, { kind: 'start' }>).lineage).toEqual([
      { node: 'a', plugin: 'noop', port: 'out', sha256: ref('a').sha256 },
      { node: 'b', plugin: 'noop', port: 'out', sha256: ref('b').sha256 },
      { node: 'c', plugin: 'noop', port: 'out', sha256: ref('c').sha256 },
    ]);
  });

  test('skips everything below a failure, naming the cause, and fails the run', () => {
    const planner = new Planner(diamond);
    planner.next();
    planner.apply(started('a'));
    planner.apply(succeeded('a'));
    planner.next();
    planner.apply(started('b'));
    planner.apply(failed('b'));
    expect(summary(planner.next())).toEqual(['skip d: upstream node "b" failed']);
    planner.apply(started('c'));
    planner.apply(succeeded('c'));
    expect(summary(planner.next())).toEqual(['finish failed']);
  });

  test('a failure whose descendants are all skipped ends the run in the same step', () => {
    // a ─► b ─► c
    const planner = new Planner(flow(node('a'), node('b', 'a'), node('c', 'b')));
    planner.next();
    planner.apply(started('a'));
    planner.apply(failed('a'));
    expect(summary(planner.next())).toEqual(['skip b: upstream node "a" failed', 'skip c: upstream node "b" was skipped', 'finish failed']);
  });

  test('replaying a journal restarts the nodes that were running when the process died, at the same attempt', () => {
    const planner = new Planner(diamond);
    for (const e of [started('a'), succeeded('a'), started('b'), succeeded('b'), started('c', 2)]) planner.apply(e);
    const actions = planner.next();
    expect(summary(actions)).toEqual(['start c']);
    expect(actions[0]).toMatchObject({ attempt: 2 });
  });

  test('after a retrying event, a restart makes the next attempt', () => {
    const planner = new Planner(flow(node('a')));
    planner.apply(started('a', 1));
    planner.apply(event({ type: 'node.retrying', nodeId: 'a', attempt: 1, delayMs: 5, error: { code: 'X', message: 'x', retryable: true } }));
    expect(planner.next()[0]).toMatchObject({ kind: 'start', attempt: 2 });
  });

  test('cancelling skips what has not started and finishes cancelled once nothing runs', () => {
    const planner = new Planner(diamond);
    planner.next();
    planner.apply(started('a'));
    planner.apply(event({ type: 'run.cancelling', reason: 'user' }));
    expect(summary(planner.next())).toEqual(['skip b: the run was cancelled', 'skip c: the run was cancelled', 'skip d: the run was cancelled']);
    planner.apply(event({ type: 'node.cancelled', nodeId: 'a', attempt: 1 }));
    expect(summary(planner.next())).toEqual(['finish cancelled']);
  });

  test('the cache key depends on config and input content, not on node ids', () => {
    const one = new Planner(flow(node('x'), node('y', 'x')));
    one.apply(succeeded('x'));
    const two = new Planner(flow(node('x'), { ...node('y', 'x'), config: { k: 1 } }));
    two.apply(succeeded('x'));
    const keyOf = (p: Planner) => (p.next().find((a) => a.kind === 'start' && a.node.id === 'y') as { cacheKey: string }).cacheKey;
    const [first, second] = [keyOf(one), keyOf(two)];
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(first).not.toEqual(second);
  });
});

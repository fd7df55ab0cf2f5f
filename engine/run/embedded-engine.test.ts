import { describe, expect } from 'vitest';
import { definePlugin, Type } from '../sdk.js';
import { asAnyPlugin } from '../plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, startDoc } from '../../test/fixtures/loom.js';
import type { RunEvent } from './events.js';

/** Records each run of each node, so tests can tell what ran and what was cached. */
const ran: string[] = [];
const record = asAnyPlugin(
  definePlugin({
    name: 'record', version: '1.0.0', title: 'Record', description: 'Notes that it ran.', category: 'test',
    inputs: { in: { type: 'any', optional: true } },
    outputs: { out: { type: 'json' } },
    config: Type.Object({ value: Type.Optional(Type.Unknown()) }),
    async run(ctx) {
      ran.push(ctx.nodeId);
      return { out: await ctx.artifacts.putJson('json', { node: ctx.nodeId, value: (ctx.config.value ?? null) as never }) };
    },
  }),
);

const stubborn = asAnyPlugin(
  definePlugin({
    name: 'stubborn', version: '1.0.0', title: 'Stubborn', description: 'Ignores its abort signal.', category: 'test',
    outputs: {},
    async run() {
      await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
      return {};
    },
  }),
);

const liar = asAnyPlugin(
  definePlugin({
    name: 'liar', version: '1.0.0', title: 'Liar', description: 'Returns the wrong type on its output.', category: 'test',
    outputs: { model: { type: 'model' } },
    async run(ctx) {
      return { model: await ctx.artifacts.putJson('json', 1) };
    },
  }),
);

const test = loomTest([record, stubborn, liar]);

function times(events: RunEvent[], nodeId: string, type: RunEvent['type']): number[] {
  return events.filter((e) => e.type === type && 'nodeId' in e && e.nodeId === nodeId).map((e) => Date.parse(e.at));
}

describe('parallelism', () => {
  test('two independent sleeps overlap in time', async ({ loom }) => {
    const events: RunEvent[] = [];
    const doc = workflow().node('a', 'sleep', { config: { ms: 400 } }).node('b', 'sleep', { config: { ms: 400 } }).build();
    const state = await runDoc(loom, doc, { onEvent: (e) => events.push(e) });
    expect(state.status).toBe('succeeded');
    const [aStart, bStart] = [times(events, 'a', 'node.started')[0]!, times(events, 'b', 'node.started')[0]!];
    const [aEnd, bEnd] = [times(events, 'a', 'node.succeeded')[0]!, times(events, 'b', 'node.succeeded')[0]!];
    expect(bStart).toBeLessThan(aEnd);
    expect(aStart).toBeLessThan(bEnd);
  });

  test('concurrency 1 runs them one after the other', async ({ loom }) => {
    const events: RunEvent[] = [];
    // NOTE: different configs, or the second would be a cache hit on the first.
    const doc = workflow().node('a', 'sleep', { config: { ms: 150 } }).node('b', 'sleep', { config: { ms: 151 } }).build();
    await runDoc(loom, doc, { concurrency: 1, onEvent: (e) => events.push(e) });
    expect(times(events, 'b', 'node.started')[0]!).toBeGreaterThanOrEqual(times(events, 'a', 'node.succeeded')[0]!);
  });

  test('a node starts only when all its inputs and after-nodes have finished', async ({ loom }) => {
    const events: RunEvent[] = [];
    // slow ─┐
    //       ├─► join      fast ─► (after) join
    const doc = workflow()
      .node('slow', 'sleep', { config: { ms: 200 } })
      .node('fast', 'sleep', { config: { ms: 10 } })
      .node('join', 'noop', { inputs: { in: 'slow.out' }, after: ['fast'] })
      .build();
    await runDoc(loom, doc, { onEvent: (e) => events.push(e) });
    expect(times(events, 'join', 'node.started')[0]!).toBeGreaterThanOrEqual(times(events, 'slow', 'node.succeeded')[0]!);
  });
});

describe('retries', () => {
  test('fail with times=2 succeeds on attempt 3, after two retrying events with backoff', async ({ loom }) => {
    const events: RunEvent[] = [];
    const doc = workflow().node('flaky', 'fail', { config: { times: 2 }, retry: { maxAttempts: 3, backoffMs: 20, backoffCoefficient: 2 } }).build();
    const state = await runDoc(loom, doc, { onEvent: (e) => events.push(e) });
    expect(state.nodes.flaky).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(events.filter((e) => e.type === 'node.retrying').map((e) => (e as { delayMs: number }).delayMs)).toEqual([20, 40]);
    expect(await loom.artifacts.readJson(state.nodes.flaky!.outputs!.out!)).toEqual({ attempt: 3 });
  });

  test('attempts run out: the node fails, its descendants are skipped, independent branches finish', async ({ loom }) => {
    const doc = workflow()
      .node('flaky', 'fail', { config: { times: 5 }, retry: { maxAttempts: 2, backoffMs: 1 } })
      .chain('flaky', 'child')
      .chain('child', 'grandchild')
      .node('other', 'sleep', { config: { ms: 50 } })
      .build();
    const state = await runDoc(loom, doc);
    expect(state.status).toBe('failed');
    expect(state.nodes.flaky).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'PLUGIN_FAILED', message: 'failed on purpose (attempt 2 of the first 5)' } });
    expect(state.nodes.child).toMatchObject({ status: 'skipped', reason: 'upstream node "flaky" failed' });
    expect(state.nodes.grandchild).toMatchObject({ status: 'skipped', reason: 'upstream node "child" was skipped' });
    expect(state.nodes.other!.status).toBe('succeeded');
  });

  test('a failure with nothing else running still ends the run, after skipping what is below it', async ({ loom }) => {
    const state = await runDoc(loom, workflow().node('bad', 'fail', { config: { times: 1 } }).chain('bad', 'child').build());
    expect(state.status).toBe('failed');
    expect(state.nodes.child!.status).toBe('skipped');
  });

  test('a non-retryable failure is not retried', async ({ loom }) => {
    const doc = workflow().node('bad', 'fail', { config: { times: 1, retryable: false }, retry: { maxAttempts: 5, backoffMs: 1 } }).build();
    const state = await runDoc(loom, doc);
    expect(state.nodes.bad).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

describe('timeouts', () => {
  test('a node that takes too long fails with a timeout, and is retried', async ({ loom }) => {
    const events: RunEvent[] = [];
    const doc = workflow().node('slow', 'sleep', { config: { ms: 5000 }, timeoutMs: 100, retry: { maxAttempts: 2, backoffMs: 1 } }).build();
    const state = await runDoc(loom, doc, { onEvent: (e) => events.push(e) });
    expect(state.nodes.slow).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'NODE_TIMEOUT', message: 'node "slow" timed out after 100 ms' } });
    expect(events.filter((e) => e.type === 'node.retrying')).toHaveLength(1);
  });

  test('a plugin that ignores its signal cannot hold the run past its timeout', async ({ loom }) => {
    const doc = workflow().node('deaf', 'stubborn', { timeoutMs: 100 }).build();
    const state = await runDoc(loom, doc);
    expect(state.nodes.deaf).toMatchObject({ status: 'failed', error: { code: 'NODE_TIMEOUT' } });
  });
});

describe('cancellation', () => {
  test('cancelling stops running nodes, skips the rest and records it', async ({ loom }) => {
    const doc = workflow().node('long', 'sleep', { config: { ms: 30_000 } }).chain('long', 'after').build();
    const handle = startDoc(loom, doc, {
      onEvent: (e) => {
        if (e.type === 'node.started') handle.cancel('stop please');
      },
    });
    const state = await handle.done;
    expect(state.status).toBe('cancelled');
    expect(state.nodes.long!.status).toBe('cancelled');
    expect(state.nodes.after).toMatchObject({ status: 'skipped', reason: 'the run was cancelled' });
    const types = loom.journal.events(handle.runId).map((e) => e.type);
    expect(types).toContain('run.cancelling');
    expect(types.at(-1)).toBe('run.finished');
    expect(loom.journal.run(handle.runId)!.status).toBe('cancelled');
  });
});

describe('caching', () => {
  // a ─► b ─► c
  //  └──► d
  const build = (bValue: number) =>
    workflow()
      .node('a', 'record', { config: { value: 1 } })
      .chain('a', 'b', 'record', { config: { value: bValue } })
      .chain('b', 'c', 'record')
      .chain('a', 'd', 'record')
      .build();

  test('a second run is all cached; a changed config re-runs that node and its descendants only', async ({ loom }) => {
    ran.length = 0;
    const firstReasons = new Set<string | undefined>();
    const first = await runDoc(loom, build(2), { onEvent: (e) => e.type === 'node.started' && firstReasons.add(e.reason) });
    expect(ran.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...firstReasons]).toEqual(['no earlier result']);

    ran.length = 0;
    const second = await runDoc(loom, build(2));
    expect(ran).toEqual([]);
    expect(Object.values(second.nodes).map((n) => n.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(second.nodes.c!.outputs).toEqual(first.nodes.c!.outputs);

    ran.length = 0;
    const reasons: Record<string, string | undefined> = {};
    const third = await runDoc(loom, build(3), { onEvent: (e) => e.type === 'node.started' && (reasons[e.nodeId] = e.reason) });
    expect(ran.sort()).toEqual(['b', 'c']);
    // The run says why each node ran again.
    expect(reasons).toEqual({ b: 'config changed', c: 'input "in" changed' });
    expect(third.nodes.a!.status).toBe('cached');
    expect(third.nodes.d!.status).toBe('cached');
  });

  test('cache: false always runs', async ({ loom }) => {
    ran.length = 0;
    const doc = workflow().node('a', 'record', { cache: false }).build();
    await runDoc(loom, doc);
    await runDoc(loom, doc);
    expect(ran).toEqual(['a', 'a']);
  });

  test('an upstream node that re-runs with the same output keeps its descendants cached', async ({ loom }) => {
    ran.length = 0;
    const doc = workflow().node('a', 'record', { cache: false }).chain('a', 'b', 'record').build();
    await runDoc(loom, doc);
    await runDoc(loom, doc);
    expect(ran).toEqual(['a', 'b', 'a']);
  });
});

describe('plugin outputs', () => {
  test('an output of the wrong type fails the node with a clear error', async ({ loom }) => {
    const state = await runDoc(loom, workflow().node('l', 'liar').build());
    expect(state.nodes.l!.error).toEqual({
      code: 'PLUGIN_OUTPUT_INVALID',
      message: 'node "l" (plugin "liar@1.0.0") returned a json on output "model", which is declared model',
      retryable: false,
    });
  });
});

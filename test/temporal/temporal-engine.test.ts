/** The Temporal engine against a real Temporal dev server: parallelism, failures, cancellation, approval gates. */
import { describe, expect } from 'vitest';
import type { RunEvent } from '../../engine/run/events.js';
import { workflow } from '../builder.js';
import { compile, temporalTest } from './fixture.js';

const test = temporalTest();

function times(events: RunEvent[], nodeId: string, type: RunEvent['type']): number {
  return Date.parse(events.find((e) => e.type === type && 'nodeId' in e && e.nodeId === nodeId)!.at);
}

describe('Temporal engine', () => {
  test('two parallel branches overlap in time, and the join runs after both', async ({ loom, temporal }) => {
    // root ─► left (sleep 1.5 s) ─┐
    //    └──► right (sleep 1.5 s) ─┴► join
    const doc = workflow()
      .node('root', 'constant', { config: { v: 1 } })
      .chain('root', 'left', 'sleep', { config: { ms: 1500 } })
      .chain('root', 'right', 'sleep', { config: { ms: 1501 } })
      .node('join', 'noop', { inputs: { in: 'left.out' }, after: ['right'] })
      .build();
    const events: RunEvent[] = [];
    const runId = await temporal.client.start(compile(loom, doc));
    const state = await temporal.client.follow(runId, (e) => events.push(e));
    expect(state.status).toBe('succeeded');
    expect(times(events, 'right', 'node.started')).toBeLessThan(times(events, 'left', 'node.succeeded'));
    expect(times(events, 'left', 'node.started')).toBeLessThan(times(events, 'right', 'node.succeeded'));
    expect(times(events, 'join', 'node.started')).toBeGreaterThanOrEqual(times(events, 'right', 'node.succeeded'));
    expect(events.some((e) => e.type === 'node.progress' && e.nodeId === 'left')).toBe(true);
  });

  test('retries map to activity retries: fail with times=2 succeeds on attempt 3', async ({ loom, temporal }) => {
    const doc = workflow().node('flaky', 'fail', { config: { times: 2 }, retry: { maxAttempts: 3, backoffMs: 50 } }).build();
    const state = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(state.nodes.flaky).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(await loom.artifacts.readJson(state.nodes.flaky!.outputs!.out!)).toEqual({ attempt: 3 });
  });

  test("a failing node fails the run with the node's own error, and its descendants are skipped", async ({ loom, temporal }) => {
    const doc = workflow()
      .node('boom', 'fail', { config: { times: 9, message: 'disk full' }, retry: { maxAttempts: 2, backoffMs: 10 } })
      .chain('boom', 'after')
      .build();
    const state = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(state.status).toBe('failed');
    expect(state.nodes.boom).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'PLUGIN_FAILED', message: 'disk full (attempt 2 of the first 9)', retryable: true } });
    expect(state.nodes.after).toMatchObject({ status: 'skipped', reason: 'upstream node "boom" failed' });
  });

  test('a non-retryable failure fails fast, on its first attempt', async ({ loom, temporal }) => {
    const doc = workflow().node('bad', 'fail', { config: { times: 1, retryable: false, message: 'bad config' }, retry: { maxAttempts: 5 } }).build();
    const state = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(state.nodes.bad).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'bad config (attempt 1 of the first 1)', retryable: false } });
  });

  test('a node timeout fails the attempt', async ({ loom, temporal }) => {
    const doc = workflow().node('slow', 'sleep', { config: { ms: 60_000 }, timeoutMs: 500 }).build();
    const state = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(state.nodes.slow).toMatchObject({ status: 'failed', error: { code: 'NODE_TIMEOUT', message: 'node "slow" timed out after 500 ms' } });
  });

  test('cancel stops the running activity and skips the rest', async ({ loom, temporal }) => {
    const doc = workflow().node('long', 'sleep', { config: { ms: 60_000 } }).chain('long', 'next').build();
    const runId = await temporal.client.start(compile(loom, doc));
    let asked = false;
    const state = await temporal.client.follow(runId, (e) => {
      if (e.type === 'node.started' && !asked) {
        asked = true;
        void temporal.client.cancel(runId, 'changed my mind');
      }
    });
    expect(state.status).toBe('cancelled');
    expect(state.nodes.long!.status).toBe('cancelled');
    expect(state.nodes.next).toMatchObject({ status: 'skipped', reason: 'the run was cancelled' });
  });

  test('an approval releases a gated node; a rejection fails it with the reason', async ({ loom, temporal }) => {
    // model ─► gate (approve) ─► publish
    const doc = workflow()
      .node('model', 'constant', { config: { auc: 0.9 } })
      .chain('model', 'gate', 'approve', { config: { message: 'publish this model?' } })
      .chain('gate', 'publish')
      .build();
    const compiled = compile(loom, doc);
    const approveRun = await temporal.client.start(compiled);
    const approved = await temporal.client.follow(approveRun, (e) => {
      if (e.type === 'node.waiting') void temporal.client.decide(approveRun, { nodeId: 'gate', approved: true, reason: 'looks good', by: 'alice' });
    });
    expect(approved.status).toBe('succeeded');
    expect(approved.nodes.publish!.outputs!.out).toEqual(approved.nodes.model!.outputs!.out);

    const rejectRun = await temporal.client.start(compiled);
    const rejected = await temporal.client.follow(rejectRun, (e) => {
      if (e.type === 'node.waiting') void temporal.client.decide(rejectRun, { nodeId: 'gate', approved: false, reason: 'AUC regressed', by: 'bob' });
    });
    expect(rejected.status).toBe('failed');
    expect(rejected.nodes.gate!.error).toEqual({ code: 'REJECTED', message: 'node "gate" was rejected by bob: AUC regressed', retryable: false });
    expect(rejected.nodes.publish!.status).toBe('skipped');
  });

  test('an approval gate times out', async ({ loom, temporal }) => {
    const doc = workflow().node('model', 'constant', { config: {} }).chain('model', 'gate', 'approve', { config: { timeoutMs: 300 } }).build();
    const state = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(state.nodes.gate!.error).toMatchObject({ code: 'APPROVAL_TIMEOUT' });
  });
});

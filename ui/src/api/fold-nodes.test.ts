import { describe, expect, test, vi } from 'vitest';
import { afterApproval, runEvents } from './fixture-events';
import { foldNodes, viewsFromStates } from './fold-nodes';

const plain = (nodes: ReturnType<typeof foldNodes>) => Object.fromEntries(Object.entries(nodes).map(([id, { decide, ...v }]) => [id, { ...v, ...(decide ? { decide: 'fn' } : {}) }]));

describe('foldNodes', () => {
  test('a run in flight: cached, retried then failed, skipped, running with progress, waiting at a gate', () => {
    const nodes = foldNodes(runEvents, { nodeIds: ['collect', 'publish'], decide: () => () => {} });
    expect(plain(nodes)).toEqual({
      collect: { status: 'succeeded', fraction: 1, cached: false, durationMs: 395 },
      publish: { status: 'pending' },
      stats: { status: 'cached', fraction: 1, cached: true, message: 'cached from run run-0' },
      clean: { status: 'succeeded', fraction: 1, cached: false, durationMs: 280, message: 'rule 2 of 4' },
      flaky: { status: 'failed', error: 'connection reset again', durationMs: 100 },
      report: { status: 'skipped', message: 'upstream node "flaky" failed' },
      train: { status: 'succeeded', fraction: 1, cached: false, durationMs: 1290, message: 'iteration 5: loss 20954.5' },
      gate: { status: 'waiting', fraction: 0, message: 'publish the ranker?', decide: 'fn' },
    });
  });

  test('a retry shows the failed attempt, then starts clean', () => {
    const upToRetry = runEvents.filter((e) => Date.parse(e.at) <= Date.parse(runEvents[0]!.at) + 600);
    expect(foldNodes(upToRetry).flaky).toEqual({ status: 'running', fraction: 0, message: 'attempt 1 failed (connection reset); retrying in 1 s' });
    const restarted = runEvents.filter((e) => Date.parse(e.at) <= Date.parse(runEvents[0]!.at) + 1600);
    expect(foldNodes(restarted).flaky).toEqual({ status: 'running', fraction: 0 });
  });

  test('a running node carries its progress fraction and message', () => {
    const midTraining = runEvents.filter((e) => Date.parse(e.at) <= Date.parse(runEvents[0]!.at) + 900);
    expect(foldNodes(midTraining).train).toEqual({ status: 'running', fraction: 0.4, message: 'iteration 2: loss 23226.5' });
  });

  test("the waiting gate's decide is the one made for its node; once approved it is gone", () => {
    const decide = vi.fn((nodeId: string) => (approve: boolean) => void `${nodeId}:${approve}`);
    const waiting = foldNodes(runEvents, { decide });
    expect(decide).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledWith('gate');
    expect(typeof waiting.gate!.decide).toBe('function');
    const approved = foldNodes([...runEvents, ...afterApproval], { decide });
    expect(approved.gate).toEqual({ status: 'succeeded', fraction: 1, cached: false, durationMs: 2990, message: 'publish the ranker?' });
    expect(approved.publish!.status).toBe('succeeded');
  });

  test('the gate stops waiting as soon as its decision is logged', () => {
    expect(foldNodes([...runEvents, afterApproval[0]!]).gate!.status).toBe('running');
  });

  test('a folded run state from GET /api/runs/:id gives the same kind of views', () => {
    expect(
      viewsFromStates({
        a: { status: 'cached', cached: true, attempts: 0, progress: 1 },
        b: { status: 'failed', cached: false, attempts: 2, durationMs: 12, error: { code: 'X', message: 'boom', retryable: false } },
        c: { status: 'skipped', cached: false, attempts: 0, reason: 'upstream failed' },
      }),
    ).toEqual({
      a: { status: 'cached', fraction: 1, cached: true },
      b: { status: 'failed', error: 'boom', durationMs: 12 },
      c: { status: 'skipped', message: 'upstream failed' },
    });
  });
});

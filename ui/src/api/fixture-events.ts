/**
 * A realistic run, as the journal keeps it, for the UI's tests:
 *
 *   collect ─▶ clean ─▶ train ─▶ gate (approval) ─▶ publish
 *                  └──▶ stats (cached)       flaky (retried once, then failed) ─▶ report (skipped)
 */
import type { RunEvent, RunEventInput } from '../../../engine/run/events.js';
import type { ArtifactRef } from '../../../engine/plugin/types.js';

export const RUN_ID = 'run-1';
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const ref = (type: ArtifactRef['type'], sha: string, meta?: ArtifactRef['meta']): ArtifactRef => ({ type, uri: `loom://artifacts/${sha}`, sha256: sha, bytes: 100, ...(meta ? { meta } : {}) });

/** Stamps each event with the run id and a time `ms` after the start. */
export function stamp(list: readonly (readonly [number, RunEventInput])[], runId = RUN_ID): RunEvent[] {
  return list.map(([ms, e]) => ({ ...e, runId, at: new Date(T0 + ms).toISOString() }) as RunEvent);
}

export const runEvents: RunEvent[] = stamp([
  [0, { type: 'run.started', workflow: 'demo', engine: 'embedded', nodes: 8 }],
  [5, { type: 'node.started', nodeId: 'collect', attempt: 1, cacheKey: 'k1', reason: 'no earlier result' }],
  [300, { type: 'node.log', nodeId: 'collect', level: 'info', message: '45831 rows from 24 of 24 inputs' }],
  [400, { type: 'node.succeeded', nodeId: 'collect', attempt: 1, durationMs: 395, outputs: { data: ref('dataset', 'aaa', { rows: 45831 }) } }],
  [410, { type: 'node.cached', nodeId: 'stats', cacheKey: 'k2', outputs: { data: ref('json', 'bbb') }, fromRunId: 'run-0' }],
  [420, { type: 'node.started', nodeId: 'clean', attempt: 1, cacheKey: 'k3' }],
  [430, { type: 'node.started', nodeId: 'flaky', attempt: 1, cacheKey: 'k4' }],
  [500, { type: 'node.progress', nodeId: 'clean', fraction: 0.5, message: 'rule 2 of 4' }],
  [600, { type: 'node.retrying', nodeId: 'flaky', attempt: 1, delayMs: 1000, error: { code: 'PLUGIN_FAILED', message: 'connection reset', retryable: true } }],
  [700, { type: 'node.succeeded', nodeId: 'clean', attempt: 1, durationMs: 280, outputs: { data: ref('dataset', 'ccc') } }],
  [710, { type: 'node.started', nodeId: 'train', attempt: 1, cacheKey: 'k5' }],
  [800, { type: 'node.progress', nodeId: 'train', fraction: 0.1, message: 'iteration 1' }],
  [900, { type: 'node.progress', nodeId: 'train', fraction: 0.4, message: 'iteration 2: loss 23226.5' }],
  [1000, { type: 'node.progress', nodeId: 'train', fraction: 1, message: 'iteration 5: loss 20954.5' }],
  [1600, { type: 'node.started', nodeId: 'flaky', attempt: 2, cacheKey: 'k4' }],
  [1700, { type: 'node.failed', nodeId: 'flaky', attempt: 2, durationMs: 100, error: { code: 'PLUGIN_FAILED', message: 'connection reset again', retryable: true } }],
  [1710, { type: 'node.skipped', nodeId: 'report', reason: 'upstream node "flaky" failed' }],
  [2000, { type: 'node.succeeded', nodeId: 'train', attempt: 1, durationMs: 1290, outputs: { model: ref('model', 'ddd'), report: ref('json', 'eee') } }],
  [2010, { type: 'node.started', nodeId: 'gate', attempt: 1, cacheKey: 'k6' }],
  [2011, { type: 'node.waiting', nodeId: 'gate', reason: 'publish the ranker?', timeoutMs: 60_000 }],
]);

/** What comes after the gate is approved. */
export const afterApproval: RunEvent[] = stamp([
  [5000, { type: 'node.log', nodeId: 'gate', level: 'info', message: 'approved by ada: metrics look right' }],
  [5001, { type: 'node.succeeded', nodeId: 'gate', attempt: 1, durationMs: 2990, outputs: {} }],
  [5002, { type: 'node.started', nodeId: 'publish', attempt: 1, cacheKey: 'k7' }],
  [5100, { type: 'node.succeeded', nodeId: 'publish', attempt: 1, durationMs: 98, outputs: {} }],
  [5101, { type: 'run.finished', status: 'failed' }],
]);

/**
 * Run events → what the canvas shows on each node. Pure, so the same function colours a live run (events as
 * they arrive) and a past one (its replay), and the tests pin it on plain event lists.
 */
import type { NodeRunView, RunNodes } from '../contracts';
import type { NodeState, RunEvent } from './types';

export interface FoldOptions {
  /** Nodes of the document: those without events yet are `pending`. */
  readonly nodeIds?: readonly string[];
  /** Gives a waiting approval gate its Approve / Reject action. */
  readonly decide?: (nodeId: string) => NodeRunView['decide'];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type View = Mutable<NodeRunView> & { startedAt?: number };

/**
 * @example foldNodes(events, { nodeIds: doc.nodes.map((n) => n.id), decide: (id) => (ok, why) => api.approve(runId, id, ok, why) })
 */
export function foldNodes(events: readonly RunEvent[], options: FoldOptions = {}): RunNodes {
  const views = new Map<string, View>();
  for (const id of options.nodeIds ?? []) views.set(id, { status: 'pending' });
  for (const event of events) {
    if (!('nodeId' in event)) continue;
    let view = views.get(event.nodeId);
    if (!view) views.set(event.nodeId, (view = { status: 'pending' }));
    apply(view, event);
  }
  const nodes: Record<string, NodeRunView> = {};
  for (const [id, { startedAt: _, ...view }] of views) {
    const decide = view.status === 'waiting' ? options.decide?.(id) : undefined;
    nodes[id] = decide ? { ...view, decide } : view;
  }
  return nodes;
}

function apply(view: View, event: Extract<RunEvent, { nodeId: string }>): void {
  switch (event.type) {
    case 'node.started':
      // A retry starts again from nothing: the last attempt's error and progress are gone.
      view.status = 'running';
      view.fraction = 0;
      view.startedAt ??= Date.parse(event.at);
      delete view.error;
      delete view.message;
      break;
    case 'node.waiting':
      view.status = 'waiting';
      view.message = event.reason;
      break;
    case 'node.progress':
      view.fraction = clamp(event.fraction);
      if (event.message !== undefined) view.message = event.message;
      break;
    case 'node.log':
      // The gate logs its decision before it passes or fails: it no longer waits.
      if (view.status === 'waiting') view.status = 'running';
      break;
    case 'node.retrying':
      view.message = `attempt ${event.attempt} failed (${event.error.message}); retrying in ${Math.round(event.delayMs / 100) / 10} s`;
      break;
    case 'node.succeeded':
      Object.assign(view, { status: 'succeeded', fraction: 1, cached: false, durationMs: event.durationMs });
      break;
    case 'node.cached':
      Object.assign(view, { status: 'cached', fraction: 1, cached: true, message: `cached from run ${event.fromRunId}` });
      break;
    case 'node.failed':
      Object.assign(view, { status: 'failed', error: event.error.message, durationMs: event.durationMs });
      delete view.fraction;
      break;
    case 'node.skipped':
      Object.assign(view, { status: 'skipped', message: event.reason });
      delete view.fraction;
      break;
    case 'node.cancelled':
      view.status = 'cancelled';
      if (view.startedAt !== undefined) view.durationMs = Date.parse(event.at) - view.startedAt;
      delete view.fraction;
      break;
  }
}

const clamp = (fraction: number) => (Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0);

/** The node views of a run's folded state (`GET /api/runs/:id`), when its events are not at hand. */
export function viewsFromStates(states: Readonly<Record<string, NodeState>>): RunNodes {
  const nodes: Record<string, NodeRunView> = {};
  for (const [id, s] of Object.entries(states)) {
    nodes[id] = {
      status: s.status,
      ...(s.progress !== undefined ? { fraction: s.progress } : {}),
      ...(s.message !== undefined || s.reason !== undefined ? { message: s.message ?? s.reason! } : {}),
      ...(s.status === 'failed' && s.error ? { error: s.error.message } : {}),
      ...(s.cached ? { cached: true } : {}),
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    };
  }
  return nodes;
}

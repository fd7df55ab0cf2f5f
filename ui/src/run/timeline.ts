/** The run's Gantt: one bar per node from its first start to its end, read from the run events. */
import type { NodeStatus, RunEvent } from '../api/types';

export interface TimelineBar {
  readonly nodeId: string;
  /** ms since the run started. */
  readonly start: number;
  readonly end: number;
  readonly status: NodeStatus | 'waiting';
  readonly cached: boolean;
  readonly attempts: number;
  /** Still going: `end` is `now`. */
  readonly open: boolean;
}

export interface Timeline {
  readonly bars: readonly TimelineBar[];
  /** ms from the run's start to its end (or to `now`). */
  readonly span: number;
}

interface Draft {
  start?: number;
  end?: number;
  status: NodeStatus | 'waiting';
  cached: boolean;
  attempts: number;
}

/** `now`: the wall clock for a running run, so that open bars grow. Bars are ordered by start. */
export function timeline(events: readonly RunEvent[], now: number): Timeline {
  const first = events[0];
  if (!first) return { bars: [], span: 0 };
  const origin = Date.parse(events.find((e) => e.type === 'run.started')?.at ?? first.at);
  const finished = events.find((e) => e.type === 'run.finished');
  const last = finished ? Date.parse(finished.at) : Math.max(now, Date.parse(events[events.length - 1]!.at));
  const drafts = new Map<string, Draft>();
  for (const event of events) {
    if (!('nodeId' in event)) continue;
    const at = Date.parse(event.at);
    const d = drafts.get(event.nodeId) ?? { status: 'pending' as const, cached: false, attempts: 0 };
    drafts.set(event.nodeId, d);
    if (event.type === 'node.started') Object.assign(d, { start: d.start ?? at, status: 'running', attempts: Math.max(d.attempts, event.attempt) });
    else if (event.type === 'node.waiting') d.status = 'waiting';
    else if (event.type === 'node.cached') Object.assign(d, { start: d.start ?? at, end: at, status: 'cached', cached: true });
    else if (event.type === 'node.succeeded' || event.type === 'node.failed' || event.type === 'node.cancelled') {
      Object.assign(d, { start: d.start ?? at, end: at, status: event.type.slice(5) as NodeStatus });
    }
  }
  const bars = [...drafts]
    .filter(([, d]) => d.start !== undefined)
    .map(([nodeId, d]) => ({ nodeId, start: d.start! - origin, end: (d.end ?? last) - origin, status: d.status, cached: d.cached, attempts: d.attempts, open: d.end === undefined && !finished }))
    .sort((a, b) => a.start - b.start || a.nodeId.localeCompare(b.nodeId));
  return { bars, span: Math.max(1, last - origin, ...bars.map((b) => b.end)) };
}

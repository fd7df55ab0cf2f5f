/**
 * The run the dock shows: its events from the socket (the replay, then live), batched to one React update per
 * animation frame so that a run of hundreds of nodes does not re-render the canvas per event. When the socket
 * cannot give the events (a Temporal run the feed cannot replay, a socket refused or dropped), the run's folded
 * state from `GET /api/runs/:id` stands in, polled every POLL_MS until the run finishes or the socket is back.
 */
import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { SocketError, Subscription } from '../api/socket';
import type { LogEntry, NodeOutputs, RunEvent, RunView } from '../api/types';

/** What the dock needs of a RunSocket (a fake one in tests). */
export interface RunSubscriber {
  subscribe(runId: string, onEvent: (event: RunEvent) => void, onError?: (error: SocketError) => void, onLive?: () => void): Subscription;
}

export const POLL_MS = 2000;
const FINISHED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export type RunPhase = 'idle' | 'starting' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface RunData {
  readonly events: readonly RunEvent[];
  /** The folded state, when the events could not be had. */
  readonly fallback?: RunView;
  /** Why live updates stopped; while set, `fallback` (polled) is the newest word on the run. */
  readonly socketError?: SocketError;
}

const nextFrame = (fn: () => void): (() => void) => {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(fn, 16);
  return () => clearTimeout(id);
};

export function useRunData(api: ApiClient, socket: RunSubscriber | undefined, runId: string | undefined): RunData {
  const [data, setData] = useState<RunData>({ events: [] });
  const buffer = useRef<RunEvent[]>([]);

  useEffect(() => {
    buffer.current = [];
    setData({ events: [] });
    if (!runId || !socket) return;
    let cancelFrame: (() => void) | undefined;
    let live = true;
    const flush = () => {
      cancelFrame = undefined;
      if (live) setData((d) => ({ ...d, events: buffer.current.slice() }));
    };
    const onEvent = (event: RunEvent) => {
      buffer.current.push(event);
      cancelFrame ??= nextFrame(flush);
    };
    // While the feed is down, the run's state is polled until it finishes or the feed is back.
    let polling = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      timer = undefined;
      const again = () => {
        if (live && polling) timer = setTimeout(poll, POLL_MS);
      };
      api.run(runId).then((fallback) => {
        if (!live || !polling) return;
        setData((d) => ({ ...d, fallback }));
        if (!FINISHED.has(fallback.status)) again();
      }, again);
    };
    const onError = (socketError: SocketError) => {
      if (!live) return;
      setData((d) => ({ ...d, socketError }));
      if (polling) return;
      polling = true;
      poll();
    };
    const onLive = () => {
      if (!live) return;
      polling = false;
      clearTimeout(timer);
      setData((d) => (d.socketError ? { events: d.events } : d));
    };
    const subscription = socket.subscribe(runId, onEvent, onError, onLive);
    return () => {
      live = false;
      polling = false;
      clearTimeout(timer);
      cancelFrame?.();
      subscription.close();
    };
  }, [api, socket, runId]);

  return data;
}

/** While the feed is down, the polled state is newer than the events that came before the drop. */
export const stale = (data: RunData): data is RunData & { fallback: RunView } => data.socketError !== undefined && data.fallback !== undefined;

/** The run's status from its events (or its folded state), `initial` until it reports. */
export function phaseOf(data: RunData, initial: RunPhase): RunPhase {
  if (stale(data)) return data.fallback.status;
  const finished = data.events.find((e) => e.type === 'run.finished');
  if (finished?.type === 'run.finished') return finished.status;
  if (data.events.some((e) => e.type === 'run.started' || e.type === 'run.resumed')) return 'running';
  if (data.fallback) return data.fallback.status;
  return initial;
}

export function timesOf(data: RunData): { startedAt?: number; finishedAt?: number } {
  if (stale(data)) data = { events: [], fallback: data.fallback };
  const started = data.events.find((e) => e.type === 'run.started')?.at ?? data.fallback?.startedAt ?? undefined;
  const finished = data.events.find((e) => e.type === 'run.finished')?.at ?? data.fallback?.finishedAt ?? undefined;
  return { ...(started ? { startedAt: Date.parse(started) } : {}), ...(finished ? { finishedAt: Date.parse(finished) } : {}) };
}

/** Each finished node's outputs (the last success or cache hit wins). */
export function outputsOf(data: RunData): Record<string, NodeOutputs> {
  const outputs: Record<string, NodeOutputs> = {};
  if (data.fallback) for (const [id, node] of Object.entries(data.fallback.nodes)) if (node.outputs) outputs[id] = node.outputs;
  for (const e of data.events) if (e.type === 'node.succeeded' || e.type === 'node.cached') outputs[e.nodeId] = e.outputs;
  if (stale(data)) for (const [id, node] of Object.entries(data.fallback.nodes)) if (node.outputs) outputs[id] = node.outputs;
  return outputs;
}

/** A node's log lines and progress messages, as `GET …/logs` gives them, from the events. */
export function logsOf(events: readonly RunEvent[], nodeId: string): LogEntry[] {
  return events.flatMap((e): LogEntry[] => {
    if (!('nodeId' in e) || e.nodeId !== nodeId) return [];
    if (e.type === 'node.log') return [{ at: e.at, kind: 'log', level: e.level, message: e.message }];
    if (e.type === 'node.progress' && e.message !== undefined) return [{ at: e.at, kind: 'progress', level: 'info', message: e.message }];
    if (e.type === 'node.failed' || e.type === 'node.retrying') return [{ at: e.at, kind: 'log', level: 'error', message: `${e.type === 'node.retrying' ? 'retrying after: ' : ''}${e.error.message}` }];
    return [];
  });
}

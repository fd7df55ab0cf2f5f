/** Folds a run's events into what people ask about it: each node's status, attempts, timings and outputs. */
import type { ErrorInfo } from '../errors.js';
import type { NodeOutputs, NodeStatus, RunEvent, RunStatus } from './events.js';

export interface NodeState {
  status: NodeStatus;
  cached: boolean;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  progress?: number;
  message?: string;
  outputs?: NodeOutputs;
  error?: ErrorInfo;
  reason?: string;
}

export interface RunState {
  runId: string;
  workflow: string;
  status: RunStatus;
  startedAt?: string;
  finishedAt?: string;
  error?: ErrorInfo;
  nodes: Record<string, NodeState>;
}

export function emptyRunState(runId: string, workflow: string, nodeIds: readonly string[]): RunState {
  const nodes: Record<string, NodeState> = {};
  for (const id of nodeIds) nodes[id] = { status: 'pending', cached: false, attempts: 0 };
  return { runId, workflow, status: 'running', nodes };
}

function elapsed(from: string | undefined, to: string): number | undefined {
  return from === undefined ? undefined : Date.parse(to) - Date.parse(from);
}

/** Applies one event to a run state, in place, and returns it. */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  if (event.type === 'run.started') state.startedAt = event.at;
  if (event.type === 'run.finished') {
    state.status = event.status;
    state.finishedAt = event.at;
    if (event.error) state.error = event.error;
  }
  if (!('nodeId' in event)) return state;
  const node = (state.nodes[event.nodeId] ??= { status: 'pending', cached: false, attempts: 0 });
  switch (event.type) {
    case 'node.started':
      node.status = 'running';
      node.attempts = event.attempt;
      node.startedAt ??= event.at;
      delete node.error;
      break;
    case 'node.waiting':
      node.message = event.reason;
      break;
    case 'node.progress':
      node.progress = event.fraction;
      if (event.message !== undefined) node.message = event.message;
      break;
    case 'node.retrying':
      node.error = event.error;
      break;
    case 'node.succeeded':
    case 'node.cached':
      if (event.type === 'node.succeeded') node.attempts = Math.max(node.attempts, event.attempt);
      node.status = event.type === 'node.cached' ? 'cached' : 'succeeded';
      node.cached = event.type === 'node.cached';
      node.outputs = event.outputs;
      node.progress = 1;
      node.finishedAt = event.at;
      node.durationMs = elapsed(node.startedAt, event.at) ?? 0;
      break;
    case 'node.failed':
      node.attempts = Math.max(node.attempts, event.attempt);
      node.status = 'failed';
      node.error = event.error;
      node.finishedAt = event.at;
      node.durationMs = elapsed(node.startedAt, event.at);
      break;
    case 'node.skipped':
      node.status = 'skipped';
      node.reason = event.reason;
      break;
    case 'node.cancelled':
      node.status = 'cancelled';
      node.finishedAt = event.at;
      node.durationMs = elapsed(node.startedAt, event.at);
      break;
  }
  return state;
}

export function foldEvents(state: RunState, events: Iterable<RunEvent>): RunState {
  for (const event of events) applyEvent(state, event);
  return state;
}

/**
 * The run so far in few events: its start, any cancellation, and each finished node's final event. Replaying
 * them into a planner gives the same plan as the whole history; continue-as-new carries this.
 */
export function compactHistory(events: readonly RunEvent[]): RunEvent[] {
  const final = new Map<string, RunEvent>();
  const run: RunEvent[] = [];
  for (const event of events) {
    if (event.type === 'run.started' || event.type === 'run.cancelling') run.push(event);
    else if ('nodeId' in event && ['node.succeeded', 'node.cached', 'node.failed', 'node.skipped', 'node.cancelled'].includes(event.type)) final.set(event.nodeId, event);
  }
  return [...run, ...final.values()];
}

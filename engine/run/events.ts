/**
 * The run events: one union that the engines emit, the journal stores, the CLI renders and the server streams.
 * Every event is plain JSON and carries the run id and an ISO timestamp.
 */
import type { ErrorInfo } from '../errors.js';
import type { ArtifactRef } from '../plugin/types.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'cached' | 'failed' | 'skipped' | 'cancelled';
export type NodeOutputs = Readonly<Record<string, ArtifactRef>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

type Event<T extends string, Fields> = { readonly type: T; readonly runId: string; readonly at: string } & Readonly<Fields>;

export type RunEvent =
  | Event<'run.started', { workflow: string; engine: string; nodes: number }>
  | Event<'run.resumed', { engine: string }>
  | Event<'run.cancelling', { reason: string }>
  | Event<'run.finished', { status: Exclude<RunStatus, 'running'>; error?: ErrorInfo }>
  | Event<'node.started', { nodeId: string; attempt: number; cacheKey: string; reason?: string }>
  | Event<'node.waiting', { nodeId: string; reason: string; timeoutMs: number }>
  | Event<'node.progress', { nodeId: string; fraction: number; message?: string }>
  | Event<'node.log', { nodeId: string; level: LogLevel; message: string }>
  | Event<'node.retrying', { nodeId: string; attempt: number; delayMs: number; error: ErrorInfo }>
  | Event<'node.succeeded', { nodeId: string; attempt: number; durationMs: number; outputs: NodeOutputs }>
  | Event<'node.cached', { nodeId: string; cacheKey: string; outputs: NodeOutputs; fromRunId: string }>
  | Event<'node.failed', { nodeId: string; attempt: number; durationMs: number; error: ErrorInfo }>
  | Event<'node.skipped', { nodeId: string; reason: string }>
  | Event<'node.cancelled', { nodeId: string; attempt: number }>;

export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** An event as its producer writes it; the engine adds the run id and time. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'runId' | 'at'> : never) : never;

export function isNodeEvent(event: RunEvent): event is Extract<RunEvent, { nodeId: string }> {
  return event.type.startsWith('node.');
}

export function isTerminalNodeEvent(event: RunEvent): boolean {
  return ['node.succeeded', 'node.cached', 'node.failed', 'node.skipped', 'node.cancelled'].includes(event.type);
}

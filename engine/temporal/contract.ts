/**
 * What crosses Temporal's wire between the interpreter workflow, its activity and the client: names and
 * plain-JSON shapes only (this file is imported by workflow code, so it may import nothing with effects).
 */
import type { ErrorInfo } from '../errors.js';
import type { NodeInputs } from '../run/cache-key.js';
import type { NodeOutputs, RunEvent } from '../run/events.js';
import type { LineageEntry } from '../plugin/types.js';
import type { CompiledNode, CompiledWorkflow } from '../workflow/compiled.js';

export const WORKFLOW_TYPE = 'loomRun';
export const NODE_ACTIVITY = 'loomNode';
export const DEFAULT_TASK_QUEUE = 'loom';
/** Also how fast a cancel reaches a running node: heartbeats go out every 0.8 × this at most. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

export interface LoomRunInput {
  readonly workflow: CompiledWorkflow;
  /** The Loom run id; defaults to the Temporal workflow id (schedules start runs without one). */
  readonly runId?: string;
  readonly concurrency: number;
  /** A worker that stops heartbeating for this long is taken for dead and its node runs elsewhere. */
  readonly heartbeatTimeoutMs: number;
  /** Carried over by continue-as-new: the run so far, compacted to one final event per finished node. */
  readonly history?: readonly RunEvent[];
  readonly executions?: number;
}

export interface NodeActivityInput {
  readonly runId: string;
  readonly workflow: string;
  readonly workflowDir: string;
  readonly node: CompiledNode;
  readonly inputs: NodeInputs;
  readonly cacheKey: string;
  readonly lineage?: readonly LineageEntry[];
}

export type NodeActivityResult =
  | { readonly cached: true; readonly outputs: NodeOutputs; readonly fromRunId: string }
  | { readonly cached: false; readonly outputs: NodeOutputs; readonly attempt: number; readonly durationMs: number };

/** Carried in an activity failure's details, so the workflow can report the node's own error. */
export interface NodeFailureDetails {
  readonly attempt: number;
  readonly error: ErrorInfo;
}

export interface NodeProgress {
  readonly fraction: number;
  readonly message?: string;
}

export interface EventsPage {
  /** Increases with every continue-as-new; the events of an earlier execution are not repeated. */
  readonly execution: number;
  /** Index of the first event of this execution that was not carried over. */
  readonly fresh: number;
  readonly events: RunEvent[];
  readonly next: number;
}

export interface DecisionInput {
  readonly nodeId: string;
  readonly approved: boolean;
  readonly reason: string;
  readonly by: string;
}

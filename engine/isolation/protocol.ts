/**
 * The messages between the engine and an isolated plugin's child process (over node's IPC channel, with
 * `serialization: 'advanced'`, so byte arrays and dates travel as they are).
 */
import type { JsonValue } from '../json.js';
import type { ArtifactRef, LineageEntry } from '../plugin/types.js';

/** Everything of the run context that can travel; the child rebuilds the rest (artifacts, logger, signal). */
export interface ChildContext {
  readonly config: unknown;
  readonly inputs: Record<string, ArtifactRef | ArtifactRef[] | undefined>;
  readonly runId: string;
  readonly nodeId: string;
  readonly workflow: string;
  readonly attempt: number;
  readonly workflowDir: string;
  readonly dataRoots: readonly string[];
  readonly lineage: readonly LineageEntry[];
  readonly scratchDir: string;
  /** The data home whose `artifacts/` folder is the store. */
  readonly artifactsHome: string;
  readonly secrets: Readonly<Record<string, string>>;
}

/** How a child reports the error its plugin threw: enough to rebuild it with the same message and retryability. */
export interface ChildError {
  readonly message: string;
  readonly code?: string;
  readonly retryable?: boolean;
}

export type ToChild =
  | { readonly type: 'start'; readonly entry: string; readonly name: string; readonly version: string; readonly context: ChildContext }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: ChildError };

/** What a child may ask of the engine: node state and the model registry. */
export type CallTarget = 'state' | 'models';

export type FromChild =
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'progress'; readonly fraction: number; readonly message?: string }
  | { readonly type: 'call'; readonly id: number; readonly target: CallTarget; readonly method: string; readonly args: unknown[] }
  | { readonly type: 'done'; readonly outputs: Record<string, ArtifactRef | undefined> }
  | { readonly type: 'failed'; readonly error: ChildError };

export type StateValue = JsonValue | undefined;

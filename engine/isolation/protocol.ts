/**
 * The messages between the engine and an isolated plugin's child process (over node's IPC channel, with
 * `serialization: 'advanced'`, so byte arrays and dates travel as they are), and how an error crosses it.
 */
import type { JsonValue } from '../json.js';
import type { ArtifactRef, RunContext } from '../plugin/types.js';

/** Everything of the run context that can travel; the child rebuilds the rest (artifacts, logger, signal). */
export interface ChildContext extends Pick<RunContext<unknown, never>, 'config' | 'runId' | 'nodeId' | 'workflow' | 'attempt' | 'workflowDir' | 'dataRoots' | 'lineage' | 'secrets'> {
  readonly inputs: Record<string, ArtifactRef | ArtifactRef[] | undefined>;
  readonly scratchDir: string;
  /** The data home whose `artifacts/` folder is the store. */
  readonly artifactsHome: string;
}

/** How a child reports the error its plugin threw: enough to rebuild it with the same message and retryability. */
export interface ChildError {
  readonly message: string;
  readonly code?: string;
  readonly retryable?: boolean;
}

/** Any thrown value as a ChildError: its message, and its code and retryability when it carries them. */
export function toChildError(error: unknown): ChildError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, retryable } = error as Error & { code?: unknown; retryable?: unknown };
  return {
    message: error.message || error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof retryable === 'boolean' ? { retryable } : {}),
  };
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

/**
 * Every error Loom raises on purpose. Each has a stable `code` (for the API and the tests), keeps its context
 * in readonly fields, and says whether trying again could help (`retryable`).
 */

export type ErrorCode =
  | 'WORKFLOW_INVALID'
  | 'PLUGIN_FAILED'
  | 'PLUGIN_OUTPUT_INVALID'
  | 'NODE_TIMEOUT'
  | 'CANCELLED'
  | 'RUN_NOT_FOUND'
  | 'RUN_BUSY'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_CORRUPT'
  | 'PLUGIN_NOT_FOUND'
  | 'USAGE'
  | 'ENGINE_UNAVAILABLE'
  | 'REGISTRY'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INTERNAL';

export class LoomError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** One located problem in a workflow document: a JSON pointer into the document and a sentence. */
export interface Problem {
  readonly pointer: string;
  readonly message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.pointer === '' ? '(root)' : problem.pointer}: ${problem.message}`;
}

export class WorkflowInvalidError extends LoomError {
  readonly problems: readonly Problem[];
  readonly workflow: string;

  constructor(workflow: string, problems: readonly Problem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super('WORKFLOW_INVALID', `workflow "${workflow}" is invalid (${count}):\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
    this.workflow = workflow;
  }
}

/**
 * What a plugin throws to fail its node. Failures are retried by default (within the node's retry policy);
 * pass `{ retryable: false }` when trying again cannot help, e.g. for bad data or bad config.
 */
export class PluginError extends LoomError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('PLUGIN_FAILED', message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

export class NodeTimeoutError extends LoomError {
  constructor(readonly nodeId: string, readonly timeoutMs: number) {
    super('NODE_TIMEOUT', `node "${nodeId}" timed out after ${timeoutMs} ms`, { retryable: true });
  }
}

export class CancelledError extends LoomError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
  }
}

/** The JSON shape of an error as it travels in run events, the journal and over the wire. */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof LoomError) return { code: error.code, message: error.message, retryable: error.retryable };
  if (error instanceof Error) return { code: 'PLUGIN_FAILED', message: error.message || error.name, retryable: true };
  return { code: 'PLUGIN_FAILED', message: String(error), retryable: true };
}

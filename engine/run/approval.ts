/** Approval gates, in one meaning for both engines: which nodes are gates, and what a decision turns into. */
import type { ErrorInfo } from '../errors.js';
import type { CompiledNode } from '../workflow/compiled.js';
import type { NodeInputs } from './cache-key.js';
import type { NodeOutputs } from './events.js';

export const APPROVE_PLUGIN = 'approve';

export interface ApprovalDecision {
  readonly approved: boolean;
  readonly reason: string;
  readonly by: string;
}

export function isApprovalNode(node: CompiledNode): boolean {
  return node.plugin === APPROVE_PLUGIN;
}

export function approvalSettings(node: CompiledNode): { message: string; timeoutMs: number } {
  return { message: String(node.config.message ?? 'waiting for approval'), timeoutMs: Number(node.config.timeoutMs ?? 7 * 86_400_000) };
}

/** An approval passes the gate's input through; a rejection or a timeout is a failure that is not retried. */
export function approvalOutcome(node: CompiledNode, inputs: NodeInputs, decision: ApprovalDecision | undefined): { outputs: NodeOutputs } | { error: ErrorInfo } {
  if (!decision) {
    return { error: { code: 'APPROVAL_TIMEOUT', message: `node "${node.id}": nobody approved within ${approvalSettings(node).timeoutMs} ms`, retryable: false } };
  }
  if (!decision.approved) {
    return { error: { code: 'REJECTED', message: `node "${node.id}" was rejected by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`, retryable: false } };
  }
  const input = inputs.in;
  return { outputs: input && !Array.isArray(input) ? { out: input as NonNullable<NodeOutputs[string]> } : {} };
}

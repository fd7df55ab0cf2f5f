/**
 * The interpreter workflow: runs a compiled Loom workflow on Temporal. The planner (the very code the embedded
 * engine runs) decides; each node is an activity; approval gates and cancellation are signals; the run's
 * events and state are queries. Deterministic: it imports only @temporalio/workflow and pure engine modules.
 */
import * as wf from '@temporalio/workflow';
import { approvalOutcome, approvalSettings, isApprovalNode, type ApprovalDecision } from '../run/approval.js';
import type { RunEvent, RunEventInput } from '../run/events.js';
import { Planner, type PlanAction } from '../run/plan.js';
import { applyEvent, compactHistory, emptyRunState, type RunState } from '../run/state.js';
import type { ErrorInfo } from '../errors.js';
import { NODE_ACTIVITY, type DecisionInput, type EventsPage, type LoomRunInput, type NodeActivityInput, type NodeActivityResult, type NodeFailureDetails } from './contract.js';

export const stateQuery = wf.defineQuery<RunState>('state');
export const eventsQuery = wf.defineQuery<EventsPage, [number]>('events');
export const cancelSignal = wf.defineSignal<[string]>('cancel');
export const decideSignal = wf.defineSignal<[DecisionInput]>('decide');

type Start = Extract<PlanAction, { kind: 'start' }>;

const NO_NODE_TIMEOUT_MS = 7 * 86_400_000;
/** How often a node may lose its worker (heartbeat timeout) and be started again elsewhere. */
const MAX_LOST_WORKERS = 20;

/** Activity ids are node ids (a `~n` suffix after a lost worker), so describe() tells which node is where. */
function activityFor(start: Start, heartbeatTimeoutMs: number, lost: number) {
  const { node } = start;
  return wf.proxyActivities<Record<string, (input: NodeActivityInput) => Promise<NodeActivityResult>>>({
    activityId: lost === 0 ? node.id : `${node.id}~${lost}`,
    // NOTE: the executor enforces the node's own timeout; this is a backstop a little later.
    startToCloseTimeout: node.timeoutMs === undefined ? NO_NODE_TIMEOUT_MS : node.timeoutMs + 30_000,
    heartbeatTimeout: heartbeatTimeoutMs,
    cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: node.retry.maxAttempts,
      initialInterval: Math.max(1, node.retry.backoffMs),
      backoffCoefficient: node.retry.backoffCoefficient,
      maximumInterval: Math.max(1, node.retry.maxBackoffMs),
    },
  })[NODE_ACTIVITY]!;
}

/** The node's own error, out of the layers Temporal wraps it in. */
function nodeError(error: unknown): { attempt: number; error: ErrorInfo; lostWorker: boolean } {
  const cause = error instanceof wf.ActivityFailure ? error.cause : error;
  if (cause instanceof wf.ApplicationFailure) {
    const details = cause.details?.[0] as NodeFailureDetails | undefined;
    if (details?.error) return { attempt: details.attempt, error: details.error, lostWorker: false };
    return { attempt: 1, error: { code: cause.type ?? 'PLUGIN_FAILED', message: cause.message, retryable: !cause.nonRetryable }, lostWorker: false };
  }
  if (cause instanceof wf.TimeoutFailure) {
    const lostWorker = cause.timeoutType === 'HEARTBEAT';
    return { attempt: 1, error: { code: lostWorker ? 'WORKER_LOST' : 'NODE_TIMEOUT', message: cause.message, retryable: true }, lostWorker };
  }
  return { attempt: 1, error: { code: 'PLUGIN_FAILED', message: (cause as Error)?.message ?? String(cause), retryable: true }, lostWorker: false };
}

export async function loomRun(input: LoomRunInput): Promise<RunState> {
  const runId = input.runId ?? wf.workflowInfo().workflowId;
  const workflow = input.workflow;
  const planner = new Planner(workflow);
  const state = emptyRunState(runId, workflow.name, workflow.nodes.map((n) => n.id));
  const events: RunEvent[] = [];
  const record = (e: RunEventInput | RunEvent) => {
    const event = ('runId' in e ? e : { ...e, runId, at: new Date().toISOString() }) as RunEvent;
    events.push(event);
    planner.apply(event);
    applyEvent(state, event);
  };
  for (const event of input.history ?? []) record(event);
  const fresh = events.length;
  if (!input.history) record({ type: 'run.started', workflow: workflow.name, engine: 'temporal', nodes: workflow.nodes.length });

  /** Nodes started and not finished (activities and gates), for the concurrency limit. */
  const active = new Set<string>();
  /** The cancellation scope of each running activity. */
  const scopes = new Map<string, wf.CancellationScope>();
  const decisions = new Map<string, ApprovalDecision>();
  let cancelReason: string | undefined;
  let wake = false;
  const poke = () => (wake = true);

  wf.setHandler(stateQuery, () => state);
  wf.setHandler(eventsQuery, (since) => ({ execution: input.executions ?? 0, fresh, events: events.slice(Math.max(since, 0)), next: events.length }));
  wf.setHandler(cancelSignal, (reason) => {
    if (cancelReason !== undefined) return;
    cancelReason = reason || 'cancelled';
    record({ type: 'run.cancelling', reason: cancelReason });
    for (const scope of scopes.values()) scope.cancel();
    poke();
  });
  wf.setHandler(decideSignal, (d) => {
    decisions.set(d.nodeId, { approved: d.approved, reason: d.reason, by: d.by });
    poke();
  });

  const runApproval = async (start: Start) => {
    const { node } = start;
    const { message, timeoutMs } = approvalSettings(node);
    record({ type: 'node.started', nodeId: node.id, attempt: start.attempt, cacheKey: start.cacheKey });
    record({ type: 'node.waiting', nodeId: node.id, reason: message, timeoutMs });
    const began = Date.now();
    await wf.condition(() => decisions.has(node.id) || cancelReason !== undefined, timeoutMs);
    if (cancelReason !== undefined && !decisions.has(node.id)) return record({ type: 'node.cancelled', nodeId: node.id, attempt: start.attempt });
    const decision = decisions.get(node.id);
    if (decision) record({ type: 'node.log', nodeId: node.id, level: 'info', message: `${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}` });
    const outcome = approvalOutcome(node, start.inputs, decision);
    if ('error' in outcome) record({ type: 'node.failed', nodeId: node.id, attempt: start.attempt, durationMs: Date.now() - began, error: outcome.error });
    else record({ type: 'node.succeeded', nodeId: node.id, attempt: start.attempt, durationMs: Date.now() - began, outputs: outcome.outputs });
  };

  const runNode = async (start: Start) => {
    const { node } = start;
    const payload: NodeActivityInput = {
      runId,
      workflow: workflow.name,
      workflowDir: workflow.baseDir,
      node,
      inputs: start.inputs,
      cacheKey: start.cacheKey,
      ...(start.lineage ? { lineage: start.lineage } : {}),
    };
    const began = Date.now();
    for (let lost = 0; ; lost++) {
      const scope = new wf.CancellationScope();
      scopes.set(node.id, scope);
      if (lost === 0) record({ type: 'node.started', nodeId: node.id, attempt: start.attempt, cacheKey: start.cacheKey });
      try {
        const result = await scope.run(() => activityFor(start, input.heartbeatTimeoutMs, lost)(payload));
        if (result.cached) return record({ type: 'node.cached', nodeId: node.id, cacheKey: start.cacheKey, outputs: result.outputs, fromRunId: result.fromRunId });
        return record({ type: 'node.succeeded', nodeId: node.id, attempt: result.attempt, durationMs: result.durationMs, outputs: result.outputs });
      } catch (error) {
        if (cancelReason !== undefined || wf.isCancellation(error)) return record({ type: 'node.cancelled', nodeId: node.id, attempt: start.attempt });
        const failure = nodeError(error);
        if (failure.lostWorker && lost < MAX_LOST_WORKERS) {
          record({ type: 'node.log', nodeId: node.id, level: 'warn', message: `lost its worker (no heartbeat for ${input.heartbeatTimeoutMs} ms); running it again` });
          continue;
        }
        return record({ type: 'node.failed', nodeId: node.id, attempt: failure.attempt, durationMs: Date.now() - began, error: failure.error });
      } finally {
        scopes.delete(node.id);
      }
    }
  };

  const queue: Start[] = [];
  for (;;) {
    for (const action of planner.next()) {
      if (action.kind === 'start') queue.push(action);
      else if (action.kind === 'skip') record({ type: 'node.skipped', nodeId: action.nodeId, reason: action.reason });
      else {
        record({ type: 'run.finished', status: action.status });
        await wf.condition(wf.allHandlersFinished);
        return state;
      }
    }
    // Continue-as-new once the history grows long, at a quiet moment, carrying the run so far.
    const drain = wf.workflowInfo().continueAsNewSuggested;
    if (drain && active.size === 0) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof loomRun>({ ...input, runId, history: compactHistory(events), executions: (input.executions ?? 0) + 1 });
    }
    while (!drain && active.size < input.concurrency && queue.length > 0) {
      const start = queue.shift()!;
      active.add(start.node.id);
      const task = isApprovalNode(start.node) ? runApproval(start) : runNode(start);
      void task.finally(() => {
        active.delete(start.node.id);
        poke();
      });
    }
    wake = false;
    await wf.condition(() => wake);
  }
}

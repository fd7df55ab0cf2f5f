/**
 * The client side of the Temporal engine: starts runs of the interpreter workflow, follows them as the same run
 * events the embedded engine emits (its event log by query, node progress and retries from the activities'
 * heartbeats), and sends cancellations and approvals.
 */
import { Client, Connection, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoomError } from '../errors.js';
import { newRunId } from '../run/embedded-engine.js';
import type { RunEvent } from '../run/events.js';
import { applyEvent, emptyRunState, type RunState } from '../run/state.js';
import type { CompiledWorkflow } from '../workflow/compiled.js';
import type { TemporalSettings } from './connection.js';
import { WORKFLOW_TYPE, type DecisionInput, type EventsPage, type LoomRunInput, type NodeProgress } from './contract.js';

export type EventListener = (event: RunEvent, state: RunState) => void;

export interface TemporalRunSummary {
  readonly runId: string;
  readonly workflow: string;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

const POLL_MS = 250;
const PROGRESS_POLL_MS = 1000;
/** How long to keep following through errors (a server restart) before giving up. */
const FOLLOW_PATIENCE_MS = 120_000;

function decodePayload(payload: { data?: Uint8Array | null } | undefined): unknown {
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

export class TemporalClient {
  private constructor(
    readonly client: Client,
    readonly connection: Connection,
    readonly settings: TemporalSettings,
  ) {}

  static async connect(settings: TemporalSettings): Promise<TemporalClient> {
    let connection: Connection;
    try {
      connection = await Connection.connect({ address: settings.address, connectTimeout: 10_000 });
    } catch (error) {
      throw new LoomError('ENGINE_UNAVAILABLE', `cannot reach the Temporal server at ${settings.address}: ${(error as Error).message}`);
    }
    return new TemporalClient(new Client({ connection, namespace: settings.namespace }), connection, settings);
  }

  async start(workflow: CompiledWorkflow, options: { runId?: string; concurrency?: number } = {}): Promise<string> {
    const runId = options.runId ?? newRunId();
    const input: LoomRunInput = { workflow, runId, concurrency: options.concurrency ?? 16, heartbeatTimeoutMs: this.settings.heartbeatTimeoutMs };
    await this.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: runId,
      taskQueue: this.settings.taskQueue,
      args: [input],
      memo: { loomWorkflow: workflow.name },
    });
    return runId;
  }

  handle(runId: string): WorkflowHandle {
    return this.client.workflow.getHandle(runId);
  }

  /** Whether any worker polls the task queue (a run with none would wait forever). */
  async hasWorker(): Promise<boolean> {
    const response = await this.client.workflowService.describeTaskQueue({
      namespace: this.settings.namespace,
      taskQueue: { name: this.settings.taskQueue },
      taskQueueType: 1, // workflow tasks
    });
    return (response.pollers?.length ?? 0) > 0;
  }

  async state(runId: string): Promise<RunState> {
    try {
      return await this.handle(runId).query<RunState>('state');
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new LoomError('RUN_NOT_FOUND', `no run "${runId}" on Temporal at ${this.settings.address}`);
      throw error;
    }
  }

  async cancel(runId: string, reason: string): Promise<void> {
    await this.#signal(runId, 'cancel', [reason]);
  }

  async decide(runId: string, decision: DecisionInput): Promise<void> {
    const state = await this.state(runId);
    const node = state.nodes[decision.nodeId];
    if (!node) throw new LoomError('USAGE', `run "${runId}" has no node "${decision.nodeId}"`);
    if (node.status !== 'running') throw new LoomError('USAGE', `node "${decision.nodeId}" of run "${runId}" is not waiting for approval (it is ${node.status})`);
    await this.#signal(runId, 'decide', [decision]);
  }

  /**
   * Follows a run until it finishes, calling `onEvent` with each event as the embedded engine would emit it,
   * and resolves with its final state. `signal` stops following (the run goes on).
   */
  async follow(runId: string, onEvent: EventListener = () => {}, signal?: AbortSignal): Promise<RunState> {
    const handle = this.handle(runId);
    let state: RunState | undefined;
    let since = 0;
    let execution = 0;
    let lastProgressPoll = 0;
    const seen = new Map<string, { attempt: number; fraction: number }>();
    const emit = (event: RunEvent) => {
      state ??= emptyRunState(runId, '', []);
      applyEvent(state, event);
      onEvent(event, state);
    };
    let failingSince: number | undefined;
    for (;;) {
      let page: EventsPage;
      try {
        page = await handle.query<EventsPage, [number]>('events', since);
        failingSince = undefined;
      } catch (error) {
        // The server may be restarting or briefly unreachable; the run goes on there. Keep asking for a while.
        if (error instanceof WorkflowNotFoundError) throw new LoomError('RUN_NOT_FOUND', `no run "${runId}" on Temporal at ${this.settings.address}`);
        failingSince ??= Date.now();
        if (Date.now() - failingSince > FOLLOW_PATIENCE_MS) throw error;
        await sleep(1000);
        continue;
      }
      if (page.execution !== execution) {
        // A continue-as-new: the new execution carries each finished node's final event. Those finished after our
        // last look at the old execution are news to us; the rest we have seen.
        execution = page.execution;
        const carried = (await handle.query<EventsPage, [number]>('events', 0)).events.slice(0, page.fresh);
        for (const event of carried) {
          if ('nodeId' in event && !['succeeded', 'cached', 'failed', 'skipped', 'cancelled'].includes(state?.nodes[event.nodeId]?.status ?? '')) emit(event);
        }
        since = page.fresh;
        continue;
      }
      for (const event of page.events) {
        if (event.type === 'run.started' && !state) state = emptyRunState(runId, event.workflow, []);
        emit(event);
      }
      since = page.next;
      // The workflow's own state is the record; ours was folded from what we saw.
      if (state?.status !== 'running' && state !== undefined) return (await this.state(runId).catch(() => undefined)) ?? state;
      if (Date.now() - lastProgressPoll > PROGRESS_POLL_MS) {
        lastProgressPoll = Date.now();
        await this.#progress(handle, runId, seen, emit).catch(() => {});
      }
      if (signal?.aborted) return state ?? (await this.state(runId));
      await sleep(POLL_MS);
    }
  }

  /** Turns running activities' heartbeats and attempts into progress and retrying events. */
  async #progress(handle: WorkflowHandle, runId: string, seen: Map<string, { attempt: number; fraction: number }>, emit: (e: RunEvent) => void): Promise<void> {
    const description = await handle.describe();
    const at = new Date().toISOString();
    for (const activity of description.raw.pendingActivities ?? []) {
      const nodeId = String(activity.activityId ?? '').split('~')[0]!;
      const attempt = activity.attempt ?? 1;
      const before = seen.get(nodeId) ?? { attempt: 1, fraction: -1 };
      if (attempt > before.attempt) {
        const message = activity.lastFailure?.message ?? 'failed';
        emit({ type: 'node.retrying', runId, at, nodeId, attempt: attempt - 1, delayMs: 0, error: { code: 'PLUGIN_FAILED', message, retryable: true } });
        emit({ type: 'node.started', runId, at, nodeId, attempt, cacheKey: '' });
      }
      const details = decodePayload(activity.heartbeatDetails?.payloads?.[0] ?? undefined) as NodeProgress | undefined;
      const fraction = typeof details?.fraction === 'number' ? details.fraction : before.fraction;
      if (fraction !== before.fraction && fraction >= 0) {
        emit({ type: 'node.progress', runId, at, nodeId, fraction, ...(details?.message === undefined ? {} : { message: details.message }) });
      }
      seen.set(nodeId, { attempt, fraction });
    }
  }

  async list(limit = 20): Promise<TemporalRunSummary[]> {
    const runs: TemporalRunSummary[] = [];
    for await (const info of this.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPE}'` })) {
      runs.push({
        runId: info.workflowId,
        workflow: String((info.memo as Record<string, unknown> | undefined)?.loomWorkflow ?? ''),
        status: info.status.name.toLowerCase(),
        startedAt: info.startTime.toISOString(),
        finishedAt: info.closeTime?.toISOString() ?? null,
      });
      if (runs.length >= limit) break;
    }
    return runs;
  }

  /** A Temporal Schedule that starts a run of `workflow` on each cron tick (overlapping runs are skipped). */
  async createSchedule(scheduleId: string, workflow: CompiledWorkflow, cron: string, options: { concurrency?: number } = {}): Promise<void> {
    const input: LoomRunInput = { workflow, concurrency: options.concurrency ?? 16, heartbeatTimeoutMs: this.settings.heartbeatTimeoutMs };
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [cron] },
        action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPE, args: [input], taskQueue: this.settings.taskQueue, memo: { loomWorkflow: workflow.name } },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
        memo: { loomWorkflow: workflow.name, cron },
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) throw new LoomError('USAGE', `a schedule "${scheduleId}" already exists`);
      throw new LoomError('USAGE', `cannot create schedule "${scheduleId}": ${(error as Error).message}`);
    }
  }

  async listSchedules(): Promise<{ id: string; workflow: string; cron: string; nextRuns: string[] }[]> {
    const out: { id: string; workflow: string; cron: string; nextRuns: string[] }[] = [];
    for await (const schedule of this.client.schedule.list()) {
      const memo = (schedule.memo ?? {}) as Record<string, unknown>;
      if (memo.loomWorkflow === undefined) continue;
      out.push({ id: schedule.scheduleId, workflow: String(memo.loomWorkflow), cron: String(memo.cron ?? ''), nextRuns: (schedule.info?.nextActionTimes ?? []).slice(0, 3).map((d) => d.toISOString()) });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    try {
      await this.client.schedule.getHandle(scheduleId).delete();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new LoomError('USAGE', `no schedule "${scheduleId}"`);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async #signal(runId: string, name: string, args: unknown[]): Promise<void> {
    try {
      await this.handle(runId).signal(name, ...args);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new LoomError('RUN_NOT_FOUND', `no running run "${runId}" on Temporal at ${this.settings.address}`);
      throw error;
    }
  }
}

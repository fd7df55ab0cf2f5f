/**
 * The embedded engine: runs a compiled workflow in this process. Every event is appended to the journal
 * before anything acts on it; the planner decides what runs next; the executor runs each node attempt.
 * Resuming a run replays its journal into a fresh planner and carries on.
 */
import type { ModelRegistry } from '../registry/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CancelledError, LoomError, toErrorInfo } from '../errors.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { ArtifactStore } from '../plugin/types.js';
import type { CompiledWorkflow } from '../workflow/compiled.js';
import type { RunEvent, RunEventInput } from './events.js';
import { executeNode } from './execute-node.js';
import { dataRootsFromEnv } from '../store/fs-node-state.js';
import { keyParts, whyRun } from './cache-key.js';
import { Planner, type PlanAction } from './plan.js';
import type { CacheIndex, ControlMessage, Journal } from './ports.js';
import { retryDelayMs } from './retry.js';
import { approvalOutcome, approvalSettings, isApprovalNode, type ApprovalDecision } from './approval.js';
import { emptyRunState, foldEvents, type RunState } from './state.js';

export const EmbeddedEngineId = Symbol.for('loom.EmbeddedEngine');

/** Called with each event and the run's state after it (a live object: copy what you keep). */
export type RunListener = (event: RunEvent, state: RunState) => void;

export interface RunOptions {
  readonly concurrency?: number;
  readonly runId?: string;
  /** The workflow document as written, kept with the run for display. */
  readonly document?: unknown;
  readonly onEvent?: RunListener;
}

export interface RunHandle {
  readonly runId: string;
  /** Settles when the run has finished, whatever its status; rejects only if the engine itself broke. */
  readonly done: Promise<RunState>;
  cancel(reason?: string): void;
}

export interface EngineServices {
  readonly registry: PluginRegistry;
  readonly artifacts: ArtifactStore;
  readonly journal: Journal;
  readonly cache: CacheIndex;
  readonly home: string;
  readonly models: ModelRegistry;
}

export const DEFAULT_CONCURRENCY = 4;
const CONTROL_POLL_MS = 200;

/** `20261129-013000-1a2b3c`: sortable by start time, unique enough for one data home. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

class ActiveRun {
  readonly planner: Planner;
  readonly state: RunState;
  readonly controller = new AbortController();
  readonly queue: Extract<PlanAction, { kind: 'start' }>[] = [];
  running = 0;
  finished = false;
  /** Approvals and rejections received for this run's gates, by node id. */
  readonly decisions = new Map<string, ApprovalDecision>();
  controlCursor = 0;
  poller: NodeJS.Timeout | undefined;
  resolve!: (state: RunState) => void;
  reject!: (error: unknown) => void;
  readonly done = new Promise<RunState>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(
    readonly runId: string,
    readonly workflow: CompiledWorkflow,
    readonly concurrency: number,
    readonly onEvent: RunListener | undefined,
  ) {
    this.planner = new Planner(workflow);
    this.state = emptyRunState(runId, workflow.name, workflow.nodes.map((n) => n.id));
  }
}

export class EmbeddedEngine {
  readonly #listeners = new Set<RunListener>();
  readonly #active = new Map<string, ActiveRun>();

  constructor(readonly services: EngineServices) {}

  /** Listens to the events of every run this engine drives. */
  subscribe(listener: RunListener): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  start(workflow: CompiledWorkflow, options: RunOptions = {}): RunHandle {
    const runId = options.runId ?? newRunId();
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.services.journal.createRun(
      { runId, workflow, document: options.document ?? null, engine: 'embedded', createdAt: new Date().toISOString(), options: { concurrency } },
      process.pid,
    );
    const run = new ActiveRun(runId, workflow, concurrency, options.onEvent);
    this.#active.set(runId, run);
    this.#listen(run);
    this.#emit(run, { type: 'run.started', workflow: workflow.name, engine: 'embedded', nodes: workflow.nodes.length });
    this.#advance(run);
    return this.#handle(run);
  }

  /** Carries on a run whose process died: nodes that finished stay finished; nodes that were running run again. */
  resume(runId: string, options: Pick<RunOptions, 'onEvent' | 'concurrency'> = {}): RunHandle {
    const { journal } = this.services;
    const record = journal.run(runId);
    if (!record) throw new LoomError('RUN_NOT_FOUND', `no run "${runId}" in the journal`);
    const events = journal.events(runId);
    const run = new ActiveRun(runId, record.workflow, options.concurrency ?? record.options.concurrency, options.onEvent);
    foldEvents(run.state, events);
    for (const event of events) run.planner.apply(event);
    if (record.status !== 'running') {
      run.finished = true;
      run.resolve(run.state);
      return this.#handle(run);
    }
    const claim = journal.claim(runId, process.pid);
    if (!claim.ok) throw new LoomError('RUN_BUSY', `run "${runId}" is still being driven by process ${claim.pid}; stop it first`);
    this.#active.set(runId, run);
    this.#listen(run);
    this.#emit(run, { type: 'run.resumed', engine: 'embedded' });
    if (events.some((e) => e.type === 'run.cancelling')) run.controller.abort(new CancelledError('the run was cancelled'));
    this.#advance(run);
    return this.#handle(run);
  }

  #handle(run: ActiveRun): RunHandle {
    return { runId: run.runId, done: run.done, cancel: (reason) => this.#cancel(run, reason) };
  }

  #cancel(run: ActiveRun, reason = 'cancelled by the user'): void {
    if (run.finished || run.controller.signal.aborted) return;
    this.#emit(run, { type: 'run.cancelling', reason });
    run.controller.abort(new CancelledError(reason));
    this.#advance(run);
  }

  /** Picks up `loom cancel` and `loom approve` sent from other processes through the journal. */
  #listen(run: ActiveRun): void {
    const poll = () => {
      for (const { id, message } of this.services.journal.controls(run.runId, run.controlCursor)) {
        run.controlCursor = id;
        if (message.kind === 'cancel') this.#cancel(run, message.reason);
        else run.decisions.set(message.nodeId, { approved: message.kind === 'approve', reason: message.reason, by: message.by });
      }
    };
    poll();
    run.poller = setInterval(poll, CONTROL_POLL_MS);
    run.poller.unref();
  }

  /** Sends a control message to a run, wherever it runs: this process, another, or a later resume. */
  control(runId: string, message: ControlMessage): void {
    const record = this.services.journal.run(runId);
    if (!record) throw new LoomError('RUN_NOT_FOUND', `no run "${runId}" in the journal`);
    if (record.status !== 'running') throw new LoomError('RUN_BUSY', `run "${runId}" has already finished (${record.status})`);
    if (message.kind !== 'cancel') {
      const node = record.workflow.nodes.find((n) => n.id === message.nodeId);
      if (!node || !isApprovalNode(node)) throw new LoomError('USAGE', `run "${runId}" has no approval node "${message.nodeId}"`);
    }
    this.services.journal.sendControl(runId, message);
  }

  #emit(run: ActiveRun, input: RunEventInput): void {
    const event = { ...input, runId: run.runId, at: new Date().toISOString() } as RunEvent;
    this.services.journal.append(event);
    run.planner.apply(event);
    foldEvents(run.state, [event]);
    try {
      run.onEvent?.(event, run.state);
      for (const listener of this.#listeners) listener(event, run.state);
    } catch {
      // A listener's bug must not break the run; the journal already has the event.
    }
  }

  /** Asks the planner what to do, does it, and starts queued nodes up to the concurrency limit. */
  #advance(run: ActiveRun): void {
    if (run.finished) return;
    for (const action of run.planner.next()) {
      if (action.kind === 'start') run.queue.push(action);
      else if (action.kind === 'skip') this.#emit(run, { type: 'node.skipped', nodeId: action.nodeId, reason: action.reason });
      else return this.#finish(run, action.status);
    }
    while (run.running < run.concurrency && run.queue.length > 0) {
      const action = run.queue.shift()!;
      run.running++;
      this.#runNode(run, action)
        .catch((error) => this.#emit(run, { type: 'node.failed', nodeId: action.node.id, attempt: action.attempt, durationMs: 0, error: toErrorInfo(error) }))
        .finally(() => {
          run.running--;
          this.#advance(run);
        });
    }
  }

  #finish(run: ActiveRun, status: 'succeeded' | 'failed' | 'cancelled'): void {
    run.finished = true;
    clearInterval(run.poller);
    this.#emit(run, { type: 'run.finished', status });
    this.services.journal.release(run.runId);
    this.#active.delete(run.runId);
    rm(join(this.services.home, 'scratch', run.runId), { recursive: true, force: true })
      .catch(() => {})
      .finally(() => run.resolve(run.state));
  }

  /** A gate: waits for a decision (from `loom approve`), the gate's timeout, or the run's cancellation. */
  async #awaitApproval(run: ActiveRun, action: Extract<PlanAction, { kind: 'start' }>): Promise<void> {
    const { node, inputs, cacheKey, attempt } = action;
    const { message, timeoutMs } = approvalSettings(node);
    if (run.state.nodes[node.id]?.status !== 'running') this.#emit(run, { type: 'node.started', nodeId: node.id, attempt, cacheKey });
    this.#emit(run, { type: 'node.waiting', nodeId: node.id, reason: message, timeoutMs });
    // NOTE: the deadline counts from the first start, so a resume does not give the approver more time.
    const deadline = Date.parse(run.state.nodes[node.id]!.startedAt!) + timeoutMs;
    const started = Date.now();
    while (!run.decisions.has(node.id) && Date.now() < deadline) {
      try {
        await sleep(Math.min(CONTROL_POLL_MS, Math.max(1, deadline - Date.now())), undefined, { signal: run.controller.signal });
      } catch {
        return this.#emit(run, { type: 'node.cancelled', nodeId: node.id, attempt });
      }
    }
    const decision = run.decisions.get(node.id);
    if (decision) this.#emit(run, { type: 'node.log', nodeId: node.id, level: 'info', message: `${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}` });
    const outcome = approvalOutcome(node, inputs, decision);
    if ('error' in outcome) return this.#emit(run, { type: 'node.failed', nodeId: node.id, attempt, durationMs: Date.now() - started, error: outcome.error });
    this.#emit(run, { type: 'node.succeeded', nodeId: node.id, attempt, durationMs: Date.now() - started, outputs: outcome.outputs });
  }

  /** One node: a cache hit, or attempts until one succeeds, a failure cannot be retried, or attempts run out. */
  async #runNode(run: ActiveRun, action: Extract<PlanAction, { kind: 'start' }>): Promise<void> {
    const { node, inputs, cacheKey } = action;
    const { cache, artifacts } = this.services;
    const signal = run.controller.signal;
    if (signal.aborted) return this.#emit(run, { type: 'node.skipped', nodeId: node.id, reason: 'the run was cancelled' });
    if (isApprovalNode(node)) return this.#awaitApproval(run, action);
    if (node.cache) {
      const hit = await cache.get(cacheKey);
      if (hit && (await Promise.all(Object.values(hit.outputs).map((ref) => artifacts.has(ref)))).every(Boolean)) {
        return this.#emit(run, { type: 'node.cached', nodeId: node.id, cacheKey, outputs: hit.outputs, fromRunId: hit.runId });
      }
    }
    // The parts of the key of this node's last success, kept so that the run can say why the node runs again.
    const parts = keyParts(node, inputs);
    const reason = whyRun(node, parts, await cache.lastRun(run.workflow.name, node.id));
    for (let attempt = action.attempt; ; attempt++) {
      this.#emit(run, { type: 'node.started', nodeId: node.id, attempt, cacheKey, ...(attempt === action.attempt ? { reason } : {}) });
      const started = Date.now();
      try {
        const outputs = await executeNode(
          {
            runId: run.runId,
            workflow: run.workflow.name,
            node,
            inputs,
            attempt,
            signal,
            onProgress: (fraction, message) => this.#emit(run, { type: 'node.progress', nodeId: node.id, fraction, ...(message === undefined ? {} : { message }) }),
            onLog: (level, message) => this.#emit(run, { type: 'node.log', nodeId: node.id, level, message }),
            workflowDir: run.workflow.baseDir,
            ...(action.lineage ? { lineage: action.lineage } : {}),
          },
          { registry: this.services.registry, artifacts, home: this.services.home, dataRoots: dataRootsFromEnv(), models: this.services.models },
        );
        if (node.cache) await cache.put(cacheKey, { outputs, runId: run.runId, nodeId: node.id, at: new Date().toISOString() });
        await cache.setLastRun(run.workflow.name, node.id, parts);
        return this.#emit(run, { type: 'node.succeeded', nodeId: node.id, attempt, durationMs: Date.now() - started, outputs });
      } catch (caught) {
        if (signal.aborted) return this.#emit(run, { type: 'node.cancelled', nodeId: node.id, attempt });
        const error = toErrorInfo(caught);
        if (!error.retryable || attempt >= node.retry.maxAttempts) {
          return this.#emit(run, { type: 'node.failed', nodeId: node.id, attempt, durationMs: Date.now() - started, error });
        }
        const delayMs = retryDelayMs(node.retry, attempt);
        this.#emit(run, { type: 'node.retrying', nodeId: node.id, attempt, delayMs, error });
        try {
          await sleep(delayMs, undefined, { signal });
        } catch {
          return this.#emit(run, { type: 'node.cancelled', nodeId: node.id, attempt });
        }
      }
    }
  }
}

/**
 * The embedded engine: runs a compiled workflow in this process. Every event is appended to the journal
 * before anything acts on it; the planner decides what runs next; the executor runs each node attempt.
 * Resuming a run replays its journal into a fresh planner and carries on.
 */
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
import { Planner, type PlanAction } from './plan.js';
import type { CacheIndex, Journal } from './ports.js';
import { retryDelayMs } from './retry.js';
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
}

export const DEFAULT_CONCURRENCY = 4;

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
    this.#emit(run, { type: 'run.resumed', engine: 'embedded' });
    if (events.some((e) => e.type === 'run.cancelling')) run.controller.abort(new CancelledError('the run was cancelled'));
    this.#advance(run);
    return this.#handle(run);
  }

  #handle(run: ActiveRun): RunHandle {
    return {
      runId: run.runId,
      done: run.done,
      cancel: (reason = 'cancelled by the user') => {
        if (run.finished || run.controller.signal.aborted) return;
        this.#emit(run, { type: 'run.cancelling', reason });
        run.controller.abort(new CancelledError(reason));
        this.#advance(run);
      },
    };
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
    this.#emit(run, { type: 'run.finished', status });
    this.services.journal.release(run.runId);
    this.#active.delete(run.runId);
    rm(join(this.services.home, 'scratch', run.runId), { recursive: true, force: true })
      .catch(() => {})
      .finally(() => run.resolve(run.state));
  }

  /** One node: a cache hit, or attempts until one succeeds, a failure cannot be retried, or attempts run out. */
  async #runNode(run: ActiveRun, action: Extract<PlanAction, { kind: 'start' }>): Promise<void> {
    const { node, inputs, cacheKey } = action;
    const { cache, artifacts } = this.services;
    const signal = run.controller.signal;
    if (signal.aborted) return this.#emit(run, { type: 'node.skipped', nodeId: node.id, reason: 'the run was cancelled' });
    if (node.cache) {
      const hit = await cache.get(cacheKey);
      if (hit && (await Promise.all(Object.values(hit.outputs).map((ref) => artifacts.has(ref)))).every(Boolean)) {
        return this.#emit(run, { type: 'node.cached', nodeId: node.id, cacheKey, outputs: hit.outputs, fromRunId: hit.runId });
      }
    }
    for (let attempt = action.attempt; ; attempt++) {
      this.#emit(run, { type: 'node.started', nodeId: node.id, attempt, cacheKey });
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
          },
          { registry: this.services.registry, artifacts, scratchRoot: join(this.services.home, 'scratch') },
        );
        if (node.cache) await cache.put(cacheKey, { outputs, runId: run.runId, nodeId: node.id, at: new Date().toISOString() });
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

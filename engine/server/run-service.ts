/**
 * Starting and driving runs for the server, on either engine. Embedded runs run in this process on the shared
 * EmbeddedEngine, at most `maxRuns` at once; the rest wait in a queue kept on disk (one file per run under
 * `<home>/server/queue`), so a run the server accepted is started after a crash even if it never began. Temporal
 * runs go through one long-lived TemporalClient, connected on first use.
 *
 * On start-up `recover()` resumes every embedded run the journal says is running whose process is dead (a server
 * or `loom run` that was killed): the journal replays finished nodes, so none of them runs twice.
 */
import { LoomError, WorkflowInvalidError } from '../errors.js';
import { isPlainObject, type JsonObject } from '../json.js';
import type { Loom } from '../loom.js';
import { connectTemporal, displayStatus, embeddedRuns, findOutput, journalState, rowFor, temporalStatus, type RunRow } from '../run-access.js';
import { previewArtifact, type Preview } from '../data/preview.js';
import type { ArtifactRef } from '../plugin/types.js';
import { isApprovalNode } from '../run/approval.js';
import { newRunId, type RunHandle } from '../run/embedded-engine.js';
import type { RunEvent } from '../run/events.js';
import { emptyRunState, type NodeState, type RunState } from '../run/state.js';
import { isAlive } from '../store/sqlite.js';
import { quoteList } from '../suggest.js';
import type { TemporalClient } from '../temporal/client.js';
import type { TemporalSettings } from '../temporal/connection.js';
import type { EventsPage } from '../temporal/contract.js';
import { validateWorkflow } from '../workflow/validate.js';
import { HttpError } from './errors.js';
import { RunQueue, type Queued } from './run-queue.js';
import { WorkflowStore } from './workflow-store.js';

export type EngineName = 'embedded' | 'temporal';
export const ENGINES: readonly EngineName[] = ['embedded', 'temporal'];

export interface RunServiceOptions {
  readonly loom: Loom;
  /** Where `name` finds `<name>.json`; relative paths in every run's configs resolve against it too. */
  readonly workflowsDir: string;
  readonly defaultEngine?: EngineName;
  /** Embedded runs at once in this process; more wait in the queue. Default 8. */
  readonly maxRuns?: number;
  /** Nodes at once within a run, unless a request says otherwise. Default 4. */
  readonly concurrency?: number;
  /** Where Temporal runs go; without it, `engine: "temporal"` is a 503 and only the journal's runs are listed. */
  readonly temporal?: TemporalSettings;
  /** How long to wait for Temporal to answer a query (a closed run answers only through a worker). Default 5000 ms. */
  readonly queryTimeoutMs?: number;
}

export interface StartRequest {
  readonly name?: string;
  readonly workflow?: unknown;
  readonly params?: Record<string, unknown>;
  readonly engine?: EngineName;
  readonly concurrency?: number;
}

/** What `GET /api/runs/:id` answers: the run's status and every node's state (timings, cache hits, errors, outputs). */
export interface RunView {
  readonly runId: string;
  readonly engine: EngineName;
  /** `queued`: accepted, waiting for a slot; `interrupted`: its process died and nobody resumed it yet. */
  readonly status: RunState['status'] | 'queued' | 'interrupted';
  readonly workflow: string;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly error: RunState['error'] | null;
  readonly nodes: Record<string, NodeState>;
}

export interface LogEntry {
  readonly at: string;
  readonly kind: 'log' | 'progress';
  readonly level: string;
  readonly message: string;
  readonly fraction?: number;
}

const DEFAULT_MAX_RUNS = 8;
const DEFAULT_CONCURRENCY = 4;

const notFound = (what: string, message: string, details?: JsonObject) => new HttpError(404, `${what}_NOT_FOUND`, message, details);
const finished = (runId: string, status: string) => new HttpError(409, 'RUN_FINISHED', `run "${runId}" has already finished (${status})`, { runId, status });

export class RunService {
  readonly loom: Loom;
  readonly defaultEngine: EngineName;
  readonly #store: WorkflowStore;
  readonly #queue: RunQueue;
  readonly #maxRuns: number;
  readonly #concurrency: number;
  readonly #queryTimeoutMs: number;
  readonly #pending: Queued[] = [];
  readonly #active = new Map<string, RunHandle>();
  readonly #startListeners = new Set<(run: { runId: string; engine: EngineName }) => void>();
  #client: Promise<TemporalClient> | undefined;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(readonly options: RunServiceOptions) {
    this.loom = options.loom;
    this.defaultEngine = options.defaultEngine ?? 'embedded';
    this.#store = new WorkflowStore(options.workflowsDir, options.loom.registry);
    this.#queue = new RunQueue(options.loom.home);
    this.#maxRuns = Math.max(1, options.maxRuns ?? DEFAULT_MAX_RUNS);
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 5000;
  }

  /** Called with every run this service starts (the feed follows the Temporal ones from their start). */
  onStart(listener: (run: { runId: string; engine: EngineName }) => void): { dispose(): void } {
    this.#startListeners.add(listener);
    return { dispose: () => this.#startListeners.delete(listener) };
  }

  #started(runId: string, engine: EngineName): void {
    for (const listener of this.#startListeners) {
      try {
        listener({ runId, engine });
      } catch {
        // A listener's bug must not fail a run that has started.
      }
    }
  }

  /** Embedded runs running or waiting in this process. */
  get activeRuns(): number {
    return this.#active.size + this.#pending.length;
  }

  /** The server's Temporal client, connected on first use; 503 when no Temporal server answers. */
  temporal(): Promise<TemporalClient> {
    const settings = this.options.temporal;
    if (!settings) return Promise.reject(new HttpError(503, 'ENGINE_UNAVAILABLE', 'the Temporal engine is not configured on this server; start `loom serve` with --address <host:port>'));
    this.#client ??= connectTemporal(settings).catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  // ── start ──────────────────────────────────────────────────────────────────────────────────────────────────

  async start(request: StartRequest): Promise<{ runId: string; engine: EngineName; status: 'running' | 'queued'; workflow: string }> {
    const engine = request.engine ?? this.defaultEngine;
    const doc = request.name !== undefined ? (await this.#store.read(request.name)).doc : request.workflow;
    const result = validateWorkflow(doc, this.loom.registry, { params: request.params ?? {}, requireParams: true, baseDir: this.options.workflowsDir });
    if (!result.ok) throw new WorkflowInvalidError(isPlainObject(doc) && typeof doc.name === 'string' ? doc.name : (request.name ?? 'inline'), result.problems);
    const concurrency = request.concurrency ?? this.#concurrency;
    const workflow = result.workflow.name;
    if (engine === 'temporal') {
      const client = await this.temporal();
      const { taskQueue, address } = client.settings;
      if (!(await client.hasWorker())) {
        throw new HttpError(503, 'ENGINE_UNAVAILABLE', `no Temporal worker polls task queue "${taskQueue}" at ${address}; start one with \`loom worker --task-queue ${taskQueue}\``, { taskQueue, address });
      }
      const runId = await client.start(result.workflow, { concurrency });
      this.#started(runId, engine);
      return { runId, engine, status: 'running', workflow };
    }
    if (this.#closed) throw new HttpError(503, 'SHUTTING_DOWN', 'the server is shutting down; start the run again once it is back');
    const item: Queued = { runId: newRunId(), workflow: result.workflow, document: result.doc, concurrency, createdAt: new Date().toISOString() };
    if (this.#active.size < this.#maxRuns && this.#pending.length === 0) {
      this.#launch(item);
      return { runId: item.runId, engine, status: 'running', workflow };
    }
    // Written before the answer, so that a run the caller was told about is started even after a crash.
    await this.#queue.save(item);
    this.#pending.push(item);
    this.#dispatch();
    return { runId: item.runId, engine, status: this.#active.has(item.runId) ? 'running' : 'queued', workflow };
  }

  #launch(item: Queued): void {
    const handle = this.loom.engine.start(item.workflow, { runId: item.runId, concurrency: item.concurrency, document: item.document });
    this.#track(handle);
    this.#started(item.runId, 'embedded');
  }

  #track(handle: RunHandle): void {
    this.#active.set(handle.runId, handle);
    void this.#queue.remove(handle.runId).catch(() => {});
    void handle.done
      .catch(() => {})
      .finally(() => {
        this.#active.delete(handle.runId);
        this.#dispatch();
      });
  }

  #dispatch(): void {
    while (!this.#closed && this.#active.size < this.#maxRuns && this.#pending.length > 0) this.#launch(this.#pending.shift()!);
    if (this.#active.size === 0 && this.#pending.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * Start-up: resumes every embedded run marked running whose process is dead, then queues the runs accepted
   * but never started. A run another live process drives is left alone.
   */
  async recover(): Promise<{ resumed: string[]; queued: string[] }> {
    const resumed: string[] = [];
    for (const record of this.loom.journal.listRuns(Number.MAX_SAFE_INTEGER)) {
      if (record.engine !== 'embedded' || record.status !== 'running' || isAlive(record.pid) || this.#active.has(record.runId)) continue;
      try {
        this.#track(this.loom.engine.resume(record.runId));
        resumed.push(record.runId);
      } catch (error) {
        if (!(error instanceof LoomError && error.code === 'RUN_BUSY')) throw error;
      }
    }
    const queued: string[] = [];
    for (const item of await this.#queue.load()) {
      // Started just before the crash: the journal has it, and the resume above took care of it.
      if (this.loom.journal.run(item.runId) || this.#pending.some((q) => q.runId === item.runId)) {
        await this.#queue.remove(item.runId);
        continue;
      }
      this.#pending.push(item);
      queued.push(item.runId);
    }
    this.#dispatch();
    return { resumed, queued };
  }

  /** Resolves once no embedded run is running or waiting here (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#active.size === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops starting queued runs (they stay on disk for the next start) and closes the Temporal client. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.length = 0;
    this.#dispatch();
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.close()).catch(() => {});
  }

  // ── read ───────────────────────────────────────────────────────────────────────────────────────────────────

  async list(options: { limit: number; engine?: EngineName }): Promise<{ runs: RunRow[]; temporal?: { error: string } }> {
    const rows: RunRow[] = [];
    if (options.engine !== 'temporal') {
      for (const q of this.#pending) rows.push(rowFor(queuedState(q), 'embedded', 'queued', q.createdAt, null));
      rows.push(...embeddedRuns(this.loom.journal, options.limit));
    }
    let temporal: { error: string } | undefined;
    if (options.engine !== 'embedded' && this.options.temporal) {
      try {
        const client = await this.#timed(this.temporal(), `the Temporal server at ${this.options.temporal.address} did not answer within ${this.#queryTimeoutMs} ms`);
        const listed = await this.#timed(client.list(options.limit), `Temporal did not list its runs within ${this.#queryTimeoutMs} ms`);
        for (const run of listed) {
          const status = temporalStatus(run.status);
          rows.push(rowFor(emptyRunState(run.runId, run.workflow, []), 'temporal', status, run.startedAt, run.finishedAt));
        }
      } catch (error) {
        // The embedded runs are still worth answering with; say what is missing.
        temporal = { error: (error as Error).message };
      }
    }
    rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { runs: rows.slice(0, options.limit), ...(temporal ? { temporal } : {}) };
  }

  async get(runId: string): Promise<RunView> {
    const queued = this.#pending.find((q) => q.runId === runId);
    if (queued) return view(queuedState(queued), 'embedded', 'queued', queued.createdAt);
    const record = this.loom.journal.run(runId);
    if (record) return view(journalState(this.loom.journal, runId)!, 'embedded', displayStatus(record) as RunView['status'], record.createdAt);
    const state = await this.#temporalState(runId);
    return view(state, 'temporal', state.status, state.startedAt ?? null);
  }

  async #temporalState(runId: string): Promise<RunState> {
    if (!this.options.temporal) throw this.#unknownRun(runId);
    const client = await this.temporal();
    try {
      return await this.#timed(client.state(runId), `Temporal did not answer a query about run "${runId}" within ${this.#queryTimeoutMs} ms (is a worker polling "${client.settings.taskQueue}"?)`);
    } catch (error) {
      if (error instanceof LoomError && error.code === 'RUN_NOT_FOUND') throw this.#unknownRun(runId);
      throw error;
    }
  }

  #unknownRun(runId: string): HttpError {
    const where = this.options.temporal ? 'in the journal or on Temporal' : 'in the journal (Temporal is not configured on this server)';
    return notFound('RUN', `no run "${runId}" ${where}`, { runId });
  }

  #timed<T>(promise: Promise<T>, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HttpError(503, 'ENGINE_UNAVAILABLE', message)), this.#queryTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** A run's events: none while queued, the journal's for an embedded run, the interpreter workflow's event log for a Temporal one. */
  async #events(run: RunView): Promise<RunEvent[]> {
    if (run.status === 'queued') return [];
    if (run.engine === 'embedded') return this.loom.journal.events(run.runId);
    const client = await this.temporal();
    return (await this.#timed(client.handle(run.runId).query<EventsPage, [number]>('events', 0), `Temporal did not answer a query about run "${run.runId}"`)).events;
  }

  /** A node's `node.log` events and its progress messages, in order. */
  async logs(runId: string, nodeId: string): Promise<{ runId: string; node: string; entries: LogEntry[] }> {
    const run = await this.get(runId);
    this.#node(run, nodeId);
    const entries: LogEntry[] = [];
    for (const e of await this.#events(run)) {
      if (!('nodeId' in e) || e.nodeId !== nodeId) continue;
      if (e.type === 'node.log') entries.push({ at: e.at, kind: 'log', level: e.level, message: e.message });
      if (e.type === 'node.progress' && e.message !== undefined) entries.push({ at: e.at, kind: 'progress', level: 'info', message: e.message, fraction: e.fraction });
    }
    return { runId, node: nodeId, entries };
  }

  /** A node's output: a dataset's schema and first `rows` rows, a JSON artifact's value, or a file's size and digest. */
  async preview(runId: string, nodeId: string, port: string, rows: number): Promise<{ runId: string; node: string; port: string; ref: ArtifactRef; preview: Preview }> {
    const run = await this.get(runId);
    const found = findOutput({ runId, workflow: run.workflow, status: 'running', nodes: run.nodes }, nodeId, port);
    if (!found.ok) {
      const details = { runId, node: nodeId, [found.missing === 'node' ? 'nodes' : 'ports']: [...found.known] };
      if (found.missing === 'node') throw notFound('NODE', `${found.message}; its nodes are ${quoteList(found.known)}`, details);
      if (found.pending) throw new HttpError(409, 'NOT_READY', found.message, { runId, node: nodeId, status: run.nodes[nodeId]!.status });
      throw notFound('OUTPUT', found.message, details);
    }
    return { runId, node: nodeId, port: found.port, ref: found.ref, preview: await previewArtifact(this.loom.artifacts, found.ref, rows) };
  }

  #node(run: RunView, nodeId: string): NodeState {
    const node = run.nodes[nodeId];
    if (!node) throw notFound('NODE', `run "${run.runId}" has no node "${nodeId}"; its nodes are ${quoteList(Object.keys(run.nodes))}`, { runId: run.runId, node: nodeId, nodes: Object.keys(run.nodes) });
    return node;
  }

  // ── control ────────────────────────────────────────────────────────────────────────────────────────────────

  async cancel(runId: string, reason: string): Promise<{ runId: string; status: 'cancelling' }> {
    const index = this.#pending.findIndex((q) => q.runId === runId);
    if (index >= 0) {
      // Started and cancelled at once, so that the journal records the run and how it ended.
      const [item] = this.#pending.splice(index, 1);
      this.#launch(item!);
      this.#active.get(runId)!.cancel(reason);
      return { runId, status: 'cancelling' };
    }
    const record = this.loom.journal.run(runId);
    if (record) {
      if (record.status !== 'running') throw finished(runId, record.status);
      const handle = this.#active.get(runId);
      if (handle) handle.cancel(reason);
      else this.loom.engine.control(runId, { kind: 'cancel', reason });
      return { runId, status: 'cancelling' };
    }
    const state = await this.#temporalState(runId);
    if (state.status !== 'running') throw finished(runId, state.status);
    await (await this.temporal()).cancel(runId, reason);
    return { runId, status: 'cancelling' };
  }

  /** Lets an approval gate pass, or fails it. */
  async decide(runId: string, decision: { nodeId: string; approved: boolean; reason: string; by: string }): Promise<void> {
    const run = await this.get(runId);
    this.#node(run, decision.nodeId);
    if (run.status === 'queued') throw new HttpError(409, 'RUN_QUEUED', `run "${runId}" is queued; its gates can be decided once it runs`);
    if (run.status !== 'running' && run.status !== 'interrupted') throw finished(runId, run.status);
    const { nodeId, approved, reason, by } = decision;
    const record = this.loom.journal.run(runId);
    if (record) {
      const gates = record.workflow.nodes.filter(isApprovalNode).map((n) => n.id);
      const node = record.workflow.nodes.find((n) => n.id === nodeId)!;
      if (!isApprovalNode(node)) throw new HttpError(400, 'NOT_A_GATE', `node "${nodeId}" is not an approval gate (plugin "${node.plugin}"); the gates of run "${runId}" are ${quoteList(gates)}`, { gates });
      return this.loom.engine.control(runId, { kind: approved ? 'approve' : 'reject', nodeId, reason, by });
    }
    try {
      await (await this.temporal()).decide(runId, { nodeId, approved, reason, by });
    } catch (error) {
      if (error instanceof LoomError && error.code === 'USAGE') throw new HttpError(409, 'NOT_WAITING', error.message);
      throw error;
    }
  }
}

/** A run accepted but not started: every node pending. */
const queuedState = (q: Queued): RunState => emptyRunState(q.runId, q.workflow.name, q.workflow.nodes.map((n) => n.id));

function view(state: RunState, engine: EngineName, status: RunView['status'], createdAt: string | null): RunView {
  return {
    runId: state.runId,
    engine,
    status,
    workflow: state.workflow,
    createdAt,
    startedAt: state.startedAt ?? null,
    finishedAt: state.finishedAt ?? null,
    error: state.error ?? null,
    nodes: state.nodes,
  };
}

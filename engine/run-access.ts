/**
 * What the CLI and the server share about a run on either engine: its state folded from the journal, finding a
 * node's output, and sending a cancel or an approval to wherever the run lives. The Temporal SDK is loaded only
 * when a Temporal run is touched: it takes a while to load and most callers never need it.
 */
import type { Loom } from './loom.js';
import type { ArtifactRef } from './plugin/types.js';
import type { ControlMessage, Journal, RunRecord } from './run/ports.js';
import { emptyRunState, foldEvents, type RunState } from './run/state.js';
import { isAlive } from './store/sqlite.js';
import { didYouMean, quoteList } from './suggest.js';
import type { TemporalClient } from './temporal/client.js';
import type { TemporalSettings } from './temporal/connection.js';

/** A Temporal client for the length of one call (the CLI), or a long-lived one (the server). */
export type WithTemporal = <T>(fn: (client: TemporalClient) => Promise<T>) => Promise<T>;

export async function connectTemporal(settings: TemporalSettings): Promise<TemporalClient> {
  const { TemporalClient } = await import('./temporal/client.js');
  return TemporalClient.connect(settings);
}

/** A journal record's state, folded from its events. */
function recordState(journal: Journal, record: RunRecord): RunState {
  return foldEvents(emptyRunState(record.runId, record.workflow.name, record.workflow.nodes.map((n) => n.id)), journal.events(record.runId));
}

/** An embedded run's state, folded from its journal; undefined when the journal has no such run. */
export function journalState(journal: Journal, runId: string): RunState | undefined {
  const record = journal.run(runId);
  return record && recordState(journal, record);
}

export type OutputLookup =
  | { readonly ok: true; readonly port: string; readonly ref: ArtifactRef }
  /** `node`: no such node; `outputs`: the node has none (yet, when `pending`); `port`: no such output. `known`: what exists. */
  | { readonly ok: false; readonly missing: 'node' | 'outputs' | 'port'; readonly pending: boolean; readonly message: string; readonly known: readonly string[] };

/** A node's output `port` (default: its first) in a run's state, or what is missing, in a sentence. */
export function findOutput(state: RunState, nodeId: string, port?: string): OutputLookup {
  const node = state.nodes[nodeId];
  const runId = state.runId;
  if (!node) {
    const nodes = Object.keys(state.nodes);
    return { ok: false, missing: 'node', pending: false, message: `run "${runId}" has no node "${nodeId}"${didYouMean(nodeId, nodes)}`, known: nodes };
  }
  const outputs = node.outputs ?? {};
  const ports = Object.keys(outputs);
  if (ports.length === 0) {
    const pending = node.status === 'pending' || node.status === 'running';
    return { ok: false, missing: 'outputs', pending, message: `node "${nodeId}" of run "${runId}" has no outputs${pending ? ' yet' : ''} (it is ${node.status})`, known: [] };
  }
  const chosen = port ?? ports[0]!;
  const ref = outputs[chosen];
  if (!ref) return { ok: false, missing: 'port', pending: false, message: `node "${nodeId}" has no output "${chosen}"; its outputs are ${quoteList(ports)}`, known: ports };
  return { ok: true, port: chosen, ref };
}

/** Sends a cancel or a decision to a run: through the journal for an embedded run, else as a Temporal signal. */
export async function controlRun(loom: Loom, runId: string, message: ControlMessage, withTemporal: WithTemporal): Promise<void> {
  if (loom.journal.run(runId)) return loom.engine.control(runId, message);
  await withTemporal((client) =>
    message.kind === 'cancel'
      ? client.cancel(runId, message.reason)
      : client.decide(runId, { nodeId: message.nodeId, approved: message.kind === 'approve', reason: message.reason, by: message.by }),
  );
}

/** One line of a run listing (`loom runs`, `GET /api/runs`). */
export interface RunRow {
  runId: string;
  workflow: string;
  engine: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  nodes: { total: number; done: number; failed: number };
  /** The first failed node's own error, for a failed run. */
  error: string | null;
}

/** A run marked running whose process is gone was interrupted; `loom resume` carries it on. */
export function displayStatus(record: RunRecord): string {
  return record.status === 'running' && !isAlive(record.pid) ? 'interrupted' : record.status;
}

export function rowFor(state: RunState, engine: string, status: string, createdAt: string, finishedAt: string | null): RunRow {
  const nodes = Object.entries(state.nodes);
  const failed = nodes.filter(([, n]) => n.status === 'failed');
  return {
    runId: state.runId,
    workflow: state.workflow,
    engine,
    status,
    createdAt,
    finishedAt,
    durationMs: finishedAt ? Date.parse(finishedAt) - Date.parse(createdAt) : null,
    nodes: { total: nodes.length, done: nodes.filter(([, n]) => n.status === 'succeeded' || n.status === 'cached').length, failed: failed.length },
    error: failed[0] ? `${failed[0][0]}: ${failed[0][1].error?.message ?? 'failed'}` : null,
  };
}

export function embeddedRuns(journal: Journal, limit: number): RunRow[] {
  return journal.listRuns(limit).map((record) => rowFor(recordState(journal, record), record.engine, displayStatus(record), record.createdAt, record.finishedAt ?? null));
}

/** A Temporal workflow execution's status in Loom's words (`completed` is `succeeded`; terminated runs were cancelled). */
export function temporalStatus(status: string): string {
  return status === 'completed' ? 'succeeded' : status === 'terminated' || status === 'canceled' ? 'cancelled' : status;
}

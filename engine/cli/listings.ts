/** The tables of `loom runs` and `loom plugins`. */
import pc from 'picocolors';
import { pluginDescription } from '../plugin/describe.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Journal, RunRecord } from '../run/ports.js';
import { emptyRunState, foldEvents, type RunState } from '../run/state.js';
import { isAlive } from '../store/sqlite.js';
import { formatDuration } from './render.js';

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
  return journal.listRuns(limit).map((record) => {
    const state = foldEvents(emptyRunState(record.runId, record.workflow.name, record.workflow.nodes.map((n) => n.id)), journal.events(record.runId));
    return rowFor(state, record.engine, displayStatus(record), record.createdAt, record.finishedAt ?? null);
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatRuns(runs: RunRow[], json: boolean): string {
  if (json) return `${JSON.stringify(runs, null, 2)}\n`;
  if (runs.length === 0) return 'no runs yet\n';
  return table([
    ['RUN', 'WORKFLOW', 'ENGINE', 'STATUS', 'STARTED', 'TOOK', 'NODES', 'ERROR'],
    ...runs.map((r) => [
      r.runId,
      r.workflow,
      r.engine,
      r.status,
      r.createdAt.replace('T', ' ').slice(0, 19),
      formatDuration(r.durationMs ?? undefined),
      `${r.nodes.done}/${r.nodes.total}${r.nodes.failed ? ` (${r.nodes.failed} failed)` : ''}`,
      r.error ?? '',
    ]),
  ]);
}

export function listPlugins(registry: PluginRegistry, json: boolean): string {
  const plugins = registry.list().map((plugin) => pluginDescription(plugin, registry.source(plugin)));
  if (json) return `${JSON.stringify(plugins, null, 2)}\n`;
  const ports = (list: { name: string; type: string }[]) => list.map((p) => `${p.name}:${p.type}`).join(', ') || '-';
  return table([
    ['PLUGIN', 'VERSION', 'CATEGORY', 'INPUTS', 'OUTPUTS', 'TITLE'],
    ...plugins.map((p) => [p.name, p.version, p.category, ports(p.inputs), ports(p.outputs), pc.dim(p.title)]),
  ]);
}

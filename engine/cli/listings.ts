/** The tables of `loom runs` and `loom plugins`. */
import pc from 'picocolors';
import { describePlugin } from '../plugin/describe.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Journal, RunRecord } from '../run/ports.js';
import { emptyRunState, foldEvents } from '../run/state.js';
import { isAlive } from '../store/sqlite.js';
import { formatDuration } from './render.js';

/** A run marked running whose process is gone was interrupted; `loom resume` carries it on. */
export function displayStatus(record: RunRecord): string {
  return record.status === 'running' && !isAlive(record.pid) ? 'interrupted' : record.status;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function listRuns(journal: Journal, limit: number, json: boolean): string {
  const runs = journal.listRuns(limit).map((record) => {
    const state = foldEvents(emptyRunState(record.runId, record.workflow.name, record.workflow.nodes.map((n) => n.id)), journal.events(record.runId));
    const nodes = Object.values(state.nodes);
    const done = nodes.filter((n) => n.status === 'succeeded' || n.status === 'cached').length;
    const durationMs = record.finishedAt ? Date.parse(record.finishedAt) - Date.parse(record.createdAt) : undefined;
    return { runId: record.runId, workflow: record.workflow.name, engine: record.engine, status: displayStatus(record), createdAt: record.createdAt, finishedAt: record.finishedAt ?? null, durationMs: durationMs ?? null, nodes: { total: nodes.length, done, failed: nodes.filter((n) => n.status === 'failed').length } };
  });
  if (json) return `${JSON.stringify(runs, null, 2)}\n`;
  if (runs.length === 0) return 'no runs yet\n';
  return table([
    ['RUN', 'WORKFLOW', 'STATUS', 'STARTED', 'TOOK', 'NODES'],
    ...runs.map((r) => [r.runId, r.workflow, r.status, r.createdAt.replace('T', ' ').slice(0, 19), formatDuration(r.durationMs ?? undefined), `${r.nodes.done}/${r.nodes.total}${r.nodes.failed ? ` (${r.nodes.failed} failed)` : ''}`]),
  ]);
}

export function listPlugins(registry: PluginRegistry, json: boolean): string {
  const plugins = registry.list().map(describePlugin);
  if (json) return `${JSON.stringify(plugins, null, 2)}\n`;
  const ports = (list: { name: string; type: string }[]) => list.map((p) => `${p.name}:${p.type}`).join(', ') || '-';
  return table([
    ['PLUGIN', 'VERSION', 'CATEGORY', 'INPUTS', 'OUTPUTS', 'TITLE'],
    ...plugins.map((p) => [p.name, p.version, p.category, ports(p.inputs), ports(p.outputs), pc.dim(p.title)]),
  ]);
}

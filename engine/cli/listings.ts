/** The tables of `loom runs` and `loom plugins`, and the column layout the `loom models` tables share. */
import pc from 'picocolors';
import { pluginDescription } from '../plugin/describe.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { RunRow } from '../run-access.js';
import { formatDuration } from './render.js';

/** Columns padded to their widest cell, two spaces apart; the first row is the header. */
export function table(rows: string[][]): string {
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

/** How the CLI shows a run: a live board on a terminal, one line per event otherwise, and the final summary. */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import type { RunEvent } from '../run/events.js';
import type { NodeState, RunState } from '../run/state.js';

const ICONS: Record<NodeState['status'], string> = {
  pending: pc.dim('·'),
  running: pc.cyan('▶'),
  succeeded: pc.green('✓'),
  cached: pc.green('≡'),
  failed: pc.red('✗'),
  skipped: pc.dim('⤼'),
  cancelled: pc.yellow('■'),
};

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function bar(fraction: number, width = 16): string {
  const filled = Math.round(fraction * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

function nodeLine(id: string, node: NodeState, width: number, now: number): string {
  const name = id.padEnd(width);
  const detail =
    node.status === 'running'
      ? `${bar(node.progress ?? 0)} ${formatDuration(node.startedAt ? now - Date.parse(node.startedAt) : undefined)}${node.attempts > 1 ? ` attempt ${node.attempts}` : ''} ${pc.dim(node.message ?? '')}`
      : node.status === 'failed'
        ? pc.red(node.error?.message ?? 'failed')
        : node.status === 'skipped'
          ? pc.dim(node.reason ?? '')
          : node.status === 'cached'
            ? pc.dim('cached')
            : pc.dim(formatDuration(node.durationMs));
  return `${ICONS[node.status]} ${name} ${detail}`;
}

function counts(state: RunState): string {
  const by: Record<string, number> = {};
  for (const node of Object.values(state.nodes)) by[node.status] = (by[node.status] ?? 0) + 1;
  const total = Object.keys(state.nodes).length;
  const done = (by.succeeded ?? 0) + (by.cached ?? 0);
  const parts = [`${done}/${total} done`];
  for (const status of ['running', 'cached', 'failed', 'skipped', 'cancelled'] as const) if (by[status]) parts.push(`${by[status]} ${status}`);
  return parts.join(' · ');
}

/** Every node when there are few; on a big workflow, those running or failed and a count of the rest. */
export function board(state: RunState, now = Date.now(), maxLines = 40): string {
  const ids = Object.keys(state.nodes);
  const width = Math.min(24, Math.max(...ids.map((id) => id.length), 4));
  const shown = ids.length <= maxLines ? ids : ids.filter((id) => ['running', 'failed'].includes(state.nodes[id]!.status)).slice(0, maxLines);
  const lines = shown.map((id) => nodeLine(id, state.nodes[id]!, width, now));
  return [`${pc.bold(state.workflow)} ${pc.dim(state.runId)}  ${counts(state)}`, ...lines].join('\n');
}

export interface RunView {
  event(event: RunEvent, state: RunState): void;
  finish(state: RunState): void;
}

/** A board redrawn in place, at most ten times a second. */
export function liveView(stream: NodeJS.WriteStream): RunView {
  const update = createLogUpdate(stream);
  let last = 0;
  let pending: NodeJS.Timeout | undefined;
  let latest: RunState | undefined;
  const draw = () => {
    pending = undefined;
    last = Date.now();
    if (latest) update(board(latest, last, Math.max(5, (stream.rows ?? 40) - 4)));
  };
  return {
    event(_event, state) {
      latest = state;
      if (pending) return;
      const wait = Math.max(0, 100 - (Date.now() - last));
      pending = setTimeout(draw, wait);
    },
    finish(state) {
      clearTimeout(pending);
      latest = state;
      draw();
      update.done();
    },
  };
}

/** One line per event that matters, for logs and pipes. */
export function lineView(stream: NodeJS.WritableStream): RunView {
  const write = (text: string) => stream.write(`${text}\n`);
  return {
    event(event) {
      const time = event.at.slice(11, 19);
      switch (event.type) {
        case 'node.started':
          return write(`${time} ${event.nodeId} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : event.reason ? ` (${event.reason})` : ''}`);
        case 'node.succeeded':
          return write(`${time} ${event.nodeId} succeeded in ${formatDuration(event.durationMs)}`);
        case 'node.cached':
          return write(`${time} ${event.nodeId} cached (from run ${event.fromRunId})`);
        case 'node.retrying':
          return write(`${time} ${event.nodeId} attempt ${event.attempt} failed: ${event.error.message}; retrying in ${formatDuration(event.delayMs)}`);
        case 'node.failed':
          return write(`${time} ${event.nodeId} failed: ${event.error.message}`);
        case 'node.skipped':
          return write(`${time} ${event.nodeId} skipped: ${event.reason}`);
        case 'node.waiting':
          return write(`${time} ${event.nodeId} waiting: ${event.reason} (loom approve ${event.runId} ${event.nodeId} [--reject --reason ...])`);
        case 'node.cancelled':
          return write(`${time} ${event.nodeId} cancelled`);
        case 'node.log':
          return write(`${time} ${event.nodeId} [${event.level}] ${event.message}`);
        case 'run.cancelling':
          return write(`${time} cancelling: ${event.reason}`);
        default:
          return undefined;
      }
    },
    finish(state) {
      write(`run ${state.runId} ${state.status}: ${counts(state)}`);
    },
  };
}

/** The `--json` summary of a finished run. */
export function summary(state: RunState): unknown {
  const nodes: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(state.nodes)) {
    nodes[id] = { status: node.status, cached: node.cached, attempts: node.attempts, durationMs: node.durationMs ?? null, outputs: node.outputs ?? {}, ...(node.error ? { error: node.error } : {}) };
  }
  return { runId: state.runId, workflow: state.workflow, status: state.status, nodes };
}

/**
 * The selected node in the run shown: its outputs (a dataset's preview table, a JSON or metrics value, a model's
 * description), its charts (training loss for a train node, evaluation for a metrics output) and its logs.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { NodeRunView } from '../contracts';
import type { LogEntry, NodeOutputs, OutputPreview, RunEvent } from '../api/types';
import { ErrorNote } from './ErrorNote';
import { LossChart } from './LossChart';
import { lossFromMessages, lossFromReport } from './loss';
import { MetricsChart } from './MetricsChart';
import { metricsChartData } from './metrics';
import { JsonView, PreviewTable } from './PreviewTable';
import { logsOf } from './useRun';

export interface NodeDetailsProps {
  readonly api: ApiClient;
  readonly runId: string;
  readonly nodeId: string;
  /** The node's plugin as the document names it (`train@^1`). */
  readonly plugin?: string;
  readonly view?: NodeRunView;
  readonly outputs?: NodeOutputs;
  /** The run's events; empty when only its folded state is known (then the logs come from `GET …/logs`). */
  readonly events: readonly RunEvent[];
}

type Loaded = { readonly preview: OutputPreview } | { readonly error: unknown };
const PREVIEWED = new Set(['dataset', 'json', 'metrics']);

export function NodeDetails({ api, runId, nodeId, plugin, view, outputs, events }: NodeDetailsProps) {
  const ports = useMemo(() => Object.entries(outputs ?? {}), [outputs]);
  const previews = usePreviews(api, runId, nodeId, ports);
  const logs = useLogs(api, runId, nodeId, events, view?.status);
  const isTrain = /^train(@|$)/.test(plugin ?? '');
  const loss = useMemo(() => {
    const report = Object.values(previews).find((p) => 'preview' in p && p.preview.port === 'report');
    const fromReport = report && 'preview' in report && report.preview.preview.kind === 'json' ? lossFromReport(report.preview.preview.value) : [];
    return fromReport.length > 0 ? { points: fromReport, source: 'report' as const } : { points: lossFromMessages(logs.map((l) => l.message)), source: 'progress' as const };
  }, [previews, logs]);

  return (
    <div className="node-details">
      <div className="node-main">
        <h3>
          {nodeId} <span className={`run-badge status-${view?.status ?? 'pending'}`}>{view?.status ?? 'not run'}</span>
          {view?.durationMs !== undefined && <span className="run-muted"> {formatMs(view.durationMs)}</span>}
        </h3>
        {view?.error && <p className="run-error-text">{view.error}</p>}
        {(isTrain || loss.points.length > 0) && <LossChart points={loss.points} source={loss.source} />}
        {ports.length === 0 && <p className="run-muted">No outputs yet.</p>}
        {ports.map(([port, ref]) => (
          <Output key={port} port={port} type={ref.type} meta={ref.meta} bytes={ref.bytes} loaded={previews[port]} />
        ))}
      </div>
      <section className="node-logs" aria-label={`logs of ${nodeId}`}>
        <h4>Logs</h4>
        <ol className="logs" data-testid="logs">
          {logs.length === 0 && <li className="run-muted">No log lines.</li>}
          {logs.map((l, i) => (
            <li key={i} className={`log-${l.level} log-${l.kind}`}>
              <time dateTime={l.at}>{l.at.slice(11, 19)}</time> <span className="log-level">{l.kind === 'progress' ? 'progress' : l.level}</span> {l.message}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

function Output({ port, type, meta, bytes, loaded }: { port: string; type: string; meta?: Record<string, unknown>; bytes: number; loaded: Loaded | undefined }) {
  const body = (() => {
    if (!PREVIEWED.has(type)) return <p className="run-muted">{describe(type, meta, bytes)}</p>;
    if (!loaded) return <p className="run-muted">Loading the preview…</p>;
    if ('error' in loaded) return <ErrorNote error={loaded.error} />;
    const p = loaded.preview.preview;
    if (p.kind === 'dataset') return <PreviewTable preview={p} port={port} />;
    if (p.kind === 'file') return <p className="run-muted">A file of {p.bytes.toLocaleString('en')} bytes (sha256 {p.sha256.slice(0, 12)}…)</p>;
    const chart = type === 'metrics' ? metricsChartData(p.value) : undefined;
    return (
      <>
        {chart && <MetricsChart data={chart} />}
        <details open={!chart}>
          <summary>JSON</summary>
          <JsonView value={p.value} port={port} />
        </details>
      </>
    );
  })();
  return (
    <section className="run-card output" data-testid={`output-${port}`}>
      <h4>
        {port} <span className={`port-type type-${type}`}>{type}</span>
      </h4>
      {body}
    </section>
  );
}

function describe(type: string, meta: Record<string, unknown> | undefined, bytes: number): string {
  const facts = Object.entries(meta ?? {})
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k} ${String(v)}`);
  return `A ${type} of ${bytes.toLocaleString('en')} bytes${facts.length ? `: ${facts.join(', ')}` : ''}.`;
}

function usePreviews(api: ApiClient, runId: string, nodeId: string, ports: readonly [string, { type: string; sha256: string }][]): Record<string, Loaded> {
  const [loaded, setLoaded] = useState<Record<string, Loaded>>({});
  const key = ports.map(([p, r]) => `${p}:${r.sha256}`).join(',');
  useEffect(() => {
    setLoaded({});
    let live = true;
    for (const [port, ref] of ports) {
      if (!PREVIEWED.has(ref.type)) continue;
      api.preview(runId, nodeId, port, 50).then(
        (preview) => live && setLoaded((l) => ({ ...l, [port]: { preview } })),
        (error: unknown) => live && setLoaded((l) => ({ ...l, [port]: { error } })),
      );
    }
    return () => {
      live = false;
    };
    // The ports' digests say when an output changed; the array itself is new on every event.
  }, [api, runId, nodeId, key]);
  return loaded;
}

/** From the events when the run's events are at hand (live lines included), else `GET …/logs` (refetched as the node's status moves). */
function useLogs(api: ApiClient, runId: string, nodeId: string, events: readonly RunEvent[], status: string | undefined): LogEntry[] {
  const fromEvents = useMemo(() => logsOf(events, nodeId), [events, nodeId]);
  const [fetched, setFetched] = useState<LogEntry[]>([]);
  const needFetch = events.length === 0;
  useEffect(() => {
    setFetched([]);
    if (!needFetch) return;
    let live = true;
    api.logs(runId, nodeId).then((entries) => live && setFetched(entries), () => {});
    return () => {
      live = false;
    };
  }, [api, runId, nodeId, needFetch, status]);
  return needFetch ? fetched : fromEvents;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

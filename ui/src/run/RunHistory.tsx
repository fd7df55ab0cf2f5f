/** Recent runs of this workflow (newest first); choosing one shows its states on the canvas again. */
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { RunSummary } from '../api/types';
import { ErrorNote } from './ErrorNote';
import { formatMs } from './NodeDetails';

export interface RunHistoryProps {
  readonly api: ApiClient;
  readonly workflow: string;
  readonly currentRunId?: string;
  /** Changes when the list should be read again (a run started or finished). */
  readonly refreshKey: unknown;
  readonly onOpen: (run: RunSummary) => void;
}

export function RunHistory({ api, workflow, currentRunId, refreshKey, onOpen }: RunHistoryProps) {
  const [runs, setRuns] = useState<RunSummary[]>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    api.runs(100).then(
      (all) => {
        if (!live) return;
        setRuns(all.filter((r) => r.workflow === workflow).slice(0, 20));
        setError(undefined);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, workflow, refreshKey, reload]);

  return (
    <section className="run-history" aria-label="run history">
      <h4>
        Runs of {workflow}{' '}
        <button type="button" className="link" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </h4>
      {error !== undefined && <ErrorNote error={error} />}
      <ul data-testid="run-history">
        {runs?.length === 0 && <li className="run-muted">No runs yet.</li>}
        {runs?.map((run) => (
          <li key={run.runId}>
            <button type="button" className={`history-item${run.runId === currentRunId ? ' current' : ''}`} aria-current={run.runId === currentRunId || undefined} data-run-id={run.runId} onClick={() => onOpen(run)}>
              <span className={`run-dot status-${run.status}`} aria-hidden="true" />
              <span className="history-when">{run.createdAt.replace('T', ' ').slice(5, 16)}</span>
              <span className="history-status">{run.status}</span>
              <span className="run-muted">
                {run.nodes.done}/{run.nodes.total}
                {run.durationMs !== null ? ` · ${formatMs(run.durationMs)}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

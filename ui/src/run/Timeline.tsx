/** The run's Gantt: a bar per node from start to end (cached nodes as a marked sliver); a bar selects its node. */
import type { RunEvent } from '../api/types';
import { formatMs } from './NodeDetails';
import { timeline } from './timeline';

export interface TimelineProps {
  readonly events: readonly RunEvent[];
  readonly now: number;
  readonly selectedNode?: string;
  readonly onSelectNode: (nodeId: string) => void;
}

export function Timeline({ events, now, selectedNode, onSelectNode }: TimelineProps) {
  const { bars, span } = timeline(events, now);
  if (bars.length === 0) return <p className="run-muted" data-testid="timeline">No node has started yet.</p>;
  const pct = (ms: number) => `${(ms / span) * 100}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * span);
  return (
    <div className="timeline" data-testid="timeline" role="list" aria-label="run timeline">
      <div className="timeline-axis" aria-hidden="true">
        {ticks.map((t) => (
          <span key={t} style={{ left: pct(t) }}>
            {formatMs(t)}
          </span>
        ))}
      </div>
      {bars.map((bar) => (
        <div className={`timeline-row${bar.nodeId === selectedNode ? ' selected' : ''}`} role="listitem" key={bar.nodeId}>
          <span className="timeline-label">{bar.nodeId}</span>
          <span className="timeline-track">
            <button
              type="button"
              className={`timeline-bar status-${bar.status}${bar.cached ? ' cached' : ''}${bar.open ? ' open' : ''}`}
              style={{ left: pct(bar.start), width: `max(4px, ${pct(bar.end - bar.start)})` }}
              aria-label={`${bar.nodeId}: ${bar.cached ? 'cached' : bar.status}${bar.cached ? '' : `, ${formatMs(bar.end - bar.start)}`}${bar.attempts > 1 ? `, ${bar.attempts} attempts` : ''}`}
              title={`${bar.nodeId}: ${bar.status}, from ${formatMs(bar.start)} to ${formatMs(bar.end)}`}
              data-node={bar.nodeId}
              data-cached={bar.cached || undefined}
              onClick={() => onSelectNode(bar.nodeId)}
            />
            {bar.cached && (
              <span className="timeline-cached" style={{ left: pct(bar.start) }}>
                cached
              </span>
            )}
          </span>
        </div>
      ))}
    </div>
  );
}

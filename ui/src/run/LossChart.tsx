/** Training loss per iteration of a train node (see loss.ts for where the points come from). */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { LossPoint } from './loss';
import { UPlotChart } from './UPlotChart';

export function LossChart({ points, source }: { points: readonly LossPoint[]; source: 'report' | 'progress' }) {
  const data = useMemo<uPlot.AlignedData>(() => [points.map((p) => p.iteration), points.map((p) => p.loss)], [points]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false } },
      axes: [{ label: 'iteration' }, { label: 'loss', size: 70 }],
      series: [{ label: 'iteration' }, { label: 'loss', stroke: '#2563eb', width: 2, points: { show: points.length < 60 } }],
      legend: { show: false },
    }),
    [points.length],
  );
  const last = points[points.length - 1];
  return (
    <section className="run-card" data-testid="chart-loss" data-points={points.length}>
      <h4>
        Training loss {last && <span className="run-muted">iteration {last.iteration}: {formatLoss(last.loss)}</span>}
      </h4>
      {points.length === 0 ? (
        <p className="run-muted">No loss reported yet: the chart fills from “iteration N: loss X” progress messages.</p>
      ) : (
        <>
          <UPlotChart options={options} data={data} label={`training loss over ${points.length} iterations`} />
          {source === 'progress' && <p className="run-muted">From progress messages (sampled); the full curve comes with the node's report.</p>}
        </>
      )}
    </section>
  );
}

const formatLoss = (loss: number) => (Math.abs(loss) >= 1000 ? loss.toFixed(1) : loss.toPrecision(4));

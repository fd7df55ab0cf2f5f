/**
 * Evaluation against baselines: grouped bars of the ranking metrics at k (candidate first, in the strong colour),
 * the same numbers as a table, and each comparison's paired bootstrap interval drawn against zero.
 */
import { useMemo } from 'react';
import uPlot from 'uplot';
import { METRIC_LABELS, type MetricsChartData } from './metrics';
import { UPlotChart } from './UPlotChart';

const PALETTE = ['#2563eb', '#94a3b8', '#f59e0b', '#10b981', '#a855f7', '#ef4444', '#14b8a6', '#64748b', '#eab308'];
const CHARTED = 4;

/** Grouped bars on one x axis: model i of metric m sits at m·(models+1)+i; other x positions hold null. */
function groupedBars(data: MetricsChartData, metrics: readonly string[]): uPlot.AlignedData {
  const n = data.models.length;
  const x = metrics.flatMap((_, m) => data.models.map((__, i) => m * (n + 1) + i));
  return [x, ...data.models.map((model, i) => x.map((xi) => (xi % (n + 1) === i ? (model.values[metrics[Math.floor(xi / (n + 1))]!] ?? null) : null)))];
}

export function MetricsChart({ data }: { data: MetricsChartData }) {
  const metrics = data.metrics.slice(0, CHARTED);
  const plotData = useMemo(() => groupedBars(data, data.metrics.slice(0, CHARTED)), [data]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const n = data.models.length;
    const bars = uPlot.paths.bars?.({ size: [0.9, 40], gap: 1 });
    return {
      scales: { x: { time: false, range: [-1, metrics.length * (n + 1) - 1] }, y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.1] } },
      axes: [
        { splits: () => metrics.map((_, m) => m * (n + 1) + (n - 1) / 2), values: () => metrics.map((m) => `${METRIC_LABELS[m] ?? m}@${data.k ?? 'k'}`), grid: { show: false } },
        { size: 50 },
      ],
      series: [{}, ...data.models.map((m, i) => ({ label: m.name, fill: PALETTE[i % PALETTE.length], stroke: PALETTE[i % PALETTE.length], ...(bars ? { paths: bars } : {}), points: { show: false } }))],
      legend: { show: true },
      cursor: { show: false },
    };
  }, [data]);

  return (
    <section className="run-card" data-testid="chart-metrics">
      <h4>
        Evaluation at {data.k ?? 'k'} {data.users !== undefined && <span className="run-muted">over {data.users} users</span>}{' '}
        {data.pass !== undefined && <span className={`run-badge ${data.pass ? 'ok' : 'bad'}`}>gate {data.pass ? 'passed' : 'failed'}</span>}
      </h4>
      <UPlotChart options={options} data={plotData} height={200} label={`${metrics.join(', ')} of ${data.models.map((m) => m.name).join(', ')}`} />
      <table className="run-table" data-testid="metrics-table">
        <thead>
          <tr>
            <th scope="col">model</th>
            {data.metrics.map((m) => (
              <th scope="col" key={m}>{METRIC_LABELS[m] ?? m}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.models.map((model) => (
            <tr key={model.name} className={model.name === data.candidate ? 'candidate' : undefined}>
              <th scope="row">
                {model.name} {model.name === data.candidate && <span className="run-badge">candidate</span>}
              </th>
              {data.metrics.map((m) => (
                <td key={m}>{model.values[m]?.toFixed(4) ?? '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {data.comparisons.length > 0 && <Intervals data={data} />}
    </section>
  );
}

/** A forest plot: one row per baseline, the 95% interval of the candidate's gain as a bar, zero as a line. */
function Intervals({ data }: { data: MetricsChartData }) {
  const lo = Math.min(0, ...data.comparisons.map((c) => c.lower));
  const hi = Math.max(0, ...data.comparisons.map((c) => c.upper));
  const span = hi - lo || 1;
  const pos = (v: number) => `${((v - lo) / span) * 100}%`;
  return (
    <table className="run-table intervals" data-testid="chart-intervals">
      <caption>
        {data.candidate} against each baseline: mean gain with its paired bootstrap 95% interval
      </caption>
      <thead>
        <tr>
          <th scope="col">baseline</th>
          <th scope="col">metric</th>
          <th scope="col">gain</th>
          <th scope="col">95% CI</th>
          <th scope="col" className="interval-col">interval (| is zero)</th>
          <th scope="col">gate</th>
        </tr>
      </thead>
      <tbody>
        {data.comparisons.map((c) => (
          <tr key={`${c.baseline}-${c.metric}`} title={c.reason}>
            <th scope="row">{c.baseline}</th>
            <td>{METRIC_LABELS[c.metric] ?? c.metric}</td>
            <td>{signed(c.meanDelta)}</td>
            <td>
              {signed(c.lower)} … {signed(c.upper)}
            </td>
            <td className="interval-col">
              <div className="interval-track">
                <span className="interval-zero" style={{ left: pos(0) }} />
                <span className={`interval-bar ${c.pass ? 'ok' : 'bad'}`} style={{ left: pos(c.lower), width: `calc(${pos(c.upper)} - ${pos(c.lower)})` }} />
                <span className="interval-mean" style={{ left: pos(c.meanDelta) }} />
              </div>
            </td>
            <td>
              <span className={`run-badge ${c.pass ? 'ok' : 'bad'}`}>{c.pass ? 'pass' : 'fail'}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;

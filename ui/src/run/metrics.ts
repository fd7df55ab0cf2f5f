/**
 * The evaluation chart's data, read from an evaluate node's `metrics` output (plugins/evaluate): each model's
 * metrics at k, the candidate told apart from the baselines, and the paired bootstrap interval of each
 * comparison. Anything else (an older or third-party metrics file) gives `undefined`, and the dock shows the JSON.
 */
export interface ModelMetrics {
  readonly name: string;
  readonly algorithm?: string;
  readonly values: Readonly<Record<string, number>>;
}

export interface Comparison {
  readonly baseline: string;
  readonly metric: string;
  readonly meanDelta: number;
  readonly lower: number;
  readonly upper: number;
  readonly pass: boolean;
  readonly reason?: string;
}

export interface MetricsChartData {
  readonly k?: number;
  readonly users?: number;
  /** The model compared against the others (the one no comparison names as a baseline). */
  readonly candidate: string;
  readonly models: readonly ModelMetrics[];
  /** The metrics charted, in this order: the ones every model has, ranking metrics first. */
  readonly metrics: readonly string[];
  readonly comparisons: readonly Comparison[];
  readonly pass?: boolean;
}

const PREFERRED = ['ndcg', 'recall', 'hitRate', 'precision', 'map', 'cappedRecall', 'coverage'];
export const METRIC_LABELS: Readonly<Record<string, string>> = { ndcg: 'NDCG', recall: 'Recall', hitRate: 'Hit rate', precision: 'Precision', map: 'MAP', cappedRecall: 'Capped recall', coverage: 'Coverage' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function metricsChartData(value: unknown): MetricsChartData | undefined {
  if (!isObject(value) || !Array.isArray(value.models) || value.models.length === 0) return undefined;
  const models: ModelMetrics[] = value.models.filter(isObject).map((m) => ({
    name: String(m.name ?? m.algorithm ?? '?'),
    ...(typeof m.algorithm === 'string' ? { algorithm: m.algorithm } : {}),
    values: Object.fromEntries(Object.entries(m).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))),
  }));
  if (models.length === 0) return undefined;
  const comparisons: Comparison[] = (Array.isArray(value.comparisons) ? value.comparisons : []).filter(isObject).flatMap((c) =>
    typeof c.baseline === 'string' && typeof c.meanDelta === 'number' && typeof c.lower === 'number' && typeof c.upper === 'number'
      ? [{ baseline: c.baseline, metric: String(c.metric ?? 'ndcg'), meanDelta: c.meanDelta, lower: c.lower, upper: c.upper, pass: c.pass === true, ...(typeof c.reason === 'string' ? { reason: c.reason } : {}) }]
      : [],
  );
  const baselines = new Set(comparisons.map((c) => c.baseline));
  const candidate = models.find((m) => !baselines.has(m.name))?.name ?? models[0]!.name;
  const shared = Object.keys(models[0]!.values).filter((metric) => models.every((m) => metric in m.values));
  const metrics = [...PREFERRED.filter((m) => shared.includes(m)), ...shared.filter((m) => !PREFERRED.includes(m))];
  return {
    ...(typeof value.k === 'number' ? { k: value.k } : {}),
    ...(typeof value.users === 'number' ? { users: value.users } : {}),
    candidate,
    models: [...models.filter((m) => m.name === candidate), ...models.filter((m) => m.name !== candidate)],
    metrics,
    comparisons,
    ...(typeof value.pass === 'boolean' ? { pass: value.pass } : {}),
  };
}

/** The grouped bars as uPlot columns: x = metric index, one series per model. */
export function barColumns(data: MetricsChartData, metrics: readonly string[] = data.metrics.slice(0, 4)): { x: number[]; series: { name: string; values: number[] }[] } {
  return {
    x: metrics.map((_, i) => i),
    series: data.models.map((m) => ({ name: m.name, values: metrics.map((metric) => m.values[metric] ?? 0) })),
  };
}

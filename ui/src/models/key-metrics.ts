/** Which metrics the versions table shows: the ranking ones publish records first, then other shared numbers. */
import type { ModelVersion } from '../api/types';

const PREFERRED = ['ndcg', 'recall', 'hitRate', 'precision', 'map', 'auc', 'accuracy', 'rmse'];

export function keyMetrics(versions: readonly ModelVersion[], max = 4): string[] {
  const numeric = new Set(versions.flatMap((v) => Object.entries(v.metrics).filter(([, value]) => typeof value === 'number').map(([name]) => name)));
  return [...PREFERRED.filter((m) => numeric.has(m)), ...[...numeric].filter((m) => !PREFERRED.includes(m) && m !== 'k').sort()].slice(0, max);
}

/** The `report` output: what collect read, skipped and rejected, in numbers a person and a check can both read. */
import { datasetMeta } from '../../engine/data/duckdb.js';
import type { ArtifactRef, JsonValue } from '../../engine/sdk.js';
import type { CollectConfig, Source } from './config.js';

export interface FileReport {
  readonly file: string;
  readonly bytes: number;
  /** `read`; `empty` (0 bytes, nothing to read); `already collected` (by an earlier run, in files mode). */
  readonly status: 'read' | 'empty' | 'already collected';
  /** Rows taken into `data` from this file. */
  readonly rows: number;
  /** Lines of this file in `rejects`. */
  readonly rejected: number;
}

export interface WatermarkReport {
  readonly column: string;
  readonly previous: string | null;
  readonly current: string | null;
  /** Rows read but not taken: at or below the previous watermark. */
  readonly rowsAtOrBelow: number;
  /** Rows read but not taken: no value in the watermark column. */
  readonly rowsWithoutValue: number;
}

export function buildReport(facts: {
  source: Source;
  config: CollectConfig;
  roots: readonly string[];
  files: FileReport[];
  data: ArtifactRef;
  rejects: ArtifactRef;
  watermark?: WatermarkReport;
}): Record<string, JsonValue> {
  const { source, config, files } = facts;
  const rows = datasetMeta(facts.data)?.rows ?? 0;
  const rowsRejected = files.reduce((n, f) => n + f.rejected, 0);
  const count = (status: FileReport['status']) => files.filter((f) => f.status === status).length;
  const skipped = count('already collected');
  const nothingNew = config.incremental !== 'none' && rows === 0 && rowsRejected === 0;
  let summary = `${rows} rows from ${count('read')} of ${files.length} inputs; ${rowsRejected} lines rejected`;
  if (skipped > 0) summary += `; ${skipped} files already collected`;
  if (count('empty') > 0) summary += `; ${count('empty')} empty files`;
  if (nothingNew) summary = `nothing new: ${summary}`;
  const where = source === 'files' ? { pattern: config.path ?? null, roots: [...facts.roots] } : source === 'http' ? { url: config.url ?? null } : { database: config.sqlite?.database ?? null };
  const report = {
    summary,
    source,
    ...where,
    incremental: config.incremental,
    nothingNew,
    rows,
    rowsRejected,
    filesMatched: source === 'files' ? files.length : 0,
    filesRead: count('read'),
    filesSkipped: skipped,
    filesEmpty: count('empty'),
    columns: (datasetMeta(facts.data)?.columns ?? []).map((c) => ({ name: c.name, type: c.type })),
    ...(facts.watermark ? { watermark: { ...facts.watermark } } : {}),
    files: [...files].sort((a, b) => a.file.localeCompare(b.file)).map((f) => ({ ...f })),
  };
  return report as unknown as Record<string, JsonValue>;
}

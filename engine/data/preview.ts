/** What `loom preview` (and later the API and editor) show of an output: a dataset's schema and first rows, or a JSON artifact. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoomError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { ArtifactRef, ArtifactStore } from '../plugin/types.js';
import { datasetMeta, literal, withDb, type DatasetColumn } from './duckdb.js';

export type Preview =
  | { readonly kind: 'dataset'; readonly rows: number; readonly columns: DatasetColumn[]; readonly preview: { columns: string[]; rows: JsonValue[][] } }
  | { readonly kind: 'json'; readonly value: JsonValue }
  | { readonly kind: 'file'; readonly bytes: number; readonly sha256: string };

const MAX_JSON_BYTES = 1024 * 1024;

export async function previewArtifact(artifacts: ArtifactStore, ref: ArtifactRef, rows: number): Promise<Preview> {
  if (!(await artifacts.has(ref))) throw new LoomError('ARTIFACT_NOT_FOUND', `artifact ${ref.sha256} is not in the store at ${artifacts.root}`);
  const meta = datasetMeta(ref);
  if (ref.type === 'dataset' && meta) {
    if (rows <= meta.preview.rows.length) return { kind: 'dataset', rows: meta.rows, columns: meta.columns, preview: { columns: meta.preview.columns, rows: meta.preview.rows.slice(0, rows) } };
    const scratchDir = await mkdtemp(join(tmpdir(), 'loom-preview-'));
    try {
      const described = await withDb({ artifacts, scratchDir, signal: new AbortController().signal }, (db) => db.describe(`read_parquet(${literal(artifacts.path(ref))})`, rows));
      return { kind: 'dataset', rows: described.rows, columns: described.columns, preview: described.preview };
    } finally {
      await rm(scratchDir, { recursive: true, force: true });
    }
  }
  if ((ref.type === 'json' || ref.type === 'metrics' || ref.meta?.mediaType === 'application/json') && ref.bytes <= MAX_JSON_BYTES) {
    return { kind: 'json', value: await artifacts.readJson(ref) };
  }
  return { kind: 'file', bytes: ref.bytes, sha256: ref.sha256 };
}

function cell(value: JsonValue): string {
  if (value === null) return '∅';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** A plain-text table: a header of names and types, then the rows. */
export function formatPreview(preview: Preview): string {
  if (preview.kind === 'json') return `${JSON.stringify(preview.value, null, 2)}\n`;
  if (preview.kind === 'file') return `a file of ${preview.bytes} bytes (sha256 ${preview.sha256})\n`;
  const header = preview.columns.map((c) => `${c.name} (${c.type.toLowerCase()})`);
  const body = preview.preview.rows.map((r) => r.map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const shown = preview.preview.rows.length;
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...body.map(line), `${shown} of ${preview.rows} rows`].join('\n') + '\n';
}

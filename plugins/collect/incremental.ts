/**
 * What collect remembers between runs of one node (kept by the engine in `ctx.state`), and how it decides what
 * is new: a file it has not seen with the same fingerprint, or a row above the highest watermark value it took.
 */
import type { DatasetColumn } from '../../engine/data/duckdb.js';
import type { JsonValue } from '../../engine/sdk.js';
import type { MatchedFile } from './paths.js';
import { sha256File } from './paths.js';

export type Mode = 'none' | 'files' | 'watermark';
export type ChangeDetection = 'stat' | 'hash';

export interface Fingerprint {
  readonly bytes: number;
  readonly mtimeMs?: number;
  readonly sha256?: string;
}

export interface CollectState {
  readonly mode: Mode;
  /** The output's columns last time: the schema of an empty output when nothing is new, and type hints. */
  readonly columns: DatasetColumn[];
  /** Files mode: fingerprints by real path. */
  readonly files?: Record<string, Fingerprint>;
  /** Watermark mode: the column and the highest value taken so far, as text, with its type. */
  readonly watermark?: { readonly column: string; readonly value: string; readonly type: string };
}

/** The earlier state, when it was written by the same mode (a node switched to another mode starts afresh). */
export function previousState(value: JsonValue | undefined, mode: Mode): CollectState | undefined {
  const state = value as CollectState | undefined;
  return state && typeof state === 'object' && state.mode === mode && Array.isArray(state.columns) ? state : undefined;
}

export async function fingerprint(file: MatchedFile, how: ChangeDetection): Promise<Fingerprint> {
  return how === 'hash' ? { bytes: file.bytes, sha256: await sha256File(file.path) } : { bytes: file.bytes, mtimeMs: file.mtimeMs };
}

function same(a: Fingerprint | undefined, b: Fingerprint): boolean {
  return a !== undefined && a.bytes === b.bytes && a.mtimeMs === b.mtimeMs && a.sha256 === b.sha256;
}

/** Splits the matched files into those to read (never seen, or changed since) and those already collected. */
export async function splitNewFiles(files: readonly MatchedFile[], state: CollectState | undefined, how: ChangeDetection) {
  const fresh: MatchedFile[] = [];
  const seen: MatchedFile[] = [];
  const fingerprints: Record<string, Fingerprint> = { ...state?.files };
  for (const file of files) {
    const print = await fingerprint(file, how);
    if (same(state?.files?.[file.path], print)) seen.push(file);
    else fresh.push(file);
    fingerprints[file.path] = print;
  }
  return { fresh, seen, fingerprints };
}

/**
 * What collect remembers between runs of one node (kept by the engine in `ctx.state`), and how it decides what
 * is new: a file it has not seen with the same fingerprint, or a row above the highest watermark value it took.
 */
import type { DatasetColumn } from '../../engine/data/duckdb.js';
import type { ArtifactRef, JsonValue } from '../../engine/sdk.js';
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
  /** With `accumulate`: the output so far, to add the new rows to. */
  readonly accumulated?: Accumulated;
}

/** Rows of the accumulated output that came from one file, in output order (files mode). */
export interface Segment {
  readonly file: string;
  readonly rows: number;
}

export interface Accumulated {
  readonly artifact: ArtifactRef;
  /** Files mode: which rows came from which file (by real path), so that a changed file replaces its rows. */
  readonly segments?: Segment[];
}

/**
 * The earlier state, when it was written by the same mode (a node switched to another mode starts afresh). With
 * `accumulate`, a state without an accumulated output (the node collected before without it, so the rows of its
 * earlier runs were never kept together) also starts afresh: every file, or every row, is read again.
 */
export function previousState(value: JsonValue | undefined, mode: Mode, accumulate = false): CollectState | undefined {
  const state = value as CollectState | undefined;
  if (!state || typeof state !== 'object' || state.mode !== mode || !Array.isArray(state.columns)) return undefined;
  return accumulate && !state.accumulated ? undefined : state;
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

/**
 * What the engines need from the outside world, as interfaces the core owns. The SQLite journal and the
 * file-system stores in engine/store implement them; tests may implement them in memory.
 */
import type { ArtifactRef } from '../plugin/types.js';
import type { CompiledWorkflow } from '../workflow/compiled.js';
import type { NodeOutputs, RunEvent, RunStatus } from './events.js';
import type { KeyParts } from './cache-key.js';

export const JournalId = Symbol.for('loom.Journal');
export const CacheIndexId = Symbol.for('loom.CacheIndex');
export const ArtifactStoreId = Symbol.for('loom.ArtifactStore');
export const LoomHomeId = Symbol.for('loom.Home');

export interface RunRecord {
  readonly runId: string;
  readonly workflow: CompiledWorkflow;
  /** The workflow document as it was when the run started (for the editor and for `loom runs`). */
  readonly document: unknown;
  readonly engine: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly finishedAt: string | undefined;
  /** The process that drives the run now, if any. */
  readonly pid: number | undefined;
  readonly options: { readonly concurrency: number };
}

/** A request to a running run from outside its process: `loom cancel`, `loom approve`. */
export type ControlMessage =
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'approve' | 'reject'; readonly nodeId: string; readonly reason: string; readonly by: string };

/** The run journal: an append-only event log per run, written before the engine acts on an event. */
export interface Journal {
  createRun(record: Omit<RunRecord, 'status' | 'finishedAt' | 'pid'>, pid: number): void;
  append(event: RunEvent): void;
  events(runId: string): RunEvent[];
  run(runId: string): RunRecord | undefined;
  /** Newest first. */
  listRuns(limit?: number): RunRecord[];
  /** Marks `pid` as the process that drives the run; fails if another live process does. */
  claim(runId: string, pid: number): { ok: true } | { ok: false; pid: number };
  release(runId: string): void;
  /** Leaves a message for whichever process drives (or will resume) the run. */
  sendControl(runId: string, message: ControlMessage): void;
  /** Messages after `afterId`, oldest first, each with its id. */
  controls(runId: string, afterId: number): { id: number; message: ControlMessage }[];
  close(): void;
}

export interface CacheEntry {
  readonly outputs: NodeOutputs;
  readonly runId: string;
  readonly nodeId: string;
  readonly at: string;
}

/** Successful results by cache key. Shared by every run, and by both engines when they share a store. */
export interface CacheIndex {
  get(key: string): Promise<CacheEntry | undefined>;
  put(key: string, entry: CacheEntry): Promise<void>;
  /** What the key of a node's last success was made of, so that a later run can say why the node runs again. */
  lastRun(workflow: string, nodeId: string): Promise<KeyParts | undefined>;
  setLastRun(workflow: string, nodeId: string, parts: KeyParts): Promise<void>;
}

export type { ArtifactRef };

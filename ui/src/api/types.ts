/**
 * What the server sends, as the editor uses it. Run events and workflow documents are the engine's own types
 * (type-only imports: nothing of the engine is bundled).
 */
export type { RunEvent, NodeStatus, RunStatus } from '../../../engine/run/events.js';
export type { WorkflowDoc, NodeDoc } from '../../../engine/workflow/schema.js';
export type { NodeState, RunState } from '../../../engine/run/state.js';

export type PortType = 'dataset' | 'model' | 'metrics' | 'json' | 'file' | 'any';

export interface PortDescription {
  readonly name: string;
  readonly type: PortType;
  readonly title: string;
  readonly description: string;
  readonly optional: boolean;
  readonly many: boolean;
}

/** `GET /api/plugins`: what the palette, the nodes and the config forms are drawn from. */
export interface PluginDescription {
  readonly name: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly inputs: readonly PortDescription[];
  readonly outputs: readonly PortDescription[];
  /** The config's JSON Schema. */
  readonly config: Record<string, unknown>;
  readonly volatile: boolean | 'config';
}

export interface Problem {
  readonly pointer: string;
  readonly message: string;
}

export interface WorkflowSummary {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly nodes: number;
  readonly modified: string;
  readonly valid: boolean;
  readonly problems: readonly Problem[];
}

export type Validation = { readonly valid: true; readonly name: string; readonly nodes: number; readonly problems: readonly [] } | { readonly valid: false; readonly problems: readonly Problem[] };

export interface RunView {
  readonly runId: string;
  readonly engine: 'embedded' | 'temporal';
  readonly status: string;
  readonly workflow: string;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly nodes: Record<string, import('../../../engine/run/state.js').NodeState>;
}

export interface LogEntry {
  readonly at: string;
  readonly kind: 'log' | 'progress';
  readonly level: string;
  readonly message: string;
  readonly fraction?: number;
}

/** A node output's preview: a dataset's schema and first rows, or a JSON artifact's value. */
export type Preview =
  | { readonly kind: 'dataset'; readonly columns: readonly { readonly name: string; readonly type: string }[]; readonly rows: readonly unknown[][]; readonly total?: number; readonly [key: string]: unknown }
  | { readonly kind: 'json'; readonly value: unknown; readonly [key: string]: unknown };

export interface ModelSummary {
  readonly name: string;
  readonly versions: number;
  readonly latest: number;
  readonly aliases: Readonly<Record<string, number>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly algorithm: string;
  readonly encrypted: boolean;
  readonly metrics: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface AliasMove {
  readonly id: number;
  readonly alias: string;
  readonly kind: 'move' | 'rollback';
  readonly from: number | null;
  readonly to: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

/**
 * What the server sends, as the editor uses it. Run events and workflow documents are the engine's own types
 * (type-only imports: nothing of the engine is bundled).
 */
export type { RunEvent, NodeStatus, RunStatus } from '../../../engine/run/events.js';
export type { WorkflowDoc, NodeDoc, ParamDoc } from '../../../engine/workflow/schema.js';
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
  /** What the plugin declares it needs; shown before a workflow uses it. */
  readonly capabilities?: { readonly network: boolean; readonly files: boolean; readonly secrets: readonly string[] };
  /** Built in, or from a package (third party: it runs isolated in its own process). */
  readonly source?: { readonly kind: 'builtin' } | { readonly kind: 'package'; readonly name: string; readonly version: string; readonly path: string } | { readonly kind: 'module'; readonly path: string };
}

export interface Problem {
  readonly pointer: string;
  readonly message: string;
}

/** `GET /api/workflows` lists these; `PUT` answers one. */
export type { WorkflowSummary } from '../../../engine/server/workflow-store.js';

export type Validation = { readonly valid: true; readonly name: string; readonly nodes: number; readonly problems: readonly [] } | { readonly valid: false; readonly problems: readonly Problem[] };

/** `GET /api/runs/:id`: a run's node states folded from its events. */
export interface RunView {
  readonly runId: string;
  readonly engine: 'embedded' | 'temporal';
  /** `interrupted`: its process died and nobody resumed it yet. */
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  readonly workflow: string;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly nodes: Record<string, import('../../../engine/run/state.js').NodeState>;
}

/** One row of `GET /api/runs` (`{ runs }`, newest first): the CLI's `loom runs` row. */
export interface RunSummary {
  readonly runId: string;
  readonly workflow: string;
  readonly engine: string;
  readonly status: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly nodes: { readonly total: number; readonly done: number; readonly failed: number };
  /** The first failed node's own error, as `node: message`. */
  readonly error: string | null;
}

/** `POST /api/runs` (202). */
export interface StartedRun {
  readonly runId: string;
  readonly engine: 'embedded' | 'temporal';
  readonly status: 'running' | 'queued';
  readonly workflow: string;
}

/** One entry of `GET /api/runs/:id/nodes/:node/logs` (`{ runId, node, entries }`): a node.log or a progress message. */
export type { LogEntry } from '../../../engine/server/run-service.js';

export interface DatasetColumn {
  readonly name: string;
  /** DuckDB's type name, e.g. VARCHAR, BIGINT, DOUBLE, TIMESTAMP. */
  readonly type: string;
}

/** A node output's preview (engine/data/preview.ts): a dataset's schema and first rows, a JSON artifact's value, or a file. */
export type Preview =
  | { readonly kind: 'dataset'; readonly rows: number; readonly columns: readonly DatasetColumn[]; readonly preview: { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] } }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'file'; readonly bytes: number; readonly sha256: string };

/** `GET /api/runs/:id/nodes/:node/outputs/:port/preview`. */
export interface OutputPreview {
  readonly runId: string;
  readonly node: string;
  readonly port: string;
  readonly ref: { readonly type: string; readonly sha256: string; readonly bytes: number; readonly meta?: Record<string, unknown> };
  readonly preview: Preview;
}

/** The version a server's model cache serves, or null when none is loaded. */
export type Serving = { readonly version: number; readonly loadedAt: string } | null;

/** One entry of `GET /api/models` (`{ models }`): the registry's model and the version this server serves. */
export type ModelSummary = RegisteredModel & { readonly serving?: Serving };
import type { RegisteredModel } from '../../../engine/registry/types.js';

/** One entry of `GET /api/models/:name/versions` (`{ name, versions }`, newest first). */
export interface ModelVersion {
  readonly version: number;
  readonly algorithm: string;
  readonly encrypted: boolean;
  readonly metrics: Record<string, unknown>;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** One entry of `GET /api/models/:name/history` (`{ name, moves }`, oldest first): the registry's own type. */
export type { AliasMove } from '../../../engine/registry/types.js';
import type { AliasMove } from '../../../engine/registry/types.js';

/** `POST /api/models/:name/rollback` and `PUT /api/models/:name/aliases/:alias`. */
export interface AliasMoveResult {
  readonly move: AliasMove;
  readonly serving: Serving;
}

/**
 * What the server sends, as the editor uses it: the engine's own types (type-only imports: nothing of the
 * engine is bundled), narrowed where the editor reads less than the server sends.
 */
import type { PluginDescription as Described } from '../../../engine/plugin/describe.js';
import type { AliasMove, ModelVersion as RegistryVersion, RegisteredModel } from '../../../engine/registry/types.js';
import type { Problem } from '../../../engine/errors.js';
import type { RunService } from '../../../engine/server/run-service.js';

export type { RunEvent, NodeStatus, NodeOutputs, RunStatus } from '../../../engine/run/events.js';
export type { WorkflowDoc, NodeDoc, ParamDoc } from '../../../engine/workflow/schema.js';
export type { NodeState, RunState } from '../../../engine/run/state.js';
export type { PortType } from '../../../engine/plugin/types.js';
/** One located problem in a workflow document. */
export type { Problem } from '../../../engine/errors.js';

/**
 * `GET /api/plugins`: what the palette, the nodes and the config forms are drawn from; `capabilities` and
 * `source` are shown when present.
 */
export type PluginDescription = Omit<Described, 'capabilities' | 'source'> & Partial<Pick<Described, 'capabilities' | 'source'>>;
export type PortDescription = Described['inputs'][number];

/** `GET /api/workflows` lists these; `PUT` answers one. */
export type { WorkflowSummary } from '../../../engine/server/workflow-store.js';

export type Validation = { readonly valid: true; readonly name: string; readonly nodes: number; readonly problems: readonly [] } | { readonly valid: false; readonly problems: readonly Problem[] };

/** `GET /api/runs/:id`: a run's node states folded from its events. */
export type { RunView } from '../../../engine/server/run-service.js';

/** One row of `GET /api/runs` (`{ runs }`, newest first): the CLI's `loom runs` row. */
export type { RunRow as RunSummary } from '../../../engine/run-access.js';

/** `POST /api/runs` (202). */
export type StartedRun = Awaited<ReturnType<RunService['start']>>;

/** One entry of `GET /api/runs/:id/nodes/:node/logs` (`{ runId, node, entries }`): a node.log or a progress message. */
export type { LogEntry } from '../../../engine/server/run-service.js';

/** A node output's preview: a dataset's schema and first rows, a JSON artifact's value, or a file. */
export type { Preview } from '../../../engine/data/preview.js';

/** `GET /api/runs/:id/nodes/:node/outputs/:port/preview`. */
export type OutputPreview = Awaited<ReturnType<RunService['preview']>>;

/** The version a server's model cache serves, or null when none is loaded. */
export type Serving = { readonly version: number; readonly loadedAt: string } | null;

/** One entry of `GET /api/models` (`{ models }`): the registry's model and the version this server serves. */
export type ModelSummary = RegisteredModel & { readonly serving?: Serving };

/** One entry of `GET /api/models/:name/versions` (`{ name, versions }`, newest first): the registry's version, summed up. */
export type ModelVersion = Pick<RegistryVersion, 'version' | 'algorithm' | 'encrypted' | 'metrics' | 'tags' | 'createdAt' | 'createdBy'>;

/** One entry of `GET /api/models/:name/history` (`{ name, moves }`, oldest first): the registry's own type. */
export type { AliasMove } from '../../../engine/registry/types.js';

/** `POST /api/models/:name/rollback` and `PUT /api/models/:name/aliases/:alias`. */
export interface AliasMoveResult {
  readonly move: AliasMove;
  readonly serving: Serving;
}

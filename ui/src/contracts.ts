/**
 * The seams between the editor's areas, so that each is built and tested on its own: the shell and canvas
 * (ui/src/editor, ui/src/App.tsx) mount the run dock and the models page (ui/src/run, ui/src/models) through
 * these props, and colour nodes from the run dock's live node views.
 */
import type { ApiClient } from './api/client';
import type { NodeStatus, WorkflowDoc } from './api/types';

/** What the canvas shows on a node during or after a run. */
export interface NodeRunView {
  /** The engine's node status, or `waiting` for an approval gate waiting for a decision. */
  readonly status: NodeStatus | 'waiting';
  /** 0..1 while running. */
  readonly fraction?: number;
  readonly message?: string;
  /** The failure message, when failed. */
  readonly error?: string;
  readonly cached?: boolean;
  readonly durationMs?: number;
  /** Present on a waiting approval gate: the node draws Approve / Reject buttons that call these. */
  readonly decide?: (approve: boolean, reason?: string) => void;
}

export type RunNodes = Readonly<Record<string, NodeRunView>>;

/** The run dock (bottom of the editor): Run (engine, params), live states, logs, previews, charts, timeline, history. */
export interface RunDockProps {
  readonly api: ApiClient;
  /** The workflow as it is on the canvas now (saved or not): a run starts from this document. */
  readonly document: WorkflowDoc;
  /** The name it is saved under, if it is. */
  readonly name?: string;
  /** The node selected on the canvas: the dock shows its logs, output previews and charts. */
  readonly selectedNode?: string;
  /** Live node views of the run shown (empty when none), for the canvas. */
  readonly onNodes: (nodes: RunNodes) => void;
  /** The dock asks the canvas to select (and reveal) a node, e.g. from the timeline. */
  readonly onSelectNode: (nodeId: string) => void;
  /** Run was pressed: the config forms then show every missing required field. */
  readonly onStart?: () => void;
}

/** The models page: registered models, versions with metrics, production alias, alias history, rollback. */
export interface ModelsPageProps {
  readonly api: ApiClient;
}

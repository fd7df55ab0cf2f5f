/**
 * The right-hand panel: the selected node (id, title, description, config form) or, with nothing selected,
 * the workflow itself (title, description and params).
 */
import { useEffect, useMemo, useState } from 'react';
import type { NodeDoc, PluginDescription, WorkflowDoc } from '../api/types';
import { ConfigForm } from './ConfigForm';
import { pluginOf, type PluginIndex } from './plugins';
import { configErrors, type Located } from './pointers';
import { ParamsEditor } from './ParamsEditor';

export interface ConfigPanelProps {
  readonly doc: WorkflowDoc;
  readonly plugins: PluginIndex;
  readonly selectedId: string | undefined;
  readonly located: readonly Located[];
  /** Renames a node; answers why not, when it cannot. */
  readonly onRename: (from: string, to: string) => string | undefined;
  readonly onNodeChange: (id: string, patch: Partial<NodeDoc>, tag: string) => void;
  readonly onDocChange: (doc: WorkflowDoc, tag: string) => void;
  /** A save or run was tried: forms show missing required fields the user has not been in. */
  readonly attempted?: boolean;
}

/** A text field that commits on blur or Enter (ids: renaming on every keystroke would churn edges and history). */
function CommitInput({ label, value, onCommit, error }: { label: string; value: string; onCommit: (v: string) => void; error?: string }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <label className="field">
      <span>{label}</span>
      <input value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={() => draft !== value && onCommit(draft)} onKeyDown={(e) => e.key === 'Enter' && draft !== value && onCommit(draft)} aria-invalid={error ? true : undefined} />
      {error ? <span className="field-error" role="alert">{error}</span> : null}
    </label>
  );
}

/** What a plugin declares it needs, and where it comes from: a user sees it before relying on the plugin. */
function Declarations({ plugin }: { plugin: PluginDescription }) {
  const caps = plugin.capabilities;
  const source = plugin.source;
  const needs = [caps?.network ? 'network access' : undefined, caps?.files ? 'files under the data roots' : undefined, ...(caps?.secrets ?? []).map((s) => `secret ${s}`)].filter(Boolean);
  if (!source || source.kind === 'builtin') return needs.length ? <p className="panel-caps" data-testid="capabilities">Needs: {needs.join(', ')}</p> : null;
  return (
    <div className="panel-caps" data-testid="capabilities">
      <div>
        Third party: {source.kind === 'package' ? `${source.name}@${source.version}` : source.path} (runs in its own process)
      </div>
      <div>Needs: {needs.length ? needs.join(', ') : 'nothing beyond its inputs'}</div>
    </div>
  );
}

function NodeSection({ node, props }: { node: NodeDoc; props: ConfigPanelProps }) {
  const plugin = pluginOf(props.plugins, node);
  const [renameError, setRenameError] = useState<string>();
  useEffect(() => setRenameError(undefined), [node.id]);
  const params = useMemo(() => Object.keys(props.doc.params ?? {}), [props.doc.params]);
  const serverErrors = useMemo(() => configErrors(props.located, node.id), [props.located, node.id]);
  const nodeProblems = props.located.filter((p) => p.nodeId === node.id && p.field?.[0] !== 'config');
  return (
    <>
      <header className="panel-head">
        <h2>{node.title ?? plugin?.title ?? node.plugin}</h2>
        <div className="muted">{plugin ? `${plugin.name} ${plugin.version} · ${plugin.category}` : `unknown plugin ${node.plugin}`}</div>
        {plugin?.description ? <p className="panel-desc">{plugin.description}</p> : null}
        {plugin ? <Declarations plugin={plugin} /> : null}
      </header>
      <CommitInput label="Node id" value={node.id} error={renameError} onCommit={(to) => setRenameError(props.onRename(node.id, to))} />
      <label className="field">
        <span>Title</span>
        <input value={node.title ?? ''} placeholder={plugin?.title} onChange={(e) => props.onNodeChange(node.id, { title: e.target.value || undefined }, `title:${node.id}`)} />
      </label>
      {nodeProblems.length > 0 ? (
        <ul className="panel-problems">{nodeProblems.map((p, i) => <li key={i}>{p.field?.length ? <code>{p.field.join('.')}</code> : null} {p.message}</li>)}</ul>
      ) : null}
      <h3 className="panel-section">Config</h3>
      {plugin ? (
        <ConfigForm key={node.id} schema={plugin.config} value={node.config} params={params} serverErrors={serverErrors} attempted={props.attempted ?? false} onChange={(config) => props.onNodeChange(node.id, { config }, `config:${node.id}`)} />
      ) : (
        <p className="muted">This plugin is not installed on the server, so its form cannot be drawn; its config is kept as it is.</p>
      )}
    </>
  );
}

export function ConfigPanel(props: ConfigPanelProps) {
  const node = props.selectedId === undefined ? undefined : props.doc.nodes.find((n) => n.id === props.selectedId);
  return (
    <aside className="config-panel" data-testid="config-panel" aria-label={node ? `Node ${node.id}` : 'Workflow'}>
      {node ? (
        <NodeSection node={node} props={props} />
      ) : (
        <>
          <header className="panel-head">
            <h2>Workflow</h2>
            <div className="muted">Select a node to configure it.</div>
          </header>
          <label className="field">
            <span>Title</span>
            <input value={props.doc.title ?? ''} onChange={(e) => props.onDocChange(withText(props.doc, 'title', e.target.value), 'doc:title')} />
          </label>
          <label className="field">
            <span>Description</span>
            <textarea rows={3} value={props.doc.description ?? ''} onChange={(e) => props.onDocChange(withText(props.doc, 'description', e.target.value), 'doc:description')} />
          </label>
          <ParamsEditor doc={props.doc} located={props.located} onChange={props.onDocChange} />
        </>
      )}
    </aside>
  );
}

function withText(doc: WorkflowDoc, key: 'title' | 'description', value: string): WorkflowDoc {
  const { [key]: _old, ...rest } = doc;
  return value ? { ...doc, [key]: value } : (rest as WorkflowDoc);
}

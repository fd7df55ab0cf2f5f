/**
 * The editor page: palette | canvas | config panel, the file and edit toolbar, the problems list and the run
 * dock. It owns the open document (with undo), the selection and the run's node views, and maps gestures and
 * shortcuts to document edits.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { NodeDoc, PluginDescription, WorkflowDoc } from '../api/types';
import type { RunNodes } from '../contracts';
import { RunDock } from '../run/RunDock';
import { Canvas } from './Canvas';
import { copyNodes, pasteNodes } from './clipboard';
import { ConfigPanel } from './ConfigPanel';
import { DockHandle } from './DockHandle';
import { storedDockHeight } from './dock-height';
import { addNodes, emptyDocument, hasLayout, moveNodes, renameNode, updateNode } from './document';
import { installHook } from './hook';
import { autoLayout } from './layout';
import { Legend } from './Legend';
import { Palette } from './Palette';
import { idBase, indexPlugins, pluginRef, uniqueId } from './plugins';
import { Problems } from './Problems';
import { Toolbar } from './Toolbar';
import { useDocument } from './useDocument';
import { useShortcuts } from './useShortcuts';
import { useValidation } from './useValidation';
import './editor.css';

export interface EditorProps {
  readonly api: ApiClient;
  /** The workflow the URL names (`#/workflows/<name>`), if any. */
  readonly workflow: string | undefined;
  readonly navigate: (path: string, replace?: boolean) => void;
  /** Bumped when a token is entered: requests that failed for want of one are made again. */
  readonly epoch: number;
}

export function Editor(props: EditorProps) {
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

const NO_RUN: RunNodes = {};
const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
let clipboard: NodeDoc[] = [];

function EditorInner({ api, workflow, navigate, epoch }: EditorProps) {
  const flow = useReactFlow();
  const open = useDocument();
  const { doc } = open;
  const [pluginList, setPluginList] = useState<readonly PluginDescription[]>([]);
  const [pluginError, setPluginError] = useState<string>();
  const plugins = useMemo(() => indexPlugins(pluginList), [pluginList]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [run, setRun] = useState<RunNodes>(NO_RUN);
  const [status, setStatus] = useState<{ text: string; kind: 'info' | 'error' | 'hint' }>();
  const [fitRequest, setFitRequest] = useState(0);
  // A save or a run was tried on this document: the config forms show every missing required field from then on.
  const [attempted, setAttempted] = useState(false);
  const [dockHeight, setDockHeight] = useState(storedDockHeight);
  const centre = useRef<HTMLDivElement>(null);
  const dock = useRef<HTMLDivElement>(null);
  const shown = useRef<{ doc: WorkflowDoc | undefined; initialised: boolean }>({ doc: undefined, initialised: false });
  const validation = useValidation(api, doc, epoch);
  const statusTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const say = useCallback((text: string | undefined, kind: 'info' | 'error' | 'hint' = 'info', ms = 5000) => {
    clearTimeout(statusTimer.current);
    setStatus(text ? { text, kind } : undefined);
    if (text && ms > 0) statusTimer.current = setTimeout(() => setStatus(undefined), ms);
  }, []);

  useEffect(() => {
    api.plugins().then(
      (list) => (setPluginList(list), setPluginError(undefined)),
      (e: Error) => setPluginError(`Could not load the plugins: ${e.message}`),
    );
  }, [api, epoch]);

  /** Shows a document: laid out first when it has no positions (a hand-written file), then fitted. */
  const show = useCallback(async (next: WorkflowDoc, savedName?: string) => {
    let laid = next;
    if (!hasLayout(next) && next.nodes.length > 0) laid = moveNodes(next, await autoLayout(next, plugins));
    // NOTE: positions given here count as part of the opened file (they are the editor's business only).
    open.load(laid, savedName);
    setSelected(new Set());
    setRun(NO_RUN);
    setAttempted(false);
    setFitRequest((n) => n + 1);
  }, [open.load, open.edit, plugins]);

  // The URL names the workflow: open it (on load, reload, back/forward), unless it is the one shown.
  useEffect(() => {
    if (!workflow || workflow === open.savedName) return;
    let live = true;
    api.workflow(workflow).then(
      (loaded) => live && void show(loaded, workflow),
      (e: Error) => live && say(`Could not open "${workflow}": ${e.message}`, 'error', 0),
    );
    return () => void (live = false);
  }, [workflow, api, epoch, plugins]);

  const addPlugin = useCallback((name: string, position?: { x: number; y: number }) => {
    const plugin = plugins.get(name);
    if (!plugin) return;
    const current = open.current();
    const id = uniqueId(idBase(plugin.name), new Set(current.nodes.map((n) => n.id)));
    let at = position;
    if (!at) {
      // Click-to-add: the middle of the view.
      const box = document.querySelector('.canvas')?.getBoundingClientRect();
      const centre = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      at = { x: centre.x - 100, y: centre.y - 40 };
      // Step down past the nodes already there, so that a keyboard user's new node is not hidden under one.
      for (let i = 0; i < 50 && current.nodes.some((n) => n.ui && Math.abs(n.ui.x - at!.x) < 220 && Math.abs(n.ui.y - at!.y) < 110); i++) at = { x: at.x, y: at.y + 120 };
    }
    open.edit(addNodes(current, [{ id, plugin: pluginRef(plugin), ui: { x: Math.round(at.x), y: Math.round(at.y) } }]));
    setSelected(new Set([id]));
  }, [plugins, open.current, open.edit, flow]);

  const rename = useCallback((from: string, to: string): string | undefined => {
    const current = open.current();
    if (!NODE_ID.test(to)) return 'an id is a letter, then letters, digits, "_" or "-"';
    if (current.nodes.some((n) => n.id === to)) return `there is already a node "${to}"`;
    open.edit(renameNode(current, from, to));
    setSelected(new Set([to]));
    return undefined;
  }, [open.current, open.edit]);

  const onNodeChange = useCallback((id: string, patch: Partial<NodeDoc>, tag: string) => open.edit(updateNode(open.current(), id, patch), tag), [open.current, open.edit]);

  const selectNode = useCallback((id: string) => {
    setSelected(new Set([id]));
    const node = open.current().nodes.find((n) => n.id === id);
    if (node?.ui) void flow.setCenter(node.ui.x + 100, node.ui.y + 40, { zoom: Math.max(flow.getZoom(), 0.8), duration: 300 });
  }, [open.current, flow]);

  const layout = useCallback(async () => {
    const current = open.current();
    open.edit(moveNodes(current, await autoLayout(current, plugins)));
    setFitRequest((n) => n + 1);
  }, [open.current, open.edit, plugins]);

  const copy = useCallback(() => {
    clipboard = copyNodes(open.current(), selected);
    if (clipboard.length) say(`Copied ${clipboard.length} node${clipboard.length > 1 ? 's' : ''}`);
  }, [selected, open.current, say]);

  const paste = useCallback(() => {
    if (clipboard.length === 0) return;
    const current = open.current();
    const { nodes, ids } = pasteNodes(current, clipboard);
    open.edit(addNodes(current, nodes));
    setSelected(new Set(ids));
  }, [open.current, open.edit]);

  const save = useCallback(async (asName?: string) => {
    setAttempted(true);
    const name = asName ?? open.savedName;
    if (!name) return 'ask' as const;
    const current = open.current();
    const named = current.name === name ? current : { ...current, name };
    try {
      await api.saveWorkflow(name, named);
      open.markSaved(named, name);
      if (workflow !== name) navigate(`/workflows/${encodeURIComponent(name)}`, !workflow);
      say(`Saved "${name}"`);
    } catch (e) {
      const problems = e instanceof ApiError ? ((e.details as { problems?: { pointer: string; message: string }[] } | undefined)?.problems ?? []) : [];
      say(`Could not save "${name}": ${(e as Error).message}${problems.length ? ` (${problems.length} problem${problems.length > 1 ? 's' : ''}, see Problems)` : ''}`, 'error', 0);
    }
    return 'done' as const;
  }, [api, open.savedName, open.current, open.markSaved, navigate, workflow, say]);

  const newDocument = useCallback(() => {
    void show(emptyDocument());
    navigate('/');
  }, [show, navigate]);

  const importDocument = useCallback((next: WorkflowDoc) => {
    void show(next);
    navigate('/');
    say(`Imported "${next.name}" (not saved yet)`);
  }, [show, navigate, say]);

  useShortcuts({ undo: open.undo, redo: open.redo, copy, paste, layout: () => void layout(), fit: () => setFitRequest((n) => n + 1), save: () => void save().then((r) => r === 'ask' && document.querySelector<HTMLButtonElement>('button[data-action="save"]')?.click()), selectAll: () => setSelected(new Set(open.current().nodes.map((n) => n.id))) });

  useEffect(() => installHook({ load: (d) => show(d), current: open.current, shown }), [show, open.current]);

  const onHint = useCallback((text: string | undefined, sticky?: boolean) => {
    if (text) say(text, 'hint', sticky ? 6000 : 0);
    else if (!sticky) setStatus((s) => (s?.kind === 'hint' ? undefined : s));
  }, [say]);

  const onRunStart = useCallback(() => setAttempted(true), []);
  const selectedId = selected.size === 1 ? [...selected][0] : undefined;

  return (
    <div className="editor">
      <Toolbar
        api={api}
        doc={doc}
        savedName={open.savedName}
        dirty={open.dirty}
        canUndo={open.canUndo}
        canRedo={open.canRedo}
        validation={validation.state}
        onNew={newDocument}
        onOpen={(name) => navigate(`/workflows/${encodeURIComponent(name)}`)}
        onSave={save}
        onImport={importDocument}
        onError={(text) => say(text, 'error', 0)}
        onUndo={open.undo}
        onRedo={open.redo}
        onLayout={() => void layout()}
        onFit={() => setFitRequest((n) => n + 1)}
      />
      <div className="editor-body">
        <Palette plugins={pluginList} onAdd={addPlugin} error={pluginError} />
        <div className="editor-centre" ref={centre}>
          <Canvas
            doc={doc}
            plugins={plugins}
            problems={validation.byNode}
            run={run}
            selected={selected}
            onEdit={open.edit}
            onSelect={setSelected}
            onDropPlugin={addPlugin}
            onHint={onHint}
            shown={shown}
            fitRequest={fitRequest}
          />
          <Legend />
          <div className={`status-line ${status?.kind ?? ''}`} role="status" aria-live="polite" data-testid="status">
            {status?.text ?? ''}
          </div>
          <DockHandle dock={dock} area={centre} height={dockHeight} onHeight={setDockHeight} />
          <div className="dock-slot" ref={dock} style={dockHeight === undefined ? undefined : { flexBasis: dockHeight }}>
            <RunDock api={api} document={doc} name={open.dirty ? undefined : open.savedName} selectedNode={selectedId} onNodes={setRun} onSelectNode={selectNode} onStart={onRunStart} />
          </div>
        </div>
        <div className="editor-side">
          <Problems validation={validation} onPick={selectNode} />
          <ConfigPanel doc={doc} plugins={plugins} selectedId={selectedId} located={validation.located} onRename={rename} onNodeChange={onNodeChange} onDocChange={open.edit} attempted={attempted} />
        </div>
      </div>
    </div>
  );
}

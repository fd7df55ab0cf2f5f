/**
 * The canvas: React Flow drawn from the document. Positions live in the canvas while a node is dragged and go
 * into the document (`ui`) when it is dropped; every other gesture (connect, delete, drop a plugin) becomes a
 * document edit through `onEdit`. Connections are checked by the wiring rules while they are dragged, and the
 * reason a connection is refused is reported through `onHint`.
 */
import {
  Background, ControlButton, Controls, MiniMap, ReactFlow, useNodesInitialized, useReactFlow,
  type Connection, type Edge, type EdgeChange, type FitViewOptions, type Node, type NodeChange,
} from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MutableRefObject } from 'react';
import type { WorkflowDoc } from '../api/types';
import type { RunNodes } from '../contracts';
import { addWire, moveNodes, removeAfters, removeNodes, removeWires, type After, type Wire } from './document';
import { toEdges, toNodes, type FlowEdge, type PluginFlowNode } from './graph';
import { DRAG_TYPE } from './Palette';
import { nodeTypes } from './PluginNode';
import type { PluginIndex } from './plugins';
import { checkConnection, successors } from './wiring';

/** Past this many nodes only the visible ones are rendered (measured nodes are not needed for `ready`). */
export const VIRTUALISE_ABOVE = 1000;

export interface CanvasProps {
  readonly doc: WorkflowDoc;
  readonly plugins: PluginIndex;
  readonly problems: ReadonlyMap<string, readonly string[]>;
  readonly run: RunNodes;
  readonly selected: ReadonlySet<string>;
  readonly onEdit: (doc: WorkflowDoc, tag?: string) => void;
  readonly onSelect: (ids: ReadonlySet<string>) => void;
  readonly onDropPlugin: (plugin: string, position: { x: number; y: number }) => void;
  readonly onHint: (message: string | undefined, sticky?: boolean) => void;
  /** The canvas reports which document it shows, measured; `window.__loom.ready()` waits on it. */
  readonly shown: MutableRefObject<{ doc: WorkflowDoc | undefined; initialised: boolean }>;
  /** Bumped to ask for a fit once the nodes are measured (a document was opened). */
  readonly fitRequest: number;
}

/** The minimap's size: small enough to leave the canvas to the graph at 1400×900. */
export const MINIMAP = { width: 160, height: 110 } as const;
const MINIMAP_KEY = 'loom.minimap';

/**
 * Fit view leaves room for what floats over the canvas: the legend (top left), the zoom controls (bottom left)
 * and, when shown, the minimap (bottom right, 15 px from the edges), so that no node ends up under it.
 */
export function fitOptions(minimap: boolean): FitViewOptions<PluginFlowNode> {
  return { padding: { top: '44px', left: '60px', bottom: '24px', right: `${minimap ? MINIMAP.width + 40 : 24}px` }, maxZoom: 1 };
}

function useMinimapShown(): [boolean, (shown: boolean) => void] {
  const [shown, setShown] = useState(() => {
    try {
      return localStorage.getItem(MINIMAP_KEY) !== 'hidden';
    } catch {
      return true;
    }
  });
  const set = useCallback((next: boolean) => {
    setShown(next);
    try {
      localStorage.setItem(MINIMAP_KEY, next ? 'shown' : 'hidden');
    } catch {
      // Only the remembering is lost.
    }
  }, []);
  return [shown, set];
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function CanvasView(props: CanvasProps) {
  const { doc, plugins, problems, run, selected, onEdit, onSelect, onDropPlugin, onHint, shown, fitRequest } = props;
  const flow = useReactFlow<PluginFlowNode, FlowEdge>();
  const [nodes, setNodes] = useState<PluginFlowNode[]>([]);
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const previous = useRef(new Map<string, PluginFlowNode>());
  const docRef = useRef(doc);
  docRef.current = doc;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  // Rebuild the canvas nodes from the document, reusing the objects of unchanged nodes (memoised components).
  useEffect(() => {
    const next = toNodes(doc, plugins, { problems, run, selected }, previous.current);
    previous.current = new Map(next.map((n) => [n.id, n]));
    setNodes(next);
  }, [doc, plugins, problems, run, selected]);

  const edges = useMemo(() => toEdges(doc, plugins, selectedEdges), [doc, plugins, selectedEdges]);
  const next = useMemo(() => successors(doc), [doc]);
  const initialised = useNodesInitialized();
  useEffect(() => {
    shown.current = { doc: nodes.length === doc.nodes.length ? doc : undefined, initialised: initialised || doc.nodes.length > VIRTUALISE_ABOVE || doc.nodes.length === 0 };
  });
  const [minimap, setMinimap] = useMinimapShown();
  const fitView = useMemo(() => fitOptions(minimap), [minimap]);
  const fitted = useRef(0);
  useEffect(() => {
    // A graph too large to measure every node (only the visible ones are drawn) is fitted as it is.
    if (fitRequest !== fitted.current && (initialised || doc.nodes.length === 0 || doc.nodes.length > VIRTUALISE_ABOVE)) {
      fitted.current = fitRequest;
      void flow.fitView(fitView);
    }
  }, [fitRequest, initialised, flow, doc.nodes.length, fitView]);

  const onNodesChange = useCallback((changes: NodeChange<PluginFlowNode>[]) => {
    // Selection and removal go through the selection/document props; positions and sizes stay local.
    const picks = changes.filter((c) => c.type === 'select');
    if (picks.length > 0) {
      const nextSet = new Set(selectedRef.current);
      for (const c of picks) if (c.type === 'select') (c.selected ? nextSet.add(c.id) : nextSet.delete(c.id));
      onSelect(nextSet);
    }
    const local = changes.filter((c) => c.type === 'position' || c.type === 'dimensions');
    if (local.length > 0) {
      setNodes((current) => {
        const byId = new Map(local.map((c) => [c.id, c]));
        return current.map((n) => {
          const c = byId.get(n.id);
          if (!c) return n;
          if (c.type === 'position' && c.position) return { ...n, position: c.position, dragging: c.dragging };
          if (c.type === 'dimensions' && c.dimensions) return { ...n, measured: c.dimensions };
          return n;
        });
      });
    }
  }, [onSelect]);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    const picks = changes.filter((c) => c.type === 'select');
    if (picks.length === 0) return;
    setSelectedEdges((current) => {
      const nextSet = new Set(current);
      for (const c of picks) if (c.type === 'select') (c.selected ? nextSet.add(c.id) : nextSet.delete(c.id));
      return nextSet;
    });
  }, []);

  const isValidConnection = useCallback((c: Connection | Edge) => {
    const verdict = checkConnection(docRef.current, plugins, c, next);
    onHint(verdict.ok ? undefined : verdict.reason);
    return verdict.ok;
  }, [plugins, next, onHint]);

  const onConnect = useCallback((c: Connection) => {
    const verdict = checkConnection(docRef.current, plugins, c);
    if (!verdict.ok) return onHint(verdict.reason, true);
    const wire: Wire = { source: c.source, sourcePort: c.sourceHandle!.slice(4), target: c.target, targetPort: c.targetHandle!.slice(3) };
    onEdit(addWire(docRef.current, wire, verdict.many));
    onHint(undefined);
  }, [plugins, onEdit, onHint]);

  // A refused drop leaves its reason on the status line for a while (the hint shown while dragging).
  const onConnectEnd = useCallback(() => onHint(undefined, true), [onHint]);

  const onDelete = useCallback(({ nodes: gone, edges: cut }: { nodes: Node[]; edges: Edge[] }) => {
    const ids = new Set(gone.map((n) => n.id));
    const wires = cut.flatMap((e) => ((e as FlowEdge).data?.kind === 'wire' ? [(e as FlowEdge & { data: { wire: Wire } }).data.wire] : []));
    const afters: After[] = cut.filter((e) => (e as FlowEdge).data?.kind === 'after').map((e) => ({ source: e.source, target: e.target }));
    onEdit(removeNodes(removeAfters(removeWires(docRef.current, wires), afters), ids));
    setSelectedEdges(new Set());
  }, [onEdit]);

  const onDragStop = useCallback((_: unknown, _node: Node | undefined, moved: Node[]) => {
    onEdit(moveNodes(docRef.current, new Map(moved.map((n) => [n.id, n.position]))));
  }, [onEdit]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE) && !event.dataTransfer.types.includes('text/plain')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback((event: DragEvent) => {
    const name = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData('text/plain');
    if (!name) return;
    event.preventDefault();
    onDropPlugin(name, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }, [flow, onDropPlugin]);

  return (
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<PluginFlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onDelete={onDelete}
        onNodeDragStop={onDragStop}
        onSelectionDragStop={(e, moved) => onDragStop(e, undefined, moved)}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={isMac ? 'Meta' : ['Shift', 'Control']}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements={doc.nodes.length > VIRTUALISE_ABOVE}
        defaultViewport={{ x: 40, y: 40, zoom: 1 }}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        defaultEdgeOptions={{ interactionWidth: 12 }}
        fitViewOptions={fitView}
      >
        <Background gap={20} size={1} />
        {minimap ? <MiniMap pannable zoomable nodeStrokeWidth={3} ariaLabel="Minimap" style={MINIMAP} /> : null}
        <Controls aria-label="Zoom and fit" fitViewOptions={fitView}>
          <ControlButton onClick={() => setMinimap(!minimap)} aria-pressed={minimap} aria-label={minimap ? 'Hide the minimap' : 'Show the minimap'} title={minimap ? 'Hide the minimap' : 'Show the minimap'}>
            <span aria-hidden="true" className="minimap-icon">▦</span>
          </ControlButton>
        </Controls>
      </ReactFlow>
    </div>
  );
}

export const Canvas = memo(CanvasView);

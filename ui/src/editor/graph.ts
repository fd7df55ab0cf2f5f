/**
 * Document ⇄ React Flow graph. Nodes and edges are derived from the document; `fromGraph` writes a graph's
 * positions and wiring back into the document it came from, keeping everything else (and the form of each
 * input: a string, or a list) as it was.
 */
import type { Edge, Node } from '@xyflow/react';
import type { NodeDoc, PluginDescription, PortType, WorkflowDoc } from '../api/types';
import type { NodeRunView } from '../contracts';
import { aftersOf, parseRef, refsOf, wiresOf, type Wire } from './document';
import { outputPort, pluginOf, type PluginIndex } from './plugins';

export interface PluginNodeData extends Record<string, unknown> {
  readonly node: NodeDoc;
  readonly plugin: PluginDescription | undefined;
  readonly problems: readonly string[] | undefined;
  readonly run: NodeRunView | undefined;
}

export type PluginFlowNode = Node<PluginNodeData, 'plugin'>;
export type WireEdgeData = { readonly kind: 'wire'; readonly wire: Wire } | { readonly kind: 'after' };
export type FlowEdge = Edge<WireEdgeData>;

export const inHandle = (port: string) => `in:${port}`;
export const outHandle = (port: string) => `out:${port}`;
export const AFTER_IN = 'after:in';
export const AFTER_OUT = 'after:out';
/** `in:data` → `data`; anything else → undefined. */
export const portOfHandle = (handle: string | null | undefined, side: 'in' | 'out') =>
  handle?.startsWith(`${side}:`) && handle !== AFTER_IN && handle !== AFTER_OUT ? handle.slice(side.length + 1) : undefined;

export const wireId = (w: Wire) => `w:${w.source}.${w.sourcePort}>${w.target}.${w.targetPort}`;

const NO_POSITION = { x: 0, y: 0 };

export interface Decorations {
  readonly problems?: ReadonlyMap<string, readonly string[]>;
  readonly run?: Readonly<Record<string, NodeRunView>>;
  readonly selected?: ReadonlySet<string>;
}

/**
 * The canvas nodes. `previous` lets an unchanged node keep its object, so memoised node components skip
 * re-rendering and a 500-node canvas only redraws what an edit touched (O(n) per document change).
 */
export function toNodes(doc: WorkflowDoc, plugins: PluginIndex, deco: Decorations = {}, previous?: ReadonlyMap<string, PluginFlowNode>): PluginFlowNode[] {
  return doc.nodes.map((node) => {
    const plugin = pluginOf(plugins, node);
    const problems = deco.problems?.get(node.id);
    const run = deco.run?.[node.id];
    const selected = deco.selected?.has(node.id) ?? false;
    const old = previous?.get(node.id);
    if (old && old.data.node === node && old.data.plugin === plugin && old.data.problems === problems && old.data.run === run && !!old.selected === selected) return old;
    return {
      id: node.id,
      type: 'plugin',
      position: node.ui ? { x: node.ui.x, y: node.ui.y } : NO_POSITION,
      data: { node, plugin, problems, run },
      selected,
      ...(old?.measured ? { measured: old.measured } : {}),
    };
  });
}

export function portTypeOf(plugins: PluginIndex, doc: WorkflowDoc, nodeId: string, port: string): PortType | undefined {
  const node = doc.nodes.find((n) => n.id === nodeId);
  return node ? outputPort(pluginOf(plugins, node), port)?.type : undefined;
}

export function toEdges(doc: WorkflowDoc, plugins: PluginIndex, selected?: ReadonlySet<string>): FlowEdge[] {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const edges: FlowEdge[] = [];
  const seen = new Set<string>();
  for (const wire of wiresOf(doc)) {
    const id = wireId(wire);
    if (seen.has(id) || !byId.has(wire.source)) continue;
    seen.add(id);
    const type = outputPort(pluginOf(plugins, byId.get(wire.source)!), wire.sourcePort)?.type ?? 'any';
    edges.push({
      id,
      source: wire.source,
      target: wire.target,
      sourceHandle: outHandle(wire.sourcePort),
      targetHandle: `in:${wire.targetPort}`,
      className: `edge-${type}`,
      data: { kind: 'wire', wire },
      selected: selected?.has(id) ?? false,
    });
  }
  for (const after of aftersOf(doc)) {
    if (!byId.has(after.source)) continue;
    const id = `a:${after.source}>${after.target}`;
    edges.push({ id, source: after.source, target: after.target, sourceHandle: AFTER_OUT, targetHandle: AFTER_IN, className: 'edge-after', data: { kind: 'after' }, selected: selected?.has(id) ?? false });
  }
  return edges;
}

/**
 * Writes the graph back into `doc`: node order and fields from `doc`, positions into `ui`, and inputs and
 * `after` from the edges (a port that held a list keeps a list, a string stays a string).
 */
export function fromGraph(doc: WorkflowDoc, nodes: readonly Pick<Node, 'id' | 'position'>[], edges: readonly FlowEdge[], manyPorts: (node: NodeDoc, port: string) => boolean = () => false): WorkflowDoc {
  const positions = new Map(nodes.map((n) => [n.id, n.position]));
  const wiresByTarget = new Map<string, Wire[]>();
  const aftersByTarget = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.data?.kind === 'after' || edge.targetHandle === AFTER_IN) {
      aftersByTarget.set(edge.target, [...(aftersByTarget.get(edge.target) ?? []), edge.source]);
      continue;
    }
    const sourcePort = portOfHandle(edge.sourceHandle, 'out');
    const targetPort = portOfHandle(edge.targetHandle, 'in');
    if (!sourcePort || !targetPort) continue;
    wiresByTarget.set(edge.target, [...(wiresByTarget.get(edge.target) ?? []), { source: edge.source, sourcePort, target: edge.target, targetPort }]);
  }
  const out: NodeDoc[] = [];
  for (const node of doc.nodes) {
    const position = positions.get(node.id);
    if (!position) continue;
    const { inputs: oldInputs, after: oldAfter, ui: _ui, ...rest } = node;
    const inputs: Record<string, string | string[]> = {};
    const ports = new Map<string, string[]>();
    for (const w of wiresByTarget.get(node.id) ?? []) ports.set(w.targetPort, [...(ports.get(w.targetPort) ?? []), `${w.source}.${w.sourcePort}`]);
    // 1. ports the node had, in their order, in the form they had; 2. new ports after them.
    for (const port of [...Object.keys(oldInputs ?? {}), ...ports.keys()]) {
      const refs = ports.get(port);
      if (!refs || port in inputs) continue;
      const wasList = Array.isArray(oldInputs?.[port]);
      inputs[port] = wasList || refs.length > 1 || (oldInputs?.[port] === undefined && manyPorts(node, port)) ? refs : refs[0]!;
    }
    const after = aftersByTarget.get(node.id);
    const next: Record<string, unknown> = {};
    // Keep the node's own key order: rebuild it key by key, placing inputs/after/ui where they were.
    const keys = Object.keys(node);
    for (const key of keys) {
      if (key === 'inputs') { if (Object.keys(inputs).length) next.inputs = inputs; }
      else if (key === 'after') { if (after?.length) next.after = after; }
      else if (key === 'ui') next.ui = { x: Math.round(position.x), y: Math.round(position.y) };
      else next[key] = (rest as Record<string, unknown>)[key];
    }
    if (!('inputs' in next) && Object.keys(inputs).length) next.inputs = inputs;
    if (!('after' in next) && after?.length) next.after = after;
    if (!('ui' in next)) next.ui = { x: Math.round(position.x), y: Math.round(position.y) };
    void oldAfter;
    out.push(next as NodeDoc);
  }
  return { ...doc, nodes: out };
}

export { parseRef, refsOf };

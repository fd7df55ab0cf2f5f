/**
 * Auto-layout with elkjs: layered, left to right, ports on the sides they are drawn on and in their order, so
 * wires run forward and seldom cross. Sizes are estimated from the port count (the layout runs before the
 * canvas has measured anything, e.g. when a file without positions is opened).
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { WorkflowDoc } from '../api/types';
import { aftersOf, wiresOf } from './document';
import { pluginOf, type PluginIndex } from './plugins';

export const NODE_WIDTH = 210;
const HEADER = 44;
const PORT_ROW = 20;

export function nodeHeight(inputs: number, outputs: number): number {
  return HEADER + PORT_ROW * Math.max(1, inputs, outputs) + 12;
}

let elk: InstanceType<typeof ELK> | undefined;

/** New positions for every node of `doc` (top-left corners, as React Flow places nodes). */
export async function autoLayout(doc: WorkflowDoc, plugins: PluginIndex): Promise<Map<string, { x: number; y: number }>> {
  elk ??= new ELK();
  const ids = new Set(doc.nodes.map((n) => n.id));
  const children: ElkNode[] = doc.nodes.map((node) => {
    const plugin = pluginOf(plugins, node);
    const inputs = plugin?.inputs.map((p) => p.name) ?? Object.keys(node.inputs ?? {});
    const outputs = plugin?.outputs.map((p) => p.name) ?? [];
    return {
      id: node.id,
      width: NODE_WIDTH,
      height: nodeHeight(inputs.length, outputs.length),
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        ...inputs.map((p, i) => ({ id: `${node.id}::in::${p}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(i) } })),
        ...outputs.map((p, i) => ({ id: `${node.id}::out::${p}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
      ],
    };
  });
  const portIds = new Set(children.flatMap((c) => (c.ports ?? []).map((p) => p.id)));
  const port = (id: string) => (portIds.has(id) ? id : id.split('::')[0]!);
  const edges = [
    ...wiresOf(doc)
      .filter((w) => ids.has(w.source) && ids.has(w.target))
      .map((w, i) => ({ id: `w${i}`, sources: [port(`${w.source}::out::${w.sourcePort}`)], targets: [port(`${w.target}::in::${w.targetPort}`)] })),
    ...aftersOf(doc)
      .filter((a) => ids.has(a.source) && ids.has(a.target))
      .map((a, i) => ({ id: `a${i}`, sources: [a.source], targets: [a.target] })),
  ];
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children,
    edges,
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
}

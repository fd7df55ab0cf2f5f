/**
 * Copy and paste of nodes. A copy keeps only the edges inside the selection; a paste gives every node a fresh
 * id (`clean` → `clean-2`) and rewrites the references between pasted nodes to the new ids.
 */
import type { NodeDoc, WorkflowDoc } from '../api/types';
import { parseRef, refsOf } from './document';
import { idBase, uniqueId } from './plugins';

export function copyNodes(doc: WorkflowDoc, ids: ReadonlySet<string>): NodeDoc[] {
  return doc.nodes
    .filter((n) => ids.has(n.id))
    .map((node) => {
      const { inputs, after, ...rest } = node;
      const keptInputs: Record<string, string | string[]> = {};
      for (const [port, value] of Object.entries(inputs ?? {})) {
        const refs = refsOf(value).filter((r) => ids.has(parseRef(r)?.[0] ?? ''));
        if (refs.length > 0) keptInputs[port] = Array.isArray(value) ? refs : refs[0]!;
      }
      const keptAfter = (after ?? []).filter((s) => ids.has(s));
      return {
        ...rest,
        ...(Object.keys(keptInputs).length > 0 ? { inputs: keptInputs } : {}),
        ...(keptAfter.length > 0 ? { after: keptAfter } : {}),
      } as NodeDoc;
    });
}

/** The nodes to add for a paste into `doc`, shifted by `offset`, and the new ids (to select them). */
export function pasteNodes(doc: WorkflowDoc, copied: readonly NodeDoc[], offset = { x: 40, y: 40 }): { nodes: NodeDoc[]; ids: string[] } {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const node of copied) {
    const id = uniqueId(idBase(node.id.replace(/-\d+$/, '')), taken);
    taken.add(id);
    rename.set(node.id, id);
  }
  const mapRef = (ref: string) => {
    const [source, port] = parseRef(ref) ?? [];
    return source && port && rename.has(source) ? `${rename.get(source)}.${port}` : ref;
  };
  const nodes = copied.map((node) => {
    const next: NodeDoc = { ...node, id: rename.get(node.id)! };
    if (node.inputs) next.inputs = Object.fromEntries(Object.entries(node.inputs).map(([p, v]) => [p, Array.isArray(v) ? v.map(mapRef) : mapRef(v)]));
    if (node.after) next.after = node.after.map((s) => rename.get(s) ?? s);
    if (node.ui) next.ui = { x: node.ui.x + offset.x, y: node.ui.y + offset.y };
    return next;
  });
  return { nodes, ids: nodes.map((n) => n.id) };
}

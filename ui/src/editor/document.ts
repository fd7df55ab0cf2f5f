/**
 * Editing operations on the workflow document. The document is the editor's one source of truth: the canvas is
 * drawn from it and every gesture becomes one of these pure functions, so what is saved is exactly the
 * normative format (positions in `ui: {x, y}`, nothing else added) and undo is a stack of documents.
 */
import type { NodeDoc, WorkflowDoc } from '../api/types';

/** A data edge: `target.inputs[targetPort]` holds `"<source>.<sourcePort>"`. */
export interface Wire {
  readonly source: string;
  readonly sourcePort: string;
  readonly target: string;
  readonly targetPort: string;
}

/** An ordering edge: `target.after` holds `source`. */
export interface After {
  readonly source: string;
  readonly target: string;
}

export const emptyDocument = (name = 'untitled'): WorkflowDoc => ({ version: 1, name, nodes: [] });

/** `"train.model"` → `["train", "model"]` (ids cannot hold a dot); undefined for a malformed reference. */
export function parseRef(ref: unknown): [string, string] | undefined {
  if (typeof ref !== 'string') return undefined;
  const dot = ref.indexOf('.');
  return dot > 0 && dot < ref.length - 1 ? [ref.slice(0, dot), ref.slice(dot + 1)] : undefined;
}

export function refsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function wiresOf(doc: WorkflowDoc): Wire[] {
  const wires: Wire[] = [];
  for (const node of doc.nodes) {
    for (const [targetPort, value] of Object.entries(node.inputs ?? {})) {
      for (const ref of refsOf(value)) {
        const parsed = parseRef(ref);
        if (parsed) wires.push({ source: parsed[0], sourcePort: parsed[1], target: node.id, targetPort });
      }
    }
  }
  return wires;
}

export function aftersOf(doc: WorkflowDoc): After[] {
  return doc.nodes.flatMap((node) => (node.after ?? []).map((source) => ({ source, target: node.id })));
}

const mapNode = (doc: WorkflowDoc, id: string, f: (node: NodeDoc) => NodeDoc): WorkflowDoc => ({
  ...doc,
  nodes: doc.nodes.map((n) => (n.id === id ? f(n) : n)),
});

/** Sets or removes (`undefined`) one optional field, keeping the others in their order. */
function withField<K extends keyof NodeDoc>(node: NodeDoc, key: K, value: NodeDoc[K] | undefined): NodeDoc {
  if (value === undefined) {
    const { [key]: _dropped, ...rest } = node;
    return rest as NodeDoc;
  }
  return { ...node, [key]: value };
}

/** Adds a wire; a port that takes many keeps a list (as the examples write it), a single port a string. */
export function addWire(doc: WorkflowDoc, wire: Wire, many: boolean): WorkflowDoc {
  const ref = `${wire.source}.${wire.sourcePort}`;
  return mapNode(doc, wire.target, (node) => {
    const inputs = { ...(node.inputs ?? {}) };
    const existing = refsOf(inputs[wire.targetPort]);
    if (existing.includes(ref)) return node;
    inputs[wire.targetPort] = many ? [...existing, ref] : ref;
    return { ...node, inputs };
  });
}

export function removeWires(doc: WorkflowDoc, wires: readonly Wire[]): WorkflowDoc {
  if (wires.length === 0) return doc;
  const byTarget = new Map<string, Wire[]>();
  for (const w of wires) byTarget.set(w.target, [...(byTarget.get(w.target) ?? []), w]);
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      const gone = byTarget.get(node.id);
      if (!gone || !node.inputs) return node;
      const inputs: Record<string, string | string[]> = {};
      for (const [port, value] of Object.entries(node.inputs)) {
        const drop = new Set(gone.filter((w) => w.targetPort === port).map((w) => `${w.source}.${w.sourcePort}`));
        if (Array.isArray(value)) {
          const kept = value.filter((r) => !drop.has(r));
          if (kept.length > 0) inputs[port] = kept;
        } else if (!drop.has(value)) inputs[port] = value;
      }
      return withField(node, 'inputs', Object.keys(inputs).length > 0 ? (inputs as NodeDoc['inputs']) : undefined);
    }),
  };
}

export function removeAfters(doc: WorkflowDoc, afters: readonly After[]): WorkflowDoc {
  if (afters.length === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      const gone = new Set(afters.filter((a) => a.target === node.id).map((a) => a.source));
      if (gone.size === 0 || !node.after) return node;
      const kept = node.after.filter((s) => !gone.has(s));
      return withField(node, 'after', kept.length > 0 ? kept : undefined);
    }),
  };
}

export function addNodes(doc: WorkflowDoc, nodes: readonly NodeDoc[]): WorkflowDoc {
  return { ...doc, nodes: [...doc.nodes, ...nodes] };
}

/** Removes nodes and every wire and `after` entry that names them. */
export function removeNodes(doc: WorkflowDoc, ids: ReadonlySet<string>): WorkflowDoc {
  if (ids.size === 0) return doc;
  const kept = { ...doc, nodes: doc.nodes.filter((n) => !ids.has(n.id)) };
  const wires = wiresOf(kept).filter((w) => ids.has(w.source));
  const afters = aftersOf(kept).filter((a) => ids.has(a.source));
  return removeAfters(removeWires(kept, wires), afters);
}

/** Renames a node and every reference to it, so its edges stay. */
export function renameNode(doc: WorkflowDoc, from: string, to: string): WorkflowDoc {
  if (from === to) return doc;
  const rename = (ref: string) => (ref.startsWith(`${from}.`) ? `${to}${ref.slice(from.length)}` : ref);
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      let next = node.id === from ? { ...node, id: to } : node;
      if (node.inputs) {
        const inputs = Object.fromEntries(Object.entries(node.inputs).map(([p, v]) => [p, Array.isArray(v) ? v.map(rename) : rename(v)]));
        next = { ...next, inputs };
      }
      if (node.after?.includes(from)) next = { ...next, after: node.after.map((s) => (s === from ? to : s)) };
      return next;
    }),
  };
}

export function updateNode(doc: WorkflowDoc, id: string, patch: Partial<NodeDoc>): WorkflowDoc {
  return mapNode(doc, id, (node) => {
    let next = node;
    for (const [key, value] of Object.entries(patch) as [keyof NodeDoc, unknown][]) next = withField(next, key, value as never);
    return next;
  });
}

/** Writes positions (rounded: a saved file should not carry sub-pixel noise) into `ui`. */
export function moveNodes(doc: WorkflowDoc, positions: ReadonlyMap<string, { x: number; y: number }>): WorkflowDoc {
  if (positions.size === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.map((node) => {
      const p = positions.get(node.id);
      return p ? { ...node, ui: { x: Math.round(p.x), y: Math.round(p.y) } } : node;
    }),
  };
}

export const hasLayout = (doc: WorkflowDoc) => doc.nodes.every((n) => n.ui && Number.isFinite(n.ui.x) && Number.isFinite(n.ui.y));

/**
 * Where a validation problem points: the server locates each problem by a JSON pointer into the document it
 * checked (`/nodes/3/config/rules/0/where`, `/nodes/2/inputs/data`, `/params/cutoff`). The editor turns that
 * into a node id (by index, in the document that was checked) and a field path inside the node.
 */
import type { Problem, WorkflowDoc } from '../api/types';

export interface Located {
  readonly pointer: string;
  readonly message: string;
  /** The node the problem is on, when it is on one. */
  readonly nodeId?: string;
  /** The path inside the node: `['config', 'rules', '0', 'where']`, `['inputs', 'data']`, `[]` for the node. */
  readonly field?: readonly string[];
  /** The workflow param it is on. */
  readonly param?: string;
}

/** RFC 6901: `~1` is `/`, `~0` is `~`. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.replace(/^\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function locate(doc: WorkflowDoc, problem: Problem): Located {
  const [head, key, ...rest] = splitPointer(problem.pointer);
  if (head === 'nodes' && key !== undefined && /^\d+$/.test(key)) {
    const node = doc.nodes[Number(key)];
    if (node && typeof node.id === 'string') return { ...problem, nodeId: node.id, field: rest };
  }
  if (head === 'params' && key !== undefined) return { ...problem, param: key };
  return { ...problem };
}

/** The problems of each node, as the canvas shows them: one array per node, stable when nothing changed. */
export function problemsByNode(located: readonly Located[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const p of located) {
    if (!p.nodeId) continue;
    const where = p.field && p.field.length > 0 ? `${p.field.join('.')}: ` : '';
    map.set(p.nodeId, [...(map.get(p.nodeId) ?? []), `${where}${p.message}`]);
  }
  return map;
}

/**
 * The problems under a node's `config`, as an rjsf error schema (`{ rules: { 0: { where: { __errors: [...] } } } }`),
 * so the form shows the server's errors on the very field.
 */
export function configErrors(located: readonly Located[], nodeId: string): Record<string, unknown> | undefined {
  let root: Record<string, unknown> | undefined;
  for (const p of located) {
    if (p.nodeId !== nodeId || p.field?.[0] !== 'config') continue;
    root ??= {};
    let at = root;
    for (const part of p.field.slice(1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at.__errors = [...((at.__errors as string[] | undefined) ?? []), p.message];
  }
  return root;
}

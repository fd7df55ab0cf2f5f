/**
 * The wiring rules, checked while a connection is being dragged (React Flow's `isValidConnection`) and again
 * when it is dropped, with the reason shown to the user: port types must fit (`any` fits all), an input that
 * takes one edge takes one, and no edge may close a cycle. Pure: a document, the plugins and a connection in,
 * a verdict out.
 */
import type { PortType, WorkflowDoc } from '../api/types';
import { aftersOf, refsOf, wiresOf } from './document';
import { portOfHandle } from './graph';
import { inputPort, outputPort, pluginOf, type PluginIndex } from './plugins';

export const PORT_TYPES: readonly PortType[] = ['dataset', 'model', 'metrics', 'json', 'file', 'any'];

export interface Attempt {
  readonly source: string | null;
  readonly sourceHandle?: string | null;
  readonly target: string | null;
  readonly targetHandle?: string | null;
}

export type Verdict = { readonly ok: true; readonly many: boolean } | { readonly ok: false; readonly reason: string };

/** `any` on either side fits everything; otherwise the types must be equal. */
export function compatible(output: PortType, input: PortType): boolean {
  return output === 'any' || input === 'any' || output === input;
}

const A_TYPE: Record<PortType, string> = { dataset: 'a dataset', model: 'a model', metrics: 'metrics', json: 'JSON', file: 'a file', any: 'anything' };

/** Successors (data and `after` edges), built once per document. */
export function successors(doc: WorkflowDoc): Map<string, string[]> {
  const next = new Map<string, string[]>();
  const add = (from: string, to: string) => next.set(from, [...(next.get(from) ?? []), to]);
  for (const w of wiresOf(doc)) add(w.source, w.target);
  for (const a of aftersOf(doc)) add(a.source, a.target);
  return next;
}

/** A path from `from` to `to` (both included), breadth first so the reason names the shortest cycle. */
export function pathBetween(next: ReadonlyMap<string, readonly string[]>, from: string, to: string): string[] | undefined {
  const parent = new Map<string, string>([[from, from]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    if (at === to) {
      const path = [to];
      while (path[0] !== from) path.unshift(parent.get(path[0]!)!);
      return path;
    }
    for (const n of next.get(at) ?? []) if (!parent.has(n)) (parent.set(n, at), queue.push(n));
  }
  return undefined;
}

/**
 * Whether `attempt` may become an edge of `doc`.
 * @example checkConnection(doc, plugins, { source: 'train', sourceHandle: 'out:model', target: 'evaluate', targetHandle: 'in:test' })
 *   // { ok: false, reason: 'train.model is a model; evaluate.test expects a dataset' }
 */
export function checkConnection(doc: WorkflowDoc, plugins: PluginIndex, attempt: Attempt, next?: ReadonlyMap<string, readonly string[]>): Verdict {
  const { source, target } = attempt;
  const sourcePort = portOfHandle(attempt.sourceHandle, 'out');
  const targetPort = portOfHandle(attempt.targetHandle, 'in');
  if (!source || !target || !sourcePort || !targetPort) return { ok: false, reason: 'connect an output (right side) to an input (left side)' };
  const from = `${source}.${sourcePort}`;
  const to = `${target}.${targetPort}`;
  if (source === target) return { ok: false, reason: `${from} → ${to} would connect ${source} to itself (a cycle)` };
  const sourceNode = doc.nodes.find((n) => n.id === source);
  const targetNode = doc.nodes.find((n) => n.id === target);
  if (!sourceNode || !targetNode) return { ok: false, reason: `no node "${sourceNode ? target : source}"` };
  const out = outputPort(pluginOf(plugins, sourceNode), sourcePort);
  const input = inputPort(pluginOf(plugins, targetNode), targetPort);
  if (!out) return { ok: false, reason: `${source} has no output "${sourcePort}"` };
  if (!input) return { ok: false, reason: `${target} has no input "${targetPort}"` };
  if (!compatible(out.type, input.type)) return { ok: false, reason: `${from} is ${A_TYPE[out.type]}; ${to} expects ${A_TYPE[input.type]}` };
  const existing = refsOf(targetNode.inputs?.[targetPort]);
  if (existing.includes(from)) return { ok: false, reason: `${from} is already wired to ${to}` };
  if (!input.many && existing.length > 0) return { ok: false, reason: `${to} takes one input and already has ${existing[0]}; delete that edge first` };
  const path = pathBetween(next ?? successors(doc), target, source);
  if (path) return { ok: false, reason: `${from} → ${to} would close a cycle: ${[...path, target].join(' → ')}` };
  return { ok: true, many: input.many };
}

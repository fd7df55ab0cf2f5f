/** The workflow as a graphology graph, and the cycles in it named node by node. */
import { DirectedGraph } from 'graphology';
import { hasCycle } from 'graphology-dag';

export type WorkflowGraph = DirectedGraph;

/** Builds the dependency graph: an edge from each node to every node that waits for it. */
export function buildGraph(nodeIds: Iterable<string>, edges: Iterable<[from: string, to: string]>): WorkflowGraph {
  const graph = new DirectedGraph({ allowSelfLoops: true, multi: false });
  for (const id of nodeIds) graph.mergeNode(id);
  for (const [from, to] of edges) if (graph.hasNode(from) && graph.hasNode(to)) graph.mergeEdge(from, to);
  return graph;
}

/**
 * Every disjoint cycle, each as its nodes in order. 1. Peel off nodes that cannot be on a cycle (no
 * remaining predecessor or no remaining successor), repeatedly. 2. Every node left has a successor that is
 * left too, so walking successors from any of them must come back to a node already walked: that is a cycle.
 */
export function findCycles(graph: WorkflowGraph): string[][] {
  if (!hasCycle(graph)) return [];
  // 1.
  const left = new Set(graph.nodes());
  const inDegree = new Map<string, number>();
  const outDegree = new Map<string, number>();
  for (const node of left) {
    inDegree.set(node, graph.inDegree(node));
    outDegree.set(node, graph.outDegree(node));
  }
  const queue = [...left].filter((n) => inDegree.get(n) === 0 || outDegree.get(n) === 0);
  while (queue.length > 0) {
    const node = queue.pop()!;
    if (!left.delete(node)) continue;
    for (const next of graph.outNeighbors(node)) {
      inDegree.set(next, inDegree.get(next)! - 1);
      if (left.has(next) && inDegree.get(next) === 0) queue.push(next);
    }
    for (const prev of graph.inNeighbors(node)) {
      outDegree.set(prev, outDegree.get(prev)! - 1);
      if (left.has(prev) && outDegree.get(prev) === 0) queue.push(prev);
    }
  }
  // 2.
  const cycles: string[][] = [];
  const reported = new Set<string>();
  for (const start of left) {
    if (reported.has(start)) continue;
    const walk: string[] = [];
    const position = new Map<string, number>();
    let current: string | undefined = start;
    while (current !== undefined && !position.has(current) && !reported.has(current)) {
      position.set(current, walk.length);
      walk.push(current);
      current = graph.outNeighbors(current).find((n) => left.has(n));
    }
    if (current === undefined || reported.has(current)) continue;
    const cycle = walk.slice(position.get(current)!);
    for (const node of cycle) reported.add(node);
    cycles.push(cycle);
  }
  return cycles;
}

/**
 * The planner: the one place that decides what a run does next, shared by both engines. It folds run events
 * into node states and answers with actions. Pure and deterministic (no I/O, no clock, no randomness), so
 * the Temporal interpreter workflow runs this very code, and resuming a run is replaying its journal into it.
 */
import type { ArtifactRef, LineageEntry } from '../plugin/types.js';
import type { CompiledNode, CompiledWorkflow } from '../workflow/compiled.js';
import { cacheKey, type NodeInputs } from './cache-key.js';
import type { NodeOutputs, NodeStatus, RunEvent, RunStatus } from './events.js';

export type PlanAction =
  | {
      readonly kind: 'start';
      readonly node: CompiledNode;
      readonly inputs: NodeInputs;
      readonly cacheKey: string;
      readonly attempt: number;
      /** For plugins that declare `lineage`: every upstream output. */
      readonly lineage?: readonly LineageEntry[];
    }
  | { readonly kind: 'skip'; readonly nodeId: string; readonly reason: string }
  | { readonly kind: 'finish'; readonly status: Exclude<RunStatus, 'running'> };

type PlanStatus = NodeStatus | 'scheduled';

interface PlanNode {
  readonly spec: CompiledNode;
  status: PlanStatus;
  /** Dependencies not yet succeeded or cached. */
  waitingOn: number;
  /** The attempt to make when the node (re)starts. */
  nextAttempt: number;
  outputs: NodeOutputs | undefined;
}

export class Planner {
  readonly #nodes = new Map<string, PlanNode>();
  readonly #dependents = new Map<string, string[]>();
  readonly #ready: string[] = [];
  /** Nodes whose dependents must be skipped: they failed, were skipped or were cancelled. */
  readonly #blocked: string[] = [];
  /** Nodes started by a process that died: the journal has their start but no end. */
  readonly #orphans = new Set<string>();
  #cancelling = false;
  #finished = false;
  #active = 0;

  constructor(readonly workflow: CompiledWorkflow) {
    for (const spec of workflow.nodes) {
      this.#nodes.set(spec.id, { spec, status: 'pending', waitingOn: spec.dependsOn.length, nextAttempt: 1, outputs: undefined });
      this.#dependents.set(spec.id, []);
    }
    for (const spec of workflow.nodes) for (const dep of spec.dependsOn) this.#dependents.get(dep)!.push(spec.id);
    for (const spec of workflow.nodes) if (spec.dependsOn.length === 0) this.#ready.push(spec.id);
  }

  /** Folds one event into the plan. Events of other runs' nodes or unknown nodes are ignored. */
  apply(event: RunEvent): void {
    if (event.type === 'run.cancelling') this.#cancelling = true;
    if (event.type === 'run.finished') this.#finished = true;
    if (!('nodeId' in event)) return;
    const node = this.#nodes.get(event.nodeId);
    if (!node) return;
    switch (event.type) {
      case 'node.started':
        if (node.status !== 'scheduled') this.#orphans.add(node.spec.id);
        this.#setStatus(node, 'running');
        node.nextAttempt = event.attempt;
        break;
      case 'node.retrying':
        node.nextAttempt = event.attempt + 1;
        break;
      case 'node.succeeded':
      case 'node.cached':
        this.#orphans.delete(node.spec.id);
        node.outputs = event.outputs;
        this.#setStatus(node, event.type === 'node.cached' ? 'cached' : 'succeeded');
        for (const id of this.#dependents.get(node.spec.id)!) {
          const dependent = this.#nodes.get(id)!;
          dependent.waitingOn--;
          if (dependent.waitingOn === 0 && dependent.status === 'pending') this.#ready.push(id);
        }
        break;
      case 'node.failed':
      case 'node.skipped':
      case 'node.cancelled':
        this.#orphans.delete(node.spec.id);
        this.#setStatus(node, event.type === 'node.failed' ? 'failed' : event.type === 'node.skipped' ? 'skipped' : 'cancelled');
        this.#blocked.push(node.spec.id);
        break;
    }
  }

  /**
   * What to do now. Each node is handed out to start once; call again after applying more events. Nodes that
   * were running when a process died (started in the journal, never finished) are handed out again.
   */
  next(): PlanAction[] {
    if (this.#finished) return [];
    const actions: PlanAction[] = [];
    for (const id of this.#orphans) {
      const node = this.#nodes.get(id)!;
      if (!this.#cancelling) actions.push(this.#start(node));
      else {
        actions.push({ kind: 'skip', nodeId: id, reason: 'the run was cancelled' });
        this.#setStatus(node, 'skipped');
      }
    }
    this.#orphans.clear();
    if (this.#cancelling) {
      for (const node of this.#nodes.values()) {
        if (node.status === 'pending') {
          actions.push({ kind: 'skip', nodeId: node.spec.id, reason: 'the run was cancelled' });
          this.#setStatus(node, 'skipped');
        }
      }
      this.#ready.length = 0;
    } else {
      actions.push(...this.#skipsBelowFailures());
      for (const id of this.#ready) {
        const node = this.#nodes.get(id)!;
        if (node.status === 'pending') actions.push(this.#start(node));
      }
      this.#ready.length = 0;
    }
    // Skips are decided here and now, so a run whose last nodes were just skipped is over in the same call.
    if (this.#active === 0 && !actions.some((a) => a.kind === 'start')) {
      actions.push({ kind: 'finish', status: this.#outcome() });
      this.#finished = true;
    }
    return actions;
  }

  /** Each node's current status, as the plan sees it. */
  statuses(): Record<string, NodeStatus> {
    const out: Record<string, NodeStatus> = {};
    for (const [id, node] of this.#nodes) out[id] = node.status === 'scheduled' ? 'running' : node.status;
    return out;
  }

  #start(node: PlanNode): PlanAction {
    const inputs = this.#inputsOf(node.spec);
    this.#setStatus(node, 'scheduled');
    const start = { kind: 'start', node: node.spec, inputs, cacheKey: cacheKey(node.spec, inputs), attempt: node.nextAttempt } as const;
    return node.spec.lineage ? { ...start, lineage: this.#lineageOf(node.spec) } : start;
  }

  /** Every output of every ancestor, depth-first from the node's dependencies, farthest first. */
  #lineageOf(spec: CompiledNode): LineageEntry[] {
    const seen = new Set<string>();
    const order: PlanNode[] = [];
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      const node = this.#nodes.get(id)!;
      for (const dep of node.spec.dependsOn) visit(dep);
      order.push(node);
    };
    for (const dep of spec.dependsOn) visit(dep);
    return order.flatMap((n) => Object.entries(n.outputs ?? {}).map(([port, ref]) => ({ node: n.spec.id, plugin: n.spec.plugin, port, sha256: ref.sha256 })));
  }

  #inputsOf(spec: CompiledNode): NodeInputs {
    const inputs: Record<string, ArtifactRef | ArtifactRef[] | undefined> = {};
    for (const input of spec.inputs) {
      const refs = input.sources.map((s) => this.#nodes.get(s.node)!.outputs?.[s.port]);
      inputs[input.port] = input.many ? refs.filter((r): r is ArtifactRef => r !== undefined) : refs[0];
    }
    return inputs;
  }

  /** Pending nodes below a failed, skipped or cancelled node can never run: skip them, naming the cause. */
  #skipsBelowFailures(): PlanAction[] {
    const actions: PlanAction[] = [];
    for (let i = 0; i < this.#blocked.length; i++) {
      const blocker = this.#nodes.get(this.#blocked[i]!)!;
      const what = blocker.status === 'failed' ? 'failed' : `was ${blocker.status}`;
      for (const id of this.#dependents.get(blocker.spec.id)!) {
        const node = this.#nodes.get(id)!;
        if (node.status !== 'pending') continue;
        actions.push({ kind: 'skip', nodeId: id, reason: `upstream node "${blocker.spec.id}" ${what}` });
        this.#setStatus(node, 'skipped');
        this.#blocked.push(id);
      }
    }
    this.#blocked.length = 0;
    return actions;
  }

  #outcome(): Exclude<RunStatus, 'running'> {
    if (this.#cancelling) return 'cancelled';
    for (const node of this.#nodes.values()) if (node.status === 'failed' || node.status === 'cancelled') return 'failed';
    return 'succeeded';
  }

  #setStatus(node: PlanNode, status: PlanStatus): void {
    const wasActive = node.status === 'scheduled' || node.status === 'running';
    const isActive = status === 'scheduled' || status === 'running';
    this.#active += Number(isActive) - Number(wasActive);
    node.status = status;
  }
}

/** A small fluent builder for workflow documents, so that tests read like the graphs they draw. */
import type { NodeDoc, WorkflowDoc } from '../engine/workflow/schema.js';

type NodeOptions = Omit<NodeDoc, 'id' | 'plugin'>;

export class WorkflowBuilder {
  readonly #doc: { version: 1; name: string; params?: WorkflowDoc['params']; nodes: NodeDoc[] };

  constructor(name: string) {
    this.#doc = { version: 1, name, nodes: [] };
  }

  param(name: string, spec: NonNullable<WorkflowDoc['params']>[string]): this {
    this.#doc.params = { ...this.#doc.params, [name]: spec };
    return this;
  }

  node(id: string, plugin: string, options: NodeOptions = {}): this {
    this.#doc.nodes.push({ id, plugin, ...options });
    return this;
  }

  /** `b` reads `a`'s `out` on its `in` port: the shape of most utility-plugin chains. */
  chain(from: string, to: string, plugin = 'noop', options: NodeOptions = {}): this {
    return this.node(to, plugin, { inputs: { in: `${from}.out` }, ...options });
  }

  build(): WorkflowDoc {
    return structuredClone(this.#doc) as WorkflowDoc;
  }
}

export function workflow(name = 'test'): WorkflowBuilder {
  return new WorkflowBuilder(name);
}

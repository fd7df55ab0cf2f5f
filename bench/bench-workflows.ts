/**
 * The workflows the Temporal benchmark's worker runs: Loom's interpreter, and its peer, a bare hand-written
 * workflow that calls the same node activity for each node of a chain, in order, with nothing else.
 */
import * as wf from '@temporalio/workflow';
import type { NodeActivityInput, NodeActivityResult } from '../engine/temporal/contract.js';
import type { CompiledWorkflow } from '../engine/workflow/compiled.js';

export { loomRun } from '../engine/temporal/workflow.js';

const { loomNode } = wf.proxyActivities<{ loomNode(input: NodeActivityInput): Promise<NodeActivityResult> }>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export async function bareChain(workflow: CompiledWorkflow, runId: string): Promise<number> {
  let previous: NodeActivityResult | undefined;
  for (const node of workflow.nodes) {
    const inputs = previous ? { in: previous.outputs.out } : {};
    previous = await loomNode({ runId, workflow: workflow.name, workflowDir: workflow.baseDir, node, inputs, cacheKey: `${runId}-${node.id}`.padEnd(64, '0').slice(0, 64) });
  }
  return workflow.nodes.length;
}

/**
 * The one activity: runs a node with the shared executor, after a cache lookup. It heartbeats while the plugin
 * runs (with the plugin's latest progress as details), turns the workflow's cancellation into the plugin's abort
 * signal, and reports a failure with the node's own error and whether a retry can help.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toErrorInfo } from '../errors.js';
import { executeNode } from '../run/execute-node.js';
import type { EngineServices } from '../run/embedded-engine.js';
import { dataRootsFromEnv } from '../store/fs-node-state.js';
import { NODE_ACTIVITY, type NodeActivityInput, type NodeActivityResult, type NodeFailureDetails, type NodeProgress } from './contract.js';

export type ActivityServices = Pick<EngineServices, 'registry' | 'artifacts' | 'cache' | 'home' | 'models'>;

export function createActivities(services: ActivityServices) {
  const { registry, artifacts, cache, home, models } = services;

  async function loomNode(input: NodeActivityInput): Promise<NodeActivityResult> {
    const context = Context.current();
    const { node, inputs, cacheKey } = input;
    if (node.cache) {
      const hit = await cache.get(cacheKey);
      if (hit && (await Promise.all(Object.values(hit.outputs).map((ref) => artifacts.has(ref)))).every(Boolean)) {
        return { cached: true, outputs: hit.outputs, fromRunId: hit.runId };
      }
    }
    const attempt = context.info.attempt;
    let progress: NodeProgress = { fraction: 0 };
    // NOTE: heartbeats are what tell Temporal this worker is alive, so they go out on a timer even when the
    // plugin reports no progress; the SDK throttles them to what the heartbeat timeout needs.
    const beat = () => context.heartbeat(progress);
    beat();
    const timer = setInterval(beat, Math.max(200, Math.floor((context.info.heartbeatTimeoutMs ?? 30_000) / 3)));
    const started = Date.now();
    try {
      const outputs = await executeNode(
        {
          runId: input.runId,
          workflow: input.workflow,
          node,
          inputs,
          attempt,
          signal: context.cancellationSignal,
          onProgress: (fraction, message) => {
            progress = message === undefined ? { fraction } : { fraction, message };
            beat();
          },
          onLog: (level, message) => context.log[level](`${input.runId} ${node.id}: ${message}`),
          workflowDir: input.workflowDir,
          ...(input.lineage ? { lineage: input.lineage } : {}),
        },
        { registry, artifacts, home, dataRoots: dataRootsFromEnv(), models },
      );
      if (node.cache) await cache.put(cacheKey, { outputs, runId: input.runId, nodeId: node.id, at: new Date().toISOString() });
      return { cached: false, outputs, attempt, durationMs: Date.now() - started };
    } catch (error) {
      if (context.cancellationSignal.aborted) throw new CancelledFailure(`node "${node.id}" was cancelled`);
      const info = toErrorInfo(error);
      const details: NodeFailureDetails = { attempt, error: info };
      throw ApplicationFailure.create({ message: info.message, type: info.code, nonRetryable: !info.retryable, details: [details] });
    } finally {
      clearInterval(timer);
    }
  }

  return { [NODE_ACTIVITY]: loomNode };
}

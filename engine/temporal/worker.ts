/**
 * A Loom worker: polls a task queue for the interpreter workflow and the node activity, with the plugins of
 * the Loom instance it is given (`loom worker` discovers them as every command does: plugin/discover.ts).
 * The activity goes through the shared executor, so plugins from packages run isolated here too, each node
 * in a child process of the worker. Run as many as you like, on as many machines as share the data home.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Loom } from '../loom.js';
import { createActivities } from './activities.js';
import type { TemporalSettings } from './connection.js';

let runtimeInstalled = false;

/** The workflow module: the TypeScript source under tests, the compiled file once built. */
export function workflowsPath(): string {
  const ts = fileURLToPath(new URL('./workflow.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./workflow.js', import.meta.url));
}

export interface LoomWorker {
  readonly worker: Worker;
  /** Runs until shutdown() is called or the worker fails. */
  run(): Promise<void>;
  shutdown(): void;
}

/** Bundles the interpreter workflow once, for processes that start several workers. */
export async function bundleWorkflow(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') });
}

export async function createWorker(
  loom: Loom,
  settings: TemporalSettings,
  options: { concurrency?: number; workflowBundle?: { code: string } } = {},
): Promise<LoomWorker> {
  if (!runtimeInstalled) {
    // The SDK logs every failed activity attempt as a warning; Loom reports those itself, as run events.
    // Once per process, before anything creates the runtime.
    Runtime.install({ logger: new DefaultLogger((process.env.LOOM_TEMPORAL_LOG_LEVEL as 'ERROR') ?? 'ERROR') });
    runtimeInstalled = true;
  }
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createActivities({ registry: loom.registry, artifacts: loom.artifacts, cache: loom.cache, home: loom.home, models: loom.models }),
    maxConcurrentActivityTaskExecutions: options.concurrency ?? 16,
    shutdownGraceTime: '5s',
  });
  return {
    worker,
    run: async () => {
      try {
        await worker.run();
      } finally {
        await connection.close();
      }
    },
    shutdown: () => worker.shutdown(),
  };
}

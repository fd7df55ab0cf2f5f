/**
 * A vitest fixture for Temporal suites: a Loom instance over a fresh data home, a client of the shared dev
 * server, and an in-process worker on a task queue of the test's own, all stopped after the test.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Loom } from '../../engine/loom.js';
import { TemporalClient } from '../../engine/temporal/client.js';
import { temporalSettings, type TemporalSettings } from '../../engine/temporal/connection.js';
import { bundleWorkflow, createWorker, type LoomWorker } from '../../engine/temporal/worker.js';
import type { AnyPlugin } from '../../engine/plugin/types.js';
import { validateWorkflow } from '../../engine/workflow/validate.js';
import { WorkflowInvalidError } from '../../engine/errors.js';
import { loomTest } from '../fixtures/loom.js';

let bundle: Promise<{ code: string }> | undefined;
/** The workflow bundle, made once per test file: webpack takes seconds on two cores. */
export function workflowBundle(): Promise<{ code: string }> {
  return (bundle ??= bundleWorkflow());
}

export function uniqueQueue(): string {
  return `loom-test-${randomBytes(4).toString('hex')}`;
}

export interface TemporalKit {
  readonly settings: TemporalSettings;
  readonly client: TemporalClient;
  /** Starts another in-process worker on the same task queue (the fixture starts one). */
  startWorker(loom: Loom): Promise<LoomWorker>;
}

export function temporalTest(extraPlugins: AnyPlugin[] = [], overrides: Partial<TemporalSettings> = {}) {
  return loomTest(extraPlugins).extend<{ temporal: TemporalKit }>({
    temporal: async ({ loom }, use) => {
      const settings = temporalSettings({ address: inject('temporalAddress'), taskQueue: uniqueQueue(), heartbeatTimeoutMs: 5000, ...overrides });
      const client = await TemporalClient.connect(settings);
      const workers: { worker: LoomWorker; done: Promise<void> }[] = [];
      const startWorker = async (l: Loom) => {
        const worker = await createWorker(l, settings, { workflowBundle: await workflowBundle() });
        workers.push({ worker, done: worker.run() });
        return worker;
      };
      await startWorker(loom);
      await use({ settings, client, startWorker });
      for (const { worker, done } of workers) {
        if (worker.worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => {});
      }
      await client.close();
    },
  });
}

/** Validates a document for a Temporal run (throwing with every problem if it is invalid). */
export function compile(loom: Loom, doc: unknown, params: Record<string, unknown> = {}) {
  const result = validateWorkflow(doc, loom.registry, { params, requireParams: true });
  if (!result.ok) throw new WorkflowInvalidError('test', result.problems);
  return result.workflow;
}

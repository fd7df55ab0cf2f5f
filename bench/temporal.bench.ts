/**
 * The Temporal engine's cost per node on a no-op chain of 100 nodes, against its peer run side by side on the
 * same dev server in the same process: a bare hand-written workflow that calls the same node activity for the
 * same nodes in the same order (bench/bench-workflows.ts). Also against the embedded engine. Runs alternate,
 * and each figure is the median of several runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createLoom } from '../engine/loom.js';
import { TemporalClient } from '../engine/temporal/client.js';
import { temporalSettings } from '../engine/temporal/connection.js';
import { WORKFLOW_TYPE, type LoomRunInput } from '../engine/temporal/contract.js';
import { createWorker } from '../engine/temporal/worker.js';
import type { CompiledWorkflow } from '../engine/workflow/compiled.js';
import { validateWorkflow } from '../engine/workflow/validate.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { startDevServer } from '../test/temporal/dev-server.js';
import { benchNoop } from './bench-plugins.js';

const NODES = 100;
const REPS = 5;

function chain(salt: string): unknown {
  return {
    version: 1,
    name: 'chain',
    nodes: Array.from({ length: NODES }, (_, i) => ({ id: `n${i}`, plugin: 'bench-noop', config: { i, salt }, ...(i ? { inputs: { in: `n${i - 1}.out` } } : {}) })),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function temporalBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loom-tbench-'));
  const server = await startDevServer(dir);
  const loom = createLoom({ home: join(dir, 'home'), plugins: [...builtinPlugins, benchNoop] });
  const settings = temporalSettings({ address: server.address, taskQueue: 'bench' });
  const here = fileURLToPath(new URL('.', import.meta.url));
  const bundle = await bundleWorkflowCode({ workflowsPath: join(here, `bench-workflows${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`), logger: new DefaultLogger('WARN') });
  const worker = await createWorker(loom, settings, { workflowBundle: bundle, concurrency: 16 });
  const running = worker.run();
  const client = await TemporalClient.connect(settings);
  const compiled = (salt: string): CompiledWorkflow => {
    const result = validateWorkflow(chain(salt), loom.registry);
    if (!result.ok) throw new Error('bench chain is invalid');
    return result.workflow;
  };
  const times = { loom: [] as number[], bare: [] as number[], embedded: [] as number[] };
  try {
    for (let rep = -1; rep < REPS; rep++) {
      // rep -1 warms up the worker, the workflow cache and the JIT; it is not counted.
      let t = performance.now();
      const input: LoomRunInput = { workflow: compiled(`loom-${rep}`), runId: `loom-${rep}`, concurrency: 4, heartbeatTimeoutMs: settings.heartbeatTimeoutMs };
      const state = await client.client.workflow.execute(WORKFLOW_TYPE, { workflowId: `loom-${rep}`, taskQueue: settings.taskQueue, args: [input] });
      if ((state as { status: string }).status !== 'succeeded') throw new Error('bench run failed');
      const loomMs = performance.now() - t;
      t = performance.now();
      await client.client.workflow.execute('bareChain', { workflowId: `bare-${rep}`, taskQueue: settings.taskQueue, args: [compiled(`bare-${rep}`), `bare-${rep}`] });
      const bareMs = performance.now() - t;
      t = performance.now();
      const embedded = await loom.engine.start(compiled(`embedded-${rep}`), { concurrency: 4 }).done;
      if (embedded.status !== 'succeeded') throw new Error('bench run failed');
      const embeddedMs = performance.now() - t;
      if (rep >= 0) {
        times.loom.push(loomMs);
        times.bare.push(bareMs);
        times.embedded.push(embeddedMs);
      }
    }
  } finally {
    worker.shutdown();
    await running.catch(() => {});
    await client.close();
    loom.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const perNode = (ms: number[]) => median(ms) / NODES;
  console.log(`\nTemporal engine · no-op chain of ${NODES} nodes · dev server on loopback · median of ${REPS} alternating runs`);
  console.log(`  Loom interpreter workflow   ${perNode(times.loom).toFixed(2)} ms/node`);
  console.log(`  bare hand-written workflow  ${perNode(times.bare).toFixed(2)} ms/node   Loom/bare = ${(median(times.loom) / median(times.bare)).toFixed(3)} (target ≤ 1.1)`);
  console.log(`  embedded engine             ${perNode(times.embedded).toFixed(3)} ms/node   Temporal/embedded = ${(median(times.loom) / median(times.embedded)).toFixed(0)}×`);
}

if (process.argv[1]?.endsWith('temporal.bench.js')) await temporalBench();

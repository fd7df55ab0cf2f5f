/**
 * The node executor, shared by both engines: runs one attempt of one node. 1. Find the exact plugin version
 * the run was planned with. 2. Check the config and inputs. 3. Run the plugin with a context (logger,
 * throttled progress, abort signal with the node's timeout, artifact store, scratch dir, declared secrets):
 * a built-in in this process, any other plugin in a child process (engine/isolation), with a time limit even
 * when the node sets none. 4. Check that the outputs are what the plugin declared, stored in the artifact
 * store. The scratch dir is removed at the end.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, LoomError, NodeTimeoutError } from '../errors.js';
import { secretsFor } from '../isolation/environment.js';
import { isolationLimits, runIsolated } from '../isolation/run-isolated.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { entryOf } from '../plugin/source.js';
import type { AnyPlugin, ArtifactRef, ArtifactStore, LineageEntry, Logger, RunContext } from '../plugin/types.js';
import type { ModelRegistry } from '../registry/types.js';
import type { CompiledNode } from '../workflow/compiled.js';
import type { NodeInputs } from './cache-key.js';
import type { LogLevel, NodeOutputs } from './events.js';
import { fsNodeState } from '../store/fs-node-state.js';

export interface NodeAttempt {
  readonly runId: string;
  readonly workflow: string;
  readonly node: CompiledNode;
  readonly inputs: NodeInputs;
  readonly attempt: number;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  readonly onProgress: (fraction: number, message: string | undefined) => void;
  readonly onLog: (level: LogLevel, message: string) => void;
  /** The folder of the workflow file. */
  readonly workflowDir: string;
  /** The planner's lineage for nodes whose plugin declares it. */
  readonly lineage?: readonly LineageEntry[];
}

export interface ExecutorServices {
  readonly registry: PluginRegistry;
  readonly artifacts: ArtifactStore;
  /** The data home: scratch dirs (one per attempt) and node state live under it. */
  readonly home: string;
  /** Directories besides the workflow's folder that nodes may read input files from. */
  readonly dataRoots: readonly string[];
  readonly models: ModelRegistry;
}

const PROGRESS_INTERVAL_MS = 250;
const MAX_LOG_MESSAGE = 10_000;

function isArtifactRef(value: unknown): value is ArtifactRef {
  const ref = value as ArtifactRef;
  return typeof ref === 'object' && ref !== null && typeof ref.sha256 === 'string' && typeof ref.uri === 'string' && typeof ref.type === 'string';
}

function checkInputs(plugin: AnyPlugin, node: CompiledNode, inputs: NodeInputs): void {
  for (const input of node.inputs) {
    const spec = plugin.inputs?.[input.port];
    if (!input.many && !spec?.optional && inputs[input.port] === undefined) {
      const source = input.sources[0]!;
      throw new LoomError('PLUGIN_FAILED', `node "${node.id}": input "${input.port}" is empty: "${source.node}.${source.port}" produced no output`);
    }
  }
}

async function checkOutputs(plugin: AnyPlugin, node: CompiledNode, outputs: unknown, artifacts: ArtifactStore): Promise<NodeOutputs> {
  const where = `node "${node.id}" (plugin "${plugin.name}@${plugin.version}")`;
  const fail = (message: string) => new LoomError('PLUGIN_OUTPUT_INVALID', `${where} ${message}`);
  if (typeof outputs !== 'object' || outputs === null) throw fail(`returned ${String(outputs)} instead of an object of outputs`);
  const result: Record<string, ArtifactRef> = {};
  for (const [port, value] of Object.entries(outputs)) {
    const spec = plugin.outputs[port];
    if (!spec) throw fail(`returned an undeclared output "${port}"`);
    if (value === undefined) continue;
    if (!isArtifactRef(value)) throw fail(`returned output "${port}" that is not an artifact reference (store it with ctx.artifacts first)`);
    if (spec.type !== 'any' && value.type !== spec.type) throw fail(`returned a ${value.type} on output "${port}", which is declared ${spec.type}`);
    if (!(await artifacts.has(value))) throw fail(`returned output "${port}" whose artifact ${value.sha256} is not in the store`);
    result[port] = value;
  }
  for (const [port, spec] of Object.entries(plugin.outputs)) {
    if (!spec.optional && result[port] === undefined) throw fail(`did not return its output "${port}"`);
  }
  return result;
}

/** Rejects when the signal aborts, so that a plugin that ignores its signal cannot hold the run. */
function abortion(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

export async function executeNode(attempt: NodeAttempt, services: ExecutorServices): Promise<NodeOutputs> {
  const { node } = attempt;
  // 1.
  const plugin = services.registry.get(`${node.plugin}@${node.version}`);
  // 2.
  const config = structuredClone(node.config);
  const validate = services.registry.configValidator(plugin);
  if (!validate(config)) {
    throw new LoomError('PLUGIN_FAILED', `node "${node.id}": config does not fit plugin "${plugin.name}@${plugin.version}": ${validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
  checkInputs(plugin, node, attempt.inputs);
  // 3.
  const entry = entryOf(services.registry.source(plugin));
  const isolated = entry === undefined ? undefined : { entry, limits: isolationLimits() };
  const timeoutMs = node.timeoutMs ?? isolated?.limits.timeoutMs;
  const controller = new AbortController();
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new NodeTimeoutError(node.id, timeoutMs)), timeoutMs);
  const onRunAbort = () => controller.abort(new CancelledError(`node "${node.id}" was cancelled`));
  if (attempt.signal.aborted) onRunAbort();
  attempt.signal.addEventListener('abort', onRunAbort, { once: true });
  const scratchDir = join(services.home, 'scratch', attempt.runId, `${node.id}-${attempt.attempt}`);
  let scratchMade = false;
  let lastProgress = 0;
  const log = (level: LogLevel) => (message: string) => attempt.onLog(level, String(message).slice(0, MAX_LOG_MESSAGE));
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const ctx: RunContext<unknown, never> = {
    config,
    inputs: attempt.inputs as never,
    log: logger,
    progress(fraction, message) {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS && fraction < 1) return;
      lastProgress = now;
      attempt.onProgress(Math.max(0, Math.min(1, Number(fraction) || 0)), message);
    },
    signal: controller.signal,
    artifacts: services.artifacts,
    // NOTE: made on first use; most nodes never need one, and two file-system calls per node add up.
    get scratchDir() {
      if (!scratchMade) mkdirSync(scratchDir, { recursive: true });
      scratchMade = true;
      return scratchDir;
    },
    runId: attempt.runId,
    nodeId: node.id,
    workflow: attempt.workflow,
    attempt: attempt.attempt,
    workflowDir: attempt.workflowDir,
    dataRoots: [attempt.workflowDir, ...services.dataRoots],
    state: fsNodeState(services.home, attempt.workflow, node.id),
    lineage: attempt.lineage ?? [],
    models: services.models,
    secrets: Object.freeze(secretsFor(plugin)),
  };
  const aborted = abortion(controller.signal);
  try {
    // NOTE: a built-in that ignores its signal keeps running in the background after a timeout; an isolated
    // plugin's process is killed, and runIsolated settles only once it is gone.
    const outputs = isolated
      ? await runIsolated(plugin, isolated.entry, ctx, scratchDir, isolated.limits)
      : await Promise.race([plugin.run(ctx as never), aborted.promise]);
    if (controller.signal.aborted) throw controller.signal.reason;
    // 4.
    return await checkOutputs(plugin, node, outputs, services.artifacts);
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    aborted.dispose();
    clearTimeout(timer);
    attempt.signal.removeEventListener('abort', onRunAbort);
    // The child makes its scratch dir itself, so the engine cannot know whether it did.
    if (scratchMade || isolated) await rm(scratchDir, { recursive: true, force: true });
  }
}

/**
 * The child side of an isolated node: forked by the engine (see run-isolated.ts) for one attempt of one node.
 * 1. Wait for the `start` message. 2. Import the plugin's module and find the plugin by name and version.
 * 3. Run it with a context whose log, progress, node state and model registry go to the engine over IPC and
 * whose artifacts are the engine's store folder. 4. Send `done` or `failed`, then exit.
 * SIGTERM (or the engine going away) aborts the plugin's signal; the engine SIGKILLs a child that does not stop.
 */
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FsArtifactStore } from '../store/fs-artifact-store.js';
import { pluginsExportedBy } from '../plugin/load.js';
import type { Logger, NodeStateStore, RunContext } from '../plugin/types.js';
import type { ModelRegistry } from '../registry/types.js';
import { toChildError, type CallTarget, type FromChild, type ToChild } from './protocol.js';

const send = (message: FromChild) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });

const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextCall = 1;

function call(target: CallTarget, method: string, args: unknown[]): Promise<unknown> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    void send({ type: 'call', id, target, method, args });
  });
}

const controller = new AbortController();
const abort = (why: string) => controller.abort(Object.assign(new Error(why), { name: 'AbortError' }));
process.on('SIGTERM', () => abort('cancelled by the engine'));
process.on('disconnect', () => {
  abort('the engine went away');
  // Nobody is left to kill a plugin that ignores its signal.
  setTimeout(() => process.exit(1), 2000).unref();
});

async function start(message: Extract<ToChild, { type: 'start' }>): Promise<void> {
  const { context } = message;
  // 2.
  const module = (await import(pathToFileURL(message.entry).href)) as Record<string, unknown>;
  const plugin = pluginsExportedBy(module).find((p) => p.name === message.name && p.version === message.version);
  if (!plugin) throw new Error(`${message.entry} no longer exports plugin "${message.name}@${message.version}"`);
  // 3.
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (text: string) => void send({ type: 'log', level, message: String(text) });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const state: NodeStateStore = {
    get: () => call('state', 'get', []) as never,
    set: async (value) => void (await call('state', 'set', [value])),
  };
  const models = new Proxy({} as ModelRegistry, {
    get: (_, method) => (method === 'then' ? undefined : (...args: unknown[]) => call('models', String(method), args)),
  });
  let scratchMade = false;
  const ctx: RunContext<unknown, never> = {
    config: context.config,
    inputs: context.inputs as never,
    log: logger,
    progress: (fraction, text) => void send({ type: 'progress', fraction: Number(fraction), ...(text === undefined ? {} : { message: String(text) }) }),
    signal: controller.signal,
    artifacts: new FsArtifactStore(context.artifactsHome),
    get scratchDir() {
      if (!scratchMade) mkdirSync(context.scratchDir, { recursive: true });
      scratchMade = true;
      return context.scratchDir;
    },
    runId: context.runId,
    nodeId: context.nodeId,
    workflow: context.workflow,
    attempt: context.attempt,
    workflowDir: context.workflowDir,
    dataRoots: context.dataRoots,
    state,
    lineage: context.lineage,
    models,
    secrets: Object.freeze({ ...context.secrets }),
  };
  const outputs = (await plugin.run(ctx as never)) as Record<string, never>;
  // 4.
  await send({ type: 'done', outputs });
}

process.on('message', (message: ToChild) => {
  if (message.type === 'reply') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiting?.resolve(message.value);
    else waiting?.reject(Object.assign(new Error(message.error.message), message.error));
    return;
  }
  start(message).then(
    () => process.exit(0),
    async (error: unknown) => {
      await send({ type: 'failed', error: toChildError(error) });
      process.exit(0);
    },
  );
});

/**
 * The engine side of an isolated node: forks runner.ts with a heap cap and a clean environment, hands it the
 * node's context, serves its calls (log, progress, node state, model registry) from the real context, and
 * turns every way a child can end into a clear error: the plugin's own error, a heap over its cap, an exit
 * code, a signal. When the node's signal aborts (cancel or time limit) the child gets SIGTERM, then SIGKILL
 * after a grace period; the promise settles only once the child is gone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LoomError, PluginError, type ErrorCode } from '../errors.js';
import type { AnyPlugin, RunContext } from '../plugin/types.js';
import { childEnvironment } from './environment.js';
import { toChildError, type ChildContext, type ChildError, type FromChild, type ToChild } from './protocol.js';

export interface IsolationLimits {
  /** The child's V8 heap cap (`--max-old-space-size`), in MB. */
  readonly memoryMb: number;
  /** The time limit of a node that sets no `timeoutMs`. */
  readonly timeoutMs: number;
  /** How long a child has between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** LOOM_PLUGIN_MEMORY_MB (512), LOOM_PLUGIN_TIMEOUT_MS (1 hour), LOOM_PLUGIN_KILL_GRACE_MS (2000). */
export function isolationLimits(env: NodeJS.ProcessEnv = process.env): IsolationLimits {
  return {
    memoryMb: positive(env.LOOM_PLUGIN_MEMORY_MB, 512),
    timeoutMs: positive(env.LOOM_PLUGIN_TIMEOUT_MS, 3_600_000),
    killGraceMs: positive(env.LOOM_PLUGIN_KILL_GRACE_MS, 2000),
  };
}

/** The runner: the TypeScript source under tests (loaded with tsx), the compiled file once built. */
function runnerCommand(): { path: string; execArgv: string[] } {
  const ts = fileURLToPath(new URL('./runner.ts', import.meta.url));
  if (!existsSync(ts)) return { path: fileURLToPath(new URL('./runner.js', import.meta.url)), execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { path: ts, execArgv: ['--import', pathToFileURL(tsx).href] };
}

const KNOWN_CODES = new Set<string>(['PLUGIN_FAILED', 'PLUGIN_OUTPUT_INVALID', 'ARTIFACT_NOT_FOUND', 'ARTIFACT_CORRUPT', 'REGISTRY', 'CANCELLED']);

/** The plugin's error as the engine would have seen it in process: same message, same retryability. */
function rebuild(error: ChildError): Error {
  if (error.code !== undefined && KNOWN_CODES.has(error.code)) {
    return new LoomError(error.code as ErrorCode, error.message, { retryable: error.retryable ?? false });
  }
  return error.retryable === undefined ? new Error(error.message) : new PluginError(error.message, { retryable: error.retryable });
}

const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed/;

function context(ctx: RunContext<unknown, never>, scratchDir: string): ChildContext {
  return {
    config: ctx.config,
    inputs: ctx.inputs,
    runId: ctx.runId,
    nodeId: ctx.nodeId,
    workflow: ctx.workflow,
    attempt: ctx.attempt,
    workflowDir: ctx.workflowDir,
    dataRoots: ctx.dataRoots,
    lineage: ctx.lineage,
    scratchDir,
    // NOTE: the child opens the same store folder itself; artifacts never travel over IPC.
    artifactsHome: dirname(ctx.artifacts.root),
    secrets: ctx.secrets,
  };
}

/**
 * Runs one attempt of `plugin` (exported by the module `entry`) in a child process. `ctx` is the context the
 * plugin would have had in process; `scratchDir` is its path (the caller removes it afterwards).
 */
export function runIsolated(
  plugin: AnyPlugin,
  entry: string,
  ctx: RunContext<unknown, never>,
  scratchDir: string,
  limits: IsolationLimits = isolationLimits(),
): Promise<unknown> {
  const where = `plugin "${plugin.name}@${plugin.version}"`;
  const runner = runnerCommand();
  const child: ChildProcess = fork(runner.path, [], {
    execArgv: [...runner.execArgv, `--max-old-space-size=${limits.memoryMb}`],
    env: childEnvironment(plugin),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderrTail = '';
  const lines = (level: 'info' | 'warn') => (chunk: Buffer) => {
    const text = chunk.toString();
    if (level === 'warn') stderrTail = (stderrTail + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim()) ctx.log[level](line);
  };
  child.stdout!.on('data', lines('info'));
  child.stderr!.on('data', lines('warn'));

  const tell = (message: ToChild) => {
    if (child.connected) child.send(message);
  };
  const serve = async (message: Extract<FromChild, { type: 'call' }>) => {
    try {
      const target = (message.target === 'state' ? ctx.state : ctx.models) as unknown as Record<string, (...args: unknown[]) => unknown>;
      if (typeof target[message.method] !== 'function' || message.method === 'close') throw new Error(`ctx.${message.target}.${message.method} is not available`);
      tell({ type: 'reply', id: message.id, ok: true, value: await target[message.method]!(...message.args) });
    } catch (error) {
      tell({ type: 'reply', id: message.id, ok: false, error: toChildError(error) });
    }
  };

  return new Promise((resolve, reject) => {
    let result: { ok: true; outputs: unknown } | { ok: false; error: Error } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), limits.killGraceMs);
    };
    child.on('message', (message: FromChild) => {
      if (message.type === 'log') ctx.log[message.level](message.message);
      else if (message.type === 'progress') ctx.progress(message.fraction, message.message);
      else if (message.type === 'call') void serve(message);
      else if (message.type === 'done') result ??= { ok: true, outputs: message.outputs };
      else if (message.type === 'failed') result ??= { ok: false, error: rebuild(message.error) };
    });
    child.on('error', (error) => {
      result ??= { ok: false, error: new PluginError(`${where}: cannot start its process: ${error.message}`, { retryable: true }) };
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      if (result?.ok) return resolve(result.outputs);
      if (result) return reject(result.error);
      if (OUT_OF_MEMORY.test(stderrTail)) {
        return reject(new PluginError(`${where} ran out of memory: it needed more than its cap of ${limits.memoryMb} MB`, { retryable: false }));
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new PluginError(`${where} ${how} before it finished`, { retryable: false }));
    });
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    tell({ type: 'start', entry, name: plugin.name, version: plugin.version, context: context(ctx, scratchDir) });
  });
}

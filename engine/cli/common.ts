/** What the CLI's commands share: exit codes, option parsers, opening Loom, reading and checking a workflow file. */
import { InvalidArgumentError, type Command } from 'commander';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { builtinPlugins } from '../../plugins/builtin.js';
import { atRestSealer } from '../../plugins/encrypt/at-rest.js';
import { loadKeyring } from '../../plugins/encrypt/keys.js';
import type { ArtifactSealer } from '../store/fs-artifact-store.js';
import { formatProblem, type Problem } from '../errors.js';
import { createLoom, defaultHome, type Loom } from '../loom.js';
import { discoverPlugins } from '../plugin/discover.js';
import { temporalSettings, type TemporalSettings } from '../temporal/connection.js';
import { validateWorkflow } from '../workflow/validate.js';
import { lineView, liveView, type RunView } from './render.js';
import { readWorkflowFile } from './workflow-file.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A mistake in how `loom` was called: exit 2. */
export class UsageError extends Error {}

/** Wraps a command's action so that the exit code it returns becomes the process's (see main.ts). */
export type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Who a CLI change (a rollback, a key rotation) is recorded as in the registry and the audit log. */
export const cliActor = () => `cli:${userInfo().username}`;

export function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not of the form name=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a whole number of at least 1`);
  return n;
}

/** LOOM_SEAL_MODELS=1 keeps models encrypted at rest under the keyring's current KEK (see plugins/encrypt/at-rest.ts). */
function sealerFromEnv(env: NodeJS.ProcessEnv = process.env): { sealer?: ArtifactSealer } {
  if (env.LOOM_SEAL_MODELS !== '1' && env.LOOM_SEAL_MODELS !== 'true') return {};
  return { sealer: atRestSealer(loadKeyring(env)) };
}

/**
 * Opens Loom over the data home (from --home, $LOOM_HOME or ./.loom) with the built-ins and every discovered
 * plugin package (see plugin/discover.ts), runs `fn`, and closes it.
 */
export async function withLoom<T>(cli: Command, fn: (loom: Loom) => Promise<T>): Promise<T> {
  const plugins = await discoverPlugins({ builtins: builtinPlugins });
  const loom = createLoom({ home: (cli.opts().home as string | undefined) ?? defaultHome(), plugins, ...sealerFromEnv() });
  try {
    return await fn(loom);
  } finally {
    loom.close();
  }
}

export function printProblems(file: string, problems: readonly Problem[]): void {
  process.stderr.write(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n`);
  for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
}

/** Reads and validates a workflow file; prints its problems and returns undefined when it is invalid. */
export async function checkedWorkflow(loom: Loom, file: string, params: Record<string, string>, forRun: boolean) {
  const read = await readWorkflowFile(file);
  if ('problems' in read) return printProblems(file, read.problems);
  const result = validateWorkflow(read.text, loom.registry, { params, paramsAsText: true, requireParams: forRun, baseDir: dirname(resolve(file)) });
  if (!result.ok) return printProblems(file, result.problems);
  return result;
}

export function viewFor(json: boolean): RunView | undefined {
  if (json) return undefined;
  return process.stdout.isTTY ? liveView(process.stdout) : lineView(process.stdout);
}

export interface TemporalFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

/** Adds --address, --namespace and --task-queue (defaults from LOOM_TEMPORAL_*). */
export function withTemporalFlags(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (default $LOOM_TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default $LOOM_TEMPORAL_NAMESPACE or default)')
    .option('--task-queue <q>', 'task queue (default $LOOM_TEMPORAL_TASK_QUEUE or loom)');
}

export function settingsFrom(flags: TemporalFlags): TemporalSettings {
  return temporalSettings({ address: flags.address, namespace: flags.namespace, taskQueue: flags.taskQueue });
}

/**
 * Installs Ctrl-C/SIGTERM handling for a followed run: the first asks `cancel`, the second calls `abort`.
 * Returns the function that removes the handlers.
 */
export function onInterrupt(cancel: (reason: string) => void, abort: () => void): () => void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) return abort();
    interrupted = true;
    process.stderr.write(`\ncancelling (${signal}); press Ctrl-C again to stop at once\n`);
    cancel(`interrupted by ${signal}`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

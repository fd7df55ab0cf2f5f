#!/usr/bin/env node
/** The `loom` command line. Exit codes: 0 success, 1 invalid or failed, 2 usage error, 130 interrupted. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { builtinPlugins } from '../../plugins/builtin.js';
import { formatProblem, LoomError } from '../errors.js';
import { createLoom, defaultHome, type Loom } from '../loom.js';
import { loadPluginModules, pluginModulesFromEnv } from '../plugin/load.js';
import type { RunHandle } from '../run/embedded-engine.js';
import type { RunState } from '../run/state.js';
import { validateWorkflow } from '../workflow/validate.js';
import { lineView, liveView, summary, type RunView } from './render.js';
import { listPlugins, listRuns } from './listings.js';
import { readWorkflowFile } from './workflow-file.js';

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

class UsageError extends Error {}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not of the form name=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a whole number of at least 1`);
  return n;
}

async function openLoom(home: string | undefined): Promise<Loom> {
  const extra = await loadPluginModules(pluginModulesFromEnv());
  return createLoom({ home: home ?? defaultHome(), plugins: [...builtinPlugins, ...extra] });
}

function printProblems(file: string, problems: readonly { pointer: string; message: string }[]): void {
  process.stderr.write(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n`);
  for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
}

/** Shows a run until it ends; Ctrl-C (or SIGTERM) cancels it cleanly, a second one leaves it resumable. */
async function follow(handle: RunHandle, view: RunView | undefined, json: boolean): Promise<number> {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`\nstopped at once; \`loom resume ${handle.runId}\` carries on\n`);
      process.exit(EXIT.interrupted);
    }
    interrupted = true;
    process.stderr.write(`\ncancelling (${signal}); press Ctrl-C again to stop at once\n`);
    handle.cancel(`interrupted by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const state: RunState = await handle.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  view?.finish(state);
  if (json) process.stdout.write(`${JSON.stringify(summary(state), null, 2)}\n`);
  if (state.status === 'succeeded') return EXIT.ok;
  return state.status === 'cancelled' ? EXIT.interrupted : EXIT.failed;
}

function viewFor(json: boolean): RunView | undefined {
  if (json) return undefined;
  return process.stdout.isTTY ? liveView(process.stdout) : lineView(process.stdout);
}

function program(setExit: (code: number) => void): Command {
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await fn(...args));
  const cli = new Command('loom')
    .description('Loom: visual low-code workflows for ML teams')
    .option('--home <dir>', 'data home (journal, artifacts, cache); default $LOOM_HOME or ./.loom')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  cli
    .command('validate <file>')
    .description('check a workflow file; prints one problem per line')
    .option('--param <name=value>', 'a value for a workflow param (repeatable)', collectParam, {})
    .action(act(async (file: string, opts: { param: Record<string, string> }) => {
      const read = await readWorkflowFile(file);
      if ('problems' in read) return (printProblems(file, read.problems), EXIT.failed);
      const loom = await openLoom(cli.opts().home);
      try {
        const result = validateWorkflow(read.text, loom.registry, { params: opts.param, paramsAsText: true });
        if (!result.ok) return (printProblems(file, result.problems), EXIT.failed);
        process.stdout.write(`${file}: valid (${result.workflow.nodes.length} nodes)\n`);
        return EXIT.ok;
      } finally {
        loom.close();
      }
    }));

  cli
    .command('run <file>')
    .description('run a workflow')
    .addOption(new Option('--engine <engine>', 'where to run it').choices(['embedded', 'temporal']).default('embedded'))
    .option('--param <name=value>', 'a value for a workflow param (repeatable)', collectParam, {})
    .option('--concurrency <n>', 'nodes to run at once', positiveInt, 4)
    .option('--json', 'print only a JSON summary when the run ends')
    .action(act(async (file: string, opts: { engine: string; param: Record<string, string>; concurrency: number; json?: boolean }) => {
      if (opts.engine !== 'embedded') throw new UsageError(`the ${opts.engine} engine is not available yet; use --engine embedded`);
      const read = await readWorkflowFile(file);
      if ('problems' in read) return (printProblems(file, read.problems), EXIT.failed);
      const loom = await openLoom(cli.opts().home);
      try {
        const result = validateWorkflow(read.text, loom.registry, { params: opts.param, paramsAsText: true, requireParams: true });
        if (!result.ok) return (printProblems(file, result.problems), EXIT.failed);
        const json = opts.json === true;
        const view = viewFor(json);
        const handle = loom.engine.start(result.workflow, { concurrency: opts.concurrency, document: result.doc, onEvent: (e, state) => view?.event(e, state) });
        if (!json) process.stdout.write(`run ${handle.runId} started (${result.workflow.nodes.length} nodes; loom resume ${handle.runId} if it stops)\n`);
        return await follow(handle, view, json);
      } finally {
        loom.close();
      }
    }));

  cli
    .command('resume <runId>')
    .description('carry on a run whose process stopped, without re-running finished nodes')
    .option('--json', 'print only a JSON summary when the run ends')
    .action(act(async (runId: string, opts: { json?: boolean }) => {
      const loom = await openLoom(cli.opts().home);
      try {
        const json = opts.json === true;
        const view = viewFor(json);
        const handle = loom.engine.resume(runId, { onEvent: (e, state) => view?.event(e, state) });
        return await follow(handle, view, json);
      } finally {
        loom.close();
      }
    }));

  cli
    .command('runs')
    .description('list recent runs')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .action(act(async (opts: { json?: boolean; limit: number }) => {
      const loom = await openLoom(cli.opts().home);
      try {
        process.stdout.write(listRuns(loom.journal, opts.limit, opts.json === true));
        return EXIT.ok;
      } finally {
        loom.close();
      }
    }));

  cli
    .command('plugins')
    .description('list the installed plugins')
    .option('--json', 'print JSON, with each config schema')
    .action(act(async (opts: { json?: boolean }) => {
      const loom = await openLoom(cli.opts().home);
      try {
        process.stdout.write(listPlugins(loom.registry, opts.json === true));
        return EXIT.ok;
      } finally {
        loom.close();
      }
    }));
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const cli = program((c) => (code = c));
  try {
    await cli.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`loom: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`loom: ${error instanceof LoomError ? error.message : ((error as Error).stack ?? String(error))}\n`);
    return EXIT.failed;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});

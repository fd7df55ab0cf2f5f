/** `loom validate | run | resume | cancel | approve`: checking and running workflows on either engine. */
import { Option, type Command } from 'commander';
import { userInfo } from 'node:os';
import type { Loom } from '../loom.js';
import type { RunState } from '../run/state.js';
import { formatPreview, previewArtifact } from '../data/preview.js';
import { LoomError } from '../errors.js';
import { connectTemporal, controlRun, findOutput, journalState } from '../run-access.js';
import type { TemporalClient } from '../temporal/client.js';
import type { CompiledWorkflow } from '../workflow/compiled.js';
import { checkedWorkflow, collectParam, EXIT, onInterrupt, positiveInt, settingsFrom, viewFor, withLoom, withTemporalFlags, type Act, type TemporalFlags } from './common.js';
import { summary, type RunView } from './render.js';

/** Prints the end of a run and turns its status into the exit code. */
function finish(state: RunState, view: RunView | undefined, json: boolean): number {
  view?.finish(state);
  if (json) process.stdout.write(`${JSON.stringify(summary(state), null, 2)}\n`);
  if (state.status === 'succeeded') return EXIT.ok;
  return state.status === 'cancelled' ? EXIT.interrupted : EXIT.failed;
}

async function runEmbedded(loom: Loom, workflow: CompiledWorkflow, document: unknown, concurrency: number, json: boolean): Promise<number> {
  const view = viewFor(json);
  const handle = loom.engine.start(workflow, {
    concurrency,
    document,
    onEvent: (e, state) => {
      // Printed from the event, which comes before any node's, so the header is the first line.
      if (e.type === 'run.started' && !json) process.stdout.write(`run ${e.runId} started (${workflow.nodes.length} nodes; loom resume ${e.runId} if it stops)\n`);
      view?.event(e, state);
    },
  });
  const off = onInterrupt(handle.cancel, () => {
    process.stderr.write(`\nstopped at once; \`loom resume ${handle.runId}\` carries on\n`);
    process.exit(EXIT.interrupted);
  });
  const state = await handle.done;
  off();
  return finish(state, view, json);
}

async function runTemporal(workflow: CompiledWorkflow, flags: TemporalFlags, concurrency: number, json: boolean): Promise<number> {
  const client = await connectTemporal(settingsFrom(flags));
  try {
    if (!(await client.hasWorker())) process.stderr.write(`loom: no worker polls task queue "${client.settings.taskQueue}" yet; start one with \`loom worker\`\n`);
    const runId = await client.start(workflow, { concurrency });
    if (!json) process.stdout.write(`run ${runId} started on Temporal at ${client.settings.address} (${workflow.nodes.length} nodes)\n`);
    const view = viewFor(json);
    const stop = new AbortController();
    const off = onInterrupt(
      (reason) => void client.cancel(runId, reason).catch(() => {}),
      () => {
        process.stderr.write(`\nstopped following; run ${runId} goes on on Temporal\n`);
        process.exit(EXIT.interrupted);
      },
    );
    const state = await client.follow(runId, (e, s) => view?.event(e, s), stop.signal);
    off();
    return finish(state, view, json);
  } finally {
    await client.close();
  }
}

export function registerRunCommands(cli: Command, act: Act): void {
  cli
    .command('validate <file>')
    .description('check a workflow file; prints one problem per line')
    .option('--param <name=value>', 'a value for a workflow param (repeatable)', collectParam, {})
    .action(
      act(async (file: string, opts: { param: Record<string, string> }) =>
        withLoom(cli, async (loom) => {
          const result = await checkedWorkflow(loom, file, opts.param, false);
          if (!result) return EXIT.failed;
          process.stdout.write(`${file}: valid (${result.workflow.nodes.length} nodes)\n`);
          return EXIT.ok;
        }),
      ),
    );

  withTemporalFlags(
    cli
      .command('run <file>')
      .description('run a workflow')
      .addOption(new Option('--engine <engine>', 'where to run it').choices(['embedded', 'temporal']).default('embedded'))
      .option('--param <name=value>', 'a value for a workflow param (repeatable)', collectParam, {})
      .option('--concurrency <n>', 'nodes to run at once', positiveInt, 4)
      .option('--json', 'print only a JSON summary when the run ends'),
  ).action(
    act(async (file: string, opts: TemporalFlags & { engine: string; param: Record<string, string>; concurrency: number; json?: boolean }) =>
      withLoom(cli, async (loom) => {
        const result = await checkedWorkflow(loom, file, opts.param, true);
        if (!result) return EXIT.failed;
        const json = opts.json === true;
        return opts.engine === 'temporal'
          ? runTemporal(result.workflow, opts, opts.concurrency, json)
          : runEmbedded(loom, result.workflow, result.doc, opts.concurrency, json);
      }),
    ),
  );

  cli
    .command('resume <runId>')
    .description('carry on an embedded run whose process stopped, without re-running finished nodes')
    .option('--json', 'print only a JSON summary when the run ends')
    .action(
      act(async (runId: string, opts: { json?: boolean }) =>
        withLoom(cli, async (loom) => {
          const json = opts.json === true;
          const view = viewFor(json);
          const handle = loom.engine.resume(runId, { onEvent: (e, state) => view?.event(e, state) });
          const off = onInterrupt(handle.cancel, () => process.exit(EXIT.interrupted));
          const state = await handle.done;
          off();
          return finish(state, view, json);
        }),
      ),
    );

  withTemporalFlags(cli.command('cancel <runId>').description('cancel a running run, on either engine').option('--reason <text>', 'why', 'cancelled by the user')).action(
    act(async (runId: string, opts: TemporalFlags & { reason: string }) =>
      withLoom(cli, async (loom) => {
        await controlRun(loom, runId, { kind: 'cancel', reason: opts.reason }, (fn) => withTemporal(opts, fn));
        process.stdout.write(`asked run ${runId} to cancel\n`);
        return EXIT.ok;
      }),
    ),
  );

  withTemporalFlags(
    cli
      .command('approve <runId> <nodeId>')
      .description('let an approval gate pass (or fail it with --reject), on either engine')
      .option('--reject', 'reject instead of approving')
      .option('--reason <text>', 'why', '')
      .option('--by <name>', 'who decides', userInfo().username),
  ).action(
    act(async (runId: string, nodeId: string, opts: TemporalFlags & { reject?: boolean; reason: string; by: string }) =>
      withLoom(cli, async (loom) => {
        const approved = opts.reject !== true;
        await controlRun(loom, runId, { kind: approved ? 'approve' : 'reject', nodeId, reason: opts.reason, by: opts.by }, (fn) => withTemporal(opts, fn));
        process.stdout.write(`${approved ? 'approved' : 'rejected'} node ${nodeId} of run ${runId}\n`);
        return EXIT.ok;
      }),
    ),
  );
}

/** A Temporal client for the length of `fn` (the SDK is loaded on demand: most commands never need it). */
export async function withTemporal<T>(flags: TemporalFlags, fn: (client: TemporalClient) => Promise<T>): Promise<T> {
  const client = await connectTemporal(settingsFrom(flags));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** A node's output of a run on either engine: the journal's state for embedded runs, else Temporal's. */
async function nodeOutput(loom: Loom, runId: string, nodeId: string, port: string | undefined, flags: TemporalFlags) {
  const state = journalState(loom.journal, runId) ?? (await withTemporal(flags, (client) => client.state(runId)));
  const found = findOutput(state, nodeId, port);
  if (!found.ok) throw new LoomError('USAGE', found.message);
  return found.ref;
}

export function registerPreviewCommand(cli: Command, act: Act): void {
  withTemporalFlags(
    cli
      .command('preview <runId> <nodeId>')
      .description("show a node's output: a dataset's schema and first rows, or a JSON artifact")
      .option('--port <port>', 'which output (default: the first)')
      .option('--rows <n>', 'how many rows', positiveInt, 20)
      .option('--json', 'print JSON'),
  ).action(
    act(async (runId: string, nodeId: string, opts: TemporalFlags & { port?: string; rows: number; json?: boolean }) =>
      withLoom(cli, async (loom) => {
        const ref = await nodeOutput(loom, runId, nodeId, opts.port, opts);
        const preview = await previewArtifact(loom.artifacts, ref, opts.rows);
        process.stdout.write(opts.json ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
        return EXIT.ok;
      }),
    ),
  );
}

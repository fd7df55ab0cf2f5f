/** `loom worker`, `loom schedule ...` and `loom runs`, which also lists Temporal runs. */
import { Option, type Command } from 'commander';
import type { TemporalClient } from '../temporal/client.js';
import { emptyRunState, type RunState } from '../run/state.js';
import { checkedWorkflow, collectParam, EXIT, positiveInt, settingsFrom, withLoom, withTemporalFlags, type Act, type TemporalFlags } from './common.js';
import { formatRuns } from './listings.js';
import { embeddedRuns, rowFor, temporalStatus, type RunRow } from '../run-access.js';
import { withTemporal } from './run-commands.js';

const STATE_QUERY_TIMEOUT_MS = 3000;

async function temporalRuns(client: TemporalClient, limit: number): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  for (const run of await client.list(limit)) {
    // A closed run answers queries only through a worker; without one, list what Temporal itself knows.
    const state = await Promise.race([client.state(run.runId).catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), STATE_QUERY_TIMEOUT_MS).unref())]);
    const fallback: RunState = emptyRunState(run.runId, run.workflow, []);
    const status = state?.status ?? temporalStatus(run.status);
    rows.push(rowFor(state ?? fallback, 'temporal', status, run.startedAt, run.finishedAt));
  }
  return rows;
}

export function registerTemporalCommands(cli: Command, act: Act): void {
  withTemporalFlags(
    cli
      .command('worker')
      .description('run a Temporal worker: polls the task queue and runs nodes with the installed plugins')
      .option('--concurrency <n>', 'node activities to run at once', positiveInt, 16),
  ).action(
    act(async (opts: TemporalFlags & { concurrency: number }) =>
      withLoom(cli, async (loom) => {
        const settings = settingsFrom(opts);
        const { createWorker } = await import('../temporal/worker.js');
        const worker = await createWorker(loom, settings, { concurrency: opts.concurrency });
        const stop = () => worker.shutdown();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stdout.write(`worker polling task queue "${settings.taskQueue}" on ${settings.address} (namespace ${settings.namespace}, data home ${loom.home})\n`);
        await worker.run();
        return EXIT.ok;
      }),
    ),
  );

  withTemporalFlags(
    cli
      .command('runs')
      .description('list recent runs')
      .addOption(new Option('--engine <engine>', 'which runs').choices(['embedded', 'temporal', 'all']).default('embedded'))
      .option('--json', 'print JSON')
      .option('--limit <n>', 'how many', positiveInt, 20),
  ).action(
    act(async (opts: TemporalFlags & { engine: string; json?: boolean; limit: number }) =>
      withLoom(cli, async (loom) => {
        const rows = opts.engine === 'temporal' ? [] : embeddedRuns(loom.journal, opts.limit);
        if (opts.engine !== 'embedded') rows.push(...(await withTemporal(opts, (client) => temporalRuns(client, opts.limit))));
        rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        process.stdout.write(formatRuns(rows.slice(0, opts.limit), opts.json === true));
        return EXIT.ok;
      }),
    ),
  );

  const schedule = cli.command('schedule').description('periodic runs on Temporal Schedules');
  withTemporalFlags(
    schedule
      .command('create <file>')
      .description('start a run of the workflow on every tick of a cron expression')
      .requiredOption('--cron <expr>', 'when, e.g. "0 3 * * 1" (Mondays at 03:00 UTC)')
      .option('--id <id>', 'the schedule id (default: the workflow name)')
      .option('--param <name=value>', 'a value for a workflow param (repeatable)', collectParam, {})
      .option('--concurrency <n>', 'nodes to run at once', positiveInt, 4),
  ).action(
    act(async (file: string, opts: TemporalFlags & { cron: string; id?: string; param: Record<string, string>; concurrency: number }) =>
      withLoom(cli, async (loom) => {
        const result = await checkedWorkflow(loom, file, opts.param, true);
        if (!result) return EXIT.failed;
        const id = opts.id ?? result.workflow.name;
        await withTemporal(opts, (client) => client.createSchedule(id, result.workflow, opts.cron, { concurrency: opts.concurrency }));
        process.stdout.write(`schedule ${id} created: ${result.workflow.name} at "${opts.cron}"\n`);
        return EXIT.ok;
      }),
    ),
  );
  withTemporalFlags(schedule.command('list').description('list Loom schedules').option('--json', 'print JSON')).action(
    act(async (opts: TemporalFlags & { json?: boolean }) => {
      const schedules = await withTemporal(opts, (client) => client.listSchedules());
      if (opts.json) process.stdout.write(`${JSON.stringify(schedules, null, 2)}\n`);
      else if (schedules.length === 0) process.stdout.write('no schedules\n');
      else for (const s of schedules) process.stdout.write(`${s.id}  ${s.workflow}  "${s.cron}"  next: ${s.nextRuns[0] ?? '-'}\n`);
      return EXIT.ok;
    }),
  );
  withTemporalFlags(schedule.command('delete <id>').description('delete a schedule (runs it started are kept)')).action(
    act(async (id: string, opts: TemporalFlags) => {
      await withTemporal(opts, (client) => client.deleteSchedule(id));
      process.stdout.write(`schedule ${id} deleted\n`);
      return EXIT.ok;
    }),
  );
}

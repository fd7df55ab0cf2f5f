/**
 * `loom models list | show | versions | history | rollback`: the model registry of the data home. Tables for
 * people, `--json` for scripts; registry errors (unknown model, nothing to roll back to) exit 1 with the
 * registry's own message.
 */
import type { Command } from 'commander';
import type { AliasMove, ModelVersion, RegisteredModel } from '../registry/types.js';
import { cliActor, EXIT, positiveInt, UsageError, withLoom, type Act } from './common.js';
import { table } from './listings.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const aliasList = (aliases: Readonly<Record<string, number>>) =>
  Object.entries(aliases)
    .map(([alias, version]) => `${alias}=${version}`)
    .join(' ') || '-';
const aliasesOf = (model: RegisteredModel, version: number) =>
  Object.entries(model.aliases)
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .join(',') || '-';
const metricList = (metrics: ModelVersion['metrics']) =>
  Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(' ') || '-';
const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const version = (v: number | null) => (v === null ? '-' : String(v));

export function formatModels(models: RegisteredModel[]): string {
  if (models.length === 0) return 'no models registered yet\n';
  return table([['MODEL', 'VERSIONS', 'LATEST', 'ALIASES', 'UPDATED'], ...models.map((m) => [m.name, String(m.versions), String(m.latest), aliasList(m.aliases), minute(m.updatedAt)])]);
}

export function formatVersions(model: RegisteredModel, versions: ModelVersion[]): string {
  return table([
    ['VERSION', 'ALIASES', 'ALGORITHM', 'ENCRYPTED', 'CREATED', 'BY', 'METRICS'],
    ...versions.map((v) => [String(v.version), aliasesOf(model, v.version), v.algorithm, v.encrypted ? 'yes' : 'no', minute(v.createdAt), v.createdBy, metricList(v.metrics)]),
  ]);
}

export function formatHistory(name: string, moves: AliasMove[]): string {
  if (moves.length === 0) return `model "${name}": no alias has been moved yet\n`;
  return table([['AT', 'ALIAS', 'KIND', 'FROM', 'TO', 'ACTOR', 'REASON'], ...moves.map((m) => [minute(m.at), m.alias, m.kind, version(m.from), version(m.to), m.actor, m.reason])]);
}

function formatShow(model: RegisteredModel, latest: ModelVersion): string {
  const lineage = latest.lineage.runId ? `run ${latest.lineage.runId}${latest.lineage.nodeId ? ` node ${latest.lineage.nodeId}` : ''}` : '-';
  return [
    `model     ${model.name}`,
    `versions  ${model.versions} (latest ${model.latest})`,
    `aliases   ${aliasList(model.aliases)}`,
    `created   ${model.createdAt}`,
    `updated   ${model.updatedAt}`,
    '',
    `latest version ${latest.version}: ${latest.algorithm}${latest.encrypted ? ', encrypted' : ''}, by ${latest.createdBy} at ${latest.createdAt}`,
    `  metrics  ${metricList(latest.metrics)}`,
    `  lineage  ${lineage}`,
    '',
  ].join('\n');
}

export function registerModelsCommands(cli: Command, act: Act): void {
  const models = cli.command('models').description('the model registry: versions, aliases, their history, rollback');
  const withJson = (command: Command) => command.option('--json', 'print JSON');

  withJson(models.command('list').description('every registered model with its aliases')).action(
    act(async (opts: { json?: boolean }) =>
      withLoom(cli, async (loom) => {
        const list = await loom.models.models();
        process.stdout.write(opts.json ? json(list) : formatModels(list));
        return EXIT.ok;
      }),
    ),
  );

  withJson(models.command('show <name>').description('one model: aliases and its latest version')).action(
    act(async (name: string, opts: { json?: boolean }) =>
      withLoom(cli, async (loom) => {
        const model = await loom.models.model(name);
        const latest = await loom.models.version(name, model.latest);
        process.stdout.write(opts.json ? json({ ...model, latestVersion: latest }) : formatShow(model, latest));
        return EXIT.ok;
      }),
    ),
  );

  withJson(models.command('versions <name>').description('a model\'s versions, newest first')).action(
    act(async (name: string, opts: { json?: boolean }) =>
      withLoom(cli, async (loom) => {
        const versions = await loom.models.versions(name);
        process.stdout.write(opts.json ? json(versions) : formatVersions(await loom.models.model(name), versions));
        return EXIT.ok;
      }),
    ),
  );

  withJson(models.command('history <name>').description('every alias move of a model, oldest first').option('--alias <alias>', 'only this alias')).action(
    act(async (name: string, opts: { json?: boolean; alias?: string }) =>
      withLoom(cli, async (loom) => {
        const moves = await loom.models.history(name, opts.alias);
        process.stdout.write(opts.json ? json(moves) : formatHistory(name, moves));
        return EXIT.ok;
      }),
    ),
  );

  withJson(
    models
      .command('rollback <name>')
      .description('move production (or --alias) back: to the version it held before, or to --to')
      .requiredOption('--reason <text>', 'why (kept in the alias history and the audit log)')
      .option('--to <version>', 'the version to move to', positiveInt)
      .option('--alias <alias>', 'the alias to move', 'production'),
  ).action(
    act(async (name: string, opts: { json?: boolean; reason: string; to?: number; alias: string }) =>
      withLoom(cli, async (loom) => {
        if (opts.reason.trim() === '') throw new UsageError('models rollback: --reason must say why');
        const actor = cliActor();
        const move = await loom.models.rollback({ name, alias: opts.alias, to: opts.to, actor, reason: opts.reason });
        await loom.models.audit({ actor, action: 'model.rollback', target: `${move.name}:${move.alias}`, detail: { from: move.from, to: move.to, reason: opts.reason } });
        process.stdout.write(opts.json ? json(move) : `model "${name}": ${move.alias} rolled back from version ${version(move.from)} to ${version(move.to)} (${opts.reason})\n`);
        return EXIT.ok;
      }),
    ),
  );
}

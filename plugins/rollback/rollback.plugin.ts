/**
 * rollback: moves a model's alias (`production` by default) back to the version that held it before, or to a
 * named version, recording who and why. Wired to a post-publish check (evaluate's metrics on fresh data), it rolls
 * back only when that check failed, so a workflow can undo a bad release by itself; wired to publish's output too,
 * only when that publish promoted a version that still holds the alias (never a production it did not touch).
 */
import { definePlugin, Type } from '../../engine/sdk.js';

interface Check {
  readonly pass?: boolean;
  readonly reason?: string;
}

/** publish's output. */
interface Published {
  readonly name?: string;
  readonly version?: number;
  readonly promoted?: boolean;
}

export default definePlugin({
  name: 'rollback',
  version: '1.0.0',
  title: 'Roll back a model',
  description:
    'Moves the "production" alias of a registered model back to its previous holder (or to a given version). With a check wired in, ' +
    'only when that check did not pass.',
  category: 'publish',
  volatile: true,
  inputs: {
    check: {
      type: 'metrics',
      optional: true,
      title: 'Check',
      description: 'Metrics with a "pass" verdict, e.g. evaluate on fresh data; the rollback happens only when pass is false.',
    },
    published: {
      type: 'json',
      optional: true,
      title: 'Published',
      description: "publish's output: roll back only what this run's publish promoted (and only while it still holds the alias).",
    },
  },
  outputs: { result: { type: 'json', title: 'Result', description: '{ rolledBack, name, alias, from, to, reason }' } },
  config: Type.Object(
    {
      name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'The registered model name.' }),
      alias: Type.String({ default: 'production', description: 'The alias to move back.' }),
      to: Type.Optional(Type.Integer({ minimum: 1, description: 'The version to go back to (default: the previous holder of the alias).' })),
      reason: Type.String({ minLength: 1, default: 'rolled back by a workflow', description: 'Why; kept in the alias history.' }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    const { name, alias, to, reason } = ctx.config;
    const actor = `workflow:${ctx.workflow}`;
    const keep = async (because: string) => {
      ctx.log.info(because);
      return { result: await ctx.artifacts.putJson('json', { rolledBack: false, name, alias, from: null, to: null, reason: because }) };
    };
    if (ctx.inputs.published) {
      const published = await ctx.artifacts.readJson<Published>(ctx.inputs.published);
      if (published.promoted !== true) return keep(`this run's publish promoted nothing (${published.name}@${published.version}): "${alias}" is not this run's to roll back`);
      const holder = await ctx.models.resolve(name, alias);
      if (holder?.version !== published.version) return keep(`"${alias}" is now version ${holder?.version ?? 'none'}, not version ${published.version} that this run published: left alone`);
    }
    let why = reason;
    if (ctx.inputs.check) {
      const check = await ctx.artifacts.readJson<Check>(ctx.inputs.check);
      if (check.pass !== false) return keep(`the check passed: ${check.reason ?? 'no regression'}`);
      why = `${reason}: the check failed: ${check.reason ?? 'no reason given'}`;
    }
    const move = await ctx.models.rollback({ name, alias, ...(to === undefined ? {} : { to }), actor, reason: why });
    await ctx.models.audit({ actor, action: 'model.rollback', target: `${name}:${alias}`, detail: { alias, from: move.from, to: move.to, reason: why, run: ctx.runId } });
    ctx.log.warn(`${name}: "${alias}" moved back from version ${move.from} to ${move.to}: ${why}`);
    const result = { rolledBack: true, name, alias, from: move.from, to: move.to, reason: why };
    return { result: await ctx.artifacts.putJson('json', result) };
  },
});

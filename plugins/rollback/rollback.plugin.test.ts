import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { definePlugin, Type } from '../../engine/sdk.js';
import type { Loom } from '../../engine/loom.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import rollback from './rollback.plugin.js';

pluginContract(asAnyPlugin(rollback));

/** Stands in for a post-publish evaluate: a check with the given verdict. */
const check = definePlugin({
  name: 'check',
  version: '1.0.0',
  title: 'Check',
  description: 'Test only: a verdict.',
  category: 'test',
  outputs: { metrics: { type: 'metrics' } },
  config: Type.Object({ pass: Type.Boolean() }),
  async run(ctx) {
    const reason = ctx.config.pass ? 'ndcg@10 on fresh data 0.36 ≥ 0.35' : 'ndcg@10 on fresh data fell to 0.21';
    return { metrics: await ctx.artifacts.putJson('metrics', { pass: ctx.config.pass, reason }) };
  },
});

/** Stands in for publish: its output, as publish writes it. */
const published = definePlugin({
  name: 'published',
  version: '1.0.0',
  title: 'Published',
  description: 'Test only: what publish answered.',
  category: 'test',
  outputs: { version: { type: 'json' } },
  config: Type.Object({ version: Type.Integer(), promoted: Type.Boolean() }),
  async run(ctx) {
    return { version: await ctx.artifacts.putJson('json', { name: 'recs', alias: 'production', ...ctx.config }) };
  },
});

const test = loomTest([asAnyPlugin(check), asAnyPlugin(published)]);

/** Registers versions 1..n of "recs" and moves production through them in order. */
async function releases(loom: Loom, n: number) {
  for (let i = 1; i <= n; i++) {
    const sha256 = String(i).repeat(64);
    const v = await loom.models.register({ name: 'recs', artifact: { type: 'model', uri: `loom://artifacts/${sha256}`, sha256, bytes: 1 }, algorithm: 'rebuy', actor: 'test' });
    await loom.models.moveAlias({ name: 'recs', alias: 'production', to: v.version, actor: 'test', reason: 'release' });
  }
}

// check ─► rollback
const guarded = (pass: boolean) =>
  workflow('guard')
    .node('check', 'check', { config: { pass } })
    .node('rollback', 'rollback', { config: { name: 'recs', reason: 'post-publish check' }, inputs: { check: 'check.metrics' } })
    .build();

describe('rollback', () => {
  test('with a failed check: production goes back to the previous version, and the history says why', async ({ loom }) => {
    await releases(loom, 3);
    const state = await runDoc(loom, guarded(false));
    expect(await loom.artifacts.readJson(state.nodes.rollback!.outputs!.result!)).toEqual({
      rolledBack: true,
      name: 'recs',
      alias: 'production',
      from: 3,
      to: 2,
      reason: 'post-publish check: the check failed: ndcg@10 on fresh data fell to 0.21',
    });
    expect((await loom.models.history('recs')).at(-1)).toMatchObject({ kind: 'rollback', from: 3, to: 2, actor: 'workflow:guard' });
    expect((await loom.models.auditLog())[0]).toMatchObject({ action: 'model.rollback', target: 'recs:production', detail: { from: 3, to: 2 } });
  });

  test('with a passed check: nothing moves', async ({ loom }) => {
    await releases(loom, 2);
    const state = await runDoc(loom, guarded(true));
    expect(await loom.artifacts.readJson(state.nodes.rollback!.outputs!.result!)).toMatchObject({ rolledBack: false, reason: 'the check passed: ndcg@10 on fresh data 0.36 ≥ 0.35' });
    expect((await loom.models.resolve('recs', 'production'))?.version).toBe(2);
  });

  test('without a check, to a named version', async ({ loom }) => {
    await releases(loom, 3);
    await runDoc(loom, workflow('ops').node('rollback', 'rollback', { config: { name: 'recs', to: 1, reason: 'known good' } }).build());
    expect((await loom.models.resolve('recs', 'production'))?.version).toBe(1);
  });

  test('nothing to roll back to fails the node with the registry\'s reason', async ({ loom }) => {
    await releases(loom, 1);
    const state = await runDoc(loom, guarded(false));
    expect(state.nodes.rollback!.status).toBe('failed');
    expect(state.nodes.rollback!.error!.message).toContain('model "recs": version 1 was the first to hold "production"; there is nothing to roll back to');
  });

  // publish ─► rollback ◄─ check (failed)
  const afterPublish = (version: number, promoted: boolean) =>
    workflow('guard')
      .node('publish', 'published', { config: { version, promoted } })
      .node('check', 'check', { config: { pass: false } })
      .node('rollback', 'rollback', { config: { name: 'recs' }, inputs: { check: 'check.metrics', published: 'publish.version' } })
      .build();

  test('told what publish did, it rolls back only a version this run promoted and that still holds the alias', async ({ loom }) => {
    await releases(loom, 3);
    const notPromoted = await runDoc(loom, afterPublish(3, false));
    expect(await loom.artifacts.readJson(notPromoted.nodes.rollback!.outputs!.result!)).toMatchObject({
      rolledBack: false,
      reason: 'this run\'s publish promoted nothing (recs@3): "production" is not this run\'s to roll back',
    });
    const moved = await runDoc(loom, afterPublish(2, true));
    expect(await loom.artifacts.readJson(moved.nodes.rollback!.outputs!.result!)).toMatchObject({ rolledBack: false, reason: '"production" is now version 3, not version 2 that this run published: left alone' });
    expect((await loom.models.resolve('recs', 'production'))?.version).toBe(3);
    const ours = await runDoc(loom, afterPublish(3, true));
    expect(await loom.artifacts.readJson(ours.nodes.rollback!.outputs!.result!)).toMatchObject({ rolledBack: true, from: 3, to: 2 });
  });
});

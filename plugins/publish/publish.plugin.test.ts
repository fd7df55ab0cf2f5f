import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { definePlugin, Type, type JsonObject } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, startDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import publish from './publish.plugin.js';

pluginContract(asAnyPlugin(publish));

/** Stands in for train: a model artifact whose bytes are the config's `bytes` string. */
const fakeModel = definePlugin({
  name: 'fake-model',
  version: '1.0.0',
  title: 'Fake model',
  description: 'Test only: a model artifact with the given bytes.',
  category: 'test',
  outputs: { model: { type: 'model' } },
  config: Type.Object({ bytes: Type.String(), sealedDigest: Type.Optional(Type.String()) }),
  async run(ctx) {
    const { bytes, sealedDigest } = ctx.config;
    const meta: JsonObject = sealedDigest ? { algorithm: 'rebuy', encrypted: true, model: 'recs', digest: sealedDigest } : { algorithm: 'rebuy' };
    return { model: await ctx.artifacts.putBytes('model', new TextEncoder().encode(bytes), meta) };
  },
});

/** Stands in for evaluate: its verdict, as evaluate writes it. */
const verdict = definePlugin({
  name: 'verdict',
  version: '1.0.0',
  title: 'Verdict',
  description: 'Test only: evaluate-shaped metrics with the given verdict.',
  category: 'test',
  outputs: { metrics: { type: 'metrics' } },
  config: Type.Object({ pass: Type.Boolean(), production: Type.Optional(Type.Integer()) }),
  async run(ctx) {
    const { pass, production } = ctx.config;
    const metrics = {
      pass,
      reason: pass ? 'ndcg@10 beats rebuy by 0.05 (0.04 to 0.06)' : 'ndcg@10 does not beat rebuy: -0.01 (-0.02 to 0.00)',
      k: 10,
      models: [{ name: 'ranker', algorithm: 'ranker', ndcg: 0.37 }],
      comparisons: [],
      ...(production === undefined ? {} : { production: { model: 'recs', alias: 'production', version: production } }),
    };
    return { metrics: await ctx.artifacts.putJson('metrics', metrics) };
  },
});

const test = loomTest([asAnyPlugin(fakeModel), asAnyPlugin(verdict as never)]);

// model ─► publish ◄─ metrics
function release(bytes: string, verdictConfig: { pass: boolean; production?: number }, publishConfig: Record<string, unknown> = {}, sealedDigest?: string) {
  return workflow('release')
    .node('model', 'fake-model', { config: { bytes, ...(sealedDigest ? { sealedDigest } : {}) } })
    .node('metrics', 'verdict', { config: verdictConfig })
    .node('publish', 'publish', { config: { name: 'recs', ...publishConfig }, inputs: { model: 'model.model', metrics: 'metrics.metrics' } })
    .build();
}

describe('publish', () => {
  test('the first model that passes its gate becomes production, with its lineage and an audit entry', async ({ loom }) => {
    const state = await runDoc(loom, release('model one', { pass: true }));
    expect(await loom.artifacts.readJson(state.nodes.publish!.outputs!.version!)).toEqual({
      name: 'recs',
      version: 1,
      promoted: true,
      alias: 'production',
      previous: null,
      reason: 'first "production" version; gate passed: ndcg@10 beats rebuy by 0.05 (0.04 to 0.06)',
      encrypted: false,
    });
    const v1 = await loom.models.version('recs', 1);
    expect(v1).toMatchObject({ algorithm: 'rebuy', createdBy: 'workflow:release', metrics: { ndcg: 0.37, pass: true }, lineage: { workflow: 'release', nodeId: 'publish', runId: state.runId } });
    expect(v1.lineage.inputs.map((i) => `${i.node}.${i.port}`)).toEqual(['model.model', 'metrics.metrics']);
    expect(v1.lineage.inputs[0]!.sha256).toBe(state.nodes.model!.outputs!.model!.sha256);
    expect((await loom.models.resolve('recs', 'production'))?.version).toBe(1);
    expect((await loom.models.auditLog())[0]).toMatchObject({ actor: 'workflow:release', action: 'model.publish', target: 'recs@1', detail: { promoted: true } });
  });

  test('a model that fails its gate is registered but never promoted', async ({ loom }) => {
    const state = await runDoc(loom, release('weak model', { pass: false }));
    expect(await loom.artifacts.readJson(state.nodes.publish!.outputs!.version!)).toMatchObject({
      version: 1,
      promoted: false,
      reason: 'the evaluation gate did not pass: ndcg@10 does not beat rebuy: -0.01 (-0.02 to 0.00)',
    });
    expect(await loom.models.resolve('recs', 'production')).toBeUndefined();
  });

  test('replacing production needs an evaluation against the version in production', async ({ loom }) => {
    await runDoc(loom, release('model one', { pass: true }));
    const unchecked = await runDoc(loom, release('model two', { pass: true }));
    expect(await loom.artifacts.readJson(unchecked.nodes.publish!.outputs!.version!)).toMatchObject({
      version: 2,
      promoted: false,
      reason: '"production" is version 1 and it was not compared with it; set evaluate\'s "production" option so the gate includes the model in production',
    });
    const stale = await runDoc(loom, release('model three', { pass: true, production: 2 }));
    expect(await loom.artifacts.readJson(stale.nodes.publish!.outputs!.version!)).toMatchObject({ version: 3, promoted: false });
    const checked = await runDoc(loom, release('model four', { pass: true, production: 1 }));
    expect(await loom.artifacts.readJson(checked.nodes.publish!.outputs!.version!)).toMatchObject({ version: 4, promoted: true, previous: 1 });
    expect((await loom.models.history('recs')).map((m) => [m.from, m.to, m.actor])).toEqual([
      [null, 1, 'workflow:release'],
      [1, 4, 'workflow:release'],
    ]);
  });

  test('publishing the same artifact again reuses its version', async ({ loom }) => {
    await runDoc(loom, release('model one', { pass: true }));
    const again = await runDoc(loom, release('model one', { pass: true }));
    expect(await loom.artifacts.readJson(again.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: false, reason: 'recs@1 already holds "production"' });
    expect((await loom.models.model('recs')).versions).toBe(1);
  });

  test('the same model sealed again (other bytes, same plaintext digest) reuses its version', async ({ loom }) => {
    await runDoc(loom, release('sealed once', { pass: true }, {}, 'd1'));
    const again = await runDoc(loom, release('sealed twice', { pass: true }, {}, 'd1'));
    expect(await loom.artifacts.readJson(again.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, reason: 'recs@1 already holds "production"' });
    const other = await runDoc(loom, release('another model', { pass: true, production: 1 }, {}, 'd2'));
    expect(await loom.artifacts.readJson(other.nodes.publish!.outputs!.version!)).toMatchObject({ version: 2, promoted: true });
  });

  test('with a person in the loop: publish waits for the approval gate in front of it, and runs once approved', async ({ loom }) => {
    // model ─► approve ─► publish ◄─ metrics
    const doc = workflow('release')
      .node('model', 'fake-model', { config: { bytes: 'reviewed model' } })
      .node('metrics', 'verdict', { config: { pass: true } })
      .node('gate', 'approve', { inputs: { in: 'model.model' }, config: { message: 'publish this model?' } })
      .node('publish', 'publish', { config: { name: 'recs' }, inputs: { model: 'gate.out', metrics: 'metrics.metrics' } })
      .build();
    const run = startDoc(loom, doc, {
      onEvent: (event) => {
        if (event.type === 'node.waiting') loom.engine.control(run.runId, { kind: 'approve', nodeId: 'gate', reason: 'metrics look right', by: 'alice' });
      },
    });
    const state = await run.done;
    expect(state.nodes.gate!.status).toBe('succeeded');
    expect(await loom.artifacts.readJson(state.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: true });
    expect(loom.journal.events(run.runId).some((e) => e.type === 'node.log' && e.nodeId === 'gate' && e.message === 'approved by alice: metrics look right')).toBe(true);
  });

  test('promote "never" registers only', async ({ loom }) => {
    const state = await runDoc(loom, release('staged', { pass: true }, { promote: 'never' }));
    expect(await loom.artifacts.readJson(state.nodes.publish!.outputs!.version!)).toMatchObject({ version: 1, promoted: false, reason: 'promote is "never": registered only' });
  });
});

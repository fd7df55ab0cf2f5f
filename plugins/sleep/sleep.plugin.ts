import { setTimeout as wait } from 'node:timers/promises';
import { definePlugin, Type } from '../../engine/sdk.js';

const STEP_MS = 100;

export default definePlugin({
  name: 'sleep',
  version: '1.0.0',
  title: 'Sleep',
  description: 'Waits for a while, reporting progress; stops at once when the run is cancelled.',
  category: 'utility',
  inputs: { in: { type: 'any', optional: true, description: 'Wired only to order this node after another.' } },
  outputs: { out: { type: 'json', description: '{ "sleptMs": <ms> }' } },
  config: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 1000, description: 'How long to wait.' }) }, { additionalProperties: false }),
  async run(ctx) {
    const { ms } = ctx.config;
    const started = Date.now();
    for (let elapsed = 0; elapsed < ms; elapsed = Date.now() - started) {
      await wait(Math.min(STEP_MS, ms - elapsed), undefined, { signal: ctx.signal });
      ctx.progress(Math.min(1, (Date.now() - started) / ms), `${Math.min(ms, Date.now() - started)} of ${ms} ms`);
    }
    return { out: await ctx.artifacts.putJson('json', { sleptMs: ms }) };
  },
});

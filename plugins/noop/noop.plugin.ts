import { definePlugin } from '../../engine/sdk.js';

export default definePlugin({
  name: 'noop',
  version: '1.0.0',
  title: 'No-op',
  description: 'Passes its input through unchanged (or JSON null when nothing is wired); for wiring, tests and benchmarks.',
  category: 'utility',
  inputs: { in: { type: 'any', optional: true } },
  outputs: { out: { type: 'any' } },
  async run(ctx) {
    return { out: ctx.inputs.in ?? (await ctx.artifacts.putJson('json', null)) };
  },
});

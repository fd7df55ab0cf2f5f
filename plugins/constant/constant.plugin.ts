import { definePlugin, Type } from '../../engine/sdk.js';

export default definePlugin({
  name: 'constant',
  version: '1.0.0',
  title: 'Constant',
  description: 'Emits its config as a JSON artifact: a fixed value for other nodes to read.',
  category: 'utility',
  outputs: { out: { type: 'json', title: 'Value' } },
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON object; it becomes the output.' }),
  async run(ctx) {
    return { out: await ctx.artifacts.putJson('json', ctx.config as never) };
  },
});

import { definePlugin, PluginError, Type } from '../../engine/sdk.js';

export default definePlugin({
  name: 'fail',
  version: '1.0.0',
  title: 'Fail',
  description: 'Fails its first `times` attempts, then succeeds: for trying out retries and failure handling.',
  category: 'utility',
  inputs: { in: { type: 'any', optional: true } },
  outputs: { out: { type: 'json', description: '{ "attempt": <the attempt that succeeded> }' } },
  config: Type.Object(
    {
      times: Type.Integer({ minimum: 0, default: 1, description: 'How many attempts fail before one succeeds.' }),
      message: Type.String({ default: 'failed on purpose', description: 'The error message of each failure.' }),
      retryable: Type.Boolean({ default: true, description: 'Whether the failure may be retried.' }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    const { times, message, retryable } = ctx.config;
    if (ctx.attempt <= times) throw new PluginError(`${message} (attempt ${ctx.attempt} of the first ${times})`, { retryable });
    return { out: await ctx.artifacts.putJson('json', { attempt: ctx.attempt }) };
  },
});

import { asAnyPlugin } from '../engine/plugin/define.js';
import { definePlugin, Type } from '../engine/sdk.js';

/**
 * A no-op that passes its input through, with a per-node config so that every node has its own cache key
 * (the built-in noop would make every node after the first a cache hit, which measures the cache, not the engine).
 */
export const benchNoop = asAnyPlugin(
  definePlugin({
    name: 'bench-noop', version: '1.0.0', title: 'Bench no-op', description: 'Passes its input through.', category: 'utility',
    inputs: { in: { type: 'any', optional: true } },
    outputs: { out: { type: 'any' } },
    config: Type.Object({ i: Type.Integer(), salt: Type.Optional(Type.String()) }),
    async run(ctx) {
      return { out: ctx.inputs.in ?? (await ctx.artifacts.putJson('json', null)) };
    },
  }),
);

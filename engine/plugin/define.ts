import type { TSchema } from '@sinclair/typebox';
import type { AnyPlugin, PluginDefinition, PortSpecs } from './types.js';

/**
 * Declares a plugin. It returns its argument unchanged: it exists so that TypeScript infers the config type
 * from the config schema and the input types from the ports.
 *
 * @example
 * export default definePlugin({
 *   name: 'sleep', version: '1.0.0', title: 'Sleep', description: 'Waits.', category: 'utility',
 *   outputs: {}, config: Type.Object({ ms: Type.Integer({ minimum: 0 }) }),
 *   async run(ctx) { await setTimeout(ctx.config.ms, undefined, { signal: ctx.signal }); return {}; },
 * });
 */
export function definePlugin<
  const S extends TSchema | undefined = undefined,
  const I extends PortSpecs = {},
  const O extends PortSpecs = {},
>(definition: PluginDefinition<S, I, O>): PluginDefinition<S, I, O> {
  return definition;
}

/** Widens a typed plugin for collections; the engine checks configs and ports at run time. */
export function asAnyPlugin<S extends TSchema | undefined, I extends PortSpecs, O extends PortSpecs>(
  plugin: PluginDefinition<S, I, O>,
): AnyPlugin {
  return plugin as unknown as AnyPlugin;
}

import type { AnyPlugin, PortSpec } from './types.js';

/** A plugin as JSON: what `loom plugins --json`, the API and the editor palette show. */
export function describePlugin(plugin: AnyPlugin) {
  const ports = (specs: Record<string, PortSpec> | undefined) =>
    Object.entries(specs ?? {}).map(([name, spec]) => ({ name, type: spec.type, title: spec.title ?? name, description: spec.description ?? '', optional: spec.optional === true, many: spec.many === true }));
  return {
    name: plugin.name,
    version: plugin.version,
    title: plugin.title,
    description: plugin.description,
    category: plugin.category,
    inputs: ports(plugin.inputs),
    outputs: ports(plugin.outputs),
    config: JSON.parse(JSON.stringify(plugin.config ?? { type: 'object', properties: {}, additionalProperties: false })) as Record<string, unknown>,
  };
}

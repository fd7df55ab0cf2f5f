import type { PluginSource } from './source.js';
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

/**
 * `volatile`: true when a node of the plugin is never served from the cache, false when it is, and "config"
 * when the plugin decides per node from the node's config (e.g. a file reader that is volatile only without a
 * pinned version). `capabilities`: its declarations, every field filled in. `source`: `{ kind: 'builtin' }`,
 * `{ kind: 'package', name, version, path }` or `{ kind: 'module', path }` (a LOOM_PLUGINS file).
 */
export function pluginDescription(plugin: AnyPlugin, source: PluginSource = { kind: 'builtin' }) {
  const volatile = typeof plugin.volatile === 'function' ? ('config' as const) : plugin.volatile === true;
  const declared = plugin.capabilities ?? {};
  const capabilities = { network: declared.network === true, files: declared.files === true, secrets: [...(declared.secrets ?? [])] };
  // The entry file is the engine's business (what an isolated child imports), not the editor's.
  const shown = source.kind === 'package' ? { kind: source.kind, name: source.name, version: source.version, path: source.path } : source;
  return { ...describePlugin(plugin), volatile, capabilities, source: shown };
}

export type PluginDescription = ReturnType<typeof pluginDescription>;

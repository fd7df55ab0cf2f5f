/**
 * The plugin list from `GET /api/plugins`, looked up by the references nodes carry (`clean`, `clean@^1`,
 * `@acme/dedupe@1.2`): everything the editor draws comes from these descriptions, never from plugin-specific code.
 */
import type { NodeDoc, PluginDescription, PortDescription } from '../api/types';

export type PluginIndex = ReadonlyMap<string, PluginDescription>;

/** `clean@^1` → `clean`; `@acme/dedupe@1.2` → `@acme/dedupe` (the scope's `@` is not a range). */
export function pluginName(ref: string): string {
  const at = ref.indexOf('@', ref.startsWith('@') ? 1 : 0);
  return at < 0 ? ref : ref.slice(0, at);
}

export function indexPlugins(plugins: readonly PluginDescription[]): PluginIndex {
  return new Map(plugins.map((p) => [p.name, p]));
}

export function pluginOf(index: PluginIndex, node: Pick<NodeDoc, 'plugin'>): PluginDescription | undefined {
  return index.get(pluginName(node.plugin));
}

/** What a new node's `plugin` says: the name with a caret range on the installed major, as the examples do. */
export function pluginRef(plugin: Pick<PluginDescription, 'name' | 'version'>): string {
  const major = Number.parseInt(plugin.version, 10);
  return Number.isFinite(major) && major >= 1 ? `${plugin.name}@^${major}` : plugin.name;
}

export function inputPort(plugin: PluginDescription | undefined, port: string): PortDescription | undefined {
  return plugin?.inputs.find((p) => p.name === port);
}

export function outputPort(plugin: PluginDescription | undefined, port: string): PortDescription | undefined {
  return plugin?.outputs.find((p) => p.name === port);
}

/** A node id from a plugin name: ids are a letter, then letters, digits, `_` or `-`. */
export function idBase(pluginNameOrId: string): string {
  const bare = pluginNameOrId.slice(pluginNameOrId.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9_-]/g, '-');
  return /^[A-Za-z]/.test(bare) ? bare : `n${bare}`;
}

/** `base`, then `base-2`, `base-3`, … : the first not in `taken`. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

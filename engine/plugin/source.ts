/**
 * Where a plugin came from. Discovery tags each plugin object it loads; the registry reads the tag when the
 * plugin is registered, so that a plugin passed around as a plain definition (e.g. through the container)
 * keeps its origin. An untagged plugin is a built-in: it runs in the engine's process.
 */
import type { AnyPlugin } from './types.js';

export type PluginSource =
  | { readonly kind: 'builtin' }
  /** From an npm package with a `loom` field: its name, version, folder and the entry point that exported it. */
  | { readonly kind: 'package'; readonly name: string; readonly version: string; readonly path: string; readonly entry: string }
  /** From a single ES module named in LOOM_PLUGINS. */
  | { readonly kind: 'module'; readonly path: string };

const BUILTIN: PluginSource = Object.freeze({ kind: 'builtin' });
const tags = new WeakMap<AnyPlugin, PluginSource>();

/** Records where `plugin` came from and returns it. */
export function tagSource(plugin: AnyPlugin, source: PluginSource): AnyPlugin {
  tags.set(plugin, source);
  return plugin;
}

export function sourceOf(plugin: AnyPlugin): PluginSource {
  return tags.get(plugin) ?? BUILTIN;
}

/** The ES module a non-built-in plugin is loaded from (what an isolated child imports), or undefined for a built-in. */
export function entryOf(source: PluginSource): string | undefined {
  return source.kind === 'package' ? source.entry : source.kind === 'module' ? source.path : undefined;
}

/** For error messages: `package "acme-rules" (/path/to/it)`. */
export function describeSource(source: PluginSource): string {
  if (source.kind === 'builtin') return "Loom's built-in plugins";
  if (source.kind === 'module') return `module ${source.path}`;
  return `package "${source.name}@${source.version}" (${source.path})`;
}

/**
 * Loads extra plugins from ES modules named in `LOOM_PLUGINS` (comma-separated paths or package names).
 * A module may export plugins as its default export (one or a list) or as named exports. Each plugin is tagged
 * with its module as source: it is third-party code, run isolated.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LoomError } from '../errors.js';
import { tagSource } from './source.js';
import type { AnyPlugin } from './types.js';

function looksLikePlugin(value: unknown): value is AnyPlugin {
  const v = value as AnyPlugin;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.run === 'function';
}

/** Every plugin a module exports, once each, in export order. */
export function pluginsExportedBy(module: Record<string, unknown>): AnyPlugin[] {
  return [...new Set(Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value])).filter(looksLikePlugin))];
}

/** The file a specifier names: a path relative to `cwd`, or a package resolved from `cwd`. */
function moduleFile(specifier: string, cwd: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return resolve(cwd, specifier);
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  // NOTE: resolved with the `require` conditions; a package whose exports differ for `import` should be named
  // by path. The previous loader resolved bare names from Loom's own folder; `cwd` is what a user expects.
  try {
    return createRequire(pathToFileURL(resolve(cwd, 'noop.js'))).resolve(specifier);
  } catch {
    return createRequire(import.meta.url).resolve(specifier);
  }
}

export async function loadPluginModules(specifiers: readonly string[], cwd = process.cwd()): Promise<AnyPlugin[]> {
  const plugins: AnyPlugin[] = [];
  for (const specifier of specifiers) {
    let module: Record<string, unknown>;
    let path: string;
    try {
      path = moduleFile(specifier, cwd);
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new LoomError('PLUGIN_NOT_FOUND', `cannot load plugin module "${specifier}": ${(error as Error).message}`);
    }
    const found = pluginsExportedBy(module);
    if (found.length === 0) throw new LoomError('PLUGIN_NOT_FOUND', `plugin module "${specifier}" exports no plugin`);
    plugins.push(...found.map((plugin) => tagSource(plugin, { kind: 'module', path })));
  }
  return plugins;
}

export function pluginModulesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LOOM_PLUGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

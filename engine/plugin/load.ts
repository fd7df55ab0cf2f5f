/**
 * Loads extra plugins from ES modules named in `LOOM_PLUGINS` (comma-separated paths or package names).
 * A module may export plugins as its default export (one or a list) or as named exports.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LoomError } from '../errors.js';
import type { AnyPlugin } from './types.js';

function looksLikePlugin(value: unknown): value is AnyPlugin {
  const v = value as AnyPlugin;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.run === 'function';
}

export async function loadPluginModules(specifiers: readonly string[], cwd = process.cwd()): Promise<AnyPlugin[]> {
  const plugins: AnyPlugin[] = [];
  for (const specifier of specifiers) {
    const isPath = specifier.startsWith('.') || specifier.startsWith('/');
    const target = isPath ? pathToFileURL(resolve(cwd, specifier)).href : specifier;
    let module: Record<string, unknown>;
    try {
      module = (await import(target)) as Record<string, unknown>;
    } catch (error) {
      throw new LoomError('PLUGIN_NOT_FOUND', `cannot load plugin module "${specifier}": ${(error as Error).message}`);
    }
    const found = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value])).filter(looksLikePlugin);
    if (found.length === 0) throw new LoomError('PLUGIN_NOT_FOUND', `plugin module "${specifier}" exports no plugin`);
    plugins.push(...new Set(found));
  }
  return plugins;
}

export function pluginModulesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LOOM_PLUGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

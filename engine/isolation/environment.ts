/**
 * What a plugin sees of the environment. A plugin's secrets are exactly the variables it declares in
 * `capabilities.secrets`; an isolated child's environment holds those and a few harmless basics, nothing else
 * (no LOOM_MASTER_KEY, LOOM_TOKENS, AWS_* or anything the engine was started with).
 */
import type { AnyPlugin } from '../plugin/types.js';

/** Variables every child gets, when set: what programs need to find tools, temp space, time zone and locale. */
const BASICS = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL'] as const;

/** The declared secrets that are set, by name. */
export function secretsFor(plugin: AnyPlugin, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const name of plugin.capabilities?.secrets ?? []) {
    const value = env[name];
    if (value !== undefined) secrets[name] = value;
  }
  return secrets;
}

/** The whole environment of an isolated plugin's child process. */
export function childEnvironment(plugin: AnyPlugin, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const basics: Record<string, string> = {};
  for (const name of BASICS) {
    const value = env[name];
    if (value !== undefined) basics[name] = value;
  }
  return { ...basics, ...secretsFor(plugin, env) };
}

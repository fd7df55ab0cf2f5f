/**
 * Finds every plugin a Loom instance offers, in this order:
 * 1. the built-ins (given by the caller);
 * 2. packages in the project's `node_modules` (top level and `@scope/*`), where the project is the nearest
 *    folder at or above the current directory that has a package.json (as npm decides it);
 * 3. each entry of `LOOM_PLUGIN_PATH` (":"-separated; ";" on Windows): a package folder, or a folder of packages;
 * 4. the modules named in `LOOM_PLUGINS` (single files; see load.ts).
 * A package is an npm package whose package.json has `"loom": { "plugins": [entry, ...], "engine": range }`.
 * Every problem (a name offered by two packages, an engine range that excludes this Loom, an entry that is
 * missing or exports no plugin) is collected and thrown as one error at start-up, before anything runs.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import semver from 'semver';
import { LoomError } from '../errors.js';
import { loadPluginModules, pluginModulesFromEnv, pluginsExportedBy } from './load.js';
import { describeSource, sourceOf, tagSource, type PluginSource } from './source.js';
import type { AnyPlugin } from './types.js';

export interface DiscoverOptions {
  readonly builtins: readonly AnyPlugin[];
  /** Where the project search starts; the current directory by default. */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** This Loom's version (from its package.json by default); packages' `loom.engine` ranges must include it. */
  readonly loomVersion?: string;
}

interface FoundPackage {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly loom: unknown;
}

let ownVersion: string | undefined;

/** Loom's own version: the package.json named "loom" nearest above this file (source tree or dist). */
export function loomVersion(): string {
  if (ownVersion) return ownVersion;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'loom' && pkg.version) return (ownVersion = pkg.version);
    }
    if (dirname(dir) === dir) throw new LoomError('INTERNAL', "cannot find Loom's own package.json");
  }
}

/** The nearest folder at or above `cwd` with a package.json, or undefined outside any project. */
export function projectDir(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readPackage(path: string): FoundPackage | undefined {
  let pkg: { name?: unknown; version?: unknown; loom?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  if (pkg.loom === undefined) return undefined;
  return { name: String(pkg.name ?? path), version: String(pkg.version ?? '0.0.0'), path, loom: pkg.loom };
}

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

/** The Loom packages directly in `folder` and in its `@scope/` folders. */
function packagesIn(folder: string): FoundPackage[] {
  const found: FoundPackage[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(folder, name);
    const children = name.startsWith('@') && isDir(path) ? readdirSync(path).sort().map((child) => join(path, child)) : [path];
    for (const child of children) {
      const pkg = readPackage(child);
      if (pkg) found.push(pkg);
    }
  }
  return found;
}

function fromPluginPath(entry: string, problems: string[]): FoundPackage[] {
  if (!isDir(entry)) {
    problems.push(`LOOM_PLUGIN_PATH entry ${entry} is not a folder`);
    return [];
  }
  if (!existsSync(join(entry, 'package.json'))) return packagesIn(entry);
  const pkg = readPackage(entry);
  if (!pkg) problems.push(`LOOM_PLUGIN_PATH entry ${entry} is a package without a "loom" field in its package.json`);
  return pkg ? [pkg] : [];
}

/** Imports a package's entry points; returns its plugins tagged with the package, or adds problems. */
async function loadPackage(pkg: FoundPackage, version: string, problems: string[]): Promise<AnyPlugin[]> {
  const where = `package "${pkg.name}@${pkg.version}" (${pkg.path})`;
  const loom = pkg.loom as { plugins?: unknown; engine?: unknown };
  if (typeof loom !== 'object' || loom === null) return problems.push(`${where}: "loom" must be an object with "plugins" and "engine"`), [];
  const entries = loom.plugins;
  if (!Array.isArray(entries) || entries.length === 0 || !entries.every((e) => typeof e === 'string')) {
    return problems.push(`${where}: loom.plugins must be a non-empty list of entry points, e.g. ["./dist/index.js"]`), [];
  }
  if (typeof loom.engine !== 'string' || semver.validRange(loom.engine) === null) {
    return problems.push(`${where}: loom.engine must be a semver range of the Loom versions it supports, e.g. ">=0.1.0 <1.0.0"`), [];
  }
  if (!semver.satisfies(version, loom.engine, { includePrerelease: true })) {
    return problems.push(`${where} supports Loom "${loom.engine}", but this is Loom ${version}`), [];
  }
  const plugins: AnyPlugin[] = [];
  for (const entry of entries as string[]) {
    const file = resolve(pkg.path, entry);
    if (!existsSync(file)) {
      problems.push(`${where}: loom.plugins entry "${entry}" does not exist (looked for ${file})`);
      continue;
    }
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${where}: loom.plugins entry "${entry}" cannot be loaded: ${(error as Error).message}`);
      continue;
    }
    const found = pluginsExportedBy(module);
    if (found.length === 0) problems.push(`${where}: loom.plugins entry "${entry}" exports no plugin`);
    const source: PluginSource = { kind: 'package', name: pkg.name, version: pkg.version, path: pkg.path, entry: file };
    plugins.push(...found.map((plugin) => tagSource(plugin, source)));
  }
  return plugins;
}

/** Two sources are the same origin when they are the same package folder (or both built in, or one module). */
function origin(source: PluginSource): string {
  return source.kind === 'builtin' ? 'builtin' : source.path;
}

function clashes(plugins: readonly AnyPlugin[]): string[] {
  const first = new Map<string, PluginSource>();
  const problems: string[] = [];
  for (const plugin of plugins) {
    const source = sourceOf(plugin);
    const seen = first.get(plugin.name);
    if (!seen) first.set(plugin.name, source);
    else if (origin(seen) !== origin(source)) {
      problems.push(`plugin "${plugin.name}" is provided by two packages: ${describeSource(seen)} and ${describeSource(source)}; uninstall one`);
    }
  }
  return [...new Set(problems)];
}

/** Every plugin, tagged with its source, in discovery order; throws one LoomError listing every problem. */
export async function discoverPlugins(options: DiscoverOptions): Promise<AnyPlugin[]> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const version = options.loomVersion ?? loomVersion();
  const problems: string[] = [];
  // 2. and 3.; a package reached twice (e.g. a plugin path that is also installed) counts once.
  const project = projectDir(cwd);
  const modules = project ? join(project, 'node_modules') : undefined;
  const packages = modules && isDir(modules) ? packagesIn(modules) : [];
  for (const entry of (env.LOOM_PLUGIN_PATH ?? '').split(delimiter).map((s) => s.trim()).filter(Boolean)) {
    packages.push(...fromPluginPath(resolve(cwd, entry), problems));
  }
  const seen = new Set<string>();
  const plugins: AnyPlugin[] = [...options.builtins];
  for (const pkg of packages) {
    const real = realpathSync(pkg.path);
    if (seen.has(real)) continue;
    seen.add(real);
    plugins.push(...(await loadPackage({ ...pkg, path: real }, version, problems)));
  }
  // 4.
  try {
    plugins.push(...(await loadPluginModules(pluginModulesFromEnv(env), cwd)));
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...clashes(plugins));
  if (problems.length > 0) {
    throw new LoomError('PLUGIN_NOT_FOUND', `cannot load plugins (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):\n${problems.join('\n')}`);
  }
  return plugins;
}

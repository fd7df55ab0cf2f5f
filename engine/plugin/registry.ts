/**
 * The plugins a Loom instance knows. Built from the plugins bound in the container; checks each definition
 * once, resolves `name@range` references and keeps one compiled config validator per plugin version.
 */
import type { ValidateFunction } from 'ajv';
import semver from 'semver';
import { createAjv } from '../ajv.js';
import { LoomError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { PLUGIN_REF_PATTERN, PORT_NAME_PATTERN } from '../workflow/schema.js';
import { sourceOf, type PluginSource } from './source.js';
import { PORT_TYPES, type AnyPlugin, type PortSpecs } from './types.js';

export const PluginRegistryId = Symbol.for('loom.PluginRegistry');

export interface Disposable {
  dispose(): void;
}

export type PluginLookup = { plugin: AnyPlugin } | { problem: string };

const portNamePattern = new RegExp(PORT_NAME_PATTERN);
const pluginNamePattern = new RegExp(PLUGIN_REF_PATTERN);

/** Splits `@scope/name@^1` into its name and range (the range is absent when no `@` follows the name). */
export function parsePluginRef(ref: string): { name: string; range: string | undefined } {
  const at = ref.indexOf('@', 1);
  return at === -1 ? { name: ref, range: undefined } : { name: ref.slice(0, at), range: ref.slice(at + 1) };
}

const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkCapabilities(where: string, capabilities: unknown): string[] {
  if (capabilities === undefined) return [];
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) return [`${where}: capabilities must be an object`];
  const problems: string[] = [];
  const { network, files, secrets, ...rest } = capabilities as Record<string, unknown>;
  for (const key of Object.keys(rest)) problems.push(`${where}: capabilities has an unknown field "${key}"; use network, files or secrets`);
  for (const [key, value] of Object.entries({ network, files })) {
    if (value !== undefined && typeof value !== 'boolean') problems.push(`${where}: capabilities.${key} must be true or false`);
  }
  if (secrets !== undefined && (!Array.isArray(secrets) || !secrets.every((name) => typeof name === 'string' && envNamePattern.test(name)))) {
    problems.push(`${where}: capabilities.secrets must be a list of environment variable names, e.g. ["SHOP_API_KEY"]`);
  }
  return problems;
}

function checkPorts(where: string, kind: string, ports: unknown): string[] {
  if (ports === undefined) return [];
  if (typeof ports !== 'object' || ports === null) return [`${where}: ${kind} must be an object of ports`];
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(ports as PortSpecs)) {
    if (!portNamePattern.test(name)) problems.push(`${where}: ${kind} port "${name}" is not a valid port name`);
    if (!PORT_TYPES.includes(spec?.type)) {
      problems.push(`${where}: ${kind} port "${name}" has type "${String(spec?.type)}"; use one of ${PORT_TYPES.join(', ')}`);
    }
  }
  return problems;
}

export class PluginRegistry {
  readonly #byName = new Map<string, AnyPlugin[]>();
  readonly #validators = new WeakMap<AnyPlugin, ValidateFunction>();
  readonly #sources = new WeakMap<AnyPlugin, PluginSource>();
  readonly #ajv = createAjv({ useDefaults: true });

  constructor(plugins: Iterable<AnyPlugin> = []) {
    for (const plugin of plugins) this.register(plugin);
  }

  /**
   * Adds a plugin after checking its definition; throws a LoomError that names the plugin and what is wrong.
   * `source` defaults to the one discovery tagged the plugin with (built-in when untagged).
   */
  register(plugin: AnyPlugin, source: PluginSource = sourceOf(plugin)): Disposable {
    const where = `plugin "${String(plugin?.name)}"`;
    const problems: string[] = [];
    if (typeof plugin?.name !== 'string' || !pluginNamePattern.test(plugin.name) || plugin.name.includes('@', 1)) {
      problems.push(`${where}: name must be a lower-case npm-style name`);
    }
    if (typeof plugin?.version !== 'string' || semver.valid(plugin.version) === null) {
      problems.push(`${where}: version "${String(plugin?.version)}" is not a semantic version`);
    }
    if (typeof plugin?.run !== 'function') problems.push(`${where}: run must be a function`);
    for (const field of ['title', 'description', 'category'] as const) {
      if (typeof plugin?.[field] !== 'string') problems.push(`${where}: ${field} must be a string`);
    }
    problems.push(...checkPorts(where, 'inputs', plugin?.inputs), ...checkPorts(where, 'outputs', plugin?.outputs));
    problems.push(...checkCapabilities(where, plugin?.capabilities));
    if (plugin?.outputs === undefined) problems.push(`${where}: outputs must be an object of ports (it may be empty)`);
    // NOTE: a schema is only checked here; it is compiled on first use, since compiling every plugin's schema
    // would slow down every start of the CLI.
    try {
      this.#ajv.validateSchema(plugin?.config ?? {}, true);
    } catch (error) {
      problems.push(`${where}: config is not a valid JSON Schema: ${(error as Error).message}`);
    }
    if (this.#versions(plugin.name).some((p) => p.version === plugin.version)) {
      problems.push(`${where}: version ${plugin.version} is registered twice`);
    }
    if (problems.length > 0) throw new LoomError('PLUGIN_NOT_FOUND', `invalid plugin definition:\n${problems.join('\n')}`);

    const versions = [...this.#versions(plugin.name), plugin].sort((a, b) => semver.rcompare(a.version, b.version));
    this.#byName.set(plugin.name, versions);
    this.#sources.set(plugin, source);
    return {
      dispose: () => {
        const left = this.#versions(plugin.name).filter((p) => p !== plugin);
        if (left.length === 0) this.#byName.delete(plugin.name);
        else this.#byName.set(plugin.name, left);
      },
    };
  }

  /** The newest version of each plugin, sorted by name. */
  list(): AnyPlugin[] {
    return [...this.#byName.keys()].sort().map((name) => this.#versions(name)[0]!);
  }

  /** Resolves `name` or `name@range` to the newest version that satisfies the range. */
  lookup(ref: string): PluginLookup {
    const { name, range } = parsePluginRef(ref);
    const versions = this.#versions(name);
    if (versions.length === 0) return { problem: `unknown plugin "${name}"${didYouMean(name, this.#byName.keys())}` };
    if (range === undefined) return { plugin: versions[0]! };
    if (semver.validRange(range) === null) return { problem: `"${range}" is not a valid semver range` };
    const match = versions.find((p) => semver.satisfies(p.version, range));
    if (match) return { plugin: match };
    const have = versions.map((p) => p.version).join(', ');
    return { problem: `plugin "${name}" has version ${have}, which does not satisfy "${range}"` };
  }

  /** Like lookup, but throws; for code paths that run after validation. */
  get(ref: string): AnyPlugin {
    const found = this.lookup(ref);
    if ('problem' in found) throw new LoomError('PLUGIN_NOT_FOUND', found.problem);
    return found.plugin;
  }

  /** Where a registered plugin came from; anything but a built-in runs isolated. */
  source(plugin: AnyPlugin): PluginSource {
    return this.#sources.get(plugin) ?? sourceOf(plugin);
  }

  /** The compiled config validator; it fills in defaults, so call it on a copy. */
  configValidator(plugin: AnyPlugin): ValidateFunction {
    let validator = this.#validators.get(plugin);
    if (validator) return validator;
    if (!this.#versions(plugin.name).includes(plugin)) throw new LoomError('PLUGIN_NOT_FOUND', `plugin "${plugin.name}@${plugin.version}" is not registered`);
    validator = this.#ajv.compile(plugin.config ?? { type: 'object', additionalProperties: false });
    this.#validators.set(plugin, validator);
    return validator;
  }

  #versions(name: string): AnyPlugin[] {
    return this.#byName.get(name) ?? [];
  }
}

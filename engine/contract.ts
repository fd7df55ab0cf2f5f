/**
 * The contract every plugin keeps, as a vitest suite: `pluginContract(plugin, { samples })` in the plugin's test
 * file (built-in or third-party). It reads the definition the way the registry and the editor will, then runs each
 * sample through `runPlugin`: outputs as declared, no writes outside the scratch dir and the artifact store, and
 * a run that stops soon after its signal aborts.
 */
import type { TSchema } from '@sinclair/typebox';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { createAjv } from './ajv.js';
import { describePlugin } from './plugin/describe.js';
import { PluginRegistry } from './plugin/registry.js';
import type { AnyPlugin, ConfigOf, PluginDefinition, PortSpecs } from './plugin/types.js';
import { runPlugin, type PluginRun, type RunPluginOptions } from './testing.js';

export interface ContractSample<C = unknown> {
  /** Names the sample in test titles; `sample 1` and so on by default. */
  readonly name?: string;
  readonly config?: RunPluginOptions<C>['config'];
  readonly inputs?: RunPluginOptions<C>['inputs'];
  /** The workflow's folder, for plugins that read files relative to it; it must not be written to. */
  readonly workflowDir?: string;
  readonly dataRoots?: readonly string[];
  /** Further checks on the sample's outputs. */
  readonly check?: (run: PluginRun) => void | Promise<void>;
}

export interface ContractOptions<C = unknown> {
  /** Configs and inputs the plugin should run on successfully; without any, only the definition is checked. */
  readonly samples?: readonly ContractSample<C>[];
  /** How soon after its signal aborts the plugin's own `run` must settle (resolve or reject); 5000 ms by default. */
  readonly abortWithinMs?: number;
  /** vitest's limit for each sample test; 30 000 ms by default. */
  readonly testTimeoutMs?: number;
}

type Schema = Record<string, unknown>;

/** Every `default` in a schema with the subschema it belongs to, so that each can be checked against its own rules. */
function defaultsIn(schema: unknown, path = '#'): { path: string; schema: Schema; value: unknown }[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const found = 'default' in s ? [{ path, schema: s, value: s.default }] : [];
  const children: [string, unknown][] = [];
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
    for (const [name, sub] of Object.entries((s[key] as Schema | undefined) ?? {})) children.push([`${path}/${key}/${name}`, sub]);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else']) if (typeof s[key] === 'object') children.push([`${path}/${key}`, s[key]]);
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    (Array.isArray(s[key]) ? (s[key] as unknown[]) : []).forEach((sub, i) => children.push([`${path}/${key}/${i}`, sub]));
  }
  return [...found, ...children.flatMap(([p, sub]) => defaultsIn(sub, p))];
}

/** Files and folders under `dir` with their size and modification time. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        entries.set(relative(dir, path), 'dir');
        await walk(path);
      } else {
        const info = await stat(path).catch(() => undefined);
        entries.set(relative(dir, path), `${info?.size}:${info?.mtimeMs}`);
      }
    }
  };
  await walk(dir);
  return entries;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([path, what]) => before.get(path) !== what).map(([path]) => path);
}

// What the engine itself keeps in a data home: the artifact store (and its temporary files), scratch dirs,
// node state (ctx.state) and the model registry (ctx.models).
const ENGINE_PLACES = ['artifacts', 'tmp', 'scratch', 'state'];
const isEnginePlace = (path: string) => ENGINE_PLACES.includes(path.split(sep)[0]!) || path.startsWith('registry.db');

/** The definition as the editor reads it: an object config schema whose defaults each fit their own subschema. */
export function checkSchema(plugin: AnyPlugin): void {
  const schema = describePlugin(plugin).config as { type?: string; required?: string[] };
  expect(schema.type, 'the config schema\'s type').toBe('object');
  if (!schema.required?.length) {
    const validate = new PluginRegistry([plugin]).configValidator(plugin);
    expect(validate({}), `the empty config with defaults filled in: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  // As the registry validates: a default of {} is filled in with the defaults of its own properties.
  const ajv = createAjv({ useDefaults: true });
  for (const { path, schema: sub, value } of defaultsIn(schema)) {
    // NOTE: a subschema that refers to others ($ref) cannot be compiled on its own; the whole-config check covers it.
    let validate;
    try {
      validate = ajv.compile({ ...sub, $id: undefined });
    } catch {
      continue;
    }
    expect(validate(structuredClone(value)), `the default at ${path} (${JSON.stringify(value)}) fails its own schema: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
}

/** Runs a sample in a fresh data home: it succeeds, returns its declared outputs and writes nowhere else. */
export async function checkSample(plugin: AnyPlugin, sample: ContractSample): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'loom-contract-'));
  const home = join(root, 'home');
  const workflowDir = sample.workflowDir ?? join(root, 'workflow');
  try {
    if (!sample.workflowDir) await mkdir(workflowDir);
    const before = { home: await snapshot(home), workflow: await snapshot(workflowDir) };
    const run = await runPlugin(plugin, { config: sample.config as never, inputs: sample.inputs, home, workflowDir, dataRoots: sample.dataRoots });
    for (const [port, spec] of Object.entries(plugin.outputs)) {
      if (!spec.optional) expect(run.outputs[port], `output "${port}"`).toBeDefined();
      if (run.outputs[port] && spec.type !== 'any') expect(run.outputs[port]!.type, `the type of output "${port}"`).toBe(spec.type);
    }
    const strays = [
      ...changed(before.home, await snapshot(home)).filter((p) => !isEnginePlace(p)).map((p) => join(home, p)),
      ...changed(before.workflow, await snapshot(workflowDir)).map((p) => join(workflowDir, p)),
    ];
    expect(strays, `files written outside the scratch dir and the artifact store: ${strays.join(', ')}`).toEqual([]);
    await sample.check?.(run);
  } finally {
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(() => {});
  }
}

/**
 * Aborts a sample's signal as soon as the plugin's `run` has started (at its first await): the node must end
 * cancelled, and the plugin's own promise must settle within `withinMs`. The engine stops waiting at once either
 * way; the plugin is wrapped so that its promise can be watched, since one that ignores its signal keeps working
 * (and holding memory) in the background.
 */
export async function checkAbort(plugin: AnyPlugin, sample: ContractSample, withinMs: number): Promise<void> {
  const controller = new AbortController();
  let abortedAt = 0;
  let settled: Promise<number> | undefined;
  const watched: AnyPlugin = {
    ...plugin,
    run(ctx) {
      let running: Promise<unknown>;
      try {
        running = Promise.resolve(plugin.run(ctx));
      } catch (error) {
        running = Promise.reject(error);
      }
      abortedAt = performance.now();
      controller.abort();
      settled = running.then(
        () => performance.now(),
        () => performance.now(),
      );
      return running as never;
    },
  };
  const options = { config: sample.config as never, inputs: sample.inputs, workflowDir: sample.workflowDir, dataRoots: sample.dataRoots, signal: controller.signal };
  const error = await runPlugin(watched, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as { code?: string } | undefined)?.code, `the run ${error ? `failed with ${String(error)}` : 'succeeded'} instead of ending cancelled`).toBe('CANCELLED');
  expect(settled, 'its run was never called').toBeDefined();
  const limit = new AbortController();
  const at = await Promise.race([settled!, wait(withinMs, Number.POSITIVE_INFINITY, { signal: limit.signal }).catch(() => Number.POSITIVE_INFINITY)]);
  limit.abort();
  expect(at - abortedAt, `its run was still going ${withinMs} ms after its signal aborted`).toBeLessThanOrEqual(withinMs);
}

/**
 * Declares the contract suite for a plugin; call it at the top level of the plugin's test file.
 *
 * @example
 * pluginContract(basketRules, { samples: [{ config: { minSupport: 0.1 }, inputs: { lines: rows } }] });
 */
export function pluginContract<S extends TSchema | undefined, I extends PortSpecs, O extends PortSpecs>(
  typed: PluginDefinition<S, I, O>,
  options: ContractOptions<ConfigOf<S>> = {},
): void {
  const plugin = typed as unknown as AnyPlugin;
  const samples = (options.samples ?? []) as readonly ContractSample[];
  const timeout = options.testTimeoutMs ?? 30_000;
  const abortWithin = options.abortWithinMs ?? 5_000;

  describe(`plugin contract: ${plugin.name}`, () => {
    test('the registry accepts its definition', () => {
      expect(() => new PluginRegistry([plugin])).not.toThrow();
    });

    test('it describes itself for the palette: title, description, category, typed ports', () => {
      const described = describePlugin(plugin);
      expect(described.title.length).toBeGreaterThan(0);
      expect(described.description.length).toBeGreaterThan(10);
      expect(described.category).toMatch(/^[a-z-]+$/);
      expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    });

    test('its config schema is an object schema whose defaults validate', () => checkSchema(plugin));

    samples.forEach((sample, i) => {
      const name = `${sample.name ?? `sample ${i + 1}`}: runs, returns the outputs it declares, writes only to its scratch dir and the artifact store`;
      test(name, { timeout }, () => checkSample(plugin, sample));
    });

    const first = samples[0];
    if (first) {
      const name = `it honours abort: cancelled as it starts, its run settles within ${abortWithin} ms and the node ends cancelled`;
      test(name, { timeout: timeout + abortWithin }, () => checkAbort(plugin, first, abortWithin));
    }
  });
}

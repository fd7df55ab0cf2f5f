/**
 * The plugin test harness, `import { runPlugin, pluginContract } from 'loom/testing'`. `runPlugin` runs one
 * attempt of a plugin through the engine's own node executor (config checked and defaults filled by the
 * registry's validator, outputs checked against the declared ports), over a real artifact store in a temporary
 * data home, and returns what it produced, read back into plain values, after removing the temporary files.
 */
import type { TSchema } from '@sinclair/typebox';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { LoomError } from './errors.js';
import type { JsonObject, JsonValue } from './json.js';
import { PluginRegistry } from './plugin/registry.js';
import type { ArtifactRef, ArtifactStore, ConfigOf, LineageEntry, PluginDefinition, PortSpec, PortSpecs } from './plugin/types.js';
import type { NodeInputs } from './run/cache-key.js';
import type { LogLevel } from './run/events.js';
import { executeNode } from './run/execute-node.js';
import { FsArtifactStore } from './store/fs-artifact-store.js';
import { fsNodeState } from './store/fs-node-state.js';
import { SqliteRegistry } from './store/sqlite-registry.js';
import { DEFAULT_RETRY, type CompiledNode } from './workflow/compiled.js';

export { checkAbort, checkSample, checkSchema, pluginContract, type ContractOptions, type ContractSample } from './contract.js';

/** A dataset given with its column types (DuckDB type names), e.g. to pass no rows or exact TIMESTAMPs. */
export interface TypedRows {
  readonly columns: Readonly<Record<string, string>>;
  readonly rows: readonly Record<string, JsonValue>[];
}

/**
 * What an input port may be given: an `ArtifactRef` already in the store; for a dataset port, rows, `TypedRows`
 * or the path of a CSV, Parquet or JSON file; for a json or metrics port, any JSON value; for a model or file
 * port, bytes or a file path. A `many` port takes a list of these.
 */
export type InputGiven = ArtifactRef | JsonValue | TypedRows | Uint8Array | readonly Record<string, JsonValue>[];

export interface RunPluginOptions<C = unknown> {
  /** The node's config as a workflow would write it; checked, and defaults filled in, by the engine. */
  readonly config?: Partial<C>;
  readonly inputs?: Readonly<Record<string, InputGiven | readonly InputGiven[] | undefined>>;
  /** Abort it to cancel the attempt: the run rejects with a CancelledError, as a cancelled node does. */
  readonly signal?: AbortSignal;
  /** The node's time limit; past it the run rejects with a NodeTimeoutError. */
  readonly timeoutMs?: number;
  /** A data home to keep (artifacts, node state); by default a temporary one, removed at the end. */
  readonly home?: string;
  /** The workflow's folder (where relative paths in config point); by default an empty temporary folder. */
  readonly workflowDir?: string;
  /** Extra folders the plugin may read input files from (`ctx.dataRoots`, after the workflow's folder). */
  readonly dataRoots?: readonly string[];
  /** The node's state before the run (`ctx.state.get()`). */
  readonly state?: JsonValue;
  /** `ctx.lineage`, for plugins that declare `lineage: true`. */
  readonly lineage?: readonly LineageEntry[];
  /** `ctx.attempt`; 1 by default. */
  readonly attempt?: number;
}

export interface PluginRun {
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  /**
   * An output read back: a JSON value (json, metrics), bytes (model, file), or a dataset's rows as JSON-safe
   * objects: 64-bit integers as numbers when they fit exactly (else text), DECIMALs and times as DuckDB gives them.
   */
  read<T = unknown>(port: string): T;
  /** What the plugin reported, throttled as the engine throttles it (the last report of 1 always kept). */
  readonly progress: readonly { fraction: number; message: string | undefined }[];
  readonly logs: readonly { level: LogLevel; message: string }[];
  /** The node's state after the run. */
  readonly state: JsonValue | undefined;
}

const NODE_ID = 'plugin-under-test';
const WORKFLOW = 'plugin-test';

function isArtifactRef(value: unknown): value is ArtifactRef {
  const ref = value as ArtifactRef;
  return typeof ref === 'object' && ref !== null && typeof ref.sha256 === 'string' && typeof ref.uri === 'string' && typeof ref.type === 'string';
}

function isTypedRows(value: unknown): value is TypedRows {
  const v = value as TypedRows;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray(v.rows) && typeof v.columns === 'object';
}

/** The data plane is loaded only when a dataset goes in or comes out, so JSON-only plugins test without DuckDB. */
async function duckdb() {
  return import('./data/duckdb.js');
}

interface Place {
  readonly artifacts: ArtifactStore;
  readonly work: string;
  readonly signal: AbortSignal;
}

async function storeDataset(port: string, given: unknown, place: Place, n: number): Promise<ArtifactRef> {
  const { literal, withDb } = await duckdb();
  const scratchDir = join(place.work, `input-${n}`);
  await mkdir(scratchDir, { recursive: true });
  let source: string;
  let readRoots: string[] = [];
  if (typeof given === 'string') {
    const path = resolve(given);
    readRoots = [dirname(path)];
    const ext = extname(path).toLowerCase();
    if (ext === '.csv' || ext === '.tsv') source = `read_csv(${literal(path)}, header = true)`;
    else if (ext === '.parquet') source = `read_parquet(${literal(path)})`;
    else if (['.json', '.jsonl', '.ndjson'].includes(ext)) source = `read_json(${literal(path)})`;
    else throw new LoomError('USAGE', `runPlugin: input "${port}": ${basename(path)} is not a .csv, .parquet or .json file`);
  } else {
    const typed = isTypedRows(given) ? given : { columns: undefined, rows: given as Record<string, JsonValue>[] };
    if (typed.rows.length === 0 && !typed.columns) {
      throw new LoomError('USAGE', `runPlugin: input "${port}" is an empty list of rows; give { columns: { name: "TYPE" }, rows: [] } to say what columns it has`);
    }
    const file = join(scratchDir, 'rows.json');
    await writeFile(file, JSON.stringify(typed.rows));
    const columns = typed.columns ? `, columns = {${Object.entries(typed.columns).map(([name, type]) => `${literal(name)}: ${literal(type)}`).join(', ')}}` : '';
    source = `read_json(${literal(file)}, format = 'array'${columns})`;
  }
  return withDb({ artifacts: place.artifacts, scratchDir, signal: place.signal }, (db) => db.writeDataset(`SELECT * FROM ${source}`), { readRoots });
}

async function storeInput(port: string, spec: PortSpec, given: unknown, place: Place, n: number): Promise<ArtifactRef> {
  const { artifacts } = place;
  if (isArtifactRef(given)) {
    if (!(await artifacts.has(given))) {
      throw new LoomError('USAGE', `runPlugin: input "${port}": artifact ${given.sha256} is not in this run's store; pass the same \`home\` to every run that shares artifacts, or give the value itself`);
    }
    return given;
  }
  if (spec.type === 'dataset') return storeDataset(port, given, place, n);
  if (spec.type === 'model' || spec.type === 'file') {
    if (given instanceof Uint8Array) return artifacts.putBytes(spec.type, given);
    if (typeof given === 'string') {
      // putFile moves the file into the store: move a copy, never the caller's fixture.
      const copy = join(place.work, `input-${n}${extname(given)}`);
      await copyFile(resolve(given), copy);
      return artifacts.putFile(spec.type, copy);
    }
    throw new LoomError('USAGE', `runPlugin: input "${port}" is a ${spec.type} port: give bytes, a file path or an ArtifactRef`);
  }
  if (given instanceof Uint8Array) return artifacts.putBytes(spec.type === 'any' ? 'file' : spec.type, given);
  return artifacts.putJson(spec.type === 'any' ? 'json' : spec.type, given as JsonValue);
}

async function storeInputs(plugin: PluginDefinition<never, PortSpecs, PortSpecs>, given: RunPluginOptions['inputs'], place: Place): Promise<NodeInputs> {
  const declared = plugin.inputs ?? {};
  const where = `runPlugin: plugin "${plugin.name}"`;
  const unknown = Object.keys(given ?? {}).filter((port) => !(port in declared));
  if (unknown.length > 0) throw new LoomError('USAGE', `${where} has no input "${unknown[0]}"; its inputs are ${Object.keys(declared).map((p) => `"${p}"`).join(', ') || 'none'}`);
  const inputs: Record<string, ArtifactRef | ArtifactRef[]> = {};
  let n = 0;
  for (const [port, spec] of Object.entries(declared)) {
    const value = given?.[port];
    if (value === undefined) {
      if (!spec.optional && !spec.many) throw new LoomError('USAGE', `${where}: input "${port}" (${spec.type}) is required; give it in options.inputs`);
      if (spec.many) inputs[port] = [];
      continue;
    }
    if (spec.many) {
      if (!Array.isArray(value)) throw new LoomError('USAGE', `${where}: input "${port}" takes a list (many); give an array of ${spec.type} values`);
      inputs[port] = [];
      for (const item of value) (inputs[port] as ArtifactRef[]).push(await storeInput(port, spec, item, place, n++));
    } else {
      inputs[port] = await storeInput(port, spec, value, place, n++);
    }
  }
  return inputs;
}

// DuckDB hands 64-bit and wider integers to JSON as text (a JSON number cannot hold them all); in a test a count
// is easier to compare as a number, so those that fit exactly become numbers.
const WIDE_INTEGERS = ['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT'];

function numbersWherever(row: Record<string, JsonValue>, columns: readonly string[]): Record<string, JsonValue> {
  for (const column of columns) {
    const value = row[column];
    if (typeof value === 'string' && Number.isSafeInteger(Number(value))) row[column] = Number(value);
  }
  return row;
}

/** Reads every output back while the store still exists. */
async function readOutputs(outputs: Readonly<Record<string, ArtifactRef>>, place: Place): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  for (const [port, ref] of Object.entries(outputs)) {
    if (ref.type === 'dataset') {
      const { literal, withDb } = await duckdb();
      const scratchDir = join(place.work, `read-${port}`);
      await mkdir(scratchDir, { recursive: true });
      const rows = await withDb({ artifacts: place.artifacts, scratchDir, signal: place.signal }, async (db) => {
        const relation = `read_parquet(${literal(place.artifacts.path(ref))})`;
        const wide = (await db.columns(`SELECT * FROM ${relation}`)).filter((c) => WIDE_INTEGERS.includes(c.type)).map((c) => c.name);
        return (await db.all(`SELECT * FROM ${relation}`)).map((row) => numbersWherever(row, wide));
      });
      values.set(port, rows);
    } else if (ref.type === 'json' || ref.type === 'metrics') {
      values.set(port, await place.artifacts.readJson(ref));
    } else {
      values.set(port, await place.artifacts.readBytes(ref));
    }
  }
  return values;
}

/**
 * Runs one attempt of `plugin` as the engine would and returns its outputs, read back.
 *
 * @example
 * const run = await runPlugin(plugin, { config: { minSupport: 0.1 }, inputs: { lines: [{ invoice: 'A', item: 'x' }] } });
 * expect(run.read('rules')).toEqual([...]);
 */
export async function runPlugin<S extends TSchema | undefined, I extends PortSpecs, O extends PortSpecs>(
  plugin: PluginDefinition<S, I, O>,
  options: RunPluginOptions<ConfigOf<S>> = {},
): Promise<PluginRun> {
  const any = plugin as unknown as PluginDefinition<never, PortSpecs, PortSpecs>;
  const root = await mkdtemp(join(tmpdir(), 'loom-plugin-test-'));
  const home = options.home ?? join(root, 'home');
  const workflowDir = options.workflowDir ?? join(root, 'workflow');
  if (!options.workflowDir) await mkdir(workflowDir);
  const artifacts = new FsArtifactStore(home);
  const models = new SqliteRegistry(join(home, 'registry.db'));
  const place: Place = { artifacts, work: join(root, 'work'), signal: new AbortController().signal };
  try {
    await mkdir(place.work);
    // The registry checks the definition exactly as it does at start-up.
    const registry = new PluginRegistry([plugin as never]);
    const inputs = await storeInputs(any, options.inputs, place);
    const state = fsNodeState(home, WORKFLOW, NODE_ID);
    if (options.state !== undefined) await state.set(options.state);
    const node: CompiledNode = {
      id: NODE_ID,
      plugin: plugin.name,
      version: plugin.version,
      config: (options.config ?? {}) as JsonObject,
      inputs: Object.entries(inputs).map(([port, value]) => ({ port, many: Array.isArray(value), sources: [{ node: 'runPlugin', port }] })).sort((a, b) => a.port.localeCompare(b.port)),
      dependsOn: [],
      retry: DEFAULT_RETRY,
      timeoutMs: options.timeoutMs,
      cache: false,
      ...(plugin.lineage ? { lineage: true as const } : {}),
    };
    const progress: { fraction: number; message: string | undefined }[] = [];
    const logs: { level: LogLevel; message: string }[] = [];
    const outputs = await executeNode(
      {
        runId: `test-${basename(root)}`,
        workflow: WORKFLOW,
        node,
        inputs,
        attempt: options.attempt ?? 1,
        signal: options.signal ?? new AbortController().signal,
        onProgress: (fraction, message) => progress.push({ fraction, message }),
        onLog: (level, message) => logs.push({ level, message }),
        workflowDir,
        lineage: options.lineage ?? [],
      },
      { registry, artifacts, home, dataRoots: options.dataRoots ?? [], models },
    );
    const values = await readOutputs(outputs, place);
    const after = await state.get();
    return {
      outputs,
      read<T>(port: string): T {
        if (!values.has(port)) {
          const declared = port in any.outputs;
          throw new LoomError('USAGE', `plugin "${plugin.name}" ${declared ? `did not return its optional output "${port}"` : `has no output "${port}"; its outputs are ${Object.keys(any.outputs).map((p) => `"${p}"`).join(', ')}`}`);
        }
        return values.get(port) as T;
      },
      progress,
      logs,
      state: after,
    };
  } finally {
    models.close();
    // NOTE: a plugin that ignores its signal may still be writing after an abort; removal retries, and its
    // failure must never hide the run's own error.
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(() => {});
  }
}

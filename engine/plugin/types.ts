/** The plugin contract: what a plugin describes, what its `run` receives, and the artifacts it exchanges. */
import type { Static, TSchema } from '@sinclair/typebox';
import type { JsonObject, JsonValue } from '../json.js';
import type { ModelRegistry } from '../registry/types.js';

export const PORT_TYPES = ['dataset', 'model', 'metrics', 'json', 'file', 'any'] as const;
/** What travels on an edge. `any` accepts and offers every type. */
export type PortType = (typeof PORT_TYPES)[number];
export type ArtifactType = Exclude<PortType, 'any'>;

export interface PortSpec {
  readonly type: PortType;
  readonly title?: string;
  readonly description?: string;
  /** An input that need not be wired; an output the plugin may leave out. */
  readonly optional?: boolean;
  /** An input that takes a list of upstream outputs, in the order they are written. */
  readonly many?: boolean;
}

export type PortSpecs = Readonly<Record<string, PortSpec>>;

/** A reference to an immutable, content-addressed artifact: the only thing an edge carries. */
export interface ArtifactRef {
  readonly type: ArtifactType;
  /** `loom://artifacts/<sha256>`, resolved against the artifact store of whoever reads it. */
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Small facts about the content (a dataset's schema and preview, a model's header); never the content. */
  readonly meta?: JsonObject;
}

type InputValue<P extends PortSpec> = P['many'] extends true
  ? ArtifactRef[]
  : P['optional'] extends true
    ? ArtifactRef | undefined
    : ArtifactRef;

export type PluginInputs<I extends PortSpecs> = { readonly [K in keyof I]: InputValue<I[K]> };

export type PluginOutputs<O extends PortSpecs> = {
  [K in keyof O as O[K]['optional'] extends true ? never : K]: ArtifactRef;
} & {
  [K in keyof O as O[K]['optional'] extends true ? K : never]?: ArtifactRef;
};

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ArtifactStore {
  putJson(type: ArtifactType, value: JsonValue, meta?: JsonObject): Promise<ArtifactRef>;
  putBytes(type: ArtifactType, data: Uint8Array, meta?: JsonObject): Promise<ArtifactRef>;
  /** Moves a finished file (e.g. from the scratch dir) into the store. */
  putFile(type: ArtifactType, path: string, meta?: JsonObject): Promise<ArtifactRef>;
  readJson<T = JsonValue>(ref: ArtifactRef): Promise<T>;
  readBytes(ref: ArtifactRef): Promise<Uint8Array>;
  /** A local path to read the artifact from; never write to it. */
  path(ref: ArtifactRef): string;
  /** The local directory all artifact files live under (for tools that must be told what they may read). */
  readonly root: string;
  has(ref: ArtifactRef): Promise<boolean>;
}

export interface RunContext<C, I extends PortSpecs> {
  /** The node's config, checked against the plugin's schema, with params substituted and defaults filled in. */
  readonly config: C;
  readonly inputs: PluginInputs<I>;
  readonly log: Logger;
  /** Reports how far the node is, from 0 to 1; cheap to call often. */
  progress(fraction: number, message?: string): void;
  /** Aborted when the run is cancelled or the node times out: stop soon and throw. */
  readonly signal: AbortSignal;
  readonly artifacts: ArtifactStore;
  /** A private, empty directory, removed when the attempt ends. */
  readonly scratchDir: string;
  readonly runId: string;
  readonly nodeId: string;
  readonly workflow: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** The directory of the workflow file: where relative paths in config point. */
  readonly workflowDir: string;
  /** Directories the node may read input files from: the workflow's folder and those in LOOM_DATA_ROOTS. */
  readonly dataRoots: readonly string[];
  /** A small JSON value kept for this node of this workflow across runs (e.g. what collect already read). */
  readonly state: NodeStateStore;
  /** Every output of every node upstream of this one, nearest last; empty unless the plugin declares `lineage`. */
  readonly lineage: readonly LineageEntry[];
  /** The model registry of the data home. */
  readonly models: ModelRegistry;
  /**
   * The secrets the plugin declared in `capabilities.secrets`, by environment variable name, as far as they are
   * set; nothing else. Empty for a plugin that declares none.
   */
  readonly secrets: Readonly<Record<string, string>>;
}

/** One artifact upstream of a node: which node and port produced it. */
export interface LineageEntry {
  readonly node: string;
  readonly plugin: string;
  readonly port: string;
  readonly sha256: string;
}

export interface NodeStateStore {
  get<T extends JsonValue = JsonValue>(): Promise<T | undefined>;
  set(value: JsonValue): Promise<void>;
}

/**
 * What a plugin needs from the world beyond its inputs, shown to users before a workflow uses it. Only
 * `secrets` is enforced (a plugin gets exactly the variables it names); `network` and `files` are declarations.
 */
export interface PluginCapabilities {
  /** The plugin talks to other machines (APIs, databases, downloads). */
  readonly network?: boolean;
  /** The plugin reads files outside its inputs (from `ctx.dataRoots`). */
  readonly files?: boolean;
  /** Environment variables the plugin reads secrets from, e.g. `SHOP_API_KEY`; given as `ctx.secrets.NAME`. */
  readonly secrets?: readonly string[];
}

export type ConfigOf<S> = S extends TSchema ? Static<S> : Record<string, never>;

export interface PluginDefinition<
  S extends TSchema | undefined = TSchema | undefined,
  I extends PortSpecs = PortSpecs,
  O extends PortSpecs = PortSpecs,
> {
  /** npm-style name, e.g. `clean` or `@acme/dedupe`. */
  readonly name: string;
  /** Semantic version; a change of it invalidates cached results. */
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly inputs?: I;
  readonly outputs: O;
  /** JSON Schema of the config (TypeBox builds one with its TypeScript type); drives validation, forms and docs. */
  readonly config?: S;
  /**
   * The plugin reads the world outside its inputs and config (files, URLs, databases, secrets), so its results are
   * never taken from the cache: it runs every time, and what comes after it is cached by the content it produced.
   * A function decides per node from the node's resolved config.
   */
  readonly volatile?: boolean | ((config: ConfigOf<S>) => boolean);
  /**
   * The plugin records where its inputs came from (e.g. a registry publishing a model): its context then carries
   * `lineage`, every artifact produced upstream of its node in this run. Off by default: it costs a list per node.
   */
  readonly lineage?: boolean;
  /** What the plugin needs beyond its inputs; none by default. */
  readonly capabilities?: PluginCapabilities;
  run(ctx: RunContext<ConfigOf<S>, I>): Promise<PluginOutputs<O>>;
}

/** A plugin as the engine holds it, whatever its config and port types. */
export type AnyPlugin = PluginDefinition<TSchema | undefined, PortSpecs, PortSpecs>;

/**
 * Checks a workflow document against the schema, the plugins and itself, reporting every problem at once
 * as `<JSON pointer>: <sentence>`, and compiles a valid one into what the engines run.
 */
import { createAjv, ajvProblems } from '../ajv.js';
import type { Problem } from '../errors.js';
import { findTooDeep, isPlainObject, pointer, type JsonObject, type JsonValue } from '../json.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { AnyPlugin, PortSpec, PortType } from '../plugin/types.js';
import { didYouMean, quoteList } from '../suggest.js';
import { DEFAULT_RETRY, type CompiledInput, type CompiledNode, type CompiledWorkflow } from './compiled.js';
import { buildGraph, findCycles } from './graph.js';
import { resolveParams, substituteParams, type ParamValues } from './params.js';
import { DEFAULT_LIMITS, parseJsonText, type Limits } from './parse.js';
import { WorkflowSchema, type NodeDoc, type WorkflowDoc } from './schema.js';

export interface ValidateOptions {
  /** Values for the workflow's params; those left out take their defaults. */
  readonly params?: Record<string, unknown>;
  /** The values are text from a command line, to be read as each param's type. */
  readonly paramsAsText?: boolean;
  /** A run needs every param to have a value; `loom validate` does not. */
  readonly requireParams?: boolean;
  readonly limits?: Limits;
  /** The folder of the workflow file, where relative paths in configs point (default: the current directory). */
  readonly baseDir?: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly problems: readonly []; readonly doc: WorkflowDoc; readonly workflow: CompiledWorkflow }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly doc?: unknown };

const checkSchema = createAjv().compile(WorkflowSchema);

interface NodeInfo {
  readonly index: number;
  readonly doc: NodeDoc;
  readonly plugin: AnyPlugin | undefined;
}

function compatible(from: PortType, to: PortType): boolean {
  return from === to || from === 'any' || to === 'any';
}

function splitRef(ref: string): [node: string, port: string] {
  const dot = ref.lastIndexOf('.');
  return [ref.slice(0, dot), ref.slice(dot + 1)];
}

/** Checks one node's wiring: input names, upstream nodes and ports, types, and required inputs. */
function checkInputs(info: NodeInfo, nodes: Map<string, NodeInfo>, problems: Problem[]): void {
  const { index, doc, plugin } = info;
  if (!plugin) return;
  const inputs = plugin.inputs ?? {};
  const wired = doc.inputs ?? {};
  for (const [port, value] of Object.entries(wired)) {
    const at = pointer('nodes', index, 'inputs', port);
    const spec: PortSpec | undefined = inputs[port];
    if (!spec) {
      problems.push({ pointer: at, message: `plugin "${plugin.name}" has no input "${port}"${didYouMean(port, Object.keys(inputs))}; its inputs are ${quoteList(Object.keys(inputs))}` });
      continue;
    }
    const refs = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !spec.many) {
      problems.push({ pointer: at, message: `input "${port}" takes one connection, not a list of ${value.length}` });
    }
    refs.forEach((ref, i) => {
      const refAt = Array.isArray(value) ? `${at}/${i}` : at;
      const [sourceId, sourcePort] = splitRef(ref);
      const source = nodes.get(sourceId);
      if (!source) {
        problems.push({ pointer: refAt, message: `unknown node "${sourceId}"${didYouMean(sourceId, nodes.keys())}` });
        return;
      }
      if (!source.plugin) return;
      const outputs = source.plugin.outputs;
      const out = outputs[sourcePort];
      if (!out) {
        problems.push({ pointer: refAt, message: `node "${sourceId}" (plugin "${source.plugin.name}") has no output "${sourcePort}"${didYouMean(sourcePort, Object.keys(outputs))}; its outputs are ${quoteList(Object.keys(outputs))}` });
      } else if (!compatible(out.type, spec.type)) {
        problems.push({ pointer: refAt, message: `input "${port}" expects ${spec.type} but "${ref}" is ${out.type}` });
      }
    });
  }
  for (const [port, spec] of Object.entries(inputs)) {
    if (spec.optional || Object.hasOwn(wired, port)) continue;
    const at = doc.inputs ? pointer('nodes', index, 'inputs') : pointer('nodes', index);
    problems.push({ pointer: at, message: `required input "${port}" (${spec.type}) of plugin "${plugin.name}" is not wired` });
  }
  (doc.after ?? []).forEach((id, i) => {
    if (!nodes.has(id)) problems.push({ pointer: pointer('nodes', index, 'after', i), message: `unknown node "${id}"${didYouMean(id, nodes.keys())}` });
  });
}

function dependencies(doc: NodeDoc): string[] {
  const deps = new Set<string>();
  for (const value of Object.values(doc.inputs ?? {})) {
    for (const ref of Array.isArray(value) ? value : [value]) deps.add(splitRef(ref)[0]);
  }
  for (const id of doc.after ?? []) deps.add(id);
  return [...deps];
}

function checkCycles(infos: NodeInfo[], nodes: Map<string, NodeInfo>, problems: Problem[]): void {
  const edges: [string, string][] = [];
  for (const { doc } of infos) for (const dep of dependencies(doc)) if (nodes.has(dep)) edges.push([dep, doc.id]);
  const graph = buildGraph(nodes.keys(), edges);
  for (const cycle of findCycles(graph)) {
    const first = cycle.reduce((a, b) => (nodes.get(a)!.index <= nodes.get(b)!.index ? a : b));
    const start = cycle.indexOf(first);
    const ordered = [...cycle.slice(start), ...cycle.slice(0, start), first];
    problems.push({ pointer: pointer('nodes', nodes.get(first)!.index), message: `cycle: ${ordered.join(' → ')}` });
  }
}

/** Substitutes params into a node's config and checks it against the plugin's schema, defaults filled in. */
function checkConfig(info: NodeInfo, registry: PluginRegistry, params: ParamValues, declared: string[], problems: Problem[]): JsonObject | undefined {
  const { index, doc, plugin } = info;
  const base = pointer('nodes', index, 'config');
  const substituted = substituteParams((doc.config ?? {}) as JsonObject, params, declared, base);
  problems.push(...substituted.problems);
  if (!plugin) return undefined;
  const config = structuredClone(substituted.value) as JsonObject;
  const validate = registry.configValidator(plugin);
  if (validate(config)) return config;
  const unresolved = substituted.unresolved;
  const found = ajvProblems(validate.errors, base).filter(
    (p) => !unresolved.some((u) => p.pointer === base + u || p.pointer.startsWith(`${base + u}/`)),
  );
  problems.push(...found.map((p) => ({ pointer: p.pointer, message: `${p.message} (config of plugin "${plugin.name}")` })));
  return undefined;
}

function isVolatile(plugin: AnyPlugin, config: JsonObject): boolean {
  const volatile = plugin.volatile as boolean | ((config: JsonObject) => boolean) | undefined;
  return typeof volatile === 'function' ? volatile(config) : volatile === true;
}

function compileNode(info: NodeInfo, config: JsonObject): CompiledNode {
  const { doc, plugin } = info;
  const inputs: CompiledInput[] = Object.entries(doc.inputs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([port, value]) => ({
      port,
      many: plugin!.inputs?.[port]?.many === true,
      sources: (Array.isArray(value) ? value : [value]).map((ref) => {
        const [node, sourcePort] = splitRef(ref);
        return { node, port: sourcePort };
      }),
    }));
  return {
    id: doc.id,
    plugin: plugin!.name,
    version: plugin!.version,
    config,
    inputs,
    dependsOn: dependencies(doc),
    retry: { ...DEFAULT_RETRY, ...doc.retry },
    timeoutMs: doc.timeoutMs,
    cache: doc.cache !== false && !isVolatile(plugin!, config),
    ...(plugin!.lineage ? { lineage: true as const } : {}),
  };
}

/** In document order: by pointer, with array indexes compared as numbers. */
function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.pointer.localeCompare(b.p.pointer, 'en', { numeric: true }) || a.i - b.i)
    .map(({ p }) => p);
}

/** Validates a workflow given as JSON text or as an already parsed value. */
export function validateWorkflow(input: string | unknown, registry: PluginRegistry, options: ValidateOptions = {}): ValidationResult {
  const limits = options.limits ?? DEFAULT_LIMITS;
  let doc: unknown = input;
  if (typeof input === 'string') {
    const parsed = parseJsonText(input, limits);
    if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
    doc = parsed.value;
  }
  // 1. Limits first, so that a hostile document costs little.
  if (!isPlainObject(doc)) return { ok: false, problems: ajvProblems((checkSchema(doc), checkSchema.errors)), doc };
  if (Array.isArray(doc.nodes) && doc.nodes.length > limits.maxNodes) {
    return { ok: false, doc, problems: [{ pointer: '/nodes', message: `has ${doc.nodes.length} nodes; a workflow may have at most ${limits.maxNodes}` }] };
  }
  const tooDeep = findTooDeep(doc, limits.maxDepth);
  if (tooDeep) {
    return { ok: false, doc, problems: [{ pointer: pointer(...tooDeep.slice(0, 8)) + (tooDeep.length > 8 ? '/…' : ''), message: `nests deeper than ${limits.maxDepth} levels` }] };
  }
  // 2. The schema; what follows only looks at nodes whose own shape is right.
  const problems: Problem[] = checkSchema(doc) ? [] : ajvProblems(checkSchema.errors);
  if (!Array.isArray(doc.nodes)) return { ok: false, problems: sortProblems(problems), doc };
  // A node is too broken to check further when its id, plugin, wiring or config has the wrong shape.
  const brokenAt = /^\/nodes\/(\d+)(?:$|\/(?:id|plugin|inputs|after|config)(?:$|\/))/;
  const broken = new Set(problems.map((p) => brokenAt.exec(p.pointer)?.[1]).filter((i) => i !== undefined).map(Number));
  // 3. Ids and plugins.
  const nodes = new Map<string, NodeInfo>();
  const infos: NodeInfo[] = [];
  (doc.nodes as unknown[]).forEach((raw, index) => {
    if (broken.has(index) && !(isPlainObject(raw) && typeof raw.id === 'string' && typeof raw.plugin === 'string')) return;
    const node = raw as NodeDoc;
    const earlier = nodes.get(node.id);
    if (earlier) {
      problems.push({ pointer: pointer('nodes', index, 'id'), message: `duplicate node id "${node.id}" (first used at /nodes/${earlier.index})` });
      return;
    }
    const found = registry.lookup(node.plugin);
    if ('problem' in found) problems.push({ pointer: pointer('nodes', index, 'plugin'), message: found.problem });
    const info = { index, doc: node, plugin: 'plugin' in found ? found.plugin : undefined };
    nodes.set(node.id, info);
    infos.push(info);
  });
  // 4. Wiring and cycles.
  for (const info of infos) if (!broken.has(info.index)) checkInputs(info, nodes, problems);
  checkCycles(infos.filter((i) => !broken.has(i.index)), nodes, problems);
  // 5. Params, then each node's config with params substituted.
  const declared = isPlainObject(doc.params) && !problems.some((p) => p.pointer.startsWith('/params')) ? (doc.params as WorkflowDoc['params'])! : {};
  const resolved = resolveParams(declared, options.params ?? {}, { fromText: options.paramsAsText });
  problems.push(...resolved.problems);
  if (options.requireParams) {
    for (const name of resolved.params.missing) {
      problems.push({ pointer: pointer('params', name), message: `param "${name}" has no default and no value was given (pass --param ${name}=<value>)` });
    }
  }
  const configs = new Map<string, JsonObject>();
  for (const info of infos) {
    if (broken.has(info.index)) continue;
    const config = checkConfig(info, registry, resolved.params, Object.keys(declared), problems);
    if (config) configs.set(info.doc.id, config);
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems), doc };
  const workflowDoc = doc as WorkflowDoc;
  const compiled: CompiledWorkflow = {
    name: workflowDoc.name,
    baseDir: options.baseDir ?? process.cwd(),
    params: resolved.params.values as Record<string, JsonValue>,
    nodes: infos.map((info) => compileNode(info, configs.get(info.doc.id)!)),
  };
  return { ok: true, problems: [], doc: workflowDoc, workflow: compiled };
}

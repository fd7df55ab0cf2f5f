import { canonicalJson, sha256Hex } from '../json.js';
import type { ArtifactRef } from '../plugin/types.js';
import type { CompiledNode } from '../workflow/compiled.js';

export type NodeInputs = Readonly<Record<string, ArtifactRef | readonly ArtifactRef[] | undefined>>;

/**
 * A node's cache key is its content: the plugin and its version, the resolved config, and the sha256 of each
 * input in port order. Equal keys mean equal work, on either engine.
 */
export function cacheKey(node: CompiledNode, inputs: NodeInputs): string {
  return sha256Hex(canonicalJson({ plugin: `${node.plugin}@${node.version}`, config: node.config, inputs: inputDigests(node, inputs) }));
}

function inputDigests(node: CompiledNode, inputs: NodeInputs): Record<string, string | string[] | null> {
  const digests: Record<string, string | string[] | null> = {};
  for (const { port } of node.inputs) {
    const value = inputs[port];
    digests[port] = value === undefined ? null : Array.isArray(value) ? value.map((r: ArtifactRef) => r.sha256) : (value as ArtifactRef).sha256;
  }
  return digests;
}

/** What a cache key is made of, with the config as its hash: kept per node to say why it ran again. */
export interface KeyParts {
  readonly plugin: string;
  readonly config: string;
  readonly inputs: Readonly<Record<string, string | string[] | null>>;
}

export function keyParts(node: CompiledNode, inputs: NodeInputs): KeyParts {
  return { plugin: `${node.plugin}@${node.version}`, config: sha256Hex(canonicalJson(node.config)), inputs: inputDigests(node, inputs) };
}

/** Why a node misses the cache, compared with the parts of its last successful run (if any). */
export function whyRun(node: CompiledNode, now: KeyParts, before: KeyParts | undefined): string {
  if (!node.cache) return 'its results are not cached';
  if (!before) return 'no earlier result';
  const reasons: string[] = [];
  if (before.plugin !== now.plugin) reasons.push(`plugin changed from ${before.plugin} to ${now.plugin}`);
  if (before.config !== now.config) reasons.push('config changed');
  const changed = Object.keys(now.inputs).filter((port) => JSON.stringify(now.inputs[port]) !== JSON.stringify(before.inputs[port]));
  if (changed.length > 0) reasons.push(`input${changed.length > 1 ? 's' : ''} ${changed.map((p) => `"${p}"`).join(', ')} changed`);
  return reasons.length > 0 ? reasons.join('; ') : 'its earlier result is no longer in the store';
}

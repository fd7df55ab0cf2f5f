import { canonicalJson, sha256Hex } from '../json.js';
import type { ArtifactRef } from '../plugin/types.js';
import type { CompiledNode } from '../workflow/compiled.js';

export type NodeInputs = Readonly<Record<string, ArtifactRef | readonly ArtifactRef[] | undefined>>;

/**
 * A node's cache key is its content: the plugin and its version, the resolved config, and the sha256 of each
 * input in port order. Equal keys mean equal work, on either engine.
 */
export function cacheKey(node: CompiledNode, inputs: NodeInputs): string {
  const digests: Record<string, string | string[] | null> = {};
  for (const { port } of node.inputs) {
    const value = inputs[port];
    digests[port] = value === undefined ? null : Array.isArray(value) ? value.map((r: ArtifactRef) => r.sha256) : (value as ArtifactRef).sha256;
  }
  return sha256Hex(canonicalJson({ plugin: `${node.plugin}@${node.version}`, config: node.config, inputs: digests }));
}

/**
 * A workflow after validation: every reference resolved, params substituted, config defaults filled in.
 * This is what both engines run and what a run's journal keeps, so a resumed run does not depend on the
 * file or the params it was started with. Plain JSON, so it can travel as a Temporal workflow argument.
 */
import type { JsonObject, JsonValue } from '../json.js';

export interface PortSource {
  readonly node: string;
  readonly port: string;
}

export interface CompiledInput {
  readonly port: string;
  readonly many: boolean;
  readonly sources: readonly PortSource[];
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly backoffCoefficient: number;
  readonly maxBackoffMs: number;
}

export interface CompiledNode {
  readonly id: string;
  readonly plugin: string;
  readonly version: string;
  readonly config: JsonObject;
  /** Sorted by port name, so that cache keys do not depend on the order ports were written. */
  readonly inputs: readonly CompiledInput[];
  /** Every node this one waits for: its inputs' nodes and its `after` nodes, without repeats. */
  readonly dependsOn: readonly string[];
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly cache: boolean;
  /** The plugin asked for the run's lineage: every artifact upstream of this node (see `RunContext.lineage`). */
  readonly lineage?: true;
}

export interface CompiledWorkflow {
  readonly name: string;
  /** The folder of the workflow file; workers on other machines must see it at the same path. */
  readonly baseDir: string;
  readonly params: Record<string, JsonValue>;
  /** In document order. */
  readonly nodes: readonly CompiledNode[];
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 1, backoffMs: 1000, backoffCoefficient: 2, maxBackoffMs: 300_000 };

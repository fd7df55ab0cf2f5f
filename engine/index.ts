/**
 * Loom's public API for embedding: build an instance, validate workflows, run them, read their events.
 * Plugin authors need only `loom/sdk`.
 */
export * from './sdk.js';
export { LoomError, WorkflowInvalidError, NodeTimeoutError, formatProblem, type ErrorCode, type ErrorInfo, type Problem } from './errors.js';
export { createLoom, defaultHome, PluginId, type Loom } from './loom.js';
export { PluginRegistry, parsePluginRef } from './plugin/registry.js';
export { describePlugin } from './plugin/describe.js';
export { loadPluginModules } from './plugin/load.js';
export type { AnyPlugin, PortSpecs, PluginInputs, PluginOutputs } from './plugin/types.js';
export { validateWorkflow, type ValidateOptions, type ValidationResult } from './workflow/validate.js';
export { WorkflowSchema, workflowJsonSchema, type WorkflowDoc, type NodeDoc, type ParamDoc } from './workflow/schema.js';
export { DEFAULT_LIMITS, type Limits } from './workflow/parse.js';
export type { CompiledWorkflow, CompiledNode, RetryPolicy } from './workflow/compiled.js';
export { Planner, type PlanAction } from './run/plan.js';
export { cacheKey } from './run/cache-key.js';
export { executeNode, type NodeAttempt, type ExecutorServices } from './run/execute-node.js';
export { EmbeddedEngine, newRunId, type RunHandle, type RunListener, type RunOptions } from './run/embedded-engine.js';
export type { RunEvent, RunEventType, RunStatus, NodeStatus, NodeOutputs } from './run/events.js';
export { applyEvent, emptyRunState, foldEvents, type NodeState, type RunState } from './run/state.js';
export type { NewVersion, MoveAlias, Rollback, AuditEntry } from './registry/types.js';
export { SqliteRegistry } from './store/sqlite-registry.js';
export type { Journal, CacheIndex, CacheEntry, RunRecord } from './run/ports.js';

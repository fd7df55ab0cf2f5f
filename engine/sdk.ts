/**
 * Everything a plugin author needs, and nothing of the engine's insides: `import { definePlugin, Type } from 'loom/sdk'`.
 */
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export { definePlugin } from './plugin/define.js';
export { PluginError, CancelledError } from './errors.js';
export type {
  ArtifactRef,
  ArtifactStore,
  ArtifactType,
  LineageEntry,
  Logger,
  PluginDefinition,
  PortSpec,
  PortType,
  RunContext,
} from './plugin/types.js';
export type { JsonObject, JsonValue } from './json.js';
export { RegistryError, type ModelRegistry, type ModelVersion, type RegisteredModel, type AliasMove, type Lineage } from './registry/types.js';

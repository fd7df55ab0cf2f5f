/**
 * The composition root: an inversify container with the engine's services and every plugin bound to
 * `PluginId` (multi-injection). The core defines the interfaces; this file picks the adapters.
 */
import { Container, ContainerModule } from 'inversify';
import { join, resolve } from 'node:path';
import { PluginRegistry, PluginRegistryId } from './plugin/registry.js';
import type { AnyPlugin, ArtifactStore } from './plugin/types.js';
import { EmbeddedEngine, EmbeddedEngineId } from './run/embedded-engine.js';
import { ArtifactStoreId, CacheIndexId, JournalId, LoomHomeId, type CacheIndex, type Journal } from './run/ports.js';
import { FsArtifactStore, type ArtifactSealer } from './store/fs-artifact-store.js';
import { FsCacheIndex } from './store/fs-cache-index.js';
import { SqliteCacheIndex } from './store/sqlite-cache-index.js';
import { SqliteJournal } from './store/sqlite-journal.js';
import { SqliteRegistry } from './store/sqlite-registry.js';
import type { ModelRegistry } from './registry/types.js';

export const PluginId = Symbol.for('loom.Plugin');
export const ModelRegistryId = Symbol.for('loom.ModelRegistry');

/** The data home: `LOOM_HOME`, or `.loom` in the current directory. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOOM_HOME || '.loom');
}

export function storeModule(home: string, sealer?: ArtifactSealer): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<string>(LoomHomeId).toConstantValue(home);
    bind<ArtifactStore>(ArtifactStoreId).toResolvedValue(() => new FsArtifactStore(home, sealer ? { sealer } : {})).inSingletonScope();
    bind<CacheIndex>(CacheIndexId)
      .toResolvedValue(() => (process.env.LOOM_CACHE_INDEX === 'files' ? new FsCacheIndex(home) : new SqliteCacheIndex(join(home, 'cache.db'))))
      .inSingletonScope();
    bind<Journal>(JournalId).toResolvedValue(() => new SqliteJournal(join(home, 'journal.db'))).inSingletonScope();
    bind<ModelRegistry>(ModelRegistryId).toResolvedValue(() => new SqliteRegistry(join(home, 'registry.db'))).inSingletonScope();
  });
}

export const engineModule = new ContainerModule(({ bind }) => {
  bind<PluginRegistry>(PluginRegistryId)
    .toResolvedValue((plugins: AnyPlugin[] | undefined) => new PluginRegistry(plugins ?? []), [{ serviceIdentifier: PluginId, isMultiple: true, optional: true }])
    .inSingletonScope();
  bind<EmbeddedEngine>(EmbeddedEngineId)
    .toResolvedValue(
      (registry: PluginRegistry, artifacts: ArtifactStore, journal: Journal, cache: CacheIndex, home: string, models: ModelRegistry) =>
        new EmbeddedEngine({ registry, artifacts, journal, cache, home, models }),
      [PluginRegistryId, ArtifactStoreId, JournalId, CacheIndexId, LoomHomeId, ModelRegistryId],
    )
    .inSingletonScope();
});

export function pluginModule(plugins: Iterable<AnyPlugin>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    for (const plugin of plugins) bind<AnyPlugin>(PluginId).toConstantValue(plugin);
  });
}

export interface Loom {
  readonly container: Container;
  readonly home: string;
  readonly registry: PluginRegistry;
  readonly engine: EmbeddedEngine;
  readonly journal: Journal;
  readonly artifacts: ArtifactStore;
  readonly cache: CacheIndex;
  /** The model registry (`registry.db` in the data home, opened on first use). */
  readonly models: ModelRegistry;
  close(): void;
}

/**
 * Builds a Loom instance over a data home with the given plugins; with a `sealer`, models are kept encrypted at
 * rest in the artifact store.
 */
export function createLoom(options: { home?: string; plugins: Iterable<AnyPlugin>; sealer?: ArtifactSealer }): Loom {
  const home = resolve(options.home ?? defaultHome());
  const container = new Container();
  container.load(storeModule(home, options.sealer), engineModule, pluginModule(options.plugins));
  const journal = container.get<Journal>(JournalId);
  const cache = container.get<CacheIndex>(CacheIndexId);
  const models = container.get<ModelRegistry>(ModelRegistryId);
  return {
    container,
    home,
    registry: container.get<PluginRegistry>(PluginRegistryId),
    engine: container.get<EmbeddedEngine>(EmbeddedEngineId),
    journal,
    artifacts: container.get<ArtifactStore>(ArtifactStoreId),
    cache,
    models,
    close: () => {
      journal.close();
      models.close();
      (cache as Partial<SqliteCacheIndex>).close?.();
    },
  };
}

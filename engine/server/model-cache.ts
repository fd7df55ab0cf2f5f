/**
 * Hot swap: the version an alias (`production`) points at is opened once per model and kept in memory.
 *
 * 1. Every `pollMs` the cache re-reads every model's alias (one cheap registry query), so a publish or rollback
 *    made by another process is picked up within that time; a rollback through the API calls `refresh` at once.
 * 2. A new target version is loaded in the background (artifact bytes → opener) while requests keep getting the
 *    old one; only a fully opened model is ever installed, by swapping one reference, so no request can see a
 *    half-loaded model. A request holds the `Served` it got, so one that started on version N finishes on N.
 * 3. A failed load keeps the old version serving, is counted in the metrics and shown by `readiness()`, and is
 *    retried after `retryMs` (or at once when the alias moves again).
 */
import type { JsonObject } from '../json.js';
import type { ArtifactStore } from '../plugin/types.js';
import { RegistryError, type ModelRegistry, type ModelVersion } from '../registry/types.js';
import type { ModelOpener, ServableModel } from './model-port.js';
import { HttpError, type ServerLog } from './errors.js';
import type { ServerMetrics } from './metrics.js';

export interface Served {
  readonly version: ModelVersion;
  readonly model: ServableModel;
  readonly loadedAt: string;
}

interface Slot {
  current?: Served;
  /** The version the alias pointed at when last read. */
  target?: number;
  readonly loading: Map<number, Promise<void>>;
  failure?: { version: number; message: string; at: number };
}

export interface ModelCacheOptions {
  readonly registry: ModelRegistry;
  readonly artifacts: Pick<ArtifactStore, 'readBytes'>;
  readonly opener: ModelOpener;
  /** The alias that is served. Default `production`. */
  readonly alias?: string;
  /** How often aliases are re-read; 0 turns polling off (tests call `sync()`). Default 1000. */
  readonly pollMs?: number;
  /** How long a failed version waits before it is tried again. Default 30 000. */
  readonly retryMs?: number;
  readonly metrics?: ServerMetrics;
  readonly log?: ServerLog;
}

export interface ModelReadiness {
  readonly ready: boolean;
  readonly reasons: string[];
  readonly models: JsonObject[];
}

export class ModelCache {
  readonly alias: string;
  readonly #options: ModelCacheOptions;
  readonly #slots = new Map<string, Slot>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #lastPollError: string | undefined;

  constructor(options: ModelCacheOptions) {
    this.#options = options;
    this.alias = options.alias ?? 'production';
  }

  /** Loads every model's served version now and re-reads the aliases every `pollMs` until `close()`. */
  start(): void {
    void this.#poll();
    const pollMs = this.#options.pollMs ?? 1000;
    if (pollMs > 0 && !this.#timer) this.#timer = setInterval(() => void this.#poll(), pollMs).unref();
  }

  /** Stops polling and waits for a poll round in progress, so the registry can be closed after it. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  /** The version a model serves now; the first call for a model waits for its load. */
  async get(name: string): Promise<Served> {
    const current = this.#slots.get(name)?.current;
    if (current) return current;
    await this.#sync(name, await this.#resolve(name), false);
    const slot = this.#slots.get(name)!;
    if (slot.current) return slot.current;
    throw new HttpError(503, 'MODEL_UNAVAILABLE', `model "${name}": ${this.alias} version ${slot.failure?.version} could not be loaded: ${slot.failure?.message}`, {
      model: name,
      version: slot.failure?.version ?? null,
    });
  }

  /** Re-reads the alias of one model now and waits until its target version is served (or failed to load). */
  async refresh(name: string): Promise<Served | undefined> {
    await this.#sync(name, (await this.#options.registry.resolve(name, this.alias))?.version, true);
    return this.#slots.get(name)?.current;
  }

  /** One poll round: every model's alias re-read, and loads started and awaited. */
  async sync(): Promise<void> {
    const models = await this.#options.registry.models();
    const targets = new Map(models.map((m) => [m.name, m.aliases[this.alias]]));
    for (const name of this.#slots.keys()) if (!targets.has(name)) targets.set(name, undefined);
    await Promise.all([...targets].map(([name, target]) => this.#sync(name, target, false)));
  }

  /** What is served and what is wrong, for `/readyz` and the model routes. */
  async readiness(): Promise<ModelReadiness> {
    let models;
    try {
      models = await this.#options.registry.models();
    } catch (error) {
      return { ready: false, reasons: [`the model registry cannot be read: ${(error as Error).message}`], models: [] };
    }
    const reasons: string[] = [];
    const rows = models
      .filter((m) => m.aliases[this.alias] !== undefined)
      .map((m): JsonObject => {
        const target = m.aliases[this.alias]!;
        const slot = this.#slots.get(m.name);
        const serving = slot?.current?.version.version ?? null;
        const failed = slot?.failure?.version === target ? slot.failure.message : null;
        if (serving === null && failed === null) reasons.push(`model "${m.name}": ${this.alias} version ${target} is not loaded yet`);
        if (failed !== null) reasons.push(`model "${m.name}": ${this.alias} version ${target} failed to load: ${failed}${serving === null ? '' : `; still serving version ${serving}`}`);
        return { name: m.name, [this.alias]: target, serving, loading: slot ? [...slot.loading.keys()] : [], error: failed };
      });
    return { ready: reasons.length === 0, reasons, models: rows };
  }

  /** What one model serves, without touching the registry. */
  serving(name: string): Served | undefined {
    return this.#slots.get(name)?.current;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = this.sync()
      .then(() => (this.#lastPollError = undefined))
      .catch((error: Error) => {
        // A registry that cannot be read is logged once per distinct error, not every second.
        if (error.message !== this.#lastPollError) this.#options.log?.({ level: 'error', message: 'model cache: cannot read the registry', error: error.message });
        this.#lastPollError = error.message;
      })
      .finally(() => (this.#polling = undefined));
    await this.#polling;
  }

  async #resolve(name: string): Promise<number> {
    const version = await this.#options.registry.resolve(name, this.alias);
    if (version) return version.version;
    await this.#options.registry.model(name); // MODEL_NOT_FOUND for an unknown name
    throw new RegistryError('ALIAS_NOT_FOUND', name, `model "${name}" has no "${this.alias}" alias: nothing to serve (move it with PUT /api/models/${name}/aliases/${this.alias})`);
  }

  /** Points the slot at `target` and waits for its load; `force` ignores a recent failure of the same version. */
  async #sync(name: string, target: number | undefined, force: boolean): Promise<void> {
    if (target === undefined) {
      // The alias was removed: nothing of this model is served any more.
      if (this.#slots.delete(name)) this.#options.metrics?.servedVersion.remove({ model: name });
      return;
    }
    let slot = this.#slots.get(name);
    if (!slot) this.#slots.set(name, (slot = { loading: new Map() }));
    slot.target = target;
    if (slot.current?.version.version === target) {
      if (slot.failure) this.#clearFailure(name, slot);
      return;
    }
    const inFlight = slot.loading.get(target);
    if (inFlight) return inFlight;
    const retryMs = this.#options.retryMs ?? 30_000;
    if (!force && slot.failure?.version === target && Date.now() - slot.failure.at < retryMs) return;
    const load = this.#load(name, slot, target).finally(() => slot.loading.delete(target));
    slot.loading.set(target, load);
    return load;
  }

  async #load(name: string, slot: Slot, target: number): Promise<void> {
    const { registry, artifacts, opener, metrics } = this.#options;
    const stop = metrics?.modelLoadSeconds.startTimer({ model: name });
    try {
      const version = await registry.version(name, target);
      const model = await opener(version, await artifacts.readBytes(version.artifact));
      if (version.encrypted) await registry.audit({ actor: 'server', action: 'key.use', target: `${name}@${target}`, detail: { purpose: 'decrypt the model to serve it' } });
      metrics?.modelLoads.inc({ model: name, outcome: 'success' });
      stop?.();
      // The alias may have moved on while this version loaded: install it only if it is still wanted.
      if (slot.target !== target || this.#slots.get(name) !== slot) return;
      slot.current = { version, model, loadedAt: new Date().toISOString() };
      metrics?.servedVersion.set({ model: name }, target);
      this.#clearFailure(name, slot);
      this.#options.log?.({ level: 'info', message: `model "${name}": serving version ${target}` });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      metrics?.modelLoads.inc({ model: name, outcome: 'failure' });
      if (slot.target !== target) return;
      slot.failure = { version: target, message, at: Date.now() };
      metrics?.loadFailing.set({ model: name }, 1);
      this.#options.log?.({ level: 'error', message: `model "${name}": version ${target} failed to load`, error: message, serving: slot.current?.version.version ?? null });
    }
  }

  #clearFailure(name: string, slot: Slot): void {
    slot.failure = undefined;
    this.#options.metrics?.loadFailing.set({ model: name }, 0);
  }
}

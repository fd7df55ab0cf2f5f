/**
 * The model registry's contract: named models with numbered, immutable versions, and aliases (`production`,
 * `staging`, any name) that point at versions. Every alias move is appended to a history that is never rewritten.
 * Nothing deletes a version. The core defines the interface; `engine/store/sqlite-registry.ts` implements it.
 */
import { LoomError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { ArtifactRef } from '../plugin/types.js';

/** Where a version came from: the run and node that published it, and every artifact upstream of it. */
export interface Lineage {
  readonly workflow?: string;
  readonly runId?: string;
  readonly nodeId?: string;
  /** The artifacts the model was made from, back to the collected files: node id, port, sha256. */
  readonly inputs: readonly { readonly node: string; readonly port: string; readonly sha256: string }[];
}

export interface NewVersion {
  readonly name: string;
  /** The model artifact (plain `LOOMMDL1` or an encrypted envelope). */
  readonly artifact: ArtifactRef;
  readonly algorithm: string;
  readonly metrics?: JsonObject;
  readonly params?: JsonObject;
  readonly lineage?: Lineage;
  readonly tags?: Readonly<Record<string, string>>;
  /** Who registered it: a token's name, `cli`, or `workflow:<name>`. */
  readonly actor: string;
}

export interface ModelVersion {
  readonly name: string;
  /** 1, 2, 3, … per model name, never reused. */
  readonly version: number;
  readonly artifact: ArtifactRef;
  readonly algorithm: string;
  readonly encrypted: boolean;
  readonly metrics: JsonObject;
  readonly params: JsonObject;
  readonly lineage: Lineage;
  readonly tags: Readonly<Record<string, string>>;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface RegisteredModel {
  readonly name: string;
  readonly versions: number;
  readonly latest: number;
  /** alias → version */
  readonly aliases: Readonly<Record<string, number>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One alias move, as the history keeps it: `from` is null when the alias was created, `to` when it was removed. */
export interface AliasMove {
  /** Increases with every move of any alias of any model. */
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  /** `rollback` moves are told apart so that a second rollback keeps going back instead of undoing the first. */
  readonly kind: 'move' | 'rollback';
  readonly from: number | null;
  readonly to: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

export interface MoveAlias {
  readonly name: string;
  readonly alias: string;
  /** null removes the alias (the move is still recorded). */
  readonly to: number | null;
  readonly actor: string;
  readonly reason: string;
}

export interface Rollback {
  readonly name: string;
  /** Default `production`. */
  readonly alias?: string;
  /** The version to move to; default: the version the alias pointed at before its current one. */
  readonly to?: number;
  readonly actor: string;
  readonly reason: string;
}

/** Something an actor did that the audit log keeps: publish, rollback, key use, run start, a refused request. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail?: JsonObject;
}

/**
 * A version's artifact replaced by an equivalent one: the same model re-wrapped under another key (key rotation).
 * The version's number, metrics and lineage stay; the replacement is recorded, append-only, with who and why.
 */
export interface ReplaceArtifact {
  readonly name: string;
  readonly version: number;
  readonly artifact: ArtifactRef;
  readonly actor: string;
  readonly reason: string;
}

export interface ModelRegistry {
  register(version: NewVersion): Promise<ModelVersion>;
  models(): Promise<RegisteredModel[]>;
  /** Throws `RegistryError` MODEL_NOT_FOUND for an unknown name. */
  model(name: string): Promise<RegisteredModel>;
  /** Newest first. */
  versions(name: string): Promise<ModelVersion[]>;
  version(name: string, version: number): Promise<ModelVersion>;
  /** The version an alias points at, or undefined when the alias does not exist. */
  resolve(name: string, alias: string): Promise<ModelVersion | undefined>;
  moveAlias(move: MoveAlias): Promise<AliasMove>;
  /** Points a version at an equivalent artifact (see `ReplaceArtifact`); its `artifact` is the latest one from then on. */
  replaceArtifact(replace: ReplaceArtifact): Promise<ModelVersion>;
  /** Moves an alias back (see `Rollback`); throws NO_PREVIOUS_VERSION when there is nothing to go back to. */
  rollback(rollback: Rollback): Promise<AliasMove>;
  /** Oldest first; every alias of the model, or one. */
  history(name: string, alias?: string): Promise<AliasMove[]>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(options?: { limit?: number }): Promise<(AuditEntry & { id: number; at: string })[]>;
  close(): void;
}

export type RegistryErrorCode = 'MODEL_NOT_FOUND' | 'VERSION_NOT_FOUND' | 'ALIAS_NOT_FOUND' | 'NO_PREVIOUS_VERSION' | 'REGISTRY_INVALID';

/** A registry lookup or move that cannot be done, with the model (and version or alias) it was about. */
export class RegistryError extends LoomError {
  readonly registryCode: RegistryErrorCode;
  readonly model: string;

  constructor(code: RegistryErrorCode, model: string, message: string) {
    super('REGISTRY', message);
    this.registryCode = code;
    this.model = model;
  }
}

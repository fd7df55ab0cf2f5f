/**
 * The model registry in a SQLite file of the data home (`registry.db`). Versions, the alias history and the
 * audit log are append-only: triggers refuse UPDATE and DELETE on them, so not even a bug in Loom can rewrite
 * what was published, moved or done. Numbering and alias moves happen in IMMEDIATE transactions, so two
 * processes publishing at once get distinct version numbers and a history without gaps.
 */
import type Database from 'better-sqlite3';
import type { JsonObject } from '../json.js';
import type { ArtifactRef } from '../plugin/types.js';
import {
  RegistryError,
  type AliasMove,
  type AuditEntry,
  type Lineage,
  type ModelRegistry,
  type ModelVersion,
  type MoveAlias,
  type NewVersion,
  type RegisteredModel,
  type ReplaceArtifact,
  type Rollback,
} from '../registry/types.js';
import { openDatabase } from './sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, artifact TEXT NOT NULL, algorithm TEXT NOT NULL, encrypted INTEGER NOT NULL,
  metrics TEXT NOT NULL, params TEXT NOT NULL, lineage TEXT NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias));
CREATE TABLE IF NOT EXISTS alias_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, alias TEXT NOT NULL, kind TEXT NOT NULL,
  from_version INTEGER, to_version INTEGER, actor TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifact_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version INTEGER NOT NULL, from_sha256 TEXT NOT NULL, artifact TEXT NOT NULL,
  actor TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT);
`;

const APPEND_ONLY = ['versions', 'alias_history', 'artifact_moves', 'audit']
  .flatMap((table) =>
    ['UPDATE', 'DELETE'].map(
      (op) => `CREATE TRIGGER IF NOT EXISTS ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`,
    ),
  )
  .join('\n');

interface VersionRow {
  name: string;
  version: number;
  artifact: string;
  algorithm: string;
  encrypted: number;
  metrics: string;
  params: string;
  lineage: string;
  tags: string;
  created_at: string;
  created_by: string;
}

interface MoveRow {
  id: number;
  name: string;
  alias: string;
  kind: 'move' | 'rollback';
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string;
  at: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkName(what: string, name: string, model: string): void {
  if (!NAME.test(name)) {
    throw new RegistryError('REGISTRY_INVALID', model, `${what} "${name}" is not a valid name: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

function toVersion(row: VersionRow): ModelVersion {
  return {
    name: row.name,
    version: row.version,
    artifact: JSON.parse(row.artifact) as ArtifactRef,
    algorithm: row.algorithm,
    encrypted: row.encrypted === 1,
    metrics: JSON.parse(row.metrics) as JsonObject,
    params: JSON.parse(row.params) as JsonObject,
    lineage: JSON.parse(row.lineage) as Lineage,
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toMove(row: MoveRow): AliasMove {
  return { id: row.id, name: row.name, alias: row.alias, kind: row.kind, from: row.from_version, to: row.to_version, actor: row.actor, reason: row.reason, at: row.at };
}

export class SqliteRegistry implements ModelRegistry {
  #opened: Database.Database | undefined;

  /** The file is opened on first use: most runs never touch the registry. */
  constructor(readonly file: string) {}

  get #db(): Database.Database {
    if (!this.#opened) {
      this.#opened = openDatabase(this.file);
      this.#opened.exec(SCHEMA + APPEND_ONLY);
    }
    return this.#opened;
  }

  async register(input: NewVersion): Promise<ModelVersion> {
    checkName('model name', input.name, input.name);
    const insert = this.#db.transaction((): ModelVersion => {
      const { next } = this.#db.prepare('SELECT coalesce(max(version), 0) + 1 AS next FROM versions WHERE name = ?').get(input.name) as { next: number };
      const row: VersionRow = {
        name: input.name,
        version: next,
        artifact: JSON.stringify(input.artifact),
        algorithm: input.algorithm,
        encrypted: input.artifact.meta?.encrypted === true ? 1 : 0,
        metrics: JSON.stringify(input.metrics ?? {}),
        params: JSON.stringify(input.params ?? {}),
        lineage: JSON.stringify(input.lineage ?? { inputs: [] }),
        tags: JSON.stringify(input.tags ?? {}),
        created_at: new Date().toISOString(),
        created_by: input.actor,
      };
      this.#db
        .prepare(
          `INSERT INTO versions (name, version, artifact, algorithm, encrypted, metrics, params, lineage, tags, created_at, created_by)
           VALUES (@name, @version, @artifact, @algorithm, @encrypted, @metrics, @params, @lineage, @tags, @created_at, @created_by)`,
        )
        .run(row);
      return toVersion(row);
    });
    return insert.immediate();
  }

  async models(): Promise<RegisteredModel[]> {
    const names = this.#db.prepare('SELECT DISTINCT name FROM versions ORDER BY name').pluck().all() as string[];
    return names.map((name) => this.#model(name));
  }

  async model(name: string): Promise<RegisteredModel> {
    return this.#model(name);
  }

  #model(name: string): RegisteredModel {
    const row = this.#db
      .prepare('SELECT count(*) AS n, max(version) AS latest, min(created_at) AS created, max(created_at) AS updated FROM versions WHERE name = ?')
      .get(name) as { n: number; latest: number | null; created: string | null; updated: string | null };
    if (row.n === 0) throw this.#unknownModel(name);
    const aliases = Object.fromEntries(
      (this.#db.prepare('SELECT alias, version FROM aliases WHERE name = ? ORDER BY alias').all(name) as { alias: string; version: number }[]).map((a) => [a.alias, a.version]),
    );
    const lastMove = this.#db.prepare('SELECT max(at) FROM alias_history WHERE name = ?').pluck().get(name) as string | null;
    const updatedAt = lastMove && lastMove > row.updated! ? lastMove : row.updated!;
    return { name, versions: row.n, latest: row.latest!, aliases, createdAt: row.created!, updatedAt };
  }

  #unknownModel(name: string): RegistryError {
    const known = this.#db.prepare('SELECT DISTINCT name FROM versions ORDER BY name LIMIT 20').pluck().all() as string[];
    return new RegistryError('MODEL_NOT_FOUND', name, `model "${name}" is not registered${known.length ? `; registered models: ${known.join(', ')}` : '; the registry is empty'}`);
  }

  async versions(name: string): Promise<ModelVersion[]> {
    const rows = this.#db.prepare('SELECT * FROM versions WHERE name = ? ORDER BY version DESC').all(name) as VersionRow[];
    if (rows.length === 0) throw this.#unknownModel(name);
    return rows.map((row) => this.#current(toVersion(row)));
  }

  async version(name: string, version: number): Promise<ModelVersion> {
    return this.#version(name, version);
  }

  #version(name: string, version: number): ModelVersion {
    const row = this.#db.prepare('SELECT * FROM versions WHERE name = ? AND version = ?').get(name, version) as VersionRow | undefined;
    if (row) return this.#current(toVersion(row));
    const latest = this.#db.prepare('SELECT max(version) FROM versions WHERE name = ?').pluck().get(name) as number | null;
    if (latest === null) throw this.#unknownModel(name);
    throw new RegistryError('VERSION_NOT_FOUND', name, `model "${name}" has no version ${version}; its versions are 1 to ${latest}`);
  }

  /** The version with its latest artifact, when key rotation replaced the one it was registered with. */
  #current(version: ModelVersion): ModelVersion {
    const latest = this.#db.prepare('SELECT artifact FROM artifact_moves WHERE name = ? AND version = ? ORDER BY id DESC LIMIT 1').pluck().get(version.name, version.version) as string | undefined;
    return latest === undefined ? version : { ...version, artifact: JSON.parse(latest) as ArtifactRef };
  }

  async replaceArtifact(replace: ReplaceArtifact): Promise<ModelVersion> {
    return this.#db
      .transaction(() => {
        const before = this.#version(replace.name, replace.version);
        this.#db
          .prepare('INSERT INTO artifact_moves (name, version, from_sha256, artifact, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(replace.name, replace.version, before.artifact.sha256, JSON.stringify(replace.artifact), replace.actor, replace.reason, new Date().toISOString());
        return this.#version(replace.name, replace.version);
      })
      .immediate();
  }

  async resolve(name: string, alias: string): Promise<ModelVersion | undefined> {
    const version = this.#aliasVersion(name, alias);
    return version === undefined ? undefined : this.#version(name, version);
  }

  /** The version an alias points at now, or undefined when the model has no such alias. */
  #aliasVersion(name: string, alias: string): number | undefined {
    return this.#db.prepare('SELECT version FROM aliases WHERE name = ? AND alias = ?').pluck().get(name, alias) as number | undefined;
  }

  async moveAlias(move: MoveAlias): Promise<AliasMove> {
    checkName('alias', move.alias, move.name);
    return this.#db.transaction(() => this.#move(move, 'move')).immediate();
  }

  #move(move: MoveAlias, kind: AliasMove['kind']): AliasMove {
    if (move.to !== null) this.#version(move.name, move.to);
    else this.#model(move.name);
    const from = this.#aliasVersion(move.name, move.alias) ?? null;
    if (move.to === null) this.#db.prepare('DELETE FROM aliases WHERE name = ? AND alias = ?').run(move.name, move.alias);
    else this.#db.prepare('INSERT OR REPLACE INTO aliases (name, alias, version) VALUES (?, ?, ?)').run(move.name, move.alias, move.to);
    const at = new Date().toISOString();
    const { lastInsertRowid } = this.#db
      .prepare('INSERT INTO alias_history (name, alias, kind, from_version, to_version, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(move.name, move.alias, kind, from, move.to, move.actor, move.reason, at);
    return { id: Number(lastInsertRowid), name: move.name, alias: move.alias, kind, from, to: move.to, actor: move.actor, reason: move.reason, at };
  }

  async rollback(rollback: Rollback): Promise<AliasMove> {
    const alias = rollback.alias ?? 'production';
    return this.#db
      .transaction(() => {
        const current = this.#aliasVersion(rollback.name, alias);
        if (current === undefined) {
          this.#model(rollback.name);
          throw new RegistryError('ALIAS_NOT_FOUND', rollback.name, `model "${rollback.name}" has no "${alias}" alias to roll back`);
        }
        const to = rollback.to ?? this.#previousHolder(rollback.name, alias, current);
        if (to === current) throw new RegistryError('NO_PREVIOUS_VERSION', rollback.name, `model "${rollback.name}": "${alias}" already points at version ${current}`);
        return this.#move({ name: rollback.name, alias, to, actor: rollback.actor, reason: rollback.reason }, 'rollback');
      })
      .immediate();
  }

  /** The version that held the alias before `current` was last moved there by a forward move (not a rollback). */
  #previousHolder(name: string, alias: string, current: number): number {
    const from = this.#db
      .prepare("SELECT from_version FROM alias_history WHERE name = ? AND alias = ? AND to_version = ? AND kind = 'move' ORDER BY id DESC LIMIT 1")
      .pluck()
      .get(name, alias, current) as number | null | undefined;
    if (from === undefined || from === null) {
      throw new RegistryError('NO_PREVIOUS_VERSION', name, `model "${name}": version ${current} was the first to hold "${alias}"; there is nothing to roll back to (name a version with --to)`);
    }
    return from;
  }

  async history(name: string, alias?: string): Promise<AliasMove[]> {
    this.#model(name);
    const rows = (
      alias === undefined
        ? this.#db.prepare('SELECT * FROM alias_history WHERE name = ? ORDER BY id').all(name)
        : this.#db.prepare('SELECT * FROM alias_history WHERE name = ? AND alias = ? ORDER BY id').all(name, alias)
    ) as MoveRow[];
    return rows.map(toMove);
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.#db
      .prepare('INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), entry.actor, entry.action, entry.target, entry.detail === undefined ? null : JSON.stringify(entry.detail));
  }

  async auditLog(options: { limit?: number } = {}): Promise<(AuditEntry & { id: number; at: string })[]> {
    const rows = this.#db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(options.limit ?? 100) as {
      id: number;
      at: string;
      actor: string;
      action: string;
      target: string;
      detail: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target, ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as JsonObject }) }));
  }

  close(): void {
    this.#opened?.close();
    this.#opened = undefined;
  }
}

/**
 * The run journal in SQLite (better-sqlite3): a `runs` table and an append-only `events` table. WAL mode with
 * synchronous=NORMAL: a killed process loses nothing that was appended; a power cut may lose the last few
 * events, which a resume then simply redoes.
 */
import type Database from 'better-sqlite3';
import type { RunEvent, RunStatus } from '../run/events.js';
import type { ControlMessage, Journal, RunRecord } from '../run/ports.js';
import { isAlive, openDatabase } from './sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  workflow_name TEXT NOT NULL,
  engine TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  pid INTEGER,
  workflow TEXT NOT NULL,
  document TEXT NOT NULL,
  options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  run_id TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  node_id TEXT,
  data TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS control (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  message TEXT NOT NULL
);
`;

interface RunRow {
  id: string;
  engine: string;
  status: RunStatus;
  created_at: string;
  finished_at: string | null;
  pid: number | null;
  workflow: string;
  document: string;
  options: string;
}

export class SqliteJournal implements Journal {
  readonly #db: Database.Database;
  readonly #seq = new Map<string, number>();
  readonly #insert: Database.Statement;
  readonly #finish: Database.Statement;

  constructor(file: string) {
    this.#db = openDatabase(file);
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare('INSERT INTO events (run_id, seq, type, node_id, data) VALUES (?, ?, ?, ?, ?)');
    this.#finish = this.#db.prepare('UPDATE runs SET status = ?, finished_at = ?, pid = NULL WHERE id = ?');
  }

  createRun(record: Omit<RunRecord, 'status' | 'finishedAt' | 'pid'>, pid: number): void {
    this.#db
      .prepare(
        `INSERT INTO runs (id, workflow_name, engine, status, created_at, pid, workflow, document, options)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(record.runId, record.workflow.name, record.engine, record.createdAt, pid, JSON.stringify(record.workflow), JSON.stringify(record.document), JSON.stringify(record.options));
    this.#seq.set(record.runId, 0);
  }

  append(event: RunEvent): void {
    const seq = (this.#seq.get(event.runId) ?? this.#lastSeq(event.runId)) + 1;
    this.#seq.set(event.runId, seq);
    this.#insert.run(event.runId, seq, event.type, 'nodeId' in event ? event.nodeId : null, JSON.stringify(event));
    if (event.type === 'run.finished') this.#finish.run(event.status, event.at, event.runId);
  }

  events(runId: string): RunEvent[] {
    const rows = this.#db.prepare('SELECT data FROM events WHERE run_id = ? ORDER BY seq').all(runId) as { data: string }[];
    return rows.map((row) => JSON.parse(row.data) as RunEvent);
  }

  run(runId: string): RunRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    return row && toRecord(row);
  }

  listRuns(limit = 50): RunRecord[] {
    const rows = this.#db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as RunRow[];
    return rows.map(toRecord);
  }

  claim(runId: string, pid: number): { ok: true } | { ok: false; pid: number } {
    return this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT pid FROM runs WHERE id = ?').get(runId) as { pid: number | null } | undefined;
      if (row?.pid != null && row.pid !== pid && isAlive(row.pid)) return { ok: false as const, pid: row.pid };
      this.#db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(pid, runId);
      return { ok: true as const };
    })();
  }

  release(runId: string): void {
    this.#db.prepare('UPDATE runs SET pid = NULL WHERE id = ?').run(runId);
  }

  sendControl(runId: string, message: ControlMessage): void {
    this.#db.prepare('INSERT INTO control (run_id, message) VALUES (?, ?)').run(runId, JSON.stringify(message));
  }

  controls(runId: string, afterId: number): { id: number; message: ControlMessage }[] {
    const rows = this.#db.prepare('SELECT id, message FROM control WHERE run_id = ? AND id > ? ORDER BY id').all(runId, afterId) as { id: number; message: string }[];
    return rows.map((row) => ({ id: row.id, message: JSON.parse(row.message) as ControlMessage }));
  }

  close(): void {
    this.#db.close();
  }

  #lastSeq(runId: string): number {
    const row = this.#db.prepare('SELECT MAX(seq) AS seq FROM events WHERE run_id = ?').get(runId) as { seq: number | null };
    return row.seq ?? 0;
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    runId: row.id,
    engine: row.engine,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
    pid: row.pid ?? undefined,
    workflow: JSON.parse(row.workflow),
    document: JSON.parse(row.document),
    options: JSON.parse(row.options),
  };
}

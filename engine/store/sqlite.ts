import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens a SQLite file the way every Loom store does: WAL, so readers never block the writer and a killed
 * process loses nothing committed; synchronous=NORMAL, so a commit is a write, not a flush; a busy timeout,
 * so two processes on one data home wait for each other instead of failing.
 */
export function openDatabase(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Whether a process id belongs to a live process (one we may not signal still counts). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

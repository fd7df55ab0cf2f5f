/**
 * JSON lines (or a JSON array) and Parquet files into one DuckDB table.
 *
 * DuckDB's read_json cannot keep a malformed line aside, so each file is first read line by line here: a line
 * that is not a JSON object becomes a reject with its number and the parser's reason, and each good line is
 * wrapped as `{"__loom_fidx": file, "__loom_line": n, "__loom_raw": "<line>", "v": <line>}` into the scratch dir. DuckDB then reads
 * the wrapped files with the type of `v` inferred over every line, and its fields become the columns.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Db } from '../../engine/data/duckdb.js';
import { ident, literal } from '../../engine/data/duckdb.js';
import type { FileEntry } from './tables.js';
import { FILES, REJECTS } from './tables.js';

interface Reject {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

/** Returns false when no file had a single good line (there is then no schema to read). */
export async function readJson(db: Db, table: string, files: readonly FileEntry[], scratchDir: string, signal: AbortSignal, onFile: (done: number, total: number) => void): Promise<boolean> {
  const wrapped: string[] = [];
  const rejects: Reject[] = [];
  let good = 0;
  for (const [i, file] of files.entries()) {
    signal.throwIfAborted();
    const out = join(scratchDir, `json-${file.idx}.jsonl`);
    const stream = createWriteStream(out);
    const text = await firstNonSpace(file.path);
    good += text === '[' ? await wrapArray(file, stream, rejects) : await wrapLines(file, stream, rejects);
    await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    wrapped.push(out);
    onFile(i + 1, files.length);
  }
  if (rejects.length > 0) {
    const file = join(scratchDir, 'json-rejects.jsonl');
    await writeLines(file, rejects.map((r) => JSON.stringify(r)));
    await db.run(`INSERT INTO ${REJECTS} SELECT file, line, reason, raw FROM read_json(${literal(file)}, format = 'newline_delimited',
      columns = {file: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR'})`);
  }
  if (good === 0) return false;
  const list = `[${wrapped.map(literal).join(', ')}]`;
  await db.run(`CREATE TABLE ${ident(table)} AS
    SELECT unnest(v), __loom_fidx, __loom_line AS __loom_row, __loom_line, __loom_raw
    FROM read_json(${list}, format = 'newline_delimited', sample_size = -1)`);
  return true;
}

async function wrapLines(file: FileEntry, out: WriteStream, rejects: Reject[]): Promise<number> {
  const lines = createInterface({ input: createReadStream(file.path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let good = 0;
  for await (const read of lines) {
    const line = ++n === 1 ? read.replace(/^\uFEFF/, '') : read;
    if (line.trim() === '') continue; // a blank line is not a record
    const reason = objectProblem(line);
    if (reason) rejects.push({ file: file.name, line: n, reason, raw: line });
    else {
      good++;
      if (!out.write(`{"__loom_fidx":${file.idx},"__loom_line":${n},"__loom_raw":${JSON.stringify(line)},"v":${line}}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  return good;
}

/** A JSON array (e.g. from an HTTP API): its elements are the records, numbered from 1 as "lines". */
async function wrapArray(file: FileEntry, out: WriteStream, rejects: Reject[]): Promise<number> {
  let items: unknown;
  try {
    items = JSON.parse((await readFile(file.path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    rejects.push({ file: file.name, line: 1, reason: `not valid JSON: ${(error as Error).message}`, raw: '' });
    return 0;
  }
  let good = 0;
  for (const [i, item] of (items as unknown[]).entries()) {
    const raw = JSON.stringify(item);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) rejects.push({ file: file.name, line: i + 1, reason: 'not a JSON object', raw });
    else {
      good++;
      out.write(`{"__loom_fidx":${file.idx},"__loom_line":${i + 1},"__loom_raw":${JSON.stringify(raw)},"v":${raw}}\n`);
    }
  }
  return good;
}

function objectProblem(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'not a JSON object';
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
}

async function firstNonSpace(path: string): Promise<string> {
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 4096 })) {
    const match = /[^\s\uFEFF]/.exec(chunk as string);
    if (match) return match[0];
  }
  return '';
}

async function writeLines(path: string, lines: string[]): Promise<void> {
  const stream = createWriteStream(path);
  for (const line of lines) if (!stream.write(`${line}\n`)) await new Promise<void>((r) => stream.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Parquet has no malformed lines; its row number (from 1) stands in for a line. */
export async function readParquet(db: Db, table: string, files: readonly FileEntry[]): Promise<void> {
  const list = `[${files.map((f) => literal(f.path)).join(', ')}]`;
  await db.run(`CREATE TABLE ${ident(table)} AS
    SELECT p.* EXCLUDE (__loom_path, file_row_number), f.idx AS __loom_fidx, p.file_row_number AS __loom_row,
      p.file_row_number + 1 AS __loom_line, NULL::VARCHAR AS __loom_raw
    FROM read_parquet(${list}, union_by_name = true, filename = '__loom_path', file_row_number = true) p JOIN ${FILES} f ON f.path = p.__loom_path`);
}

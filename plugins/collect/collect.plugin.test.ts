import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { withDb } from '../../engine/data/duckdb.js';
import { WorkflowInvalidError } from '../../engine/errors.js';
import type { Loom } from '../../engine/loom.js';
import type { RunEvent } from '../../engine/run/events.js';
import type { RunListener } from '../../engine/run/embedded-engine.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import type { ArtifactRef } from '../../engine/plugin/types.js';
import { validateWorkflow } from '../../engine/workflow/validate.js';
import { workflow } from '../../test/builder.js';
import { loomTest, tempDir } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import collect from './collect.plugin.js';
import { RETAIL_DAYS } from '../../test/fixtures/retail-data.js';

pluginContract(asAnyPlugin(collect));
const test = loomTest([asAnyPlugin(collect)]);

// Each test gets a workflow folder of its own (the node's first data root) and an outside folder it may not read.
let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await tempDir('loom-collect-');
  outside = await tempDir('loom-outside-');
});
afterEach(async () => {
  await Promise.all([rm(dir, { recursive: true, force: true }), rm(outside, { recursive: true, force: true })]);
});

async function files(entries: Record<string, string>, base = dir): Promise<void> {
  for (const [name, text] of Object.entries(entries)) {
    await mkdir(join(base, name, '..'), { recursive: true });
    await writeFile(join(base, name), text);
  }
}

/** Runs one collect node in a workflow whose file is in `dir`, the way `loom run` does. */
async function collectRun(loom: Loom, config: Record<string, unknown>, onEvent?: RunListener) {
  const doc = workflow('collect-test').node('c', 'collect', { config }).build();
  const result = validateWorkflow(doc, loom.registry, { params: {}, requireParams: true, baseDir: dir });
  if (!result.ok) throw new WorkflowInvalidError('collect-test', result.problems);
  const state = await loom.engine.start(result.workflow, { document: doc, onEvent }).done;
  return state.nodes.c!;
}

async function ok(loom: Loom, config: Record<string, unknown>) {
  const node = await collectRun(loom, config);
  expect(node.error, JSON.stringify(node.error)).toBeUndefined();
  const outputs = node.outputs!;
  return { data: outputs.data!, rejects: await rows(loom, outputs.rejects!), report: (await loom.artifacts.readJson(outputs.report!)) as Record<string, any> };
}

async function failure(loom: Loom, config: Record<string, unknown>) {
  const node = await collectRun(loom, config);
  expect(node.status).toBe('failed');
  return node.error!;
}

async function rows(loom: Loom, ref: ArtifactRef, select = 'SELECT * FROM t') {
  const scratchDir = await tempDir('loom-read-');
  try {
    return await withDb({ artifacts: loom.artifacts, scratchDir, signal: new AbortController().signal }, async (db) => {
      await db.load('t', ref);
      return db.all(select);
    });
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

const types = (ref: ArtifactRef) => (ref.meta!.columns as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`);

describe('CSV files', () => {
  test('files whose columns are in another order align by name; a BOM, a quoted delimiter and the file name column', async ({ loom }) => {
    await files({
      'in/a.csv': '\uFEFFid,name,price\n1,"Smith, John",2.5\n2,Ann,3\n',
      'in/b.csv': 'price,id,name\n4.25,3,"Bob ""B"""\n',
    });
    const { data, rejects, report } = await ok(loom, { path: 'in/*.csv', filenameColumn: 'file' });
    expect(types(data)).toEqual(['id BIGINT', 'name VARCHAR', 'price DOUBLE', 'file VARCHAR']);
    expect(await rows(loom, data)).toEqual([
      { id: '1', name: 'Smith, John', price: 2.5, file: 'a.csv' },
      { id: '2', name: 'Ann', price: 3, file: 'a.csv' },
      { id: '3', name: 'Bob "B"', price: 4.25, file: 'b.csv' },
    ]);
    expect(rejects).toEqual([]);
    expect(report).toMatchObject({ rows: 3, rowsRejected: 0, filesMatched: 2, filesRead: 2, pattern: 'in/*.csv', summary: '3 rows from 2 of 2 inputs; 0 lines rejected' });
    expect(report.files).toEqual([
      { file: 'a.csv', bytes: 45, status: 'read', rows: 2, rejected: 0 },
      { file: 'b.csv', bytes: 33, status: 'read', rows: 1, rejected: 0 },
    ]);
  });

  test('malformed lines go to rejects with their file, line number, reason and text, and are counted', async ({ loom }) => {
    await files({ 'a.csv': 'id,name,qty\n1,x,2\n2,y\n3,z,4,5\n4,"w",6\n', 'b.csv': 'id,name,qty\n5,v,7\n' });
    const { data, rejects, report } = await ok(loom, { path: '*.csv' });
    expect(await rows(loom, data)).toEqual([
      { id: '1', name: 'x', qty: '2' },
      { id: '4', name: 'w', qty: '6' },
      { id: '5', name: 'v', qty: '7' },
    ]);
    expect(rejects).toEqual([
      { file: 'a.csv', line: '3', reason: 'Expected Number of Columns: 3 Found: 2', raw: '2,y' },
      { file: 'a.csv', line: '4', reason: 'Expected Number of Columns: 3 Found: 4', raw: '3,z,4,5' },
    ]);
    expect(report).toMatchObject({ rows: 3, rowsRejected: 2 });
    expect(report.files.map((f: any) => [f.file, f.rows, f.rejected])).toEqual([['a.csv', 2, 2], ['b.csv', 1, 0]]);
  });

  test('it reports progress by phase, ending with the summary', async ({ loom }) => {
    await files({ 'a.csv': 'x\n1\n' });
    const events: RunEvent[] = [];
    await collectRun(loom, { path: 'a.csv' }, (e) => events.push(e));
    const progress = events.flatMap((e) => (e.type === 'node.progress' ? [[e.fraction, e.message]] : []));
    expect(progress.at(-1)).toEqual([1, '1 rows from 1 of 1 inputs; 0 lines rejected']);
  });

  test('a 0-byte file is reported empty and a header-only file gives the columns with no rows', async ({ loom }) => {
    await files({ 'empty.csv': '', 'header.csv': 'a,b\n' });
    const { data, report } = await ok(loom, { path: '*.csv' });
    expect(data.meta).toMatchObject({ rows: 0, columns: [{ name: 'a', type: 'VARCHAR' }, { name: 'b', type: 'VARCHAR' }] });
    expect(report.files).toEqual([
      { file: 'empty.csv', bytes: 0, status: 'empty', rows: 0, rejected: 0 },
      { file: 'header.csv', bytes: 4, status: 'read', rows: 0, rejected: 0 },
    ]);
    expect(report).toMatchObject({ filesRead: 1, filesEmpty: 1, summary: '0 rows from 1 of 2 inputs; 0 lines rejected; 1 empty files' });
  });

  test('only empty files and no known columns is a clear error', async ({ loom }) => {
    await files({ 'empty.csv': '' });
    expect(await failure(loom, { path: 'empty.csv' })).toMatchObject({
      retryable: false,
      message: 'nothing to take the columns from: the 1 file(s) matched were empty or already collected, and no earlier run or "columns" says what they are',
    });
  });

  test('a given type wins over inference, and a value that does not convert is a reject', async ({ loom }) => {
    await files({ 'r.csv': 'CustomerID,Quantity,InvoiceDate\n17850.0,6,2010-12-01 08:26:00\n,x,2010-12-01 09:00:00\n13047.0,-2,2010-12-02 10:00:00\n' });
    const { data, rejects } = await ok(loom, { path: 'r.csv', columns: { CustomerID: 'VARCHAR', Quantity: 'INTEGER' } });
    expect(types(data)).toEqual(['CustomerID VARCHAR', 'Quantity INTEGER', 'InvoiceDate TIMESTAMP']);
    expect(await rows(loom, data)).toEqual([
      { CustomerID: '17850.0', Quantity: 6, InvoiceDate: '2010-12-01 08:26:00' },
      { CustomerID: '13047.0', Quantity: -2, InvoiceDate: '2010-12-02 10:00:00' },
    ]);
    expect(rejects).toEqual([{ file: 'r.csv', line: '3', reason: `Error when converting column "Quantity". Could not convert string "x" to 'INTEGER'`, raw: ',x,2010-12-01 09:00:00' }]);
  });

  test('a ";" delimiter, given or inferred, with a quoted ";" inside a field', async ({ loom }) => {
    await files({ 'semi.csv': 'a;b;c\n1;"x;y";2011-01-04\n2;z;2011-01-05\n' });
    const expected = [
      { a: '1', b: 'x;y', c: '2011-01-04' },
      { a: '2', b: 'z', c: '2011-01-05' },
    ];
    for (const config of [{ path: 'semi.csv', delimiter: ';' }, { path: 'semi.csv' }]) {
      const { data } = await ok(loom, config);
      expect(types(data)).toEqual(['a BIGINT', 'b VARCHAR', 'c DATE']);
      expect(await rows(loom, data)).toEqual(expected);
    }
  });

  test('a column with unknown type name or missing from the data is a clear error', async ({ loom }) => {
    await files({ 'a.csv': 'x,y\n1,2\n' });
    expect((await failure(loom, { path: 'a.csv', columns: { z: 'VARCHAR' } })).message).toBe('columns: the column "z" is not in the data; its columns are "x", "y"');
    expect((await failure(loom, { path: 'a.csv', columns: { x: 'INT; DROP' } })).message).toMatch(/^columns: "x" has type "INT; DROP", which is not a DuckDB type name/);
    expect((await failure(loom, { path: 'a.csv', columns: { x: 'NUMBERISH' } })).message).toMatch(/^columns: "x" has type "NUMBERISH", which DuckDB does not know: Catalog Error: Type with name NUMBERISH does not exist!/);
  });
});

describe('JSON lines and Parquet', () => {
  test('a malformed JSON line is a reject with its line number; blank lines are skipped', async ({ loom }) => {
    await files({ 'events.jsonl': '{"id": 1, "kind": "view", "at": "2011-01-04 10:00:00"}\n{"id": 2, "kind": \n\n[1, 2]\n{"id": 3, "kind": "buy", "extra": true}\n' });
    const { data, rejects, report } = await ok(loom, { path: 'events.jsonl', filenameColumn: 'source' });
    expect(types(data)).toEqual(['id BIGINT', 'kind VARCHAR', 'at TIMESTAMP', 'extra BOOLEAN', 'source VARCHAR']);
    expect(await rows(loom, data)).toEqual([
      { id: '1', kind: 'view', at: '2011-01-04 10:00:00', extra: null, source: 'events.jsonl' },
      { id: '3', kind: 'buy', at: null, extra: true, source: 'events.jsonl' },
    ]);
    expect(rejects).toEqual([
      { file: 'events.jsonl', line: '2', reason: 'not valid JSON: Unexpected end of JSON input', raw: '{"id": 2, "kind": ' },
      { file: 'events.jsonl', line: '4', reason: 'not a JSON object', raw: '[1, 2]' },
    ]);
    expect(report).toMatchObject({ rows: 2, rowsRejected: 2 });
  });

  test('a given type on a JSON column: a value that does not convert is a reject with its line', async ({ loom }) => {
    await files({ 'a.jsonl': '{"n": "1"}\n{"n": "two"}\n{"n": "3"}\n' });
    const { data, rejects } = await ok(loom, { path: 'a.jsonl', columns: { n: 'INTEGER' } });
    expect(await rows(loom, data)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(rejects).toEqual([{ file: 'a.jsonl', line: '2', reason: 'column "n": could not convert "two" to INTEGER', raw: '{"n": "two"}' }]);
  });

  test('Parquet files are read by column name', async ({ loom }) => {
    const scratchDir = await tempDir('loom-pq-');
    await withDb({ artifacts: loom.artifacts, scratchDir, signal: new AbortController().signal }, async (db) => {
      await db.run(`COPY (SELECT 1 AS id, 'a' AS s) TO '${join(dir, 'p1.parquet')}'`);
      await db.run(`COPY (SELECT 'b' AS s, 2 AS id) TO '${join(dir, 'p2.parquet')}'`);
    }, { readRoots: [dir] });
    await rm(scratchDir, { recursive: true, force: true });
    const { data } = await ok(loom, { path: '*.parquet' });
    expect(await rows(loom, data)).toEqual([{ id: 1, s: 'a' }, { id: 2, s: 'b' }]);
  });
});

describe('incremental', () => {
  test('files mode takes only new or changed files; with nothing new the output is empty with the same columns', async ({ loom }) => {
    await files({ 'logs/2011-01-04.csv': 'day,n\n2011-01-04,1\n', 'logs/2011-01-05.csv': 'day,n\n2011-01-05,2\n' });
    const config = { path: 'logs/*.csv', incremental: 'files', filenameColumn: 'file' };
    const first = await ok(loom, config);
    expect(await rows(loom, first.data)).toEqual([{ day: '2011-01-04', n: '1', file: '2011-01-04.csv' }, { day: '2011-01-05', n: '2', file: '2011-01-05.csv' }]);

    // A new day arrives, and an old day is rewritten (other size, other time): both are new.
    await files({ 'logs/2011-01-06.csv': 'day,n\n2011-01-06,3\n', 'logs/2011-01-04.csv': 'day,n\n2011-01-04,10\n' });
    await utimes(join(dir, 'logs/2011-01-04.csv'), new Date('2011-01-07'), new Date('2011-01-07'));
    const second = await ok(loom, config);
    expect(await rows(loom, second.data)).toEqual([{ day: '2011-01-04', n: '10', file: '2011-01-04.csv' }, { day: '2011-01-06', n: '3', file: '2011-01-06.csv' }]);
    expect(second.report).toMatchObject({ filesMatched: 3, filesRead: 2, filesSkipped: 1, nothingNew: false });
    expect(second.report.files.map((f: any) => `${f.file} ${f.status}`)).toEqual(['2011-01-04.csv read', '2011-01-05.csv already collected', '2011-01-06.csv read']);

    const third = await ok(loom, config);
    expect(third.data.meta).toMatchObject({ rows: 0, columns: [{ name: 'day', type: 'DATE' }, { name: 'n', type: 'BIGINT' }, { name: 'file', type: 'VARCHAR' }] });
    expect(third.report).toMatchObject({ nothingNew: true, filesRead: 0, filesSkipped: 3, summary: 'nothing new: 0 rows from 0 of 3 inputs; 0 lines rejected; 3 files already collected' });
  });

  test('the types of an earlier run are kept when the new values still fit (a day where a column is empty)', async ({ loom }) => {
    await files({ 'd1.csv': 'id,customer\n1,17850.0\n' });
    const config = { path: 'd*.csv', incremental: 'files' };
    expect(types((await ok(loom, config)).data)).toEqual(['id BIGINT', 'customer DOUBLE']);
    await files({ 'd2.csv': 'id,customer\n2,\n' });
    const second = await ok(loom, config);
    expect(types(second.data)).toEqual(['id BIGINT', 'customer DOUBLE']);
    expect(await rows(loom, second.data)).toEqual([{ id: '2', customer: null }]);
  });

  test('a failed run remembers nothing: its files are new again next time', async ({ loom }) => {
    await files({ 'a.csv': 'x\n1\n' });
    expect((await failure(loom, { path: '*.csv', incremental: 'files', columns: { y: 'INTEGER' } })).message).toMatch(/^columns: the column "y" is not in the data/);
    const { report } = await ok(loom, { path: '*.csv', incremental: 'files' });
    expect(report).toMatchObject({ rows: 1, filesRead: 1, filesSkipped: 0 });
  });

  test('watermark mode takes only rows above the highest value taken before', async ({ loom }) => {
    await files({ 'orders.csv': 'id,at\n1,2011-01-04 10:00:00\n2,2011-01-04 11:00:00\n3,\n' });
    const config = { path: 'orders.csv', incremental: 'watermark', watermarkColumn: 'at' };
    const first = await ok(loom, config);
    expect(await rows(loom, first.data, 'SELECT id FROM t')).toEqual([{ id: '1' }, { id: '2' }]);
    expect(first.report.watermark).toEqual({ column: 'at', previous: null, current: '2011-01-04 11:00:00', rowsAtOrBelow: 0, rowsWithoutValue: 1 });

    await files({ 'orders.csv': 'id,at\n1,2011-01-04 10:00:00\n2,2011-01-04 11:00:00\n3,\n4,2011-01-05 09:00:00\n' });
    const second = await ok(loom, config);
    expect(await rows(loom, second.data, 'SELECT id FROM t')).toEqual([{ id: '4' }]);
    expect(second.report.watermark).toEqual({ column: 'at', previous: '2011-01-04 11:00:00', current: '2011-01-05 09:00:00', rowsAtOrBelow: 2, rowsWithoutValue: 1 });
    expect(second.report.files).toEqual([{ file: 'orders.csv', bytes: 75, status: 'read', rows: 1, rejected: 0 }]);

    const third = await ok(loom, config);
    expect(third.data.meta).toMatchObject({ rows: 0, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'at', type: 'TIMESTAMP' }] });
    expect(third.report).toMatchObject({ nothingNew: true, watermark: { previous: '2011-01-05 09:00:00', current: '2011-01-05 09:00:00', rowsAtOrBelow: 3 } });
  });

  test('incremental modes that do not fit the source or lack their column are config errors', async ({ loom }) => {
    expect((await failure(loom, { url: 'http://127.0.0.1:1/x.csv', incremental: 'files' })).message).toBe('incremental "files" needs "path"; for a http source use incremental "watermark"');
    expect((await failure(loom, { path: '*.csv', incremental: 'watermark' })).message).toBe('incremental "watermark" needs "watermarkColumn"');
    expect((await failure(loom, {})).message).toBe('give exactly one source: "path" (files), "url" or "sqlite"; none is set');
  });
});

describe('accumulate', () => {
  const DAY = (d: string, ...lines: string[]) => `day,customer,n\n${lines.map((l) => `${d},${l}`).join('\n')}\n`;
  const all = 'SELECT CAST(day AS VARCHAR) AS day, customer, n FROM t';

  test('each run reads only the new files but outputs everything so far, exactly what a full read gives', async ({ loom }) => {
    await files({ 'in/2011-01-04.csv': DAY('2011-01-04', 'a,1', 'b,2'), 'in/2011-01-05.csv': DAY('2011-01-05', 'a,3') });
    const config = { path: 'in/*.csv', incremental: 'files', accumulate: true };
    const first = await ok(loom, config);
    expect(first.report).toMatchObject({ rows: 3, filesRead: 2, accumulated: { previousRows: 0, replacedRows: 0, newRows: 3, rows: 3 } });

    await files({ 'in/2011-01-06.csv': DAY('2011-01-06', 'c,4', 'a,5') });
    const second = await ok(loom, config);
    expect(second.report).toMatchObject({ filesRead: 1, filesSkipped: 2, nothingNew: false, accumulated: { previousRows: 3, newRows: 2, rows: 5 } });
    expect(second.report.summary).toBe('2 new rows from 1 of 3 inputs; 0 lines rejected; 2 files already collected; 5 rows accumulated');
    const full = await ok(loom, { path: 'in/*.csv' });
    expect(await rows(loom, second.data, all)).toEqual(await rows(loom, full.data, all));
    expect(await rows(loom, second.data, all)).toEqual([
      { day: '2011-01-04', customer: 'a', n: '1' },
      { day: '2011-01-04', customer: 'b', n: '2' },
      { day: '2011-01-05', customer: 'a', n: '3' },
      { day: '2011-01-06', customer: 'c', n: '4' },
      { day: '2011-01-06', customer: 'a', n: '5' },
    ]);
    expect(types(second.data)).toEqual(types(full.data));

    // Nothing new: the very same artifact, so every node after collect is a cache hit.
    const third = await ok(loom, config);
    expect(third.data).toEqual(second.data);
    expect(third.report).toMatchObject({ nothingNew: true, rows: 5, accumulated: { previousRows: 5, newRows: 0, rows: 5 } });
    expect(third.report.summary).toBe('nothing new: 0 new rows from 0 of 3 inputs; 0 lines rejected; 3 files already collected; 5 rows accumulated');
  });

  test('a file that changed replaces its earlier rows instead of doubling them', async ({ loom }) => {
    await files({ 'in/2011-01-04.csv': DAY('2011-01-04', 'a,1', 'b,2'), 'in/2011-01-05.csv': DAY('2011-01-05', 'a,3') });
    const config = { path: 'in/*.csv', incremental: 'files', accumulate: true };
    await ok(loom, config);
    await files({ 'in/2011-01-04.csv': DAY('2011-01-04', 'a,10') });
    await utimes(join(dir, 'in/2011-01-04.csv'), new Date('2011-01-07'), new Date('2011-01-07'));
    const second = await ok(loom, config);
    expect(second.report.accumulated).toMatchObject({ previousRows: 3, replacedRows: 2, newRows: 1, rows: 2 });
    expect(await rows(loom, second.data, all)).toEqual([{ day: '2011-01-05', customer: 'a', n: '3' }, { day: '2011-01-04', customer: 'a', n: '10' }]);
    // The replaced file's rows are known by position from now on: changing it again drops its new rows only.
    await files({ 'in/2011-01-04.csv': DAY('2011-01-04', 'a,11', 'd,12') });
    await utimes(join(dir, 'in/2011-01-04.csv'), new Date('2011-01-08'), new Date('2011-01-08'));
    expect(await rows(loom, (await ok(loom, config)).data, 'SELECT n FROM t')).toEqual([{ n: '3' }, { n: '11' }, { n: '12' }]);
  });

  test('schema drift: columns match by name, a missing one is NULL; a changed type is refused unless "columns" names it', async ({ loom }) => {
    await files({ 'd1.csv': 'id,code,name\n1,10,x\n' });
    const config = { path: 'd*.csv', incremental: 'files', accumulate: true };
    await ok(loom, config);
    await files({ 'd2.csv': 'colour,id,code\nred,2,20\n' });
    const second = await ok(loom, config);
    expect(types(second.data)).toEqual(['id BIGINT', 'code BIGINT', 'name VARCHAR', 'colour VARCHAR']);
    expect(await rows(loom, second.data)).toEqual([{ id: '1', code: '10', name: 'x', colour: null }, { id: '2', code: '20', name: null, colour: 'red' }]);
    expect(second.report.accumulated).toMatchObject({ addedColumns: ['colour'], missingColumns: ['name'] });

    await files({ 'd3.csv': 'id,code\n3,A7\n' });
    expect((await failure(loom, config)).message).toBe(
      'accumulate: column "code" is BIGINT in the rows collected before but VARCHAR in the new rows; give it a type in "columns" (e.g. {"code": "VARCHAR"}) to convert the earlier rows too, ' +
        'or start afresh by deleting the node\'s state (state/collect-test/c.json in the data home)',
    );
    const typed = await ok(loom, { ...config, columns: { code: 'VARCHAR' } });
    expect(await rows(loom, typed.data, 'SELECT id, code FROM t')).toEqual([{ id: '1', code: '10' }, { id: '2', code: '20' }, { id: '3', code: 'A7' }]);
  });

  test('the earlier output gone from the store is an error that says how to start afresh', async ({ loom }) => {
    await files({ 'd1.csv': 'id\n1\n' });
    const config = { path: 'd*.csv', incremental: 'files', accumulate: true };
    const first = await ok(loom, config);
    await rm(loom.artifacts.path(first.data));
    await files({ 'd2.csv': 'id\n2\n' });
    expect((await failure(loom, config)).message).toBe(
      `accumulate: the dataset this node accumulated up to its last run (sha256 ${first.data.sha256.slice(0, 12)}…, 1 rows) is no longer in the artifact store, so the new rows cannot be added to it; ` +
        'to start afresh and read every file again, delete the node\'s state (state/collect-test/c.json in the data home)',
    );
  });

  test('watermark mode adds the rows above the watermark; turning accumulate on later reads everything afresh', async ({ loom }) => {
    await files({ 'orders.csv': 'id,at\n1,2011-01-04 10:00:00\n' });
    const plain = { path: 'orders.csv', incremental: 'watermark', watermarkColumn: 'at' };
    await ok(loom, plain);
    await files({ 'orders.csv': 'id,at\n1,2011-01-04 10:00:00\n2,2011-01-05 09:00:00\n' });
    const on = await ok(loom, { ...plain, accumulate: true });
    expect(await rows(loom, on.data, 'SELECT id FROM t')).toEqual([{ id: '1' }, { id: '2' }]);
    await files({ 'orders.csv': 'id,at\n1,2011-01-04 10:00:00\n2,2011-01-05 09:00:00\n3,2011-01-06 09:00:00\n' });
    const next = await ok(loom, { ...plain, accumulate: true });
    expect(await rows(loom, next.data, 'SELECT id FROM t')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
    expect(next.report).toMatchObject({ watermark: { previous: '2011-01-05 09:00:00', rowsAtOrBelow: 2 }, accumulated: { previousRows: 2, newRows: 1 } });
    expect((await failure(loom, { path: 'orders.csv', accumulate: true })).message).toBe('"accumulate" needs incremental "files" or "watermark" (with incremental "none" every run reads everything anyway)');
  });
});

describe('reading is confined to the data roots', () => {
  test('a path outside the roots, a ".." escape and a symlink pointing outside are errors', async ({ loom }) => {
    await files({ 'secret.csv': 'a\n1\n' }, outside);
    await symlink(join(outside, 'secret.csv'), join(dir, 'link.csv'));
    const roots = `data roots: ${dir}`;
    expect(await failure(loom, { path: join(outside, 'secret.csv') })).toMatchObject({
      retryable: false,
      message: `path "${join(outside, 'secret.csv')}" (${join(outside, 'secret.csv')}) is outside the allowed ${roots}; add its folder to LOOM_DATA_ROOTS`,
    });
    const escape = `../${outside.split('/').pop()}/secret.csv`;
    expect((await failure(loom, { path: escape })).message).toBe(`path "${escape}" (${join(outside, 'secret.csv')}) is outside the allowed ${roots}; add its folder to LOOM_DATA_ROOTS`);
    expect((await failure(loom, { path: '*.csv' })).message).toBe(`file "${join(dir, 'link.csv')}" resolves to ${join(outside, 'secret.csv')}, which is outside the allowed ${roots}`);
  });

  test('LOOM_DATA_ROOTS lets a node read another folder', async ({ loom }) => {
    await files({ 'shared.csv': 'a\n1\n' }, outside);
    process.env.LOOM_DATA_ROOTS = outside;
    try {
      expect((await ok(loom, { path: join(outside, '*.csv') })).report).toMatchObject({ rows: 1, roots: [dir, outside] });
    } finally {
      delete process.env.LOOM_DATA_ROOTS;
    }
  });

  test('a glob that matches nothing names the pattern and the roots', async ({ loom }) => {
    expect(await failure(loom, { path: 'logs/**/*.csv' })).toMatchObject({
      retryable: false,
      message: `path "logs/**/*.csv" matches no files (relative to ${dir}; data roots: ${dir})`,
    });
  });

  test('** crosses folders; names are relative to the fixed part of the glob', async ({ loom }) => {
    await files({ 'logs/2011/01/a.csv': 'v\n1\n', 'logs/2011/02/b.csv': 'v\n2\n', 'logs/top.csv': 'v\n3\n', 'logs/skip.txt': 'v\n4\n' });
    const { data } = await ok(loom, { path: 'logs/**/*.csv', filenameColumn: 'f' });
    expect(await rows(loom, data)).toEqual([{ v: '1', f: '2011/01/a.csv' }, { v: '2', f: '2011/02/b.csv' }, { v: '3', f: 'top.csv' }]);
  });
});

describe('HTTP and SQLite sources', () => {
  let server: Server;
  let base: string;
  beforeEach(async () => {
    server = createServer((req, res) => {
      if (req.url === '/orders.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end('id,total\n1,9.5\n2,x,y\n');
      else if (req.url === '/api/items') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ sku: 'A', n: 1 }, 7, { sku: 'B', n: 2 }]));
      else if (req.url === '/auth' && req.headers.authorization === 'Bearer t') res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"ok":true}\n');
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a CSV from a URL, with its malformed line in rejects', async ({ loom }) => {
    const { data, rejects, report } = await ok(loom, { url: `${base}/orders.csv` });
    expect(await rows(loom, data)).toEqual([{ id: '1', total: 9.5 }]);
    expect(rejects).toEqual([{ file: `${base}/orders.csv`, line: '3', reason: 'Expected Number of Columns: 2 Found: 3', raw: '2,x,y' }]);
    expect(report).toMatchObject({ source: 'http', url: `${base}/orders.csv`, rows: 1, rowsRejected: 1 });
  });

  test('a JSON array from a URL (an element that is not an object is a reject), and request headers', async ({ loom }) => {
    const { data, rejects } = await ok(loom, { url: `${base}/api/items` });
    expect(await rows(loom, data)).toEqual([{ sku: 'A', n: '1' }, { sku: 'B', n: '2' }]);
    expect(rejects).toEqual([{ file: `${base}/api/items`, line: '2', reason: 'not a JSON object', raw: '7' }]);
    expect(await rows(loom, (await ok(loom, { url: `${base}/auth`, headers: { Authorization: 'Bearer t' } })).data)).toEqual([{ ok: true }]);
  });

  test('a 404 is a non-retryable error naming the URL', async ({ loom }) => {
    expect(await failure(loom, { url: `${base}/missing.csv` })).toMatchObject({ retryable: false, message: `GET ${base}/missing.csv answered 404 Not Found` });
  });

  test('a SQLite query, its types from the values, and an empty result keeps its columns', async ({ loom }) => {
    const db = new Database(join(dir, 'shop.db'));
    db.exec(`CREATE TABLE orders (id INTEGER, customer TEXT, total REAL, note TEXT);
      INSERT INTO orders VALUES (1, 'ann', 9.5, NULL), (2, 'bob', 12, NULL), (9007199254740993, 'cy', 1.25, NULL);`);
    db.close();
    const { data, report } = await ok(loom, { sqlite: { database: 'shop.db', query: 'SELECT id, customer, total, note FROM orders ORDER BY id' } });
    expect(types(data)).toEqual(['id BIGINT', 'customer VARCHAR', 'total DOUBLE', 'note VARCHAR']);
    expect(await rows(loom, data, 'SELECT CAST(id AS VARCHAR) AS id, customer, total FROM t')).toEqual([
      { id: '1', customer: 'ann', total: 9.5 },
      { id: '2', customer: 'bob', total: 12 },
      { id: '9007199254740993', customer: 'cy', total: 1.25 },
    ]);
    expect(report).toMatchObject({ source: 'sqlite', database: 'shop.db', rows: 3 });
    const empty = await ok(loom, { sqlite: { database: 'shop.db', query: 'SELECT id, total FROM orders WHERE id < 0' } });
    expect(empty.data.meta).toMatchObject({ rows: 0, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'total', type: 'DOUBLE' }] });
    expect((await failure(loom, { sqlite: { database: 'shop.db', query: 'DELETE FROM orders' } })).message).toBe('sqlite.query must be a query that only reads and returns rows (a SELECT)');
  });
});

const RETAIL = RETAIL_DAYS;
describe.runIf(existsSync(RETAIL))('the real data', () => {
  test('the 271 daily Online Retail files give 431,673 rows and no rejects', async ({ loom }) => {
    process.env.LOOM_DATA_ROOTS = RETAIL;
    try {
      const { data, rejects, report } = await ok(loom, { path: `${RETAIL}/*.csv`, filenameColumn: 'file' });
      expect(data.meta).toMatchObject({ rows: 431_673 });
      expect(types(data)).toEqual(['InvoiceNo VARCHAR', 'StockCode VARCHAR', 'Description VARCHAR', 'Quantity BIGINT', 'InvoiceDate TIMESTAMP', 'UnitPrice DOUBLE', 'CustomerID DOUBLE', 'Country VARCHAR', 'file VARCHAR']);
      expect(rejects).toEqual([]);
      // Rows keep the order of the files and of the lines in them.
      expect(await rows(loom, data, 'SELECT InvoiceNo, StockCode, file FROM t LIMIT 1')).toEqual([{ InvoiceNo: '536365', StockCode: '85123A', file: '2010-12-01.csv' }]);
      expect(await rows(loom, data, 'SELECT count(*) AS n FROM (SELECT file < lag(file) OVER () AS back FROM t) WHERE back')).toEqual([{ n: '0' }]);
      expect(report).toMatchObject({ filesMatched: 271, filesRead: 271, rows: 431_673, rowsRejected: 0 });
    } finally {
      delete process.env.LOOM_DATA_ROOTS;
    }
  }, 60_000);
});

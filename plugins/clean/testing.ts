/** Test helpers for the clean plugin's suites: a fixture plugin that writes a dataset from SQL, and a runner. */
import { rm } from 'node:fs/promises';
import { withDb, type Db } from '../../engine/data/duckdb.js';
import type { Loom } from '../../engine/loom.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { type ArtifactRef, type JsonValue } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, tempDir } from '../../test/fixtures/loom.js';
import clean from './clean.plugin.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';

/** Writes the dataset its config's query selects: the input of the clean node in these tests. */
export const fixture = sqlDataset;

export const cleanTest = () => loomTest([asAnyPlugin(fixture), asAnyPlugin(clean)]);

export interface RuleReport {
  rule: number;
  op: string;
  rowsIn: number;
  rowsOut: number;
  touched: number;
  [more: string]: JsonValue;
}
export interface Report {
  rowsIn: number;
  rowsOut: number;
  columnsIn: string[];
  columnsOut: string[];
  rules: RuleReport[];
}

/** Runs fixture(sql) → clean(rules); returns the failure message, or the output rows, column types and report. */
export async function runClean(loom: Loom, sql: string, rules: unknown[], readRoots: string[] = []) {
  const doc = workflow()
    .node('in', 'fixture', { config: { sql, readRoots } })
    .node('clean', 'clean', { config: { rules }, inputs: { data: 'in.data' } })
    .build();
  const state = await runDoc(loom, doc);
  const done = (status: string) => status === 'succeeded' || status === 'cached';
  if (!done(state.nodes.in!.status)) throw new Error(`the fixture failed: ${state.nodes.in!.error?.message}`);
  const node = state.nodes.clean!;
  if (!done(node.status)) return { error: node.error?.message, rows: [], types: {} as Record<string, string>, report: undefined, ref: undefined };
  const ref = node.outputs!.data!;
  const meta = ref.meta as { columns: { name: string; type: string }[] };
  return {
    error: undefined,
    rows: await query(loom, ref, 'SELECT * FROM t'),
    types: Object.fromEntries(meta.columns.map((c) => [c.name, c.type])),
    report: await loom.artifacts.readJson<Report>(node.outputs!.report!),
    ref,
  };
}

/** Runs a query over a dataset artifact loaded as `t`. */
export async function query(loom: Loom, ref: ArtifactRef, sql: string) {
  return withTestDb(loom, async (db) => {
    await db.load('t', ref);
    return db.all(sql);
  });
}

/** A sandboxed DuckDB of the test's own, over the Loom's artifact store (and `readRoots`). */
export async function withTestDb<T>(loom: Loom, fn: (db: Db) => Promise<T>, readRoots: string[] = []): Promise<T> {
  const scratchDir = await tempDir('loom-clean-');
  try {
    return await withDb({ artifacts: loom.artifacts, scratchDir, signal: new AbortController().signal }, fn, { readRoots });
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

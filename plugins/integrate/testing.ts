/**
 * Test support for the integrate plugin: a fixture plugin that writes a dataset from SQL, a runner that wires
 * fixture nodes into one integrate node, and a reader for the output dataset.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDb } from '../../engine/data/duckdb.js';
import type { Loom } from '../../engine/loom.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { type ArtifactRef, type JsonValue } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { runDoc } from '../../test/fixtures/loom.js';
import { sqlDataset } from '../../test/fixtures/sql-dataset.js';

export const fixturePlugin = asAnyPlugin(sqlDataset);

/** `rows` as a SQL relation, e.g. rows('id, name', [1, "'a'"], [2, "'b'"]) for two rows of (id, name). */
export function values(columns: string, ...rows: (string | number)[][]): string {
  return `SELECT * FROM (VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) t(${columns})`;
}

/** Zero rows of the given typed columns, e.g. empty('id INTEGER', 'city VARCHAR'). */
export function empty(...columns: string[]): string {
  return `SELECT ${columns.map((c) => { const [name, type] = c.split(' '); return `CAST(NULL AS ${type}) AS ${name}`; }).join(', ')} WHERE false`;
}

/**
 * Runs `inputs` (SQL for fixture nodes f0, f1, ...) into one integrate node `x` with `operation`, the fixtures
 * wired to `data` in order. Returns the node's state and readers for its outputs.
 */
export async function integrate(loom: Loom, operation: Record<string, unknown>, ...inputs: string[]) {
  let doc = workflow();
  inputs.forEach((sql, i) => (doc = doc.node(`f${i}`, 'fixture', { config: { sql } })));
  doc = doc.node('x', 'integrate', { config: { operation }, inputs: { data: inputs.map((_, i) => `f${i}.data`) } });
  const state = await runDoc(loom, doc.build());
  const node = state.nodes.x!;
  const data = node.outputs?.data;
  return {
    node,
    /** The output's columns as `name TYPE`. */
    columns: () => (data?.meta?.columns as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`),
    /** All output rows as arrays, through `select` over the output (named `t`); BIGINTs come back as strings. */
    rows: (select = 'SELECT * FROM t') => readRows(loom, data!, select),
    report: () => loom.artifacts.readJson(node.outputs!.report!),
  };
}

export async function readRows(loom: Loom, ref: ArtifactRef, select: string): Promise<JsonValue[][]> {
  const scratchDir = await mkdtemp(join(tmpdir(), 'loom-integrate-read-'));
  try {
    const rows = await withDb({ artifacts: loom.artifacts, scratchDir, signal: new AbortController().signal }, async (db) => {
      await db.load('t', ref);
      return db.all(select);
    });
    return rows.map((r) => Object.values(r));
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

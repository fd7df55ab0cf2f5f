/** Test helpers for featurize: a fixture plugin that writes a dataset from SQL, and readers for the outputs. */
import type { Loom } from '../../engine/loom.js';
import { type ArtifactRef, type JsonValue } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { runDoc } from '../../test/fixtures/loom.js';
import { queryDataset, sqlDataset } from '../../test/fixtures/sql-dataset.js';

export const fixture = sqlDataset;

/** `VALUES` rows as a query with named columns: `values('a, b', "(1, 'x')", "(2, 'y')")`. */
export function values(columns: string, ...rows: string[]): string {
  return `SELECT * FROM (VALUES ${rows.join(', ')}) t(${columns})`;
}

export interface FeaturizeRun {
  status: string;
  error?: string;
  outputs: Record<string, ArtifactRef>;
}

/**
 * Runs `train` (and `test`) fixtures into one featurize node `f`:
 *   train ──data──▶ f ◀──apply── test
 */
export async function runFeaturize(loom: Loom, options: { train: string; test?: string; steps: unknown[]; fitted?: unknown }): Promise<FeaturizeRun> {
  const wf = workflow().node('train', 'fixture', { config: { sql: options.train } });
  const inputs: Record<string, string> = { data: 'train.data' };
  if (options.test) {
    wf.node('test', 'fixture', { config: { sql: options.test } });
    inputs.apply = 'test.data';
  }
  if (options.fitted) {
    wf.node('given', 'constant', { config: options.fitted as Record<string, unknown> });
    inputs.fitted = 'given.out';
  }
  wf.node('f', 'featurize', { inputs, config: { steps: options.steps } });
  const state = await runDoc(loom, wf.build());
  const node = state.nodes.f!;
  return { status: node.status, error: node.error?.message, outputs: (node.outputs ?? {}) as Record<string, ArtifactRef> };
}

/** Every row of a dataset artifact, by a query over the view `t` (cast in SQL for exact values). */
export const rows = (loom: Loom, ref: ArtifactRef, sql = 'SELECT * FROM t'): Promise<Record<string, JsonValue>[]> => queryDataset(loom, ref, sql);

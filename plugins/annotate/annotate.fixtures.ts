/** Test helpers for the annotate plugin: a fixture plugin that writes the input rows, and readers of the outputs. */
import type { Loom } from '../../engine/loom.js';
import { type ArtifactRef } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { runDoc } from '../../test/fixtures/loom.js';
import { queryDataset as query, sqlDataset, withTestDb } from '../../test/fixtures/sql-dataset.js';

/** Writes the result of `sql` as a dataset: the input of the node under test. */
export const fixture = sqlDataset;

export const SPLITS = ['train', 'validation', 'test'] as const;

/** Runs fixture → annotate; returns the annotate node's state. */
export async function annotateRows(loom: Loom, sql: string, config: Record<string, unknown>, readRoots: string[] = []) {
  const doc = workflow()
    .node('rows', 'fixture', { config: { sql, readRoots } })
    .node('annotate', 'annotate', { inputs: { data: 'rows.data' }, config, cache: false })
    .build();
  const state = await runDoc(loom, doc);
  return state.nodes.annotate!;
}

/** The annotate node's outputs, or its error as a thrown Error (so a test reads `rejects.toThrow`). */
export async function outputsOf(loom: Loom, sql: string, config: Record<string, unknown>) {
  const node = await annotateRows(loom, sql, config);
  if (node.status !== 'succeeded') throw Object.assign(new Error(node.error?.message ?? node.status), node.error);
  return node.outputs as Record<(typeof SPLITS)[number] | 'report', ArtifactRef>;
}



/** The ids in each split, in output order. */
export async function idsBySplit(loom: Loom, outputs: Record<string, ArtifactRef>, id = 'id') {
  const result: Record<string, number[]> = {};
  for (const split of SPLITS) result[split] = (await query(loom, outputs[split]!, `SELECT CAST(${id} AS DOUBLE) AS id FROM t`)).map((r) => Number(r.id));
  return result;
}

export { query, withTestDb };

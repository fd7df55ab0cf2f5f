/** Test helpers for the clean plugin's suites: a fixture plugin that writes a dataset from SQL, and a runner. */
import type { Loom } from '../../engine/loom.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { type JsonValue } from '../../engine/sdk.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import clean from './clean.plugin.js';
import { queryDataset as query, sqlDataset, withTestDb } from '../../test/fixtures/sql-dataset.js';

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

export { query, withTestDb };

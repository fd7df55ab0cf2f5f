/**
 * Content-based recommendations: items are similar when their descriptions are (the cosine of their TF-IDF
 * vectors, as featurize writes them in its long format: one row per item and term, rows l2-normalised). The result
 * is an item-kNN model whose neighbours come from text instead of co-purchases, so it scores, saves and loads as one.
 */
import { ident, type Db } from '../../engine/data/duckdb.js';
import { PluginError } from '../../engine/sdk.js';
import { ItemKnnModel, ITEMKNN_DEFAULTS } from './algorithms/index.js';
import type { Interactions } from './matrix.js';

export interface TextColumns {
  readonly item: string;
  readonly term: string;
  readonly weight: string;
}

export async function fitContent(db: Db, vectors: string, columns: TextColumns, matrix: Interactions, neighbours: number): Promise<ItemKnnModel> {
  const available = (await db.columns(vectors)).map((c) => c.name);
  for (const [role, name] of Object.entries(columns)) {
    if (!available.includes(name)) throw new PluginError(`the item vectors have no ${role} column "${name}"; their columns are ${available.map((c) => `"${c}"`).join(', ')}`, { retryable: false });
  }
  // 1. Cosine of every pair of items sharing a term (the vectors are unit length, so a dot product), best first.
  await db.run(`CREATE OR REPLACE TEMP TABLE loom_vec AS SELECT CAST(${ident(columns.item)} AS VARCHAR) AS i, ${ident(columns.term)} AS term, CAST(${ident(columns.weight)} AS DOUBLE) AS w FROM ${vectors}`);
  const reader = await db.connection.runAndReadAll(`
    SELECT i, j, CAST(s AS FLOAT) FROM (
      SELECT a.i AS i, b.i AS j, sum(a.w * b.w) AS s FROM loom_vec a JOIN loom_vec b USING (term) WHERE a.i <> b.i GROUP BY 1, 2
    ) QUALIFY row_number() OVER (PARTITION BY i ORDER BY s DESC, j) <= ${Math.trunc(neighbours)}
    ORDER BY i, s DESC, j`);
  const [is = [], js = [], ss = []] = reader.getColumns() as [string[], string[], number[]];
  // 2. Into the interactions' item index space; items nobody bought in training cannot be recommended.
  const index = new Map(matrix.items.map((item, n) => [item, n]));
  const rows: [number, number][][] = matrix.items.map(() => []);
  is.forEach((i, n) => {
    const a = index.get(i);
    const b = index.get(js[n]!);
    if (a !== undefined && b !== undefined) rows[a]!.push([b, ss[n]!]);
  });
  const indptr = new Int32Array(matrix.items.length + 1);
  rows.forEach((row, a) => (indptr[a + 1] = indptr[a]! + row.length));
  const indices = new Int32Array(indptr[matrix.items.length]!);
  const values = new Float32Array(indices.length);
  let k = 0;
  for (const row of rows) for (const [b, s] of row) (indices[k] = b), (values[k++] = s);
  const history = { indptr: matrix.indptr, indices: matrix.indices, values: matrix.values };
  return new ItemKnnModel({ ...ITEMKNN_DEFAULTS, neighbours, nUsers: matrix.users.length, nItems: matrix.items.length }, history, { indptr, indices, values });
}

/**
 * Content-based recommendations: items are similar when their descriptions are. The descriptions arrive as
 * featurize's TF-IDF vectors in long format (one row per item and term, rows l2-normalised), and similarity is
 * - `cosine` (default) of those vectors, computed in the data plane;
 * - `jaccard` of their term sets;
 * - `edit`: 1 − normalised edit distance between the items' sorted distinct terms joined by spaces (the long
 *   format keeps no word order), which catches spelling variants that share no term.
 * Only pairs sharing at least one term are compared. The result is an item-kNN model whose neighbours come from
 * text instead of co-purchases, so it scores, saves and loads as one.
 */
import { ident, type Db } from '../../engine/data/duckdb.js';
import { PluginError } from '../../engine/sdk.js';
import { ItemKnnModel, ITEMKNN_DEFAULTS } from './algorithms/index.js';
import type { Interactions } from './matrix.js';
import { editSimilarity, jaccard, TEXT_SIMILARITIES, type TextSimilarity } from './text-similarity.js';

export interface TextColumns {
  readonly item: string;
  readonly term: string;
  readonly weight: string;
}

/** The best `neighbours` pairs per item by a set measure, among items sharing a term: [i, j, s] best first. */
function bySets(terms: Map<string, Set<string>>, neighbours: number, measure: (a: string, b: string) => number): [string[], string[], number[]] {
  const postings = new Map<string, string[]>();
  for (const [item, set] of terms) for (const term of set) (postings.get(term) ?? postings.set(term, []).get(term)!).push(item);
  const is: string[] = [];
  const js: string[] = [];
  const ss: number[] = [];
  for (const item of [...terms.keys()].sort()) {
    const seen = new Set<string>([item]);
    const scored: [string, number][] = [];
    for (const term of terms.get(item)!) {
      for (const other of postings.get(term)!) {
        if (seen.has(other)) continue;
        seen.add(other);
        scored.push([other, measure(item, other)]);
      }
    }
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [other, s] of scored.slice(0, neighbours)) is.push(item), js.push(other), ss.push(s);
  }
  return [is, js, ss];
}

async function pairs(db: Db, similarity: TextSimilarity, neighbours: number): Promise<[string[], string[], number[]]> {
  if (similarity === 'cosine') {
    // Cosine of every pair of items sharing a term (the vectors are unit length, so a dot product), best first.
    const reader = await db.connection.runAndReadAll(`
      SELECT i, j, CAST(s AS FLOAT) FROM (
        SELECT a.i AS i, b.i AS j, sum(a.w * b.w) AS s FROM loom_vec a JOIN loom_vec b USING (term) WHERE a.i <> b.i GROUP BY 1, 2
      ) QUALIFY row_number() OVER (PARTITION BY i ORDER BY s DESC, j) <= ${neighbours}
      ORDER BY i, s DESC, j`);
    return reader.getColumns() as [string[], string[], number[]];
  }
  // NOTE: joined with a control character and split here: DuckDB lists come back as wrapper objects, not arrays.
  const joined = (await db.connection.runAndReadAll(`SELECT i, string_agg(DISTINCT CAST(term AS VARCHAR), chr(1) ORDER BY CAST(term AS VARCHAR)) FROM loom_vec GROUP BY i`)).getRows() as [string, string][];
  const rows = joined.map(([item, list]) => [item, list.split('\u0001')] as const);
  const terms = new Map(rows.map(([item, list]) => [item, new Set(list)]));
  if (similarity === 'jaccard') return bySets(terms, neighbours, (a, b) => jaccard(terms.get(a)!, terms.get(b)!));
  const texts = new Map(rows.map(([item, list]) => [item, list.join(' ')]));
  return bySets(terms, neighbours, (a, b) => editSimilarity(texts.get(a)!, texts.get(b)!));
}

export async function fitContent(db: Db, vectors: string, columns: TextColumns, matrix: Interactions, neighbours: number, similarity: TextSimilarity = 'cosine'): Promise<ItemKnnModel> {
  if (!TEXT_SIMILARITIES.includes(similarity)) {
    throw new PluginError(`content: similarity must be one of ${TEXT_SIMILARITIES.map((s) => `"${s}"`).join(', ')}, got ${JSON.stringify(similarity)}`, { retryable: false });
  }
  const available = (await db.columns(vectors)).map((c) => c.name);
  for (const [role, name] of Object.entries(columns)) {
    if (!available.includes(name)) throw new PluginError(`the item vectors have no ${role} column "${name}"; their columns are ${available.map((c) => `"${c}"`).join(', ')}`, { retryable: false });
  }
  // 1. The best neighbours of every item by the chosen text similarity.
  await db.run(`CREATE OR REPLACE TEMP TABLE loom_vec AS SELECT CAST(${ident(columns.item)} AS VARCHAR) AS i, ${ident(columns.term)} AS term, CAST(${ident(columns.weight)} AS DOUBLE) AS w FROM ${vectors}`);
  const [is = [], js = [], ss = []] = await pairs(db, similarity, Math.trunc(neighbours));
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

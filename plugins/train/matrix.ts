/**
 * The in-memory shapes the training algorithms share. A node loads its dataset into these typed arrays once
 * (through DuckDB), and every algorithm reads them: no per-row JS objects on the hot paths.
 */

/** A user × item matrix in compressed sparse rows: user u's items are indices[indptr[u] .. indptr[u+1]). */
export interface Interactions {
  /** Row index → user id, and column index → item id, as they were in the data. */
  readonly users: readonly string[];
  readonly items: readonly string[];
  readonly indptr: Int32Array;
  /** Item indices, ascending within each user's row. */
  readonly indices: Int32Array;
  /** The interaction strength (a count, a quantity, a recency weight), > 0. */
  readonly values: Float32Array;
}

/** What every long-running fit receives: a way to be stopped and to say how far it is. */
export interface FitContext {
  /** Checked at least every few hundred milliseconds; when aborted, throw `signal.reason`. */
  readonly signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  /** Seeds every random choice, so a fit is deterministic. */
  readonly seed: number;
}

/** A fitted recommender: scores all items for a user, highest first when ranked. */
export interface Recommender {
  readonly algorithm: string;
  /** Writes a score for every item into `out` (length = items); unknown users get the fallback the model has. */
  score(user: number, out: Float32Array): void;
}

/** Builds a CSR matrix from (user, item, value) triples; duplicates are summed. For tests and loaders. */
export function fromTriples(triples: readonly (readonly [string, string, number])[]): Interactions {
  const users = [...new Set(triples.map((t) => t[0]))].sort();
  const items = [...new Set(triples.map((t) => t[1]))].sort();
  const ui = new Map(users.map((u, i) => [u, i]));
  const ii = new Map(items.map((it, i) => [it, i]));
  const rows: Map<number, number>[] = users.map(() => new Map());
  for (const [u, it, v] of triples) {
    const row = rows[ui.get(u)!]!;
    const col = ii.get(it)!;
    row.set(col, (row.get(col) ?? 0) + v);
  }
  const indptr = new Int32Array(users.length + 1);
  const nnz = rows.reduce((n, r) => n + r.size, 0);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  rows.forEach((row, u) => {
    for (const col of [...row.keys()].sort((a, b) => a - b)) {
      indices[k] = col;
      values[k++] = row.get(col)!;
    }
    indptr[u + 1] = k;
  });
  return { users, items, indptr, indices, values };
}

/** The k best items of a score vector, excluding some, highest score first, ties by item index. */
export function topK(scores: Float32Array, k: number, exclude?: ReadonlySet<number>): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (exclude?.has(i) || !Number.isFinite(scores[i]!)) continue;
    if (best.length < k) {
      best.push(i);
      best.sort((a, b) => scores[b]! - scores[a]! || a - b);
    } else if (scores[i]! > scores[best[k - 1]!]!) {
      best[k - 1] = i;
      best.sort((a, b) => scores[b]! - scores[a]! || a - b);
    }
  }
  return best;
}

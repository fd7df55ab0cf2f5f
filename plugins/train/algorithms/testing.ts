/**
 * Synthetic interaction matrices for the tests and the timing runs: seeded, built straight into typed arrays.
 */
import type { FitContext, Interactions } from '../matrix.js';
import { mulberry32 } from './common.js';

function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
}

/** Builds a matrix from one sorted, duplicate-free item list (and value list) per user. */
function fromRows(rows: readonly (readonly number[])[], values: readonly (readonly number[])[], nItems: number): Interactions {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, u) => (indptr[u + 1] = indptr[u]! + row.length));
  return {
    users: ids('u', rows.length),
    items: ids('i', nItems),
    indptr,
    indices: Int32Array.from(rows.flat()),
    values: Float32Array.from(values.flat()),
  };
}

/**
 * About `nnz` nonzeros over `nUsers` × `nItems`, shaped like retail data: item popularity skewed (an item's
 * draw probability falls off like a power law), row lengths varying around the mean, values small counts.
 */
export function randomMatrix(nUsers: number, nItems: number, nnz: number, seed: number): Interactions {
  const random = mulberry32(seed);
  const mean = nnz / nUsers;
  const rows: number[][] = [];
  const values: number[][] = [];
  for (let u = 0; u < nUsers; u++) {
    const want = Math.min(nItems, Math.max(1, Math.round(mean * 2 * random())));
    const row = new Set<number>();
    while (row.size < want) row.add(Math.floor(nItems * random() ** 2));
    const sorted = [...row].sort((a, b) => a - b);
    rows.push(sorted);
    values.push(sorted.map(() => 1 + Math.floor(-Math.log(1 - random()) * 2)));
  }
  return fromRows(rows, values, nItems);
}

/**
 * `blocks` groups of users, each buying (with probability `density`) only from its own group of items:
 * user u is in block u % blocks, and so is item i in block i % blocks.
 */
export function blockMatrix(nUsers: number, nItems: number, blocks: number, density: number, seed: number): Interactions {
  const random = mulberry32(seed);
  const rows: number[][] = [];
  for (let u = 0; u < nUsers; u++) {
    const row: number[] = [];
    for (let i = u % blocks; i < nItems; i += blocks) if (random() < density) row.push(i);
    if (row.length === 0) row.push(u % blocks);
    rows.push(row);
  }
  return fromRows(rows, rows.map((r) => r.map(() => 1)), nItems);
}

/** A FitContext for tests: collects progress messages; pass a signal to cancel. */
export function testContext(seed = 42, signal: AbortSignal = new AbortController().signal): FitContext & { messages: string[] } {
  const messages: string[] = [];
  return { signal, seed, messages, progress: (_fraction, message) => void (message !== undefined && messages.push(message)) };
}

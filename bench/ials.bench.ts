/**
 * iALS training against the `implicit` library (Python, C++/Cython inside) on the same interaction matrix: the
 * Online Retail lines before 2011-09-01, cleaned as the data README advises, one cell per customer and item
 * (value = invoice lines). Same factors, regularisation, iterations, confidence (1 + alpha·value), one thread
 * each; both scored by the same protocol (NDCG@10 over the full catalogue for trained customers who buy after the
 * cutoff, repeat purchases count). Runs alternate; medians of 3.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { FsArtifactStore } from '../engine/store/fs-artifact-store.js';
import { withDb } from '../engine/data/duckdb.js';
import { evaluateRankings, type UserRanking } from '../plugins/evaluate/metrics.js';
import { fitIals } from '../plugins/train/algorithms/index.js';
import { topK, type Interactions } from '../plugins/train/matrix.js';

const ROOT = fileURLToPath(new URL(existsSync(fileURLToPath(new URL('../package.json', import.meta.url))) ? '..' : '../..', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data', 'online-retail');
const PYTHON = join(ROOT, '.cache', 'bench-venv', 'bin', 'python');
const PARAMS = { factors: 64, regularization: 0.01, iterations: 15, alpha: 1 };
const REPS = 3;
const CUTOFF = '2011-09-01';

const CLEAN = `SELECT DISTINCT * FROM read_csv('${DATA}/by-day/*.csv', header = true, columns = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR',
  'Description': 'VARCHAR', 'Quantity': 'BIGINT', 'InvoiceDate': 'TIMESTAMP', 'UnitPrice': 'DOUBLE', 'CustomerID': 'DOUBLE', 'Country': 'VARCHAR'})
  WHERE InvoiceNo NOT LIKE 'C%' AND Quantity > 0 AND UnitPrice > 0 AND CustomerID IS NOT NULL
    AND StockCode NOT IN ('POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK') AND StockCode NOT LIKE 'gift_0001%' AND StockCode NOT LIKE 'DCGS%'`;

async function buildMatrix(dir: string): Promise<{ matrix: Interactions; test: [number, number][] }> {
  const artifacts = new FsArtifactStore(join(dir, 'home'));
  return withDb({ artifacts, scratchDir: dir, signal: new AbortController().signal }, async (db) => {
    await db.run(`CREATE TABLE lines AS ${CLEAN}`);
    await db.run(`CREATE TABLE cells AS SELECT CustomerID AS u, StockCode AS i, count(*) AS v FROM lines WHERE InvoiceDate < DATE '${CUTOFF}' GROUP BY 1, 2`);
    await db.run(`CREATE TABLE users AS SELECT u, CAST(row_number() OVER (ORDER BY u) - 1 AS INTEGER) AS ui FROM (SELECT DISTINCT u FROM cells)`);
    await db.run(`CREATE TABLE items AS SELECT i, CAST(row_number() OVER (ORDER BY i) - 1 AS INTEGER) AS ii FROM (SELECT DISTINCT i FROM cells)`);
    const cells = (await db.connection.runAndReadAll(`SELECT ui, ii, CAST(v AS DOUBLE) FROM cells JOIN users USING (u) JOIN items USING (i) ORDER BY ui, ii`)).getColumns() as number[][];
    const test = (await db.connection.runAndReadAll(`SELECT DISTINCT ui, ii FROM lines JOIN users ON users.u = CustomerID JOIN items ON items.i = StockCode WHERE InvoiceDate >= DATE '${CUTOFF}'`)).getRows() as [number, number][];
    const [ui = [], ii = [], vv = []] = cells;
    const nUsers = ui.reduce((m, u) => Math.max(m, u), -1) + 1;
    const indptr = new Int32Array(nUsers + 1);
    for (const u of ui) indptr[u + 1]!++;
    for (let u = 0; u < nUsers; u++) indptr[u + 1]! += indptr[u]!;
    const nItems = ii.reduce((m, i) => Math.max(m, i), -1) + 1;
    const matrix: Interactions = { users: Array.from({ length: nUsers }, (_, u) => String(u)), items: Array.from({ length: nItems }, (_, i) => String(i)), indptr, indices: Int32Array.from(ii), values: Float32Array.from(vv) };
    writeFileSync(join(dir, 'train.csv'), ui.map((u, n) => `${u},${ii[n]},${vv[n]}`).join('\n'));
    writeFileSync(join(dir, 'test.csv'), test.map(([u, i]) => `${u},${i}`).join('\n'));
    return { matrix, test };
  }, { readRoots: [DATA] });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function ialsBench(): Promise<void> {
  if (!existsSync(DATA) || !existsSync(PYTHON)) return void console.log(`\niALS benchmark skipped: needs ${DATA} and the benchmark's Python (run the data benchmark first)`);
  try {
    execFileSync(PYTHON, ['-c', 'import implicit'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('installing implicit into the benchmark venv\n');
    execFileSync(join(ROOT, '.cache', 'bench-venv', 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', 'implicit==0.7.3'], { stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'loom-ials-'));
  try {
    const { matrix, test } = await buildMatrix(dir);
    const relevant = new Map<number, Set<number>>();
    for (const [u, i] of test) relevant.set(u, (relevant.get(u) ?? new Set()).add(i));
    const loom: { seconds: number; ndcg: number }[] = [];
    const peer: { seconds: number; ndcg: number }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const started = performance.now();
      const model = await fitIals(matrix, PARAMS, { signal: new AbortController().signal, progress: () => {}, seed: rep });
      const seconds = (performance.now() - started) / 1000;
      const scores = new Float32Array(matrix.items.length);
      const users: UserRanking[] = [...relevant.entries()].map(([u, rel]) => (model.score(u, scores), { ranked: topK(scores, 10), relevant: rel }));
      loom.push({ seconds, ndcg: evaluateRankings(users, 10, { catalogueSize: matrix.items.length }).mean.ndcg });
      const out = execFileSync(PYTHON, [join(ROOT, 'bench', 'data', 'implicit_ials.py'), join(dir, 'train.csv'), join(dir, 'test.csv'), String(PARAMS.factors), String(PARAMS.regularization), String(PARAMS.iterations), String(PARAMS.alpha), '1'], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
      peer.push(JSON.parse(out));
    }
    const [ls, ps] = [median(loom.map((r) => r.seconds)), median(peer.map((r) => r.seconds))];
    console.log(`\niALS · ${matrix.users.length} users × ${matrix.items.length} items, ${matrix.values.length} cells · 64 factors, λ 0.01, 15 iterations, CG, 1 thread · medians of ${REPS}`);
    console.log(`  Loom (wasm SIMD)    ${ls.toFixed(2)} s   NDCG@10 ${median(loom.map((r) => r.ndcg)).toFixed(4)}`);
    console.log(`  implicit 0.7.3      ${ps.toFixed(2)} s   NDCG@10 ${median(peer.map((r) => r.ndcg)).toFixed(4)}`);
    console.log(`  Loom/implicit time ${(ls / ps).toFixed(2)} (target ≤ 1.0 at equal or better NDCG)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('ials.bench.js')) await ialsBench();

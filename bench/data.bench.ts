/**
 * collect → clean → integrate on all 431,673 Online Retail lines: Loom (the `loom` CLI in its own process, a fresh
 * data home each time, so nothing comes from the cache) against the same steps in pandas (bench/data/pandas_pipeline.py),
 * run alternately in the same benchmark, each measured as a whole process: wall time and peak memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL(existsSync(fileURLToPath(new URL('../package.json', import.meta.url))) ? '..' : '../..', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data', 'online-retail');
const VENV = join(ROOT, '.cache', 'bench-venv');
const PANDAS = '3.1.1';
const REPS = 3;

const NON_PRODUCTS = "StockCode IN ('POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK') OR StockCode LIKE 'gift_0001%' OR StockCode LIKE 'DCGS%'";
const workflow = {
  version: 1,
  name: 'bench-data',
  nodes: [
    {
      id: 'collect', plugin: 'collect',
      config: { path: `${DATA}/by-day/*.csv`, columns: { InvoiceNo: 'VARCHAR', StockCode: 'VARCHAR', Description: 'VARCHAR', Quantity: 'BIGINT', InvoiceDate: 'TIMESTAMP', UnitPrice: 'DOUBLE', CustomerID: 'DOUBLE', Country: 'VARCHAR' } },
    },
    {
      id: 'clean', plugin: 'clean', inputs: { data: 'collect.data' },
      config: { rules: [
        { op: 'dropRows', where: "starts_with(InvoiceNo, 'C')" }, { op: 'dropRows', where: 'Quantity <= 0' }, { op: 'dropRows', where: 'UnitPrice <= 0' },
        { op: 'dropRows', where: 'CustomerID IS NULL' }, { op: 'dropRows', where: NON_PRODUCTS }, { op: 'dedupe' },
      ] },
    },
    { id: 'interactions', plugin: 'integrate', inputs: { data: ['clean.data'] }, config: { operation: { kind: 'interactions', halfLifeDays: 30 } } },
    { id: 'catalogue', plugin: 'integrate', inputs: { data: ['clean.data'] }, config: { operation: { kind: 'catalogue' } } },
  ],
};

interface Measured { code: number; seconds: number; peakMiB: number; stdout: string; stderr: string }

function measure(command: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const out = execFileSync('python3', [join(ROOT, 'bench', 'data', 'measure.py'), ...command], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(out) as Measured;
  if (result.code !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result;
}

function ensurePandas(): string {
  const python = join(VENV, 'bin', 'python');
  if (!existsSync(python)) {
    process.stderr.write(`installing pandas ${PANDAS} into ${VENV} for the benchmark's peer\n`);
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', `pandas==${PANDAS}`], { stdio: 'inherit' });
  }
  return python;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function dataBench(): Promise<void> {
  if (!existsSync(DATA)) {
    console.log(`\ndata benchmark skipped: no data at ${DATA}`);
    return;
  }
  const python = ensurePandas();
  const dir = mkdtempSync(join(tmpdir(), 'loom-dbench-'));
  const file = join(dir, 'bench-data.json');
  writeFileSync(file, JSON.stringify(workflow));
  const loom: Measured[] = [];
  const pandas: Measured[] = [];
  let counts: { loom?: Record<string, number>; pandas?: Record<string, number> } = {};
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const home = join(dir, `home-${rep}`);
      const run = measure([process.execPath, join(ROOT, 'bin', 'loom.js'), 'run', file, '--json'], { ...process.env, LOOM_HOME: home, LOOM_DATA_ROOTS: DATA });
      loom.push(run);
      const summary = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { nodes: Record<string, { outputs: Record<string, { meta?: { rows?: number } }> }> };
      counts.loom = { collected: summary.nodes.collect!.outputs.data!.meta!.rows!, cleaned: summary.nodes.clean!.outputs.data!.meta!.rows!, interactions: summary.nodes.interactions!.outputs.data!.meta!.rows!, catalogue: summary.nodes.catalogue!.outputs.data!.meta!.rows! };
      const peer = measure([python, join(ROOT, 'bench', 'data', 'pandas_pipeline.py'), join(DATA, 'by-day')]);
      pandas.push(peer);
      counts.pandas = JSON.parse(peer.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const same = JSON.stringify(counts.loom) === JSON.stringify(counts.pandas);
  const [lt, pt] = [median(loom.map((m) => m.seconds)), median(pandas.map((m) => m.seconds))];
  const [lm, pm] = [median(loom.map((m) => m.peakMiB)), median(pandas.map((m) => m.peakMiB))];
  console.log(`\ncollect → clean → integrate on ${counts.loom?.collected} lines (${REPS} alternating runs, medians; whole processes)`);
  console.log(`  Loom (CLI, embedded)  ${lt.toFixed(2)} s  peak ${lm.toFixed(0)} MiB`);
  console.log(`  pandas ${PANDAS}          ${pt.toFixed(2)} s  peak ${pm.toFixed(0)} MiB`);
  console.log(`  Loom/pandas: time ${(lt / pt).toFixed(2)} (target ≤ 0.5), memory ${(lm / pm).toFixed(2)}`);
  console.log(`  rows (collected, cleaned, interactions, catalogue): Loom ${JSON.stringify(counts.loom)}; pandas ${same ? 'the same' : JSON.stringify(counts.pandas)}`);
}

if (process.argv[1]?.endsWith('data.bench.js')) await dataBench();

/**
 * Serving: `GET /api/models/:name/recommend` of a real `loom serve` child process (auth on, a sealed model, the
 * production alias polled every second) under load on loopback, next to a peer run side by side: a bare node:http
 * child answering a precomputed JSON body of the same size for the same URLs (the floor of HTTP on this machine).
 *
 * Set-up: a temporary data home; the Online Retail lines before 2011-09-01 (cleaned as the recommender workflow
 * does) train an iALS model (64 factors: a 64-dim dot product per item of ~3.6k) and a re-buy model (a sparse row
 * per customer), sealed by the encrypt plugin under a random LOOM_MASTER_KEY and registered: `bench-recommender`
 * v1 iALS (production) and v2 re-buy, and `bench-rebuy` v1 re-buy (production), so one server holds both.
 *
 * Load: an open-loop generator at a fixed rate (1,000 req/s; a request is started every 1 ms whatever the server
 * does, so a stall shows as latency instead of slowing the load, which closed-loop tools hide), customers drawn
 * from the trained ones plus ~5% unknown ones (the fallback), k=10. Latency is from the request's start to the
 * last byte of its response. autocannon's own `overallRate` is not used for this: it sends each connection's
 * quota for the second back to back and then idles (bursts, not a rate), and records latency in whole ms. It
 * measures the saturation runs (20 connections, as many as the server takes), which is what it is good at.
 * The three servers (Loom iALS, Loom re-buy, the peer) take turns in rounds of ROUND_SECONDS, so that the noise of
 * this shared machine falls on all of them; the table gives medians over rounds. `gen-lag` is how late the
 * generator itself started requests (p99): when it is high, the machine was busy, not (only) the server.
 * Last, one hot swap under load: bench-recommender's production moved to v2 through the API with an admin token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createLoom } from '../engine/loom.js';
import type { ArtifactRef } from '../engine/plugin/types.js';
import { validateWorkflow } from '../engine/workflow/validate.js';
import { decodeModel } from '../plugins/evaluate/model-file.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { loadKeyring } from '../plugins/encrypt/keys.js';
import { openServable } from '../plugins/serving/servable.js';

/** The slice of autocannon's programmatic API used here (it ships no types, and @types/autocannon is not installed). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type RequestShape = { method: string; path: string; headers?: Record<string, string> };
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  requests: { method: string; setupRequest: (req: RequestShape) => RequestShape }[];
}) => Promise<AutocannonResult>;

const ROOT = fileURLToPath(new URL(existsSync(fileURLToPath(new URL('../package.json', import.meta.url))) ? '..' : '../..', import.meta.url));
const FULL = join(ROOT, '..', 'shared', 'data', 'online-retail', 'by-day');
const SAMPLE = join(ROOT, 'workflows', 'data', 'online-retail-sample');
const QUICK = process.env.BENCH_QUICK === '1';
const RATE = 1000;
const ROUNDS = 3;
const ROUND_SECONDS = QUICK ? 2 : 10;
const SWAP_SECONDS = QUICK ? 4 : 10;
const SATURATION = { connections: 20, seconds: QUICK ? 3 : 10 };
const MODEL = 'bench-recommender';
const REBUY_MODEL = 'bench-rebuy';
const TARGET_P99_MS = 5;

const COLUMNS = { InvoiceNo: 'VARCHAR', StockCode: 'VARCHAR', Description: 'VARCHAR', Quantity: 'BIGINT', InvoiceDate: 'TIMESTAMP', UnitPrice: 'DOUBLE', CustomerID: 'DOUBLE', Country: 'VARCHAR' };
const CLEAN_RULES = [
  { op: 'dropRows', where: "starts_with(InvoiceNo, 'C')" },
  { op: 'dropRows', where: 'Quantity <= 0' },
  { op: 'dropRows', where: 'UnitPrice <= 0' },
  { op: 'dropRows', where: 'CustomerID IS NULL' },
  { op: 'dropRows', where: "StockCode IN ('POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK') OR StockCode LIKE 'gift_0001%' OR StockCode LIKE 'DCGS%'" },
  { op: 'dedupe' },
  { op: 'cast', columns: { CustomerID: 'BIGINT' } },
];

/** The recommender workflow's data steps, then iALS and re-buy trained on the same interactions, each sealed. */
function trainingDoc(data: string, cutoff: string) {
  return {
    version: 1,
    name: 'serving-bench',
    nodes: [
      { id: 'collect', plugin: 'collect@^1', config: { path: `${data}/*.csv`, columns: COLUMNS } },
      { id: 'clean', plugin: 'clean@^1', inputs: { data: 'collect.data' }, config: { rules: CLEAN_RULES } },
      { id: 'split', plugin: 'annotate@^1', inputs: { data: 'clean.data' }, config: { labels: [{ name: 'purchased', expression: '1' }], split: { method: 'time', time: 'InvoiceDate', trainUntil: cutoff } } },
      { id: 'interactions', plugin: 'integrate@^1', inputs: { data: ['split.train'] }, config: { operation: { kind: 'interactions', halfLifeDays: 30 } } },
      { id: 'ials', plugin: 'train@^1', inputs: { interactions: 'interactions.data' }, config: { algorithm: 'ials', name: 'iALS', params: { factors: 64, iterations: 15, regularization: 0.01, alpha: 1 } } },
      { id: 'rebuy', plugin: 'train@^1', inputs: { interactions: 'interactions.data' }, config: { algorithm: 'rebuy', name: 're-buy', params: { fallback: 'popularity' } } },
      { id: 'seal-ials', plugin: 'encrypt@^1', inputs: { model: 'ials.model' }, config: { name: MODEL } },
      { id: 'seal-rebuy', plugin: 'encrypt@^1', inputs: { model: 'rebuy.model' }, config: { name: MODEL } },
      { id: 'seal-rebuy-solo', plugin: 'encrypt@^1', inputs: { model: 'rebuy.model' }, config: { name: REBUY_MODEL } },
    ],
  };
}

interface Trained {
  home: string;
  customers: string[];
  items: number;
  versions: { ials: number; rebuy: number };
  seconds: number;
  /** Median µs of one `recommend(customer, 10)` in process, no HTTP: the model's share of a request. */
  inProcess: { ials: number; rebuy: number };
}

/** The sealed model opened as the server opens it, then the median of 5 rounds of 2,000 recommends. */
function recommendMicros(bytes: Uint8Array, version: unknown, masterKey: string, customers: string[]): number {
  const model = openServable(bytes, { keyring: loadKeyring({ LOOM_MASTER_KEY: masterKey }), expect: { model: MODEL, ...(typeof version === 'string' ? { version } : {}) } });
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) model.recommend(customers[(i * 7919) % customers.length]!, 10);
    rounds.push(((performance.now() - started) * 1000) / 2000);
  }
  return quantile(rounds.sort((a, b) => a - b), 0.5);
}

/** Trains, seals and registers both models in `home`; production → iALS. */
async function train(home: string, masterKey: string): Promise<Trained> {
  const full = existsSync(FULL);
  const [data, cutoff] = full ? [FULL, '2011-09-01'] : [SAMPLE, '2011-09-22'];
  const saved = { roots: process.env.LOOM_DATA_ROOTS, key: process.env.LOOM_MASTER_KEY };
  process.env.LOOM_DATA_ROOTS = data;
  process.env.LOOM_MASTER_KEY = masterKey;
  const loom = createLoom({ home, plugins: builtinPlugins });
  try {
    const started = performance.now();
    const doc = trainingDoc(data, cutoff);
    const checked = validateWorkflow(doc, loom.registry, { params: {}, requireParams: true, baseDir: ROOT });
    if (!checked.ok) throw new Error(`serving bench workflow is invalid: ${JSON.stringify(checked.problems)}`);
    const state = await loom.engine.start(checked.workflow, { concurrency: 2, document: doc }).done;
    const failed = Object.entries(state.nodes).filter(([, n]) => n.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`serving bench training failed: ${failed.map(([id, n]) => `${id} ${n.status} ${JSON.stringify(n.error)}`).join('; ')}`);
    const seconds = (performance.now() - started) / 1000;
    const { header } = decodeModel(await loom.artifacts.readBytes(state.nodes.ials!.outputs!.model as ArtifactRef));
    const register = async (node: string, name: string) => {
      const artifact = state.nodes[node]!.outputs!.model as ArtifactRef;
      const meta = artifact.meta ?? {};
      return loom.models.register({ name, artifact, algorithm: String(meta.algorithm), params: meta, tags: { bench: 'serving' }, actor: 'bench' });
    };
    const ials = await register('seal-ials', MODEL);
    const rebuy = await register('seal-rebuy', MODEL);
    const solo = await register('seal-rebuy-solo', REBUY_MODEL);
    await loom.models.moveAlias({ name: MODEL, alias: 'production', to: ials.version, actor: 'bench', reason: 'serving benchmark: iALS first' });
    await loom.models.moveAlias({ name: REBUY_MODEL, alias: 'production', to: solo.version, actor: 'bench', reason: 'serving benchmark' });
    const customers = [...(header.ids.users ?? [])];
    const micros = async (v: typeof ials) => recommendMicros(await loom.artifacts.readBytes(v.artifact), v.params.version, masterKey, customers);
    const inProcess = { ials: await micros(ials), rebuy: await micros(rebuy) };
    return { home, customers, items: header.ids.items?.length ?? 0, versions: { ials: ials.version, rebuy: rebuy.version }, seconds, inProcess };
  } finally {
    loom.close();
    for (const [key, value] of [['LOOM_DATA_ROOTS', saved.roots], ['LOOM_MASTER_KEY', saved.key]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Starts a child and resolves with the port from the first stdout line matching `pattern`. */
function startChild(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp, cwd: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`)));
  });
}

/** The peer: the floor of HTTP here, the same body for every /api/models/… URL, nothing else. */
const PEER = `const http = require('node:http');
const body = Buffer.from(process.env.BENCH_BODY);
http.createServer((req, res) => {
  if (!req.url.startsWith('/api/models/')) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}).listen(0, '127.0.0.1', function () { console.log('peer listening ' + this.address().port); });`;

function request(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface Paced {
  requests: number;
  seconds: number;
  sorted: Float64Array;
  errors: number;
  non2xx: number;
  /** p99 of how late the generator started requests against their schedule (its own quality). */
  lagP99: number;
  samples: { start: number; ms: number; status: number; version: number }[];
}

/** Open loop: request n starts at t0 + n/rate (the generator ticks every ~1 ms and starts all that are due). */
function paced(port: number, paths: string[], headers: Record<string, string>, seconds: number, during?: (t0: number) => void): Promise<Paced> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = RATE * seconds;
  const samples: Paced['samples'] = new Array(total);
  const lag = new Float64Array(total);
  let [issued, finished] = [0, 0];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const done = () => {
      if (++finished < total) return;
      const wall = (performance.now() - t0) / 1000;
      agent.destroy();
      const ok = samples.filter((s) => s.status >= 200 && s.status < 300);
      resolve({
        requests: total,
        seconds: wall,
        sorted: Float64Array.from(ok, (s) => s.ms).sort(),
        errors: samples.filter((s) => s.status < 0).length,
        non2xx: samples.filter((s) => s.status >= 0 && (s.status < 200 || s.status >= 300)).length,
        lagP99: quantile(lag.sort(), 0.99),
        samples,
      });
    };
    const fire = (n: number) => {
      const start = performance.now();
      lag[n] = start - (t0 + (n * 1000) / RATE);
      const req = http.get({ agent, host: '127.0.0.1', port, path: paths[n % paths.length], headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          samples[n] = { start, ms: performance.now() - start, status: res.statusCode ?? 0, version: Number(/"version":(\d+)/.exec(text)?.[1] ?? 0) };
          done();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        samples[n] = { start, ms: performance.now() - start, status: -1, version: 0 };
        done();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * RATE) / 1000) + 1);
      while (issued < due) fire(issued++);
      if (issued < total) setTimeout(tick, 1);
    };
    tick();
    during?.(t0);
  });
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function saturate(port: number, paths: string[], headers: Record<string, string>) {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: SATURATION.connections,
    duration: SATURATION.seconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[n++ % paths.length]! }) }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

interface Row {
  name: string;
  runs: Paced[];
  loads: number[];
  sat?: Awaited<ReturnType<typeof saturate>>;
  /** Loom only: the server's own view of each round, from its /metrics. */
  server: ReturnType<typeof diffStats>[];
}

/** The server process's CPU time, GC time and pauses, and its event-loop delay since the last scrape (prom-client's defaults). */
async function serverStats(port: number, headers: Record<string, string>) {
  const { text } = await request(port, 'GET', '/metrics', headers);
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    cpu: sum(/^process_cpu_seconds_total (\S+)$/gm),
    gcSeconds: sum(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm),
    gcOver10ms: sum(/^nodejs_gc_duration_seconds_count\{[^}]*\} (\S+)$/gm) - sum(/^nodejs_gc_duration_seconds_bucket\{le="0.01"[^}]*\} (\S+)$/gm),
    lagMax: sum(/^nodejs_eventloop_lag_max_seconds (\S+)$/gm),
  };
}

function diffStats(a: Awaited<ReturnType<typeof serverStats>>, b: Awaited<ReturnType<typeof serverStats>>, requests: number) {
  return { cpuMicros: ((b.cpu - a.cpu) * 1e6) / requests, gcMs: (b.gcSeconds - a.gcSeconds) * 1000, gcOver10ms: b.gcOver10ms - a.gcOver10ms, lagMaxMs: b.lagMax * 1000 };
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(2)).padStart(6);
const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
/** A percentile of each round's latencies, then the median over rounds. */
const pct = (r: Row, q: number) => med(r.runs.map((run) => quantile(run.sorted, q)));
const failures = (r: Row) => r.runs.reduce((n, run) => n + run.errors + run.non2xx, 0);

function print(rows: Row[], peer: Row): void {
  console.log(`  ${'server'.padEnd(20)}    p50    p90    p99     max  req/s  failed  gen-lag p99 | saturation req/s   p50   p99 failed | load 1m`);
  for (const r of [...rows, peer]) {
    const max = Math.max(...r.runs.map((run) => run.sorted[run.sorted.length - 1] ?? NaN));
    const rps = med(r.runs.map((run) => run.requests / run.seconds));
    const sat = r.sat ? `${r.sat.rps.toFixed(0).padStart(16)} ${String(r.sat.p50).padStart(5)} ${String(r.sat.p99).padStart(5)} ${String(r.sat.errors + r.sat.non2xx).padStart(6)}` : ''.padStart(35);
    console.log(
      `  ${r.name.padEnd(20)} ${ms(pct(r, 0.5))} ${ms(pct(r, 0.9))} ${ms(pct(r, 0.99))} ${ms(max).padStart(7)} ${rps.toFixed(0).padStart(6)} ${String(failures(r)).padStart(7)} ` +
        `${ms(med(r.runs.map((run) => run.lagP99))).padStart(12)} |${sat} | ${r.loads.map((l) => l.toFixed(1)).join(' ')}`,
    );
  }
  for (const r of rows) {
    const m = (f: (x: Row['server'][number]) => number) => med(r.server.map(f)).toFixed(0);
    console.log(
      `  ${r.name}, the server's own view per round (medians): ${m((x) => x.cpuMicros)} µs CPU per request, GC ${m((x) => x.gcMs)} ms per ${ROUND_SECONDS} s ` +
        `(pauses over 10 ms: ${r.server.map((x) => x.gcOver10ms).join(', ')}), event-loop delay max ${r.server.map((x) => x.lagMaxMs.toFixed(0)).join(', ')} ms`,
    );
  }
  for (const r of rows) {
    const [p99, failed] = [pct(r, 0.99), failures(r)];
    console.log(
      `  ${r.name}: Loom/peer p50 ${(pct(r, 0.5) / pct(peer, 0.5)).toFixed(1)}, p99 ${(p99 / pct(peer, 0.99)).toFixed(1)}, saturation throughput ${(r.sat!.rps / peer.sat!.rps).toFixed(2)}` +
        ` · target p99 < ${TARGET_P99_MS} ms and 0 errors: ${p99 < TARGET_P99_MS && failed === 0 ? 'met' : 'NOT met'} (p99 ${p99.toFixed(2)} ms, ${failed} failed)`,
    );
  }
}

export async function servingBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loom-serving-'));
  const children: ChildProcess[] = [];
  try {
    const masterKey = randomBytes(32).toString('base64');
    const [viewer, admin] = [randomBytes(24).toString('hex'), randomBytes(24).toString('hex')];
    const home = join(dir, 'home');
    mkdirSync(join(dir, 'workflows'), { recursive: true });
    process.stderr.write('serving bench: training iALS and re-buy, sealing, registering\n');
    const trained = await train(home, masterKey);

    const env = { ...process.env, LOOM_HOME: home, LOOM_MASTER_KEY: masterKey, LOOM_TOKENS: `bench:viewer:${viewer},ops:admin:${admin}` };
    const loom = await startChild([join(ROOT, 'bin', 'loom.js'), 'serve', '--port', '0', '--workflows', join(dir, 'workflows')], env, /loom serving http:\/\/[^:]+:(\d+)/, dir);
    children.push(loom.child);
    const auth = { authorization: `Bearer ${viewer}` };
    for (let ready = false; !ready; ) {
      ready = (await request(loom.port, 'GET', '/readyz', {})).status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }

    // Customers: a fixed shuffle of the trained ones, one in 20 replaced by an id the model has never seen.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const paths = Array.from({ length: 5000 }, (_, i) => {
      const customer = rand() < 0.05 ? `99${String(i).padStart(6, '0')}` : trained.customers[Math.floor(rand() * trained.customers.length)]!;
      return `/api/models/${MODEL}/recommend?customer=${customer}&k=10`;
    });
    const sample = await request(loom.port, 'GET', `/api/models/${MODEL}/recommend?customer=${trained.customers[0]}&k=10`, auth);
    if (sample.status !== 200) throw new Error(`recommend answered ${sample.status}: ${sample.text}`);

    const peer = await startChild(['-e', PEER], { ...process.env, BENCH_BODY: sample.text }, /peer listening (\d+)/, dir);
    children.push(peer.child);

    const rebuyPaths = paths.map((path) => path.replace(`/${MODEL}/`, `/${REBUY_MODEL}/`));
    const servers = [
      { name: 'Loom, iALS (64 f)', port: loom.port, paths },
      { name: 'Loom, re-buy', port: loom.port, paths: rebuyPaths },
      { name: 'peer: bare node:http', port: peer.port, paths },
    ];
    // Warm-up: JIT, connections, both served models' first requests.
    for (const server of servers) await paced(server.port, server.paths, auth, 2);
    const [ialsRow, rebuyRow, peerRow] = servers.map((server): Row => ({ name: server.name, runs: [], loads: [], server: [] })) as [Row, Row, Row];
    const table = [ialsRow, rebuyRow, peerRow];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [n, server] of servers.entries()) {
        table[n]!.loads.push(loadavg()[0]!);
        const before = server.port === loom.port ? await serverStats(loom.port, auth) : undefined;
        table[n]!.runs.push(await paced(server.port, server.paths, auth, ROUND_SECONDS));
        if (before) table[n]!.server.push(diffStats(before, await serverStats(loom.port, auth), RATE * ROUND_SECONDS));
      }
    }
    for (const [n, server] of servers.entries()) table[n]!.sat = await saturate(server.port, server.paths, auth);

    // One hot swap under load: bench-recommender's production → re-buy through the API, halfway through a paced run.
    let swap = { sent: 0, answered: 0, status: 0 };
    const swapRun = await paced(loom.port, paths, auth, SWAP_SECONDS, (t0) => {
      setTimeout(async () => {
        const sent = performance.now();
        const res = await request(loom.port, 'PUT', `/api/models/${MODEL}/aliases/production`, { authorization: `Bearer ${admin}` }, { version: trained.versions.rebuy, reason: 'serving benchmark: hot swap under load' });
        swap = { sent: sent - t0, answered: performance.now() - t0, status: res.status };
      }, (SWAP_SECONDS * 1000) / 2);
    });

    console.log(
      `\nServing · GET /api/models/:name/recommend, k=10, loopback, auth on, sealed models · ${trained.customers.length} trained customers (+5% unknown), ${trained.items} items · ` +
        `trained, sealed, registered in ${trained.seconds.toFixed(0)} s · open loop ${RATE} req/s, ${ROUNDS} rounds of ${ROUND_SECONDS} s each, taking turns; latency in ms, medians over rounds · ` +
        `saturation: autocannon ${SATURATION.connections} connections ${SATURATION.seconds} s`,
    );
    print([ialsRow, rebuyRow], peerRow);
    console.log(`  in process, no HTTP: recommend(customer, 10) takes ${trained.inProcess.ials.toFixed(1)} µs on iALS, ${trained.inProcess.rebuy.toFixed(1)} µs on re-buy (medians)`);

    const t0 = swapRun.samples[0]!.start;
    const window = swapRun.samples.filter((s) => s.start - t0 >= swap.sent && s.start - t0 <= swap.answered + 1000);
    const bad = window.filter((s) => s.status < 200 || s.status >= 300).length;
    const byVersion = (v: number) => swapRun.samples.filter((s) => s.version === v).length;
    const worst = window.reduce((m, s) => Math.max(m, s.ms), 0);
    console.log(
      `  hot swap under load (iALS v${trained.versions.ials} → re-buy v${trained.versions.rebuy}, PUT …/aliases/production ${swap.status}, answered in ${(swap.answered - swap.sent).toFixed(0)} ms, once the new version was loaded): ` +
        `${window.length} requests from the PUT to 1 s after its answer, ${bad} failed, max latency ${worst.toFixed(1)} ms; whole ${SWAP_SECONDS} s run: ${swapRun.errors + swapRun.non2xx} failed, ` +
        `served by v${trained.versions.ials} ${byVersion(trained.versions.ials)}, by v${trained.versions.rebuy} ${byVersion(trained.versions.rebuy)}`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('serving.bench.js')) await servingBench();

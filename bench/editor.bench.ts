/**
 * The editor's benchmark (part of `npm run bench`, after the build): how long a generated 500-node workflow takes
 * to become interactive in a real headless Chromium against the built `loom serve`. "Interactive" is what
 * `window.__loom.ready()` waits for: the canvas shows the document with every node measured (its handles placed)
 * and a frame painted. Measured from `loadDocument(doc)` on an empty canvas, once with positions and once without
 * (then elkjs lays it out first), medians of 5, against the 2 s target. The peer, in the same browser and
 * moment, is a 50-node workflow of the same shape: the ratio says how the cost grows with the graph (10 = linear).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { NodeDoc, WorkflowDoc } from '../engine/workflow/schema.js';
import { launchBrowser } from '../test/e2e/browser.js';
import '../test/e2e/page-globals.js';

const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
const TARGET_MS = 2000;
const RUNS = 5;

/** A layered DAG: `constant` sources in layer 0, then `noop` nodes each fed by one node of the layer before. */
export function layeredWorkflow(n: number, positions: boolean): WorkflowDoc {
  const width = Math.max(1, Math.round(Math.sqrt(n)));
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const nodes: NodeDoc[] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const ui = positions ? { ui: { x: layer * 280, y: (i % width) * 160 } } : {};
    if (layer === 0) nodes.push({ id: `n${i}`, plugin: 'constant@^1', config: { i }, ...ui });
    else nodes.push({ id: `n${i}`, plugin: 'noop@^1', inputs: { in: `n${(layer - 1) * width + Math.floor(rand() * width)}.out` }, ...ui });
  }
  return { version: 1, name: `layered-${n}`, nodes };
}

async function startServer(workflows: string, home: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/loom.js'), 'serve', '--no-auth', '--port', '0', '--host', '127.0.0.1', '--workflows', workflows], {
    env: { ...process.env, LOOM_HOME: home, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('close', (code) => reject(new Error(`loom serve exited with ${code}: ${out}`)));
  });
  return { url, stop: async () => (child.kill('SIGTERM'), await closed) };
}

/** Milliseconds from loadDocument on an empty canvas to ready(), measured in the page. */
async function timeLoad(page: Page, doc: WorkflowDoc): Promise<number> {
  await page.evaluate(async () => {
    await window.__loom!.loadDocument({ version: 1, name: 'empty', nodes: [] });
    await window.__loom!.ready();
  });
  return page.evaluate(async (d) => {
    const started = performance.now();
    await window.__loom!.loadDocument(d);
    await window.__loom!.ready();
    return performance.now() - started;
  }, doc as never);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function editorBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-editor-bench-'));
  const server = await startServer(dir, join(dir, 'home'));
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.getByTestId('palette-noop').waitFor();
    const cases = [
      { label: '500 nodes, positions', doc: layeredWorkflow(500, true) },
      { label: '500 nodes, auto-laid', doc: layeredWorkflow(500, false) },
      { label: ' 50 nodes, positions', doc: layeredWorkflow(50, true) },
      { label: ' 50 nodes, auto-laid', doc: layeredWorkflow(50, false) },
    ];
    await timeLoad(page, cases[0]!.doc); // warm-up: the first load also compiles the code paths
    const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
    // Alternating, so that a busy moment on the machine hits every case alike.
    for (let run = 0; run < RUNS; run++) for (const c of cases) times.get(c.label)!.push(await timeLoad(page, c.doc));
    const med = (label: string) => median(times.get(label)!);

    console.log(`\neditor: a layered workflow loaded into the canvas until interactive (window.__loom.ready()), headless Chromium, median of ${RUNS}`);
    for (const c of cases) {
      const ms = med(c.label);
      const verdict = c.doc.nodes.length === 500 ? `  ${ms <= TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS / 1000} s target` : '';
      console.log(`  ${c.label}  ${ms.toFixed(0).padStart(6)} ms  ${(ms / c.doc.nodes.length).toFixed(2)} ms/node${verdict}`);
    }
    for (const kind of ['positions', 'auto-laid']) {
      const ratio = med(`500 nodes, ${kind}`) / med(` 50 nodes, ${kind}`);
      console.log(`  500/50 nodes, ${kind}: ×${ratio.toFixed(1)} (10 would be linear)`);
    }
  } finally {
    await browser.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('editor.bench.js')) await editorBench();

/**
 * The example third-party package, examples/basket-rules, used the way a shop would use it: its author installs
 * it and runs its own test, packs it; a project with Loom installs the tarball with npm; `loom plugins` discovers
 * it in the project's node_modules; and a workflow runs it (in a child process, as every packaged plugin runs) on
 * the sample invoice data through the built CLI.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loom, spawnLoom, waitFor } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';
import { LOOM_ROOT, npmInstall, requireBuiltLoom, sh } from './npm-helpers.js';

const EXAMPLE = join(LOOM_ROOT, 'examples/basket-rules');
const SAMPLE_DATA = join(LOOM_ROOT, 'workflows/data');

let dir: string;
beforeAll(async () => {
  dir = await tempDir('loom-example-');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Rule {
  antecedent: string;
  antecedentDescription: string;
  consequent: string;
  consequentDescription: string;
  invoices: number;
  support: number;
  confidence: number;
  lift: number;
}

test('basket-rules installs from a local path, is discovered, and finds sensible rules in the sample data', { timeout: 300_000 }, async () => {
  requireBuiltLoom('engine/testing.js', 'engine/sdk.js', 'engine/data/duckdb.js', 'engine/plugin/discover.js');

  // 1. The author's side: a copy of the package (its `file:../..` dependency on Loom is relative to the repo, so
  //    the copy names this checkout instead), installed, tested with its own suite, packed (which builds it).
  const source = join(dir, 'basket-rules');
  await cp(EXAMPLE, source, { recursive: true, filter: (path) => !/\/(node_modules|dist|\.test-results)(\/|$)/.test(path.slice(EXAMPLE.length)) });
  const pkg = JSON.parse(await readFile(join(source, 'package.json'), 'utf8'));
  pkg.devDependencies.loom = `file:${LOOM_ROOT}`;
  await writeFile(join(source, 'package.json'), JSON.stringify(pkg, null, 2));
  const installed = await npmInstall(source);
  expect(installed.code, installed.output).toBe(0);
  const tested = await sh('npm', ['test'], source);
  expect(tested.code, tested.output).toBe(0);
  expect(tested.output).toMatch(/Tests\s+9 passed \(9\)/);
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', dir], source);
  expect(packed.code, packed.output).toBe(0);
  const tarball = join(dir, (JSON.parse(packed.output.slice(packed.output.indexOf('[')))[0] as { filename: string }).filename);

  // 2. The shop's side: a project that has Loom installs the package, and Loom finds it in node_modules.
  const project = join(dir, 'shop');
  await cp(join(EXAMPLE, 'workflow.json'), join(project, 'workflows/basket-rules.json'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module', dependencies: { loom: `file:${LOOM_ROOT}` } }));
  const added = await npmInstall(project, [tarball]);
  expect(added.code, added.output).toBe(0);
  const env = { LOOM_HOME: join(project, '.loom'), LOOM_DATA_ROOTS: SAMPLE_DATA };
  const listed = await loom(['plugins', '--json'], env, project);
  expect(listed.code, listed.stderr).toBe(0);
  const plugin = (JSON.parse(listed.stdout) as { name: string }[]).find((p) => p.name === 'basket-rules');
  expect(plugin).toMatchObject({
    name: 'basket-rules',
    version: '1.0.0',
    title: 'Basket rules',
    category: 'analyse',
    inputs: [{ name: 'lines', type: 'dataset' }],
    outputs: [{ name: 'rules', type: 'dataset' }, { name: 'report', type: 'json' }],
    config: { type: 'object', properties: { minSupport: { type: 'number', default: 0.01 } } },
  });

  // 3. A workflow from the project's folder: collect the sample's daily files, then the rules.
  const ran = await loom(['run', 'workflows/basket-rules.json', '--json', '--param', `data=${SAMPLE_DATA}/online-retail-sample/*.csv`], env, project);
  expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0);
  const runId = (JSON.parse(ran.stdout) as { runId: string }).runId;
  const preview = await loom(['preview', runId, 'rules', '--port', 'rules', '--rows', '50', '--json'], env, project);
  expect(preview.code, preview.stderr).toBe(0);
  const shown = JSON.parse(preview.stdout) as { kind: 'dataset'; preview: { columns: string[]; rows: unknown[][] } };
  const rules = shown.preview.rows.map((row) => Object.fromEntries(shown.preview.columns.map((c, i) => [c, row[i]])) as unknown as Rule);
  const report = (JSON.parse((await loom(['preview', runId, 'rules', '--port', 'report', '--json'], env, project)).stdout) as { value: Record<string, number> }).value;

  // 4. Sensible: the thresholds hold, the best rules come first, and the strongest pair of the sample is Poppy's
  //    Playhouse kitchen and bedroom (17 invoices of 1581: 17 of the 21 with the kitchen hold the bedroom too).
  expect(report).toMatchObject({ invoices: 1581, rulesKept: 50 });
  expect(rules).toHaveLength(50);
  for (const rule of rules) {
    expect(rule.confidence).toBeGreaterThanOrEqual(0.3);
    expect(rule.lift).toBeGreaterThanOrEqual(1);
    expect(rule.support).toBeGreaterThanOrEqual(0.01);
  }
  expect(rules.map((r) => r.lift)).toEqual(rules.map((r) => r.lift).sort((a, b) => b - a));
  expect(rules[0]).toMatchObject({ antecedent: '22748', antecedentDescription: "POPPY'S PLAYHOUSE KITCHEN", consequent: '22745', invoices: 17, confidence: 17 / 21 });
  expect(rules.filter((r) => r.antecedentDescription.startsWith("POPPY'S PLAYHOUSE") && r.consequentDescription.startsWith("POPPY'S PLAYHOUSE")).length).toBeGreaterThanOrEqual(2);

  // 5. The server run from the project offers it to the editor's palette, saying where it comes from.
  const server = spawnLoom(['serve', '--no-auth', '--port', '0'], env, project);
  let out = '';
  server.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    await waitFor(() => /loom serving (http:\/\/\S+)/.test(out), 'loom serve to listen', 30_000);
    const url = /loom serving (http:\/\/\S+)/.exec(out)![1]!;
    const { plugins } = (await (await fetch(`${url}/api/plugins`)).json()) as { plugins: { name: string; source: unknown; category: string }[] };
    expect(plugins.find((p) => p.name === 'basket-rules')).toMatchObject({ category: 'analyse', source: { kind: 'package', name: 'basket-rules', version: '1.0.0' } });
  } finally {
    server.kill('SIGTERM');
    await server.result;
  }
});

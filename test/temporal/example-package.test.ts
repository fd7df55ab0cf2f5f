/**
 * The example third-party package on the Temporal engine: built as its author would (npm install, npm run build),
 * found through LOOM_PLUGIN_PATH by the worker, and run isolated in a child of the worker on the sample data,
 * with the same rules the embedded engine finds (test/example-package.test.ts).
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { discoverPlugins } from '../../engine/plugin/discover.js';
import type { ArtifactRef } from '../../engine/plugin/types.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { queryDataset } from '../fixtures/sql-dataset.js';
import { tempDir } from '../fixtures/loom.js';
import { LOOM_ROOT, npmInstall, requireBuiltLoom, sh } from '../npm-helpers.js';
import { compile, temporalTest } from './fixture.js';

requireBuiltLoom('engine/sdk.js', 'engine/data/duckdb.js');
const dir = await tempDir('loom-example-temporal-');
const pkg = join(dir, 'basket-rules');
await cp(join(LOOM_ROOT, 'examples/basket-rules'), pkg, { recursive: true, filter: (path) => !/\/(node_modules|dist)(\/|$)/.test(path) });
const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8'));
manifest.devDependencies.loom = `file:${LOOM_ROOT}`;
await writeFile(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2));
const installed = await npmInstall(pkg);
if (installed.code !== 0) throw new Error(`npm install of the example failed:\n${installed.output}`);
const built = await sh('npm', ['run', 'build'], pkg);
if (built.code !== 0) throw new Error(`building the example failed:\n${built.output}`);
const plugins = await discoverPlugins({ builtins: builtinPlugins, cwd: dir, env: { LOOM_PLUGIN_PATH: pkg } });
const test = temporalTest(plugins.filter((p) => !builtinPlugins.includes(p)));

const SAMPLE = join(LOOM_ROOT, 'workflows/data');
const saved = process.env.LOOM_DATA_ROOTS;
process.env.LOOM_DATA_ROOTS = SAMPLE;
afterAll(async () => {
  if (saved === undefined) delete process.env.LOOM_DATA_ROOTS;
  else process.env.LOOM_DATA_ROOTS = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('the example package on Temporal', () => {
  test('a worker that found basket-rules through LOOM_PLUGIN_PATH runs it on the sample and finds the strongest pair', { timeout: 120_000 }, async ({ loom, temporal }) => {
    const doc = JSON.parse(await readFile(join(LOOM_ROOT, 'examples/basket-rules/workflow.json'), 'utf8'));
    const runId = await temporal.client.start(compile(loom, doc, { data: `${SAMPLE}/online-retail-sample/*.csv` }));
    const state = await temporal.client.follow(runId);
    expect(state.status, JSON.stringify(state.nodes.rules?.error)).toBe('succeeded');
    const rules = await queryDataset(loom, state.nodes.rules!.outputs!.rules as ArtifactRef, 'SELECT antecedent, consequent, invoices FROM t ORDER BY lift DESC LIMIT 1');
    expect(rules[0]).toMatchObject({ antecedent: '22748', consequent: '22745' });
  });
});

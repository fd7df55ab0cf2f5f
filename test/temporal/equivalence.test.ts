/** One meaning on two engines: the same workflow gives the same artifacts and the same cache hits on both. */
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWorkflow } from '../../engine/workflow/validate.js';
import { expect } from 'vitest';
import { createLoom } from '../../engine/loom.js';
import type { RunState } from '../../engine/run/state.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { workflow } from '../builder.js';
import { count } from '../fixtures/counting-plugins.mjs';
import { runDoc, tempDir } from '../fixtures/loom.js';
import { compile, temporalTest } from './fixture.js';

const test = temporalTest([count]);

const outputs = (state: RunState) => Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, Object.values(n.outputs ?? {}).map((r) => r.sha256)]));
const statuses = (state: RunState) => Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, n.status]));

test('the same workflow: the same sha256 on both engines, and each engine hits the cache the other filled', async ({ loom, temporal, home }) => {
  const counters = join(home, 'counters');
  await mkdir(counters);
  // seed ─► sum ─► pass ─► later
  //  └────► wait ─┘
  const doc = workflow('equivalence')
    .node('seed', 'constant', { config: { seed: 42 } })
    .node('sum', 'count', { config: { dir: counters, add: 5 } })
    .chain('seed', 'wait', 'sleep', { config: { ms: 200 } })
    .node('pass', 'noop', { inputs: { in: 'sum.out' }, after: ['wait'] })
    .node('later', 'count', { inputs: { in: ['pass.out'] }, config: { dir: counters, add: 7 } })
    .build();

  const elsewhere = await tempDir('loom-embedded-');
  const embeddedLoom = createLoom({ home: elsewhere, plugins: [...builtinPlugins, count] });
  try {
    const embedded = await runDoc(embeddedLoom, doc);
    const onTemporal = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
    expect(onTemporal.status).toBe('succeeded');
    expect(outputs(onTemporal)).toEqual(outputs(embedded));
  } finally {
    embeddedLoom.close();
    await rm(elsewhere, { recursive: true, force: true });
  }

  // The Temporal run filled this data home's cache: the embedded engine finds every node there, and back.
  const embeddedAgain = await runDoc(loom, doc);
  expect(Object.values(statuses(embeddedAgain))).toEqual(['cached', 'cached', 'cached', 'cached', 'cached']);
  const temporalAgain = await temporal.client.follow(await temporal.client.start(compile(loom, doc)));
  expect(Object.values(statuses(temporalAgain))).toEqual(['cached', 'cached', 'cached', 'cached', 'cached']);
  expect(outputs(temporalAgain)).toEqual(outputs(embeddedAgain));
});

test('the flagship data workflow on the shipped sample: every dataset, report and feature table is byte-identical on both engines', { timeout: 120_000 }, async ({ loom, temporal }) => {
  const file = fileURLToPath(new URL('../../workflows/online-retail.json', import.meta.url));
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const compiled = (l: typeof loom) => {
    const result = validateWorkflow(doc, l.registry, { baseDir: dirname(file) });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.workflow;
  };
  const elsewhere = await tempDir('loom-embedded-');
  const embeddedLoom = createLoom({ home: elsewhere, plugins: builtinPlugins });
  try {
    const embedded = await embeddedLoom.engine.start(compiled(embeddedLoom)).done;
    const onTemporal = await temporal.client.follow(await temporal.client.start(compiled(loom)));
    expect([embedded.status, onTemporal.status]).toEqual(['succeeded', 'succeeded']);
    expect(outputs(onTemporal)).toEqual(outputs(embedded));
    expect(Object.keys(outputs(embedded))).toHaveLength(8);
  } finally {
    embeddedLoom.close();
    await rm(elsewhere, { recursive: true, force: true });
  }
});

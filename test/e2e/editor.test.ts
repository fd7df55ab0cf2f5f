/**
 * The editor in a real headless Chromium against the real `loom serve`: a user signs in with a token, builds
 * the recommender pipeline from an empty canvas by dragging plugins and wiring handles, fills the forms, saves,
 * reloads, runs it on the shipped sample and looks at a preview and the metrics chart; a wrong wire is refused
 * with its reason; a bad value shows on the node it belongs to. Screenshots go to .test-results/screenshots.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WorkflowDoc } from '../../engine/workflow/schema.js';
import { dropPlugin, nodeIds, screenshot, select, wire } from './editor-page.js';
import { TOKENS } from './server.js';
import { capture, startSession, type Session } from './session.js';
import './page-globals.js';

let session: Session;
beforeAll(async () => {
  session = await startSession();
});
afterAll(async () => {
  await session?.close();
});

const documentOf = (page: Page) => page.evaluate(() => window.__loom!.document()) as Promise<WorkflowDoc>;
const wires = (doc: WorkflowDoc) => doc.nodes.flatMap((n) => Object.entries(n.inputs ?? {}).flatMap(([port, from]) => [from].flat().map((f) => `${f} → ${n.id}.${port}`))).sort();

test('the token prompt: asked for a token, a wrong one is refused, a valid one loads the palette', async () => {
  const page = await session.open({ token: null });
  await capture(page, 'token', async () => {
    const dialog = page.getByRole('dialog', { name: 'Sign in' });
    await dialog.waitFor();
    expect(await page.getByTestId('palette-collect').count()).toBe(0);
    await dialog.getByLabel('API token').fill('not-a-token-of-this-server');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.getByText('That token was not accepted.').waitFor();
    await dialog.getByLabel('API token').fill(TOKENS.editor);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('palette-collect').waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    // Signed in without a reload: a run's live states come through the socket with the token just given.
    await page.evaluate(() => window.__loom!.loadDocument({ version: 1, name: 'tiny', nodes: [{ id: 'one', plugin: 'constant@^1', config: { a: 1 }, ui: { x: 0, y: 0 } }, { id: 'two', plugin: 'noop@^1', inputs: { in: 'one.out' }, ui: { x: 300, y: 0 } }] }));
    await page.getByRole('toolbar', { name: 'run controls' }).getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="node-two"][data-status="succeeded"]').waitFor({ timeout: 5_000 });
    await screenshot(page, 'token-signed-in');
  });
  await page.close();
});

describe('building the recommender from an empty canvas', () => {
  let page: Page;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    page = await session.open();
    await page.getByTestId('palette-collect').waitFor();
  });

  test('drag seven kinds of plugin from the palette and wire them handle to handle', async () => {
    await capture(page, 'build', async () => {
      expect(await nodeIds(page)).toEqual([]);
      // Zoomed out so that three rows of nodes fit above the run dock.
      for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Zoom Out' }).click();
      const grid = [
        ['collect', 'clean', 'annotate', 'featurize'],
        ['integrate', 'integrate', 'train', 'train'],
        ['evaluate'],
      ];
      const names = ['collect', 'clean', 'annotate', 'featurize', 'interactions', 'testInteractions', 'rebuy', 'popularity', 'evaluate'];
      let n = 0;
      for (const [r, row] of grid.entries()) for (const [c, plugin] of row.entries()) ids[names[n++]!] = await dropPlugin(page, plugin, { x: 30 + c * 200, y: 30 + r * 160 });
      expect(await nodeIds(page)).toEqual(['collect', 'clean', 'annotate', 'featurize', 'integrate', 'integrate-2', 'train', 'train-2', 'evaluate']);

      const edges: [string, string][] = [
        [`${ids.collect}.data`, `${ids.clean}.data`],
        [`${ids.clean}.data`, `${ids.annotate}.data`],
        [`${ids.annotate}.train`, `${ids.interactions}.data`],
        [`${ids.annotate}.test`, `${ids.testInteractions}.data`],
        [`${ids.annotate}.train`, `${ids.featurize}.data`],
        [`${ids.interactions}.data`, `${ids.rebuy}.interactions`],
        [`${ids.interactions}.data`, `${ids.popularity}.interactions`],
        [`${ids.rebuy}.model`, `${ids.evaluate}.candidate`],
        [`${ids.popularity}.model`, `${ids.evaluate}.baselines`],
        [`${ids.testInteractions}.data`, `${ids.evaluate}.test`],
      ];
      for (const [from, to] of edges) await wire(page, from, to);
      expect(wires(await documentOf(page))).toEqual(edges.map(([from, to]) => `${from} → ${to}`).sort());
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(edges.length);
      await screenshot(page, 'build-wired');
    });
  });

  test('fill every form through the config panel until the workflow is valid', async () => {
    await capture(page, 'forms', async () => {
      await select(page, ids.collect!);
      await page.locator('#root_path').fill('data/online-retail-sample/*.csv');

      await select(page, ids.clean!);
      for (const [i, where] of ['CustomerID IS NULL', 'Quantity <= 0'].entries()) {
        await page.locator('#root_rules__add').click();
        await page.locator(`#root_rules_${i}_where`).fill(where);
      }

      await select(page, ids.annotate!);
      await page.locator('#root_split_method').selectOption('time');
      await page.locator('#root_split_time').fill('InvoiceDate');
      await page.locator('#root_split_trainUntil').fill('2011-09-22');

      for (const node of [ids.interactions!, ids.testInteractions!]) {
        await select(page, node);
        await page.locator('#root_operation__anyof_select').selectOption('interactions');
      }

      await select(page, ids.featurize!);
      await page.locator('#root_steps__add').click();
      await page.locator('#root_steps_0__anyof_select').selectOption('rfm');

      await select(page, ids.rebuy!);
      await page.locator('#root_algorithm').selectOption('rebuy');
      await select(page, ids.popularity!);
      await page.locator('#root_algorithm').selectOption('popularity');

      await select(page, ids.evaluate!);
      await page.locator('#root_k').fill('5');

      await page.getByTestId('validity').filter({ hasText: /^valid$/ }).waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('problems').getAttribute('data-state')).toBe('valid');
      const doc = await documentOf(page);
      const config = Object.fromEntries(doc.nodes.map((n) => [n.id, n.config]));
      expect(config[ids.collect!]).toMatchObject({ path: 'data/online-retail-sample/*.csv' });
      expect(config[ids.clean!]).toMatchObject({ rules: [{ op: 'dropRows', where: 'CustomerID IS NULL' }, { op: 'dropRows', where: 'Quantity <= 0' }] });
      expect(config[ids.annotate!]).toMatchObject({ split: { method: 'time', time: 'InvoiceDate', trainUntil: '2011-09-22' } });
      expect(config[ids.interactions!]).toMatchObject({ operation: { kind: 'interactions' } });
      expect(config[ids.featurize!]).toMatchObject({ steps: [{ op: 'rfm' }] });
      expect(config[ids.rebuy!]).toMatchObject({ algorithm: 'rebuy' });
      expect(config[ids.evaluate!]).toMatchObject({ k: 5 });
      await screenshot(page, 'forms-valid');
    });
  });

  test('save under a name, reload the page, and find the same workflow', async () => {
    await capture(page, 'save', async () => {
      const before = await documentOf(page);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Save the workflow' });
      await dialog.getByLabel('Workflow name').fill('built-in-browser');
      await dialog.getByRole('button', { name: 'OK' }).click();
      await page.getByTestId('status').filter({ hasText: 'Saved "built-in-browser"' }).waitFor();
      expect(page.url()).toMatch(/#\/workflows\/built-in-browser$/);

      await page.reload();
      await page.getByTestId('workflow-name').filter({ hasText: 'built-in-browser' }).waitFor();
      await page.evaluate(() => window.__loom!.ready());
      const after = await documentOf(page);
      expect(after).toEqual({ ...before, name: 'built-in-browser' });
      expect((await nodeIds(page)).length).toBe(9);
      for (const id of Object.values(ids)) await page.getByTestId(`node-${id}`).waitFor();
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(10);
      expect(await page.getByTestId('validity').textContent()).toMatch(/valid|checking/);
      await screenshot(page, 'save-reloaded');
    });
  });

  test('run it on the sample: every node turns green; a preview has rows; the metrics chart shows the candidate', async () => {
    await capture(page, 'run', async () => {
      await page.getByRole('toolbar', { name: 'run controls' }).getByRole('button', { name: 'Run', exact: true }).click();
      await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
      for (const id of Object.values(ids)) expect(await page.getByTestId(`node-${id}`).getAttribute('data-status'), id).toMatch(/^(succeeded|cached)$/);
      await screenshot(page, 'run-succeeded');

      await select(page, ids.clean!);
      const table = page.getByTestId('output-data').getByTestId('preview-table');
      await table.waitFor();
      expect(Number(await table.getAttribute('data-rows'))).toBeGreaterThan(1000);
      expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await table.locator('thead').textContent()).toContain('CustomerID');
      await screenshot(page, 'run-preview');

      await select(page, ids.evaluate!);
      const chart = page.getByTestId('chart-metrics');
      await chart.waitFor();
      expect(await chart.isVisible()).toBe(true);
      expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
      const runId = (await page.locator('.run-id').textContent())!;
      const metrics = (await (await fetch(`${session.server.url}/api/runs/${runId}/nodes/${ids.evaluate}/outputs/metrics/preview`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } })).json()) as {
        preview: { value: { models: { name: string; ndcg?: number; metrics?: { ndcg: number } }[] } };
      };
      const candidate = metrics.preview.value.models.find((m) => m.name === 'rebuy')!;
      const ndcg = candidate.ndcg ?? candidate.metrics!.ndcg;
      const row = chart.getByTestId('metrics-table').locator('tr.candidate');
      expect(await row.locator('th').textContent()).toContain('rebuy');
      expect(await row.locator('td').first().textContent()).toBe(ndcg.toFixed(4));
      await chart.scrollIntoViewIfNeeded();
      await screenshot(page, 'run-metrics');
    });
  });
});

describe('mistakes are caught where they are made', () => {
  let page: Page;
  beforeAll(async () => {
    page = await session.open();
    await page.getByTestId('palette-collect').waitFor();
  });

  test('an invalid wiring is refused with its reason: a model onto a dataset input, and a cycle', async () => {
    await capture(page, 'wiring', async () => {
      const train = await dropPlugin(page, 'train', { x: 40, y: 40 });
      const clean = await dropPlugin(page, 'clean', { x: 340, y: 40 });
      await wire(page, `${train}.model`, `${clean}.data`);
      await page.getByTestId('status').filter({ hasText: `${train}.model is a model; ${clean}.data expects a dataset` }).waitFor();
      expect(wires(await documentOf(page))).toEqual([]);
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(0);
      await screenshot(page, 'wiring-refused');

      const a = await dropPlugin(page, 'integrate', { x: 40, y: 260 });
      const b = await dropPlugin(page, 'integrate', { x: 340, y: 260 });
      await wire(page, `${a}.data`, `${b}.data`);
      expect(wires(await documentOf(page))).toEqual([`${a}.data → ${b}.data`]);
      await wire(page, `${b}.data`, `${a}.data`);
      await page.getByTestId('status').filter({ hasText: 'would close a cycle' }).waitFor();
      expect(wires(await documentOf(page))).toEqual([`${a}.data → ${b}.data`]);
    });
  });

  test('a bad value shows on its node, and the problems list links to it', async () => {
    await capture(page, 'validation', async () => {
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await page.waitForFunction(() => window.__loom!.document().nodes.length === 0);
      const collect = await dropPlugin(page, 'collect', { x: 40, y: 40 });
      const clean = await dropPlugin(page, 'clean', { x: 340, y: 40 });
      await wire(page, `${collect}.data`, `${clean}.data`);
      await select(page, collect);
      await page.locator('#root_path').fill('data/online-retail-sample/*.csv');
      await page.getByTestId('validity').filter({ hasText: /^valid$/ }).waitFor();

      await page.locator('#root_timeoutMs').fill('0');
      const problems = page.getByTestId(`node-problems-${collect}`);
      await problems.waitFor();
      expect(await problems.textContent()).toMatch(/timeoutMs|>= 1/);
      expect(await page.getByTestId(`node-${collect}`).getAttribute('data-invalid')).toBe('true');
      expect(await page.getByTestId(`node-${clean}`).getAttribute('data-invalid')).toBeNull();
      await screenshot(page, 'validation-error');

      // The problems list names the node; picking it selects the node, wherever the selection was.
      await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 600, y: 400 } });
      await page.getByTestId('config-panel').getByRole('heading', { name: 'Workflow' }).waitFor();
      await page.getByTestId('problems').locator(`button.problem[data-node="${collect}"]`).click();
      await page.getByTestId('config-panel').getByLabel('Node id').and(page.locator(`[value="${collect}"]`)).waitFor();
      expect(await page.getByTestId('config-panel').locator('.has-error, .error-detail').count()).toBeGreaterThan(0);
    });
  });
});

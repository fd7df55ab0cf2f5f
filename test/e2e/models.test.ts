/**
 * The models page in a real headless Chromium against the real `loom serve`: a model with two versions (seeded in
 * the test's data home through the registry, as publish would leave it) is listed with its versions, metrics,
 * production alias and alias history, and an admin rolls production back from the page.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SqliteRegistry } from '../../engine/store/sqlite-registry.js';
import { screenshot } from './editor-page.js';
import { capture, startSession, type Session } from './session.js';

const artifact = (n: number) => ({ type: 'model' as const, uri: `loom://artifacts/${String(n).repeat(64)}`, sha256: String(n).repeat(64), bytes: 1024 * n });

let session: Session;
beforeAll(async () => {
  session = await startSession(async ({ home }) => {
    const registry = new SqliteRegistry(join(home, 'registry.db'));
    try {
      for (const [n, ndcg] of [[1, 0.1548], [2, 0.1712]] as const) {
        const v = await registry.register({ name: 'recs', artifact: artifact(n), algorithm: 'rebuy', actor: 'workflow:recommender', metrics: { ndcg, recall: ndcg / 2 } });
        await registry.moveAlias({ name: 'recs', alias: 'production', to: v.version, actor: 'workflow:recommender', reason: `publish: gate passed (v${n})` });
      }
    } finally {
      registry.close();
    }
  });
});
afterAll(async () => {
  await session?.close();
});

test('the models page lists versions with metrics and history, and an admin rolls production back', async () => {
  const page = await session.open({ hash: '#/models' });
  await capture(page, 'models', async () => {
    const list = page.getByTestId('models-list');
    await list.getByRole('button', { name: /recs/ }).waitFor();
    expect(await list.textContent()).toContain('2 versions · production v2');
    await page.getByTestId('production-alias').filter({ hasText: 'version 2' }).waitFor();

    const versions = page.getByTestId('model-versions');
    await versions.locator('tr[data-version="1"]').waitFor();
    expect(await versions.locator('tbody tr').count()).toBe(2);
    expect(await versions.locator('tr[data-version="2"]').textContent()).toContain('0.1712');
    expect(await versions.locator('tr[data-version="2"]').getAttribute('class')).toBe('production');
    expect(await page.getByTestId('alias-history').locator('tbody tr').count()).toBe(2);
    await screenshot(page, 'models-before-rollback');

    await page.getByLabel('Reason').fill('complaints about v2');
    await page.getByRole('button', { name: 'Rollback' }).click();
    await page.getByRole('status').filter({ hasText: 'production moved from v2 to v1' }).waitFor();
    await page.getByTestId('production-alias').filter({ hasText: 'version 1' }).waitFor();
    const newest = page.getByTestId('alias-history').locator('tbody tr').first();
    await expect.poll(() => newest.getAttribute('data-kind')).toBe('rollback');
    expect(await newest.textContent()).toContain('complaints about v2');
    expect(await newest.textContent()).toContain('ops');
    await screenshot(page, 'models-after-rollback');
  });
});

/**
 * Writes docs/editor.png, the README's picture of the editor: the real editor (built UI, real `loom serve`) with
 * workflows/recommender.json opened, auto-laid out, run on the shipped sample, and its evaluate node selected so
 * that the run dock shows the metrics chart. Run by hand after a build: `npx tsx test/e2e/readme-screenshot.ts`.
 */
import { execFileSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.js';
import { LOOM_BIN } from '../cli-helpers.js';
import { prepareDirs, startServer, TOKENS } from './server.js';
import './page-globals.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const dirs = await prepareDirs();
await copyFile(join(ROOT, 'workflows/recommender.json'), join(dirs.workflows, 'recommender.json'));
// encrypt seals the ranker with a key-encryption key: a fresh keyring for this run.
const keys = join(dirs.dir, 'keys.json');
execFileSync(process.execPath, [LOOM_BIN, 'keys', 'generate', keys], { stdio: 'ignore' });
const server = await startServer(dirs, { LOOM_KEY_FILE: keys });
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(server.url);
  await page.evaluate((t) => localStorage.setItem('loom.token', t), TOKENS.admin);
  await page.goto(`${server.url}/#/workflows/recommender`);
  await page.reload();
  await page.getByTestId('node-evaluate').waitFor();
  await page.evaluate(() => window.__loom!.ready());
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await page.getByRole('toolbar', { name: 'run controls' }).getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: 120_000 });
  await page.getByTestId('node-evaluate').locator('.pnode-header').click();
  await page.getByTestId('chart-metrics').waitFor();
  await page.getByRole('button', { name: 'Fit view', exact: true }).click();
  await page.waitForTimeout(600);
  const out = join(ROOT, 'docs/editor.png');
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}

/** One browser suite's world: prepared directories, the real server over them, and a headless Chromium. */
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { screenshot } from './editor-page.js';
import { prepareDirs, startServer, TOKENS, type LoomServer } from './server.js';
import './page-globals.js';

export interface Session {
  readonly server: LoomServer;
  readonly context: BrowserContext;
  /** A page of the editor, signed in with `token` (the admin's by default) unless `token` is null. */
  open(options?: { token?: string | null; hash?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** `before` runs on the prepared directories before the server starts (e.g. to seed the model registry). */
export async function startSession(before?: (dirs: { home: string; workflows: string }) => Promise<void>): Promise<Session> {
  const dirs = await prepareDirs();
  await before?.(dirs);
  const server = await startServer(dirs);
  const browser = await launchBrowser().catch(async (e: unknown) => (await server.stop(), Promise.reject(e)));
  const pages: Page[] = [];
  return {
    server,
    context: browser.context,
    async open({ token = TOKENS.admin, hash = '' } = {}) {
      const page = await browser.context.newPage();
      pages.push(page);
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(`${server.url}/${hash}`);
      await page.evaluate((t) => (t ? localStorage.setItem('loom.token', t) : localStorage.removeItem('loom.token')), token);
      if (token) await page.reload();
      return page;
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/** Screenshots the page into .test-results/screenshots when the test fails, then lets the failure stand. */
export async function capture<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    await screenshot(page, `FAILED-${name}`).catch(() => undefined);
    throw error;
  }
}

/**
 * Gestures on the editor page as a user makes them, for the browser suites: real drags from the palette, real
 * handle-to-handle drags to wire, the config panel's generated form, and screenshots into .test-results.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import './page-globals.js';

export const SCREENSHOTS = fileURLToPath(new URL('../../.test-results/screenshots/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The centre of an element on screen. */
async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a plugin from the palette onto the canvas, `at` pixels from the canvas's top-left corner (HTML5 drag and drop). */
export async function dropPlugin(page: Page, plugin: string, at: { x: number; y: number }): Promise<string> {
  const before = new Set(await nodeIds(page));
  await page.getByTestId(`palette-${plugin}`).dragTo(page.getByTestId('canvas'), { targetPosition: at });
  const added = (await nodeIds(page)).filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`dropping ${plugin} added ${added.length} nodes`);
  await page.getByTestId(`node-${added[0]}`).waitFor();
  return added[0]!;
}

export async function nodeIds(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__loom!.document().nodes.map((n) => n.id));
}

/** Drags from an output handle to an input handle with the mouse, in small steps, as React Flow expects. */
export async function wire(page: Page, from: string, to: string): Promise<void> {
  const [node, port] = from.split('.') as [string, string];
  const [target, input] = to.split('.') as [string, string];
  const a = await centre(page.getByTestId(`handle-${node}-out-${port}`));
  const b = await centre(page.getByTestId(`handle-${target}-in-${input}`));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

/** Selects a node by clicking its header; the config panel then shows it. */
export async function select(page: Page, id: string): Promise<Locator> {
  await page.getByTestId(`node-${id}`).locator('.pnode-header').click();
  const panel = page.getByTestId('config-panel');
  await panel.getByLabel('Node id').and(page.locator(`[value="${id}"]`)).waitFor();
  return panel;
}

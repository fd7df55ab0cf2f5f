import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import type { RunEvent } from '../../engine/run/events.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc, startDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import sleep from './sleep.plugin.js';

pluginContract(asAnyPlugin(sleep));
const test = loomTest();

test('waits at least its ms and reports rising progress', async ({ loom }) => {
  const events: RunEvent[] = [];
  const state = await runDoc(loom, workflow().node('s', 'sleep', { config: { ms: 700 } }).build(), { onEvent: (e) => events.push(e) });
  expect(state.nodes.s!.durationMs).toBeGreaterThanOrEqual(700);
  const fractions = events.flatMap((e) => (e.type === 'node.progress' ? [e.fraction] : []));
  expect(fractions.length).toBeGreaterThanOrEqual(2);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  expect(fractions.at(-1)).toBe(1);
  expect(await loom.artifacts.readJson(state.nodes.s!.outputs!.out!)).toEqual({ sleptMs: 700 });
});

test('stops at once when the run is cancelled', async ({ loom }) => {
  const handle = startDoc(loom, workflow().node('s', 'sleep', { config: { ms: 60_000 } }).build(), {
    onEvent: (e) => e.type === 'node.started' && setTimeout(() => handle.cancel(), 50),
  });
  const state = await handle.done;
  expect(state.nodes.s!.status).toBe('cancelled');
  expect(state.nodes.s!.durationMs).toBeLessThan(10_000);
});

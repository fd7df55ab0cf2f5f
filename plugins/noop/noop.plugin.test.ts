import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import noop from './noop.plugin.js';

pluginContract(asAnyPlugin(noop));
const test = loomTest();

test('passes its input through: the very same artifact', async ({ loom }) => {
  const state = await runDoc(loom, workflow().node('c', 'constant', { config: { a: 1 } }).chain('c', 'n').build());
  expect(state.nodes.n!.outputs!.out).toEqual(state.nodes.c!.outputs!.out);
});

test('with nothing wired, emits JSON null', async ({ loom }) => {
  const state = await runDoc(loom, workflow().node('n', 'noop').build());
  expect(await loom.artifacts.readJson(state.nodes.n!.outputs!.out!)).toBeNull();
});

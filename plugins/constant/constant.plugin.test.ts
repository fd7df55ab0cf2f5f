import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import constant from './constant.plugin.js';

pluginContract(asAnyPlugin(constant));
const test = loomTest();

test('emits its config as a JSON artifact', async ({ loom }) => {
  const state = await runDoc(loom, workflow().node('c', 'constant', { config: { cutoff: '2011-09-01', k: [10, 20] } }).build());
  const out = state.nodes.c!.outputs!.out!;
  expect(out.type).toBe('json');
  expect(await loom.artifacts.readJson(out)).toEqual({ cutoff: '2011-09-01', k: [10, 20] });
});

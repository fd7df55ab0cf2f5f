import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import fail from './fail.plugin.js';

pluginContract(asAnyPlugin(fail));
const test = loomTest();

test('fails its first `times` attempts with its message, then succeeds', async ({ loom }) => {
  const doc = workflow().node('f', 'fail', { config: { times: 2, message: 'flaky disk' }, retry: { maxAttempts: 3, backoffMs: 1 } }).build();
  const state = await runDoc(loom, doc);
  expect(state.nodes.f).toMatchObject({ status: 'succeeded', attempts: 3 });
  expect(await loom.artifacts.readJson(state.nodes.f!.outputs!.out!)).toEqual({ attempt: 3 });
});

test('times=0 succeeds at once', async ({ loom }) => {
  const state = await runDoc(loom, workflow().node('f', 'fail', { config: { times: 0 } }).build());
  expect(state.nodes.f).toMatchObject({ status: 'succeeded', attempts: 1 });
});

test('a non-retryable failure says so', async ({ loom }) => {
  const doc = workflow().node('f', 'fail', { config: { times: 1, retryable: false, message: 'bad data' }, retry: { maxAttempts: 3 } }).build();
  const state = await runDoc(loom, doc);
  expect(state.nodes.f!.error).toEqual({ code: 'PLUGIN_FAILED', message: 'bad data (attempt 1 of the first 1)', retryable: false });
});

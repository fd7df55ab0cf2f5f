/**
 * On Temporal, third-party plugins run isolated too: the worker's activity goes through the same executor,
 * which runs a package's plugin in a child process. A plugin that exits kills only its child; a run started
 * at the same time on the same worker completes.
 */
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { discoverPlugins } from '../../engine/plugin/discover.js';
import type { ArtifactRef } from '../../engine/plugin/types.js';
import { workflow } from '../builder.js';
import { compile, temporalTest } from './fixture.js';

const PACKAGES = fileURLToPath(new URL('../fixtures/packages/', import.meta.url));
const discovered = await discoverPlugins({ builtins: [], cwd: tmpdir(), env: { LOOM_PLUGIN_PATH: `${PACKAGES}misbehaving:${PACKAGES}basket-tools` } });
const test = temporalTest(discovered);

describe('isolated plugins on Temporal', () => {
  test('a package plugin runs in a child of the worker; one that exits fails only its node while a parallel run completes', async ({ loom, temporal }) => {
    const healthy = workflow('healthy').node('count', 'basket-count', { config: { items: ['tea', 'cups'] } }).build();
    const bad = workflow('bad').node('e', 'exits').build();
    const [healthyId, badId] = await Promise.all([temporal.client.start(compile(loom, healthy)), temporal.client.start(compile(loom, bad))]);
    const [ok, failed] = await Promise.all([temporal.client.follow(healthyId), temporal.client.follow(badId)]);

    expect(ok.status).toBe('succeeded');
    const counted = await loom.artifacts.readJson<{ items: number; pid: number }>(ok.nodes.count!.outputs!.count as ArtifactRef);
    expect(counted.items).toBe(2);
    // The worker runs in this process; the plugin did not.
    expect(counted.pid).not.toBe(process.pid);

    expect(failed.status).toBe('failed');
    expect(failed.nodes.e).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'PLUGIN_FAILED', message: 'plugin "exits@1.0.0" exited with code 3 before it finished', retryable: false } });
  });
});

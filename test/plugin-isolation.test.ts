/**
 * Third-party plugins run in a child process per node attempt: a plugin that throws, spins, leaks memory or
 * exits fails only its node, within its limit, while another run in the same process completes; cancelling
 * kills the child; logs, progress, node state and artifacts cross the process boundary; secrets reach only
 * the plugins that declare them. Plugins come from test/fixtures/packages/misbehaving, found by discovery.
 */
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { discoverPlugins } from '../engine/plugin/discover.js';
import type { RunEvent } from '../engine/run/events.js';
import type { ArtifactRef } from '../engine/plugin/types.js';
import type { Loom } from '../engine/loom.js';
import { workflow } from './builder.js';
import { loomTest, runDoc, startDoc } from './fixtures/loom.js';

const PACKAGES = fileURLToPath(new URL('./fixtures/packages/', import.meta.url));
const discovered = await discoverPlugins({ builtins: [], cwd: tmpdir(), env: { LOOM_PLUGIN_PATH: `${PACKAGES}misbehaving:${PACKAGES}basket-tools` } });
// The same trivial plugin, untagged: to the registry an untagged plugin is a built-in, run in process.
const trivialInProcess = { ...discovered.find((p) => p.name === 'trivial')!, name: 'trivial-in-process' };
// In process too, ctx.secrets holds exactly what a plugin declares.
const seen: Record<string, unknown> = {};
const inProcessProbe = (name: string, secrets?: string[]) => ({
  name, version: '1.0.0', title: name, description: 'Records its secrets.', category: 'test', outputs: {},
  ...(secrets ? { capabilities: { secrets } } : {}),
  async run(ctx: { secrets: Record<string, string> }) {
    seen[name] = { ...ctx.secrets };
    return {};
  },
});
const test = loomTest([...discovered, trivialInProcess, inProcessProbe('builtin-nosy'), inProcessProbe('builtin-declared', ['SHOP_API_KEY', 'UNSET_KEY'])] as never);

const ENV = {
  LOOM_PLUGIN_MEMORY_MB: '64',
  LOOM_PLUGIN_KILL_GRACE_MS: '500',
  SHOP_API_KEY: 'sk-shop-123',
  LOOM_MASTER_KEY: 'master-key-material',
  LOOM_TOKENS: 'admin:secret-token',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
};
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [name, value] of Object.entries(ENV)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `bad` runs next to a healthy run started at the same moment; both finish, and the healthy one succeeds. */
async function besideHealthyRun(loom: Loom, bad: unknown) {
  const healthy = workflow('healthy').node('count', 'basket-count', { config: { items: ['tea', 'cups'] } }).node('nap', 'sleep', { config: { ms: 300 } }).build();
  const started = Date.now();
  const [state, other] = await Promise.all([runDoc(loom, bad), runDoc(loom, healthy)]);
  expect(other.status).toBe('succeeded');
  const counted = await loom.artifacts.readJson<{ items: number; pid: number }>(other.nodes.count!.outputs!.count as ArtifactRef);
  expect(counted.items).toBe(2);
  expect(counted.pid).not.toBe(process.pid);
  return { state, ms: Date.now() - started };
}

describe('a misbehaving plugin fails only its node', () => {
  test('one that throws fails with its own message', async ({ loom }) => {
    const { state } = await besideHealthyRun(loom, workflow('bad').node('t', 'throws').build());
    expect(state.status).toBe('failed');
    expect(state.nodes.t!.status).toBe('failed');
    expect(state.nodes.t!.error).toEqual({ code: 'PLUGIN_FAILED', message: 'the shop API said no', retryable: true });
  });

  test('one that loops forever is killed at its time limit, named in the message', async ({ loom }) => {
    const { state, ms } = await besideHealthyRun(loom, workflow('bad').node('s', 'spin', { timeoutMs: 400 }).build());
    expect(state.nodes.s!.status).toBe('failed');
    expect(state.nodes.s!.error).toEqual({ code: 'NODE_TIMEOUT', message: 'node "s" timed out after 400 ms', retryable: true });
    // The time limit, then SIGTERM (which a busy loop cannot answer), then SIGKILL after the 500 ms grace.
    expect(ms).toBeLessThan(400 + 500 + 5000);
  });

  test('one that allocates without bound fails at its memory cap, named in the message', async ({ loom }) => {
    const { state } = await besideHealthyRun(loom, workflow('bad').node('h', 'hog').build());
    expect(state.nodes.h!.status).toBe('failed');
    expect(state.nodes.h!.error).toEqual({ code: 'PLUGIN_FAILED', message: 'plugin "hog@1.0.0" ran out of memory: it needed more than its cap of 64 MB', retryable: false });
  });

  test('one that calls process.exit(3) fails with its exit code', async ({ loom }) => {
    const { state } = await besideHealthyRun(loom, workflow('bad').node('e', 'exits').build());
    expect(state.nodes.e!.status).toBe('failed');
    expect(state.nodes.e!.error).toEqual({ code: 'PLUGIN_FAILED', message: 'plugin "exits@1.0.0" exited with code 3 before it finished', retryable: false });
  });
});

describe('cancellation', () => {
  async function cancelWhileWaiting(loom: Loom, stubborn: boolean) {
    let pid = 0;
    const run = startDoc(loom, workflow('wait').node('w', 'waits', { config: { ms: 60_000, stubborn } }).build(), {
      onEvent: (event: RunEvent) => {
        if (event.type === 'node.log' && event.message.startsWith('pid ')) pid = Number(event.message.slice(4));
      },
    });
    while (pid === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelled = Date.now();
    run.cancel('enough');
    const state = await run.done;
    return { state, pid, ms: Date.now() - cancelled };
  }

  test('SIGTERM aborts the plugin signal; the node is cancelled and its process is gone', async ({ loom }) => {
    const { state, pid, ms } = await cancelWhileWaiting(loom, false);
    expect(state.status).toBe('cancelled');
    expect(state.nodes.w!.status).toBe('cancelled');
    expect(alive(pid)).toBe(false);
    expect(ms).toBeLessThan(500);
  });

  test('a plugin that ignores its signal is SIGKILLed after the grace period', async ({ loom }) => {
    const { state, pid, ms } = await cancelWhileWaiting(loom, true);
    expect(state.nodes.w!.status).toBe('cancelled');
    expect(alive(pid)).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(450);
  });
});

describe('the context crosses the process boundary', () => {
  //   input (constant) ──► chatty
  test('logs and progress are node events, node state persists, artifacts written by the child are outputs', async ({ loom }) => {
    const doc = workflow('chat').node('input', 'constant', { config: { value: 21 } }).node('chatty', 'chatty', { inputs: { in: 'input.out' }, cache: false }).build();
    const events: RunEvent[] = [];
    const first = await runDoc(loom, doc, { onEvent: (event) => events.push(event) });
    expect(first.status).toBe('succeeded');
    const logs = events.flatMap((e) => (e.type === 'node.log' && e.nodeId === 'chatty' ? [`${e.level}: ${e.message}`] : []));
    expect(logs).toEqual(['info: starting', 'info: from console.log', 'warn: run number 1']);
    const progress = events.flatMap((e) => (e.type === 'node.progress' && e.nodeId === 'chatty' ? [[e.fraction, e.message]] : []));
    expect(progress).toEqual([[0.5, 'half way']]);

    const outputs = first.nodes.chatty!.outputs!;
    const out = await loom.artifacts.readJson<{ value: number; runs: number; pid: number }>(outputs.out as ArtifactRef);
    expect(out).toMatchObject({ value: 42, runs: 1 });
    expect(out.pid).not.toBe(process.pid);
    expect(new TextDecoder().decode(await loom.artifacts.readBytes(outputs.file as ArtifactRef))).toBe('hello 21');

    const second = await runDoc(loom, doc);
    expect(await loom.artifacts.readJson(second.nodes.chatty!.outputs!.out as ArtifactRef)).toMatchObject({ value: 42, runs: 2 });
  });
});

describe('secrets', () => {
  //   probe (declares nothing)    probe-secret (declares SHOP_API_KEY)
  test('only a plugin that declares SHOP_API_KEY sees it; no child sees LOOM_MASTER_KEY, LOOM_TOKENS or AWS_*', async ({ loom }) => {
    const doc = workflow('probe').node('nosy', 'probe', { cache: false }).node('declared', 'probe-secret', { cache: false }).build();
    const state = await runDoc(loom, doc);
    expect(state.status).toBe('succeeded');
    type Seen = { secrets: Record<string, string>; env: Record<string, string> };
    const nosy = await loom.artifacts.readJson<Seen>(state.nodes.nosy!.outputs!.out as ArtifactRef);
    const declared = await loom.artifacts.readJson<Seen>(state.nodes.declared!.outputs!.out as ArtifactRef);

    expect(nosy.secrets).toEqual({});
    expect(nosy.env.SHOP_API_KEY).toBeUndefined();
    expect(declared.secrets).toEqual({ SHOP_API_KEY: 'sk-shop-123' });
    expect(declared.env.SHOP_API_KEY).toBe('sk-shop-123');
    for (const seen of [nosy, declared]) {
      const names = Object.keys(seen.env);
      expect(names.filter((name) => name.startsWith('LOOM_') || name.startsWith('AWS_'))).toEqual([]);
      // Nothing but the basics (and the declared secret): not even what vitest put in the environment.
      expect(names.filter((name) => !['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL', 'SHOP_API_KEY'].includes(name))).toEqual([]);
    }
  });
});

describe('secrets of plugins that run in process', () => {
  test('a built-in gets ctx.secrets for its declared names that are set, and {} when it declares none', async ({ loom }) => {
    const state = await runDoc(loom, workflow('probe').node('a', 'builtin-nosy', { cache: false }).node('b', 'builtin-declared', { cache: false }).build());
    expect(state.status).toBe('succeeded');
    expect(seen).toEqual({ 'builtin-nosy': {}, 'builtin-declared': { SHOP_API_KEY: 'sk-shop-123' } });
  });
});

describe('overhead', () => {
  test('an isolated node against the same plugin in process (median of 20, printed for the notes)', async ({ loom }) => {
    const isolatedDoc = workflow('trivial').node('t', 'trivial', { cache: false }).build();
    const inProcessDoc = workflow('trivial').node('t', 'trivial-in-process', { cache: false }).build();
    const median = async (doc: unknown) => {
      const times: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        const state = await runDoc(loom, doc);
        expect(state.status).toBe('succeeded');
        times.push(state.nodes.t!.durationMs ?? Number.NaN);
      }
      return times.sort((a, b) => a - b)[10]!;
    };
    const isolated = await median(isolatedDoc);
    const inProcess = await median(inProcessDoc);
    console.log(`isolation overhead: isolated node median ${isolated} ms, in process ${inProcess} ms (runner loaded with tsx under tests)`);
  }, 120_000);
});

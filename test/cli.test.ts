/** The `loom` command as a user meets it: exit codes, output formats, and bad input that never crashes or hangs it. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rm } from 'node:fs/promises';
import { backgroundRun, loom, spawnLoom, waitFor } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await tempDir('loom-cli-');
  env = { LOOM_HOME: join(dir, 'home') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const hello = {
  version: 1,
  name: 'hello',
  params: { ms: { type: 'integer', default: 50 } },
  nodes: [
    { id: 'greet', plugin: 'constant', config: { text: 'hi' } },
    { id: 'wait', plugin: 'sleep', inputs: { in: 'greet.out' }, config: { ms: '${params.ms}' } },
    { id: 'flaky', plugin: 'fail', after: ['wait'], config: { times: 1 }, retry: { maxAttempts: 2, backoffMs: 10 } },
  ],
};

describe('loom validate', () => {
  test('a valid file: exit 0', async () => {
    const path = await file('hello.json', hello);
    const result = await loom(['validate', path], env);
    expect(result).toMatchObject({ code: 0, stdout: `${path}: valid (3 nodes)\n` });
  });

  test('an invalid file: exit 1, one located problem per line on stdout', async () => {
    const path = await file('bad.json', { ...hello, nodes: [...hello.nodes, { id: 'x', plugin: 'sleep', config: { ms: 'long' } }, { id: 'y', plugin: 'noop', inputs: { in: 'z.out' } }] });
    const result = await loom(['validate', path], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(['/nodes/3/config/ms: must be an integer, not "long" (config of plugin "sleep")', '/nodes/4/inputs/in: unknown node "z"', ''].join('\n'));
    expect(result.stderr).toBe(`${path}: 2 problems\n`);
  });
});

describe('loom run', () => {
  test('--json prints only the final summary', async () => {
    const path = await file('hello.json', hello);
    const result = await loom(['run', path, '--json', '--param', 'ms=20'], env);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'succeeded', nodes: { greet: { status: 'succeeded', cached: false, attempts: 1 }, flaky: { status: 'succeeded', attempts: 2 } } });
    expect(Object.keys(summary.nodes.wait.outputs)).toEqual(['out']);
    expect(summary.nodes.wait.durationMs).toBeTypeOf('number');
  });

  test('a failed run exits 1 and says why', async () => {
    const path = await file('failing.json', { version: 1, name: 'failing', nodes: [{ id: 'boom', plugin: 'fail', config: { times: 9, message: 'no luck' } }] });
    const result = await loom(['run', path], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/boom failed: no luck \(attempt 1 of the first 9\)/);
  });

  test('usage errors exit 2', async () => {
    const path = await file('hello.json', hello);
    expect((await loom(['run', path, '--concurrency', '0'], env)).code).toBe(2);
    expect((await loom(['run', path, '--param', 'nonsense'], env)).code).toBe(2);
    expect((await loom(['run', path, '--engine', 'spark'], env)).code).toBe(2);
    expect((await loom(['frobnicate'], env)).code).toBe(2);
  });

  test('a bad param value is a located error, exit 1', async () => {
    const path = await file('hello.json', hello);
    const result = await loom(['run', path, '--param', 'ms=soon'], env);
    expect(result).toMatchObject({ code: 1, stdout: '/params/ms: value must be an integer, not "soon"\n' });
  });
});

describe('loom runs and loom plugins', () => {
  test('runs --json lists runs newest first', async () => {
    const runs = JSON.parse((await loom(['runs', '--json'], env)).stdout);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs[0]).toHaveProperty('runId');
    expect(runs[0]).toHaveProperty('status');
  });

  test('plugins --json describes ports and config schema', async () => {
    const plugins = JSON.parse((await loom(['plugins', '--json'], env)).stdout) as { name: string }[];
    expect(plugins.map((p) => p.name)).toEqual(['annotate', 'approve', 'classify', 'clean', 'collect', 'constant', 'encrypt', 'evaluate', 'fail', 'featurize', 'integrate', 'noop', 'publish', 'rollback', 'sleep', 'train']);
    expect(plugins.find((p) => p.name === 'sleep')).toMatchObject({
      version: '1.0.0',
      inputs: [{ name: 'in', type: 'any', optional: true }],
      outputs: [{ name: 'out', type: 'json' }],
      config: { type: 'object', properties: { ms: { type: 'integer', default: 1000 } } },
    });
  });
});

describe('bad input never crashes or hangs the CLI', () => {
  const cases: [string, () => Promise<string>, string | (() => string)][] = [
    ['malformed JSON', () => file('malformed.json', '{\n  "version": 1,\n  "name": "x"\n  "nodes": []\n}'), '(root): not valid JSON at line 4, column 3: expected \',\'\n'],
    ['an empty file', () => file('empty.json', ''), '(root): the file is empty; a workflow is a JSON object\n'],
    ['a non-object root', () => file('array.json', '[]'), '(root): must be an object, not an array\n'],
    ['a 50 MB file', () => file('huge.json', `{"version":1,"name":"x","nodes":[],"description":"${'x'.repeat(50 * 1024 * 1024)}"}`), '(root): the file is 50.0 MB; workflow files are limited to 10.0 MB\n'],
    [
      '100,000 nodes',
      () => file('many.json', { version: 1, name: 'x', nodes: Array.from({ length: 100_000 }, (_, i) => ({ id: `n${i}`, plugin: 'noop' })) }),
      '/nodes: has 100000 nodes; a workflow may have at most 50000\n',
    ],
    [
      'deeply nested config',
      () => file('deep.json', `{"version":1,"name":"x","nodes":[{"id":"a","plugin":"constant","config":{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`),
      '/nodes/0/config/v/0/0/0/0/…: nests deeper than 64 levels\n',
    ],
    ['unknown fields', () => file('unknown.json', { version: 1, name: 'x', nodes: [], colour: 'red' }), '/colour: unknown field "colour"\n'],
    ['a missing file', async () => join(dir, 'nope.json'), () => `(root): no such file: ${join(dir, 'nope.json')}\n`],
  ];

  test.each(cases)('%s: a located error, exit 1', async (_name, make, expected) => {
    const path = await make();
    for (const command of ['validate', 'run']) {
      const result = await loom([command, path], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe(typeof expected === 'function' ? expected() : expected);
    }
  });
});

describe('Ctrl-C', () => {
  test('SIGINT cancels the run cleanly, records it, and exits 130', async () => {
    const path = await file('long.json', { version: 1, name: 'long', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 60_000 } }, { id: 'next', plugin: 'noop', inputs: { in: 'nap.out' } }] });
    const child = spawnLoom(['run', path], env);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    for (let i = 0; i < 400 && !/nap started/.test(stdout); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const result = await child.result;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/nap cancelled\n/);
    expect(result.stdout).toMatch(/next skipped: the run was cancelled\n/);
    const runId = /^run (\S+) started/m.exec(result.stdout)![1];
    const runs = JSON.parse((await loom(['runs', '--json'], env)).stdout) as { runId: string; status: string }[];
    expect(runs.find((r) => r.runId === runId)?.status).toBe('cancelled');
  });
});

describe('approve and cancel from another process (embedded engine)', () => {
  const gated = { version: 1, name: 'gated', nodes: [{ id: 'model', plugin: 'constant', config: { auc: 0.9 } }, { id: 'gate', plugin: 'approve', inputs: { in: 'model.out' }, config: { message: 'ship it?' } }, { id: 'ship', plugin: 'noop', inputs: { in: 'gate.out' } }] };

  test('loom approve releases the gate; --reject fails it with the reason', async () => {
    const path = await file('gated.json', gated);
    const yes = await backgroundRun([path], env);
    await waitFor(() => yes.output().includes('gate waiting: ship it?'), 'the gate');
    expect(await loom(['approve', yes.runId, 'gate', '--reason', 'ok', '--by', 'alice'], env)).toMatchObject({ code: 0, stdout: `approved node gate of run ${yes.runId}\n` });
    const approved = await yes.child.result;
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/gate \[info\] approved by alice: ok/);

    const no = await backgroundRun([path], env);
    await waitFor(() => no.output().includes('gate waiting'), 'the gate');
    await loom(['approve', no.runId, 'gate', '--reject', '--reason', 'too risky', '--by', 'bob'], env);
    const rejected = await no.child.result;
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/gate failed: node "gate" was rejected by bob: too risky/);
  });

  test('approving a node that is not a gate is a clear error', async () => {
    const path = await file('gated.json', gated);
    const run = await backgroundRun([path], env);
    await waitFor(() => run.output().includes('gate waiting'), 'the gate');
    const wrong = await loom(['approve', run.runId, 'ship'], env);
    expect(wrong).toMatchObject({ code: 2, stderr: `loom: run "${run.runId}" has no approval node "ship"\n` });
    await loom(['cancel', run.runId], env);
    expect((await run.child.result).code).toBe(130);
  });

  test('loom cancel from another process cancels the run', async () => {
    const path = await file('nap.json', { version: 1, name: 'nap', nodes: [{ id: 'nap', plugin: 'sleep', config: { ms: 60_000 } }] });
    const run = await backgroundRun([path], env);
    await waitFor(() => run.output().includes('nap started'), 'the node to start');
    expect((await loom(['cancel', run.runId, '--reason', 'lunch'], env)).code).toBe(0);
    const result = await run.child.result;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/cancelling: lunch/);
  });
});

describe('loom preview', () => {
  test("shows a JSON output; names what is wrong with a bad node or port", async () => {
    const path = await file('hello.json', hello);
    const run = JSON.parse((await loom(['run', path, '--json', '--param', 'ms=5'], env)).stdout) as { runId: string };
    expect(await loom(['preview', run.runId, 'greet'], env)).toMatchObject({ code: 0, stdout: '{\n  "text": "hi"\n}\n' });
    expect(await loom(['preview', run.runId, 'gret'], env)).toMatchObject({ code: 2, stderr: `loom: run "${run.runId}" has no node "gret"; did you mean "greet"?\n` });
    expect(await loom(['preview', run.runId, 'greet', '--port', 'data'], env)).toMatchObject({ code: 2, stderr: 'loom: node "greet" has no output "data"; its outputs are "out"\n' });
  });
});

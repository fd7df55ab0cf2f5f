import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ident, withDb } from './data/duckdb.js';
import { checkAbort, checkSample, checkSchema } from './contract.js';
import { asAnyPlugin } from './plugin/define.js';
import { definePlugin, PluginError, Type } from './sdk.js';
import { pluginContract, runPlugin } from './testing.js';

/** Counts rows per value of a column: a small dataset plugin that uses the data plane, progress, logs and state. */
const countBy = definePlugin({
  name: 'count-by',
  version: '1.0.0',
  title: 'Count by',
  description: 'Counts the rows of each value of a column.',
  category: 'test',
  inputs: { data: { type: 'dataset' } },
  outputs: { counts: { type: 'dataset' }, report: { type: 'json' } },
  config: Type.Object(
    {
      column: Type.String({ description: 'The column to group by.' }),
      label: Type.String({ default: 'n', description: 'The name of the count column.' }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    ctx.log.info(`counting by ${ctx.config.column}`);
    const runs = ((await ctx.state.get<number>()) ?? 0) + 1;
    await ctx.state.set(runs);
    return withDb(ctx, async (db) => {
      await db.load('input', ctx.inputs.data);
      const columns = (await db.columns('input')).map((c) => c.name);
      if (!columns.includes(ctx.config.column)) throw new PluginError(`column "${ctx.config.column}" not found; columns are ${columns.join(', ')}`, { retryable: false });
      const key = ident(ctx.config.column);
      const counts = await db.writeDataset(`SELECT ${key}, count(*)::INTEGER AS ${ident(ctx.config.label)} FROM input GROUP BY ${key} ORDER BY ${key}`);
      ctx.progress(1, 'counted');
      return { counts, report: await ctx.artifacts.putJson('json', { groups: Number(counts.meta?.rows), runs }) };
    });
  },
});

const echo = definePlugin({
  name: 'echo',
  version: '1.0.0',
  title: 'Echo',
  description: 'Returns its JSON input with its config beside it.',
  category: 'test',
  inputs: { value: { type: 'json' }, extra: { type: 'json', optional: true } },
  outputs: { out: { type: 'json' } },
  config: Type.Object({ times: Type.Integer({ default: 2, description: 'Unused.' }) }, { additionalProperties: false }),
  async run(ctx) {
    return { out: await ctx.artifacts.putJson('json', { value: await ctx.artifacts.readJson(ctx.inputs.value), config: ctx.config }) };
  },
});

pluginContract(countBy, {
  samples: [{ config: { column: 'item' }, inputs: { data: [{ item: 'a' }, { item: 'b' }, { item: 'a' }] } }],
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-testing-'));
  await writeFile(join(dir, 'lines.csv'), 'invoice,item\n1,a\n1,b\n2,a\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('runPlugin', () => {
  test('runs a dataset plugin given rows: defaults filled in, outputs read back, progress, logs and state kept', async () => {
    const run = await runPlugin(countBy, { config: { column: 'item' }, inputs: { data: [{ item: 'a' }, { item: 'b' }, { item: 'a' }] }, state: 4 });
    expect(run.read('counts')).toEqual([
      { item: 'a', n: 2 },
      { item: 'b', n: 1 },
    ]);
    expect(run.read('report')).toEqual({ groups: 2, runs: 5 });
    expect(run.outputs.counts!.meta).toMatchObject({ format: 'parquet', rows: 2 });
    expect(run.progress).toEqual([{ fraction: 1, message: 'counted' }]);
    expect(run.logs).toEqual([{ level: 'info', message: 'counting by item' }]);
    expect(run.state).toBe(5);
  });

  test('takes a dataset as a CSV path, and typed rows (which may be empty)', async () => {
    const fromCsv = await runPlugin(countBy, { config: { column: 'invoice', label: 'lines' }, inputs: { data: join(dir, 'lines.csv') } });
    expect(fromCsv.read('counts')).toEqual([
      { invoice: 1, lines: 2 },
      { invoice: 2, lines: 1 },
    ]);
    const empty = await runPlugin(countBy, { config: { column: 'item' }, inputs: { data: { columns: { item: 'VARCHAR' }, rows: [] } } });
    expect(empty.read('counts')).toEqual([]);
    expect(empty.read('report')).toEqual({ groups: 0, runs: 1 });
  });

  test('takes JSON values on json ports and leaves an unwired optional port undefined', async () => {
    const run = await runPlugin(echo, { inputs: { value: [1, 'two'] } });
    expect(run.read('out')).toEqual({ value: [1, 'two'], config: { times: 2 } });
  });

  test('takes a model or file port as bytes or a path, copying the file rather than moving it', async () => {
    const sizes = definePlugin({
      name: 'sizes',
      version: '1.0.0',
      title: 'Sizes',
      description: 'Measures its files.',
      category: 'test',
      inputs: { files: { type: 'file', many: true } },
      outputs: { out: { type: 'json' }, first: { type: 'file', optional: true } },
      async run(ctx) {
        const bytes = await Promise.all(ctx.inputs.files.map(async (ref) => (await ctx.artifacts.readBytes(ref)).byteLength));
        return { out: await ctx.artifacts.putJson('json', bytes) };
      },
    });
    const path = join(dir, 'lines.csv');
    const run = await runPlugin(sizes, { inputs: { files: [path, new Uint8Array([1, 2, 3])] } });
    expect(run.read('out')).toEqual([25, 3]);
    expect(existsSync(path)).toBe(true);
    expect(() => run.read('first')).toThrow('plugin "sizes" did not return its optional output "first"');
    expect(() => run.read('second')).toThrow('plugin "sizes" has no output "second"; its outputs are "out", "first"');
  });

  test('reuses artifacts across runs that share a home', async () => {
    const home = join(dir, 'home');
    const first = await runPlugin(echo, { inputs: { value: 'x' }, home });
    const second = await runPlugin(echo, { inputs: { value: first.outputs.out! }, home });
    expect(second.read('out')).toEqual({ value: { value: 'x', config: { times: 2 } }, config: { times: 2 } });
    await expect(runPlugin(echo, { inputs: { value: first.outputs.out! } })).rejects.toThrow(
      `runPlugin: input "value": artifact ${first.outputs.out!.sha256} is not in this run's store; pass the same \`home\` to every run that shares artifacts, or give the value itself`,
    );
  });

  test('fails as the engine fails: bad config, a missing input, an unknown input, a plugin error', async () => {
    await expect(runPlugin(countBy, { config: { column: 'item', colour: 'red' } as never, inputs: { data: [{ item: 'a' }] } })).rejects.toThrow(
      'node "plugin-under-test": config does not fit plugin "count-by@1.0.0": / must NOT have additional properties',
    );
    await expect(runPlugin(countBy, { config: { column: 'item' } })).rejects.toThrow('runPlugin: plugin "count-by": input "data" (dataset) is required; give it in options.inputs');
    await expect(runPlugin(echo, { inputs: { value: 1, other: 2 } })).rejects.toThrow('runPlugin: plugin "echo" has no input "other"; its inputs are "value", "extra"');
    await expect(runPlugin(countBy, { config: { column: 'sku' }, inputs: { data: [{ item: 'a' }] } })).rejects.toMatchObject({
      code: 'PLUGIN_FAILED',
      retryable: false,
      message: 'column "sku" not found; columns are item',
    });
    await expect(runPlugin(countBy, { config: { column: 'item' }, inputs: { data: [] } })).rejects.toThrow(/input "data" is an empty list of rows/);
  });

  test('checks outputs against the declared ports', async () => {
    const liar = definePlugin({
      name: 'liar',
      version: '1.0.0',
      title: 'Liar',
      description: 'Returns JSON on a dataset port.',
      category: 'test',
      outputs: { data: { type: 'dataset' } },
      async run(ctx) {
        return { data: await ctx.artifacts.putJson('json', []) };
      },
    });
    await expect(runPlugin(liar)).rejects.toMatchObject({
      code: 'PLUGIN_OUTPUT_INVALID',
      message: 'node "plugin-under-test" (plugin "liar@1.0.0") returned a json on output "data", which is declared dataset',
    });
  });

  test('a cancelled run rejects as cancelled, and its scratch dir is gone afterwards', async () => {
    let scratch = '';
    const waiter = definePlugin({
      name: 'waiter',
      version: '1.0.0',
      title: 'Waiter',
      description: 'Waits until it is cancelled.',
      category: 'test',
      outputs: {},
      async run(ctx) {
        scratch = ctx.scratchDir;
        await wait(60_000, undefined, { signal: ctx.signal });
        return {};
      },
    });
    const started = Date.now();
    await expect(runPlugin(waiter, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(runPlugin(waiter, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'NODE_TIMEOUT' });
    expect(scratch).not.toBe('');
    expect(existsSync(scratch)).toBe(false);
  });
});

describe('the contract catches a plugin that breaks it', () => {
  test('a default that does not fit its own schema', () => {
    const plugin = definePlugin({
      name: 'bad-default',
      version: '1.0.0',
      title: 'Bad default',
      description: 'Has a default outside its own range.',
      category: 'test',
      outputs: {},
      config: Type.Object({ k: Type.Integer({ minimum: 1, default: 0 }) }, { additionalProperties: false }),
      async run() {
        return {};
      },
    });
    expect(() => checkSchema(asAnyPlugin(plugin))).toThrow('the default at #/properties/k (0) fails its own schema: data must be >= 1');
  });

  test('a write into the workflow folder', async () => {
    const plugin = definePlugin({
      name: 'litter',
      version: '1.0.0',
      title: 'Litter',
      description: 'Writes a file beside the workflow.',
      category: 'test',
      outputs: {},
      async run(ctx) {
        await writeFile(join(ctx.workflowDir, 'out.csv'), 'x\n');
        return {};
      },
    });
    await expect(checkSample(asAnyPlugin(plugin), {})).rejects.toThrow(/^files written outside the scratch dir and the artifact store: \/.*\/workflow\/out\.csv:/);
  });

  test('a run that ignores its signal', async () => {
    const plugin = definePlugin({
      name: 'deaf',
      version: '1.0.0',
      title: 'Deaf',
      description: 'Waits a second whatever happens.',
      category: 'test',
      outputs: {},
      async run() {
        await wait(1_000);
        return {};
      },
    });
    await expect(checkAbort(asAnyPlugin(plugin), {}, 200)).rejects.toThrow('its run was still going 200 ms after its signal aborted');
  });
});
